"""Yuan & Simo-Serra 2021: line-art colorization with Concatenation and Spatial Attention (CSA).

The paper has no official code and its figure of widths is not in our copy, so the widths below
are our choice, following the pix2pixHD generator it compares with (7×7 entry conv, stride-2 3×3
downsamplings, transposed-conv upsampling, instance norm), narrowed to keep the mid level at 512
channels:

- entry conv 7×7 (line art 1 ch + hint map 4 ch → 64), then 4 downsamplings 64 → 128 → 256 →
  512 → 512, so the mid level is 512 ch at H/16;
- 8 CSA blocks at the mid level, each: processed input = conv-norm-ReLU-conv-norm (the ResNet
  block's branch); hint features = the frozen VGG19's conv4_4 (before ReLU, 512 ch at H/8)
  → conv 3×3 stride 2 → ReLU → conv 3×3 → ReLU → conv 3×3 (256 ch at H/16); attention =
  conv 3×3 (512 + 256 → 256) → ReLU → conv 3×3 (→ 1) → sigmoid; out = x + attention·processed;
- U-Net decoder: each level concatenates the encoder output of its resolution, then a
  transposed conv 3×3 stride 2 (+ norm + ReLU) doubles the size, to 512, 256, 128 and 64
  channels; exit conv 7×7 (with the entry features concatenated) → 3, tanh.

Discriminators: three identical 70×70 PatchGANs (pix2pixHD's: 4×4 convs, 64 → 512, instance
norm, LeakyReLU 0.2) on line art + color at full, ½ and ¼ resolution; each returns every layer's
output so the training can compute the feature-matching loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from colorizer_app.nets.blocks import (
    FrozenExtractor,
    VGGConfig,
    VGGNet,
    norm2d,
    vocabulary_sizes,
)

CSA_NORMS = ("instance", "batch", "none")


def _norm(kind: str, channels: int) -> nn.Module:
    """Instance norm (pix2pixHD's choice, our default), or what ``blocks.norm2d`` offers."""
    return nn.InstanceNorm2d(channels) if kind == "instance" else norm2d(kind, channels)


# --------------------------------------------------------------------------- hint features


@dataclass(frozen=True)
class HintFeatureConfig:
    """The frozen feature net for hints: VGG19, read at ``layer`` (conv4_4, before its ReLU).

    ``vgg.n_tags`` sizes the tagging head used to pre-train it (paper: 1000, ImageNet's classes,
    its original pre-training); only the layers up to ``layer`` run when extracting features."""

    vgg: VGGConfig = field(default_factory=lambda: VGGConfig.vgg19(n_tags=1000))
    layer: str = "conv4_4"


class HintFeatures(FrozenExtractor):
    """Hint map (B, 4, H, W) → VGG features of its color channels (B, 512, H/8, W/8), frozen
    (pre-train a ``VGGNet(config.vgg)`` and load its weights into ``net``)."""

    def __init__(self, config: HintFeatureConfig) -> None:
        super().__init__()
        self.config = config
        self.net = VGGNet(config.vgg)
        self.out_channels = self.net.channels_at(config.layer)
        self.freeze()

    def forward(self, hint: Tensor) -> Tensor:
        (features,) = self.net.features(hint[:, :3], [self.config.layer])
        return features


# --------------------------------------------------------------------------- generator


@dataclass(frozen=True)
class CSAGeneratorConfig:
    """``widths``: entry conv, then the 4 downsamplings (the last is the mid level's width)."""

    in_channels: int = 5  # line art (1) + hint map (RGB × mask, mask)
    widths: tuple[int, ...] = (64, 128, 256, 512, 512)
    n_blocks: int = 8
    hint_feature_channels: int = 512
    hint_width: int = 256
    attention_width: int = 256
    norm: str = "instance"
    attention: bool = (
        True  # False: plain ResNet blocks mid-level (the paper's "w/o proposed module")
    )

    def __post_init__(self) -> None:
        if len(self.widths) != 5:
            raise ValueError("widths must list the entry conv and the 4 downsamplings")
        if self.norm not in CSA_NORMS:
            raise ValueError(f"norm must be one of {CSA_NORMS}, not {self.norm!r}")


class CSABlock(nn.Module):
    """Concatenation and Spatial Attention block (paper Fig. 1): x + σ-attention · processed(x),
    where the attention map is computed from the processed input and the hint features.
    ``attention=False`` leaves the ResNet block x + processed(x) (hint features unused)."""

    def __init__(
        self,
        channels: int,
        hint_channels: int,
        hint_width: int,
        attention_width: int,
        norm: str,
        attention: bool = True,
    ) -> None:
        super().__init__()
        self.process = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            _norm(norm, channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            _norm(norm, channels),
        )
        self.hint: nn.Module | None = None
        self.attention: nn.Module | None = None
        if not attention:
            return
        self.hint = nn.Sequential(  # H/8 → H/16
            nn.Conv2d(hint_channels, hint_width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(hint_width, hint_width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hint_width, hint_width, 3, padding=1),
        )
        self.attention = nn.Sequential(
            nn.Conv2d(channels + hint_width, attention_width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(attention_width, 1, 3, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, x: Tensor, hint_features: Tensor | None) -> Tensor:
        processed = self.process(x)  # (B, C, h, w)
        if self.attention is None:
            return x + processed
        assert self.hint is not None  # set with attention
        hint = self.hint(hint_features)  # (B, hint_width, h, w)
        attention = self.attention(torch.cat([processed, hint], 1))  # (B, 1, h, w)
        return x + attention * processed


class CSAGenerator(nn.Module):
    """G(x, h): line art (B, 1, H, W), hint map (B, 4, H, W) and its VGG features
    (B, 512, H/8, W/8; None without attention) → color (B, 3, H, W) in [-1, 1]. H and W must be
    multiples of 16."""

    def __init__(self, config: CSAGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        w = config.widths
        norm = config.norm
        self.enter = nn.Sequential(
            nn.Conv2d(config.in_channels, w[0], 7, padding=3), _norm(norm, w[0]), nn.ReLU()
        )
        self.downs = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride=2, padding=1), _norm(norm, cout), nn.ReLU()
            )
            for cin, cout in zip(w[:-1], w[1:], strict=False)
        )
        self.blocks = nn.ModuleList(
            CSABlock(
                w[-1],
                config.hint_feature_channels,
                config.hint_width,
                config.attention_width,
                norm,
                config.attention,
            )
            for _ in range(config.n_blocks)
        )
        # Level i (deepest first) sees [decoder state, encoder output] and goes to width w[i-1].
        self.ups = nn.ModuleList(
            nn.Sequential(
                nn.ConvTranspose2d(2 * w[i], w[i - 1], 3, stride=2, padding=1, output_padding=1),
                _norm(norm, w[i - 1]),
                nn.ReLU(),
            )
            for i in range(len(w) - 1, 0, -1)
        )
        self.exit = nn.Conv2d(2 * w[0], 3, 7, padding=3)

    def forward(self, sketch: Tensor, hint: Tensor, hint_features: Tensor | None) -> Tensor:
        x = self.enter(torch.cat([sketch, hint], 1))  # (B, w0, H, W)
        skips = [x]
        for down in self.downs:
            x = down(x)  # halves: H/2 … H/16
            skips.append(x)
        for block in self.blocks:
            x = block(x, hint_features)  # (B, w4, H/16, W/16)
        for up, skip in zip(self.ups, reversed(skips[1:]), strict=True):
            x = up(torch.cat([x, skip], 1))  # doubles: H/8 … H
        return torch.tanh(self.exit(torch.cat([x, skips[0]], 1)))  # (B, 3, H, W)


# --------------------------------------------------------------------------- discriminators


@dataclass(frozen=True)
class PatchGANConfig:
    """pix2pixHD's PatchGAN; ``n_layers`` = 3 gives the 70×70 receptive field."""

    in_channels: int = 4  # line art + color
    ndf: int = 64
    n_layers: int = 3
    n_scales: int = 3
    norm: str = "instance"

    def __post_init__(self) -> None:
        if self.norm not in CSA_NORMS:
            raise ValueError(f"norm must be one of {CSA_NORMS}, not {self.norm!r}")


class PatchGAN(nn.Module):
    """One PatchGAN; ``forward`` returns each layer's output, the last being the patch logits."""

    def __init__(self, config: PatchGANConfig) -> None:
        super().__init__()
        ndf, norm = config.ndf, config.norm
        layers = [
            nn.Sequential(
                nn.Conv2d(config.in_channels, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2)
            )
        ]
        cin = ndf
        for n in range(1, config.n_layers + 1):
            cout = min(ndf * 2**n, 512)
            stride = 2 if n < config.n_layers else 1
            layers.append(
                nn.Sequential(
                    nn.Conv2d(cin, cout, 4, stride=stride, padding=2),
                    _norm(norm, cout),
                    nn.LeakyReLU(0.2),
                )
            )
            cin = cout
        layers.append(nn.Sequential(nn.Conv2d(cin, 1, 4, padding=2)))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> list[Tensor]:
        outputs = []
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)
        return outputs


class MultiScalePatchGAN(nn.Module):
    """``n_scales`` identical PatchGANs on the input at full, ½, ¼ … resolution.

    ``forward(sketch_and_color)`` → one list per scale (full first) of that PatchGAN's layer
    outputs; the last of each list is its patch logits, the rest feed feature matching."""

    def __init__(self, config: PatchGANConfig) -> None:
        super().__init__()
        self.config = config
        self.scales = nn.ModuleList(PatchGAN(config) for _ in range(config.n_scales))
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, sketch_and_color: Tensor) -> list[list[Tensor]]:
        results = []
        x = sketch_and_color  # (B, 4, H, W)
        for i, discriminator in enumerate(self.scales):
            if i:
                x = self.downsample(x)  # (B, 4, H/2**i, W/2**i)
            results.append(discriminator(x))
        return results


