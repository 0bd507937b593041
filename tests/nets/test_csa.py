"""Yuan & Simo-Serra (CSA): configs build, tiny nets train, multi-scale PatchGANs give features."""

import pytest
import torch

from colorizer_app.nets import csa
from colorizer_app.nets.blocks import VGGConfig, VGGNet, count_parameters
from colorizer_app.nets.csa import CSABlock, CSAGenerator, HintFeatures, MultiScalePatchGAN

torch.set_num_threads(1)

CONFIGS = csa.configs(n_cvt=7, n_cit=5)


def _preset(name: str) -> dict:
    return {net: presets[name] for net, presets in CONFIGS.items()}


TINY = _preset("tiny")


def _millions(module: torch.nn.Module) -> float:
    return count_parameters(module) / 1e6


@pytest.mark.parametrize("name", csa.PRESETS)
def test_every_config_builds(name):
    config = _preset(name)
    with torch.device("meta"):
        hint_net = HintFeatures(config["hint_features"])
        generator = CSAGenerator(config["generator"])
        nets = generator, MultiScalePatchGAN(config["discriminator"]), hint_net
    assert all(_millions(net) > 0 for net in nets)
    assert hint_net.out_channels == config["generator"].hint_feature_channels
    assert sum(isinstance(m, CSABlock) for m in generator.modules()) == config["generator"].n_blocks


def test_paper_config_follows_the_paper():
    paper = _preset("paper")
    assert paper["generator"].n_blocks == 8
    assert len(paper["generator"].widths) == 5  # entry conv + 4 downsamplings
    assert paper["hint_features"].layer == "conv4_4"
    assert paper["hint_features"].vgg.stages[3] == (512,) * 4  # VGG19
    assert paper["discriminator"].n_scales == 3 and paper["discriminator"].n_layers == 3


def test_small_config_fits_a_cpu():
    assert 1 <= _millions(CSAGenerator(CONFIGS["generator"]["small"])) <= 6


@pytest.mark.parametrize("size", [(64, 64), (64, 96)])
def test_tiny_forward_backward(size):
    torch.manual_seed(0)
    hint_net = HintFeatures(TINY["hint_features"])
    generator = CSAGenerator(TINY["generator"])
    discriminator = MultiScalePatchGAN(TINY["discriminator"])
    h, w = size
    sketch = torch.rand(2, 1, h, w) * 2 - 1
    hint = torch.rand(2, 4, h, w)
    features = hint_net(hint)
    assert features.shape == (2, TINY["generator"].hint_feature_channels, h // 8, w // 8)

    color = generator(sketch, hint, features)
    assert color.shape == (2, 3, h, w)
    assert color.min() >= -1 and color.max() <= 1

    outputs = discriminator(torch.cat([sketch, color], 1))
    assert len(outputs) == 3
    assert all(len(layers) == TINY["discriminator"].n_layers + 2 for layers in outputs)
    widths = [layers[-1].shape[-1] for layers in outputs]
    assert widths[0] > widths[1] > widths[2]
    assert all(layers[-1].shape[1] == 1 for layers in outputs)

    sum(layers[-1].mean() for layers in outputs).backward()
    assert all(p.grad is not None for p in generator.parameters())
    assert all(p.grad is not None for p in discriminator.parameters())
    assert all(p.grad is None for p in hint_net.parameters())


def test_hint_features_steer_the_output():
    torch.manual_seed(0)
    generator = CSAGenerator(TINY["generator"])
    sketch, hint = torch.zeros(1, 1, 64, 64), torch.zeros(1, 4, 64, 64)
    quiet = generator(sketch, hint, torch.zeros(1, 8, 8, 8))
    loud = generator(sketch, hint, torch.rand(1, 8, 8, 8) * 5)
    assert not torch.allclose(quiet, loud)


def test_csa_block_is_identity_plus_gated_branch():
    torch.manual_seed(0)
    block = CSABlock(channels=8, hint_channels=4, hint_width=4, attention_width=4, norm="none")
    x, hint = torch.rand(1, 8, 4, 4), torch.rand(1, 4, 8, 8)
    with torch.no_grad():
        block.attention[-2].bias.fill_(-1e4)  # attention ≈ 0 → the block passes x through
    assert torch.allclose(block(x, hint), x, atol=1e-5)


def test_unknown_norm_is_refused():
    with pytest.raises(ValueError, match="norm"):
        csa.CSAGeneratorConfig(norm="group")


def test_vgg_taps_layers_by_name():
    net = VGGNet(VGGConfig.vgg19())
    # torchvision's layer order, so its weights map index for index.
    assert net.names[:5] == ["conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1"]
    assert isinstance(net.layers[net.names.index("conv4_4")], torch.nn.Conv2d)
    x = torch.rand(1, 3, 32, 48)
    conv, relu = net.features(x, ["conv2_1", "relu2_1"])
    assert conv.shape == relu.shape == (1, 128, 16, 24)
    assert conv.min() < 0 and torch.equal(relu, conv.clamp_min(0))
    assert net.channels_at("conv4_4") == 512
    with pytest.raises(ValueError, match="conv6_1"):
        net.features(x, ["conv6_1"])
    with pytest.raises(RuntimeError, match="head"):
        net(x)
    assert VGGNet(VGGConfig.vgg16(n_tags=12))(x).shape == (1, 12)
