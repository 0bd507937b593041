"""A tiny randomly initialised unified generator saved as a real model file, for the engine and
CLI tests: no trained weights ship yet, and the mechanics (loading, caches, sizes, layers) do not
need them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from colorizer_app.nets.modelfile import ModelManifest, save_model
from colorizer_app.nets.unified import UnifiedConfig, UnifiedGenerator
from colorizer_app.vocabulary import load_vocabulary

RESOLUTION = 32


def make_tiny_model(folder: Path, name: str = "tiny",
                    accepts: tuple[str, ...] = ("strokes", "tags", "reference"),
                    resolution: int = RESOLUTION, seed: int = 0,
                    metrics: Mapping[str, Any] | None = None) -> ModelManifest:
    vocabulary = load_vocabulary()
    config = UnifiedConfig.named("tiny")
    torch.manual_seed(seed)
    module = UnifiedGenerator(config)
    manifest = ModelManifest(architecture="unified.generator", config=config,
                             cvt=tuple(t.name for t in vocabulary.cvt),
                             cit=tuple(t.name for t in vocabulary.cit),
                             hints=accepts, resolution=resolution,
                             recipe={"name": "test"}, metrics=dict(metrics or {}))
    folder.mkdir(parents=True, exist_ok=True)
    return save_model(folder / f"{name}.safetensors", module, manifest)


def drawing(height: int = 96, width: int = 128) -> np.ndarray:
    """(H, W, 4) RGBA black outlines on white: a frame, an ellipse and a dividing line."""
    import cv2

    gray = np.full((height, width), 255, np.uint8)
    thickness = max(1, min(height, width) // 40)
    cv2.rectangle(gray, (0, 0), (width - 1, height - 1), 0, thickness)
    cv2.ellipse(gray, (width // 2, height // 2), (max(1, width // 4), max(1, height // 4)), 0, 0,
                360, 0, thickness)
    cv2.line(gray, (width // 8, 0), (width // 8, height - 1), 0, thickness)
    rgba = np.empty((height, width, 4), np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba
