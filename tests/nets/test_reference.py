"""Yan et al.: configs build, paper sizes match; receiving blocks, RBCA, mapping."""

import dataclasses

import pytest
import torch

from colorizer_app.nets import reference
from colorizer_app.nets.blocks import count_parameters
from colorizer_app.nets.reference import (
    MappingMLP,
    PatchDiscriminator,
    PositionWeight,
    ReferenceEncoder,
    TagMapping,
    YanGenerator,
)

torch.set_num_threads(1)

CONFIGS = reference.configs(n_cvt=7, n_cit=5)


def _preset(name: str) -> dict:
    return {net: presets[name] for net, presets in CONFIGS.items()}


TINY = _preset("tiny")


def _millions(module: torch.nn.Module) -> float:
    return count_parameters(module) / 1e6


@pytest.mark.parametrize("name", reference.PRESETS)
@pytest.mark.parametrize("receiving", ["attention", "add"])
def test_every_config_builds(name, receiving):
    config = _preset(name)
    with torch.device("meta"):
        encoder = ReferenceEncoder(config["tagger"])
        generator = YanGenerator(dataclasses.replace(config["generator"], receiving=receiving))
        nets = generator, PatchDiscriminator(config["discriminator"]), TagMapping(config["mapping"])
    assert all(_millions(net) > 0 for net in nets)
    assert encoder.out_channels == config["generator"].ref_channels == config["mapping"].width


def test_small_config_fits_a_cpu():
    assert 1 <= _millions(YanGenerator(CONFIGS["generator"]["small"])) <= 6
    assert CONFIGS["mapping"]["small"].n_tags == CONFIGS["tagger"]["small"].n_tags == 12


def test_unknown_receiving_block_is_refused():
    with pytest.raises(ValueError, match="receiving"):
        reference.YanGeneratorConfig(receiving="concat")


