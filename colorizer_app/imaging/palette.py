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

import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_write_bytes
from colorizer_app.imaging.color import hex_to_rgb
from colorizer_app.vocabulary import load_vocabulary

FORMAT, VERSION = "colorizer-palette", 1
# A part covering less of the drawing than this share is left out of a palette taken from it:
# a few stray cells of the part head are no color of the character.
MIN_PART_SHARE = 0.001


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
        path = Path(path)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise PaletteError(f"{path}: cannot read the palette: {error}") from None
        except json.JSONDecodeError as error:
            raise PaletteError(
                f"{path}: not valid JSON: {error.msg} (line {error.lineno})"
            ) from None
        try:
            return Palette.from_json(obj)
        except PaletteError as error:
            raise PaletteError(f"{path}: {error}") from None

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
        median = np.median(colors[..., :3][parts == index], axis=0)
        r, g, b = (int(round(float(v))) for v in median)
        found[name] = f"#{r:02x}{g:02x}{b:02x}"
    return Palette(character, found)
