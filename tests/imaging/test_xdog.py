import cv2
import numpy as np

from colorizer_app.imaging.xdog import (
    sketch_brightness_tag2pix,
    sketch_intensity_ci,
    xdog,
    xdog_ci,
    xdog_tag2pix,
)


def _drawing():
    image = np.full((64, 64, 3), 235, np.uint8)
    cv2.rectangle(image, (20, 20), (44, 44), (30, 30, 30), -1)  # a dark filled square
    cv2.line(image, (0, 8), (63, 8), (0, 0, 0), 1)  # a thin ink line
    return image


def test_lines_and_edges_become_ink_flat_areas_stay_paper():
    rng = np.random.default_rng(0)
    for sketch in (xdog_ci(_drawing(), rng), xdog_tag2pix(_drawing(), rng)):
        assert sketch.shape == (64, 64) and sketch.dtype == np.uint8
        assert sketch[8, 32] < 64  # the thin line
        assert sketch[32, 20] < 128  # the square's border
        assert sketch[32, 32] > 200 and sketch[55, 55] > 200  # inside flat areas: paper


def test_phi_controls_softness_and_gray_input_works():
    gray = cv2.cvtColor(_drawing(), cv2.COLOR_RGB2GRAY)
    hard = xdog(gray, 0.5, 4.5, 0.95, 0.0, 1e9)
    soft = xdog(gray, 0.5, 4.5, 0.95, 0.0, 0.05)
    assert set(np.unique(hard)) <= {0, 255}
    assert len(np.unique(soft)) > 2


def test_augmentations_only_lighten_ink():
    rng = np.random.default_rng(1)
    sketch = xdog_ci(_drawing(), rng)
    for out in (sketch_intensity_ci(sketch, rng), sketch_brightness_tag2pix(sketch, rng)):
        assert np.all(out >= sketch)
        assert np.all(out[sketch == 255] == 255)
    faint = sketch_brightness_tag2pix(np.zeros((4, 4), np.uint8), rng, (7.0, 7.0))
    assert np.all(faint == round(255 * 6 / 7))
