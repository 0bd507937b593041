"""A tiny randomly initialised unified generator saved as a real model file, for the engine and
CLI tests: no trained weights ship yet, and the mechanics (loading, caches, sizes, layers) do not
need them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.stand_in import save_untrained_unified
from colorizer_app.nets.modelfile import HINT_KINDS, ModelManifest
from reliability.fixtures import outline_drawing

RESOLUTION = 32
drawing = outline_drawing  # (H, W, 4) black outlines on white: a frame, an ellipse, a line


def make_tiny_model(
    folder: Path,
    name: str = "tiny",
    accepts: tuple[str, ...] = HINT_KINDS,
    resolution: int = RESOLUTION,
    seed: int = 0,
    metrics: Mapping[str, Any] | None = None,
) -> ModelManifest:
    return save_untrained_unified(
        folder / f"{name}.safetensors",
        accepts=accepts,
        resolution=resolution,
        seed=seed,
        metrics=metrics,
    )
