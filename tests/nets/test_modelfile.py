"""The model file: round trips, and every way a file can be wrong is refused without unpickling."""

import dataclasses
import hashlib
import json
import pickle

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from colorizer_app.errors import ColorizerError
from colorizer_app.nets import modelfile
from colorizer_app.nets.modelfile import (
    ModelFileError,
    ModelManifest,
    load_model,
    paths,
    read_manifest,
    save_model,
)
from colorizer_app.nets.unified import UnifiedConfig, UnifiedGenerator
from colorizer_app.vocabulary import Tag, Vocabulary

torch.set_num_threads(1)

CVT = ("red_hair", "blue_hair", "green_eyes", "red_eyes", "white_shirt", "black_shirt")
CIT = ("twintails", "hat", "long_hair", "smile")
CONFIG = UnifiedConfig.named("tiny", len(CVT), len(CIT))


def _vocabulary(cvt=CVT, cit=CIT) -> Vocabulary:
    return Vocabulary(
        parts=("hair", "eyes", "top"),
        cvt=tuple(
            Tag(n, "cvt", n.split("_")[1].replace("shirt", "top"), "color", ("#ff0000",))
            for n in cvt
        ),
        cit=tuple(Tag(n, "cit", None, "shape", ()) for n in cit),
    )


def _manifest(**changes) -> ModelManifest:
    fields = dict(
        architecture="unified.generator",
        config=CONFIG,
        cvt=CVT,
        cit=CIT,
        hints=("strokes", "tags", "reference"),
        resolution=256,
        recipe={"name": "unified", "lr": 2e-4},
        budget={"steps": 10},
        metrics={"tag_accuracy": 0.5},
    )
    return ModelManifest(**(fields | changes))


@pytest.fixture(scope="module")
def model() -> UnifiedGenerator:
    torch.manual_seed(0)
    return UnifiedGenerator(CONFIG).eval()


@pytest.fixture
def saved(tmp_path, model):
    path = tmp_path / "colorizer-tiny.safetensors"
    save_model(path, model, _manifest())
    return path


@pytest.fixture(autouse=True)
def _no_unpickling(monkeypatch):
    """Every test fails if anything tries to unpickle."""

    def refuse(*args, **kwargs):
        raise AssertionError("a model file was unpickled")

    class RefusingUnpickler(pickle.Unpickler):  # a class still: torch subclasses it on import
        load = refuse

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", RefusingUnpickler)
    monkeypatch.setattr(torch, "load", refuse)


def _outputs(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    sketch = torch.rand(1, 1, 32, 32, generator=g) * 2 - 1
    hints = torch.zeros(1, 4, 32, 32)
    hints[:, :, 8:16, 8:16] = 0.7
    cvt = torch.rand(1, len(CVT), generator=g) * 2
    reference = torch.rand(1, 3, 64, 64, generator=g) * 2 - 1
    with torch.no_grad():
        return module(sketch, hints, cvt, None, reference)[0]


def test_round_trip_gives_identical_outputs(saved, model):
    loaded = load_model(saved, vocabulary=_vocabulary())
    assert torch.equal(_outputs(loaded.module), _outputs(model))
    assert not loaded.module.training
    manifest = loaded.manifest
    assert manifest.config == CONFIG and manifest.cvt == CVT and manifest.cit == CIT
    assert manifest.hints == ("strokes", "tags", "reference") and manifest.resolution == 256
    assert manifest.recipe["lr"] == 2e-4 and manifest.storage == "float32"
    assert len(manifest.sha256) == 64


def test_manifest_is_a_readable_sidecar_and_embedded(saved):
    weights, sidecar = paths(saved)
    document = json.loads(sidecar.read_text())
    assert document["architecture"] == "unified.generator"
    assert document["vocabulary"]["cvt"] == list(CVT)  # names, in order: not a hash
    assert document["config"]["reference"]["n_tags"] == len(CVT) + len(CIT)
    assert read_manifest(sidecar) == load_model(weights).manifest
    assert paths(saved.with_suffix(".json")) == paths(saved.with_suffix("")) == (weights, sidecar)


def test_fp16_storage_loads_as_float32(tmp_path, model):
    path = tmp_path / "half.safetensors"
    manifest = save_model(path, model, _manifest(), half=True)
    assert manifest.storage == "float16"
    full = tmp_path / "full.safetensors"
    save_model(full, model, _manifest())
    assert path.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_model(path)
    assert all(p.dtype == torch.float32 for p in loaded.module.parameters())
    assert torch.allclose(_outputs(loaded.module), _outputs(model), atol=2e-2)


def test_missing_files(tmp_path, saved):
    with pytest.raises(ModelFileError, match="model file not found"):
        load_model(tmp_path / "nothing.safetensors")
    paths(saved)[1].unlink()
    with pytest.raises(ModelFileError, match="manifest is missing"):
        load_model(saved)


def test_truncated_file_is_refused(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="SHA-256 mismatch"):
        load_model(saved)


def test_changed_weights_are_refused(saved):
    data = bytearray(saved.read_bytes())
    data[-3] ^= 0xFF  # one flipped byte inside the last tensor
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="SHA-256 mismatch"):
        load_model(saved)


