"""The paper models through the engine: tiny random Tag2Pix, AlacGAN, CSA and Yan et al. models
shipped with their companions run at the drawing's size, follow the input kind they accept, and
are refused with one line when a companion is missing or altered."""

import json

import numpy as np
import pytest
import torch

from colorizer_app.engine import adapters
from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Hints, Stroke
from colorizer_app.nets import reference
from colorizer_app.nets.interface import ColorNet
from colorizer_app.nets.modelfile import ModelFileError, load_model
from tests.paper_models import CVT, SIZE, VOCABULARY, make_runs, ship
from tests.tiny_model import drawing

RED = Hints((Stroke("#ff0000", 6.0, ((10.0, 10.0), (40.0, 30.0))),))
BLUE = Hints((Stroke("#0000ff", 6.0, ((10.0, 10.0), (40.0, 30.0))),))
TAGS = {CVT[0]: 4.0, CVT[-1]: 3.0}


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def shelf(tmp_path_factory):
    """A catalogue with the four paper models."""
    runs = make_runs(tmp_path_factory.mktemp("runs"))
    folder = tmp_path_factory.mktemp("models")
    for name, (model, companions) in runs.items():
        ship(folder, name, model, companions)
    return folder


@pytest.fixture(scope="module")
def engine(shelf):
    return Engine(ModelRegistry(shipped_dir=shelf, scan_user=False), device="cpu", threads=1)


def reference_image(color):
    image = np.full((48, 48, 3), color, np.uint8)
    image[12:36, 12:36] = (255, 255, 255)
    return image


def color_of(engine, **request):
    """The model's own colors: region consistency would paint stroked areas whatever it did."""
    result = engine.colorize(ColorizeRequest(drawing(40, 50), region_consistency=False, **request))
    assert result.layers["color"].shape == (40, 50, 4)
    assert all(layer.shape[:2] == (40, 50) for layer in result.layers.values())
    return result.layers["color"][..., :3].astype(int)


def test_the_catalogue_lists_every_family_with_what_it_accepts(engine):
    assert not engine.refusals
    accepts = {info.name: info.accepts for info in engine.models()}
    assert accepts == {
        "tag2pix": {"tags"},
        "alacgan": {"strokes"},
        "csa": {"strokes"},
        "yan": {"reference", "tags"},
        "flat": {"strokes"},
    }


def test_every_family_is_driven_as_a_color_net(engine):
    for info in engine.models():
        if info.name != "flat":
            module = engine.registry.load(info.name).module
            assert isinstance(module, ColorNet) and module.region_hints is False


@pytest.mark.parametrize(
    "model, first, second",
    [
        ("tag2pix", {}, {"tags": TAGS}),
        ("alacgan", {"hints": RED}, {"hints": BLUE}),
        ("csa", {"hints": RED}, {"hints": BLUE}),
        (
            "yan",
            {"reference": reference_image((200, 30, 30))},
            {"reference": reference_image((30, 30, 200))},
        ),
        (
            "yan",
            {"reference": reference_image((200, 30, 30))},
            {"reference": reference_image((200, 30, 30)), "tags": TAGS},
        ),
    ],
)
def test_each_family_follows_the_input_it_accepts(engine, model, first, second):
    before = color_of(engine, model=model, **first)
    after = color_of(engine, model=model, **second)
    assert np.abs(before - after).mean() > 0.25  # exactly 0 when an input is ignored


def test_auto_never_picks_yan_without_a_reference(engine):
    assert engine.registry.choose({"tags", "reference"}).name == "yan"
    assert engine.registry.choose({"tags"}).name == "tag2pix"
    assert all(
        engine.registry.choose(kinds) is None or engine.registry.choose(kinds).name != "yan"
        for kinds in ({"tags"}, {"strokes"}, {"strokes", "tags"}, set())
    )
    with pytest.raises(ColorizerError, match="^model 'yan' colors after a reference image"):
        engine.colorize(ColorizeRequest(drawing(40, 50), model="yan", tags=TAGS))


