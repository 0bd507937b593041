"""``colorizer-cli models``: installed models with what they take and their scoreboard, flat
fill, and the refused files with their reasons."""

from colorizer_app.cli import main
from tests.tiny_model import make_tiny_model


def test_lists_models_scoreboard_and_refusals(models_env, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "models"
    for name in ("tiny", "cut"):
        make_tiny_model(folder, name, metrics={"tag_accuracy": 0.25, "bleeding": {"mean": 0.125}})
    weights = folder / "cut.safetensors"
    weights.write_bytes(weights.read_bytes()[:500])
    monkeypatch.setenv("COLORIZER_MODELS_DIR", str(folder))
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "tiny: user, unified.generator, 32px, takes reference, strokes, tags"
    assert lines[1] == "    scoreboard: bleeding.mean=0.125, tag_accuracy=0.25"
    assert lines[2] == "flat: built-in, flat fill (no network), any size, takes strokes"
    assert lines[3].startswith(f"refused cut: {weights}: SHA-256 mismatch")