@pytest.mark.parametrize("size", [(64, 64), (64, 96)])
@pytest.mark.parametrize("receiving", ["attention", "add"])
def test_tiny_forward_backward(size, receiving):
    torch.manual_seed(0)
    encoder = ReferenceEncoder(TINY["tagger"])
    generator = YanGenerator(dataclasses.replace(TINY["generator"], receiving=receiving))
    discriminator = PatchDiscriminator(TINY["discriminator"])
    h, w = size
    sketch = torch.rand(2, 1, h, w) * 2 - 1
    latent = encoder(torch.rand(2, 3, 96, 64) * 2 - 1)  # a reference of another size and shape
    assert latent.shape == (2, TINY["generator"].ref_channels, 3, 2)

    color = generator(sketch, latent)
    assert color.shape == (2, 3, h, w)
    assert color.min() >= -1 and color.max() <= 1
    logits = discriminator(torch.cat([sketch, color], 1))
    assert logits.shape == (2, 1, h // 4, w // 4)

    logits.mean().backward()
    assert all(p.grad is not None for p in generator.parameters())
    assert all(p.grad is not None for p in discriminator.parameters())
    assert all(p.grad is None for p in encoder.parameters())


def test_reference_encoder_stays_frozen():
    encoder = ReferenceEncoder(TINY["tagger"])
    encoder.train()
    assert not encoder.training and not any(m.training for m in encoder.modules())
    assert not any(p.requires_grad for p in encoder.parameters())
    latent, tags = encoder.latent_and_tags(torch.rand(3, 3, 64, 64))
    assert latent.shape == (3, 16, 2, 2) and (latent >= 0).all()
    assert tags.shape == (3, 12) and ((tags > 0) & (tags < 1)).all()
    assert encoder.tagger(torch.rand(1, 3, 64, 64)).shape == (1, 12)


def test_staged_calls_equal_forward():
    torch.manual_seed(0)
    generator = YanGenerator(TINY["generator"])
    sketch, latent = torch.rand(1, 1, 64, 64), torch.rand(1, 16, 2, 2)
    features = generator.encode(sketch)
    assert [s.shape[-1] for s in features.skips] == [32, 16, 8, 4]
    psi = generator.receive(features, latent)
    assert psi.shape == features.bottleneck.shape == (1, 16, 2, 2)
    assert torch.allclose(generator.decode(features, psi, latent), generator(sketch, latent))


def test_add_block_reads_only_the_reference_mean():
    torch.manual_seed(0)
    generator = YanGenerator(dataclasses.replace(TINY["generator"], receiving="add", rbca=True))
    sketch = torch.rand(1, 1, 64, 64)
    latent = torch.rand(1, 16, 2, 2)
    flat = latent.mean(dim=(2, 3), keepdim=True).expand_as(latent)
    assert torch.allclose(generator(sketch, latent), generator(sketch, flat), atol=1e-6)
    assert not torch.allclose(generator(sketch, latent), generator(sketch, latent * 3))


def test_attention_block_matches_reference_content_not_position():
    torch.manual_seed(0)
    generator = YanGenerator(dataclasses.replace(TINY["generator"], rbca=False))
    features = generator.encode(torch.rand(1, 1, 64, 64))
    latent = torch.rand(1, 16, 2, 2)
    swapped = latent.flatten(2).flip(-1).reshape_as(latent)  # same vectors, other positions
    flat = latent.mean(dim=(2, 3), keepdim=True).expand_as(latent)
    psi = generator.receive(features, latent)
    assert torch.allclose(psi, generator.receive(features, swapped), atol=1e-6)
    assert not torch.allclose(psi, generator.receive(features, flat))


def test_rbca_switch():
    torch.manual_seed(0)
    on = YanGenerator(TINY["generator"])
    off = YanGenerator(dataclasses.replace(TINY["generator"], rbca=False))
    rbca = [m for m in on.modules() if isinstance(m, reference.RBCA)]
    assert len(rbca) == 3
    assert not any(isinstance(m, reference.RBCA) for m in off.modules())
    assert _millions(on) - _millions(off) == pytest.approx(sum(_millions(m) for m in rbca))
    # Same weights but the RBCA gates: the gates change the output.
    off.load_state_dict({k: v for k, v in on.state_dict().items() if "rbca" not in k})
    sketch, latent = torch.rand(1, 1, 64, 64), torch.rand(1, 16, 2, 2)
    assert not torch.allclose(on(sketch, latent), off(sketch, latent))


def test_mapping_mlp_shapes():
    mlp = MappingMLP(reference.MappingConfig(n_tags=12, width=16, depth=4))
    assert mlp(torch.rand(5, 12)).shape == (5, 16)
    assert mlp.fuse.in_features == 64 and mlp.fuse.bias is None
    with torch.device("meta"):
        paper = MappingMLP(reference.MappingConfig())
    assert [layer[0].in_features for layer in paper.layers] == [6000, 512, 512, 512]


def test_tag_mapping_moves_the_anchor_latent():
    torch.manual_seed(0)
    latent = torch.rand(2, 16, 3, 3)
    tags_a, tags_t = torch.rand(2, 12), torch.rand(2, 12) * 3  # values may exceed 1
    for config in (TINY["mapping"], dataclasses.replace(TINY["mapping"], position_weight=False)):
        mapping = TagMapping(config)
        assert torch.allclose(mapping(latent, tags_a, tags_a), latent)  # no change asked
        moved = mapping(latent, tags_t, tags_a)
        assert moved.shape == latent.shape and not torch.allclose(moved, latent)
    # M-Add (F = 1) shifts every position alike.
    shift = (
        TagMapping(dataclasses.replace(TINY["mapping"], position_weight=False))(
            latent, tags_t, tags_a
        )
        - latent
    )
    assert torch.allclose(shift, shift[:, :, :1, :1].expand_as(shift), atol=1e-6)


def test_position_weight_of_empty_channels_is_defined():
    omega = PositionWeight(TINY["mapping"])
    latent = torch.rand(1, 16, 2, 2)
    latent[:, 3] = 0  # a channel the reference never activates
    weights = omega(latent)
    assert torch.isfinite(weights).all()
    expected_ratio = latent / latent.mean(dim=(2, 3), keepdim=True)
    expected_ratio[:, 3] = 1
    expected = omega.linear(expected_ratio.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert torch.allclose(weights, expected)
