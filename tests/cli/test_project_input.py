"""``colorizer-cli colorize PROJECT.ora`` (and ``batch``): a saved project is colored as saved, and
the command line's options extend or override what it saved, as ``--help`` says."""

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from colorizer_app.cli import main
from colorizer_app.document.project import save_project
from colorizer_app.document.state import DocumentState
from colorizer_app.imaging.export import write_ora
from colorizer_app.imaging.hints import Fill, Hints, Stroke
from colorizer_app.imaging.layers import Layer
from colorizer_app.imaging.loader import load_image

SAVED_STROKE = Stroke(color="#ff0000", width=4, points=((30, 30), (40, 32)))
SAVED_FILL = Fill("#00ff00", (5, 50))
ADDED_STROKE = Stroke(color="#0000ff", width=3, points=((10, 10), (20, 12)))


@pytest.fixture
def reference_png(tmp_path):
    path = tmp_path / "ref.png"
    pixels = np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def project(lineart, reference_png, tmp_path):
    """A project as the app saves it: the drawing, a stroke and a fill, two tags, a reference."""
    path = tmp_path / "work.ora"
    state = DocumentState(
        drawing=load_image(lineart).pixels,
        drawing_name=lineart.name,
        hints=Hints((SAVED_STROKE,), (SAVED_FILL,)),
        tags=(("blue_hair", 1.5), ("red_eyes", 0.5)),
        reference=load_image(reference_png).pixels,
        reference_name=reference_png.name,
        reference_strength=0.6,
        reference_ignored=frozenset({"skin"}),
    )
    save_project(path, state)
    return path


@pytest.fixture
def requests(monkeypatch):
    """The requests the engine receives."""
    from colorizer_app.engine.pipeline import Engine

    seen = []
    colorize = Engine.colorize

    def spy(self, request, *args, **kwargs):
        seen.append(request)
        return colorize(self, request, *args, **kwargs)

    monkeypatch.setattr(Engine, "colorize", spy)
    return seen


def run_ok(capsys, command, *argv):
    code = main([command, *map(str, argv), "--device", "cpu", "--threads", "1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out


def test_a_project_is_colored_as_saved(
    models_env, project, lineart, reference_png, tmp_path, capsys
):
    """The same picture as the drawing given with the project's hints, tags and reference."""
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps(Hints((SAVED_STROKE,), (SAVED_FILL,)).to_json()))
    common = ("--model", "tiny", "--size", "32")
    out = run_ok(capsys, "colorize", project, *common, "-o", tmp_path / "from-project.png")
    assert out.out.startswith(f"{project}: colored by tiny in ")
    run_ok(
        capsys,
        "colorize",
        lineart,
        *common,
        "--hints",
        hints,
        "--tags",
        "blue_hair=1.5",
        "red_eyes=0.5",
        "--reference",
        reference_png,
        "-o",
        tmp_path / "from-options.png",
    )
    from_project = np.asarray(Image.open(tmp_path / "from-project.png"))
    assert from_project.shape[:2] == (60, 80)
    np.testing.assert_array_equal(
        from_project, np.asarray(Image.open(tmp_path / "from-options.png"))
    )


def test_default_output_beside_the_project(models_env, project, reference_png, capsys, requests):
    run_ok(capsys, "colorize", project, "--model", "flat")
    assert Image.open(project.with_name("work-colored.png")).size == (80, 60)
    (request,) = requests
    assert request.hints == Hints((SAVED_STROKE,), (SAVED_FILL,))
    assert dict(request.tags) == {"blue_hair": 1.5, "red_eyes": 0.5}
    np.testing.assert_array_equal(request.reference, load_image(reference_png).pixels)
    assert (request.reference_strength, request.reference_ignored) == (0.6, frozenset({"skin"}))


def test_the_command_line_extends_and_overrides_the_saved_document(
    models_env, project, tmp_path, capsys, requests
):
    hints = tmp_path / "more.json"
    hints.write_text(json.dumps(Hints((ADDED_STROKE,)).to_json()))
    other_reference = tmp_path / "other.png"
    Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(other_reference)
    run_ok(
        capsys,
        "colorize",
        project,
        "--model",
        "flat",
        "--tags",
        "red_eyes=2",
        "white_shirt",
        "--hints",
        hints,
        "--reference",
        other_reference,
        "--reference-strength",
        "0.25",
        "-o",
        tmp_path / "out.png",
    )
    (request,) = requests
    # --tags add to the saved tags; a tag in both takes the command line's value
    assert dict(request.tags) == {"blue_hair": 1.5, "red_eyes": 2.0, "white_shirt": 1.0}
    # --hints are drawn after the saved strokes and fills
    assert request.hints == Hints((SAVED_STROKE, ADDED_STROKE), (SAVED_FILL,))
    # --reference and --reference-strength replace the saved ones; unticked parts stay unticked
    np.testing.assert_array_equal(request.reference, load_image(other_reference).pixels)
    assert (request.reference_strength, request.reference_ignored) == (0.25, frozenset({"skin"}))


def test_help_says_how_options_combine_with_a_project(capsys):
    assert main(["colorize", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(.ora) is colored as saved" in text
    assert "--tags add to its tags (the command line's value wins)" in text
    assert "--hints are drawn after its strokes and fills" in text
    assert "--reference and --reference-strength replace its own" in text


def one_line_error(capsys, *argv):
    code = main(["colorize", *map(str, argv)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_bad_projects_exit_2_with_one_line(models_env, lineart, tmp_path, capsys):
    garbage = tmp_path / "garbage.ora"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    assert "not a valid OpenRaster (zip) file" in one_line_error(capsys, garbage)
    foreign = tmp_path / "krita.ora"  # an OpenRaster file another program wrote
    write_ora(foreign, [Layer("paint", load_image(lineart).pixels)])
    assert "not a Colorizer project" in one_line_error(capsys, foreign)
    assert "no such file" in one_line_error(capsys, tmp_path / "missing.ora")


def test_a_damaged_project_exits_2(models_env, project, tmp_path, capsys):
    damaged = tmp_path / "damaged.ora"
    with zipfile.ZipFile(project) as source, zipfile.ZipFile(damaged, "w") as target:
        for entry in source.namelist():
            data = source.read(entry)
            target.writestr(entry, b'{"strokes": 7}' if entry == "colorizer/hints.json" else data)
    assert "the hint strokes are damaged" in one_line_error(capsys, damaged)


def test_batch_colors_projects_beside_drawings(
    models_env, project, lineart, tmp_path, capsys, requests
):
    source = tmp_path / "in"
    source.mkdir()
    project.rename(source / "work.ora")
    lineart.rename(source / "plain.png")
    out = tmp_path / "out"
    result = run_ok(capsys, "batch", source, out, "--model", "flat", "--tags", "white_shirt")
    assert result.out.strip() == f"colored 2 of 2 drawings into {out}"
    assert sorted(p.name for p in out.iterdir()) == ["plain.png", "work.png"]
    plain, saved = requests  # name order
    assert plain.hints.is_empty and dict(plain.tags) == {"white_shirt": 1.0}
    assert saved.hints == Hints((SAVED_STROKE,), (SAVED_FILL,))
    assert dict(saved.tags) == {"blue_hair": 1.5, "red_eyes": 0.5, "white_shirt": 1.0}
