"""Line art for synthetic characters in three styles, and the domain augmentations that make real
drawings no surprise.

Styles (the papers train on mixtures of line-art sources, e.g. Yuan & Simo-Serra's
p = (0.1, 0.5, 0.4)):
  * "clean": vector-like outlines on every region boundary plus inner detail strokes (hair
    strands, folds, pupils, brows, lashes); width varies smoothly along each stroke, the
    silhouette is drawn heavier, and a few small gaps are left as in real inking;
  * "xdog": XDoG (Ci et al.'s or Tag2Pix's parameters) of the illustration with its ink lines;
  * "rough": pencil — two jittered gray passes, broken strokes, graphite pressure, paper grain.
Every function works on "ink" (float32, 1 = full ink) until ``to_sketch`` turns it into the
networks' sketch (uint8, 255 = paper).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from colorizer_app.imaging.xdog import (
    sketch_brightness_tag2pix,
    sketch_intensity_ci,
    xdog_ci,
    xdog_tag2pix,
)
from training.data.synthetic_character import PID, Drawing

STYLES = ("clean", "xdog", "rough")
_FACE = np.zeros(256, bool)
_FACE[[PID["skin"], PID["eyes"], PID["eye_whites"]]] = True
_LINE_COLORS = {"brown": (110, 70, 40), "blue": (50, 80, 170), "pink": (215, 95, 145)}


@dataclass(frozen=True)
class LineArtAugment:
    """Probabilities (per sample) of each domain augmentation, and the line-width range."""

    width_px: tuple[float, float] = (0.9, 2.2)  # mean stroke width at 256 px (scaled with size)
    gaps: float = 0.6  # clean style: small gaps in outlines
    thicken: float = 0.1  # every line one pixel heavier (grayscale erosion of the sketch)
    dropped: float = 0.15  # larger pieces of line missing
    colored_lines: float = 0.1  # brown / blue / pink lines, seen in gray
    faint: float = 0.1  # Tag2Pix brightness: ink divided by U(1, 7)
    intensity: float = 0.2  # Ci et al.: ink times U(0.7, 1)
    paper: float = 0.2  # paper tone and texture
    blur: float = 0.12
    jpeg: float = 0.12


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """A smooth random field in about [0, 1]: a coarse random grid, cubic-upsampled to 64², then
    linearly to ``size`` (a full-size cubic resize costs more than the rest of a sample)."""
    grid = rng.random((cells, cells)).astype(np.float32)
    mid = cv2.resize(grid, (64, 64), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(mid, (size, size), interpolation=cv2.INTER_LINEAR)


_DISCS = [cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d, d)) for d in range(1, 16)]


def centerlines(d: Drawing) -> np.ndarray:
    """(S, S) bool: one-pixel region boundaries plus the visible detail strokes."""
    labels = d.labels
    edge = np.zeros(labels.shape, bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    edge |= (d.details > 0) & (d.details == labels)
    return edge


def _outline(d: Drawing) -> np.ndarray:
    """Boundary pixels between the figure and the background (drawn heavier)."""
    fig = (d.labels > 0).astype(np.uint8)
    return cv2.morphologyEx(fig, cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8)) > 0


def _stroke_ink(center: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Ink of the given centerlines, each centerline pixel stamped as a disc of its own ``width``
    (canvas pixels, quantized to whole pixels); antialiasing comes from the later downsampling."""
    level = np.clip(np.round(width), 1, len(_DISCS)).astype(np.uint8)
    level[~center] = 0
    ink = np.zeros(center.shape, np.uint8)
    for d in np.unique(level[level > 0]):
        ink |= cv2.dilate((level == d).view(np.uint8), _DISCS[int(d) - 1])
    return ink.astype(np.float32)


