"""A real drawing made ready for scoring: the line art the colorizer gets, its flat-fill
regions, the labelled points at that size, and (for a color illustration) the original.

A color illustration's line art is extracted with the project's XDoG at fixed parameters (the
middle of Tag2Pix's ranges), so the colorizer sees lines like those it trained on and the
original is the ground truth at every paper pixel.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from colorizer_app.imaging.color import delta_e, rgb_to_hex
from colorizer_app.imaging.hints import Hints
from colorizer_app.imaging.lineart import normalize_lineart, sketch_from_ink
from colorizer_app.imaging.loader import load_image
from colorizer_app.imaging.regions import segment_regions
from colorizer_app.imaging.xdog import xdog
from colorizer_app.vocabulary import Vocabulary
from training.data.hints import label_components, median_color, scribble
from training.evaluation.evaluator import UNLIKE_DE
from training.evaluation.metrics import paper_mask
from training.real_dev.labels import LabelledDrawing, Point
from training.real_dev.scoring import palette_lab, skin_tones

XDOG_PARAMETERS = {"sigma": 0.4, "k": 2.5, "gamma": 0.95, "epsilon": -0.5, "phi": 1.0}
STROKE_MIN_AREA = 0.001  # smallest region a sampled stroke goes in, as a share of the image


@dataclass(frozen=True, eq=False)
class PreparedDrawing:
    drawing: LabelledDrawing
    sketch: np.ndarray  # (H, W) uint8, 255 = paper: what the colorizer is given
    labels: np.ndarray  # (H, W) int32 flat-fill regions of the sketch
    paper: np.ndarray  # (H, W) bool, paper pixels (lines and their margin left out)
    points: Mapping[str, tuple[Point, ...]]  # the labelled points at this size
    original: np.ndarray | None  # (H, W, 3) uint8: a color illustration at this size


def scaled_ink(pixels: np.ndarray, size: int) -> np.ndarray:
    """The ink map of a drawing scaled to ``size`` on its long side (never up): scaled first,
    then normalized once, as the app normalizes a drawing of that size. Normalizing first and
    scaling after thins the lines, and the engine's own normalization would lift them again into
    a finer segmentation than the one scored."""
    scale = min(1.0, size / max(pixels.shape[:2]))
    if scale < 1:
        pixels = _resized(pixels, scale)
    return normalize_lineart(pixels).ink


def prepare(drawing: LabelledDrawing, images_root: Path, size: int) -> PreparedDrawing:
    """Load the drawing's image, check it against its labels and bring it to ``size``."""
    pixels = load_image(Path(images_root) / drawing.key).pixels
    drawing.check_size(pixels.shape[1], pixels.shape[0])
    original = None
    if drawing.is_color:
        scale = min(1.0, size / max(pixels.shape[:2]))
        original = _on_white(_resized(pixels, scale) if scale < 1 else pixels)
        ink = normalize_lineart(xdog(original, **XDOG_PARAMETERS)).ink
    else:
        ink = scaled_ink(pixels, size)
    sketch = sketch_from_ink(ink)
    height, width = sketch.shape
    sx, sy = width / drawing.width, height / drawing.height
    points = {
        part: tuple(
            (min(width - 1, int(x * sx)), min(height - 1, int(y * sy))) for x, y in part_points
        )
        for part, part_points in drawing.parts.items()
    }
    return PreparedDrawing(
        drawing=drawing,
        sketch=sketch,
        labels=segment_regions(ink),
        paper=paper_mask(sketch),
        points=points,
        original=original,
    )


def part_tags(drawing: LabelledDrawing, vocabulary: Vocabulary, seed: int) -> dict[str, str]:
    """The hair and eye tags asked for: a color illustration's own; for line art a fixed choice
    per drawing (seeded by ``seed`` and the drawing's key), the hair color among those unlike
    every skin tone (ΔE > UNLIKE_DE), so that a face taking the hair color can be told."""
    if drawing.is_color:
        chosen = {
            part: drawing.tag_of_group(group, vocabulary)
            for part, group in (("hair", "hair_color"), ("irises", "eye_color"))
        }
        return {part: tag for part, tag in chosen.items() if tag is not None}
    rng = np.random.default_rng([seed, zlib.crc32(drawing.key.encode("utf-8"))])
    tones = skin_tones(vocabulary)
    hair = [
        t.name
        for t in vocabulary.cvt
        if t.group == "hair_color"
        and float(delta_e(tones, palette_lab(vocabulary, t.name)[None]).min()) > UNLIKE_DE
    ]
    eyes = [t.name for t in vocabulary.cvt if t.group == "eye_color"]
    return {
        "hair": hair[int(rng.integers(len(hair)))],
        "irises": eyes[int(rng.integers(len(eyes)))],
    }


def sampled_strokes(prepared: PreparedDrawing, count: int, seed: int) -> Hints:
    """Up to ``count`` short scribbles, each inside one flat-fill region (on paper) in the
    original's median color there; regions drawn at random, the larger more often (a region too
    thin for a scribble gets none). The same seed gives nested sets: the strokes of 4 are the
    first of 16."""
    if prepared.original is None:
        raise ValueError("strokes are sampled from a color illustration's own colors")
    rng = np.random.default_rng([seed, zlib.crc32(prepared.drawing.key.encode("utf-8"))])
    min_area = max(16, int(STROKE_MIN_AREA * prepared.sketch.size))
    regions = [
        mask & prepared.paper for _label, mask in label_components(prepared.labels, min_area)
    ]
    regions = [mask for mask in regions if mask.sum() >= min_area]
    strokes = []
    if regions:
        areas = np.array([mask.sum() for mask in regions], np.float64)
        for _ in range(count):
            mask = regions[int(rng.choice(len(regions), p=areas / areas.sum()))]
            color = rgb_to_hex(median_color(prepared.original, mask))
            stroke = scribble(mask, color, rng)
            if stroke is not None:
                strokes.append(stroke)
    return Hints(strokes=tuple(strokes))


def _resized(pixels: np.ndarray, scale: float) -> np.ndarray:
    size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _on_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: an RGBA image composited over white paper."""
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    return np.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
