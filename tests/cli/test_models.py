"""``colorizer-cli models``: a table of the installed models with what they take and headline
scores, flat fill, the refused files with their reasons; every score with --verbose or --json."""

import json

from colorizer_app.cli import main
from tests.tiny_model import make_tiny_model

SCORES = {"tag_accuracy": 0.25, "hint_accuracy": 0.5, "bleeding": {"mean": 0.125}}


def _install(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    for name in ("tiny", "cut"):
        make_tiny_model(folder, name, metrics=SCORES)
    weights = folder / "cut.safetensors"
    weights.write_bytes(weights.read_bytes()[:500])
    monkeypatch.setenv("COLORIZER_MODELS_DIR", str(folder))
    return weights


def test_a_table_row_a_model_then_the_refusals(models_env, tmp_path, monkeypatch, capsys):
    weights = _install(tmp_path, monkeypatch)
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "model", "takes", "works", "at", "tags", "strokes", "reference", "bleeding", "measured",
        "on",
    ]  # fmt: skip
    tiny = lines[1].split()
    assert tiny[:6] == ["tiny", "reference,", "strokes,", "tags", "32px", "0.250"]
    assert tiny[6:8] == ["0.500", "-"]  # strokes measured; reference not; bleeding not a number
    assert lines[2].split()[:5] == ["flat", "strokes", "any", "size", "-"]
    assert lines[3].startswith("* the default")
    assert lines[4].startswith(f"refused cut: {weights}: SHA-256 mismatch")
    assert len(lines) == 6  # no scoreboard dump without --verbose


def test_a_score_of_an_input_the_model_does_not_take_is_not_shown(capsys):
    from colorizer_app.cli.commands.models import format_table
    from colorizer_app.engine.pipeline import ModelInfo

    info = ModelInfo("tags-only", frozenset({"tags"}), 128, "user", "x", True, SCORES)
    row = format_table([info]).splitlines()[1].split()
    assert row[:5] == ["tags-only", "*", "tags", "128px", "0.250"]
    assert row[5] == "-"  # its hint_accuracy is there but it takes no strokes


def test_verbose_lists_every_score(models_env, tmp_path, monkeypatch, capsys):
    _install(tmp_path, monkeypatch)
    assert main(["models", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert (
        "tiny scoreboard:\n  bleeding.mean: 0.125\n  hint_accuracy: 0.5\n  tag_accuracy: 0.25\n"
        in out
    )


def test_json_carries_models_refusals_and_scoreboards(models_env, tmp_path, monkeypatch, capsys):
    weights = _install(tmp_path, monkeypatch)
    assert main(["models", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    tiny, flat = report["models"]
    assert (tiny["name"], tiny["accepts"], tiny["scoreboard"]) == (
        "tiny", ["reference", "strokes", "tags"], SCORES
    )  # fmt: skip
    assert flat["name"] == "flat" and flat["resolution"] is None
    assert report["refused"][0]["reason"].startswith(f"{weights}: SHA-256 mismatch")
