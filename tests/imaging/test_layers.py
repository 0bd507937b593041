import numpy as np
import pytest

from colorizer_app.imaging import layers
from colorizer_app.imaging.layers import Layer, composite, lineart_layer


def test_composite_multiplies_and_honours_opacity_and_visibility():
    white = np.full((1, 1, 4), 255, np.uint8)
    red = np.array([[[200, 0, 0, 255]]], np.uint8)
    gray = np.array([[[128, 128, 128, 255]]], np.uint8)
    assert composite([Layer("a", red), Layer("b", gray, blend="multiply")])[0, 0].tolist() == [
        100,
        0,
        0,
        255,
    ]
    half = composite([Layer("a", white), Layer("b", red, opacity=0.5)])[0, 0].tolist()
    assert half == [228, 128, 128, 255]
    assert composite([Layer("a", red), Layer("b", gray, visible=False)])[0, 0].tolist() == [
        200,
        0,
        0,
        255,
    ]
    # Multiply over transparency shows the layer itself, as in Krita and GIMP.
    transparent = np.zeros((1, 1, 4), np.uint8)
    assert composite([Layer("a", transparent), Layer("b", gray, blend="multiply")])[
        0, 0
    ].tolist() == [128, 128, 128, 255]


def test_lineart_layer_is_opaque_gray_in_multiply():
    ink = np.array([[0, 128, 255]], np.uint8)
    layer = lineart_layer(ink)
    assert layer.blend == "multiply" and layer.name == "line art"
    assert layer.pixels[0].tolist() == [[255, 255, 255, 255], [127, 127, 127, 255], [0, 0, 0, 255]]


def test_layers_are_validated():
    with pytest.raises(ValueError):
        Layer("rgb", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError):
        Layer("a", np.zeros((2, 2, 4), np.uint8), opacity=1.5)
    with pytest.raises(ValueError):
        Layer("a", np.zeros((2, 2, 4), np.uint8), blend="screen")
    with pytest.raises(ValueError):
        composite(
            [Layer("a", np.zeros((2, 2, 4), np.uint8)), Layer("b", np.zeros((3, 2, 4), np.uint8))]
        )


def test_colors_under_lines_blend_exactly_as_the_general_model():
    """The engine's stack (colors, opaque or clear, under opaque lines in multiply) takes an
    integer shortcut; for every pair of byte values it must give what the float blend gives."""
    a, b = np.meshgrid(
        np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8), indexing="ij"
    )
    colors = np.stack([a, b, 255 - a, np.full_like(a, 255)], axis=-1)
    colors[::7, :, 3] = 0  # transparent colors: the lines alone show
    lines = np.stack([b, a, b, np.full_like(a, 255)], axis=-1)
    stack = [Layer("colors", colors), Layer("lines", lines, blend="multiply")]
    assert layers._is_colors_under_lines(stack)
    np.testing.assert_array_equal(composite(stack), layers._blend(stack, (256, 256)))
    half_clear = colors.copy()
    half_clear[0, 0, 3] = 128
    assert not layers._is_colors_under_lines([Layer("colors", half_clear), stack[1]])
