"""Shipping a trained model: float16 copy, catalogue entry the engine's registry accepts."""

import json

from colorizer_app.engine.registry import ModelRegistry
from tests.tiny_model import make_tiny_model
from training.cli import main


def test_ship_writes_a_catalogue_the_registry_loads(tmp_path):
    make_tiny_model(tmp_path / "run", "unified", resolution=32)
    report = {
        "model": "engine:x.safetensors",
        "size": 256,
        "config": "eval-v1",
        "seeds": [1_000_000_000, 1_000_000_100],
        "table": {"overall": {"tag_accuracy": {"value": 0.5, "cases": 9}}},
    }
    (tmp_path / "metrics.json").write_text(json.dumps(report))
    shelf = tmp_path / "models"
    shelf.mkdir()
    assert (
        main(
            [
                "ship",
                str(tmp_path / "run" / "unified.safetensors"),
                "--name",
                "uni",
                "--default",
                "--scoreboard",
                str(tmp_path / "metrics.json"),
                "--models-dir",
                str(shelf),
            ]
        )
        == 0
    )
    catalogue = json.loads((shelf / "manifest.json").read_text())
    (entry,) = catalogue["models"]
    assert entry["default"] and entry["scoreboard"]["engine@256"]["tag_accuracy"] == 0.5
    assert entry["scoreboard"]["engine@256"]["samples"] == 100
    registry = ModelRegistry(shipped_dir=shelf, scan_user=False)
    assert [e.name for e in registry.entries] == ["uni"] and not registry.refusals
    loaded = registry.load("uni")
    assert loaded.manifest.storage == "float16"
    # Shipping again under the same name replaces the entry instead of adding one.
    assert (
        main(
            [
                "ship",
                str(tmp_path / "run" / "unified.safetensors"),
                "--name",
                "uni",
                "--models-dir",
                str(shelf),
            ]
        )
        == 0
    )
    assert len(json.loads((shelf / "manifest.json").read_text())["models"]) == 1


def test_reshipping_a_shipped_file_keeps_its_scoreboard(tmp_path):
    make_tiny_model(tmp_path / "run", "unified", resolution=32)
    report = {
        "model": "x.safetensors",
        "size": 32,
        "config": "eval-v1",
        "seeds": [0, 10],
        "table": {"overall": {"tag_accuracy": {"value": 0.25, "cases": 9}}},
    }
    (tmp_path / "metrics.json").write_text(json.dumps(report))
    shelf = tmp_path / "models"
    shelf.mkdir()
    assert (
        main(
            [
                "ship",
                str(tmp_path / "run" / "unified.safetensors"),
                "--name",
                "uni",
                "--scoreboard",
                str(tmp_path / "metrics.json"),
                "--models-dir",
                str(shelf),
            ]
        )
        == 0
    )
    assert (
        main(
            ["ship", str(shelf / "uni.safetensors"), "--name", "again", "--models-dir", str(shelf)]
        )
        == 0
    )
    entries = {m["name"]: m for m in json.loads((shelf / "manifest.json").read_text())["models"]}
    assert entries["again"]["scoreboard"] == entries["uni"]["scoreboard"]
    assert entries["again"]["scoreboard"]["direct@32"]["tag_accuracy"] == 0.25


def test_ship_stores_companions_once_by_content(tmp_path, capsys):
    import torch

    from colorizer_app.nets import alacgan
    from colorizer_app.nets.blocks import init_weights
    from colorizer_app.nets.modelfile import ModelManifest, save_model
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    presets = alacgan.configs()

    def save(name, architecture, module):
        manifest = ModelManifest(
            architecture,
            module.config,
            tuple(t.name for t in vocabulary.cvt),
            tuple(t.name for t in vocabulary.cit),
            ("strokes",),
            32,
        )
        save_model(tmp_path / f"{name}.safetensors", module, manifest)
        return str(tmp_path / f"{name}.safetensors")

    torch.manual_seed(0)
    generator = save(
        "alacgan",
        "alacgan.generator",
        alacgan.AlacGenerator(presets["generator"]["tiny"]).apply(init_weights),
    )
    local = save("local", "alacgan.tagger", alacgan.LocalFeatures(presets["tagger"]["tiny"]))
    other = save("other", "alacgan.tagger", alacgan.LocalFeatures(presets["tagger"]["tiny"]))
    shelf = tmp_path / "models"
    shelf.mkdir()
    for name in ("a", "b"):
        assert (
            main(
                [
                    "ship",
                    generator,
                    "--name",
                    name,
                    "--models-dir",
                    str(shelf),
                    "--companion",
                    f"local_features={local}",
                ]
            )
            == 0
        )
    catalogue = json.loads((shelf / "manifest.json").read_text())
    files = {m["name"]: m["companions"]["local_features"]["file"] for m in catalogue["models"]}
    assert files["a"] == files["b"] and files["a"].startswith("alacgan-tagger-")
    assert len(list(shelf.glob("alacgan-tagger-*.safetensors"))) == 1
    registry = ModelRegistry(shipped_dir=shelf, scan_user=False)
    assert {e.name: e.accepts for e in registry.entries} == {"a": {"strokes"}, "b": {"strokes"}}
    assert registry.load("a").module.local_features is not None
    # Re-shipping both with another network drops the file that no entry refers to any more.
    for name in ("a", "b"):
        assert (
            main(
                [
                    "ship",
                    generator,
                    "--name",
                    name,
                    "--models-dir",
                    str(shelf),
                    "--companion",
                    f"local_features={other}",
                ]
            )
            == 0
        )
    assert not (shelf / files["a"]).exists()
    assert len(list(shelf.glob("alacgan-tagger-*"))) == 2  # the new .safetensors and .json
    # A model the app would refuse is not shipped.
    assert main(["ship", generator, "--name", "c", "--models-dir", str(shelf)]) != 0
    assert "c: it needs its local_features companion" in capsys.readouterr().err
    assert (
        main(
            [
                "ship",
                generator,
                "--name",
                "c",
                "--models-dir",
                str(shelf),
                "--companion",
                f"mapping={local}",
            ]
        )
        != 0
    )
    assert "has no 'mapping' companion" in capsys.readouterr().err
    catalogue = json.loads((shelf / "manifest.json").read_text())
    assert "c" not in [m["name"] for m in catalogue["models"]]


