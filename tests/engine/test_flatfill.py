from dataclasses import replace

import numpy as np
import pytest

from colorizer_app.engine import flatfill
from colorizer_app.engine.flatfill import FlatFill
from colorizer_app.imaging.color import delta_e, hex_to_rgb, srgb_to_lab
from colorizer_app.imaging.hints import Fill, Hints, Stroke
from tests.gapped_drawing import gapped_drawing

# Strokes drawn inside areas; the face's wide brush ends on the outline and spills beyond it.
STROKES = {
    "face": Stroke("#e03c3c", 8, ((50.0, 60.0), (90.0, 80.0), (109.0, 96.0))),
    "box_left": Stroke("#3c64e0", 5, ((160.0, 50.0), (162.0, 100.0))),
    "triangle": Stroke("#3cb45a", 4, ((60.0, 200.0), (80.0, 215.0), (70.0, 226.0))),
    "band": Stroke("#f0c828", 3, ((150.0, 174.0), (220.0, 174.0))),
}


def _share_near(flats: np.ndarray, area: np.ndarray, color: str) -> float:
    """Share of ``area`` painted opaque within ΔE 20 of ``color``."""
    pixels = flats[area]
    near = delta_e(srgb_to_lab(pixels[:, :3]), srgb_to_lab(np.array(hex_to_rgb(color)))) <= 20
    return float(np.mean(near & (pixels[:, 3] == 255)))


@pytest.mark.parametrize("hole", [2, 3])
def test_each_stroke_fills_its_area_and_no_neighbour(hole):
    drawing = gapped_drawing(hole)
    result = FlatFill()(drawing.ink, Hints(strokes=tuple(STROKES.values())))
    for name, stroke in STROKES.items():
        assert _share_near(result.flats, drawing.area(name), stroke.color) >= 0.97, name
    for name in drawing.seeds.keys() - STROKES.keys():
        untouched = result.flats[drawing.area(name)][:, 3] == 0
        assert untouched.all(), f"{name} got color from a neighbour's stroke"


def test_a_stroke_crossing_several_areas_fills_each():
    drawing = gapped_drawing()
    across = Stroke("#c050a0", 3, ((150.0, 60.0), (220.0, 90.0)))
    result = FlatFill()(drawing.ink, Hints(strokes=(across,)))
    for name in ("box_left", "box_right"):
        assert _share_near(result.flats, drawing.area(name), across.color) >= 0.97, name
    assert (result.flats[drawing.area("background")][:, 3] == 0).all()


def test_a_dab_colors_its_area():
    drawing = gapped_drawing()
    dab = Stroke("#40c0c0", 10, (drawing.seeds["triangle"],))
    result = FlatFill()(drawing.ink, Hints(strokes=(dab,)))
    assert _share_near(result.flats, drawing.area("triangle"), dab.color) >= 0.97


def test_a_fill_colors_the_area_under_its_seed():
    drawing = gapped_drawing()
    hints = Hints(fills=(Fill("#8040c0", drawing.seeds["box_right"]),))
    result = FlatFill()(drawing.ink, hints)
    assert _share_near(result.flats, drawing.area("box_right"), "#8040c0") >= 0.97
    assert (result.flats[drawing.area("box_left")][:, 3] == 0).all()


def test_an_erase_stroke_removes_the_color_it_covers():
    drawing = gapped_drawing()
    paint = STROKES["face"]
    rub = Stroke("#000000", 12, paint.points, erase=True)
    result = FlatFill()(drawing.ink, Hints(strokes=(paint, rub)))
    assert (result.flats[drawing.area("face")][:, 3] == 0).all()


def test_a_stroke_painted_over_another_wins_and_strokes_lie_over_fills():
    drawing = gapped_drawing()
    first = STROKES["face"]
    fill = Fill("#f0f0a0", drawing.seeds["face"])
    for under, over in (
        (first, replace(first, color="#2080f0", width=10)),
        (replace(first, color="#2080f0", width=6), first),
    ):
        result = FlatFill()(drawing.ink, Hints(strokes=(under, over), fills=(fill,)))
        assert _share_near(result.flats, drawing.area("face"), over.color) >= 0.97


def test_strokes_of_two_colors_share_an_area_a_wide_gap_merged_along_its_lines():
    drawing = gapped_drawing(12)  # the box's dividing line has a 12-pixel hole
    regions = FlatFill().regions(drawing.ink)
    assert regions[75, 160] == regions[75, 210]  # so its two halves are one region
    left = Stroke("#3c64e0", 3, ((160.0, 50.0), (162.0, 100.0)))
    right = Stroke("#e03c3c", 3, ((205.0, 50.0), (207.0, 100.0)))
    for strokes in ((left, right), (right, left)):  # in either order
        result = FlatFill()(drawing.ink, Hints(strokes=strokes))
        assert _share_near(result.flats, drawing.area("box_left"), left.color) >= 0.97
        assert _share_near(result.flats, drawing.area("box_right"), right.color) >= 0.97
        assert (result.flats[drawing.area("background")][:, 3] == 0).all()


def test_strokes_of_one_color_in_an_area_leave_it_whole():
    drawing = gapped_drawing()
    strokes = (
        STROKES["face"],
        replace(
            STROKES["triangle"], points=((60.0, 50.0), (64.0, 90.0)), color=STROKES["face"].color
        ),
    )
    decided = FlatFill().decided(drawing.ink, Hints(strokes=strokes))
    np.testing.assert_array_equal(decided.labels, FlatFill().regions(drawing.ink))


