"""Ci et al. 2018 (AlacGAN): user-guided line-art colorization with a local-features network.

Three networks, each built from its config:

- ``LocalFeatures`` — the frozen Illustration2Vec-style tagger, run on the sketch at half size;
  its 6th conv (after ReLU) gives 512 channels at H/16 that condition both the generator and the
  critic (the paper's F1). It is pre-trained as a tagger by the training package.
- ``AlacGenerator`` — hint-conditioned U-Net of ResNeXt blocks with dilations and sub-pixel
  upsampling, LeakyReLU 0.2, no normalization, tanh out.
- ``AlacCritic`` — WGAN-GP critic on the color image, conditioned on the local features at H/16.

Block counts follow the official code (20, 8, 8, 5 ResNeXt blocks per decoder stage), whose
parameter count is the one we match; the paper's text says {20, 10, 10, 5}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from colorizer_app.nets.blocks import (
    FrozenExtractor,
    PixelShuffleUp,
    ResNeXtBottleneck,
    VGGConfig,
    VGGNet,
    activation,
    conv1x1,
    vocabulary_sizes,
)

_DILATIONS_64 = (1, 1, 2, 2, 4, 4, 2, 1)  # the official code's 8 blocks at 64² and 128²


def _block(channels: int, cardinality: int, dilation: int = 1) -> ResNeXtBottleneck:
    """The official code's ResNeXt bottleneck: inner width C/2, bias-free convs, LeakyReLU 0.2
    inside, no normalization, no activation after the sum."""
    return ResNeXtBottleneck(
        channels,
        channels,
        cardinality=cardinality,
        expansion=2,
        dilation=dilation,
        norm="none",
        act="lrelu",
        out_act=False,
    )


class StridedResNeXt(nn.Module):
    """The critic's downsampling variant of that bottleneck, as the official code has it: the
    grouped conv is 4×4 with stride 2 and the shortcut a 2×2 average pool (no projection)."""

    def __init__(self, channels: int, cardinality: int) -> None:
        super().__init__()
        inner = channels // 2
        self.body = nn.Sequential(
            conv1x1(channels, inner),
            activation("lrelu"),
            nn.Conv2d(inner, inner, 4, stride=2, padding=1, groups=cardinality, bias=False),
            activation("lrelu"),
            conv1x1(inner, channels),
        )
        self.shortcut = nn.AvgPool2d(2)

    def forward(self, x: Tensor) -> Tensor:
        return self.shortcut(x) + self.body(x)  # (B, C, H/2, W/2)


# --------------------------------------------------------------------------- local features


@dataclass(frozen=True)
class LocalTaggerConfig:
    """Illustration2Vec's layout: the local features are the 6th conv's ReLU, 512 ch at 1/8 of
    the tagger's input (the half-size sketch)."""

    stages: tuple[tuple[int, ...], ...] = (
        (64,),
        (128,),
        (256, 256),
        (512, 512),
        (512, 512),
        (1024, 1024, 1024),
    )
    n_tags: int = 1539
    feature_layer: str = "relu4_2"

    def vgg(self) -> VGGConfig:
        # RGB input: the tagger is pre-trained on illustrations and line art alike.
        return VGGConfig(in_channels=3, stages=self.stages, n_tags=self.n_tags)


class LocalFeatures(FrozenExtractor):
    """F1 of the paper: the pre-trained tagger, frozen, run on the sketch at half size.

    Frozen because it is trained apart from the synthetic line art, which is what lets it
    generalize to real drawings. ``forward(sketch)`` maps a (B, 1, H, W) sketch in [-1, 1] to
    (B, C, H/16, W/16). ``tagger`` is the whole network (pre-train a ``VGGNet(config.vgg())``
    and load its weights there).
    """

    def __init__(self, config: LocalTaggerConfig) -> None:
        super().__init__()
        self.config = config
        self.tagger = VGGNet(config.vgg())
        self.out_channels = self.tagger.channels_at(config.feature_layer)
        self.freeze()

    def forward(self, sketch: Tensor) -> Tensor:
        half = nn.functional.avg_pool2d(sketch, 2)  # (B, 1, H/2, W/2)
        rgb = half.expand(-1, 3, -1, -1)  # (B, 3, H/2, W/2)
        (features,) = self.tagger.features(rgb, [self.config.feature_layer])
        return features  # (B, 512, H/16, W/16)


# --------------------------------------------------------------------------- generator


