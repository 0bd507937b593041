"""The colorize pipeline: layers at the original size whatever the drawing's shape, caches that
make slider and stroke updates skip the line-art encoder without changing a pixel, cancellation
between stages, and a scheduler that never delivers a stale result."""

import threading

import numpy as np
import pytest
import torch

from colorizer_app.engine.pipeline import REAL_DRAWING_SIDE, Engine, working_side
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import LAYER_NAMES, ColorizeRequest
from colorizer_app.engine.scheduler import Cancelled, LatestWinsScheduler
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Hints, Stroke
from colorizer_app.imaging.loader import too_large
from tests.tiny_model import drawing, make_tiny_model


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    make_tiny_model(folder)
    make_tiny_model(folder, "tags-only", accepts=("tags",), seed=1)
    return folder


@pytest.fixture
def engine(models):
    return Engine(ModelRegistry(shipped_dir=None, user_dir=models), device="cpu", threads=1)


RED = Hints((Stroke("#ff0000", 4.0, ((40.0, 40.0), (60.0, 45.0))),))
BLUE = Hints((Stroke("#0000ff", 4.0, ((40.0, 40.0), (60.0, 45.0))),))


@pytest.mark.parametrize(
    "height, width",
    [(97, 131), (9, 17), (90, 2000), (1900, 2600)],
    ids=["odd", "tiny", "wide", "large"],
)
def test_layers_have_the_original_size(engine, height, width):
    result = engine.colorize(
        ColorizeRequest(drawing(height, width), model="tiny", hints=RED, tags={"blue_hair": 1.0})
    )
    assert result.model == "tiny"
    assert set(result.layers) == set(LAYER_NAMES)
    for name, layer in result.layers.items():
        assert layer.shape == (height, width, 4) and layer.dtype == np.uint8, name


def test_composite_is_the_color_under_the_line_art(engine):
    art = drawing()
    result = engine.colorize(ColorizeRequest(art, model="tiny"))
    line = art[..., 0] == 0
    assert result.composite[line][:, :3].max() <= 5  # black lines stay black (multiply)
    paper = ~line & (result.layers["lineart"][..., 0] == 255)
    assert np.array_equal(result.composite[paper], result.layers["color"][paper])


def test_warm_tag_update_skips_the_encoder_and_matches_a_cold_run(engine, models):
    art = drawing()
    engine.colorize(ColorizeRequest(art, model="tiny", tags={"blue_hair": 1.0}))
    before = engine.calls.copy()
    update = ColorizeRequest(art.copy(), model="tiny", tags={"blue_hair": 2.5, "red_eyes": 1.0})
    warm = engine.colorize(update)
    assert engine.calls["encode_sketch"] == before["encode_sketch"]
    assert engine.calls["segment"] == before["segment"]
    assert engine.calls["upsample_plan"] == before["upsample_plan"] == 1
    assert engine.calls["decode"] == before["decode"] + 1
    cold_engine = Engine(ModelRegistry(shipped_dir=None, user_dir=models), device="cpu", threads=1)
    cold = cold_engine.colorize(update)
    assert cold_engine.calls["encode_sketch"] == 1
    for name in LAYER_NAMES:
        assert np.array_equal(warm.layers[name], cold.layers[name]), name


def test_stroke_update_reuses_the_encoding_and_changes_the_hints(engine):
    art = drawing()
    first = engine.colorize(ColorizeRequest(art, model="tiny", hints=RED))
    encodes = engine.calls["encode_sketch"]
    second = engine.colorize(ColorizeRequest(art, model="tiny", hints=BLUE))
    assert engine.calls["encode_sketch"] == encodes
    assert engine.calls["hints"] == 2
    assert tuple(first.layers["hints"][42, 50, :3]) == (255, 0, 0)
    assert tuple(second.layers["hints"][42, 50, :3]) == (0, 0, 255)


def test_reference_features_are_cached(engine):
    reference = np.random.default_rng(0).integers(0, 255, (40, 30, 3), dtype=np.uint8)
    for value in (1.0, 2.0):
        engine.colorize(
            ColorizeRequest(drawing(), model="tiny", reference=reference, tags={"blue_hair": value})
        )
    assert engine.calls["encode_reference"] == 1


