"""The shared blocks: shapes, conditioning paths, the SE-ResNeXt tagger, helpers."""

import pytest
import torch
from torch import nn

from colorizer_app.nets.blocks import (
    CONDITIONINGS,
    DECODER_KINDS,
    AdaIN,
    PixelShuffleStage,
    PixelShuffleUp,
    ResNeXtBottleneck,
    SEResNeXt,
    SEResNeXtConfig,
    SqueezeExcitation,
    activation,
    count_parameters,
    decoder_bottleneck,
    decoder_kind_uses_code,
    init_weights,
    norm2d,
    vocabulary_sizes,
)

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_squeeze_excitation_scales_channels_and_secat_reads_the_code() -> None:
    x = torch.randn(2, 16, 5, 7)
    plain = SqueezeExcitation(16, 4)
    out = plain(x)
    assert out.shape == x.shape
    ratio = out / x  # one sigmoid weight per (sample, channel)
    assert torch.allclose(ratio, ratio[:, :, :1, :1].expand_as(ratio), atol=1e-5)
    assert ((ratio > 0) & (ratio < 1)).all()

    secat = SqueezeExcitation(16, 4, cond_dim=8)
    code = torch.randn(2, 8)
    assert not torch.allclose(secat(x, code), secat(x, code + 1.0))
    with pytest.raises(ValueError):
        secat(x)


@pytest.mark.parametrize("conditioning", CONDITIONINGS)
@pytest.mark.parametrize("norm", ["batch", "none"])
def test_resnext_bottleneck_variants(conditioning: str, norm: str) -> None:
    block = ResNeXtBottleneck(
        24,
        32,
        cardinality=4,
        expansion=4,
        norm=norm,
        act="lrelu",
        se=True,
        conditioning=conditioning,
        cond_dim=8,
    )
    x = torch.randn(2, 24, 6, 10, requires_grad=True)
    code = torch.randn(2, 8)
    out = block(x, code)
    assert out.shape == (2, 32, 6, 10)
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    if conditioning != "none":
        assert not torch.allclose(block(x, code), block(x, code * 3.0))
        with pytest.raises(ValueError, match="needs a code"):
            block(x)


def test_resnext_bottleneck_stride_dilation_and_shortcuts() -> None:
    strided = ResNeXtBottleneck(16, 16, cardinality=4, stride=2)
    assert strided(torch.randn(1, 16, 8, 12)).shape == (1, 16, 4, 6)
    assert not isinstance(strided.shortcut, nn.Identity)

    same = ResNeXtBottleneck(16, 16, cardinality=4, dilation=2, norm="none", out_act=False)
    assert isinstance(same.shortcut, nn.Identity)
    out = same(torch.randn(1, 16, 9, 9))
    assert out.shape == (1, 16, 9, 9)
    assert (out < 0).any()  # no activation after the sum

    with pytest.raises(ValueError):
        ResNeXtBottleneck(16, 16, conditioning="secat", cond_dim=4)  # SECat needs SE
    with pytest.raises(ValueError):
        ResNeXtBottleneck(16, 16, conditioning="nonsense")


@pytest.mark.parametrize("kind", DECODER_KINDS)
def test_every_decoder_block_kind(kind: str) -> None:
    block = decoder_bottleneck(kind, 24, 32, cond_dim=8, cardinality=4)
    x = torch.randn(2, 24, 4, 6, requires_grad=True)
    code = torch.randn(2, 8)
    out = block(x, code)
    assert out.shape == (2, 32, 4, 6)
    out.mean().backward()
    assert all(p.grad is not None for p in block.parameters())
    changed = not torch.allclose(block(x, code), block(x, code + 1.0))
    assert changed == decoder_kind_uses_code(kind)


def test_decoder_block_kind_is_checked() -> None:
    with pytest.raises(ValueError):
        decoder_bottleneck("film", 8, 8, cond_dim=4, cardinality=2)


def test_adain_starts_as_plain_instance_norm() -> None:
    adain = AdaIN(6, 4)
    x = torch.randn(2, 6, 5, 5) * 3 + 1
    out = adain(x, torch.zeros(2, 4))
    assert torch.allclose(out, nn.functional.instance_norm(x), atol=1e-5)


def test_pixel_shuffle_stage_and_up() -> None:
    stage = PixelShuffleStage("secat", 20, 8, 2, cond_dim=4, cardinality=4)
    assert stage(torch.randn(2, 20, 3, 5), torch.randn(2, 4)).shape == (2, 8, 6, 10)
    up = PixelShuffleUp(20, 8)
    assert up(torch.randn(2, 20, 3, 5)).shape == (2, 8, 6, 10)


def test_se_resnext_tagger_logits_and_features() -> None:
    config = SEResNeXtConfig.named("tiny", num_classes=7)
    tagger = SEResNeXt(config)
    for h, w in ((64, 64), (64, 96)):
        x = torch.randn(2, 1, h, w)
        assert tagger(x).shape == (2, 7)
        assert tagger.features(x).shape == (2, config.feature_channels, h // 8, w // 8)


def test_se_resnext_paper_size() -> None:
    with torch.device("meta"):
        tagger = SEResNeXt(SEResNeXtConfig.named("paper"))
    assert tagger.config.feature_channels == 512
    assert count_parameters(tagger) / 1e6 == pytest.approx(26.26, rel=0.05)


def test_se_resnext_presets_are_checked() -> None:
    with pytest.raises(ValueError):
        SEResNeXtConfig.named("small")  # our vocabulary size is required
    with pytest.raises(ValueError):
        SEResNeXtConfig.named("huge", num_classes=3)


def test_init_weights_follows_the_official_code() -> None:
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    for p in net.parameters():
        nn.init.constant_(p, 0.5)
    net.apply(init_weights)
    assert torch.all(net[0].bias == 0) and torch.all(net[2].bias == 0)
    assert torch.all(net[1].weight == 1) and torch.all(net[1].bias == 0)
    assert net[0].weight.std() > 0


def test_helpers_reject_unknown_names() -> None:
    assert isinstance(activation("lrelu"), nn.LeakyReLU)
    assert isinstance(norm2d("none", 3), nn.Identity)
    with pytest.raises(ValueError):
        activation("gelu6")
    with pytest.raises(ValueError):
        norm2d("group", 3)


def test_vocabulary_sizes() -> None:
    assert vocabulary_sizes(5, 6) == (5, 6)
    vocabulary = pytest.importorskip("colorizer_app.vocabulary")
    vocab = vocabulary.load_vocabulary()
    assert vocabulary_sizes() == (len(vocab.cvt), len(vocab.cit))
    assert vocabulary_sizes(n_cit=3) == (len(vocab.cvt), 3)
