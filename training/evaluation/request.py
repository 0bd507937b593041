"""What a scoreboard colorizer is asked, and what a colorizer is.

A *colorizer* is any callable ``(EvalRequest) -> (H, W, 3) uint8``: an oracle, a model file, a
training recipe. Everything in the scoreboard meets here, so this module imports none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from colorizer_app.imaging.hints import Hints


@dataclass(frozen=True, eq=False)
class EvalRequest:
    """What a colorizer is asked. ``truth`` is for the oracles only; models must not read it."""

    sketch: np.ndarray  # (H, W) uint8, 255 = paper, 0 = ink
    hints: Hints = Hints()
    hint_map: np.ndarray | None = None  # (H, W, 4) float32 rasterized ``hints``
    tags: Mapping[str, float] = field(default_factory=dict)  # color tag values by name
    shape_tags: tuple[str, ...] = ()  # color-invariant tags (CIT) present
    reference: np.ndarray | None = None  # (H, W, 3) uint8
    truth: np.ndarray | None = None  # (H, W, 3) uint8 ground truth for these conditions


Colorizer = Callable[[EvalRequest], np.ndarray]
