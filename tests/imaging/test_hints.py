import json

import numpy as np
import pytest

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import (
    Fill,
    Hints,
    HintsError,
    Stroke,
    hints_from_png,
    rasterize_hints,
)

RED = "#ff0000"


def _line(width=6.0, pressure=None, **kw):
    return Stroke(
        color=RED, width=width, points=((10.0, 50.0), (90.0, 50.0)), pressure=pressure, **kw
    )


def test_stroke_pixels_take_its_color_and_others_stay_empty():
    out = rasterize_hints(Hints(strokes=(_line(),)), (100, 100))
    assert out.shape == (100, 100, 4) and out.dtype == np.float32
    assert np.allclose(out[50, 50], [1, 0, 0, 1])
    assert out[10, 50, 3] == 0 and out[50, 95, 3] == 0
    band = out[:, 50, 3]
    assert 5 <= band.sum() <= 7  # the stroke is about 6 px wide
    assert np.all(out[..., :3] <= out[..., 3:] + 1e-6)  # RGB is premultiplied by the mask


def test_anti_aliased_edge_is_partial():
    out = rasterize_hints(Hints(strokes=(_line(width=5.0),)), (100, 100))
    edge = out[:, 50, 3]
    assert np.any((edge > 0.05) & (edge < 0.95))


def test_pressure_changes_width():
    thin = rasterize_hints(Hints(strokes=(_line(pressure=(0.3, 0.3)),)), (100, 100))
    thick = rasterize_hints(Hints(strokes=(_line(pressure=(1.5, 1.5)),)), (100, 100))
    taper = rasterize_hints(Hints(strokes=(_line(pressure=(0.2, 1.6)),)), (100, 100))
    assert thin[:, 50, 3].sum() < 3 < 8 < thick[:, 50, 3].sum()
    assert taper[:, 15, 3].sum() < taper[:, 85, 3].sum()


def test_opacity_and_order():
    blue = Stroke(color="#0000ff", width=6.0, points=((50.0, 10.0), (50.0, 90.0)), opacity=0.5)
    out = rasterize_hints(Hints(strokes=(_line(), blue)), (100, 100))
    assert np.allclose(out[50, 50], [0.5, 0, 0.5, 1.0])
    alone = rasterize_hints(Hints(strokes=(blue,)), (100, 100))
    assert np.allclose(alone[20, 50], [0, 0, 0.5, 0.5])


def test_erase_clears_what_lies_beneath():
    eraser = Stroke(color="#000000", width=10.0, points=((50.0, 30.0), (50.0, 70.0)), erase=True)
    out = rasterize_hints(Hints(strokes=(_line(), eraser)), (100, 100))
    assert np.all(out[45:56, 47:54] == 0)
    assert out[50, 20, 3] == 1
    before = rasterize_hints(Hints(strokes=(eraser, _line())), (100, 100))
    assert before[50, 50, 3] == 1  # an eraser only affects strokes painted before it


def test_output_size_scales_coordinates_and_widths():
    hints = Hints(strokes=(_line(),))
    small = rasterize_hints(hints, (100, 100))
    big = rasterize_hints(hints, (100, 100), (200, 200))
    assert np.allclose(big[100, 100], [1, 0, 0, 1])
    assert big[:, 100, 3].sum() == pytest.approx(2 * small[:, 50, 3].sum(), rel=0.1)
    assert big[..., 3].sum() == pytest.approx(small[..., 3].sum() * 4, rel=0.1)
    wide = rasterize_hints(hints, (100, 100), (100, 300))
    assert wide.shape == (100, 300, 4) and wide[50, 20, 3] == 0 and wide[50, 40, 3] == 1
    quarter = rasterize_hints(hints, (100, 100), (25, 25))
    assert quarter[12, 12, 3] > 0.9


def test_fill_takes_whole_region_when_regions_given_else_a_disc():
    regions = np.ones((60, 80), np.int32)
    regions[:, 40:] = 2
    hints = Hints(fills=(Fill(color="#00ff00", point=(60.0, 30.0)),))
    out = rasterize_hints(hints, (60, 80), regions=regions)
    assert np.all(out[:, 40:, 3] == 1) and np.all(out[:, :40, 3] == 0)
    assert np.allclose(out[5, 70, :3], [0, 1, 0])
    scaled = rasterize_hints(hints, (60, 80), (30, 40), regions=regions)
    assert np.all(scaled[:, 20:, 3] == 1) and np.all(scaled[:, :20, 3] == 0)
    disc = rasterize_hints(hints, (60, 80))
    assert disc[30, 60, 3] == 1 and 20 < disc[..., 3].sum() < 80
    outside = rasterize_hints(Hints(fills=(Fill(RED, (-5.0, 3.0)),)), (60, 80))
    assert outside[..., 3].sum() == 0


