"""Yan et al.'s two trainings: CLI runs and model files, the frozen generator of the second
training, its targets (the same reference re-colored), M-Add vs M-Attention, tag sliders."""

import json

import pytest
import torch
from safetensors.torch import load_file

from colorizer_app.errors import ColorizerError
from colorizer_app.nets.modelfile import load_model
from colorizer_app.nets.reference import cvt_parts, slider_tags
from colorizer_app.vocabulary import load_vocabulary
from tests.training.recipe_checks import SIZE, assert_export_is_checkpoint, batch, train
from training.cli import main
from training.recipes import build_recipe
from training.recipes.base import RecipeSetup

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A first training's run folder (3 steps, Attention receiving block)."""
    return train("yan", tmp_path_factory.mktemp("yan") / "first")


def _second_recipe(init, **ablation):
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=SIZE,
        device=torch.device("cpu"),
        ablation={"stage": "second", **ablation},
        init=init,
    )
    return build_recipe("yan", setup)


def test_first_training_writes_generator_and_encoder(first):
    data = batch(with_reference=True)
    assert_export_is_checkpoint(
        first, "yan-reference-encoder", "reference_encoder.tagger", (data["reference"],)
    )
    encoder = load_model(first / "yan-reference-encoder.safetensors").module
    with torch.no_grad():
        latent = encoder.features(data["reference"])
    assert_export_is_checkpoint(first, "yan", "generator", (data["sketch"], latent))
    manifest = json.loads((first / "yan.json").read_text())
    assert manifest["hints"] == ["reference"]
    assert manifest["recipe"]["reference_encoder"] == "yan-reference-encoder"


def test_second_training_leaves_the_generator_unchanged(first, tmp_path):
    second = train(
        "yan",
        tmp_path / "second",
        "--init",
        str(first / "yan.safetensors"),
        "--ablation",
        "stage=second",
    )
    before = load_model(first / "yan.safetensors").module.state_dict()
    after = load_model(second / "yan.safetensors").module.state_dict()
    checkpoint = load_file(str(second / "checkpoint" / "modules.safetensors"))
    for key, value in before.items():
        assert torch.equal(value, after[key]) and torch.equal(value, checkpoint[f"generator.{key}"])
    mapping = json.loads((second / "yan-mapping.json").read_text())
    assert mapping["hints"] == ["reference", "tags"]
    assert mapping["recipe"]["generator"] == "yan"
    assert (
        mapping["recipe"]["generator_sha256"]
        == json.loads((first / "yan.json").read_text())["sha256"]
    )
    data = batch(with_reference=True)
    encoder = load_model(second / "yan-reference-encoder.safetensors").module
    with torch.no_grad():
        latent = encoder.features(data["reference"])
    tags = torch.cat([data["cvt"], data["cit"]], 1)
    assert_export_is_checkpoint(second, "yan-mapping", "mapping", (latent, tags.flip(0), tags))


def test_second_training_needs_the_first_ones_generator(tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "yan",
                "--config",
                "tiny",
                "--size",
                str(SIZE),
                "--steps",
                "1",
                "--out",
                str(tmp_path / "r"),
                "--ablation",
                "stage=second",
            ]
        )
        == 2
    )
    assert "needs --init" in capsys.readouterr().err


def test_targets_are_the_same_reference_recolored(first):
    recipe = _second_recipe(first / "yan.safetensors")
    data = batch(with_reference=True)
    target, cls_t = recipe._targets(data)
    n_cvt = data["cvt"].shape[1]
    assert target.shape == data["reference"].shape
    assert torch.equal(cls_t[:, n_cvt:], data["cit"])  # same character: same shape tags
    assert not torch.equal(cls_t[:, :n_cvt], data["cvt"])  # other colors
    # Pixels that kept their color (most of them) are the very same: same pose and warp.
    same = (target - data["reference"]).abs().amax(1) < 1e-6
    assert same.float().mean() > 0.5


def test_m_add_trains_without_inversion_and_the_generator_stays_frozen(first):
    recipe = _second_recipe(first / "yan.safetensors", mapping="m_add")
    assert recipe.mapping.omega is None
    before = {k: v.clone() for k, v in recipe.generator.state_dict().items()}
    logs = recipe.train_step(batch(with_reference=True), 0.0)
    assert "inversion" not in logs and logs["loss"] == logs["hybrid"]
    assert all(torch.equal(v, recipe.generator.state_dict()[k]) for k, v in before.items())
    assert not any(p.requires_grad for p in recipe.generator.parameters())
    attention = _second_recipe(first / "yan.safetensors")
    logs = attention.train_step(batch(with_reference=True), 0.0)
    assert logs["loss"] == pytest.approx(logs["hybrid"] + logs["inversion"])
    with pytest.raises(ColorizerError, match="receiving=attention"):
        _second_recipe(first / "yan.safetensors", receiving="add")


def test_slider_tags_replace_the_parts_asked_only():
    vocabulary = load_vocabulary()
    n_cvt, n_cit = len(vocabulary.cvt), len(vocabulary.cit)
    anchor = torch.zeros(1, n_cvt + n_cit)
    anchor[0, vocabulary.cvt_index("brown_hair")] = 0.9
    anchor[0, vocabulary.cvt_index("red_eyes")] = 0.8
    anchor[0, n_cvt] = 1.0
    requested = torch.zeros(1, n_cvt)
    requested[0, vocabulary.cvt_index("blue_hair")] = 2.0
    target = slider_tags(anchor, requested, cvt_parts(vocabulary))[0]
    assert target[vocabulary.cvt_index("blue_hair")] == 2.0
    assert target[vocabulary.cvt_index("brown_hair")] == 0.0
    assert target[vocabulary.cvt_index("red_eyes")] == pytest.approx(0.8)
    assert target[n_cvt] == 1.0
