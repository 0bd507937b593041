"""Tag2Pix (Kim et al., ICCV 2019): line art + color tags → color illustration.

The generator is a U-Net: a line-art encoder down to S/16, a bottleneck that concatenates the
encoder output, the CIT features (a frozen SE-ResNeXt-50 tagger's conv3_4 map, reduced by three
3×3 convs) and a spatial embedding of the CVT vector, then four pixel-shuffle decoder stages of
SECat-ResNeXt bottlenecks that re-weight their channels with a 64-d CVT code, and a guide decoder
on the first stage's output. The discriminator is an ACGAN: real/fake plus multi-label CVT and CIT
heads. Widths, block counts and layer order follow the official code (blandocs/Tag2Pix).

Interpretations (the paper and code are silent or fixed to one size):
- The spatial CVT branch's Linear makes an (S/16)² map for the configured ``image_size`` S; at any
  other input size that map is resized bilinearly to the encoder's H/16 × W/16 grid, so the
  network runs on any size divisible by 16, including non-square ones.
- Heads return logits (sigmoid belongs to the loss); with the guide decoder off, the guide output
  is ``None`` (the official code returns the image twice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import NamedTuple

import torch
from torch import Tensor, nn

from colorizer_app.nets.blocks import (
    DECODER_KINDS,
    FrozenExtractor,
    PixelShuffleStage,
    ResNeXtBottleneck,
    SEResNeXt,
    SEResNeXtConfig,
    conv3x3,
    decoder_kind_uses_code,
    init_weights,
    norm2d,
    se_resnext_stage,
    se_resnext_stem,
    vocabulary_sizes,
)

PAPER_N_CVT = 115
PAPER_N_CIT = 370
PRESETS = ("paper", "paper-512", "small", "tiny")


def _lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(0.2)


# --------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class Tag2PixConfig:
    """The generator. Decoder stage ``i`` outputs ``encoder_widths[-1 - i]`` channels.

    ``cit_channels`` must equal the CIT extractor's ``feature_channels``. ``decoder_kind`` picks the
    Table-3 decoder block; ``use_cit`` / ``use_guide`` switch the ablated components (Supp. T. 1);
    ``code_relu`` puts ReLUs between the CVT code's Linear layers (the official default has none).
    ``in_channels`` is 2 for Cao et al.'s Direct Concatenation (line art + skeleton map).
    """

    n_cvt: int = PAPER_N_CVT
    n_cit: int = PAPER_N_CIT
    image_size: int = 256
    in_channels: int = 1
    encoder_widths: tuple[int, ...] = (16, 32, 64, 128, 256)
    cit_channels: int = 512
    cit_width: int = 256
    cvt_map_channels: int = 32
    cvt_channels: int = 64
    code_dim: int = 64
    code_relu: bool = False
    decoder_blocks: tuple[int, ...] = (12, 8, 5, 5)
    decoder_kind: str = "secat"
    cardinality: int = 16
    se_reduction: int = 16
    batch_norm: bool = True
    use_cit: bool = True
    use_guide: bool = True

    def __post_init__(self) -> None:
        if self.decoder_kind not in DECODER_KINDS:
            raise ValueError(
                f"unknown decoder_kind {self.decoder_kind!r}; expected one of {DECODER_KINDS}"
            )
        if len(self.encoder_widths) != 5 or len(self.decoder_blocks) != 4:
            raise ValueError("Tag2Pix has 5 encoder blocks and 4 decoder stages")
        if self.image_size % 16:
            raise ValueError(f"image_size must be divisible by 16, got {self.image_size}")

    @property
    def decoder_widths(self) -> tuple[int, ...]:
        """Output channels of the four decoder stages: 256/128/64/32 at paper size."""
        return tuple(reversed(self.encoder_widths[1:]))

    @property
    def norm(self) -> str:
        return "batch" if self.batch_norm else "none"

    @property
    def bottom_channels(self) -> int:
        """Bottleneck width: encoder + CIT features + CVT map (256 + 256 + 64 = 576)."""
        return self.encoder_widths[-1] + (self.cit_width if self.use_cit else 0) + self.cvt_channels

    @classmethod
    def named(cls, name: str, n_cvt: int | None = None, n_cit: int | None = None) -> Tag2PixConfig:
        """``paper`` (256 px, BN), ``paper-512`` (512 px, no BN), ``small`` (CPU), ``tiny`` (tests).

        Paper presets use Tag2Pix's 115 CVTs / 370 CITs; small and tiny use our vocabulary's
        sizes unless given.
        """
        if name == "paper":
            return cls()
        if name == "paper-512":
            return cls(image_size=512, batch_norm=False)
        n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
        tagger = SEResNeXtConfig.named(name, n_cit)
        if name == "small":
            return cls(
                n_cvt=n_cvt,
                n_cit=n_cit,
                image_size=128,
                encoder_widths=(16, 32, 64, 96, 128),
                cit_channels=tagger.feature_channels,
                cit_width=96,
                cvt_map_channels=16,
                cvt_channels=32,
                code_dim=32,
                decoder_blocks=(4, 3, 2, 2),
                cardinality=8,
            )
        if name == "tiny":
            return cls(
                n_cvt=n_cvt,
                n_cit=n_cit,
                image_size=64,
                encoder_widths=(4, 8, 8, 16, 16),
                cit_channels=tagger.feature_channels,
                cit_width=8,
                cvt_map_channels=4,
                cvt_channels=8,
                code_dim=8,
                decoder_blocks=(1, 1, 1, 1),
                cardinality=4,
                se_reduction=4,
            )
        raise ValueError(f"unknown Tag2Pix preset {name!r}; expected one of {PRESETS}")


@dataclass(frozen=True)
class Tag2PixDiscriminatorConfig:
    """ACGAN discriminator: stem, stages of SE-ResNeXt bottlenecks + stride-2 conv, GAP, heads."""

    n_cvt: int = PAPER_N_CVT
    n_cit: int = PAPER_N_CIT
    in_channels: int = 3
    stem_channels: int = 32
    stage_channels: tuple[int, ...] = (64, 128, 256, 512)
    blocks_per_stage: int = 2
    extra_blocks: int = 3
    cardinality: int = 16
    se_reduction: int = 16

    @classmethod
    def named(
        cls, name: str, n_cvt: int | None = None, n_cit: int | None = None
    ) -> Tag2PixDiscriminatorConfig:
        if name in ("paper", "paper-512"):
            return cls()
        n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
        if name == "small":
            return cls(
                n_cvt=n_cvt,
                n_cit=n_cit,
                stem_channels=16,
                stage_channels=(32, 64, 128, 256),
                blocks_per_stage=1,
                extra_blocks=1,
                cardinality=8,
            )
        if name == "tiny":
            return cls(
                n_cvt=n_cvt,
                n_cit=n_cit,
                stem_channels=8,
                stage_channels=(8, 16, 16, 32),
                blocks_per_stage=1,
                extra_blocks=1,
                cardinality=2,
                se_reduction=4,
            )
        raise ValueError(f"unknown Tag2Pix preset {name!r}; expected one of {PRESETS}")


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config."""
    n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
    return {
        "generator": {p: Tag2PixConfig.named(p, n_cvt, n_cit) for p in PRESETS},
        "discriminator": {
            p: Tag2PixDiscriminatorConfig.named(p, n_cvt, n_cit) for p in ("paper", "small", "tiny")
        },
        "tagger": {
            p: SEResNeXtConfig.named(p, None if p == "paper" else n_cit)
            for p in ("paper", "small", "tiny")
        },
    }


