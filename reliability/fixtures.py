"""The inputs the scenarios build for themselves: a line drawing and a randomly initialised model.

No trained weights ship, and none are needed: the scenarios test the mechanics (loading,
refusing, caching, threading, memory), which a random tiny network exercises exactly like a
trained one.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

RANDOM_MODEL = "tiny"
RANDOM_MODEL_RESOLUTION = 32


def outline_drawing(height: int = 96, width: int = 128) -> np.ndarray:
    """(H, W, 4) RGBA black outlines on white: a frame, an ellipse and a dividing line."""
    gray = np.full((height, width), 255, np.uint8)
    thickness = max(1, min(height, width) // 40)
    cv2.rectangle(gray, (0, 0), (width - 1, height - 1), 0, thickness)
    cv2.ellipse(
        gray,
        (width // 2, height // 2),
        (max(1, width // 4), max(1, height // 4)),
        0,
        0,
        360,
        0,
        thickness,
    )
    cv2.line(gray, (width // 8, 0), (width // 8, height - 1), 0, thickness)
    rgba = np.empty((height, width, 4), np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba


def random_model(folder: Path, name: str = RANDOM_MODEL, *, seed: int = 0) -> Path:
    """A tiny randomly initialised unified generator saved as a real model file
    (``folder/NAME.safetensors`` and its manifest), accepting strokes, tags and a reference."""
    from bench.stand_in import save_untrained_unified

    path = folder / f"{name}.safetensors"
    save_untrained_unified(path, resolution=RANDOM_MODEL_RESOLUTION, seed=seed)
    return path
