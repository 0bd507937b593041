"""A finished color illustration opened where line art is expected: tell it apart, and extract
its lines on request.

Line art keeps its color, if any, in thin dark lines (brown or blue ink, colored pencil); a
finished picture has it in light, filled areas. So the measure is the share of pixels that are
both light (L* above 50) and colored (chroma above 10): a few hundredths at most for colored ink,
a tenth or more for an illustration, even a pastel one.
"""

from __future__ import annotations

import cv2
import numpy as np

from colorizer_app.imaging.color import srgb_to_lab
from colorizer_app.imaging.xdog import xdog

_GRID = 256  # long side of the copy that is measured
_LIGHT_L = 50.0
_COLORED_CHROMA = 10.0
FILLED_SHARE = 0.04  # light, colored pixels above this share: a finished picture
# XDoG for extraction: Tag2Pix's setting (soft, antialiased lines) with σ grown with the image,
# so a large picture gives lines, not texture.
_XDOG_SIGMA_AT_512 = 0.4


def _on_white(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: an RGBA image composited on white; RGB and gray as RGB."""
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    if image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255.0
        return np.rint(image[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return image


def colored_fill_share(image: np.ndarray) -> float:
    """The share of the image's pixels that are light and colored (0..1), measured on a copy
    reduced first (a huge drawing is never converted whole)."""
    height, width = image.shape[:2]
    scale = min(1.0, _GRID / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    rgb = _on_white(image)
    lab = srgb_to_lab(rgb.reshape(-1, 3))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    return float(np.mean((lab[:, 0] > _LIGHT_L) & (chroma > _COLORED_CHROMA)))


def looks_finished(image: np.ndarray) -> bool:
    """Whether an (H, W, 3|4) uint8 image looks like a finished color picture, not line art."""
    return image.ndim == 3 and colored_fill_share(image) > FILLED_SHARE


def extract_lines(image: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA line art (black lines on opaque white) drawn from a color picture."""
    rgb = _on_white(image)
    sigma = _XDOG_SIGMA_AT_512 * max(1.0, max(rgb.shape[:2]) / 512)
    sketch = xdog(rgb, sigma=sigma, k=2.5, gamma=0.95, epsilon=-0.5, phi=1.0)
    out = np.empty((*sketch.shape, 4), np.uint8)
    out[..., :3] = sketch[..., None]
    out[..., 3] = 255
    return out
