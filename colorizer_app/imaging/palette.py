"""Character palettes: one character's color for each part, kept in a small JSON file so that
every page and frame gets the same hair, eyes, skin and clothes.

```json
{"format": "colorizer-palette", "version": 1, "character": "Aoi",
 "parts": {"hair": "#5a7fd0", "eyes": "#c03040", "skin": "#f6dcc8", "top": "#ffffff"}}
```

A palette is taken from a colored drawing (``palette_of``: each part's median color in the
result) and applied to another: the engine holds each part the palette names to its color (see
docs/architecture.md §7), below the drawing's own strokes and tags.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_write_bytes
from colorizer_app.imaging.color import hex_to_rgb, lab_to_srgb, rgb_to_hex, srgb_to_lab
from colorizer_app.imaging.json_file import read_json_file
from colorizer_app.vocabulary import BACKGROUND, load_vocabulary

FORMAT, VERSION = "colorizer-palette", 1
# A part covering less of the drawing than this share is left out of a palette taken from it:
# a few stray cells of the part head are no color of the character.
MIN_PART_SHARE = 0.001
# A picture with fewer pixels of at least this CIELAB chroma than COLORLESS_SHARE has no colors
# to lend (grayscale, line art, a black-and-white photo).
COLORED_CHROMA = 10.0
COLORLESS_SHARE = 0.01
# A picture's main colors: k-means in CIELAB on a copy of at most _SAMPLE_SIDE (a few thousand
# pixels are plenty); a cluster below _MIN_SHARE of them is a speck, not a main color.
MAIN_COLORS = 6
_SAMPLE_SIDE = 64
_MIN_SHARE = 0.01
PAPER_L = 95.0  # a main color this light is the paper, no color of a character


class PaletteError(ColorizerError):
    """A palette file that cannot be read, or a palette that makes no sense."""


@dataclass(frozen=True)
class Palette:
    """``colors``: part name (the vocabulary's parts) → sRGB hex."""

    character: str
    colors: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = load_vocabulary().parts
        for part, color in self.colors.items():
            if part not in parts:
                raise PaletteError(f"unknown part '{part}' (the parts: {', '.join(parts)})")
            try:
                hex_to_rgb(color)
            except (ValueError, TypeError):
                raise PaletteError(f"part '{part}': {color!r} is not a #rrggbb color") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "character": self.character,
            "parts": dict(self.colors),
        }

    @staticmethod
    def from_json(obj: Any) -> Palette:
        if not isinstance(obj, Mapping) or obj.get("format") != FORMAT:
            raise PaletteError(f'not a Colorizer palette (no "format": "{FORMAT}")')
        if obj.get("version") != VERSION:
            raise PaletteError(f"palette version {obj.get('version')!r} is not {VERSION}")
        character, parts = obj.get("character", ""), obj.get("parts")
        if not isinstance(character, str) or not isinstance(parts, Mapping):
            raise PaletteError('a palette needs a "character" name and a "parts" object')
        return Palette(character, dict(parts))

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Palette:
        """Read a palette file; any problem becomes a PaletteError naming the file."""
        return read_json_file(path, "the palette", Palette.from_json, PaletteError)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: a failed write keeps the earlier file."""
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n"
        atomic_write_bytes(Path(path), text.encode("utf-8"))


def palette_of(
    character: str, colors: np.ndarray, parts: np.ndarray, names: tuple[str, ...]
) -> Palette:
    """The palette a colored drawing shows: each part's median color (``colors`` (H, W, 3+)
    uint8, ``parts`` (H, W) indices into ``names``), for parts that cover MIN_PART_SHARE."""
    counts = np.bincount(parts.ravel(), minlength=len(names))
    found = {}
    for index, name in enumerate(names):
        if counts[index] < MIN_PART_SHARE * parts.size:
            continue
        found[name] = rgb_to_hex(np.median(colors[..., :3][parts == index], axis=0))
    return Palette(character, found)


def colorless(rgb: np.ndarray) -> bool:
    """Whether an (H, W, 3) uint8 picture has no colors to lend (see COLORLESS_SHARE)."""
    lab = srgb_to_lab(rgb.reshape(-1, 3))
    return float(np.mean(np.hypot(lab[:, 1], lab[:, 2]) >= COLORED_CHROMA)) < COLORLESS_SHARE


def main_colors(pixels: np.ndarray, count: int = MAIN_COLORS) -> list[str]:
    """Up to ``count`` main colors of an RGB or RGBA image as hex, most common first: k-means in
    CIELAB (distances there follow perception) on a subsampled copy, transparent pixels left
    out."""
    height, width = pixels.shape[:2]
    scale = min(1.0, _SAMPLE_SIDE / max(height, width))
    small = cv2.resize(
        pixels,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_NEAREST,
    )  # samples real pixels, no blended edges
    opaque = small[small[..., 3] >= 128][:, :3] if small.shape[2] == 4 else small.reshape(-1, 3)
    if len(opaque) == 0:
        return []
    distinct = len(np.unique(opaque, axis=0))
    clusters = min(count, distinct)
    lab = srgb_to_lab(opaque).astype(np.float32)
    cv2.setRNGSeed(0)  # the same image always gives the same palette
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    _, labels, centers = cv2.kmeans(lab, clusters, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    sizes = np.bincount(labels.ravel(), minlength=clusters)
    colors = [
        rgb_to_hex(lab_to_srgb(centers[i]))
        for i in np.argsort(-sizes)
        if sizes[i] >= _MIN_SHARE * len(lab)
    ]
    return list(dict.fromkeys(colors))


def by_area(rgb: np.ndarray, parts: np.ndarray) -> Palette:
    """A palette from a picture whose parts are unknown: its main colors given to a drawing's
    parts (``parts``: the drawing's part indices, any size) by area, the most common color to
    the largest part; the background keeps its own (white, unless tagged)."""
    names = load_vocabulary().parts
    counts = np.bincount(parts.ravel(), minlength=len(names))
    counts[names.index(BACKGROUND)] = 0
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    colors = [
        color
        for color in main_colors(rgb)
        if srgb_to_lab(np.array(hex_to_rgb(color), np.uint8))[0] < PAPER_L
    ]
    return Palette("reference", dict(zip([names[part] for part in order], colors, strict=False)))
