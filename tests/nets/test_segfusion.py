"""Cao et al.: skeleton U-Net, Direct Concatenation and the Dual-branch generator."""

import pytest
import torch

from colorizer_app.nets.blocks import SEResNeXtConfig, count_parameters
from colorizer_app.nets.segfusion import (
    DualBranchGenerator,
    SkeletonUNet,
    SkeletonUNetConfig,
    configs,
    direct_concat_config,
)
from colorizer_app.nets.tag2pix import CITExtractor, Tag2PixConfig, Tag2PixGenerator

torch.set_num_threads(1)
N_CVT, N_CIT = 12, 10
SIZES = [(64, 64), (64, 96)]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_paper_color_blocks_receive_segmentation_features() -> None:
    with torch.device("meta"):
        generator = DualBranchGenerator(Tag2PixConfig.named("paper"))
    stages = generator.decoder.stages
    assert [s.blocks[0].conv1.in_channels for s in stages] == [576, 640, 320, 160]
    assert generator.decoder.head[0].in_channels == 80
    assert generator.segmentation.head[0].in_channels == 48


def test_every_config_builds() -> None:
    for network, presets in configs(N_CVT, N_CIT).items():
        for config in presets.values():
            with torch.device("meta"):
                if network == "skeleton_unet":
                    SkeletonUNet(config)
                elif network == "dual_branch":
                    DualBranchGenerator(config)
                else:
                    assert config.in_channels == 2
                    Tag2PixGenerator(config)


def test_small_dual_branch_is_cpu_sized() -> None:
    generator = DualBranchGenerator(Tag2PixConfig.named("small", N_CVT, N_CIT))
    assert 1e6 <= count_parameters(generator) <= 6e6


@pytest.mark.parametrize("size", SIZES)
def test_skeleton_unet_forward_backward(size: tuple[int, int]) -> None:
    unet = SkeletonUNet(SkeletonUNetConfig.named("tiny"))
    sketch = torch.rand(2, 1, *size, requires_grad=True)
    skeleton = unet(sketch)
    assert skeleton.shape == (2, 1, *size)
    assert skeleton.min() >= -1 and skeleton.max() <= 1
    skeleton.mean().backward()
    assert sketch.grad is not None and all(p.grad is not None for p in unet.parameters())


def test_skeleton_unet_rejects_sizes_it_cannot_halve() -> None:
    with pytest.raises(ValueError, match="divisible by 32"):
        SkeletonUNet(SkeletonUNetConfig.named("paper"))(torch.zeros(1, 1, 48, 64))


@pytest.mark.parametrize("size", SIZES)
def test_dual_branch_forward_backward(size: tuple[int, int]) -> None:
    config = Tag2PixConfig.named("tiny", N_CVT, N_CIT)
    extractor = CITExtractor(SEResNeXtConfig.named("tiny", N_CIT))
    generator = DualBranchGenerator(config)
    sketch = torch.rand(2, 1, *size) * 2 - 1
    image, guide, skeleton = generator(sketch, torch.rand(2, N_CVT), extractor(sketch))
    assert image.shape == guide.shape == (2, 3, *size)
    assert skeleton.shape == (2, 1, *size)
    for out in (image, guide, skeleton):
        assert out.min() >= -1 and out.max() <= 1
    (image.abs().mean() + guide.abs().mean() + skeleton.abs().mean()).backward()
    assert all(p.grad is not None for p in generator.parameters())


def test_segmentation_loss_alone_trains_the_shared_encoder() -> None:
    generator = DualBranchGenerator(Tag2PixConfig.named("tiny", N_CVT, N_CIT))
    sketch = torch.rand(1, 1, 64, 64)
    _, _, skeleton = generator(sketch, torch.rand(1, N_CVT), torch.randn(1, 32, 8, 8))
    skeleton.mean().backward()
    assert generator.encoder.lineart.blocks[0][0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in generator.decoder.head.parameters())


def test_direct_concatenation_pipeline() -> None:
    config = direct_concat_config(Tag2PixConfig.named("tiny", N_CVT, N_CIT))
    unet = SkeletonUNet(SkeletonUNetConfig.named("tiny"))
    extractor = CITExtractor(SEResNeXtConfig.named("tiny", N_CIT))
    generator = Tag2PixGenerator(config)
    sketch = torch.rand(2, 1, 64, 96) * 2 - 1
    with torch.no_grad():
        skeleton = unet(sketch)
    features = extractor(sketch)  # the CIT extractor sees the line art only
    image, guide = generator(torch.cat([sketch, skeleton], dim=1), torch.rand(2, N_CVT), features)
    assert image.shape == guide.shape == (2, 3, 64, 96)
    assert generator.encoder.lineart.blocks[0][0].in_channels == 2
