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


def test_ship_stores_companions_once_by_content(tmp_path, capsys):
    import torch

    from colorizer_app.nets import alacgan
    from colorizer_app.nets.blocks import init_weights
    from colorizer_app.nets.modelfile import ModelManifest, save_model
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    presets = alacgan.configs()

    def save(name, architecture, module):
        manifest = ModelManifest(architecture, module.config, tuple(t.name for t in vocabulary.cvt),
                                 tuple(t.name for t in vocabulary.cit), ("strokes",), 32)
        save_model(tmp_path / f"{name}.safetensors", module, manifest)
        return str(tmp_path / f"{name}.safetensors")

    torch.manual_seed(0)
    generator = save("alacgan", "alacgan.generator",
                     alacgan.AlacGenerator(presets["generator"]["tiny"]).apply(init_weights))
    local = save("local", "alacgan.tagger", alacgan.LocalFeatures(presets["tagger"]["tiny"]))
    other = save("other", "alacgan.tagger", alacgan.LocalFeatures(presets["tagger"]["tiny"]))
    shelf = tmp_path / "models"
    shelf.mkdir()
    for name in ("a", "b"):
        assert main(["ship", generator, "--name", name, "--models-dir", str(shelf),
                     "--companion", f"local_features={local}"]) == 0
    catalogue = json.loads((shelf / "manifest.json").read_text())
    files = {m["name"]: m["companions"]["local_features"]["file"] for m in catalogue["models"]}
    assert files["a"] == files["b"] and files["a"].startswith("local_features-")
    assert len(list(shelf.glob("local_features-*.safetensors"))) == 1
    registry = ModelRegistry(shipped_dir=shelf, scan_user=False)
    assert {e.name: e.accepts for e in registry.entries} == {"a": {"strokes"}, "b": {"strokes"}}
    assert registry.load("a").module.local_features is not None
    # Re-shipping both with another network drops the file that no entry refers to any more.
    for name in ("a", "b"):
        assert main(["ship", generator, "--name", name, "--models-dir", str(shelf),
                     "--companion", f"local_features={other}"]) == 0
    assert not (shelf / files["a"]).exists()
    assert len(list(shelf.glob("local_features-*"))) == 2  # the new .safetensors and .json
    # A model the app would refuse is not shipped.
    assert main(["ship", generator, "--name", "c", "--models-dir", str(shelf)]) != 0
    assert "c: it needs its local_features companion" in capsys.readouterr().err
    assert main(["ship", generator, "--name", "c", "--models-dir", str(shelf),
                 "--companion", f"mapping={local}"]) != 0
    assert "has no 'mapping' companion" in capsys.readouterr().err
    catalogue = json.loads((shelf / "manifest.json").read_text())
    assert "c" not in [m["name"] for m in catalogue["models"]]