# --------------------------------------------------------------------------- presets

PRESETS = ("paper", "small", "tiny")


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config.

    ``small`` (≈3 M generator parameters) trains on a CPU at 128–256²: quarter widths, 4 CSA
    blocks, a quarter-width VGG19 pre-trained as a tagger of our vocabulary (n_cvt + n_cit tags;
    ``blocks.vocabulary_sizes`` when not given). ``tiny`` is for tests. The networks of one
    preset have matching widths.
    """
    n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
    n_tags = n_cvt + n_cit
    return {
        "generator": {
            "paper": CSAGeneratorConfig(),
            "small": CSAGeneratorConfig(
                widths=(16, 32, 64, 128, 128),
                n_blocks=4,
                hint_feature_channels=128,
                hint_width=64,
                attention_width=64,
            ),
            "tiny": CSAGeneratorConfig(
                widths=(4, 8, 8, 16, 16),
                n_blocks=2,
                hint_feature_channels=8,
                hint_width=8,
                attention_width=8,
            ),
        },
        "discriminator": {
            "paper": PatchGANConfig(),
            "small": PatchGANConfig(ndf=16),
            "tiny": PatchGANConfig(ndf=4, n_layers=2),
        },
        "hint_features": {
            "paper": HintFeatureConfig(),
            "small": HintFeatureConfig(
                vgg=VGGConfig(
                    stages=((16, 16), (32, 32), (64,) * 4, (128,) * 4, (128,) * 4), n_tags=n_tags
                )
            ),
            "tiny": HintFeatureConfig(
                vgg=VGGConfig(stages=((4,), (4,), (8,), (8, 8)), n_tags=n_tags), layer="conv4_2"
            ),
        },
    }


def paper_param_targets() -> list[tuple[str, Callable[[], nn.Module], float | None]]:
    """(label, builder, None): the paper gives no parameter count and has no official code."""
    return [
        ("CSA generator (our widths)", lambda: CSAGenerator(CSAGeneratorConfig()), None),
        ("CSA multi-scale PatchGAN (3 scales)", lambda: MultiScalePatchGAN(PatchGANConfig()), None),
        ("CSA hint feature net (VGG19 layout)", lambda: HintFeatures(HintFeatureConfig()), None),
    ]
