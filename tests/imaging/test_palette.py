"""Character palette files: a round trip, the palette a colored drawing shows, and bad files
refused with a message that names the file and the problem."""

import json

import numpy as np
import pytest

from colorizer_app.imaging.palette import Palette, PaletteError, palette_of
from colorizer_app.vocabulary import load_vocabulary


def test_a_palette_round_trips_through_its_file(tmp_path):
    palette = Palette("Aoi", {"hair": "#5a7fd0", "eyes": "#c03040"})
    palette.save(tmp_path / "aoi.json")
    assert Palette.load(tmp_path / "aoi.json") == palette
    document = json.loads((tmp_path / "aoi.json").read_text())
    assert document["format"] == "colorizer-palette" and document["version"] == 1


def test_the_palette_of_a_drawing_is_each_parts_median_color():
    names = load_vocabulary().parts
    parts = np.zeros((40, 50), np.uint8)
    parts[:20] = names.index("hair")
    parts[20:, :25] = names.index("skin")
    parts[39, 49] = names.index("gloves")  # a stray cell: too little to be a color of the character
    colors = np.full((40, 50, 3), 255, np.uint8)
    colors[:20] = (90, 127, 208)
    colors[20:, :25] = (246, 220, 200)
    colors[5, 5] = (0, 0, 0)  # one odd pixel does not move a median
    palette = palette_of("x", colors, parts, names)
    assert palette.colors == {"background": "#ffffff", "skin": "#f6dcc8", "hair": "#5a7fd0"}


@pytest.mark.parametrize(
    "content, words",
    [
        ("{", "not valid JSON"),
        ('{"parts": {}}', "not a Colorizer palette"),
        ('{"format": "colorizer-palette", "version": 7, "parts": {}}', "version 7"),
        ('{"format": "colorizer-palette", "version": 1, "parts": {"wings": "#ffffff"}}', "wings"),
        ('{"format": "colorizer-palette", "version": 1, "parts": {"hair": "blue"}}', "#rrggbb"),
        ('{"format": "colorizer-palette", "version": 1, "parts": []}', '"parts" object'),
    ],
)
def test_bad_palette_files_say_what_is_wrong(tmp_path, content, words):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(PaletteError, match=words) as raised:
        Palette.load(path)
    assert str(path) in str(raised.value)
    with pytest.raises(PaletteError, match="cannot read"):
        Palette.load(tmp_path / "missing.json")


def test_a_picture_without_parts_gives_its_main_colors_by_area_and_gray_has_none():
    from colorizer_app.imaging.palette import by_area, colorless

    picture = np.full((40, 40, 3), 255, np.uint8)  # paper: no color of the picture
    picture[:20] = (40, 80, 200)
    picture[20:30] = (200, 40, 40)
    assert not colorless(picture)
    gray = np.repeat(np.linspace(0, 255, 40, dtype=np.uint8)[None, :, None], 40, 0).repeat(3, 2)
    assert colorless(gray)
    names = load_vocabulary().parts
    parts = np.full((10, 10), names.index("top"), np.uint8)
    parts[:3] = names.index("hair")
    assert by_area(picture, parts).colors == {"top": "#2850c8", "hair": "#c82828"}
