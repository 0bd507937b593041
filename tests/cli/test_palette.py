"""``--save-palette`` and ``--palette``: a character's colors saved from one drawing and applied
to another, in ``colorize`` and ``batch``; a bad palette exits 2 with one line."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from bench.stand_in import save_untrained_unified
from colorizer_app.cli import main
from colorizer_app.engine.registry import USER_MODELS_ENV
from tests.tiny_model import drawing


@pytest.fixture
def parted_env(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    save_untrained_unified(folder / "parted.safetensors", resolution=32, region_hints=True)
    monkeypatch.setenv(USER_MODELS_ENV, str(folder))
    torch.set_num_threads(1)
    for name in ("a.png", "b.png"):
        Image.fromarray(drawing(60, 80)).save(tmp_path / name)
    return tmp_path


def test_a_saved_palette_colors_another_drawing_alike(parted_env, capsys):
    folder = parted_env
    argv = ["--model", "parted", "--threads", "1"]
    assert (
        main(
            [
                "colorize",
                str(folder / "a.png"),
                "--save-palette",
                str(folder / "aoi.json"),
                "-o",
                str(folder / "a-out.png"),
                *argv,
            ]
        )
        == 0
    )
    palette = json.loads((folder / "aoi.json").read_text())
    assert palette["character"] == "aoi" and palette["parts"]
    (folder / "frames").mkdir()
    Image.fromarray(drawing(60, 80)).save(folder / "frames" / "b.png")
    assert (
        main(
            [
                "batch",
                str(folder / "frames"),
                str(folder / "out"),
                "--palette",
                str(folder / "aoi.json"),
                *argv,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "colorize",
                str(folder / "b.png"),
                "--palette",
                str(folder / "aoi.json"),
                "-o",
                str(folder / "b-out.png"),
                *argv,
            ]
        )
        == 0
    )
    batch_out = next((folder / "out").glob("b*.png"))
    np.testing.assert_array_equal(
        np.asarray(Image.open(batch_out))[..., :3],
        np.asarray(Image.open(folder / "b-out.png"))[..., :3],
    )
    capsys.readouterr()


def test_a_bad_palette_exits_2_with_one_line(parted_env, capsys):
    bad = parted_env / "bad.json"
    bad.write_text('{"format": "colorizer-palette", "version": 1, "parts": {"wings": "#fff000"}}')
    code = main(["colorize", str(parted_env / "a.png"), "--palette", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "unknown part 'wings'" in err and len(err.strip().splitlines()) == 1
