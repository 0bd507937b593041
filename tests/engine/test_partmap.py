"""The part map: the result says what the engine took each area for, at the drawing's size;
the artist's part mark corrects a whole closed area, and a color tag then colors it."""

import itertools

import numpy as np
import pytest

from bench.stand_in import save_untrained_unified
from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import delta_e, srgb_to_lab
from colorizer_app.imaging.hints import Hints, HintsError, PartMark
from colorizer_app.imaging.lineart import normalize_lineart
from colorizer_app.imaging.regions import segment_regions
from colorizer_app.vocabulary import load_vocabulary
from tests.tiny_model import drawing

ART = drawing(96, 128)
INSIDE = (64, 48)  # x, y: inside the ellipse


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    save_untrained_unified(folder / "parted.safetensors", resolution=32, region_hints=True)
    save_untrained_unified(folder / "partless.safetensors", resolution=32, seed=1)
    return Engine(ModelRegistry(shipped_dir=None, user_dir=folder), device="cpu", threads=1)


def _ellipse():
    ink = normalize_lineart(ART).ink
    regions = segment_regions(ink)
    return (regions == regions[INSIDE[1], INSIDE[0]]) & (ink == 0)


def test_the_result_carries_a_part_map_at_the_drawings_size(engine):
    parts = engine.colorize(ColorizeRequest(ART, model="parted")).parts
    assert parts is not None and parts.names == load_vocabulary().parts
    assert parts.parts.shape == parts.confidence.shape == ART.shape[:2]
    assert parts.parts.dtype == parts.confidence.dtype == np.uint8
    assert parts.parts.max() < len(parts.names)
    assert engine.colorize(ColorizeRequest(ART, model="partless")).parts is None


@pytest.mark.parametrize("part", ["hair", "top"])
def test_a_part_mark_makes_the_whole_area_that_part_with_full_confidence(engine, part):
    marks = Hints(parts=(PartMark(part, (float(INSIDE[0]), float(INSIDE[1]))),))
    result = engine.colorize(ColorizeRequest(ART, model="parted", hints=marks))
    area = _ellipse()
    index = load_vocabulary().parts.index(part)
    assert result.parts is not None
    assert np.all(result.parts.parts[area] == index)
    assert np.all(result.parts.confidence[area] == 255)


def test_after_marking_an_area_hair_the_hair_tag_colors_it(engine):
    """An untrained network paints anything; the area marked hair takes the blue_hair color
    (held to it by region consistency), the same area marked top does not."""
    blue = srgb_to_lab(np.array(load_vocabulary().tag("blue_hair").rgb, np.uint8))
    area = _ellipse()
    distances = {}
    for part in ("hair", "top"):
        marks = Hints(parts=(PartMark(part, (float(INSIDE[0]), float(INSIDE[1]))),))
        color = engine.colorize(
            ColorizeRequest(ART, model="parted", hints=marks, tags={"blue_hair": 1.0})
        ).layers["color"]
        distances[part] = float(delta_e(np.median(srgb_to_lab(color[area][:, :3]), 0), blue))
    assert distances["hair"] < 15 < distances["top"]


def test_part_marks_a_model_cannot_use_get_a_note(engine):
    marks = Hints(parts=(PartMark("hair", (10.0, 10.0)),))
    for model in ("partless", "flat"):
        notes = engine.colorize(ColorizeRequest(ART, model=model, hints=marks)).notes
        assert any("part marks ignored" in note for note in notes)


def test_part_marks_round_trip_through_hints_json_and_bad_ones_say_why():
    hints = Hints(parts=(PartMark("eyes", (3.0, 4.5)), PartMark("hair", (1.0, 2.0), 6.5)))
    assert Hints.from_json(hints.to_json()) == hints
    assert hints.to_json()["parts"] == [
        {"part": "eyes", "point": [3.0, 4.5]},
        {"part": "hair", "point": [1.0, 2.0], "radius": 6.5},
    ]
    for bad, words in (
        ({"parts": [{"part": "wings", "point": [0, 0]}]}, "unknown part 'wings'"),
        ({"parts": [{"part": "hair"}]}, "part mark 0: a part mark lacks 'point'"),
        ({"parts": [{"part": 3, "point": [0, 0]}]}, "must be a name"),
        ({"parts": {}}, "'parts' must be a list"),
        ({"parts": [{"part": "hair", "point": [0, 0], "radius": -1}]}, "must be positive"),
    ):
        with pytest.raises(HintsError, match=words):
            Hints.from_json(bad)


def test_the_exports_carry_a_hidden_parts_layer_each_part_its_own_color(engine, tmp_path):
    from colorizer_app.imaging.export import read_ora, write_ora
    from colorizer_app.imaging.parts import part_colors

    result = engine.colorize(ColorizeRequest(ART, model="parted"))
    layer = next(layer for layer in result.stack() if layer.name == "parts")
    assert not layer.visible and layer.pixels.shape == ART.shape
    colors = part_colors(result.parts.names)
    assert len({tuple(c) for c in colors}) == len(colors)  # one color, one part
    lab = srgb_to_lab(colors).astype(float)  # and no two an artist could confuse
    closest = min(delta_e(a, b) for a, b in itertools.combinations(lab, 2))
    assert closest > 40
    np.testing.assert_array_equal(layer.pixels[..., :3], colors[result.parts.parts])
    write_ora(tmp_path / "out.ora", result.stack(), merged=result.composite)
    assert "parts" in [layer.name for layer in read_ora(tmp_path / "out.ora").layers]
    flat = engine.colorize(ColorizeRequest(ART, model="partless"))
    assert "parts" not in [layer.name for layer in flat.stack()]