# --------------------------------------------------------------------------- CIT extractor


class CITExtractor(FrozenExtractor):
    """The frozen part of the SE-ResNeXt tagger that Tag2Pix uses: stem + first two stages.

    (B, 1, H, W) line art → (B, 512, H/8, W/8) at paper size. Its weights never train and its
    BatchNorms stay in eval mode (``FrozenExtractor``); ``from_tagger`` copies them from a trained
    tagger (the parameter names match ``SEResNeXt``'s).
    """

    def __init__(self, config: SEResNeXtConfig) -> None:
        super().__init__()
        self.config = config
        self.out_channels = config.feature_channels
        self.stem = se_resnext_stem(config)
        self.stages = nn.ModuleList(
            se_resnext_stage(config, i) for i in range(config.feature_stages)
        )
        self.apply(init_weights)
        self.freeze()

    @classmethod
    def from_tagger(cls, tagger: SEResNeXt) -> CITExtractor:
        extractor = cls(tagger.config)
        own = extractor.state_dict()
        extractor.load_state_dict({k: v for k, v in tagger.state_dict().items() if k in own})
        return extractor

    def forward(self, sketch: Tensor) -> Tensor:
        x = self.stem(sketch)  # (B, stem, H/4, W/4)
        for stage in self.stages:
            x = stage(x)
        return x  # (B, feature_channels, H/8, W/8)


