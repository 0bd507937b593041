import dataclasses

import numpy as np
import pytest

from colorizer_app.imaging.color import delta_e, hex_to_rgb, srgb_to_lab
from colorizer_app.imaging.hints import Hints, rasterize_hints
from training.data.hints import (
    ci_points,
    label_components,
    median_color_strokes,
    random_color_strokes,
    recolored_region_strokes,
    scribble,
    simulate_hint_map,
    yuan_patches,
)


def _image(seed=0, size=64):
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def test_ci_points_are_sparse_quarter_resolution_pixels():
    color = _image(size=128)
    maps = [ci_points(color, np.random.default_rng(s)) for s in range(200)]
    assert maps[0].shape == (32, 32, 4)
    shares = np.array([m[..., 3].mean() for m in maps])
    assert 0.3 < np.mean(shares == 0) < 0.7  # ξ ≥ 1 about half the time: no hint at all
    assert shares.max() < 0.05
    m = next(m for m in maps if m[..., 3].any())
    assert set(np.unique(m[..., 3])) <= {0.0, 1.0}
    assert np.all(m[..., :3][m[..., 3] == 0] == 0)


def test_yuan_patches_count_size_and_color():
    color = np.zeros((64, 64, 3), np.uint8)
    color[:, 32:] = 255
    counts, sizes = [], []
    for s in range(300):
        m = yuan_patches(color, np.random.default_rng(s))
        counts.append(m[..., 3].sum() > 0)
        sizes.append(m[..., 3].sum())
        on = m[..., 3] > 0
        assert np.all(np.abs(m[..., 0][on] - m[..., 1][on]) < 1e-6)  # gray means of black/white
    assert 0.8 < np.mean(counts) < 0.95  # Geometric(1/8) counted from 0: P(0) = 1/8
    assert 0 < np.mean(sizes) < 7 * 8 * 8


def test_scribble_stays_inside_its_region():
    mask = np.zeros((128, 128), bool)
    mask[30:90, 20:60] = True
    rng = np.random.default_rng(1)
    for _ in range(20):
        stroke = scribble(mask, "#00ff00", rng)
        cover = rasterize_hints(Hints(strokes=(stroke,)), mask.shape)[..., 3]
        assert cover.sum() > 0 and np.all(cover[~mask] == 0)
    assert (
        scribble(np.zeros((64, 64), bool) | (np.arange(64) == 3)[None, :], "#000000", rng) is None
    )


def test_median_and_random_color_strokes():
    color = np.zeros((128, 128, 3), np.uint8)
    color[:, :64] = (200, 10, 10)
    color[:, 64:] = (10, 10, 200)
    labels = (np.arange(128)[None, :] >= 64).repeat(128, axis=0).astype(np.int32)
    hints = median_color_strokes(color, labels, np.random.default_rng(0), probability=1.0)
    assert len(hints.strokes) == 2
    assert {hex_to_rgb(s.color) for s in hints.strokes} == {(200, 10, 10), (10, 10, 200)}
    pairs = random_color_strokes(labels, ["#123456"], np.random.default_rng(0), max_regions=1)
    assert len(pairs) == 1 and pairs[0][1].color == "#123456"
    assert len(label_components(labels, 16)) == 2


def test_simulate_hint_map_options():
    color = _image(size=64)
    labels = np.zeros((64, 64), np.int32)
    rng = np.random.default_rng(0)
    assert simulate_hint_map("none", color, None, rng).shape == (64, 64, 4)
    assert simulate_hint_map("ci-points", color, None, rng).shape == (16, 16, 4)
    assert simulate_hint_map("yuan-patches", color, None, rng).shape == (64, 64, 4)
    assert simulate_hint_map("strokes", color, labels, rng).shape == (64, 64, 4)


def test_region_strokes_flood_the_regions_of_the_line_art():
    from training.data.synthetic import SyntheticConfig, generate

    sample = generate(3, dataclasses.replace(SyntheticConfig.named("train"), size=128))
    ink = 255 - sample.sketch
    plain = simulate_hint_map("strokes", sample.color, sample.regions, np.random.default_rng(1))
    flooded = simulate_hint_map(
        "region-strokes", sample.color, sample.regions, np.random.default_rng(1), ink
    )
    assert flooded.shape == plain.shape
    assert flooded[..., 3].sum() > 3 * plain[..., 3].sum()
    stroked = plain[..., 3] == 1  # the strokes themselves lie on top, unchanged
    np.testing.assert_allclose(flooded[stroked], plain[stroked])
    with pytest.raises(ValueError, match="ink"):
        simulate_hint_map("region-strokes", sample.color, sample.regions, np.random.default_rng(1))


def test_recolored_strokes_give_their_region_the_stroke_color_and_nothing_unstroked_moves():
    color = np.full((128, 128, 3), 230, np.uint8)
    color[:, :64] = (200, 60, 60)  # part 1: red, with a darker shade in its lowest quarter
    color[96:, :64] = (150, 40, 40)
    labels = np.zeros((128, 128), np.int32)
    labels[:, :64] = 1
    ink = np.zeros((128, 128), np.uint8)
    ink[:, 62:66] = 255  # the line between the parts
    color[:, 62:66] = 20
    palettes = {-1: ["#2040e0"]}
    for seed in range(20):
        hint, out = recolored_region_strokes(
            color, labels, ink, palettes, np.random.default_rng(seed), probability=1.0
        )
        assert hint[..., 3].any()
        lab, blue = srgb_to_lab(out), srgb_to_lab(np.array(hex_to_rgb("#2040e0"), np.uint8))
        assert delta_e(np.median(lab[:, :60].reshape(-1, 3), 0), blue) < 3
        assert srgb_to_lab(out[100, 10])[0] < srgb_to_lab(out[10, 10])[0] - 5  # the shade stays
        assert out[:, 63:65].max() < 60  # the line stays dark
    untouched = recolored_region_strokes(
        color, labels, ink, palettes, np.random.default_rng(0), probability=0.0
    )
    assert not untouched[0][..., 3].any() and np.array_equal(untouched[1], color)
