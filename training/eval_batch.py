"""One scoreboard request as a training batch, so a recipe colorizes evaluation samples through
the same ``colorize(batch)`` it is trained with (same keys and ranges as ``Collate``)."""

from __future__ import annotations

import numpy as np
import torch

from colorizer_app.vocabulary import load_vocabulary
from training.data.dataset import image_tensor
from training.metrics import EvalRequest
from training.recipes.base import Recipe


def request_to_batch(request: EvalRequest, recipe: Recipe) -> dict[str, object]:
    """A batch of one: sketch, tags (CVT values, CIT flags), full-resolution hint map, reference."""
    vocabulary = load_vocabulary()
    h, w = request.sketch.shape
    cit = np.zeros(len(vocabulary.cit), np.float32)
    for name in request.shape_tags:
        cit[vocabulary.cit_index(name)] = 1.0
    hint = request.hint_map if request.hint_map is not None else np.zeros((h, w, 4), np.float32)
    reference = request.reference if request.reference is not None else np.zeros((h, w, 3), np.uint8)
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
