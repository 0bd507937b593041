"""The registry lists every network of every family; each builds from its presets, runs forward
and backward, and round-trips through the model file format (the checks every family shares;
each family's own are in its test file)."""

import importlib
import pkgutil

import pytest
import torch

import colorizer_app.nets as nets
from colorizer_app.nets.modelfile import ModelManifest, load_model, save_model
from colorizer_app.nets.registry import ARCHITECTURES, families
from colorizer_app.vocabulary import load_vocabulary


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


# What every network is fed in the common checks below: (B, C, H, W) tensors of the size given,
# built from the network's config (the channels its companions would give it).
def _pictures(batch, h, w):
    sketch = torch.rand(batch, 1, h, w) * 2 - 1
    color = torch.rand(batch, 3, h, w) * 2 - 1
    return sketch, color


def _tag2pix_inputs(config, batch, h, w):
    sketch = torch.rand(batch, config.in_channels, h, w) * 2 - 1
    cit = torch.randn(batch, config.cit_channels, h // 8, w // 8) if config.use_cit else None
    return sketch, torch.rand(batch, config.n_cvt), cit


def _unified_inputs(config, batch, h, w):
    sketch, _ = _pictures(batch, h, w)
    reference = None if config.reference is None else torch.rand(batch, 3, 64, 64) * 2 - 1
    cvt = torch.rand(batch, config.n_cvt) if config.n_cvt else None
    return sketch, torch.rand(batch, 4, h, w), cvt, None, reference


def _local(config, batch, h, w):
    return torch.randn(batch, config.local_channels, h // 16, w // 16)


INPUTS = {
    "unified.generator": _unified_inputs,
    "tag2pix.generator": _tag2pix_inputs,
    "tag2pix.discriminator": lambda c, b, h, w: (_pictures(b, h, w)[1],),
    "tag2pix.tagger": lambda c, b, h, w: (torch.rand(b, c.in_channels, h, w) * 2 - 1,),
    "segfusion.skeleton_unet": lambda c, b, h, w: (_pictures(b, h, w)[0],),
    "segfusion.dual_branch": _tag2pix_inputs,
    "segfusion.direct_concat": _tag2pix_inputs,
    "alacgan.generator": lambda c, b, h, w: (
        _pictures(b, h, w)[0],
        torch.rand(b, 4, h // 4, w // 4),
        _local(c, b, h, w),
    ),
    "alacgan.critic": lambda c, b, h, w: (_pictures(b, h, w)[1], _local(c, b, h, w)),
    "alacgan.tagger": lambda c, b, h, w: (_pictures(b, h, w)[0],),
    "csa.generator": lambda c, b, h, w: (
        _pictures(b, h, w)[0],
        torch.rand(b, 4, h, w),
        torch.randn(b, c.hint_feature_channels, h // 8, w // 8) if c.attention else None,
    ),
    "csa.discriminator": lambda c, b, h, w: (torch.cat(_pictures(b, h, w), 1),),
    "csa.hint_features": lambda c, b, h, w: (torch.rand(b, 4, h, w),),
    "reference.generator": lambda c, b, h, w: (
        _pictures(b, h, w)[0],
        torch.randn(b, c.ref_channels, 3, 2),  # a reference's latent: any size
    ),
    "reference.discriminator": lambda c, b, h, w: (torch.cat(_pictures(b, h, w), 1),),
    "reference.tagger": lambda c, b, h, w: (_pictures(b, h, w)[1],),
    "reference.mapping": lambda c, b, h, w: (
        torch.randn(b, c.width, 3, 2),
        torch.rand(b, c.n_tags),
        torch.rand(b, c.n_tags),
    ),
}
# The channels of the picture a generator paints first (all its (B, C, H, W) outputs lie in
# [-1, 1]); networks left out paint none (critics, taggers, feature nets, the mapping).
PICTURE_CHANNELS = {
    "unified.generator": 3,
    "tag2pix.generator": 3,
    "segfusion.skeleton_unet": 1,
    "segfusion.dual_branch": 3,
    "segfusion.direct_concat": 3,
    "alacgan.generator": 3,
    "csa.generator": 3,
    "reference.generator": 3,
}
BATCH = 2
SIZES = {"tiny": (64, 96), "small": (128, 192)}  # the smallest a small critic reads


def _tensors(output):
    """Every tensor of a network's output (tensors, tuples, lists, dicts, named tuples)."""
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    return [t for item in output if item is not None for t in _tensors(item)]


def test_every_architecture_has_example_inputs():
    assert INPUTS.keys() == ARCHITECTURES.keys()


@pytest.mark.parametrize("preset", ["tiny", pytest.param("small", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_each_architecture_runs_forward_and_backward(name, preset):
    """Outputs finite, a generator's pictures (B, C, H, W) in [-1, 1], and the loss reaches
    every trainable parameter (a frozen feature net has none)."""
    torch.manual_seed(0)
    config = ARCHITECTURES[name].named_configs()[preset]
    module = ARCHITECTURES[name].build(config).train()
    height, width = SIZES[preset]
    outputs = _tensors(module(*INPUTS[name](config, BATCH, height, width)))
    assert outputs and all(torch.isfinite(t).all() for t in outputs)
    if name in PICTURE_CHANNELS:
        assert outputs[0].shape == (BATCH, PICTURE_CHANNELS[name], height, width)
        pictures = [t for t in outputs if t.ndim == 4 and t.shape[-2:] == (height, width)]
        assert all(t.abs().max() <= 1 for t in pictures)
    trainable = [p for p in module.parameters() if p.requires_grad]
    if trainable:
        sum(t.float().mean() for t in outputs).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trainable)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_each_architecture_round_trips_through_a_model_file(name, tmp_path):
    """Saved and loaded back through the model file format, the network computes the same."""
    torch.manual_seed(0)
    vocabulary = load_vocabulary()
    config = ARCHITECTURES[name].named_configs()["tiny"]
    module = ARCHITECTURES[name].build(config).eval()
    manifest = ModelManifest(
        architecture=name,
        config=config,
        cvt=tuple(t.name for t in vocabulary.cvt),
        cit=tuple(t.name for t in vocabulary.cit),
        hints=(),
        resolution=SIZES["tiny"][0],
    )
    save_model(tmp_path / "net.safetensors", module, manifest)
    loaded = load_model(tmp_path / "net.safetensors", vocabulary=vocabulary).module
    assert type(loaded) is type(module) and not loaded.training
    inputs = INPUTS[name](config, BATCH, *SIZES["tiny"])
    with torch.no_grad():
        for ours, theirs in zip(_tensors(loaded(*inputs)), _tensors(module(*inputs)), strict=True):
            assert torch.equal(ours, theirs)