def copy_shelf(shelf, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for path in shelf.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def companion_file(folder, model, role):
    catalogue = json.loads((folder / "manifest.json").read_text())
    (entry,) = [m for m in catalogue["models"] if m["name"] == model]
    return folder / entry["companions"][role]["file"]


def test_a_missing_companion_refuses_its_model_with_one_line(shelf, tmp_path):
    folder = copy_shelf(shelf, tmp_path)
    companion_file(folder, "alacgan", "local_features").unlink()
    registry = ModelRegistry(shipped_dir=folder, scan_user=False)
    assert sorted(e.name for e in registry.entries) == ["csa", "tag2pix", "yan"]
    (refusal,) = registry.refusals
    assert refusal.name == "alacgan" and "\n" not in refusal.reason
    assert "its local_features companion is unusable" in refusal.reason
    assert "model file not found" in refusal.reason


def test_a_tampered_companion_refuses_its_model_when_loaded(shelf, tmp_path):
    folder = copy_shelf(shelf, tmp_path)
    weights = companion_file(folder, "yan", "mapping")
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    engine = Engine(ModelRegistry(shipped_dir=folder, scan_user=False), device="cpu", threads=1)
    with pytest.raises(ModelFileError) as caught:
        engine.colorize(
            ColorizeRequest(drawing(40, 50), model="yan", reference=reference_image((200, 30, 30)))
        )
    reason = str(caught.value)
    assert "\n" not in reason and "its mapping companion is unusable" in reason
    assert "SHA-256 mismatch" in reason
    assert [r.name for r in engine.refusals] == ["yan"]
    assert "yan" not in [e.name for e in engine.registry.entries]


def test_a_companion_the_catalogue_does_not_vouch_for_is_refused(shelf, tmp_path):
    folder = copy_shelf(shelf, tmp_path)
    catalogue = json.loads((folder / "manifest.json").read_text())
    for entry in catalogue["models"]:
        if entry["name"] == "tag2pix":
            entry["companions"]["cit_extractor"]["sha256"] = "0" * 64
        if entry["name"] == "csa":
            del entry["companions"]["hint_features"]
    (folder / "manifest.json").write_text(json.dumps(catalogue))
    registry = ModelRegistry(shipped_dir=folder, scan_user=False)
    reasons = {r.name: r.reason for r in registry.refusals}
    assert "differs from the catalogue's" in reasons["tag2pix"]
    assert "needs its hint_features companion" in reasons["csa"]


def test_yan_tags_move_the_reference_latent_as_the_recipe_does(tmp_path):
    model, companions = make_runs(tmp_path)["yan"]
    registry = ModelRegistry(shipped_dir=None, user_dir=tmp_path)
    loaded = {role: load_model(path) for role, path in companions.items()}
    adapter = adapters.wrap("yan", load_model(model), loaded)
    sketch = torch.rand(1, 1, SIZE, SIZE) * 2 - 1
    image = torch.rand(1, 3, SIZE, SIZE) * 2 - 1
    cvt = torch.zeros(1, len(CVT))
    cvt[0, 0], cvt[0, 3] = 2.0, 0.5
    with torch.no_grad():
        ours, _ = adapter.decode(
            adapter.encode_sketch(sketch), cvt=cvt, ref_features=adapter.encode_reference(image)
        )
        latent, anchor = adapter.encoder.latent_and_tags(image)
        delta = adapter.mapping(
            latent, reference.slider_tags(anchor, cvt, reference.cvt_parts(VOCABULARY)), anchor
        )
        theirs = adapter.generator(sketch, delta)
    torch.testing.assert_close(ours, theirs)
    # A paper generator alone in the user folder lacks its companions: refused, one line.
    assert {r.name for r in registry.refusals} >= {"yan", "tag2pix"}
    assert "needs its reference_encoder companion" in next(
        r.reason for r in registry.refusals if r.name == "yan"
    )
