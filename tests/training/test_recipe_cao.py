"""Cao et al.'s recipe: Dual-branch (L_seg on top of Tag2Pix) and Direct Concatenation (the
skeleton U-Net first, then the generator on line art + skeleton)."""

import json

import pytest
import torch

from tests.training.recipe_checks import (
    TINY,
    adam_steps,
    assert_model_file_matches_checkpoint,
    batch,
    generator_outputs_equal,
    resume_from_marked_checkpoint,
    tiny_recipe,
)
from training.cli import main
from training.recipes.cao import SKELETON_SHARE

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cao")
    for fusion in ("dual", "direct"):
        assert (
            main(
                [
                    "train",
                    "cao",
                    *TINY,
                    "--steps",
                    "3",
                    "--ablation",
                    f"fusion={fusion}",
                    "--out",
                    str(folder / fusion),
                ]
            )
            == 0
        )
    return folder


def test_dual_branch_model_file_loads_back_identically(runs):
    manifest = json.loads((runs / "dual" / "cao_dual.json").read_text())
    assert manifest["architecture"] == "segfusion.dual_branch"
    assert manifest["recipe"]["classification_start"] == 0.125  # 5 : 35 epochs
    loaded, rebuilt = assert_model_file_matches_checkpoint(runs / "dual", "cao_dual", "generator")
    assert generator_outputs_equal(loaded.module, rebuilt, loaded.manifest.config)


def test_direct_concatenation_exports_the_skeleton_unet_and_a_two_channel_generator(runs):
    run = runs / "direct"
    loaded, rebuilt = assert_model_file_matches_checkpoint(run, "cao_direct", "generator")
    assert loaded.manifest.architecture == "segfusion.direct_concat"
    assert loaded.manifest.config.in_channels == 2
    assert generator_outputs_equal(loaded.module, rebuilt, loaded.manifest.config, in_channels=2)
    skeleton, rebuilt_skeleton = assert_model_file_matches_checkpoint(
        run, "skeleton_unet", "skeleton_net"
    )
    sketch = batch(seed=7)["sketch"]
    with torch.no_grad():
        assert torch.equal(skeleton.module(sketch), rebuilt_skeleton(sketch))
    # 3 steps: the first (progress 0) trained the U-Net alone, the other two the generator
    assert adam_steps(run, "opt_s") == 1.0 and adam_steps(run, "opt_g") == 2.0


def test_resume_continues_the_step_and_the_optimizers(runs, tmp_path):
    resume_from_marked_checkpoint(
        "cao", runs / "direct", tmp_path / "resumed", 5, extra=["--ablation", "fusion=direct"]
    )
    assert adam_steps(tmp_path / "resumed", "opt_g") == 104.0  # 2 + 100 marked, then 2 more
    assert adam_steps(tmp_path / "resumed", "opt_s") == 101.0  # its share is over


def test_dual_branch_adds_segmentation_then_classification():
    recipe = tiny_recipe("cao")
    data = batch(seed=7)
    step1, step2 = recipe.train_step(data, 0.1), recipe.train_step(data, 0.2)
    assert step1["seg"] > 0 and "g_cls" not in step1 and "d_cls" not in step1
    assert step2["seg"] > 0 and step2["g_cls"] > 0 and step2["d_cls"] > 0


def test_direct_concatenation_trains_the_unet_first_then_freezes_it():
    recipe = tiny_recipe("cao", fusion="direct")
    data = batch(seed=7)
    generator = {k: v.clone() for k, v in recipe.generator.state_dict().items()}
    assert set(recipe.train_step(data, 0.05)) == {"seg"}
    assert all(torch.equal(v, recipe.generator.state_dict()[k]) for k, v in generator.items())
    unet = {k: v.clone() for k, v in recipe.skeleton_net.state_dict().items()}
    generator_start = SKELETON_SHARE + (1 - SKELETON_SHARE) * SKELETON_SHARE
    early = recipe.train_step(data, generator_start - 0.01)  # the generator's segmentation step
    late = recipe.train_step(data, generator_start)
    assert "g_cls" not in early and "seg" not in early and late["g_cls"] > 0
    assert all(torch.equal(v, recipe.skeleton_net.state_dict()[k]) for k, v in unet.items())
