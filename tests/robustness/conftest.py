"""The robustness suite runs the scenarios of ``reliability`` with small sizes; the
hostile files and the random model are made once per session."""

import pytest
import torch

from reliability.inputs import create_all
from reliability.qt import random_model_folder


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def hostile_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    create_all(folder)
    return folder


@pytest.fixture(scope="session")
def models_folder(tmp_path_factory):
    return random_model_folder(tmp_path_factory.mktemp("random-model"))