def test_auto_picks_by_hints_and_notes_what_a_model_ignores(engine):
    assert engine.colorize(ColorizeRequest(drawing(), tags={"blue_hair": 1.0})).model == "tags-only"
    assert engine.colorize(ColorizeRequest(drawing(), hints=RED)).model == "tiny"
    result = engine.colorize(
        ColorizeRequest(drawing(), model="tags-only", hints=RED, region_consistency=False)
    )
    assert result.notes == ("model 'tags-only' takes no strokes; they were ignored",)
    # With region consistency (the default) the stroked area still takes the stroke's colour:
    # say so.
    result = engine.colorize(ColorizeRequest(drawing(), model="tags-only", hints=RED))
    assert result.notes == (
        "model 'tags-only' takes no strokes; region consistency alone paints their areas",
    )
    red, green, blue = (int(c) for c in result.layers["color"][42, 50, :3])
    assert red > green + 100 and red > blue + 100


def test_flat_fill_runs_through_the_same_engine(engine):
    result = engine.colorize(
        ColorizeRequest(drawing(), model="flat", hints=RED, tags={"blue_hair": 1.0})
    )
    assert result.model == "flat"
    assert tuple(result.layers["flats"][42, 50]) == (255, 0, 0, 255)
    assert result.notes == ("flat fill follows strokes and fills only; tags ignored",)
    assert engine.calls["encode_sketch"] == 0
    bare = engine.colorize(ColorizeRequest(drawing(), model="flat"))
    assert bare.notes == (
        "flat fill colors only what strokes and fills give a color, and there are none: the "
        "line art is returned uncolored",
    )


def test_cancelled_between_stages_and_the_next_request_is_intact(engine, models):
    art = drawing()
    request = ColorizeRequest(art, model="tiny", tags={"red_hair": 1.0})
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:
            raise Cancelled("superseded")

    with pytest.raises(Cancelled):
        engine.colorize(request, check=check)
    result = engine.colorize(request)
    fresh = Engine(ModelRegistry(shipped_dir=None, user_dir=models), device="cpu", threads=1)
    assert np.array_equal(result.composite, fresh.colorize(request).composite)


def test_scheduler_never_delivers_a_stale_result(engine):
    scheduler = LatestWinsScheduler()
    delivered = []
    art = drawing()
    gate = threading.Event()

    def execute(job):
        gate.wait(5)
        return engine.colorize(job.request, check=lambda: scheduler.check(job))

    worker = threading.Thread(
        target=scheduler.serve,
        args=(
            execute,
            lambda i, r: delivered.append((i, r)),
            lambda i, e: delivered.append((i, e)),
        ),
    )
    worker.start()
    ids = [
        scheduler.submit(ColorizeRequest(art, model="tiny", tags={"blue_hair": v / 4}))
        for v in range(1, 9)
    ]
    gate.set()
    deadline = threading.Event()
    for _ in range(200):
        if delivered and delivered[-1][0] == ids[-1]:
            break
        deadline.wait(0.05)
    scheduler.close()
    worker.join(10)
    got = [i for i, _ in delivered]
    assert got == sorted(set(got)) and got[-1] == ids[-1]
    assert len(got) <= 2  # the first job (maybe) and the newest; the six between were replaced
    latest = engine.colorize(ColorizeRequest(art, model="tiny", tags={"blue_hair": 2.0}))
    assert np.array_equal(delivered[-1][1].composite, latest.composite)


def test_bad_requests_are_one_line_errors(engine):
    small = Engine(engine.registry, device="cpu", threads=1, max_pixels=1000)
    with pytest.raises(ColorizerError) as refused:
        small.colorize(ColorizeRequest(drawing(40, 50)))
    assert str(refused.value) == too_large(50, 40, 1000)  # the loader's message, word for word
    with pytest.raises(ColorizerError, match="did you mean blue_hair"):
        engine.colorize(ColorizeRequest(drawing(), tags={"blue_hiar": 1.0}))
    with pytest.raises(ColorizerError, match="between 0 and 5"):
        engine.colorize(ColorizeRequest(drawing(), tags={"blue_hair": 7.0}))
    with pytest.raises(ColorizerError, match="shape tag"):
        engine.colorize(ColorizeRequest(drawing(), tags={"twintails": 1.0}))
    with pytest.raises(ColorizerError, match="uint8 image"):
        engine.colorize(ColorizeRequest(np.zeros((10, 10), np.float32)))
    with pytest.raises(ColorizerError, match="hint image"):
        engine.colorize(ColorizeRequest(drawing(), hint_image=np.zeros((5, 5, 4), np.uint8)))


def test_hint_image_and_size_override(engine):
    art = drawing()
    hint_image = np.zeros(art.shape, np.uint8)
    hint_image[30:50, 40:60] = (0, 255, 0, 255)
    result = engine.colorize(ColorizeRequest(art, model="tiny", hint_image=hint_image, size=48))
    assert tuple(result.layers["hints"][40, 50]) == (0, 255, 0, 255)
    assert result.layers["hints"][5, 5, 3] == 0
    assert result.composite.shape == art.shape


