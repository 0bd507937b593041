"""Cao, Mo & Gao (CGF 2021): explicit segmentation fusion on top of Tag2Pix.

Two fusion modes, both predicting a skeleton map (region boundaries, 1 channel in [-1, 1]):

- **Direct Concatenation**: a separate U-Net (``SkeletonUNet``) predicts the skeleton map from
  the line art; the Tag2Pix generator then takes line art + skeleton as a 2-channel input
  (``direct_concat_config``), while the CIT extractor still sees the line art alone.
- **Dual-branch**: one generator (``DualBranchGenerator``) with Tag2Pix's shared encoder, a
  segmentation decoder (per level: 3×3 conv to 4·out → LReLU → PixelShuffle; head 48 → 32 → 1,
  tanh) and the color decoder, each of whose blocks also receives the segmentation decoder's
  features of that level (color block inputs 640/320/160/80 at paper size).

Interpretations: the paper uses DanbooRegion's pre-trained U-Net for the skeleton; we build that
architecture (two 3×3 conv + ReLU per level, average-pool downsampling, skips carrying the
Laplacian detail x − up(down(x)), nearest upsampling) on 1-channel line art instead of RGB, and
end it with tanh so that its output lives in [-1, 1] like every map here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from colorizer_app.nets.blocks import PixelShuffleUp, conv3x3, init_weights
from colorizer_app.nets.tag2pix import (
    PRESETS,
    ColorDecoder,
    ConditionedEncoder,
    GuideDecoder,
    Tag2PixConfig,
)

# --------------------------------------------------------------------------- skeleton U-Net


@dataclass(frozen=True)
class SkeletonUNetConfig:
    """Level ``i`` works at 1/2^i of the input with ``widths[i]`` channels.

    Inputs must be divisible by 2^(len(widths) − 1) (32 at paper size).
    """

    in_channels: int = 1
    widths: tuple[int, ...] = (16, 32, 64, 128, 256, 512)

    @classmethod
    def named(cls, name: str) -> SkeletonUNetConfig:
        if name in ("paper", "paper-512"):
            return cls()
        if name == "small":
            return cls(widths=(8, 16, 32, 64, 128))
        if name == "tiny":
            return cls(widths=(4, 8, 16))
        raise ValueError(f"unknown skeleton U-Net preset {name!r}; expected one of {PRESETS}")


def _conv_pair(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(conv3x3(in_ch, out_ch), nn.ReLU(), conv3x3(out_ch, out_ch), nn.ReLU())


class SkeletonUNet(nn.Module):
    """Line art (B, 1, H, W) → skeleton map (B, 1, H, W) in [-1, 1]; DanbooRegion's U-Net."""

    def __init__(self, config: SkeletonUNetConfig) -> None:
        super().__init__()
        self.config = config
        w = config.widths
        ins = (config.in_channels, *w[:-1])
        self.down = nn.ModuleList(_conv_pair(i, o) for i, o in zip(ins, w, strict=False))
        self.up = nn.ModuleList(
            _conv_pair(w[i + 1] + w[i], w[i]) for i in reversed(range(len(w) - 1))
        )
        self.out = nn.Sequential(conv3x3(w[0], 1), nn.Tanh())
        self.apply(init_weights)

    def forward(self, sketch: Tensor) -> Tensor:
        factor = 2 ** (len(self.config.widths) - 1)
        if sketch.shape[2] % factor or sketch.shape[3] % factor:
            raise ValueError(
                f"the skeleton U-Net needs sizes divisible by {factor}, "
                f"got {sketch.shape[2]}×{sketch.shape[3]}"
            )
        details = []
        x = self.down[0](sketch)  # (B, 16, H, W)
        for block in self.down[1:]:
            low = nn.functional.avg_pool2d(x, 2)  # (B, C, H/2, W/2)
            details.append(x - nn.functional.interpolate(low, scale_factor=2.0, mode="nearest"))
            x = block(low)
        for block in self.up:  # x: (B, 512, H/32, W/32) at paper size
            up = nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(torch.cat([up, details.pop()], dim=1))
        return self.out(x)  # (B, 1, H, W)


