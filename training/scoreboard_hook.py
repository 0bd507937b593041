"""The periodic scoreboard of a training run: the recipe's ``colorize`` on fresh eval seeds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from training.eval_batch import request_to_batch
from training.metrics import EvalRequest, Evaluator, eval_seeds, summarize
from training.recipes.base import Recipe

HEADLINE = (
    "tag_accuracy",
    "swapped_accuracy",
    "hint_accuracy",
    "tag_with_strokes_accuracy",
    "reference_accuracy",
    "bleeding",
    "slider_within15",
    "slider_mean_de",
    "psnr",
    "ssim",
)
TRAINING_EVAL_OFFSET = 1_000_000  # fixed eval seeds for runs, apart from `eval`'s default ones


def recipe_colorizer(recipe: Recipe) -> Callable[[EvalRequest], np.ndarray]:
    """Wraps a recipe's batch-level ``colorize`` as the scoreboard's one-image colorizer."""

    def colorize(request: EvalRequest) -> np.ndarray:
        batch = request_to_batch(request, recipe)
        with torch.no_grad():
            image = recipe.colorize(batch)[0]  # (3, H, W) in [-1, 1]
        return ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()

    return colorize


def periodic_scoreboard(samples: int, size: int) -> Callable[[Recipe, int], dict[str, float]]:
    def evaluate(recipe: Recipe, step: int) -> dict[str, float]:
        if not recipe.colorizes:
            return {}  # pre-training (taggers) reports its own metric
        evaluator = Evaluator(recipe_colorizer(recipe), size=size)
        seeds = eval_seeds(samples, TRAINING_EVAL_OFFSET)
        recipe_was_training = {name: m.training for name, m in recipe.modules().items()}
        for module in recipe.modules().values():
            module.eval()
        try:
            overall = summarize([evaluator.evaluate_sample(seed) for seed in seeds])["overall"]
        finally:
            for name, module in recipe.modules().items():
                module.train(recipe_was_training[name])
        return {k: v["value"] for k, v in overall.items() if k in HEADLINE}

    return evaluate