def test_strokes_paint_over_fills():
    regions = np.ones((50, 50), np.int32)
    hints = Hints(
        strokes=(Stroke(RED, 4.0, ((25.0, 25.0),)),), fills=(Fill("#0000ff", (5.0, 5.0)),)
    )
    out = rasterize_hints(hints, (50, 50), regions=regions)
    assert np.allclose(out[24, 24, :3], [1, 0, 0]) and np.allclose(out[5, 5, :3], [0, 0, 1])


def test_json_round_trip_and_load(tmp_path):
    obj = {
        "strokes": [
            {
                "color": "#12abEF",
                "width": 6,
                "points": [[1, 2], [3.5, 4]],
                "pressure": [1.0, 0.5],
                "opacity": 0.8,
                "erase": False,
            },
            {"color": "#000000", "width": 2, "points": [[0, 0]], "erase": True},
        ],
        "fills": [{"color": "#00ff00", "point": [5, 6]}],
    }
    hints = Hints.from_json(obj)
    assert hints.strokes[0].color == "#12abef" and hints.strokes[1].erase
    assert hints.strokes[1].pressure is None and not hints.is_empty
    assert Hints.from_json(json.loads(json.dumps(hints.to_json()))) == hints
    path = tmp_path / "h.json"
    path.write_text(json.dumps(obj))
    assert Hints.load(path) == hints
    assert Hints.from_json({}).is_empty


@pytest.mark.parametrize(
    "obj, words",
    [
        ([], "JSON object"),
        ({"strokes": [{"color": "red", "width": 2, "points": [[0, 0]]}]}, "stroke 0"),
        ({"strokes": [{"color": "#ff0000", "width": 0, "points": [[0, 0]]}]}, "positive"),
        ({"strokes": [{"color": "#ff0000", "width": 2, "points": []}]}, "at least one point"),
        (
            {"strokes": [{"color": "#ff0000", "width": 2, "points": [[0, 0]], "pressure": [1, 1]}]},
            "pressure",
        ),
        ({"strokes": [{"color": "#ff0000", "width": 2, "points": [[0, "a"]]}]}, "finite number"),
        (
            {"strokes": [{"color": "#ff0000", "width": 2, "points": [[0, 0]], "presure": [1]}]},
            "presure",
        ),
        (
            {"strokes": [{"color": "#ff0000", "width": 2, "points": [[0, 0]], "opacity": 2}]},
            "opacity",
        ),
        ({"fills": [{"color": "#ff0000"}]}, "fill 0"),
        ({"strokes": {}}, "must be a list"),
        ({"stroke": []}, "unknown"),
    ],
)
def test_bad_schema_names_the_problem(obj, words):
    with pytest.raises(HintsError, match=words):
        Hints.from_json(obj)


def test_load_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ColorizerError, match="bad.json.*not valid JSON"):
        Hints.load(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"strokes": [1]}')
    with pytest.raises(ColorizerError, match="wrong.json.*stroke 0"):
        Hints.load(wrong)
    with pytest.raises(ColorizerError, match="missing.json"):
        Hints.load(tmp_path / "missing.json")


def test_hints_from_png_premultiplies_and_masks():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[1, 1] = [255, 0, 0, 255]
    rgba[2, 2] = [0, 0, 255, 51]
    rgba[3, 3] = [0, 255, 0, 0]
    out = hints_from_png(rgba)
    assert np.allclose(out[1, 1], [1, 0, 0, 1])
    assert np.allclose(out[2, 2], [0, 0, 0.2, 0.2])
    assert np.all(out[3, 3] == 0)
    with pytest.raises(HintsError, match="alpha"):
        hints_from_png(rgba[..., :3])


def test_rows_give_the_same_pixels_as_the_whole_map():
    """A huge hint map is made a band of rows at a time: stacked, the bands are the whole map,
    fills (whole regions), strokes and an erase stroke included."""
    regions = np.ones((40, 50), np.int32)
    regions[:, 25:] = 2
    hints = Hints(
        strokes=(
            Stroke("#ff0000", 6.0, ((5.0, 3.0), (45.0, 37.0)), pressure=(0.5, 1.5)),
            Stroke("#000000", 4.0, ((10.0, 30.0), (40.0, 30.0)), erase=True),
        ),
        fills=(Fill("#00ff00", (30.0, 20.0)),),
    )
    whole = rasterize_hints(hints, (40, 50), regions=regions)
    bands = [
        rasterize_hints(hints, (40, 50), regions=regions, rows=slice(t, t + 7))
        for t in range(0, 40, 7)
    ]
    np.testing.assert_array_equal(np.concatenate(bands), whole)
    assert whole[..., 3].any()