def test_one_shared_tagger_file_serves_every_paper_model(tmp_path):
    """The shared tagger shipped as Tag2Pix's CIT extractor, CSA's hint features, AlacGAN's
    local features and Yan's reference encoder is stored once, and each model runs with it."""
    import dataclasses

    import torch

    from colorizer_app.nets import alacgan, csa, reference, tag2pix
    from colorizer_app.nets.blocks import init_weights
    from colorizer_app.nets.modelfile import ModelManifest, save_model
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    cvt, cit = tuple(t.name for t in vocabulary.cvt), tuple(t.name for t in vocabulary.cit)
    tagger_config = reference.configs()["tagger"]["tiny"]
    at_one_eighth = tagger_config.widths[1]

    def save(name, architecture, module, accepts):
        manifest = ModelManifest(architecture, module.config, cvt, cit, accepts, 32)
        save_model(tmp_path / f"{name}.safetensors", module, manifest)
        return str(tmp_path / f"{name}.safetensors")

    torch.manual_seed(0)
    # Saved as Yan's run exports its reference encoder: a file that says it takes a reference.
    tagger = save(
        "tagger", "reference.tagger", reference.ResNetTagger(tagger_config), ("reference",)
    )
    t2p_config = dataclasses.replace(
        tag2pix.configs()["generator"]["tiny"], cit_channels=at_one_eighth
    )
    t2p = save(
        "t2p",
        "tag2pix.generator",
        tag2pix.Tag2PixGenerator(t2p_config).apply(init_weights),
        ("tags",),
    )
    csa_config = dataclasses.replace(
        csa.configs()["generator"]["tiny"], hint_feature_channels=at_one_eighth
    )
    strokes = save(
        "csa", "csa.generator", csa.CSAGenerator(csa_config).apply(init_weights), ("strokes",)
    )
    alac_config = dataclasses.replace(
        alacgan.configs()["generator"]["tiny"], local_channels=tagger_config.widths[2]
    )
    alac = save(
        "alac",
        "alacgan.generator",
        alacgan.AlacGenerator(alac_config).apply(init_weights),
        ("strokes",),
    )
    yan = save(
        "yan",
        "reference.generator",
        reference.YanGenerator(reference.configs()["generator"]["tiny"]).apply(init_weights),
        ("reference",),
    )
    shelf = tmp_path / "models"
    shelf.mkdir()
    for name, model, role in (
        ("t2p", t2p, "cit_extractor"),
        ("csa", strokes, "hint_features"),
        ("alac", alac, "local_features"),
        ("yan", yan, "reference_encoder"),
    ):
        assert (
            main(
                [
                    "ship",
                    model,
                    "--name",
                    name,
                    "--models-dir",
                    str(shelf),
                    "--companion",
                    f"{role}={tagger}",
                ]
            )
            == 0
        )
    assert len(list(shelf.glob("reference-tagger-*.safetensors"))) == 1
    registry = ModelRegistry(shipped_dir=shelf, scan_user=False)
    assert not registry.refusals
    # A frozen feature net adds no input to the model it serves.
    assert {e.name: e.accepts for e in registry.entries} == {
        "t2p": {"tags"},
        "csa": {"strokes"},
        "alac": {"strokes"},
        "yan": {"reference"},
    }
    sketch = torch.zeros(1, 1, 32, 32)
    for name in ("t2p", "csa", "alac"):
        model = registry.load(name).module
        rgb, _ = model.decode(model.encode_sketch(sketch))
        assert rgb.shape == (1, 3, 32, 32) and torch.isfinite(rgb).all()
