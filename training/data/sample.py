"""The one sample structure that every data source yields and every recipe consumes.

Conventions (docs/architecture.md §6): arrays are H×W(×C) uint8 at the edges. ``sketch`` is the
drawing as the networks see it — 255 is paper, 0 is full ink — i.e. ``255 - ink`` where ``ink`` is
the map ``colorizer_app.imaging.lineart.normalize_lineart`` returns (255 = ink).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sample:
    color: np.ndarray  # (H, W, 3) uint8: the illustration, the ground truth
    sketch: np.ndarray  # (H, W) uint8: line art, 255 = paper, 0 = ink
    cvt: np.ndarray  # (n_cvt,) float32: color-tag values (0 absent, 1 present, any 0..5)
    cit: np.ndarray  # (n_cit,) float32: shape tags, 0 or 1
    seed: int | None = None  # generator seed; None for folder images
    sketch_style: str = "unknown"  # "clean" | "xdog" | "rough" | "extracted" | "folder"
    regions: np.ndarray | None = (
        None  # (H, W) uint8: part id per pixel (index into vocabulary parts)
    )
    skeleton: np.ndarray | None = None  # (H, W) uint8: 255 on 1-px region boundaries, else 0
    part_colors: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # flat sRGB per part
    framing: str = "unknown"  # "bust" | "full" for synthetic samples
    reference: np.ndarray | None = None  # (H, W, 3) uint8: reference illustration, if requested
    source: str = ""  # where it came from (file path, "synthetic")
