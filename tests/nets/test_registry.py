"""The registry lists every network of every family, each buildable from its configs."""

import importlib
import pkgutil

import pytest
import torch

import colorizer_app.nets as nets
from colorizer_app.nets.registry import ARCHITECTURES, families


def test_every_network_of_every_family_is_registered():
    with_configs = [
        info.name
        for info in pkgutil.iter_modules(nets.__path__)
        if hasattr(importlib.import_module(f"colorizer_app.nets.{info.name}"), "configs")
    ]
    assert families() == sorted(with_configs)
    for family in with_configs:
        roles = importlib.import_module(f"colorizer_app.nets.{family}").configs(6, 4)
        assert {f"{family}.{role}" for role in roles} <= ARCHITECTURES.keys()


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_each_architecture_builds_from_its_presets(name):
    architecture = ARCHITECTURES[name]
    for preset, config in architecture.named_configs().items():
        with torch.device("meta"):
            module = architecture.build(config)
        assert isinstance(module, architecture.module) and module.config == config, preset
    with pytest.raises(TypeError, match="takes a"):
        architecture.build(object())