def test_thread_setting_is_applied(engine):
    torch.set_num_threads(2)
    engine.colorize(ColorizeRequest(drawing(), model="tiny"))
    assert torch.get_num_threads() == 1


def test_models_lists_flat_fill_last(engine):
    names = [info.name for info in engine.models()]
    assert names == ["tags-only", "tiny", "flat"]


def test_a_region_hint_model_gets_its_strokes_flooded_over_their_areas(tmp_path, monkeypatch):
    from bench.stand_in import save_untrained_unified
    from colorizer_app.nets.unified import UnifiedGenerator

    save_untrained_unified(tmp_path / "regional.safetensors", region_hints=True)
    save_untrained_unified(tmp_path / "plain.safetensors")
    engine = Engine(ModelRegistry(shipped_dir=None, user_dir=tmp_path), device="cpu", threads=1)
    seen = {}
    decode = UnifiedGenerator.decode

    def spy(self, encoding, *, hints=None, **inputs):
        seen[self.region_hints] = hints
        return decode(self, encoding, hints=hints, **inputs)

    monkeypatch.setattr(UnifiedGenerator, "decode", spy)
    for name in ("regional", "plain"):
        engine.colorize(ColorizeRequest(drawing(), model=name, hints=RED))
    flooded, plain = seen[True][0], seen[False][0]  # (4, H', W') at the working size
    assert plain[3].sum() > 0 and flooded[3].sum() > 5 * plain[3].sum()
    red = flooded[:, flooded[3] == 1]
    assert torch.equal(red[:3], red[:3].new_tensor([1.0, 0.0, 0.0])[:, None].expand_as(red[:3]))


def test_region_consistency_holds_a_stroked_area_to_its_stroke(engine):
    """An untrained network paints anything; with region consistency the area a brick-red
    stroke crosses comes out brick red all the same (pure red would lose chroma where the
    shading lightens it past the gamut), and without it, not."""
    from colorizer_app.engine.flatfill import FlatFill
    from colorizer_app.imaging.color import delta_e, srgb_to_lab
    from colorizer_app.imaging.lineart import normalize_lineart

    art = drawing()
    ink = normalize_lineart(art).ink
    regions = FlatFill().regions(ink)
    area = (regions == regions[42, 50]) & (ink == 0)  # the paper of the area the stroke crosses
    brick = Hints((Stroke("#c04040", 4.0, ((40.0, 40.0), (60.0, 45.0))),))
    red = srgb_to_lab(np.array([0xC0, 0x40, 0x40], np.uint8))
    distances = {}
    for consistency in (False, True):
        color = engine.colorize(
            ColorizeRequest(art, model="tiny", hints=brick, region_consistency=consistency)
        ).layers["color"]
        distances[consistency] = float(delta_e(np.median(srgb_to_lab(color[area][:, :3]), 0), red))
    assert distances[True] < 2 and distances[False] > 10


def test_a_finished_color_picture_given_as_line_art_gets_a_note(engine):
    from colorizer_app.engine.pipeline import FINISHED_PICTURE_NOTE

    picture = np.full((48, 48, 4), 255, np.uint8)
    picture[8:40, 8:40, :3] = (240, 150, 170)
    assert FINISHED_PICTURE_NOTE in engine.colorize(ColorizeRequest(picture, model="flat")).notes
    assert FINISHED_PICTURE_NOTE not in engine.colorize(ColorizeRequest(drawing())).notes


def test_a_real_drawing_is_colored_at_the_real_drawing_side_unless_smaller():
    """Without a size in the request, a drawing is colored at REAL_DRAWING_SIDE (detail a
    256-px model would lose), a smaller drawing at its own size, never below the model's."""
    assert working_side(256, (695, 500, 4)) == REAL_DRAWING_SIDE
    assert working_side(256, (300, 200)) == 300
    assert working_side(256, (100, 80)) == 256
    assert working_side(512, (695, 500)) == 512


def test_warm_loads_the_default_model_before_the_first_request(engine, tmp_path):
    """The app warms the engine while its window opens: the model Auto picks is on the device
    before the first request, which then finds it there; with no model, warming does nothing."""
    engine.warm()
    first = engine.registry.choose(()).name  # what an opened drawing, nothing given, runs
    assert engine.calls["warm"] == 1 and list(engine._modules) == [first]
    module = engine._modules[first]
    assert engine.colorize(ColorizeRequest(drawing())).model == first
    assert engine._modules[first] is module
    empty = Engine(ModelRegistry(shipped_dir=None, user_dir=tmp_path), device="cpu", threads=1)
    empty.warm()
    assert empty.calls["warm"] == 0
