"""A finished color picture is told apart from line art, colored ink included, and its lines can
be extracted."""

import numpy as np

from colorizer_app.imaging.finished_picture import colored_fill_share, extract_lines, looks_finished
from tests.tiny_model import drawing


def _illustration(size=96):
    """Flat colored areas (hair, skin, dress) on white, outlined in black."""
    image = np.full((size, size, 3), 255, np.uint8)
    image[10:50, 20:76] = (230, 200, 80)  # blonde hair
    image[30:60, 34:62] = (250, 220, 200)  # skin
    image[60:92, 24:72] = (40, 70, 170)  # a blue dress (dark: not counted)
    image[60:92, 40:56] = (240, 150, 170)  # a pink bow
    image[[10, 49, 60, 91], 20:76] = 0
    return image


def _brown_ink_lineart(size=96):
    image = np.full((size, size, 3), 255, np.uint8)
    for row in range(8, size - 8, 12):
        image[row : row + 2, 8:-8] = (120, 70, 40)  # thick brown lines
    return image


def test_a_colored_picture_is_finished_and_line_art_is_not():
    assert looks_finished(_illustration())
    assert not looks_finished(_brown_ink_lineart())
    assert not looks_finished(drawing(64, 64))  # RGBA black line art
    assert not looks_finished(np.full((40, 40), 200, np.uint8))  # gray has no color
    assert colored_fill_share(_brown_ink_lineart()) < 0.01


def test_transparent_pixels_count_as_white_paper():
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[..., :3] = (255, 0, 0)  # red, but invisible
    assert not looks_finished(rgba)


def test_extracted_lines_are_opaque_black_on_white_along_the_edges():
    lines = extract_lines(_illustration())
    assert lines.shape == (96, 96, 4) and lines.dtype == np.uint8
    assert (lines[..., 3] == 255).all()
    assert lines[5, 5, 0] == 255  # paper stays white
    assert lines[8:13, 40, 0].min() < 128  # the hair's top outline is a line
    assert (lines[..., 0] == lines[..., 1]).all() and (lines[..., 1] == lines[..., 2]).all()
