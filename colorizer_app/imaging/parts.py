"""The part map drawn as a picture: each part its own color, for the Parts view and the
``parts`` layer of the exports (an artist selects by color in Krita or Photoshop)."""

from __future__ import annotations

import colorsys
import functools

import numpy as np

from colorizer_app.imaging.color import srgb_to_lab
from colorizer_app.vocabulary import BACKGROUND

# Confidence (0-255) below which the Parts view shows an area faded: the network is guessing.
LOW_CONFIDENCE = 128


@functools.lru_cache(maxsize=4)
def part_colors(names: tuple[str, ...]) -> np.ndarray:
    """(len(names), 3) uint8: the background white, so the drawing's parts stand out, and each
    other part, in the vocabulary's order, the candidate color farthest in CIELAB from every
    color chosen before it (14 parts: at least ΔE76 44 apart; hues spread by the golden ratio
    had put the bow and the eyes 18 apart). Candidates keep an HSV value of at least 0.6, so
    the black lines stay readable over them."""
    candidates = np.array(
        [
            colorsys.hsv_to_rgb(hue, saturation, value)
            for hue in np.arange(36) / 36
            for saturation in (0.4, 0.6, 0.8, 1.0)
            for value in (0.6, 0.8, 0.95)
        ]
    )
    candidates = np.rint(candidates * 255).astype(np.uint8)
    lab = srgb_to_lab(candidates).astype(np.float64)
    white = np.full(3, 255, np.uint8)
    colors = np.empty((len(names), 3), np.uint8)
    nearest = np.linalg.norm(lab - srgb_to_lab(white).astype(np.float64), axis=1)
    for index, name in enumerate(names):
        if name == BACKGROUND:
            colors[index] = white
            continue
        pick = int(nearest.argmax())
        colors[index] = candidates[pick]
        nearest = np.minimum(nearest, np.linalg.norm(lab - lab[pick], axis=1))
    colors.setflags(write=False)  # cached: shared by every caller
    return colors


def parts_layer(
    parts: np.ndarray, names: tuple[str, ...], confidence: np.ndarray | None = None
) -> np.ndarray:
    """(H, W, 4) uint8 RGBA: each pixel its part's color; with ``confidence``, areas the network
    is unsure of (below LOW_CONFIDENCE) half transparent."""
    layer = np.empty(parts.shape + (4,), np.uint8)
    layer[..., :3] = part_colors(names)[parts]
    layer[..., 3] = 255
    if confidence is not None:
        layer[..., 3][confidence < LOW_CONFIDENCE] = 110
    return layer
