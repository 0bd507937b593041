"""Untrained model files: benchmarks, reliability scenarios and tests measure speed and
mechanics (loading, refusing, caching, threading), which do not depend on the weights."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colorizer_app.nets.modelfile import HINT_KINDS, ModelManifest, save_model


def save_untrained_unified(
    path: Path,
    *,
    preset: str = "tiny",
    resolution: int = 32,
    accepts: tuple[str, ...] = HINT_KINDS,
    seed: int = 0,
    metrics: Mapping[str, Any] | None = None,
    region_hints: bool = False,
) -> ModelManifest:
    """A randomly initialised unified generator saved as a real model file at ``path``;
    ``region_hints`` adds the part prior and region hints of the shipped design."""
    import dataclasses

    import torch

    from colorizer_app.nets.unified import UnifiedConfig, UnifiedGenerator
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    config = UnifiedConfig.named(preset)
    if region_hints:
        config = dataclasses.replace(
            config, part_classes=len(vocabulary.parts), part_prior=True, region_hints=True
        )
    torch.manual_seed(seed)
    manifest = ModelManifest(
        architecture="unified.generator",
        config=config,
        cvt=tuple(t.name for t in vocabulary.cvt),
        cit=tuple(t.name for t in vocabulary.cit),
        hints=accepts,
        resolution=resolution,
        recipe={"name": "untrained stand-in"},
        metrics=dict(metrics or {}),
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return save_model(path, UnifiedGenerator(config), manifest)
