"""Model files on the scoreboard: directly at the working size, and through the app's engine."""

import numpy as np
import pytest
import torch

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Hints, Stroke
from colorizer_app.nets.modelfile import ModelManifest, save_model
from colorizer_app.nets.reference import PatchDiscriminator, PatchDiscriminatorConfig
from colorizer_app.vocabulary import load_vocabulary
from tests.paper_models import make_runs, ship
from tests.tiny_model import make_tiny_model
from training.evaluation.colorizers import resolve_colorizer
from training.evaluation.request import EvalRequest

torch.set_num_threads(1)


def _request(size=64):
    sketch = np.full((size, size), 255, np.uint8)
    sketch[:, size // 2] = 0
    return EvalRequest(
        sketch=sketch,
        tags={"blue_hair": 1.0},
        hints=Hints((Stroke("#ff0000", 3, ((5, 5), (20, 20))),)),
        hint_map=np.zeros((size, size, 4), np.float32),
    )


@pytest.mark.parametrize("prefix", ["", "engine:"])
def test_a_model_file_colors_at_the_request_size(tmp_path, prefix):
    make_tiny_model(tmp_path, "tiny", resolution=32)
    colorize = resolve_colorizer(prefix + str(tmp_path / "tiny.safetensors"))
    out = colorize(_request())
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert np.array_equal(out, colorize(_request()))  # deterministic


def test_direct_mode_refuses_architectures_it_cannot_run(tmp_path):
    vocabulary = load_vocabulary()
    config = PatchDiscriminatorConfig(ndf=4, n_layers=1)
    save_model(
        tmp_path / "d.safetensors",
        PatchDiscriminator(config),
        ModelManifest(
            architecture="reference.discriminator",
            config=config,
            cvt=tuple(t.name for t in vocabulary.cvt),
            cit=tuple(t.name for t in vocabulary.cit),
            hints=(),
            resolution=64,
        ),
    )
    with pytest.raises(ColorizerError, match="runs unified.generator model files directly"):
        resolve_colorizer(str(tmp_path / "d.safetensors"))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ColorizerError, match="no such file"):
        resolve_colorizer(str(tmp_path / "none.safetensors"))


def test_region_consistency_is_an_engine_option(tmp_path):
    make_tiny_model(tmp_path, "tiny", resolution=32)
    path = str(tmp_path / "tiny.safetensors")
    smoothed = resolve_colorizer("engine:" + path, region_consistency=True)(_request())
    assert smoothed.shape == (64, 64, 3)
    with pytest.raises(ColorizerError, match="engine option"):
        resolve_colorizer(path, region_consistency=True)


def test_a_catalogued_paper_model_is_scored_through_the_engine_with_its_companions(tmp_path):
    model, companions = make_runs(tmp_path)["tag2pix"]
    shelf = tmp_path / "models"
    shelf.mkdir()
    ship(shelf, "tag2pix-tiny", model, companions)
    out = resolve_colorizer("engine:" + str(shelf / "tag2pix-tiny.safetensors"))(_request())
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    with pytest.raises(ColorizerError, match="needs its cit_extractor companion"):
        resolve_colorizer("engine:" + str(model))  # its run folder lists no companions
