"""A generated drawing with known closed areas whose outlines have small gaps, for the region
segmentation and flat-fill tests: the same shapes drawn without gaps give the true regions."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 256
LINE = 3  # line thickness, pixels


@dataclass(frozen=True)
class GappedDrawing:
    ink: np.ndarray  # (H, W) uint8, 255 = ink, with gaps knocked out of the outlines
    truth: (
        np.ndarray
    )  # (H, W) int32: true area id per paper pixel of the gap-free drawing, 0 on lines
    seeds: dict[str, tuple[int, int]]  # a point (x, y) well inside each named area

    def area(self, name: str) -> np.ndarray:
        x, y = self.seeds[name]
        return self.truth == self.truth[y, x]


def _draw(gaps: bool, gap: int) -> np.ndarray:
    ink = np.zeros((SIZE, SIZE), np.uint8)
    aa = cv2.LINE_AA
    cv2.rectangle(ink, (2, 2), (SIZE - 3, SIZE - 3), 255, LINE, aa)  # frame
    cv2.circle(ink, (70, 70), 45, 255, LINE, aa)  # a face
    cv2.rectangle(ink, (140, 30), (230, 120), 255, LINE, aa)  # a box ...
    cv2.line(ink, (185, 30), (185, 120), 255, LINE, aa)  # ... split in two
    cv2.fillConvexPoly(ink, np.array([[30, 230], [110, 230], [70, 150]]), 0)
    cv2.polylines(ink, [np.array([[30, 230], [110, 230], [70, 150]])], True, 255, LINE, aa)
    # A narrow closed band (like a ribbon or a hair strand): 5 px of paper between its lines.
    cv2.rectangle(ink, (140, 170), (230, 178), 255, LINE, aa)
    if gaps:
        # Holes through the circle, the dividing line and the triangle's base.
        for x0, y0, x1, y1 in [
            (113, 68, 118, 68 + gap),
            (183, 70, 188, 70 + gap),
            (68, 227, 68 + gap, 233),
        ]:
            ink[y0:y1, x0:x1] = 0
    return ink


def gapped_drawing(gap: int = 3) -> GappedDrawing:
    """The test drawing with ``gap``-pixel holes in three outlines."""
    solid = _draw(gaps=False, gap=gap)
    _, truth = cv2.connectedComponents(
        (solid < 96).astype(np.uint8), connectivity=4, ltype=cv2.CV_32S
    )
    seeds = {
        "background": (128, 140),
        "face": (70, 70),
        "box_left": (160, 75),
        "box_right": (210, 75),
        "triangle": (70, 205),
        "band": (185, 174),
    }
    return GappedDrawing(ink=_draw(gaps=True, gap=gap), truth=truth.astype(np.int32), seeds=seeds)
