"""The part map drawn as a picture: each part its own color, for the Parts view and the
``parts`` layer of the exports (an artist selects by color in Krita or Photoshop)."""

from __future__ import annotations

import colorsys

import numpy as np

from colorizer_app.vocabulary import BACKGROUND

# Confidence (0-255) below which the Parts view shows an area faded: the network is guessing.
LOW_CONFIDENCE = 128


def part_colors(names: tuple[str, ...]) -> np.ndarray:
    """(len(names), 3) uint8: distinct hues, evenly spread in the vocabulary's order; the
    background white, so the drawing's parts stand out."""
    colors = np.empty((len(names), 3), np.uint8)
    for index, name in enumerate(names):
        if name == BACKGROUND:
            colors[index] = 255
            continue
        hue = (index * 0.618034) % 1.0  # the golden ratio keeps neighbours' hues apart
        rgb = colorsys.hsv_to_rgb(hue, 0.65, 0.95)
        colors[index] = np.rint(np.array(rgb) * 255).astype(np.uint8)
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
