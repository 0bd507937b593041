"""The model registry: verified models are listed and load once; a missing, truncated, altered or
pickled model file is refused with one clear line while the others stay usable."""

import hashlib
import json
import os
import pickle
import shutil

import pytest
import torch

from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.errors import ColorizerError
from colorizer_app.nets import modelfile
from colorizer_app.nets.modelfile import ModelFileError
from tests.tiny_model import drawing, make_tiny_model


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def user_registry(folder):
    return ModelRegistry(shipped_dir=None, user_dir=folder)


def test_lists_a_valid_model_and_loads_it_once(tmp_path, monkeypatch):
    make_tiny_model(tmp_path, metrics={"tag_accuracy": 0.5})
    registry = user_registry(tmp_path)
    (entry,) = registry.entries
    assert (entry.name, entry.source, entry.resolution) == ("tiny", "user", 32)
    assert entry.accepts == {"strokes", "tags", "reference"}
    assert entry.scoreboard == {"tag_accuracy": 0.5}
    assert registry.refusals == ()
    calls = []
    real = modelfile.load_model
    monkeypatch.setattr(modelfile, "load_model", lambda path: calls.append(path) or real(path))
    first = registry.load("tiny")
    assert registry.load("tiny") is first
    assert len(calls) == 1
    assert not first.module.training


def refused_after_load(registry, name):
    with pytest.raises(ModelFileError) as caught:
        registry.load(name)
    assert name not in [e.name for e in registry.entries]
    (refusal,) = [r for r in registry.refusals if r.name == name]
    assert refusal.reason == str(caught.value)
    assert "\n" not in refusal.reason
    return refusal.reason


def test_truncated_file_is_refused_and_the_others_still_load(tmp_path):
    make_tiny_model(tmp_path, "good")
    make_tiny_model(tmp_path, "cut")
    weights = tmp_path / "cut.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    registry = user_registry(tmp_path)
    assert "SHA-256 mismatch" in refused_after_load(registry, "cut")
    assert registry.load("good").manifest.resolution == 32


def test_altered_file_same_size_is_refused(tmp_path):
    make_tiny_model(tmp_path)
    weights = tmp_path / "tiny.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert "SHA-256 mismatch" in refused_after_load(user_registry(tmp_path), "tiny")