def direct_concat_config(base: Tag2PixConfig) -> Tag2PixConfig:
    """The Tag2Pix generator for Direct Concatenation: input = line art + skeleton map."""
    return replace(base, in_channels=2)


# --------------------------------------------------------------------------- dual branch


class SegmentationDecoder(nn.Module):
    """Decodes the shared bottleneck into a skeleton map, exposing each level's features.

    Per level: concat(previous, encoder skip) → 3×3 conv to 4·out → LReLU → PixelShuffle(2);
    head: concat(last, first encoder block) → conv 48 → 32 → LReLU → conv → 1 → tanh.
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        widths = config.decoder_widths  # 256, 128, 64, 32
        skips = tuple(reversed(config.encoder_widths[:-1]))  # 128, 64, 32, 16
        ins = [config.bottom_channels] + [
            w + s for w, s in zip(widths[:-1], skips[:-1], strict=False)
        ]
        self.levels = nn.ModuleList(PixelShuffleUp(i, o) for i, o in zip(ins, widths, strict=False))
        last = widths[-1]
        self.head = nn.Sequential(
            conv3x3(last + skips[-1], last), nn.LeakyReLU(0.2), conv3x3(last, 1), nn.Tanh()
        )

    def forward(self, bottom: Tensor, skips: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        """→ (skeleton (B, 1, H, W), features at S/8, S/4, S/2, S: 256/128/64/32 channels)."""
        x = self.levels[0](bottom)  # (B, 256, H/8, W/8)
        features = [x]
        for level, skip in zip(
            self.levels[1:], reversed(skips[1:]), strict=False
        ):  # skips at S/8, S/4, S/2
            x = level(torch.cat([x, skip], dim=1))
            features.append(x)
        skeleton = self.head(torch.cat([x, skips[0]], dim=1))  # (B, 1, H, W)
        return skeleton, features


class DualBranchGenerator(nn.Module):
    """Tag2Pix with Cao et al.'s segmentation branch fused into every color decoder block.

    Same inputs as ``Tag2PixGenerator``; returns (image (B, 3, H, W), guide (B, 3, H, W) or None,
    skeleton (B, 1, H, W)), all in [-1, 1].
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = ConditionedEncoder(config)
        self.segmentation = SegmentationDecoder(config)
        self.decoder = ColorDecoder(config, extra_channels=config.decoder_widths)
        self.guide = GuideDecoder(config) if config.use_guide else None
        self.apply(init_weights)

    def forward(
        self, sketch: Tensor, cvt: Tensor, cit_features: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None, Tensor]:
        bottom, skips, code = self.encoder(sketch, cvt, cit_features)  # (B, 576, H/16, W/16)
        skeleton, seg_features = self.segmentation(bottom, skips)
        image, first = self.decoder(bottom, skips, code, extras=seg_features)
        guide = self.guide(first) if self.guide is not None else None
        return image, guide, skeleton


# --------------------------------------------------------------------------- configs, targets


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config."""
    generators = {p: Tag2PixConfig.named(p, n_cvt, n_cit) for p in PRESETS}
    return {
        "skeleton_unet": {p: SkeletonUNetConfig.named(p) for p in ("paper", "small", "tiny")},
        "dual_branch": dict(generators),
        "direct_concat": {p: direct_concat_config(c) for p, c in generators.items()},
    }


def paper_param_targets() -> list[tuple[str, Callable[[], nn.Module], float]]:
    """(label, builder, millions of parameters in the official code); build on the meta device."""
    return [
        (
            "Cao et al. Dual-branch generator 256 px",
            lambda: DualBranchGenerator(Tag2PixConfig.named("paper")),
            23.68,
        )
    ]
