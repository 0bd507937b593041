"""The immutable request the ui (or CLI) sends the engine, and the layers it gets back.

The ui never touches tensors: it sends arrays and plain values, and receives arrays, all at the
drawing's original size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from colorizer_app.imaging.hints import Hints
from colorizer_app.imaging.layers import Layer

LAYER_NAMES = ("composite", "color", "flats", "lineart", "hints")


@dataclass(frozen=True, eq=False)
class ColorizeRequest:
    drawing: np.ndarray  # (H, W, 4) uint8 RGBA, as load_image returns it
    hints: Hints = field(default_factory=Hints)
    tags: Mapping[str, float] = field(default_factory=dict)  # CVT name -> slider value 0..5
    reference: np.ndarray | None = None  # (h, w, 4) or (h, w, 3) uint8 illustration
    model: str = "auto"  # "auto", a model name, or "flat"
    size: int | None = None  # working resolution; None = the model's own
    region_consistency: bool = False  # one hue per flat-fill region; a stroked one
    # takes its stroke's color
    hint_image: np.ndarray | None = None  # (H, W, 4) uint8 hints painted elsewhere, at the
    # drawing's size; transparent = no hint (under strokes)


@dataclass(frozen=True, eq=False)
class ColorizeResult:
    layers: Mapping[str, np.ndarray]  # name -> (H, W, 4) uint8 RGBA at the original size
    model: str  # the model that actually ran
    seconds: float
    notes: tuple[str, ...] = ()  # e.g. "tag 'x' is unknown to model y; ignored"

    @property
    def composite(self) -> np.ndarray:
        return self.layers["composite"]

    def stack(self) -> list[Layer]:
        """The layers bottom to top, as the exports write them: flats and hints hidden (there
        to edit), the color, the line art in multiply on top; the visible ones flatten to the
        composite."""
        return [
            Layer("flats", self.layers["flats"], visible=False),
            Layer("color", self.layers["color"]),
            Layer("hints", self.layers["hints"], visible=False),
            Layer("line art", self.layers["lineart"], blend="multiply"),
        ]