class _Payload:
    """Unpickling this would create a folder: proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def test_pickle_renamed_safetensors_is_refused_never_unpickled(tmp_path):
    make_tiny_model(tmp_path)
    marker = tmp_path / "pickle-ran"
    weights = tmp_path / "tiny.safetensors"
    weights.write_bytes(pickle.dumps(_Payload(str(marker))))
    # Even with a manifest that vouches for the pickle's hash, it is not loaded.
    sidecar = tmp_path / "tiny.json"
    document = json.loads(sidecar.read_text())
    document["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    sidecar.write_text(json.dumps(document))
    reason = refused_after_load(user_registry(tmp_path), "tiny")
    assert "not a valid safetensors file" in reason
    assert not marker.exists()


def test_missing_weights_are_refused_at_listing(tmp_path):
    make_tiny_model(tmp_path)
    (tmp_path / "tiny.safetensors").unlink()
    registry = user_registry(tmp_path)
    assert registry.entries == ()
    (refusal,) = registry.refusals
    assert refusal.name == "tiny" and "model file not found" in refusal.reason
    with pytest.raises(ColorizerError, match="cannot be used: .*not found"):
        registry.entry("tiny")


def shipped(tmp_path, **changes):
    """A shipped folder with a catalogue listing the tiny model (fields overridable)."""
    folder = tmp_path / "shipped"
    manifest = make_tiny_model(folder, "unified-tiny")
    item = {
        "name": "unified-tiny",
        "file": "unified-tiny.safetensors",
        "sha256": manifest.sha256,
        "architecture": "unified.generator",
        "accepts": ["strokes", "tags", "reference"],
        "resolution": 32,
        "default": True,
        "recipe": {},
        "budget": {},
        "scoreboard": {"hint_accuracy": 0.9},
    }
    item.update(changes)
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "models": [item]}))
    return folder


def test_catalogue_models_are_listed_with_their_scoreboard(tmp_path):
    registry = ModelRegistry(shipped_dir=shipped(tmp_path), scan_user=False)
    (entry,) = registry.entries
    assert entry.source == "shipped" and entry.default
    assert entry.scoreboard == {"hint_accuracy": 0.9}
    assert registry.load("unified-tiny").manifest.architecture == "unified.generator"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"sha256": "0" * 64}, "differs from the catalogue's"),
        ({"resolution": 64}, "the catalogue says resolution 64"),
        ({"accepts": ["tags"]}, "the catalogue says hints"),
        ({"file": "gone.safetensors"}, "model file not found"),
    ],
)
def test_catalogue_disagreements_are_refused(tmp_path, changes, reason):
    registry = ModelRegistry(shipped_dir=shipped(tmp_path, **changes), scan_user=False)
    assert registry.entries == ()
    (refusal,) = registry.refusals
    assert reason in refusal.reason


def test_broken_catalogue_is_one_refusal(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    registry = ModelRegistry(shipped_dir=tmp_path, scan_user=False)
    (refusal,) = registry.refusals
    assert "not a valid model catalogue" in refusal.reason


def test_auto_prefers_the_default_then_an_exact_match(tmp_path):
    folder = shipped(tmp_path)
    users = tmp_path / "user"
    make_tiny_model(users, "tags-only", accepts=("tags",))
    make_tiny_model(users, "strokes-reference", accepts=("strokes", "reference"))
    registry = ModelRegistry(shipped_dir=folder, user_dir=users)
    assert registry.choose({"tags"}).name == "unified-tiny"  # the default takes everything
    assert registry.choose({"strokes", "tags"}).name == "unified-tiny"
    assert registry.choose(set()).name == "unified-tiny"
    without_default = ModelRegistry(shipped_dir=None, user_dir=users)
    assert without_default.choose({"tags"}).name == "tags-only"
    assert without_default.choose({"strokes", "reference"}).name == "strokes-reference"
    assert without_default.choose({"strokes"}).name == "strokes-reference"


def test_auto_falls_back_to_flat_fill_when_every_model_is_refused(tmp_path):
    make_tiny_model(tmp_path)
    weights = tmp_path / "tiny.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    engine = Engine(user_registry(tmp_path), device="cpu", threads=1)
    result = engine.colorize(ColorizeRequest(drawing(40, 50)))
    assert result.model == "flat"
    assert any("'tiny' was refused" in note for note in result.notes)
    assert any("fell back to flat fill" in note for note in result.notes)
    assert engine.refusals[0].name == "tiny"


def test_named_refused_model_is_an_error(tmp_path):
    make_tiny_model(tmp_path)
    shutil.copy(tmp_path / "tiny.json", tmp_path / "other.json")
    engine = Engine(user_registry(tmp_path), device="cpu", threads=1)
    with pytest.raises(ColorizerError, match="'other' cannot be used"):
        engine.colorize(ColorizeRequest(drawing(40, 50), model="other"))
    with pytest.raises(ColorizerError, match="unknown model 'nope'"):
        engine.colorize(ColorizeRequest(drawing(40, 50), model="nope"))


@pytest.mark.parametrize(
    "companions, reason",
    [
        (
            {"cit_extractor": {"file": "../t.safetensors", "sha256": "0" * 64}},
            "must lie in the models folder",
        ),
        ({"cit_extractor": "t.safetensors"}, "must be an object with a file and a sha256"),
        ([], "companions must be a JSON object"),
    ],
)
def test_malformed_companions_make_a_broken_catalogue(tmp_path, companions, reason):
    registry = ModelRegistry(shipped_dir=shipped(tmp_path, companions=companions), scan_user=False)
    (refusal,) = registry.refusals
    assert "not a valid model catalogue" in refusal.reason and reason in refusal.reason


def test_a_companion_the_family_does_not_take_is_refused(tmp_path):
    folder = tmp_path / "shipped"
    other = make_tiny_model(folder, "other")
    registry = ModelRegistry(
        shipped_dir=shipped(
            tmp_path, companions={"mapping": {"file": "other.safetensors", "sha256": other.sha256}}
        ),
        scan_user=False,
    )
    (refusal,) = registry.refusals
    assert "has no 'mapping' companion (it takes none)" in refusal.reason
