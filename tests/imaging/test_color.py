import numpy as np
import pytest

from colorizer_app.imaging.color import (
    chroma,
    clip_chroma,
    delta_chroma_hue,
    delta_e,
    hex_to_rgb,
    in_gamut,
    lab_to_srgb,
    rgb_to_hex,
    srgb_to_lab,
)


def test_reference_values_d65():
    lab = srgb_to_lab(
        np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0], [128, 128, 128]], np.uint8)
    )
    assert np.allclose(lab[0], [100, 0, 0], atol=0.01)
    assert np.allclose(lab[1], [0, 0, 0], atol=0.01)
    assert np.allclose(lab[2], [53.24, 80.09, 67.20], atol=0.05)  # sRGB red, D65
    assert np.allclose(lab[3], [53.59, 0, 0], atol=0.05)  # proper sRGB curve, not γ 2.2
    assert lab.dtype == np.float32


def test_round_trip_is_exact_for_every_gray_and_random_colors():
    rng = np.random.default_rng(0)
    colors = np.concatenate(
        [
            np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, 1),
            rng.integers(0, 256, (5000, 3), dtype=np.uint8),
        ]
    )
    assert np.array_equal(lab_to_srgb(srgb_to_lab(colors)), colors)


def test_vectorized_over_images():
    image = np.random.default_rng(1).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    assert srgb_to_lab(image).shape == (4, 5, 3)
    assert lab_to_srgb(srgb_to_lab(image)).shape == (4, 5, 3)


def test_out_of_gamut_is_clipped_and_chroma_clip_keeps_hue():
    lab = np.array([50.0, 150.0, 20.0])
    assert not in_gamut(lab)
    fixed = clip_chroma(lab)
    assert in_gamut(fixed) and fixed[0] == 50.0
    assert np.isclose(np.arctan2(fixed[2], fixed[1]), np.arctan2(20, 150))
    assert chroma(fixed) < chroma(lab)
    assert lab_to_srgb(lab).dtype == np.uint8


def test_hex_helpers():
    assert hex_to_rgb("#ff8000") == (255, 128, 0)
    assert hex_to_rgb("00FF10") == (0, 255, 16)
    assert rgb_to_hex((255, 128, 0)) == "#ff8000"
    for bad in ("#fff", "#gg0000", "red"):
        with pytest.raises(ValueError):
            hex_to_rgb(bad)


def test_distances():
    a = np.array([50.0, 10.0, 0.0])
    b = np.array([60.0, 0.0, 10.0])
    assert np.isclose(delta_e(a, b), np.sqrt(300))
    dc, dh = delta_chroma_hue(a, b)
    assert np.isclose(dc, 0.0) and np.isclose(dh, np.sqrt(200))
    # lightness alone changes neither chroma nor hue: shading is not bleeding
    dc, dh = delta_chroma_hue(np.array([[30.0, 20.0, 20.0]]), np.array([[70.0, 20.0, 20.0]]))
    assert np.allclose(dc, 0) and np.allclose(dh, 0)