def _out(ink2: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(ink2, (size, size), interpolation=cv2.INTER_AREA)


def clean_ink(
    d: Drawing, rng: np.random.Generator, width_px: float, size: int, gaps: bool
) -> np.ndarray:
    """Clean inked outlines at the output ``size`` (float32 ink)."""
    s = d.labels.shape[0]
    k = s / size  # canvas pixels per output pixel
    center = centerlines(d)
    if gaps:
        ys, xs = np.nonzero(center)
        if ys.size:
            for i in rng.choice(ys.size, size=int(rng.integers(2, 10)), replace=True):
                cv2.circle(
                    center.view(np.uint8),
                    (int(xs[i]), int(ys[i])),
                    int(rng.integers(1, 3) * k),
                    0,
                    -1,
                )
    width = width_px * k * (0.55 + 0.9 * _smooth_noise(rng, s, 6))
    width[_outline(d)] *= 1.4
    ink = _stroke_ink(center, width)
    solid = (d.solid > 0) & _FACE[d.labels]
    ink[solid] = 1.0
    return _out(ink, size)


def rough_ink(d: Drawing, rng: np.random.Generator, width_px: float, size: int) -> np.ndarray:
    """Pencil: two displaced gray passes over the centerlines, broken, with graphite pressure.
    Drawn at the output size: pencil lines need no sub-pixel precision."""
    center2 = (centerlines(d) | (d.solid > 0)).view(np.uint8) * 255
    center = cv2.resize(center2, (size, size), interpolation=cv2.INTER_AREA)
    ys, xs = np.indices((size, size), dtype=np.float32)
    ink = np.zeros((size, size), np.float32)
    for _ in range(2):
        amp = rng.uniform(0.5, 1.6)
        mx = xs + (_smooth_noise(rng, size, 9) - 0.5) * 2 * amp
        my = ys + (_smooth_noise(rng, size, 9) - 0.5) * 2 * amp
        moved = cv2.remap(center, mx, my, cv2.INTER_LINEAR) > 40
        width = np.full((size, size), max(1.0, width_px * rng.uniform(0.6, 0.9)), np.float32)
        stroke = _stroke_ink(moved, width)
        pressure = np.clip(0.35 + 0.75 * _smooth_noise(rng, size, 12), 0.3, 0.95)
        broken = _smooth_noise(rng, size, 24) > rng.uniform(0.12, 0.25)
        ink = 1 - (1 - ink) * (1 - stroke * pressure * broken)
    ink = cv2.GaussianBlur(ink, (0, 0), 0.5)
    grain = rng.normal(0.0, 0.035, ink.shape).astype(np.float32)
    return np.clip(ink * (1 + grain * 3) + np.abs(grain) * 0.6, 0.0, 1.0)


def xdog_ink(color: np.ndarray, line_ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """XDoG of the illustration with its ink lines laid on it (as the papers' illustrations
    have), with Ci et al.'s or Tag2Pix's parameters."""
    inked = (color.astype(np.float32) * (1 - 0.88 * line_ink[..., None])).astype(np.uint8)
    sketch = xdog_ci(inked, rng) if rng.random() < 0.5 else xdog_tag2pix(inked, rng)
    return 1.0 - sketch.astype(np.float32) / 255.0


def augment(ink: np.ndarray, rng: np.random.Generator, aug: LineArtAugment) -> np.ndarray:
    """Domain augmentations on ink; returns the sketch (uint8, 255 = paper)."""
    size = ink.shape[0]
    if rng.random() < aug.thicken:
        ink = cv2.dilate(ink, np.ones((2, 2), np.uint8))
    if rng.random() < aug.dropped:
        holes = np.ones_like(ink)
        ys, xs = np.nonzero(ink > 0.5)
        if ys.size:
            for i in rng.choice(ys.size, size=int(rng.integers(3, 12))):
                r = int(rng.integers(3, max(4, size // 25)))
                cv2.circle(holes, (int(xs[i]), int(ys[i])), r, 0.0, -1)
        ink = ink * holes
    if rng.random() < aug.colored_lines:
        rgb = _LINE_COLORS[str(rng.choice(list(_LINE_COLORS)))]
        luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
        ink = ink * (1 - luma / 255)
    sketch = np.round((1 - np.clip(ink, 0, 1)) * 255).astype(np.uint8)
    if rng.random() < aug.faint:
        sketch = sketch_brightness_tag2pix(sketch, rng)
    if rng.random() < aug.intensity:
        sketch = sketch_intensity_ci(sketch, rng)
    if rng.random() < aug.paper:
        tone = rng.uniform(0.86, 1.0)
        texture = (
            1
            - 0.06 * _smooth_noise(rng, size, 16)
            - np.abs(rng.normal(0, 0.02, (size, size))).astype(np.float32)
        )
        sketch = np.clip(sketch.astype(np.float32) * tone * texture, 0, 255).astype(np.uint8)
    if rng.random() < aug.blur:
        sketch = cv2.GaussianBlur(sketch, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < aug.jpeg:
        quality = int(rng.integers(25, 80))
        _, data = cv2.imencode(".jpg", sketch, [cv2.IMWRITE_JPEG_QUALITY, quality])
        sketch = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return sketch
