"""The real dev set's labels (``labels.json``): which parts of each real drawing lie where, and
the color tags read off the color illustrations.

The images themselves live outside the project (``../shared/real-lineart/``,
``../shared/real-color/``: evaluation only); the labels are the project's own data. Loading
checks every field, so that a hand edit with a typo fails with the drawing and field named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from colorizer_app.errors import ColorizerError
from colorizer_app.vocabulary import Vocabulary, load_vocabulary

DEFAULT_LABELS = Path(__file__).with_name("labels.json")
LABELS_VERSION = 1
PARTS = ("hair", "skin", "irises", "top", "bottom", "background")
KINDS = ("lineart", "color")  # color: a finished illustration, its own ground truth
POINTS_PER_PART = (3, 8)

Point = tuple[int, int]  # (x, y) in the image's own pixels


class LabelError(ColorizerError):
    """The labels file is missing, malformed, or disagrees with an image."""


@dataclass(frozen=True)
class LabelledDrawing:
    """One drawing of the dev set: where its visible parts are, and (color) its tags."""

    key: str  # "folder/file", relative to the folder that holds the dev set's folders
    kind: str
    width: int
    height: int
    parts: Mapping[str, tuple[Point, ...]]
    tags: tuple[str, ...]

    @property
    def is_color(self) -> bool:
        return self.kind == "color"

    def tag_of_group(self, group: str, vocabulary: Vocabulary) -> str | None:
        """The drawing's tag of a tag group (e.g. ``hair_color``), if it has one."""
        return next((t for t in self.tags if vocabulary.tag(t).group == group), None)

    def check_size(self, width: int, height: int) -> None:
        """Raise unless the image found for this drawing has the labelled size."""
        if (width, height) != (self.width, self.height):
            raise LabelError(
                f"{self.key}: the image is {width}×{height}, the labels are for "
                f"{self.width}×{self.height} (a different file?)"
            )


@dataclass(frozen=True)
class DevSet:
    about: str
    drawings: tuple[LabelledDrawing, ...]


def load_labels(path: Path = DEFAULT_LABELS, vocabulary: Vocabulary | None = None) -> DevSet:
    """Read and validate a labels file; raises LabelError naming what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LabelError(f"{path}: cannot read the labels: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise LabelError(f"{path}: not valid JSON ({error})") from None
    return parse_labels(data, vocabulary or load_vocabulary(), source=str(path))


def parse_labels(data: object, vocabulary: Vocabulary, source: str = "labels") -> DevSet:
    """Validate decoded labels JSON into a DevSet."""
    if not isinstance(data, dict):
        raise LabelError(f"{source}: expected a JSON object")
    if data.get("version") != LABELS_VERSION:
        raise LabelError(f"{source}: version must be {LABELS_VERSION}, got {data.get('version')!r}")
    about = data.get("about")
    if not isinstance(about, str) or not about.strip():
        raise LabelError(f"{source}: 'about' must say what the labels are")
    drawings = data.get("drawings")
    if not isinstance(drawings, dict) or not drawings:
        raise LabelError(f"{source}: 'drawings' must be a non-empty object keyed by folder/file")
    return DevSet(
        about=about,
        drawings=tuple(
            _drawing(key, entry, vocabulary, f"{source}: {key}")
            for key, entry in sorted(drawings.items())
        ),
    )


def _drawing(key: str, entry: object, vocabulary: Vocabulary, where: str) -> LabelledDrawing:
    if len(Path(key).parts) != 2:
        raise LabelError(f"{where}: the key must be folder/file")
    if not isinstance(entry, dict):
        raise LabelError(f"{where}: expected an object")
    unknown = set(entry) - {"kind", "width", "height", "parts", "tags"}
    if unknown:
        raise LabelError(f"{where}: unknown fields {sorted(unknown)}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise LabelError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    width, height = entry.get("width"), entry.get("height")
    if not (_positive_int(width) and _positive_int(height)):
        raise LabelError(f"{where}: width and height must be positive integers")
    parts = entry.get("parts")
    if not isinstance(parts, dict) or not parts:
        raise LabelError(f"{where}: 'parts' must be a non-empty object")
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise LabelError(f"{where}: 'tags' must be a list of tag names")
    return LabelledDrawing(
        key=key,
        kind=kind,
        width=width,
        height=height,
        parts={
            part: _points(points, width, height, f"{where}: {part}")
            for part, points in parts.items()
            if _known_part(part, where)
        },
        tags=_tags(tags, vocabulary, where),
    )


def _positive_int(value: object) -> TypeGuard[int]:
    return type(value) is int and value > 0


def _known_part(part: str, where: str) -> bool:
    if part not in PARTS:
        raise LabelError(f"{where}: unknown part {part!r} (parts: {', '.join(PARTS)})")
    return True


def _points(points: object, width: int, height: int, where: str) -> tuple[Point, ...]:
    low, high = POINTS_PER_PART
    if not isinstance(points, list) or not low <= len(points) <= high:
        raise LabelError(f"{where}: expected {low} to {high} points")
    result = []
    for point in points:
        if not (isinstance(point, list) and len(point) == 2 and all(type(v) is int for v in point)):
            raise LabelError(f"{where}: a point must be [x, y] in whole pixels, got {point!r}")
        x, y = point
        if not (0 <= x < width and 0 <= y < height):
            raise LabelError(f"{where}: point {point} lies outside the {width}×{height} image")
        result.append((x, y))
    return tuple(result)


def _tags(tags: list[str], vocabulary: Vocabulary, where: str) -> tuple[str, ...]:
    color_tags = {t.name for t in vocabulary.cvt}
    groups: set[str] = set()
    for tag in tags:
        if tag not in color_tags:
            raise LabelError(f"{where}: {tag!r} is not a color tag of the vocabulary")
        group = vocabulary.tag(tag).group
        if group in groups:
            raise LabelError(f"{where}: two tags of the group {group}")
        groups.add(group)
    return tuple(tags)
