"""Tag2Pix: paper sizes (counted on the meta device), tiny/small forward and backward, ablations."""

from dataclasses import replace

import pytest
import torch

from colorizer_app.nets.blocks import DECODER_KINDS, SEResNeXt, SEResNeXtConfig, count_parameters
from colorizer_app.nets.tag2pix import (
    PRESETS,
    CITExtractor,
    Tag2PixConfig,
    Tag2PixDiscriminator,
    Tag2PixDiscriminatorConfig,
    Tag2PixGenerator,
    configs,
    paper_param_targets,
)

torch.set_num_threads(1)
N_CVT, N_CIT = 12, 10
SIZES = [(64, 64), (64, 96)]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_paper_targets_cover_every_table3_variant() -> None:
    labels = " ".join(label for label, _, _ in paper_param_targets())
    assert all(kind in labels for kind in DECODER_KINDS)


def test_paper_bottleneck_is_576_channels() -> None:
    config = Tag2PixConfig.named("paper")
    assert config.bottom_channels == 576
    assert config.decoder_widths == (256, 128, 64, 32)
    assert replace(config, use_cit=False).bottom_channels == 320
    with torch.device("meta"):
        stages = Tag2PixGenerator(config).decoder.stages
    assert [s.blocks[0].conv1.in_channels for s in stages] == [576, 384, 192, 96]
    assert [len(s.blocks) for s in stages] == [12, 8, 5, 5]


def test_every_preset_builds_and_matches_its_extractor() -> None:
    all_configs = configs(N_CVT, N_CIT)
    assert set(all_configs["generator"]) == set(PRESETS)
    for preset, generator in all_configs["generator"].items():
        tagger = all_configs["tagger"]["paper" if preset.startswith("paper") else preset]
        assert generator.cit_channels == tagger.feature_channels
        with torch.device("meta"):
            Tag2PixGenerator(generator)
    for discriminator in all_configs["discriminator"].values():
        with torch.device("meta"):
            Tag2PixDiscriminator(discriminator)
    assert all_configs["generator"]["paper"].n_cvt == 115
    assert all_configs["generator"]["small"].n_cvt == N_CVT


def test_small_presets_are_cpu_sized() -> None:
    generator = Tag2PixGenerator(Tag2PixConfig.named("small", N_CVT, N_CIT))
    assert 1e6 <= count_parameters(generator) <= 6e6


def _run_generator(config: Tag2PixConfig, size: tuple[int, int], preset: str = "tiny"):
    extractor = CITExtractor(SEResNeXtConfig.named(preset, config.n_cit))
    generator = Tag2PixGenerator(config)
    sketch = torch.rand(2, config.in_channels, *size) * 2 - 1
    features = extractor(sketch[:, :1]) if config.use_cit else None
    image, guide = generator(sketch, torch.rand(2, config.n_cvt), features)
    loss = image.abs().mean() + (guide.abs().mean() if guide is not None else 0)
    loss.backward()
    return generator, extractor, image, guide


@pytest.mark.parametrize("size", SIZES)
def test_generator_forward_backward(size: tuple[int, int]) -> None:
    config = Tag2PixConfig.named("tiny", N_CVT, N_CIT)
    generator, extractor, image, guide = _run_generator(config, size)
    assert image.shape == guide.shape == (2, 3, *size)
    assert image.min() >= -1 and image.max() <= 1
    assert guide.min() >= -1 and guide.max() <= 1
    assert all(p.grad is not None for p in generator.parameters())
    assert not any(p.requires_grad for p in extractor.parameters())


@pytest.mark.parametrize("kind", DECODER_KINDS)
def test_every_decoder_kind_runs(kind: str) -> None:
    config = replace(Tag2PixConfig.named("tiny", N_CVT, N_CIT), decoder_kind=kind)
    generator, _, image, _ = _run_generator(config, (64, 96))
    assert image.shape == (2, 3, 64, 96)
    has_code = generator.encoder.cvt.to_code is not None
    assert has_code == (kind not in ("resnext", "se"))


def test_ablations_without_cit_or_guide() -> None:
    config = replace(
        Tag2PixConfig.named("tiny", N_CVT, N_CIT), use_cit=False, use_guide=False, batch_norm=False
    )
    generator, _, image, guide = _run_generator(config, (64, 64))
    assert image.shape == (2, 3, 64, 64) and guide is None
    assert generator.encoder.cit is None and generator.guide is None
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in generator.modules())


def test_generator_output_follows_the_tags() -> None:
    config = Tag2PixConfig.named("tiny", N_CVT, N_CIT)
    generator = Tag2PixGenerator(config).eval()
    sketch = torch.rand(1, 1, 64, 64) * 2 - 1
    features = torch.randn(1, config.cit_channels, 8, 8)
    cvt = torch.zeros(1, N_CVT)
    with torch.no_grad():
        before, _ = generator(sketch, cvt, features)
        after, _ = generator(sketch, cvt + torch.eye(N_CVT)[3], features)
    assert not torch.allclose(before, after)


def test_generator_rejects_bad_inputs() -> None:
    generator = Tag2PixGenerator(Tag2PixConfig.named("tiny", N_CVT, N_CIT))
    cvt = torch.zeros(1, N_CVT)
    with pytest.raises(ValueError, match="cit_features"):
        generator(torch.zeros(1, 1, 64, 64), cvt)
    with pytest.raises(ValueError, match="divisible by 16"):
        generator(torch.zeros(1, 1, 60, 64), cvt, torch.zeros(1, 32, 8, 8))


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        Tag2PixConfig(decoder_kind="film")
    with pytest.raises(ValueError):
        Tag2PixConfig(image_size=100)
    with pytest.raises(ValueError):
        Tag2PixConfig.named("huge", N_CVT, N_CIT)


def test_cit_extractor_is_the_frozen_front_of_a_tagger() -> None:
    tagger = SEResNeXt(SEResNeXtConfig.named("tiny", N_CIT))
    extractor = CITExtractor.from_tagger(tagger)
    extractor.train()
    assert not extractor.training
    assert not any(p.requires_grad for p in extractor.parameters())
    tagger.eval()
    sketch = torch.rand(2, 1, 64, 96)
    with torch.no_grad():
        assert torch.allclose(extractor(sketch), tagger.features(sketch))
    with torch.device("meta"):
        part = CITExtractor(SEResNeXtConfig.named("paper"))
    assert count_parameters(part) / 1e6 == pytest.approx(1.56, rel=0.05)


@pytest.mark.parametrize("size", SIZES)
def test_discriminator_heads(size: tuple[int, int]) -> None:
    discriminator = Tag2PixDiscriminator(Tag2PixDiscriminatorConfig.named("tiny", N_CVT, N_CIT))
    image = torch.rand(2, 3, *size, requires_grad=True)
    out = discriminator(image)
    assert out.adv.shape == (2, 1)
    assert out.cvt.shape == (2, N_CVT)
    assert out.cit.shape == (2, N_CIT)
    (out.adv.sum() + out.cvt.sum() + out.cit.sum()).backward()
    assert image.grad is not None and image.grad.abs().sum() > 0