# --------------------------------------------------------------------------- generator parts


class LineArtEncoder(nn.Module):
    """Five blocks of two 3×3 convs + LeakyReLU; all but the first halve the size.

    Returns the five outputs: (B, 16, H, W), (B, 32, H/2, W/2), … (B, 256, H/16, W/16).
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        widths = config.encoder_widths
        ins = (config.in_channels, *widths[:-1])
        self.blocks = nn.ModuleList(
            nn.Sequential(conv3x3(i, o, 1 if n == 0 else 2), _lrelu(), conv3x3(o, o), _lrelu())
            for n, (i, o) in enumerate(zip(ins, widths, strict=False))
        )

    def forward(self, sketch: Tensor) -> list[Tensor]:
        features = []
        x = sketch
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return features


class CITFeatureConv(nn.Module):
    """The three 3×3 convs after the frozen extractor: 512 → 256 (stride 2) → 256 → 256, at S/16."""

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        c, w = config.cit_channels, config.cit_width
        self.body = nn.Sequential(
            nn.Conv2d(c, w, 3, stride=2, padding=1, bias=False),
            norm2d(config.norm, w),
            nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1, bias=False),
            norm2d(config.norm, w),
            nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1, bias=False),
            nn.ReLU(),
        )

    def forward(self, features: Tensor) -> Tensor:
        return self.body(features)  # (B, 256, H/16, W/16)


class CVTEncoder(nn.Module):
    """Embeds the CVT vector twice: a spatial map for the bottleneck and a code for the decoder.

    spatial: Linear(n_cvt → (S/16)²·32), reshaped → 3×3 convs 32 → 64 → 64 → 64, tanh last.
    code: four Linear layers n_cvt → 64 → 64 → 64 → 64 (only built when the decoder reads it).
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        self.grid = config.image_size // 16
        self.map_channels = config.cvt_map_channels
        m, c = config.cvt_map_channels, config.cvt_channels
        self.to_map = nn.Linear(config.n_cvt, self.grid * self.grid * m)
        self.map_convs = nn.Sequential(
            conv3x3(m, c), _lrelu(), conv3x3(c, c), _lrelu(), conv3x3(c, c), nn.Tanh()
        )
        self.to_code = None
        if decoder_kind_uses_code(config.decoder_kind):
            d = config.code_dim
            layers: list[nn.Module] = []
            for i, n_in in enumerate((config.n_cvt, d, d, d)):
                layers.append(nn.Linear(n_in, d))
                if config.code_relu and i < 3:
                    layers.append(nn.ReLU())
            self.to_code = nn.Sequential(*layers)

    def forward(self, cvt: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor | None]:
        """cvt (B, n_cvt) → (map (B, 64, *size), code (B, 64) or None)."""
        grid = self.to_map(cvt).view(-1, self.map_channels, self.grid, self.grid)  # (B, 32, g, g)
        if grid.shape[2:] != size:
            grid = nn.functional.interpolate(grid, size=size, mode="bilinear", align_corners=False)
        code = self.to_code(cvt) if self.to_code is not None else None
        return self.map_convs(grid), code