def test_an_eraser_over_a_fill_seed_removes_the_fill():
    drawing = gapped_drawing()
    x, y = drawing.seeds["box_left"]
    rub = Stroke("#000000", 6, ((x - 3.0, y), (x + 3.0, y)), erase=True)
    result = FlatFill()(drawing.ink, Hints(strokes=(rub,), fills=(Fill("#8040c0", (x, y)),)))
    assert (result.flats[drawing.area("box_left")][:, 3] == 0).all()


def test_unhinted_areas_take_the_median_of_a_neural_result():
    drawing = gapped_drawing()
    rng = np.random.default_rng(1)
    neural = np.full(drawing.ink.shape + (3,), (90, 160, 210), np.uint8)
    noise = rng.integers(-20, 21, neural.shape)
    neural = np.clip(neural + noise, 0, 255).astype(np.uint8)
    result = FlatFill()(drawing.ink, Hints(strokes=(STROKES["face"],)), neural=neural)
    box = result.flats[drawing.area("box_left")]
    assert (box[:, 3] == 255).all()
    assert np.abs(box[:, :3].astype(int) - (90, 160, 210)).max() <= 2
    assert _share_near(result.flats, drawing.area("face"), STROKES["face"].color) >= 0.97


def test_composite_multiplies_the_line_art_over_the_flats():
    drawing = gapped_drawing()
    result = FlatFill()(drawing.ink, Hints(strokes=(STROKES["face"],)))
    assert result.composite.shape == drawing.ink.shape + (4,)
    assert (result.composite[..., 3] == 255).all()
    face = drawing.area("face") & (drawing.ink == 0)
    np.testing.assert_array_equal(result.composite[face][:, :3], result.flats[face][:, :3])
    blank = drawing.area("box_left") & (drawing.ink == 0)
    assert (result.composite[blank][:, :3] == 255).all()  # unhinted paper stays white
    assert (result.composite[drawing.ink == 255][:, :3] == 0).all()  # full ink stays black


def test_segmentation_is_cached_per_ink_map(monkeypatch):
    calls = []
    real = flatfill.segment_regions

    def counting(ink, **kwargs):
        calls.append(1)
        return real(ink, **kwargs)

    monkeypatch.setattr(flatfill, "segment_regions", counting)
    filler = FlatFill()
    drawing = gapped_drawing()
    for stroke in STROKES.values():
        filler(drawing.ink.copy(), Hints(strokes=(stroke,)))
    assert len(calls) == 1
    filler(gapped_drawing(5).ink, Hints())
    assert len(calls) == 2


def test_no_hints_leave_the_flats_empty():
    drawing = gapped_drawing()
    result = FlatFill()(drawing.ink, Hints())
    assert (result.flats[..., 3] == 0).all()
    assert result.regions.shape == drawing.ink.shape


def test_rejects_a_neural_result_of_another_size():
    drawing = gapped_drawing()
    with pytest.raises(ValueError):
        FlatFill()(drawing.ink, Hints(), neural=np.zeros((10, 10, 3), np.uint8))


def test_region_medians_vote_on_paper_or_on_a_region_that_is_all_line(monkeypatch):
    """The median of a neural result per region, exactly: the lower median of its paper pixels,
    or of all its pixels when it has no paper; an alpha channel is ignored."""
    ink = np.zeros((20, 30), np.uint8)
    ink[:, 14:16] = 255  # a line inside region 1
    ink[:, 20:] = 200  # region 2: all line
    labels = np.ones(ink.shape, np.int32)
    labels[:, 20:] = 2
    monkeypatch.setattr(flatfill, "segment_regions", lambda ink, **kwargs: labels.copy())
    neural = np.random.default_rng(4).integers(0, 256, ink.shape + (4,), dtype=np.uint8)
    flats = FlatFill().flats(ink, Hints(), neural=neural)
    for region, voters in ((1, (labels == 1) & (ink < 96)), (2, labels == 2)):
        values = np.sort(neural[voters][:, :3], axis=0)
        expected = values[(len(values) - 1) // 2]
        assert (flats[labels == region] == [*expected, 255]).all()


def test_flats_are_the_flats_of_the_full_result():
    drawing = gapped_drawing()
    filler = FlatFill()
    hints = Hints(strokes=(STROKES["face"], STROKES["band"]))
    np.testing.assert_array_equal(
        filler.flats(drawing.ink, hints), filler(drawing.ink, hints).flats
    )


def test_the_hint_map_floods_each_stroked_area_with_the_stroke_on_top():
    drawing = gapped_drawing(2)
    strokes = Hints(strokes=(STROKES["face"], STROKES["triangle"]))
    full = FlatFill().hint_map(drawing.ink, strokes)
    assert full.shape == drawing.ink.shape + (4,) and full.dtype == np.float32
    for name in ("face", "triangle"):
        area = drawing.area(name)
        rgb = np.array(hex_to_rgb(STROKES[name].color), np.float32) / 255
        assert (full[area][:, 3] == 1).mean() >= 0.97, name
        np.testing.assert_allclose(np.median(full[area][:, :3], axis=0), rgb, atol=1 / 255)
    assert (full[drawing.area("box_left")][:, 3] == 0).all()  # an unstroked area stays empty
    h, w = drawing.ink.shape
    small = FlatFill().hint_map(drawing.ink, strokes, (h // 2, w // 3))
    assert small.shape == (h // 2, w // 3, 4)
    assert 0.9 * full[..., 3].mean() <= small[..., 3].mean() <= 1.1 * full[..., 3].mean()