def test_a_palette_holds_its_parts_to_its_colors_below_tags(engine):
    """The area marked hair takes the palette's hair color; a hair tag wins over the palette."""
    from colorizer_app.imaging.palette import Palette

    marks = Hints(parts=(PartMark("hair", (float(INSIDE[0]), float(INSIDE[1]))),))
    palette = Palette("x", {"hair": "#3a9e48"})
    green = srgb_to_lab(np.array([0x3A, 0x9E, 0x48], np.uint8))
    blue = srgb_to_lab(np.array(load_vocabulary().tag("blue_hair").rgb, np.uint8))
    area = _ellipse()

    def median(**extra):
        color = engine.colorize(
            ColorizeRequest(ART, model="parted", hints=marks, palette=palette, **extra)
        ).layers["color"]
        return np.median(srgb_to_lab(color[area][:, :3]), 0)

    assert delta_e(median(), green) < 3
    assert delta_e(median(tags={"blue_hair": 1.0}), blue) < 15
    notes = engine.colorize(ColorizeRequest(ART, model="partless", palette=palette)).notes
    assert any("palette ignored" in note for note in notes)


def test_a_brushed_mark_sets_only_its_disc_however_small_a_share_of_the_area():
    """An iris whose outline opens into the face: a mark with a radius makes the disc eyes and
    keeps it so through region consistency's grouping, the rest of the area untouched."""
    from colorizer_app.engine.partmap import PartCells, apply_marks, full_size

    regions = np.ones((64, 64), np.int32)  # one closed area: the face
    cell_labels = np.ones((32, 32), np.int32)
    names = load_vocabulary().parts
    skin, eyes = names.index("skin"), names.index("eyes")
    cells = PartCells(
        np.full((32, 32), skin, np.int64),
        np.full((32, 32), 0.9, np.float32),
        np.zeros((32, 32), bool),
    )
    marked = apply_marks(cells, (PartMark("eyes", (20.0, 20.0), 4.0),), regions, cell_labels)
    assert 8 <= int((marked.parts == eyes).sum()) <= 16  # a few cells: far below the share rule
    parts = full_size(marked, regions, cell_labels, frozenset({0}), frozenset()).parts
    assert parts[20, 20] == eyes and parts[19, 21] == eyes
    assert parts[40, 40] == skin and parts[20, 30] == skin
    whole = apply_marks(cells, (PartMark("eyes", (20.0, 20.0)),), regions, cell_labels)
    assert np.all(whole.parts == eyes)


def test_a_reference_lends_its_part_colors_and_odd_references_say_why(engine):
    """A reference always gives a note where it could not lend its colors part by part: no
    colors at all (grayscale), or no character found (a tiny picture, a swatch): then its main
    colors go to the drawing's parts by area. No reference stops the coloring."""
    from colorizer_app.engine.pipeline import REFERENCE_BY_AREA_NOTE, REFERENCE_NO_COLORS_NOTE

    gray = np.dstack([np.tile(np.arange(256, dtype=np.uint8), (64, 1))] * 3)
    swatch = np.zeros((16, 16, 4), np.uint8)
    swatch[...] = (200, 40, 60, 255)
    see_through = np.zeros((120, 90, 4), np.uint8)  # a transparent PNG: a red square on nothing
    see_through[30:90, 20:70] = (220, 30, 30, 255)
    for reference, note in (
        (gray, REFERENCE_NO_COLORS_NOTE),
        (swatch, REFERENCE_BY_AREA_NOTE),
        (see_through, None),
    ):
        result = engine.colorize(ColorizeRequest(ART, model="parted", reference=reference))
        if note is not None:
            assert note in result.notes
        assert result.layers["color"].shape == ART.shape
    red = srgb_to_lab(np.array([200, 40, 60], np.uint8))
    marks = Hints(parts=(PartMark("top", (float(INSIDE[0]), float(INSIDE[1]))),))
    color = engine.colorize(
        ColorizeRequest(ART, model="parted", hints=marks, reference=swatch)
    ).layers["color"]
    parts = engine.colorize(ColorizeRequest(ART, model="parted", hints=marks)).parts
    largest = np.bincount(parts.parts[parts.parts > 0].ravel()).argmax()
    on_largest = (parts.parts == largest) & (normalize_lineart(ART).ink == 0)
    # the swatch's one color went to the drawing's largest part, 0.85 of the way
    assert delta_e(np.median(srgb_to_lab(color[on_largest][:, :3]), 0), red) < 20
    with pytest.raises(ColorizerError, match="reference strength"):
        ColorizeRequest(ART, reference=swatch, reference_strength=1.5)


def test_a_references_holds_yield_to_the_networks_colors_and_a_palettes_do_not(engine, monkeypatch):
    """The reference's parts are the part head's guess, so the engine makes its holds give
    way where the network colors an area as another held part, as a tag's do; a character
    palette's never give way (one color on every page)."""
    import colorizer_app.engine.pipeline as pipeline
    from colorizer_app.imaging.palette import Palette

    built, original = [], pipeline.RegionConsistency

    def spy(*args, **kwargs):
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(pipeline, "RegionConsistency", spy)
    swatch = np.zeros((16, 16, 3), np.uint8)
    swatch[...] = (200, 40, 60)  # no character in it: its color goes to the largest part
    palette = Palette("x", {"hair": "#3a9e48"})
    engine.colorize(ColorizeRequest(ART, model="parted", reference=swatch, palette=palette))
    held = built[-1].held
    hair = load_vocabulary().parts.index("hair")
    assert held[hair].share == 1.0 and not held[hair].yielding
    by_reference = {part: hold for part, hold in held.items() if part != hair}
    assert by_reference and all(hold.yielding for hold in by_reference.values())
