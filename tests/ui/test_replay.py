"""``colorizer --replay``: a subprocess drives the real app through its own input paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer_app.document.project import open_project
from colorizer_app.ui.replay import ReplayError, load_edits
from tests.tiny_model import drawing

ROOT = Path(__file__).resolve().parents[2]


def run_app(
    tmp_path: Path, *args: str, models_dir: Path | None = None
) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        OMP_NUM_THREADS="1",
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        COLORIZER_MODELS_DIR=str(models_dir or tmp_path / "none"),
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_replay_drives_the_app_and_saves_what_it_did(tmp_path):
    Image.fromarray(drawing(160, 200)).save(tmp_path / "lines.png")
    Image.fromarray(np.full((40, 40, 3), (200, 40, 40), np.uint8)).save(tmp_path / "ref.png")
    edits = [
        {"model": "flat"},
        {
            "stroke": {
                "color": "#2050e0",
                "width": 6,
                "points": [[90, 80], [100, 80], [110, 82]],
                "pressure": [0.5, 0.8, 1.0],
            }
        },
        {"fill": {"color": "#f0c8a0", "point": [170, 80]}},
        {"tag": "blue_hair", "value": 1.5},
        {"reference": "ref.png"},
        {"stroke": {"color": "#000000", "width": 4, "points": [[10, 10], [20, 20]]}},
        {"undo": 1},
        {"view": "side"},
        {"wait": 60},
        {"screenshot": "shot.png"},
        {"save": "project.ora"},
        {"quit": True},
    ]
    (tmp_path / "edits.json").write_text(json.dumps(edits))
    done = run_app(tmp_path, "--replay", "edits.json", "lines.png")
    assert done.returncode == 0, done.stderr
    with Image.open(tmp_path / "shot.png") as shot:
        assert shot.width > 400
    state = open_project(tmp_path / "project.ora")
    (stroke,) = state.hints.strokes
    assert stroke.color == "#2050e0" and stroke.pressure == (0.5, 0.8, 1.0)
    assert [f.color for f in state.hints.fills] == ["#f0c8a0"]
    assert state.tags == (("blue_hair", 1.5),)
    assert state.reference_name == "ref.png" and state.reference.shape[:2] == (40, 40)


def test_a_failing_edit_stops_the_replay_with_a_message(tmp_path):
    Image.fromarray(drawing(64, 64)).save(tmp_path / "lines.png")
    (tmp_path / "edits.json").write_text(json.dumps([{"tag": "purple_nonsense"}]))
    done = run_app(tmp_path, "--replay", "edits.json", "lines.png")
    assert done.returncode == 1
    assert "purple_nonsense" in done.stderr


def test_scripts_are_checked_before_the_app_starts(tmp_path):
    script = tmp_path / "edits.json"
    script.write_text(json.dumps([{"stroke": {}, "fill": {}}]))
    with pytest.raises(ReplayError, match="exactly one"):
        load_edits(script)
    script.write_text("{not json")
    with pytest.raises(ReplayError, match="edits.json"):
        load_edits(script)


def test_replay_marks_parts_saves_a_palette_and_applies_it_to_another_drawing(tmp_path):
    from bench.stand_in import save_untrained_unified

    models = tmp_path / "models"
    save_untrained_unified(models / "parted.safetensors", resolution=32, region_hints=True)
    Image.fromarray(drawing(160, 200)).save(tmp_path / "lines.png")
    Image.fromarray(drawing(120, 150)).save(tmp_path / "other.png")
    edits = [
        {"model": "parted"},
        {"part": {"part": "hair", "point": [100, 80]}},
        {"wait": 60},
        {"save": "first.ora"},
        {"save_palette": "aoi.json"},
        {"open": "other.png"},
        {"palette": "aoi.json"},
        {"wait": 60},
        {"save": "second.ora"},
        {"quit": True},
    ]
    (tmp_path / "edits.json").write_text(json.dumps(edits))
    done = run_app(tmp_path, "--replay", "edits.json", "lines.png", models_dir=models)
    assert done.returncode == 0, done.stderr
    first, second = open_project(tmp_path / "first.ora"), open_project(tmp_path / "second.ora")
    assert [(m.part, m.point) for m in first.hints.parts] == [("hair", (100.0, 80.0))]
    assert second.drawing.shape[:2] == (120, 150)
    assert second.palette is not None and second.palette.character == "aoi"
    assert "hair" in second.palette.colors
