"""Yuan & Simo-Serra's recipe: CLI run and model files, eq. 4's weights, the csa=off ablation."""

import json

import pytest
import torch

from colorizer_app.nets.modelfile import load_model
from colorizer_app.nets.shared_tagger import TaggerFeatures
from colorizer_app.vocabulary import load_vocabulary
from tests.training.recipe_checks import (
    SIZE,
    assert_export_is_checkpoint,
    batch,
    save_shared_tagger,
    train,
)
from training.recipes import build_recipe
from training.recipes.base import RecipeSetup
from training.recipes.csa import LAMBDA, STYLES

torch.set_num_threads(1)


def _recipe(**ablation):
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=SIZE,
        device=torch.device("cpu"),
        ablation=ablation,
    )
    return build_recipe("csa", setup)


def test_train_writes_models_that_load_back_identically(tmp_path):
    run = train("csa", tmp_path / "run")
    data = batch("yuan-patches", styles=STYLES)
    hint = data["hint"]
    assert_export_is_checkpoint(run, "csa-hint-features", "hint_features", (hint,))
    with torch.no_grad():
        features = load_model(run / "csa-hint-features.safetensors").module(hint)
    assert_export_is_checkpoint(run, "csa", "generator", (data["sketch"], hint, features))
    manifest = json.loads((run / "csa.json").read_text())
    assert manifest["config"]["attention"] is True and manifest["hints"] == ["strokes"]


def test_generator_loss_follows_equation_4():
    recipe = _recipe()
    assert recipe.data_needs().styles == {"xdog": 0.1, "rough": 0.5, "clean": 0.4}
    assert len(recipe.discriminator.scales) == 3
    logs = recipe.train_step(batch("yuan-patches"), 0.0)
    # Σ_i L_cGAN + λ Σ_i (L_FM(D_i) + L_perc): the perceptual term once per discriminator.
    expected = logs["g_adv"] + LAMBDA * (logs["fm"] + 3 * logs["perc"])
    assert logs["g_loss"] == pytest.approx(expected, rel=1e-5)
    assert all(torch.isfinite(torch.tensor(v)) for v in logs.values())


def test_csa_off_is_the_same_unet_with_plain_resnet_blocks():
    with_csa, without = _recipe(), _recipe(csa="off")
    assert without.generator.config.attention is False
    assert all(block.attention is None for block in without.generator.blocks)
    n_params = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n_params(without.generator) < n_params(with_csa.generator)
    logs = without.train_step(batch("yuan-patches"), 0.0)
    assert torch.isfinite(torch.tensor(logs["g_loss"]))
    assert without.colorize(batch("yuan-patches")).shape == (2, 3, SIZE, SIZE)


def test_the_shared_tagger_gives_hint_features_and_the_perceptual_loss(tmp_path):
    tagger = save_shared_tagger(tmp_path)
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=SIZE,
        device=torch.device("cpu"),
        tagger=tagger,
    )
    recipe = build_recipe("csa", setup)
    widths = load_model(tagger).module.config.widths
    assert isinstance(recipe.hint_features, TaggerFeatures)
    assert recipe.generator.config.hint_feature_channels == widths[1]
    real = batch("yuan-patches")["color"]
    assert [f.shape[1] for f in recipe.perceptual_features(real)] == list(widths)
    logs = recipe.train_step(batch("yuan-patches"), 0.0)
    assert logs["perc"] > 0 and torch.isfinite(torch.tensor(logs["g_loss"]))
    (export,) = recipe.exports()  # the companion is the tagger file itself
    assert export.architecture == "csa.generator"
