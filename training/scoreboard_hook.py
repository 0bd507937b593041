"""The periodic scoreboard of a training run: the recipe's ``colorize`` on fresh eval seeds."""

from __future__ import annotations

from collections.abc import Callable

from training.evaluation.colorizers import recipe_colorizer
from training.evaluation.evaluator import Evaluator, eval_seeds
from training.evaluation.report import METRIC_ORDER, summarize
from training.recipes.base import Recipe

# The report's metrics but the Fréchet distance, which a training run does not compute.
HEADLINE = tuple(name for name in METRIC_ORDER if name != "frechet")
TRAINING_EVAL_OFFSET = 1_000_000  # fixed eval seeds for runs, apart from `eval`'s default ones


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
