"""CLI tests run against a tiny model in a temporary user models folder, on one CPU thread."""

import pytest
import torch
from PIL import Image

from colorizer_app.engine.registry import USER_MODELS_ENV
from tests.tiny_model import drawing, make_tiny_model


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user-models")
    make_tiny_model(folder, metrics={"tag_accuracy": 0.25, "bleeding": {"mean": 0.125}})
    return folder


@pytest.fixture
def models_env(tiny_models, monkeypatch):
    monkeypatch.setenv(USER_MODELS_ENV, str(tiny_models))
    torch.set_num_threads(1)
    return tiny_models


@pytest.fixture
def lineart(tmp_path):
    path = tmp_path / "drawing.png"
    Image.fromarray(drawing(60, 80)).save(path)
    return path