def _rewrite_sidecar(path, edit):
    sidecar = paths(path)[1]
    document = json.loads(sidecar.read_text())
    edit(document)
    sidecar.write_text(json.dumps(document))


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pickle_renamed_safetensors_is_refused_without_unpickling(tmp_path, saved):
    # A real pickle, with a manifest whose SHA-256 matches it: only the parser can refuse it.
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"weights": [1.0, 2.0], "note": "harmless"}))
    paths(path)[1].write_text(paths(saved)[1].read_text())
    _rewrite_sidecar(path, lambda d: d.update(sha256=_sha256(path)))
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        load_model(path)


def test_edited_manifest_is_refused(saved):
    """The SHA-256 covers the weights; the embedded copy covers the sidecar."""
    _rewrite_sidecar(saved, lambda d: d["vocabulary"]["cvt"].reverse())
    with pytest.raises(ModelFileError, match="does not match the one inside"):
        load_model(saved)


def test_a_file_written_before_a_config_field_existed_still_loads(tmp_path, saved, model):
    """Config fields added later (with defaults) are absent from older files, inside and beside."""
    with safe_open(str(saved), framework="pt") as weights:
        tensors = {name: weights.get_tensor(name) for name in weights.keys()}  # noqa: SIM118 (not a dict)
        embedded = json.loads(weights.metadata()[modelfile.METADATA_KEY])
    del embedded["config"]["part_classes"], embedded["config"]["refine_from"]
    old = tmp_path / "old.safetensors"
    save_file(tensors, str(old), metadata={modelfile.METADATA_KEY: json.dumps(embedded)})
    paths(old)[1].write_text(json.dumps({**embedded, "sha256": _sha256(old)}))
    assert torch.equal(_outputs(load_model(old).module), _outputs(model))


def test_wrong_tensor_shapes_are_refused(tmp_path, model):
    path = tmp_path / "shapes.safetensors"
    save_model(path, model, _manifest())
    tensors = {k: v.clone() for k, v in model.state_dict().items()}
    tensors["to_rgb.weight"] = torch.zeros(3, 8, 5, 5)
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()  # the embedded manifest, kept so that only the tensors are wrong
    save_file(tensors, str(path), metadata=metadata)
    _rewrite_sidecar(path, lambda d: d.update(sha256=_sha256(path)))
    with pytest.raises(ModelFileError, match=r"to_rgb\.weight .*expects"):
        load_model(path)
    del tensors["to_rgb.weight"]
    save_file(tensors, str(path), metadata=metadata)
    _rewrite_sidecar(path, lambda d: d.update(sha256=_sha256(path)))
    with pytest.raises(ModelFileError, match="1 missing"):
        load_model(path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(architecture="os.system"), "unknown architecture 'os.system'"),
        (lambda d: d["config"].update(widths="big"), "config.widths must be a list"),
        (lambda d: d["config"].update(colour=1), "unknown fields"),
        (lambda d: d.update(hints=["strokes", "telepathy"]), "unknown hint kinds"),
        (lambda d: d.update(version=99), "version 99 is not supported"),
        (lambda d: d.pop("resolution"), "lacks 'resolution'"),
        (lambda d: d["vocabulary"]["cvt"].pop(), "takes 6 color tags"),
    ],
)
def test_bad_manifests_are_refused(saved, edit, message):
    _rewrite_sidecar(saved, edit)
    with pytest.raises(ModelFileError, match=message):
        load_model(saved)


def test_bad_json_is_refused(saved):
    paths(saved)[1].write_text('{"format": "colorizer-model", ')
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(saved)


def test_wrong_vocabulary_is_refused(saved):
    other = _vocabulary(cvt=CVT[:3] + ("pink_hair",) + CVT[4:])
    with pytest.raises(ColorizerError, match="another tag vocabulary.*position 3"):
        load_model(saved, vocabulary=other)


def test_save_refuses_a_module_that_does_not_match(tmp_path, model):
    other = dataclasses.replace(CONFIG, mid_blocks=2)
    with pytest.raises(ValueError, match="not a unified.generator"):
        save_model(tmp_path / "x.safetensors", model, _manifest(config=other))
    with pytest.raises(ValueError, match="unknown hint kinds"):
        save_model(tmp_path / "x.safetensors", model, _manifest(hints=("sound",)))
    assert not list(tmp_path.iterdir())


def test_a_config_asking_for_a_huge_network_is_refused_before_allocating(tmp_path, model):
    """A crafted file whose (consistent) manifest asks for 60 000-channel layers."""
    huge = dataclasses.replace(CONFIG, widths=(60_000,) * 4)
    manifest = _manifest(config=huge)
    path = tmp_path / "huge.safetensors"
    metadata = {modelfile.METADATA_KEY: json.dumps(manifest.to_json(with_sha256=False))}
    save_file(dict(model.state_dict()), str(path), metadata=metadata)
    paths(path)[1].write_text(
        json.dumps(dataclasses.replace(manifest, sha256=_sha256(path)).to_json())
    )
    with pytest.raises(ModelFileError, match="the architecture expects"):
        load_model(path)
