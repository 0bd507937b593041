"""Every recipe trains under bfloat16 autocast, as the loop runs them on GPUs.

CI has no GPU, so the loop's autocast is swapped for the CPU's: it casts the same layers to
bfloat16, and so finds ops that refuse mixed dtypes (``torch.lerp`` did, on the first H100 run).
"""

import math

import pytest
import torch

from tests.training import recipe_checks
from training import loop
from training.recipes import available


@pytest.mark.parametrize("recipe", sorted(available()))
def test_recipe_trains_under_bfloat16_autocast(recipe, tmp_path, monkeypatch):
    entered = []

    def cpu_autocast(enabled, device):
        entered.append(device)
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16)

    monkeypatch.setattr(loop, "mixed_precision", cpu_autocast)
    one_logged_step = loop.TrainOptions.log_every
    run = recipe_checks.train(recipe, tmp_path / recipe, steps=one_logged_step)
    assert entered, "the loop never entered mixed precision"
    _header, *rows = (run / "metrics.csv").read_text().splitlines()
    losses = [
        float(value)
        for row in rows
        for step, name, value in [row.split(",")]
        if not name.startswith("eval/") and name != "progress"
    ]
    assert losses and all(math.isfinite(value) for value in losses)
