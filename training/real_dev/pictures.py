"""Montage tiles for the real-drawing benchmark: pictures letterboxed into square tiles, and the
labelled points drawn over an output so a reader sees what was scored where."""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from training.real_dev.labels import Point

TILE = 256
PART_MARKS = {  # RGB
    "hair": (230, 30, 30),
    "skin": (30, 180, 30),
    "irises": (30, 60, 230),
    "top": (220, 30, 220),
    "bottom": (0, 190, 200),
    "background": (255, 140, 0),
}


def fit(image: np.ndarray, box: int = TILE) -> np.ndarray:
    """Letterbox a uint8 image (gray or RGB) into a box×box white tile."""
    h, w = image.shape[:2]
    scale = box / max(h, w)
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    if small.ndim == 2:
        small = np.repeat(small[..., None], 3, axis=2)
    tile = np.full((box, box, 3), 255, np.uint8)
    y, x = (box - small.shape[0]) // 2, (box - small.shape[1]) // 2
    tile[y : y + small.shape[0], x : x + small.shape[1]] = small
    return tile


def marked(image: np.ndarray, points: Mapping[str, tuple[Point, ...]]) -> np.ndarray:
    """A copy of an RGB image with each part's points drawn as dots in the part's color."""
    picture = np.ascontiguousarray(image.copy())
    radius = max(2, round(max(image.shape[:2]) / 128))
    for part, part_points in points.items():
        for x, y in part_points:
            cv2.circle(picture, (int(x), int(y)), radius + 1, (0, 0, 0), -1)
            cv2.circle(picture, (int(x), int(y)), radius, PART_MARKS[part], -1)
    return picture
