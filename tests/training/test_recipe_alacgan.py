"""Ci et al.'s recipe: CLI run and model files, the lr drop at half, ablations, --tagger."""

import json

import pytest
import torch

from colorizer_app.errors import ColorizerError
from colorizer_app.nets import alacgan
from colorizer_app.nets.modelfile import ModelManifest, load_model, save_model
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
from training.recipes.alacgan import quarter_hints
from training.recipes.base import RecipeSetup

torch.set_num_threads(1)


def _recipe(tagger=None, **ablation):
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=SIZE,
        device=torch.device("cpu"),
        ablation=ablation,
        tagger=tagger,
    )
    return build_recipe("alacgan", setup)


def test_train_writes_models_that_load_back_identically(tmp_path):
    run = train("alacgan", tmp_path / "run")
    data = batch("ci-points")
    sketch = data["sketch"]
    assert_export_is_checkpoint(run, "alacgan-local-features", "local_features", (sketch,))
    with torch.no_grad():
        features = load_model(run / "alacgan-local-features.safetensors").module(sketch)
    assert_export_is_checkpoint(run, "alacgan", "generator", (sketch, data["hint"], features))
    manifest = json.loads((run / "alacgan.json").read_text())
    assert manifest["hints"] == ["strokes"]
    assert manifest["recipe"]["tagger"] == "none (random features)"


def test_learning_rate_drops_tenfold_at_half_the_budget():
    recipe = _recipe()
    data = batch("ci-points")
    assert recipe.train_step(data, 0.49)["lr"] == pytest.approx(1e-4)
    assert {g["lr"] for o in recipe.optimizers().values() for g in o.param_groups} == {1e-4}
    assert recipe.train_step(data, 0.5)["lr"] == pytest.approx(1e-5)
    assert {g["lr"] for o in recipe.optimizers().values() for g in o.param_groups} == {1e-5}


def test_ablations_remove_the_local_features_and_the_critic():
    recipe = _recipe(local_features="off", adversarial="off")
    assert recipe.generator.config.local_channels == 0 == recipe.critic.config.local_channels
    logs = recipe.train_step(batch("ci-points"), 0.0)
    assert "g_adv" not in logs and "d_wgan" not in logs and logs["g_loss"] == logs["content"]
    full = batch("strokes")  # the scoreboard's full-resolution hint map
    assert full["hint"].shape[-1] == SIZE
    assert quarter_hints(full["hint"], (SIZE, SIZE)).shape[-1] == SIZE // 4
    assert recipe.colorize(full).shape == (2, 3, SIZE, SIZE)


def test_tagger_file_fills_the_local_features(tmp_path):
    vocabulary = load_vocabulary()
    config = alacgan.configs()["tagger"]["tiny"]
    tagger = alacgan.LocalFeatures(config)
    torch.nn.init.constant_(tagger.tagger.layers[0].weight, 0.25)
    manifest = ModelManifest(
        architecture="alacgan.tagger",
        config=config,
        cvt=tuple(t.name for t in vocabulary.cvt),
        cit=tuple(t.name for t in vocabulary.cit),
        hints=(),
        resolution=SIZE,
    )
    save_model(tmp_path / "tagger", tagger, manifest)
    recipe = _recipe(tagger=tmp_path / "tagger.safetensors")
    assert torch.equal(
        recipe.local_features.tagger.layers[0].weight, tagger.tagger.layers[0].weight
    )
    assert "tagger.safetensors" in recipe.exports()[0].extra["tagger"]
    with pytest.raises(ColorizerError, match="needs a reference.tagger"):
        build_recipe(
            "yan",
            RecipeSetup(
                config="tiny",
                vocabulary=vocabulary,
                size=SIZE,
                device=torch.device("cpu"),
                tagger=tmp_path / "tagger.safetensors",
            ),
        )


def test_the_shared_tagger_gives_local_features_and_the_content_loss(tmp_path):
    tagger = save_shared_tagger(tmp_path)
    recipe = _recipe(tagger=tagger)
    widths = load_model(tagger).module.config.widths
    assert isinstance(recipe.local_features, TaggerFeatures)
    assert recipe.generator.config.local_channels == widths[2]
    data = batch("ci-points")
    assert recipe.local_features(data["sketch"]).shape[-1] == SIZE // 16
    logs = recipe.train_step(data, 0.0)
    assert logs["content"] > 0 and torch.isfinite(torch.tensor(logs["g_loss"]))
    (export,) = recipe.exports()  # the companion is the tagger file itself
    assert export.extra["local_features"] == "the tagger"
