"""The tag vocabulary (``resources/tags.json``) and THE definition of what a tag value means.

Color-variant tags (CVT, e.g. ``blue_hair``) carry a palette color; color-invariant tags (CIT, e.g.
``twintails``) describe shapes. A tag's index among the tags of its kind is its position in every
model's CVT/CIT vector, so the file's order is part of the model format (append, never reorder).

``target_color`` implements docs/architecture.md §3 "Tag values" once, for the app, the engine, the
synthetic generator and the scoreboard alike.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import clip_chroma, hex_to_rgb, lab_to_srgb, srgb_to_lab64
from colorizer_app.resources import TAGS_FILE

CVT = "cvt"
CIT = "cit"
BACKGROUND = "background"  # the part behind the character: kept clean, white unless tagged


@dataclass(frozen=True)
class Tag:
    name: str
    kind: str  # "cvt" | "cit"
    part: str | None  # the region-map part the tag describes, if any
    group: str  # what it describes: "hair_color", "hair_length", ...
    colors: tuple[str, ...]  # sRGB hex palette color(s); CVT only

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The palette color (the first one) as (r, g, b)."""
        return hex_to_rgb(self.colors[0])


@dataclass(frozen=True)
class Vocabulary:
    parts: tuple[str, ...]
    cvt: tuple[Tag, ...]
    cit: tuple[Tag, ...]

    @cached_property
    def _cvt_index(self) -> dict[str, int]:
        return {t.name: i for i, t in enumerate(self.cvt)}

    @cached_property
    def _cit_index(self) -> dict[str, int]:
        return {t.name: i for i, t in enumerate(self.cit)}

    def _unknown(self, name: str, what: str) -> ColorizerError:
        hint = self.close_matches(name)
        suggestion = f" (did you mean {', '.join(hint)}?)" if hint else ""
        return ColorizerError(f"unknown {what} '{name}'{suggestion}")

    def cvt_index(self, name: str) -> int:
        try:
            return self._cvt_index[name]
        except KeyError:
            raise self._unknown(name, "color tag") from None

    def cit_index(self, name: str) -> int:
        try:
            return self._cit_index[name]
        except KeyError:
            raise self._unknown(name, "shape tag") from None

    def tag(self, name: str) -> Tag:
        if name in self._cvt_index:
            return self.cvt[self._cvt_index[name]]
        if name in self._cit_index:
            return self.cit[self._cit_index[name]]
        raise self._unknown(name, "tag")

    def cvt_for_part(self, part: str) -> tuple[Tag, ...]:
        """Every color tag of a part (for "bottom" both the skirt and the pants colors)."""
        return tuple(t for t in self.cvt if t.part == part)

    def encode_cvt(self, values: Mapping[str, float]) -> np.ndarray:
        """Tag values by name → the (n_cvt,) float32 vector models take."""
        vector = np.zeros(len(self.cvt), dtype=np.float32)
        for name, value in values.items():
            vector[self.cvt_index(name)] = value
        return vector

    def decode_cvt(self, vector: np.ndarray) -> dict[str, float]:
        """The non-zero entries of a CVT vector, by tag name."""
        vector = np.asarray(vector).reshape(-1)
        if vector.shape[0] != len(self.cvt):
            raise ValueError(f"expected {len(self.cvt)} color-tag values, got {vector.shape[0]}")
        return {self.cvt[i].name: float(v) for i, v in enumerate(vector) if v != 0}

    def close_matches(self, name: str) -> list[str]:
        names = [t.name for t in self.cvt + self.cit]
        return difflib.get_close_matches(name, names, n=5, cutoff=0.6)


def _parse(path: Path) -> Vocabulary:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        parts = tuple(document["parts"])
        tags = [
            Tag(
                name=t["name"],
                kind=t["kind"],
                part=t.get("part"),
                group=t["group"],
                colors=tuple(t.get("colors", ())),
            )
            for t in document["tags"]
        ]
    except OSError as error:
        raise ColorizerError(f"{path}: cannot read the tag vocabulary ({error.strerror})") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ColorizerError(f"{path}: not a valid tag vocabulary ({error})") from None
    for t in tags:
        if t.kind not in (CVT, CIT) or (t.part is not None and t.part not in parts):
            raise ColorizerError(f"{path}: tag '{t.name}' has an unknown kind or part")
        if t.kind == CVT:
            if not t.colors or t.part is None:
                raise ColorizerError(f"{path}: color tag '{t.name}' needs a part and a color")
            try:
                [hex_to_rgb(c) for c in t.colors]
            except ValueError as error:
                raise ColorizerError(f"{path}: tag '{t.name}': {error}") from None
    names = [t.name for t in tags]
    if len(set(names)) != len(names):
        raise ColorizerError(f"{path}: duplicate tag names")
    return Vocabulary(
        parts=parts,
        cvt=tuple(t for t in tags if t.kind == CVT),
        cit=tuple(t for t in tags if t.kind == CIT),
    )


@lru_cache(maxsize=1)
def _default_vocabulary() -> Vocabulary:
    return _parse(TAGS_FILE)


def load_vocabulary(path: Path = TAGS_FILE) -> Vocabulary:
    """The vocabulary in ``path`` (parsed once for the shipped default file)."""
    if Path(path) == TAGS_FILE:
        return _default_vocabulary()
    return _parse(Path(path))


def target_color(
    tag_values: Mapping[str, float], vocab: Vocabulary, other: tuple[int, int, int] | None = None
) -> tuple[int, int, int]:
    """The color that tag values ask for, for the tags of ONE part (docs/architecture.md §3 "Tag
    values").

    With values v_i ≥ 0 of the part's color tags and their sum S:
      * M = Σ v_i·Lab(palette_i) / S — the CIELAB mix weighted by the values
        (``red_hair=0.5, blonde_hair=0.5`` → strawberry blonde, halfway in CIELAB);
      * S < 1: the request is partial; the rest comes from ``other`` (the part's color from the
        other hints, or the model's own choice): S·M + (1 − S)·Lab(other). With ``other=None``
        there is nothing to mix with and the answer is M itself (the direction of the request);
      * S ≥ 1: the chroma of M is multiplied by S (L and hue kept), then lowered back into the sRGB
        gamut along the same hue — so 1 gives the palette color exactly and 2 a more vivid one;
      * S = 0: no request; returns ``other`` (ValueError when there is none).
    """
    if not tag_values or sum(tag_values.values()) <= 0:
        if other is None:
            raise ValueError("tag values are all zero and there is no other color to keep")
        r, g, b = (int(c) for c in other)
        return r, g, b
    tags = [vocab.tag(name) for name in tag_values]
    parts = {t.part for t in tags}
    if any(t.kind != CVT for t in tags) or len(parts) != 1:
        raise ValueError(f"target_color takes color tags of one part, got {sorted(tag_values)}")
    if any(v < 0 for v in tag_values.values()):
        raise ValueError("tag values must not be negative")
    weights = np.array([float(v) for v in tag_values.values()])
    total = float(weights.sum())
    labs = srgb_to_lab64(np.array([t.rgb for t in tags], dtype=np.float64))
    mix = (weights[:, None] * labs).sum(axis=0) / total
    if total < 1:
        if other is not None:
            mix = total * mix + (1 - total) * srgb_to_lab64(np.array(other, dtype=np.float64))
    elif total > 1:
        mix = clip_chroma(np.array([mix[0], mix[1] * total, mix[2] * total]))
    r, g, b = (int(c) for c in lab_to_srgb(mix))
    return r, g, b
