"""Simulated user hints: what the networks see in training in place of a person's strokes.

Three ways, from the papers and from how artists actually work:

- Ci et al. (2018, §3.1): random pixels of the 4× downsampled illustration, chosen by the mask
  B = R > |ξ|, R ~ U(0, 1) per pixel, ξ ~ N(1, 0.005) per image — so about half of all images get
  no hint at all and the rest a sparse sprinkle (up to ~1.5 % of the quarter-size pixels).
- Yuan & Simo-Serra (2021, §4.1, after Zhang et al.): a Geometric(p = 0.125) number of square
  patches, 1×1 … 8×8 px with equal probability, placed by a 2-D Gaussian centred on the image with
  Σ = diag((H/4)², (W/4)²), each filled with the mean color under it.
- Scribbles: a few short polylines inside a region, in its median color, the way an artist dabs
  color onto a drawing; returned as ``Hints`` so that they go through the app's one rasterizer.
- Re-colored scribbles: the same, in a random palette color, with the illustration's region
  re-colored to match, because an artist's stroke asks for a color the drawing does not have.

Every function takes an ``np.random.Generator``; none touches global random state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from colorizer_app.engine.flatfill import FlatFill
from colorizer_app.imaging.color import hex_to_rgb, lab_to_srgb, rgb_to_hex, srgb_to_lab
from colorizer_app.imaging.hints import Hints, Stroke, rasterize_hints

HINT_OPTIONS = ("none", "ci-points", "yuan-patches", "strokes", "region-strokes")
CI_XI_STD = 0.005  # ξ ~ N(1, 0.005): the paper's second parameter read as a std. deviation
YUAN_GEOMETRIC_P = 0.125
YUAN_MAX_PATCH = 8


def ci_points(color: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ci et al.'s point hints: (H/4, W/4, 4) float32 map of sampled quarter-size pixels."""
    h, w = color.shape[0] // 4, color.shape[1] // 4
    down = cv2.resize(color, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    xi = rng.normal(1.0, CI_XI_STD)
    chosen = (rng.random((h, w)) > abs(xi)).astype(np.float32)[..., None]
    return np.concatenate([down * chosen, chosen], axis=-1)


def yuan_patches(color: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Yuan & Simo-Serra's patch hints: (H, W, 4) float32 map at full resolution."""
    h, w = color.shape[:2]
    hint = np.zeros((h, w, 4), np.float32)
    count = int(rng.geometric(YUAN_GEOMETRIC_P)) - 1  # counted from 0, as in Zhang et al.'s code
    for _ in range(count):
        size = int(rng.integers(1, YUAN_MAX_PATCH + 1))
        row = int(np.clip(round(rng.normal(h / 2, h / 4) - size / 2), 0, max(h - size, 0)))
        col = int(np.clip(round(rng.normal(w / 2, w / 4) - size / 2), 0, max(w - size, 0)))
        patch = color[row : row + size, col : col + size].reshape(-1, 3).mean(axis=0) / 255
        hint[row : row + size, col : col + size, :3] = patch
        hint[row : row + size, col : col + size, 3] = 1.0
    return hint


def label_components(labels: np.ndarray, min_area: int) -> list[tuple[int, np.ndarray]]:
    """(label, mask) for every 4-connected component of every label with at least min_area px."""
    components = []
    for label in np.unique(labels):
        count, parts = cv2.connectedComponents((labels == label).astype(np.uint8), connectivity=4)
        for index in range(1, count):
            mask = parts == index
            if int(mask.sum()) >= min_area:
                components.append((int(label), mask))
    return components


@dataclass(frozen=True)
class ScribbleStyle:
    """How big simulated strokes are, in pixels of a 256-px image (scaled with the image)."""

    width_range: tuple[float, float] = (2.0, 7.0)
    points_range: tuple[int, int] = (2, 5)  # polyline vertices
    step_range: tuple[float, float] = (6.0, 24.0)
    pressure_range: tuple[float, float] = (0.6, 1.0)


def scribble(
    mask: np.ndarray, color: str, rng: np.random.Generator, style: ScribbleStyle = ScribbleStyle()
) -> Stroke | None:
    """A short back-and-forth polyline that stays inside ``mask``; None if nothing fits."""
    scale = min(mask.shape) / 256
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    width = rng.uniform(*style.width_range) * scale
    width = min(width, 2 * (float(inside.max()) - 0.5))
    if width < 1.0:
        return None
    allowed = inside >= width / 2 + 0.5
    rows, cols = np.nonzero(allowed)
    start = int(rng.integers(len(rows)))
    points = [(float(cols[start]) + 0.5, float(rows[start]) + 0.5)]
    heading = rng.uniform(0, 2 * math.pi)
    for _ in range(int(rng.integers(style.points_range[0], style.points_range[1] + 1)) - 1):
        for _attempt in range(8):
            step = rng.uniform(*style.step_range) * scale
            x, y = (
                points[-1][0] + step * math.cos(heading),
                points[-1][1] + step * math.sin(heading),
            )
            if _segment_inside(allowed, points[-1], (x, y)):
                points.append((float(x), float(y)))
                heading += math.pi + rng.uniform(-0.7, 0.7)  # turn back: a scribble, not a line
                break
            heading = rng.uniform(0, 2 * math.pi)
    pressure = tuple(float(p) for p in rng.uniform(*style.pressure_range, size=len(points)))
    return Stroke(color=color, width=float(width), points=tuple(points), pressure=pressure)


def _segment_inside(allowed: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> bool:
    n = max(2, int(math.hypot(b[0] - a[0], b[1] - a[1])) + 1)
    xs = np.floor(np.linspace(a[0], b[0], n)).astype(int)
    ys = np.floor(np.linspace(a[1], b[1], n)).astype(int)
    h, w = allowed.shape
    if xs.min() < 0 or ys.min() < 0 or xs.max() >= w or ys.max() >= h:
        return False
    return bool(allowed[ys, xs].all())


def median_color(color: np.ndarray, mask: np.ndarray) -> tuple[int, int, int]:
    """Per-channel median sRGB color of the masked pixels."""
    r, g, b = np.median(color[mask], axis=0)
    return int(r), int(g), int(b)


def median_color_strokes(
    color: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    *,
    probability: float = 0.5,
    min_area: int | None = None,
    style: ScribbleStyle = ScribbleStyle(),
) -> Hints:
    """Scribbles in the true median color of a random subset of the label map's regions."""
    min_area = _default_min_area(labels.shape) if min_area is None else min_area
    strokes = []
    for _label, mask in label_components(labels, min_area):
        if rng.random() < probability:
            stroke = scribble(mask, rgb_to_hex(median_color(color, mask)), rng, style)
            if stroke is not None:
                strokes.append(stroke)
    return Hints(strokes=tuple(strokes))


def random_color_strokes(
    labels: np.ndarray,
    colors: list[str],
    rng: np.random.Generator,
    *,
    min_area: int | None = None,
    max_regions: int | None = None,
    allowed: np.ndarray | None = None,
    style: ScribbleStyle = ScribbleStyle(),
) -> list[tuple[np.ndarray, Stroke]]:
    """One scribble of a random color from ``colors`` in each region, largest regions first.

    ``allowed`` (bool map) limits where strokes may go, e.g. to paper rather than line. Returns
    (region mask, stroke) pairs, so the caller can score each region against its stroke.
    """
    min_area = _default_min_area(labels.shape) if min_area is None else min_area
    components = sorted(label_components(labels, min_area), key=lambda c: -int(c[1].sum()))
    pairs = []
    for _label, mask in components[:max_regions]:
        inside = mask if allowed is None else mask & allowed
        stroke = scribble(inside, colors[int(rng.integers(len(colors)))], rng, style)
        if stroke is not None:
            pairs.append((mask, stroke))
    return pairs


OWN_PALETTE_SHARE = 0.75  # re-colored strokes in a color of the part's own tags; the rest any


def recolored_region_strokes(
    color: np.ndarray,
    labels: np.ndarray,
    ink: np.ndarray,
    palettes: Mapping[int, list[str]],
    rng: np.random.Generator,
    *,
    probability: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """(hint map, illustration): scribbles of random palette colors in a random subset of the
    label map's regions, flooded over the line art as the engine floods them, and ``color`` with
    each stroked region re-colored to its stroke.

    ``palettes`` maps a label (part id) to its tags' colors and -1 to every color; a stroke takes
    one of its part's colors (``OWN_PALETTE_SHARE``), else any, as artists mostly do.

    Strokes in the true color teach that a stroke confirms its region; these teach that it
    *decides* it, whatever the part's other regions, its tags or a reference say — which is what
    an artist means by a stroke, and what hint accuracy measures. The re-coloring shifts the
    region's CIELAB values by (stroke − region median), so its shading stays; pixels under 3/4
    of the median's lightness move less, those under 1/4 (lines) not at all, so lines stay dark.
    """
    lab = srgb_to_lab(color)
    changed = np.zeros(labels.shape, bool)
    strokes = []
    for label, mask in label_components(labels, _default_min_area(labels.shape)):
        if rng.random() >= probability:
            continue
        own = palettes.get(label)
        colors = own if own and rng.random() < OWN_PALETTE_SHARE else palettes[-1]
        stroke = scribble(mask, colors[int(rng.integers(len(colors)))], rng)
        inside = mask & (ink < 128)
        if stroke is None or not inside.any():
            continue
        strokes.append(stroke)
        target = srgb_to_lab(np.array(hex_to_rgb(stroke.color), np.uint8))
        median = np.median(lab[inside], axis=0)
        weight = np.clip(2 * lab[mask][:, :1] / max(float(median[0]), 1.0) - 0.5, 0, 1)
        lab[mask] += (target - median) * weight
        changed |= mask
    recolored = color.copy()
    recolored[changed] = lab_to_srgb(lab[changed])
    return FlatFill(cache_size=1).hint_map(ink, Hints(strokes=tuple(strokes))), recolored


def _default_min_area(shape: tuple[int, ...]) -> int:
    return max(16, shape[0] * shape[1] // 1000)


def simulate_hint_map(
    option: str,
    color: np.ndarray,
    labels: np.ndarray | None,
    rng: np.random.Generator,
    ink: np.ndarray | None = None,
) -> np.ndarray:
    """The hint map for one training image under a HINT_OPTIONS name.

    (H/4, W/4, 4) for "ci-points", (H, W, 4) otherwise. "strokes" needs a label map (the part
    regions of a synthetic sample, or a segmentation of a real drawing); "region-strokes" are the
    same strokes flooded over the regions of the line art ``ink`` (255 = ink) they color, as the
    engine gives them to a network that takes region hints.
    """
    h, w = color.shape[:2]
    if option == "none":
        return np.zeros((h, w, 4), np.float32)
    if option == "ci-points":
        return ci_points(color, rng)
    if option == "yuan-patches":
        return yuan_patches(color, rng)
    if option in ("strokes", "region-strokes"):
        if labels is None:
            raise ValueError("stroke hints need a region label map")
        strokes = median_color_strokes(color, labels, rng)
        if option == "strokes":
            return rasterize_hints(strokes, (h, w))
        if ink is None:
            raise ValueError("region stroke hints need the line art's ink map")
        return FlatFill(cache_size=1).hint_map(ink, strokes)
    raise ValueError(f"unknown hint option {option!r}; choose one of {', '.join(HINT_OPTIONS)}")
