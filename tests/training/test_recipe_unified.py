"""The unified recipe through the real training CLI: model files, resume, subsets, torchrun."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from colorizer_app.nets.modelfile import load_model
from colorizer_app.vocabulary import load_vocabulary
from training.cli import main
from training.data.dataset import Collate, SyntheticDataset
from training.recipes import build_recipe
from training.recipes.base import RecipeSetup
from training.recipes.unified import part_color_loss, part_naming_loss

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
TINY = ["--config", "tiny", "--size", "128", "--batch-size", "2", "--eval-samples", "1"]


def _tiny_recipe(**ablation):
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=128,
        device=torch.device("cpu"),
        ablation=ablation,
    )
    return build_recipe("unified", setup)


def _batch(n=2, seed=5):
    dataset = SyntheticDataset(seed, 10, size=128, with_reference=True)
    return Collate("strokes", seed=0)([dataset[i] for i in range(n)])


def test_train_writes_a_model_that_loads_back_identically(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "unified", *TINY, "--steps", "2", "--out", str(out)]) == 0
    manifest = json.loads((out / "unified.json").read_text())
    assert manifest["architecture"] == "unified.generator"
    assert manifest["budget"]["steps"] == 2 and "tag_accuracy" in manifest["metrics"]
    assert (out / "metrics.csv").exists() and (out / "loss_curves.png").exists()
    loaded = load_model(out / "unified.safetensors", vocabulary=load_vocabulary()).module
    recipe = _tiny_recipe()
    recipe.generator.load_state_dict(loaded.state_dict())
    batch = _batch()
    recipe.generator.eval()
    sketch = batch["sketch"]
    with torch.no_grad():
        a, _ = loaded(sketch, batch["hint"], batch["cvt"])
        b, _ = recipe.generator(sketch, batch["hint"], batch["cvt"])
    assert torch.equal(a, b)


def test_resume_continues_step_and_optimizer(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "unified", *TINY, "--steps", "2", "--out", str(out)]) == 0
    assert main(["train", "unified", *TINY, "--steps", "2", "--out", str(out)]) == 2  # no clobber
    # Mark the saved optimizer state: +100 on every Adam step count. A resume that really loads
    # it and runs only the 2 missing steps ends at 104 for parameters trained every step.
    optimizers = out / "checkpoint" / "optimizers.safetensors"
    tensors = load_file(str(optimizers))
    save_file(
        {k: v + 100 if k.endswith(".step") else v for k, v in tensors.items()}, str(optimizers)
    )
    assert main(["train", "unified", *TINY, "--steps", "4", "--out", str(out), "--resume"]) == 0
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 4
    tensors = load_file(str(optimizers))
    steps = [float(v) for k, v in tensors.items() if k.startswith("opt_g.") and k.endswith(".step")]
    assert max(steps) == 104.0


def test_absent_inputs_are_chosen_per_sample():
    recipe = _tiny_recipe()
    batch = _batch(n=2)
    batch["has_hint"] = torch.tensor([True, True])
    seen = set()
    for _ in range(40):
        chosen = recipe._choose_inputs(batch)
        seen.add(
            (
                bool(chosen["cvt_present"][0]),
                bool(chosen["hints"][0, 3].any()),
                bool(chosen["ref_present"][0]),
            )
        )
    assert len(seen) >= 6  # most of the 8 subsets, the empty one included, occur


def test_recolored_samples_always_keep_their_strokes():
    """Their truth was re-colored to match the strokes: without them it would be a riddle."""
    recipe = _tiny_recipe()
    batch = _batch(n=2)
    batch["has_hint"] = torch.tensor([True, True])
    batch["recolored"] = torch.tensor([True, False])
    kept = [
        bool(recipe._choose_inputs(batch)["hints"][:, 3].flatten(1).any(1)[0]) for _ in range(30)
    ]
    assert all(kept)
    assert recipe.data_needs().recolor > 0 and "hair" in recipe.data_needs().mixing_parts
    assert (
        _tiny_recipe(stroke_colors="true", slider_parts="hair-eyes-top").data_needs().recolor == 0
    )
    assert recipe.data_needs().tag_mixing == 0.3
    assert _tiny_recipe(tag_mixing="0.6").data_needs().tag_mixing == 0.6


def test_part_color_loss_counts_a_small_part_like_a_big_one():
    regions = torch.zeros(1, 16, 16, dtype=torch.long)
    regions[:, :2, :2] = 3  # a 4-pixel "iris"
    truth = torch.zeros(1, 3, 16, 16)
    wrong_iris = truth.clone()
    wrong_iris[:, :, :2, :2] = 1.0
    loss = part_color_loss(wrong_iris, truth, regions, torch.tensor([True]), n_parts=14)
    assert loss.item() == pytest.approx(0.5)  # background right (0), iris off by 1: mean 0.5
    assert part_color_loss(wrong_iris, truth, regions, torch.tensor([False]), 14).item() == 0


def test_part_naming_loss_rewards_the_right_part_map():
    regions = torch.zeros(2, 16, 16, dtype=torch.long)
    regions[:, 4:12, 4:12] = 2  # "hair" in the middle
    right = F.one_hot(regions[:, ::2, ::2], 14).permute(0, 3, 1, 2).float() * 10
    wrong = right.roll(1, dims=1)
    present = torch.tensor([True, True])
    assert (
        part_naming_loss(right, regions, present)
        < 0.01
        < 5
        < part_naming_loss(wrong, regions, present)
    )
    one = torch.tensor([True, False])
    mixed = torch.cat([right[:1], wrong[1:]])
    assert part_naming_loss(mixed, regions, one) < 0.01  # the sample without a map is ignored


def test_unknown_ablation_is_a_clear_error(tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "unified",
                *TINY,
                "--steps",
                "1",
                "--out",
                str(tmp_path / "r"),
                "--ablation",
                "nosuch=1",
            ]
        )
        == 2
    )
    assert "no ablation switch" in capsys.readouterr().err


@pytest.mark.slow
def test_torchrun_two_processes_with_gloo(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun is installed with torch"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            torchrun,
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "training",
            "train",
            "unified",
            *TINY,
            "--steps",
            "3",
            "--out",
            str(tmp_path / "ddp"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    state = json.loads((tmp_path / "ddp" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 3
    manifest = json.loads((tmp_path / "ddp" / "unified.json").read_text())
    assert manifest["budget"]["world_size"] == 2


def test_mixed_precision_only_on_gpus():
    from training.loop import mixed_precision

    cpu = torch.device("cpu")
    with mixed_precision(True, cpu):
        assert not torch.is_autocast_enabled("cpu")
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32


def test_init_warm_starts_a_changed_design_and_refuses_an_unrelated_one(tmp_path):
    from colorizer_app.errors import ColorizerError
    from training.loop import _initialise

    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "unified",
                *TINY,
                "--steps",
                "1",
                "--out",
                str(out),
                "--ablation",
                "region_hints=off",
            ]
        )
        == 0
    )
    path = out / "unified.safetensors"
    vocabulary = load_vocabulary()
    trained = load_model(path, vocabulary=vocabulary).module.state_dict()
    recipe = _tiny_recipe()  # region hints on: a different config, the same tensors
    assert recipe.generator.config != load_model(path, vocabulary=vocabulary).manifest.config
    assert _initialise(recipe, path, vocabulary).endswith("1 steps), warm start")
    for name, tensor in recipe.generator.state_dict().items():
        assert torch.equal(tensor, trained[name]), name
    setup = RecipeSetup(config="small", vocabulary=vocabulary, size=128, device=torch.device("cpu"))
    with pytest.raises(ColorizerError, match="fits none"):
        _initialise(build_recipe("unified", setup), path, vocabulary)


def test_annealing_rate_scales_the_palette_rate_alike():
    base, annealing = _tiny_recipe(), _tiny_recipe(learning_rate="5e-5")
    rates = [[group["lr"] for group in r.opt_g.param_groups] for r in (base, annealing)]
    assert rates[1][0] == pytest.approx(rates[0][0] / 4)
    assert rates[1][1] == pytest.approx(rates[0][1] / 4)
