"""The Tag2Pix recipe: CLI run, model file, resume, changing loss, brightness fine-tune, tagger."""

import json

import numpy as np
import pytest
import torch

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.xdog import sketch_brightness_tag2pix
from colorizer_app.nets.blocks import SEResNeXt, SEResNeXtConfig
from colorizer_app.nets.modelfile import ModelManifest, load_model, save_model
from colorizer_app.nets.shared_tagger import TaggerFeatures
from colorizer_app.vocabulary import load_vocabulary
from tests.training.recipe_checks import (
    TINY,
    adam_steps,
    assert_model_file_matches_checkpoint,
    batch,
    generator_outputs_equal,
    resume_from_marked_checkpoint,
    save_shared_tagger,
    tiny_recipe,
)
from training.cli import main
from training.recipes.tag2pix import tag2pix_schedule, weaken_ink

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tag2pix") / "run"
    assert main(["train", "tag2pix", *TINY, "--steps", "3", "--out", str(out)]) == 0
    return out


def test_cli_run_writes_a_generator_that_loads_back_identically(run):
    manifest = json.loads((run / "tag2pix.json").read_text())
    assert manifest["architecture"] == "tag2pix.generator" and manifest["hints"] == ["tags"]
    assert manifest["recipe"]["tagger"] == "none (random features)"
    assert "tag_accuracy" in manifest["metrics"]
    loaded, rebuilt = assert_model_file_matches_checkpoint(run, "tag2pix", "generator")
    assert generator_outputs_equal(loaded.module, rebuilt, loaded.manifest.config)


def test_resume_continues_the_step_and_both_optimizers(run, tmp_path):
    resume_from_marked_checkpoint("tag2pix", run, tmp_path / "resumed", 5)
    assert adam_steps(tmp_path / "resumed", "opt_g") == 105.0  # 3 + 100 marked, then 2 more
    assert adam_steps(tmp_path / "resumed", "opt_d") == 105.0


def test_classification_loss_starts_with_step_two():
    recipe = tiny_recipe("tag2pix", brightness="off")
    data = batch(seed=7)
    before, after = recipe.train_step(data, 0.2), recipe.train_step(data, 0.7)
    assert "d_cls" not in before and "g_cls" not in before
    assert after["d_cls"] > 0 and after["g_cls"] > 0
    one_step = tiny_recipe("tag2pix", two_step="off").train_step(data, 0.0)
    assert one_step["g_cls"] > 0


def test_schedule_keeps_the_papers_epoch_ratios():
    both = tag2pix_schedule(two_step=True, brightness=True)  # 10 + 10 + 3 epochs
    assert both.classification_start == pytest.approx(10 / 23)
    assert both.brightness_start == pytest.approx(20 / 23)
    plain = tag2pix_schedule(two_step=True, brightness=False)
    assert plain.classification_start == 0.5 and not plain.weakens_ink(0.99)
    assert tag2pix_schedule(two_step=False, brightness=False).classifies(0.0)


def test_weaken_ink_matches_the_uint8_brightness_adjustment():
    rng = np.random.default_rng(0)
    sketch = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    expected = sketch_brightness_tag2pix(sketch, rng, (3.0, 3.0)).astype(np.float32) / 127.5 - 1
    tensor = torch.from_numpy(sketch.astype(np.float32) / 127.5 - 1)[None, None]
    got = weaken_ink(tensor, (3.0, 3.0))[0, 0].numpy()
    assert np.abs(got - expected).max() <= 1 / 127.5 + 1e-6  # uint8 rounding only


def test_brightness_fine_tune_weakens_the_ink_only_at_the_end():
    recipe = tiny_recipe("tag2pix")
    seen = []
    generate = recipe._generate
    recipe._generate = lambda sketch, cvt: seen.append(sketch) or generate(sketch, cvt)
    data = batch(seed=7)
    recipe.train_step(data, 0.5)
    recipe.train_step(data, 0.95)
    assert torch.equal(seen[0], data["sketch"])
    assert (seen[1] >= data["sketch"]).all() and not torch.equal(seen[1], data["sketch"])


def test_n1_ablation_drops_cit_guide_and_secat():
    recipe = tiny_recipe("tag2pix", cit="off", guide="off", decoder="se", two_step="off")
    assert recipe.cit_extractor is None and "cit_extractor" not in recipe.modules()
    assert recipe.generator.guide is None and recipe.generator.config.decoder_kind == "se"
    logs = recipe.train_step(batch(seed=7), 0.0)
    assert logs["g_cls"] > 0 and np.isfinite(logs["g_loss"])


def test_cit_extractor_comes_from_the_pretrained_tagger(tmp_path):
    vocabulary = load_vocabulary()
    tagger = SEResNeXt(SEResNeXtConfig.named("tiny", len(vocabulary.cit)))
    manifest = ModelManifest(
        architecture="tag2pix.tagger",
        config=tagger.config,
        cvt=tuple(t.name for t in vocabulary.cvt),
        cit=tuple(t.name for t in vocabulary.cit),
        hints=(),
        resolution=128,
    )
    save_model(tmp_path / "tagger", tagger, manifest)
    recipe = tiny_recipe("tag2pix", tagger=tmp_path / "tagger.safetensors")
    assert torch.equal(recipe.cit_extractor.stem[0].weight, tagger.stem[0].weight)
    assert not any(p.requires_grad for p in recipe.cit_extractor.parameters())
    assert recipe.exports()[0].extra["tagger"].startswith("tagger.safetensors (sha256 ")
    small = SEResNeXtConfig.named("small", len(vocabulary.cit))  # another config: refused
    save_model(
        tmp_path / "small",
        SEResNeXt(small),
        ModelManifest("tag2pix.tagger", small, manifest.cvt, manifest.cit, (), 128),
    )
    with pytest.raises(ColorizerError, match="config differs from the CIT extractor"):
        tiny_recipe("tag2pix", tagger=tmp_path / "small.safetensors")


def test_cit_extractor_can_be_the_shared_tagger(tmp_path):
    tagger = save_shared_tagger(tmp_path)
    recipe = tiny_recipe("tag2pix", tagger=tagger)
    shared = load_model(tagger).module
    assert isinstance(recipe.cit_extractor, TaggerFeatures)
    assert torch.equal(recipe.cit_extractor.tagger.stem[0].weight, shared.stem[0].weight)
    assert recipe.generator.config.cit_channels == shared.config.widths[1]
    data = batch(seed=7)
    assert recipe.cit_extractor(data["sketch"]).shape[-1] == 128 // 8
    logs = recipe.train_step(data, 1.0)
    assert np.isfinite(logs["g_loss"]) and logs["g_cls"] > 0
    assert recipe.exports()[0].extra["tagger"].startswith("shared-tagger.safetensors (sha256 ")
