"""Everything the artist made in one drawing, as plain values (no Qt).

Undo, the project file, the crash journal and the engine request are all built from this one
structure, so they cannot disagree about what "the current state" is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from colorizer_app.imaging.hints import Fill, Hints, PartMark, Stroke
from colorizer_app.imaging.palette import Palette


@dataclass(frozen=True, eq=False)
class DocumentState:
    drawing: np.ndarray  # (H, W, 4) uint8 RGBA line art as loaded
    drawing_name: str = "untitled"  # file name the drawing came from
    hints: Hints = field(default_factory=Hints)
    tags: tuple[tuple[str, float], ...] = ()  # CVT name → slider value, in the order ticked
    reference: np.ndarray | None = None  # (h, w, 4) uint8 RGBA reference illustration
    reference_name: str = ""
    project_path: Path | None = None  # the .ora it was opened from / saved to
    palette: Palette | None = None  # the character palette applied to the drawing
    reference_strength: float | None = None  # how far the reference colors its parts (None:
    # the engine's default); saved with the document because it changes its colors
    reference_ignored: frozenset[str] = frozenset()  # parts the reference lends no color

    @property
    def tag_values(self) -> dict[str, float]:
        return dict(self.tags)

    def with_stroke(self, stroke: Stroke) -> DocumentState:
        return replace(self, hints=replace(self.hints, strokes=self.hints.strokes + (stroke,)))

    def with_fill(self, fill: Fill) -> DocumentState:
        return replace(self, hints=replace(self.hints, fills=self.hints.fills + (fill,)))

    def with_part_mark(self, mark: PartMark) -> DocumentState:
        return replace(self, hints=replace(self.hints, parts=self.hints.parts + (mark,)))

    def with_hints(self, hints: Hints) -> DocumentState:
        return replace(self, hints=hints)

    def with_tag(self, name: str, value: float | None) -> DocumentState:
        """Sets a tag's slider value; None unticks it."""
        tags = [(n, v) for n, v in self.tags if n != name]
        if value is not None:
            tags.append((name, float(value)))
        return replace(self, tags=tuple(tags))

    def with_reference(self, reference: np.ndarray | None, name: str = "") -> DocumentState:
        return replace(
            self, reference=reference, reference_name=name if reference is not None else ""
        )

    def with_palette(self, palette: Palette | None) -> DocumentState:
        return replace(self, palette=palette)

    def with_reference_options(
        self, strength: float | None, ignored: frozenset[str]
    ) -> DocumentState:
        return replace(self, reference_strength=strength, reference_ignored=frozenset(ignored))

    def same_content(self, other: DocumentState) -> bool:
        """True when both hold the same drawing, hints, tags, reference (and its options) and
        palette (for tests, undo)."""

        def same_array(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            return (a is None and b is None) or (
                a is not None and b is not None and a.shape == b.shape and np.array_equal(a, b)
            )

        return (
            same_array(self.drawing, other.drawing)
            and self.hints == other.hints
            and self.tags == other.tags
            and same_array(self.reference, other.reference)
            and self.palette == other.palette
            and self.reference_strength == other.reference_strength
            and self.reference_ignored == other.reference_ignored
        )
