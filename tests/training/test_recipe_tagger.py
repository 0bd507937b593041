"""The tagger recipe (pre-training the papers' frozen feature nets) and its mAP."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from colorizer_app.vocabulary import load_vocabulary
from tests.training.recipe_checks import (
    TINY,
    adam_steps,
    assert_model_file_matches_checkpoint,
    resume_from_marked_checkpoint,
    tiny_recipe,
)
from training.cli import main
from training.data.dataset import Collate, SyntheticDataset
from training.tagging_metrics import average_precision, mean_average_precision

torch.set_num_threads(1)
CONSUMERS = {
    "se_resnext": ("tag2pix.tagger", "sketch", "cit"),
    "resnet34": ("reference.tagger", "color", "all"),
    "alac": ("alacgan.tagger", "sketch", "all"),
    "vgg": ("csa.hint_features", "color", "all"),
}
TRAINED_PART = {"alac": "tagger", "vgg": "net"}  # the VGG inside the exported extractor
PROBE_CHANNELS = {"se_resnext": 1, "resnet34": 3, "alac": 1, "vgg": 4}  # sketch, image, hint map


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagger")
    for arch in CONSUMERS:
        assert (
            main(
                [
                    "train",
                    "tagger",
                    *TINY,
                    "--steps",
                    "3",
                    "--ablation",
                    f"arch={arch}",
                    "--out",
                    str(folder / arch),
                ]
            )
            == 0
        )
    return folder


@pytest.mark.parametrize("arch", sorted(CONSUMERS))
def test_each_arch_exports_the_model_file_its_consumer_loads(runs, arch):
    architecture, image, tags = CONSUMERS[arch]
    manifest = json.loads((runs / arch / "tagger.json").read_text())
    assert manifest["architecture"] == architecture
    assert manifest["recipe"]["input"] == image and manifest["recipe"]["tags"] == tags
    assert 0 < manifest["recipe"]["map"] <= 1
    assert manifest["metrics"] == {}  # a tagger is not scored as a colorizer
    loaded, rebuilt = assert_model_file_matches_checkpoint(
        runs / arch, "tagger", "tagger", inner=TRAINED_PART.get(arch)
    )
    loaded.module.eval(), rebuilt.eval()
    probe = torch.rand(2, PROBE_CHANNELS[arch], 64, 64) * 2 - 1  # what each consumer feeds it
    with torch.no_grad():
        assert torch.equal(loaded.module(probe), rebuilt(probe))


def test_map_is_logged_while_training():
    logs = tiny_recipe("tagger").train_step(_batch(), 0.0)
    assert set(logs) == {"bce", "map"} and 0 < logs["map"] <= 1


def test_resume_continues_the_step_and_the_optimizer(runs, tmp_path):
    resume_from_marked_checkpoint(
        "tagger", runs / "alac", tmp_path / "resumed", 5, extra=["--ablation", "arch=alac"]
    )
    assert adam_steps(tmp_path / "resumed", "optimizer") == 105.0


def _batch(n=4, seed=11):
    dataset = SyntheticDataset(seed, 10, size=128)
    return Collate("none", seed=0)([dataset[i] for i in range(n)])


def test_overfits_one_batch():
    torch.manual_seed(0)
    recipe = tiny_recipe("tagger")
    data = _batch()
    first = recipe.train_step(data, 0.0)["bce"]
    for _ in range(80):
        last = recipe.train_step(data, 0.0)["bce"]
        if last < 0.3 * first:
            break
    assert last < 0.3 * first


def test_average_precision_by_hand():
    assert average_precision(
        np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 1, 0])
    ) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5  # a tie: one threshold
    assert average_precision(np.array([0.1, 0.9]), np.array([1, 0])) == 0.5


def test_mean_average_precision_skips_tags_without_positives():
    scores = np.array([[0.9, 0.2, 0.5], [0.1, 0.8, 0.5]])
    targets = np.array([[1, 0, 0], [0, 1.5, 0]])  # third tag never present; 1.5 = a slider value
    assert mean_average_precision(scores, targets) == 1.0
    assert mean_average_precision(-scores, targets) == 0.5
    with pytest.raises(ValueError):
        mean_average_precision(scores, np.zeros_like(targets))


def test_half_size_input_is_what_local_features_see():
    from colorizer_app.nets.alacgan import LocalFeatures

    recipe = tiny_recipe("tagger", arch="alac")
    sketch = _batch(n=2)["sketch"]
    assert isinstance(recipe.exported, LocalFeatures)
    expected = recipe.tagger.features(
        F.avg_pool2d(sketch, 2).expand(-1, 3, -1, -1), [recipe.exported.config.feature_layer]
    )[0]
    assert torch.equal(recipe.exported(sketch), expected)
    assert recipe.exported.tagger is recipe.tagger
    assert len(load_vocabulary().cvt) + len(load_vocabulary().cit) == recipe.exported.config.n_tags
