"""``colorizer-cli colorize``: every option works; bad input exits 2 with one line on stderr."""

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from colorizer_app.cli import main


def run_ok(capsys, *argv):
    code = main(["colorize", *map(str, argv), "--threads", "1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out


def test_default_output_beside_the_drawing(models_env, lineart, capsys):
    out = run_ok(capsys, lineart, "--device", "cpu")
    written = lineart.with_name("drawing-colored.png")
    assert Image.open(written).size == (80, 60)
    assert out.out.startswith(f"{lineart}: colored by tiny in ")


def test_every_option_together(models_env, lineart, tmp_path, capsys):
    hints = tmp_path / "hints.json"
    hints.write_text(
        json.dumps(
            {
                "strokes": [{"color": "#ff0000", "width": 4, "points": [[30, 30], [40, 32]]}],
                "fills": [{"color": "#00ff00", "point": [5, 50]}],
            }
        )
    )
    reference = tmp_path / "ref.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8)).save(
        reference
    )
    output, layers, ora, psd = (
        tmp_path / "out.png",
        tmp_path / "layers",
        tmp_path / "out.ora",
        tmp_path / "out.psd",
    )
    run_ok(
        capsys,
        lineart,
        "--tags",
        "blue_hair",
        "red_eyes=1.5",
        "--hints",
        hints,
        "--reference",
        reference,
        "--model",
        "tiny",
        "--device",
        "cpu",
        "--size",
        "48",
        "--region-consistency",
        "-o",
        output,
        "--layers",
        layers,
        "--ora",
        ora,
        "--psd",
        psd,
    )
    assert Image.open(output).size == (80, 60)
    assert sorted(p.name for p in layers.iterdir()) == [
        "color.png",
        "composite.png",
        "flats.png",
        "hints.png",
        "line-art.png",
    ]
    hint_layer = np.asarray(Image.open(layers / "hints.png"))
    assert tuple(hint_layer[31, 35]) == (255, 0, 0, 255)
    with zipfile.ZipFile(ora) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert b'name="line art"' in archive.read("stack.xml")
    from psd_tools import PSDImage

    assert [layer.name for layer in PSDImage.open(psd)] == ["flats", "color", "hints", "line art"]


def test_hint_png_and_flat_model(models_env, lineart, tmp_path, capsys):
    hint_png = tmp_path / "hints.png"
    pixels = np.zeros((60, 80, 4), np.uint8)
    pixels[20:30, 30:40] = (0, 0, 255, 255)
    Image.fromarray(pixels).save(hint_png)
    out = run_ok(
        capsys, lineart, "--hints", hint_png, "--model", "flat", "-o", tmp_path / "flat.png"
    )
    assert "colored by flat" in out.out
    assert "note: flat fill follows strokes and fills only; the hint image ignored" in out.err
    run_ok(capsys, lineart, "--hints", hint_png, "--model", "auto", "-o", tmp_path / "auto.png")


def one_line_error(capsys, *argv):
    code = main(["colorize", *map(str, argv)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_unknown_tag_lists_close_matches(models_env, lineart, capsys):
    err = one_line_error(capsys, lineart, "--tags", "blue_hiar")
    assert "unknown tag 'blue_hiar' (did you mean blue_hair" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--tags", "blue_hair=9"], "between 0 and 5"),
        (["--tags", "blue_hair=x"], "is not a number"),
        (["--tags", "twintails"], "shape tag"),
        (["--model", "nope"], "unknown model 'nope'"),
        (["--size", "4"], "at least 16 pixels"),
        (["--device", "tpu"], "invalid choice"),
        (["--hints", "missing.json"], "cannot read hints"),
    ],
)
def test_bad_options_exit_2(models_env, lineart, capsys, argv, message):
    assert message in one_line_error(capsys, lineart, *argv)


def test_bad_files_exit_2(models_env, lineart, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert "cannot open" in one_line_error(capsys, bad)
    assert "no such file" in one_line_error(capsys, tmp_path / "none.png")
    hints = tmp_path / "hints.json"
    hints.write_text('{"strokes": [{"color": "red"}]}')
    assert "stroke 0" in one_line_error(capsys, lineart, "--hints", hints)
    small_hint = tmp_path / "small.png"
    Image.fromarray(np.zeros((5, 5, 4), np.uint8)).save(small_hint)
    assert "hint image" in one_line_error(capsys, lineart, "--hints", small_hint)


def test_region_consistency_is_on_by_default_as_in_the_app(
    models_env, lineart, tmp_path, capsys, monkeypatch
):
    from colorizer_app.engine.pipeline import Engine

    seen = []
    colorize = Engine.colorize

    def spy(self, request, *args, **kwargs):
        seen.append(request.region_consistency)
        return colorize(self, request, *args, **kwargs)

    monkeypatch.setattr(Engine, "colorize", spy)
    run_ok(capsys, lineart, "--model", "tiny", "-o", tmp_path / "on.png")
    run_ok(
        capsys, lineart, "--model", "tiny", "--no-region-consistency", "-o", tmp_path / "off.png"
    )
    assert seen == [True, False]


def test_a_finished_picture_is_noted_and_its_lines_extracted_on_request(
    models_env, tmp_path, capsys
):
    """Given a color illustration, colorize says it looks finished; with --extract-lines it
    colors the lines drawn from it instead, and says nothing."""
    picture = np.full((60, 80, 3), 255, np.uint8)
    picture[5:30, 10:70] = (230, 200, 80)  # blonde hair
    picture[30:55, 20:60] = (240, 150, 170)  # a pink dress
    picture[[5, 29, 30, 54], 10:70] = 0
    source = tmp_path / "finished.png"
    Image.fromarray(picture).save(source)
    plain = run_ok(capsys, source, "-o", tmp_path / "plain.png")
    assert "looks like a finished color picture" in plain.err
    extracted = run_ok(capsys, source, "--extract-lines", "-o", tmp_path / "lines.png")
    assert "finished color picture" not in extracted.err
    assert not np.array_equal(
        np.asarray(Image.open(tmp_path / "plain.png")),
        np.asarray(Image.open(tmp_path / "lines.png")),
    )
