"""Small documents with every kind of content, shared by the project and journal tests."""

from __future__ import annotations

import numpy as np

from colorizer_app.document.state import DocumentState
from colorizer_app.imaging.hints import Fill, Hints, PartMark, Stroke
from colorizer_app.imaging.palette import Palette


def drawing(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """RGBA line art with varied alpha, so that a lossy round trip would show."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 4), 255, np.uint8)
    pixels[8:40:4, 4:60] = (20, 20, 30, 255)
    pixels[..., 3] = rng.integers(0, 256, (height, width), dtype=np.uint8)
    return pixels


def reference(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (30, 20, 4), dtype=np.uint8)


def stroke(index: int) -> Stroke:
    return Stroke(
        color=f"#{(index * 37) % 256:02x}40a0",
        width=3.5 + index,
        points=((1.5 + index, 2.25), (10.0, 12.0 + index)),
        pressure=(0.3, 0.9) if index % 2 else None,
        opacity=0.75,
        erase=index % 3 == 2,
    )


def full_document() -> DocumentState:
    return DocumentState(
        drawing=drawing(),
        drawing_name="lines.png",
        hints=Hints(
            tuple(stroke(i) for i in range(4)),
            (Fill("#ff0000", (5.0, 6.5)),),
            (PartMark("hair", (20.0, 10.0)), PartMark("eyes", (30.5, 12.0))),
        ),
        tags=(("blue_hair", 1.0), ("red_eyes", 0.35), ("blonde_hair", 2.5)),
        reference=reference(),
        reference_name="ref.jpg",
        palette=Palette("Aoi", {"hair": "#5a7fd0", "eyes": "#c03040"}),
        reference_strength=0.35,
        reference_ignored=frozenset({"skin", "background"}),
    )


def next_edit(state: DocumentState, index: int) -> DocumentState:
    """The ``index``-th edit of a scripted session: strokes, fills, part marks, tag moves,
    reference changes and options, undos and a clear, as an artist's session mixes them."""
    if index % 11 == 10:
        return state.with_hints(type(state.hints)())  # clear
    if index % 7 == 6:
        return state.with_hints(Hints(state.hints.strokes[:-1], state.hints.fills))  # undo
    if index % 5 == 4:
        return state.with_tag("blue_hair", round(0.1 * index, 2))
    if index % 13 == 12:
        return state.with_reference(reference(seed=index), f"ref{index}.png")
    if index % 3 == 2:
        return state.with_fill(Fill("#00ff00", (float(index), 3.0)))
    if index % 19 == 18:
        return state.with_palette(Palette(f"c{index}", {"skin": "#f0d0c0"}))
    if index % 17 == 16:
        return state.with_reference_options(round(0.05 * (index % 20), 2), frozenset({"eyes"}))
    if index % 4 == 1:
        return state.with_part_mark(PartMark("eyes", (float(index), 7.0)))
    return state.with_stroke(stroke(index))