class ConditionedEncoder(nn.Module):
    """Everything before the decoder: line art, CVT and CIT features → the U-Net bottleneck.

    ``forward(sketch, cvt, cit_features)`` → (bottom (B, 576, H/16, W/16), skips [S … S/8] of the
    line-art encoder, code (B, 64) or None).
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        self.config = config
        self.lineart = LineArtEncoder(config)
        self.cvt = CVTEncoder(config)
        self.cit = CITFeatureConv(config) if config.use_cit else None

    def forward(
        self, sketch: Tensor, cvt: Tensor, cit_features: Tensor | None
    ) -> tuple[Tensor, list[Tensor], Tensor | None]:
        h, w = sketch.shape[2:]
        if h % 16 or w % 16:
            raise ValueError(f"Tag2Pix needs sizes divisible by 16, got {h}×{w}")
        *skips, deepest = self.lineart(sketch)  # deepest: (B, 256, H/16, W/16)
        cvt_map, code = self.cvt(cvt, deepest.shape[2:])  # (B, 64, H/16, W/16), (B, 64)
        parts = [deepest]
        if self.cit is not None:
            if cit_features is None:
                raise ValueError("this Tag2Pix generator uses CIT features; pass cit_features")
            parts.append(self.cit(cit_features))  # (B, 256, H/16, W/16)
        parts.append(cvt_map)
        return torch.cat(parts, dim=1), skips, code  # bottom: (B, 576, H/16, W/16)


class ColorDecoder(nn.Module):
    """Four pixel-shuffle stages with U-Net skips, then conv 48 → 32 → LReLU → conv → 3 → tanh.

    ``extra_channels`` (four ints) widens the inputs of stages 2–4 and of the head for features
    concatenated from elsewhere (Cao et al.'s segmentation branch: 256, 128, 64, 32).
    ``forward`` returns (image (B, 3, H, W), first stage output (B, 256, H/8, W/8)).
    """

    def __init__(
        self, config: Tag2PixConfig, extra_channels: tuple[int, ...] = (0, 0, 0, 0)
    ) -> None:
        super().__init__()
        widths = config.decoder_widths  # 256, 128, 64, 32
        skips = tuple(reversed(config.encoder_widths[:-1]))  # 128, 64, 32, 16
        ins = [config.bottom_channels]
        ins += [
            w + s + e for w, s, e in zip(widths, skips, extra_channels, strict=False)
        ]  # 384, 192, 96, 48
        cond_dim = config.code_dim if decoder_kind_uses_code(config.decoder_kind) else 0
        self.stages = nn.ModuleList(
            PixelShuffleStage(
                config.decoder_kind,
                i,
                o,
                n,
                cond_dim=cond_dim,
                cardinality=config.cardinality,
                norm=config.norm,
                se_reduction=config.se_reduction,
            )
            for i, o, n in zip(ins, widths, config.decoder_blocks, strict=False)
        )
        last = widths[-1]
        self.head = nn.Sequential(conv3x3(ins[-1], last), _lrelu(), conv3x3(last, 3), nn.Tanh())

    def forward(
        self,
        bottom: Tensor,
        skips: list[Tensor],
        code: Tensor | None,
        extras: list[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """skips: encoder outputs at S, S/2, S/4, S/8; extras: one per stage 2–4 and head."""
        first = self.stages[0](bottom, code)  # (B, 256, H/8, W/8)
        skips = skips[::-1]  # S/8, S/4, S/2, S
        stage_extras: Sequence[Tensor | None] = extras or [None] * len(skips)
        x = first
        for stage, skip, extra in zip(self.stages[1:], skips, stage_extras, strict=False):
            x = stage(_concat(x, extra, skip), code)  # (B, 128, H/4, W/4), … (B, 32, H, W)
        image = self.head(_concat(x, stage_extras[-1], skips[-1]))  # (B, 3, H, W)
        return image, first


def _concat(*maps: Tensor | None) -> Tensor:
    """Channel concatenation of the maps that are present."""
    return torch.cat([m for m in maps if m is not None], dim=1)


class GuideDecoder(nn.Module):
    """Transposed convs (stride 2) 256 → 128 → 64 → 32, then → 3 and tanh: S/8 → S."""

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        widths = config.decoder_widths  # 256, 128, 64, 32
        layers: list[nn.Module] = []
        for i, o in zip(widths[:-1], widths[1:], strict=False):
            layers += [nn.ConvTranspose2d(i, o, 3, stride=2, padding=1, output_padding=1), _lrelu()]
        layers += [nn.ConvTranspose2d(widths[-1], 3, 3, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)  # (B, 3, H, W)


class Tag2PixGenerator(nn.Module):
    """G(line art, CVT, CIT features) → (image, guide image).

    sketch (B, in_channels, H, W) in [-1, 1] (H, W divisible by 16); cvt (B, n_cvt) tag values;
    cit_features (B, 512, H/8, W/8) from ``CITExtractor`` on the line art, or None when
    ``use_cit`` is off. Returns two (B, 3, H, W) images in [-1, 1]; the guide is None when
    ``use_guide`` is off. The frozen extractor is not part of the generator.
    """

    def __init__(self, config: Tag2PixConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = ConditionedEncoder(config)
        self.decoder = ColorDecoder(config)
        self.guide = GuideDecoder(config) if config.use_guide else None
        self.apply(init_weights)

    def forward(
        self, sketch: Tensor, cvt: Tensor, cit_features: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        bottom, skips, code = self.encoder(sketch, cvt, cit_features)
        image, first = self.decoder(bottom, skips, code)
        guide = self.guide(first) if self.guide is not None else None
        return image, guide


# --------------------------------------------------------------------------- discriminator


class DiscriminatorOutput(NamedTuple):
    """Logits of the three ACGAN heads (sigmoid belongs to the loss)."""

    adv: Tensor  # (B, 1) real / fake
    cvt: Tensor  # (B, n_cvt)
    cit: Tensor  # (B, n_cit)


class Tag2PixDiscriminator(nn.Module):
    """ACGAN discriminator: (B, 3, H, W) image → real/fake, CVT and CIT logits.

    conv 3 → 32, conv 32 → 32 stride 2 (no padding, as in the code); four stages of SE-ResNeXt
    bottlenecks + stride-2 3×3 conv + LReLU (64/128/256/512); three more bottlenecks; GAP; heads.
    """

    def __init__(self, config: Tag2PixDiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        s = config.stem_channels
        layers: list[nn.Module] = [
            conv3x3(config.in_channels, s),
            _lrelu(),
            nn.Conv2d(s, s, 3, stride=2),
            _lrelu(),
        ]
        in_ch = s
        for out_ch in config.stage_channels:
            for i in range(config.blocks_per_stage):
                layers.append(self._bottleneck(in_ch if i == 0 else out_ch, out_ch))
            layers += [conv3x3(out_ch, out_ch, 2), _lrelu()]
            in_ch = out_ch
        layers += [self._bottleneck(in_ch, in_ch) for _ in range(config.extra_blocks)]
        self.body = nn.Sequential(*layers)
        self.adv = nn.Linear(in_ch, 1)
        self.cvt = nn.Linear(in_ch, config.n_cvt)
        self.cit = nn.Linear(in_ch, config.n_cit)
        self.apply(init_weights)

    def _bottleneck(self, in_ch: int, out_ch: int) -> ResNeXtBottleneck:
        return ResNeXtBottleneck(
            in_ch,
            out_ch,
            cardinality=self.config.cardinality,
            expansion=4,
            se=True,
            se_reduction=self.config.se_reduction,
        )

    def forward(self, image: Tensor) -> DiscriminatorOutput:
        pooled = self.body(image).mean(dim=(2, 3))  # (B, 512)
        return DiscriminatorOutput(self.adv(pooled), self.cvt(pooled), self.cit(pooled))


# --------------------------------------------------------------------------- parameter targets

TABLE3_TARGETS = {
    "resnext": 13.85,
    "se": 15.71,
    "concat_front": 16.03,
    "concat_all": 17.37,
    "adain": 16.51,
    "secat": 15.81,
}


def paper_param_targets() -> list[tuple[str, Callable[[], nn.Module], float]]:
    """(label, builder, millions of parameters in the paper / official code) for each paper net.

    Build on the meta device (``with torch.device("meta"): builder()``) to count for free.
    """
    paper = Tag2PixConfig.named("paper")
    targets: list[tuple[str, Callable[[], nn.Module], float]] = [
        ("Tag2Pix generator 256 px, BN", lambda: Tag2PixGenerator(paper), 15.81),
        (
            "Tag2Pix generator 512 px, no BN",
            lambda: Tag2PixGenerator(Tag2PixConfig.named("paper-512")),
            18.60,
        ),
        (
            "Tag2Pix discriminator",
            lambda: Tag2PixDiscriminator(Tag2PixDiscriminatorConfig.named("paper")),
            4.52,
        ),
        (
            "SE-ResNeXt-50 CIT tagger (whole)",
            lambda: SEResNeXt(SEResNeXtConfig.named("paper")),
            26.26,
        ),
        (
            "SE-ResNeXt-50 CIT extractor (part used)",
            lambda: CITExtractor(SEResNeXtConfig.named("paper")),
            1.56,
        ),
    ]
    for kind, millions in TABLE3_TARGETS.items():
        config = replace(paper, decoder_kind=kind)
        targets.append(
            (
                f"Tag2Pix Table 3 generator: {kind}",
                partial(Tag2PixGenerator, config),
                millions,
            )
        )
    return targets
