"""Measures on one colorized real drawing, at its labelled points (docs/architecture.md §7).

All colors are compared in CIELAB (ΔE76). Points are in the scored image's pixels.

- **tag on a part** (hair tag on hair, eye tag on irises): the median output color of small
  disks (``POINT_RADIUS``) around the part's points must be nearer to the tag's palette color
  than to every other color of the tag's group; the ΔE to the tag's color is reported too.
- **face stays skin**: the skin points' median is nearer to the nearest *skin tone* than to the
  hair tag's color. Skin tones are the vocabulary's ``skin_color`` palette colors whose CIELAB
  hue angle lies between ``SKIN_HUES`` (the warm, human tones: pale, fair, tan, dark; grey,
  blue and green skin are left out).
- **spread** of an untagged part (top, bottom): the share of paper pixels in disks of
  ``SPREAD_RADIUS`` around its points more than ``CLEAN_DE`` from their median — mud and
  blotches where one flat color belongs.
- **background stains**: for each flat-fill region that holds a background point, the share of
  its paper pixels more than ``CLEAN_DE`` from the region's median; averaged over those regions.
- **reconstruction** (color illustrations): ΔE76 to the original, averaged over paper pixels,
  and PSNR over the same pixels (lines left out: the original's lines are in the line art the
  colorizer was given, and a color layer has none).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from colorizer_app.imaging.color import delta_e, srgb_to_lab
from colorizer_app.vocabulary import Vocabulary
from training.evaluation.metrics import psnr

POINT_RADIUS = 2  # px: the disk whose median is a point's color
SPREAD_RADIUS = 6  # px: the disk around a point of an untagged part
CLEAN_DE = 12.0  # ΔE beyond which a pixel has left its part's (or region's) color
SKIN_HUES = (20.0, 90.0)  # degrees of CIELAB hue: the warm skin tones

Point = tuple[int, int]


def disks(shape: tuple[int, int], points: Sequence[Point], radius: int) -> np.ndarray:
    """(H, W) bool: the union of disks of ``radius`` around ``points``."""
    mask = np.zeros(shape, np.uint8)
    for x, y in points:
        cv2.circle(mask, (int(x), int(y)), radius, 1, -1)
    return mask.astype(bool)


def points_color(lab: np.ndarray, points: Sequence[Point]) -> np.ndarray:
    """Median CIELAB color of the disks around ``points``."""
    return np.median(lab[disks(lab.shape[:2], points, POINT_RADIUS)], axis=0)


def palette_lab(vocabulary: Vocabulary, tag: str) -> np.ndarray:
    return srgb_to_lab(np.array(vocabulary.tag(tag).rgb, np.uint8))


def tag_on_part(
    lab: np.ndarray, points: Sequence[Point], tag: str, vocabulary: Vocabulary
) -> tuple[bool, float]:
    """(whether the part's color is nearest to the tag among its group, ΔE to the tag)."""
    color = points_color(lab, points)
    group = vocabulary.tag(tag).group
    others = [palette_lab(vocabulary, t.name) for t in vocabulary.cvt if t.group == group]
    target = palette_lab(vocabulary, tag)
    distance = float(delta_e(color, target))
    nearest = float(delta_e(color[None], np.array(others)).min())
    return distance <= nearest, distance


def skin_tones(vocabulary: Vocabulary) -> np.ndarray:
    """(N, 3) CIELAB colors of the vocabulary's warm skin tones (see the module docstring)."""
    low, high = SKIN_HUES
    tones = [palette_lab(vocabulary, t.name) for t in vocabulary.cvt if t.group == "skin_color"]
    return np.array([c for c in tones if low <= math.degrees(math.atan2(c[2], c[1])) % 360 <= high])


def face_stays_skin(
    lab: np.ndarray, skin_points: Sequence[Point], hair_tag: str, vocabulary: Vocabulary
) -> bool:
    """Whether the face's color is nearer to a skin tone than to the hair tag's color."""
    color = points_color(lab, skin_points)
    to_skin = float(delta_e(color[None], skin_tones(vocabulary)).min())
    return to_skin < float(delta_e(color, palette_lab(vocabulary, hair_tag)))


def departing_share(lab: np.ndarray, mask: np.ndarray) -> float:
    """Share of the masked pixels more than CLEAN_DE from their median color."""
    pixels = lab[mask]
    return float(np.mean(delta_e(pixels, np.median(pixels, axis=0)[None]) > CLEAN_DE))


def spread(lab: np.ndarray, points: Sequence[Point], paper: np.ndarray) -> float | None:
    """Departing share over the paper pixels of the disks around an untagged part's points."""
    mask = disks(paper.shape, points, SPREAD_RADIUS) & paper
    return departing_share(lab, mask) if mask.any() else None


def background_stains(
    lab: np.ndarray, points: Sequence[Point], labels: np.ndarray, paper: np.ndarray
) -> float | None:
    """Mean departing share over the flat-fill regions that hold a background point."""
    regions = {int(labels[y, x]) for x, y in points}
    shares = [
        departing_share(lab, mask)
        for mask in (paper & (labels == region) for region in sorted(regions))
        if mask.any()
    ]
    return float(np.mean(shares)) if shares else None


def reconstruction(
    output: np.ndarray, original: np.ndarray, paper: np.ndarray
) -> tuple[float, float]:
    """(mean ΔE76, PSNR in dB) of the output against the original, over paper pixels."""
    difference = delta_e(srgb_to_lab(output[paper]), srgb_to_lab(original[paper]))
    return float(np.mean(difference)), psnr(output[paper], original[paper])
