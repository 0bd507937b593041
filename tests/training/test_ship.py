"""Shipping a trained model: float16 copy, catalogue entry the engine's registry accepts."""

import json

from colorizer_app.engine.registry import ModelRegistry
from tests.tiny_model import make_tiny_model
from training.cli import main


def test_ship_writes_a_catalogue_the_registry_loads(tmp_path):
    make_tiny_model(tmp_path / "run", "unified", resolution=32)
    report = {"model": "engine:x.safetensors", "size": 256, "config": "eval-v1",
              "seeds": [1_000_000_000, 1_000_000_100],
              "table": {"overall": {"tag_accuracy": {"value": 0.5, "cases": 9}}}}
    (tmp_path / "metrics.json").write_text(json.dumps(report))
    shelf = tmp_path / "models"
    shelf.mkdir()
    assert main(["ship", str(tmp_path / "run" / "unified.safetensors"), "--name", "uni",
                 "--default", "--scoreboard", str(tmp_path / "metrics.json"),
                 "--models-dir", str(shelf)]) == 0
    catalogue = json.loads((shelf / "manifest.json").read_text())
    (entry,) = catalogue["models"]
    assert entry["default"] and entry["scoreboard"]["engine@256"]["tag_accuracy"] == 0.5
    assert entry["scoreboard"]["engine@256"]["samples"] == 100
    registry = ModelRegistry(shipped_dir=shelf, scan_user=False)
    assert [e.name for e in registry.entries] == ["uni"] and not registry.refusals
    loaded = registry.load("uni")
    assert loaded.manifest.storage == "float16"
    # Shipping again under the same name replaces the entry instead of adding one.
    assert main(["ship", str(tmp_path / "run" / "unified.safetensors"), "--name", "uni",
                 "--models-dir", str(shelf)]) == 0
    assert len(json.loads((shelf / "manifest.json").read_text())["models"]) == 1