@dataclass(frozen=True)
class AlacGeneratorConfig:
    """Widths are multiples of ``ngf``: encoder ngf/2 … 8·ngf, decoder stages 8·ngf … ngf.

    ``stage_dilations`` lists, per decoder stage (H/16, H/8, H/4, H/2), one dilation per ResNeXt
    block; ``stage_cardinality`` the groups of that stage's blocks.
    """

    ngf: int = 64
    local_channels: int = 512
    hint_channels: int = 4
    stage_dilations: tuple[tuple[int, ...], ...] = (
        (1,) * 20,
        _DILATIONS_64,
        _DILATIONS_64,
        (1, 2, 4, 2, 1),
    )
    stage_cardinality: tuple[int, ...] = (32, 32, 32, 16)


def _decoder_stage(
    in_channels: int, width: int, dilations: tuple[int, ...], cardinality: int
) -> nn.Sequential:
    """Fuse (conv 3×3) → ResNeXt blocks → sub-pixel upsampling to C/2 at twice the size."""
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1),
        activation("lrelu"),
        *[_block(width, cardinality, d) for d in dilations],
        PixelShuffleUp(width, width // 2, act="lrelu"),
    )


class AlacGenerator(nn.Module):
    """G(X, H, F1(X)) → (B, 3, H, W) in [-1, 1].

    Sketch (B, 1, H, W), hint (B, 4, H/4, W/4), local features (B, 512, H/16, W/16); H and W
    must be multiples of 16.
    """

    def __init__(self, config: AlacGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        n = config.ngf

        def down(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 4, stride=2, padding=1), activation("lrelu"))

        self.enter = nn.Sequential(nn.Conv2d(1, n // 2, 3, padding=1), activation("lrelu"))  # H
        self.down1 = down(n // 2, n)  # H/2
        self.down2 = down(n, 2 * n)  # H/4
        self.hint = nn.Sequential(
            nn.Conv2d(config.hint_channels, n, 7, padding=3), activation("lrelu")
        )
        self.down3 = down(3 * n, 4 * n)  # H/8, after the hint joins at H/4
        self.down4 = down(4 * n, 8 * n)  # H/16

        widths = (8 * n, 4 * n, 2 * n, n)
        # Stage inputs: bottleneck + local features, then (upsampled, skip) pairs of equal width.
        inputs = (8 * n + config.local_channels, 8 * n, 4 * n, 2 * n)
        self.stages = nn.ModuleList(
            _decoder_stage(cin, w, d, c)
            for cin, w, d, c in zip(
                inputs, widths, config.stage_dilations, config.stage_cardinality, strict=True
            )
        )
        self.exit = nn.Conv2d(n, 3, 3, padding=1)

    def forward(self, sketch: Tensor, hint: Tensor, local_features: Tensor) -> Tensor:
        x0 = self.enter(sketch)  # (B, n/2, H, W)
        x1 = self.down1(x0)  # (B, n, H/2, W/2)
        x2 = self.down2(x1)  # (B, 2n, H/4, W/4)
        x3 = self.down3(torch.cat([x2, self.hint(hint)], 1))  # (B, 4n, H/8, W/8)
        x4 = self.down4(x3)  # (B, 8n, H/16, W/16)

        x = self.stages[0](torch.cat([x4, local_features], 1))  # (B, 4n, H/8, W/8)
        x = self.stages[1](torch.cat([x, x3], 1))  # (B, 2n, H/4, W/4)
        x = self.stages[2](torch.cat([x, x2], 1))  # (B, n, H/2, W/2)
        x = self.stages[3](torch.cat([x, x1], 1))  # (B, n/2, H, W)
        return torch.tanh(self.exit(torch.cat([x, x0], 1)))  # (B, 3, H, W)


# --------------------------------------------------------------------------- critic


@dataclass(frozen=True)
class AlacCriticConfig:
    """SRGAN-like critic: ResNeXt pairs (plain, strided) halve the image down to H/16, where the
    local features join; ``tail_downsamples`` more pairs bring it to 4×4 (3 for 512² input) and a
    4×4 valid conv to 1×1."""

    ndf: int = 64
    local_channels: int = 512
    cardinality: int = 8
    tail_downsamples: int = 3


class AlacCritic(nn.Module):
    """D(Y, F1(X)) → (B, 1) Wasserstein score; no sigmoid, no normalization.

    Side lengths must be multiples of 2**(4 + tail_downsamples) with at least 4 cells left at the
    last conv; larger or non-square inputs leave several cells there, whose scores are averaged
    (at 512² there is one: the official critic).
    """

    def __init__(self, config: AlacCriticConfig) -> None:
        super().__init__()
        self.config = config
        n, c = config.ndf, config.cardinality
        head: list[nn.Module] = [
            nn.Conv2d(3, n, 7, padding=3, bias=False),
            activation("lrelu"),  # H
            nn.Conv2d(n, n, 4, stride=2, padding=1, bias=False),
            activation("lrelu"),  # H/2
        ]
        widths = (n, 2 * n, 4 * n)
        for i, w in enumerate(widths):  # H/4, H/8, H/16
            head += [_block(w, c), StridedResNeXt(w, c)]
            if i + 1 < len(widths):
                head += [conv1x1(w, widths[i + 1]), activation("lrelu")]
        self.head = nn.Sequential(*head)

        tail: list[nn.Module] = [
            nn.Conv2d(4 * n + config.local_channels, 8 * n, 3, padding=1, bias=False),
            activation("lrelu"),
        ]
        for _ in range(config.tail_downsamples):
            tail += [_block(8 * n, c), StridedResNeXt(8 * n, c)]
        tail += [_block(8 * n, c), nn.Conv2d(8 * n, 8 * n, 4, bias=False), activation("lrelu")]
        self.tail = nn.Sequential(*tail)
        self.out = nn.Linear(8 * n, 1)

    def forward(self, color: Tensor, local_features: Tensor) -> Tensor:
        x = self.head(color)  # (B, 4n, H/16, W/16)
        x = self.tail(torch.cat([x, local_features], 1))  # (B, 8n, h, w), 1×1 for square input
        return self.out(x.mean(dim=(2, 3)))  # (B, 1)


# --------------------------------------------------------------------------- presets

PRESETS = ("paper", "small", "tiny")


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config.

    ``paper`` is the official code at 512² (Illustration2Vec's 1539 tags). ``small`` (≈4 M
    generator parameters) trains on a CPU at 128–256²: half the widths, a third of the blocks,
    a narrower tagger of our vocabulary (n_cvt + n_cit tags; ``blocks.vocabulary_sizes`` when not
    given), a critic that ends at 1×1 for 128² input (at 256² it averages 5×5). ``tiny`` is for
    tests (inputs of 64² and up). The three networks of one preset have matching widths.
    """
    n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
    n_tags = n_cvt + n_cit
    return {
        "generator": {
            "paper": AlacGeneratorConfig(),
            "small": AlacGeneratorConfig(
                ngf=32,
                local_channels=128,
                stage_dilations=((1,) * 6, (1, 2, 4, 2, 1), (1, 2, 4, 2, 1), (1, 2, 1)),
                stage_cardinality=(16, 16, 8, 8),
            ),
            "tiny": AlacGeneratorConfig(
                ngf=8,
                local_channels=16,
                stage_dilations=((1,), (1, 2), (2,), (1,)),
                stage_cardinality=(4, 4, 2, 2),
            ),
        },
        "critic": {
            "paper": AlacCriticConfig(),
            "small": AlacCriticConfig(
                ndf=16, local_channels=128, cardinality=4, tail_downsamples=1
            ),
            "tiny": AlacCriticConfig(ndf=8, local_channels=16, cardinality=2, tail_downsamples=0),
        },
        "tagger": {
            "paper": LocalTaggerConfig(),
            "small": LocalTaggerConfig(
                stages=((16,), (32,), (64, 64), (128, 128), (128,)), n_tags=n_tags
            ),
            "tiny": LocalTaggerConfig(stages=((4,), (8,), (8, 8), (16, 16)), n_tags=n_tags),
        },
    }


def paper_param_targets() -> list[tuple[str, Callable[[], nn.Module], float | None]]:
    """(label, builder, target in millions or None) of each paper-size network, counted from
    the official code. The tagger is frozen and pre-trained, so it has no target."""
    return [
        ("AlacGAN generator", lambda: AlacGenerator(AlacGeneratorConfig()), 21.94),
        ("AlacGAN critic", lambda: AlacCritic(AlacCriticConfig()), 10.61),
        (
            "AlacGAN local-features tagger (Illustration2Vec layout)",
            lambda: LocalFeatures(LocalTaggerConfig()),
            None,
        ),
    ]


def strokes_to_points(hints: Tensor) -> Tensor:
    """Ci et al.'s reduction of dense strokes to the sparse points AlacGAN trains on (§3.3):
    (B, 4, H, W) → (B, 4, H/4, W/4), each 4×4 cell's strongest-mask pixel (its color with it),
    every other cell dropped ("with an interval of 1")."""
    b, c, height, width = hints.shape
    h, w = height // 4, width // 4
    cells = (
        hints[:, :, : h * 4, : w * 4]
        .reshape(b, c, h, 4, w, 4)
        .permute(0, 1, 2, 4, 3, 5)
        .reshape(b, c, h, w, 16)
    )
    best = cells[:, 3].argmax(dim=-1)  # (B, h, w): the first strongest, as numpy's argmax
    points = cells.gather(-1, best[:, None, :, :, None].expand(b, c, h, w, 1)).squeeze(-1)
    rows = torch.arange(h, device=hints.device)[:, None]
    cols = torch.arange(w, device=hints.device)[None, :]
    return points * ((rows + cols) % 2 == 0).to(points.dtype)
