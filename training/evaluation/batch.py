"""One scoreboard request as a training batch, so a recipe colorizes evaluation samples through
the same ``colorize(batch)`` it is trained with (same keys and ranges as ``Collate``)."""

from __future__ import annotations

import numpy as np
import torch

from colorizer_app.engine.flatfill import FlatFill
from colorizer_app.vocabulary import load_vocabulary
from training.data.dataset import image_tensor
from training.evaluation.request import EvalRequest
from training.recipes.base import Recipe


def request_hint_map(request: EvalRequest, region_hints: bool) -> np.ndarray:
    """(H, W, 4) hint map of the request: as rasterized, or for a network that takes region
    hints, flooded over the regions its strokes color (as the engine gives it)."""
    h, w = request.sketch.shape
    if request.hint_map is None:
        return np.zeros((h, w, 4), np.float32)
    if region_hints and request.hints is not None:
        return FlatFill(cache_size=1).hint_map(255 - request.sketch, request.hints)
    return request.hint_map


def request_to_batch(request: EvalRequest, recipe: Recipe) -> dict[str, object]:
    """A batch of one: sketch, tags (CVT values, CIT flags), full-resolution hint map, reference."""
    vocabulary = load_vocabulary()
    h, w = request.sketch.shape
    cit = np.zeros(len(vocabulary.cit), np.float32)
    for name in request.shape_tags:
        cit[vocabulary.cit_index(name)] = 1.0
    hint = request_hint_map(request, recipe.data_needs().hints == "region-strokes")
    reference = (
        request.reference if request.reference is not None else np.zeros((h, w, 3), np.uint8)
    )
    device = recipe.device
    return {
        "sketch": image_tensor(request.sketch)[None].to(device),
        "cvt": torch.from_numpy(vocabulary.encode_cvt(request.tags))[None].to(device),
        "cit": torch.from_numpy(cit)[None].to(device),
        "hint": torch.from_numpy(np.ascontiguousarray(hint)).permute(2, 0, 1)[None].to(device),
        "has_hint": torch.tensor([request.hint_map is not None], device=device),
        "reference": image_tensor(reference)[None].to(device),
        "has_reference": torch.tensor([request.reference is not None], device=device),
    }
