"""Building blocks shared by every network family.

Conv helpers, squeeze-and-excitation (plain, and SECat: conditioned on a tag code), the ResNeXt
bottleneck in all the variants the papers use (with or without BatchNorm, SE, a conditioning
code concatenated in front of the first conv or of every conv), the AdaIN bottleneck of Tag2Pix's
embedding comparison, pixel-shuffle upsampling, and the SE-ResNeXt-50 multi-label tagger that
Tag2Pix uses as its CIT feature extractor.

Conditioned blocks take ``forward(x, code)`` where ``code`` is a (B, D) vector (Tag2Pix's 64-d
CVT code); unconditioned blocks accept and ignore it so that one ``CondSequential`` can hold any
of them. Families add their own generic blocks at the END of this file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from colorizer_app.errors import ColorizerError

# --------------------------------------------------------------------------- small helpers

NORMS = ("batch", "none")
ACTIVATIONS = ("relu", "lrelu", "none")


def activation(kind: str) -> nn.Module:
    """``relu``, ``lrelu`` (slope 0.2, as in every paper here) or ``none``."""
    if kind == "relu":
        return nn.ReLU()
    if kind == "lrelu":
        return nn.LeakyReLU(0.2)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown activation {kind!r}; expected one of {ACTIVATIONS}")


def norm2d(kind: str, channels: int) -> nn.Module:
    """``batch`` (BatchNorm2d) or ``none`` (identity)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; expected one of {NORMS}")


def conv3x3(
    in_ch: int,
    out_ch: int,
    stride: int = 1,
    *,
    dilation: int = 1,
    groups: int = 1,
    bias: bool = True,
) -> nn.Conv2d:
    """3×3 convolution that keeps the size (or divides it by ``stride``)."""
    return nn.Conv2d(
        in_ch,
        out_ch,
        3,
        stride=stride,
        padding=dilation,
        dilation=dilation,
        groups=groups,
        bias=bias,
    )


def conv1x1(in_ch: int, out_ch: int, stride: int = 1, *, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=bias)


def broadcast_code(code: Tensor, like: Tensor) -> Tensor:
    """(B, D) code → (B, D, H, W), the spatial size of ``like``, for concatenation."""
    b, d = code.shape
    return code.view(b, d, 1, 1).expand(b, d, like.shape[2], like.shape[3])


def init_weights(module: nn.Module) -> None:
    """The initialization of the Tag2Pix code (and torchvision's ResNets).

    Kaiming-normal (fan-out, ReLU gain) for convolutions, Kaiming-normal for linear layers,
    BatchNorm scale 1, every bias 0. Use as ``net.apply(init_weights)``. On the meta device
    (shapes only) there is nothing to draw, and drawing there would import torch._dynamo, two
    seconds of every model load.
    """
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor) and weight.is_meta:
        return
    if isinstance(module, nn.Conv2d):
        nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
    elif isinstance(module, nn.Linear):
        nn.init.kaiming_normal_(module.weight)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.ones_(module.weight)
    if isinstance(module, (nn.Conv2d, nn.Linear, nn.BatchNorm2d)) and module.bias is not None:
        nn.init.zeros_(module.bias)


def count_parameters(module: nn.Module) -> int:
    """Number of parameters (works on the ``meta`` device: nothing is allocated)."""
    return sum(p.numel() for p in module.parameters())


# --------------------------------------------------------------------------- squeeze-excitation


class SqueezeExcitation(nn.Module):
    """SENet's channel re-weighting, optionally conditioned on a code (SECat, Tag2Pix §4.2).

    squeeze: GAP(x) → (B, C); SECat concatenates the (B, D) code → (B, C + D);
    excitation: FC → C/r → ReLU → FC → C → sigmoid; the result scales x channel-wise.
    ``bias``: Tag2Pix's SE layers have none; the pre-trained SE-ResNeXt's (1×1 convs) have them.
    """

    def __init__(
        self, channels: int, reduction: int = 16, *, cond_dim: int = 0, bias: bool = False
    ) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.cond_dim = cond_dim
        self.fc = nn.Sequential(
            nn.Linear(channels + cond_dim, hidden, bias=bias),
            nn.ReLU(),
            nn.Linear(hidden, channels, bias=bias),
            nn.Sigmoid(),
        )

    def forward(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        b, c = x.shape[:2]
        squeezed = x.mean(dim=(2, 3))  # (B, C)
        if self.cond_dim:
            if code is None:
                raise ValueError("this SECat layer needs a code")
            squeezed = torch.cat([squeezed, code], dim=1)  # (B, C + D)
        weights = self.fc(squeezed).view(b, c, 1, 1)  # (B, C, 1, 1)
        return x * weights


# --------------------------------------------------------------------------- ResNeXt bottleneck

CONDITIONINGS = ("none", "secat", "concat_front", "concat_all")


class ResNeXtBottleneck(nn.Module):
    """ResNeXt bottleneck: 1×1 reduce → grouped 3×3 → 1×1 expand, plus the shortcut.

    ``width = out_ch // expansion`` is the inner width (SE-ResNeXt-50 32×4d: expansion 2;
    Tag2Pix's decoder and discriminator: expansion 4). The shortcut is the identity, or a
    1×1 projection (+ norm) when the stride or channel count changes. Options:

    - ``norm``: ``batch`` or ``none``; ``act``: inner activation; ``out_act``: activation
      after the residual sum (ResNet style) or not.
    - ``se``: squeeze-and-excitation on the residual branch before the sum.
    - ``conditioning``: how a (B, D) code enters (``cond_dim`` = D; 0 means no code):
      ``secat`` — concatenated to the SE squeeze (needs ``se``; Tag2Pix's SECat block);
      ``concat_front`` — broadcast and concatenated to the input of the first conv;
      ``concat_all`` — concatenated to the input of every conv (Tag2Pix Table 3 (c), (c')).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        *,
        cardinality: int = 32,
        expansion: int = 4,
        stride: int = 1,
        dilation: int = 1,
        norm: str = "batch",
        act: str = "relu",
        out_act: bool = True,
        se: bool = False,
        se_reduction: int = 16,
        se_bias: bool = False,
        conditioning: str = "none",
        cond_dim: int = 0,
    ) -> None:
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"unknown conditioning {conditioning!r}; expected {CONDITIONINGS}")
        if conditioning == "secat" and not se:
            raise ValueError("SECat conditioning needs se=True")
        self.conditioning = conditioning if cond_dim else "none"
        width = out_ch // expansion
        front = cond_dim if self.conditioning in ("concat_front", "concat_all") else 0
        inner = cond_dim if self.conditioning == "concat_all" else 0
        self.conv1 = conv1x1(in_ch + front, width)
        self.norm1 = norm2d(norm, width)
        self.conv2 = conv3x3(
            width + inner, width, stride, dilation=dilation, groups=cardinality, bias=False
        )
        self.norm2 = norm2d(norm, width)
        self.conv3 = conv1x1(width + inner, out_ch)
        self.norm3 = norm2d(norm, out_ch)
        self.act = activation(act)
        self.out_act = activation(act) if out_act else nn.Identity()
        self.se = None
        if se:
            secat = cond_dim if self.conditioning == "secat" else 0
            self.se = SqueezeExcitation(out_ch, se_reduction, cond_dim=secat, bias=se_bias)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(conv1x1(in_ch, out_ch, stride), norm2d(norm, out_ch))

    def _concat_code(self, x: Tensor, code: Tensor | None, first: bool) -> Tensor:
        """Append the broadcast code to the input of conv1 (``first``) or of conv2 / conv3."""
        if self.conditioning == "concat_all" or (first and self.conditioning == "concat_front"):
            assert code is not None  # a concat-conditioned block always gets its code
            return torch.cat([x, broadcast_code(code, x)], dim=1)  # (B, C + D, H, W)
        return x

    def forward(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        if code is None and self.conditioning != "none":
            raise ValueError(f"this {self.conditioning} bottleneck needs a code")
        out = self.act(self.norm1(self.conv1(self._concat_code(x, code, True))))  # (B, w, H, W)
        out = self.conv2(self._concat_code(out, code, False))  # (B, w, H/s, W/s)
        out = self.act(self.norm2(out))
        out = self.norm3(self.conv3(self._concat_code(out, code, False)))  # (B, out, H/s, W/s)
        if self.se is not None:
            out = self.se(out, code)
        return self.out_act(out + self.shortcut(x))


# --------------------------------------------------------------------------- AdaIN bottleneck


class EqualLinear(nn.Module):
    """StyleGAN's equalized-learning-rate linear layer: N(0, 1) weights scaled at run time."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = math.sqrt(2.0 / in_dim)

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.linear(x, self.weight * self.scale, self.bias)


class AdaIN(nn.Module):
    """Adaptive instance norm: instance-normalize, then scale and shift by an affine map of code."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels)
        self.style = EqualLinear(cond_dim, 2 * channels)
        with torch.no_grad():  # start as the identity map: γ = 1, β = 0
            self.style.bias[:channels] = 1.0

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        gamma, beta = self.style(code)[:, :, None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        return gamma * self.norm(x) + beta


class AdaINBottleneck(nn.Module):
    """Tag2Pix Table 3 (d): the bottleneck's three convs each followed by AdaIN(code) and ReLU.

    As in the official code there is no residual shortcut and no SE.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        *,
        cardinality: int = 16,
        expansion: int = 4,
        cond_dim: int = 64,
    ) -> None:
        super().__init__()
        width = out_ch // expansion
        self.convs = nn.ModuleList(
            [
                conv1x1(in_ch, width),
                conv3x3(width, width, groups=cardinality, bias=False),
                conv1x1(width, out_ch),
            ]
        )
        self.adains = nn.ModuleList(
            [AdaIN(width, cond_dim), AdaIN(width, cond_dim), AdaIN(out_ch, cond_dim)]
        )
        self.act = nn.ReLU()

    def forward(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        if code is None:
            raise ValueError("an AdaIN block needs a code")
        for conv, adain in zip(self.convs, self.adains, strict=False):
            x = self.act(adain(conv(x), code))
        return x  # (B, out, H, W)


# --------------------------------------------------------------------------- decoder blocks

DECODER_KINDS = ("resnext", "se", "concat_front", "concat_all", "adain", "secat")
"""Tag2Pix Table 3: (a) ResNeXt, (b) SE-ResNeXt, (c) Concat front, (c') Concat all, (d) AdaIN,
(e) SECat — how the CVT code enters each decoder bottleneck."""


def decoder_kind_uses_code(kind: str) -> bool:
    """Whether that decoder block reads the CVT code (ResNeXt and SE-ResNeXt do not)."""
    return kind not in ("resnext", "se")


def decoder_bottleneck(
    kind: str,
    in_ch: int,
    out_ch: int,
    *,
    cond_dim: int,
    cardinality: int,
    norm: str = "batch",
    se_reduction: int = 16,
) -> nn.Module:
    """One decoder bottleneck (expansion 4) of the given Table-3 ``kind``."""
    if kind not in DECODER_KINDS:
        raise ValueError(f"unknown decoder block {kind!r}; expected one of {DECODER_KINDS}")
    if kind == "adain":
        return AdaINBottleneck(in_ch, out_ch, cardinality=cardinality, cond_dim=cond_dim)
    conditioning = {
        "resnext": "none",
        "se": "none",
        "concat_front": "concat_front",
        "concat_all": "concat_all",
        "secat": "secat",
    }[kind]
    return ResNeXtBottleneck(
        in_ch,
        out_ch,
        cardinality=cardinality,
        expansion=4,
        norm=norm,
        act="relu",
        se=kind != "resnext",
        se_reduction=se_reduction,
        conditioning=conditioning,
        cond_dim=cond_dim if decoder_kind_uses_code(kind) else 0,
    )


class CondSequential(nn.Sequential):
    """A Sequential whose modules all take ``(x, code)``."""

    def forward(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        for module in self:
            x = module(x, code)
        return x


class PixelShuffleStage(nn.Module):
    """Tag2Pix's decoder block: ``n_blocks`` bottlenecks to 4·out channels, then PixelShuffle(2).

    (B, in, H, W) → (B, out, 2H, 2W). The first bottleneck projects ``in`` → 4·out.
    """

    def __init__(
        self,
        kind: str,
        in_ch: int,
        out_ch: int,
        n_blocks: int,
        *,
        cond_dim: int,
        cardinality: int,
        norm: str = "batch",
        se_reduction: int = 16,
    ) -> None:
        super().__init__()
        self.blocks = CondSequential(
            *[
                decoder_bottleneck(
                    kind,
                    in_ch if i == 0 else 4 * out_ch,
                    4 * out_ch,
                    cond_dim=cond_dim,
                    cardinality=cardinality,
                    norm=norm,
                    se_reduction=se_reduction,
                )
                for i in range(n_blocks)
            ]
        )
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        return self.shuffle(self.blocks(x, code))  # (B, out, 2H, 2W)


class PixelShuffleUp(nn.Module):
    """Sub-pixel upsampling: 3×3 conv to 4·out → activation → PixelShuffle(2).

    (B, in, H, W) → (B, out, 2H, 2W). Cao et al.'s segmentation decoder level.
    """

    def __init__(self, in_ch: int, out_ch: int, act: str = "lrelu") -> None:
        super().__init__()
        self.body = nn.Sequential(conv3x3(in_ch, 4 * out_ch), activation(act), nn.PixelShuffle(2))

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


# --------------------------------------------------------------------------- SE-ResNeXt tagger


@dataclass(frozen=True)
class SEResNeXtConfig:
    """SE-ResNeXt multi-label tagger. ``paper`` is SE-ResNeXt-50 (32×4d) on 1-channel line art.

    Stage ``i`` has ``stage_blocks[i]`` SE bottlenecks with ``stage_channels[i]`` outputs and inner
    width ``stage_channels[i] // expansion`` (grouped by ``cardinality``); stages 2+ halve the
    size. ``feature_stages`` stages give Tag2Pix's CIT features (conv3_4: 512 ch at 1/8).
    """

    num_classes: int = 370
    in_channels: int = 1
    stem_channels: int = 64
    stage_channels: tuple[int, ...] = (256, 512, 1024, 2048)
    stage_blocks: tuple[int, ...] = (3, 4, 6, 3)
    cardinality: int = 32
    expansion: int = 2
    se_reduction: int = 16
    feature_stages: int = 2

    @property
    def feature_channels(self) -> int:
        return self.stage_channels[self.feature_stages - 1]

    @classmethod
    def named(cls, name: str, num_classes: int | None = None) -> SEResNeXtConfig:
        """``paper`` (370 CITs unless given), ``small`` or ``tiny`` (``num_classes`` required)."""
        if name == "paper":
            return cls(num_classes=370 if num_classes is None else num_classes)
        if num_classes is None:
            raise ValueError(f"the {name!r} tagger needs num_classes (our CIT vocabulary size)")
        if name == "small":
            return cls(
                num_classes=num_classes,
                stem_channels=32,
                stage_channels=(64, 128, 256, 512),
                stage_blocks=(2, 2, 2, 2),
                cardinality=8,
            )
        if name == "tiny":
            return cls(
                num_classes=num_classes,
                stem_channels=8,
                stage_channels=(16, 32, 32, 64),
                stage_blocks=(1, 1, 1, 1),
                cardinality=4,
            )
        raise ValueError(f"unknown SE-ResNeXt preset {name!r}; expected paper, small or tiny")


def se_resnext_stem(config: SEResNeXtConfig) -> nn.Sequential:
    """7×7/2 conv → BN → ReLU → 3×3/2 max-pool: (B, in, H, W) → (B, stem, H/4, W/4)."""
    return nn.Sequential(
        nn.Conv2d(config.in_channels, config.stem_channels, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(config.stem_channels),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
    )


def se_resnext_stage(config: SEResNeXtConfig, index: int) -> nn.Sequential:
    """Stage ``index`` of the tagger (stride 2 in its first block, except for stage 0)."""
    in_ch = config.stem_channels if index == 0 else config.stage_channels[index - 1]
    out_ch = config.stage_channels[index]
    return nn.Sequential(
        *[
            ResNeXtBottleneck(
                in_ch if i == 0 else out_ch,
                out_ch,
                cardinality=config.cardinality,
                expansion=config.expansion,
                stride=2 if (i == 0 and index > 0) else 1,
                se=True,
                se_reduction=config.se_reduction,
                se_bias=True,
            )
            for i in range(config.stage_blocks[index])
        ]
    )


class SEResNeXt(nn.Module):
    """Multi-label tagger: ``forward`` gives (B, num_classes) logits (sigmoid in the loss).

    ``features`` gives the CIT feature map after ``config.feature_stages`` stages,
    (B, feature_channels, H/8, W/8) for the paper's two stages.
    """

    def __init__(self, config: SEResNeXtConfig) -> None:
        super().__init__()
        self.config = config
        self.stem = se_resnext_stem(config)
        self.stages = nn.ModuleList(
            se_resnext_stage(config, i) for i in range(len(config.stage_blocks))
        )
        self.head = nn.Linear(config.stage_channels[-1], config.num_classes)
        self.apply(init_weights)

    def features(self, x: Tensor) -> Tensor:
        x = self.stem(x)  # (B, stem, H/4, W/4)
        for stage in self.stages[: self.config.feature_stages]:
            x = stage(x)
        return x  # (B, feature_channels, H/8, W/8)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)  # last: (B, C, H/32, W/32)
        return self.head(x.mean(dim=(2, 3)))  # (B, num_classes)


# --------------------------------------------------------------------------- vocabulary sizes


def vocabulary_sizes(n_cvt: int | None = None, n_cit: int | None = None) -> tuple[int, int]:
    """(n_cvt, n_cit) for CPU-size presets: the arguments if given, else our tag vocabulary's."""
    if n_cvt is not None and n_cit is not None:
        return n_cvt, n_cit
    try:
        from colorizer_app.vocabulary import load_vocabulary
    except ImportError as exc:
        raise ColorizerError(
            "the tag vocabulary module is missing: pass n_cvt and n_cit to build this config"
        ) from exc
    vocab = load_vocabulary()
    return (len(vocab.cvt) if n_cvt is None else n_cvt, len(vocab.cit) if n_cit is None else n_cit)


# --------------------------------------------------------------------------- VGG feature nets


@dataclass(frozen=True)
class VGGConfig:
    """A VGG-style conv stack: 3×3 convs + ReLU, a 2×2 max-pool between stages.

    ``stages`` lists each stage's conv widths. ``n_tags`` > 0 adds the fully convolutional
    multi-label head of Illustration2Vec (3×3 conv to ``n_tags``, global average): the papers'
    pre-trained feature nets cannot be downloaded here, so the training package pre-trains these
    as taggers on its own data (docs/architecture.md §2).
    """

    in_channels: int = 3
    stages: tuple[tuple[int, ...], ...] = (
        (64, 64),
        (128, 128),
        (256, 256, 256, 256),
        (512, 512, 512, 512),
        (512, 512, 512, 512),
    )
    n_tags: int = 0

    @classmethod
    def vgg16(cls, n_tags: int = 0) -> VGGConfig:
        return cls(stages=((64, 64), (128, 128), (256,) * 3, (512,) * 3, (512,) * 3), n_tags=n_tags)

    @classmethod
    def vgg19(cls, n_tags: int = 0) -> VGGConfig:
        return cls(n_tags=n_tags)  # the default stages are VGG19's


class VGGNet(nn.Module):
    """VGG-style feature net whose activations are tapped by name (``"relu2_2"``, ``"conv4_4"``).

    Names follow the VGG convention: ``conv{stage}_{index}`` is the convolution output before its
    ReLU, ``relu{stage}_{index}`` after it (both 1-based). Used as a frozen feature extractor
    (hint features, local features, perceptual losses) and, with a head, as a tagger.
    ``layers`` is ordered like torchvision's ``vgg*.features`` (conv, ReLU, …, max-pool), so a
    user's torchvision VGG weights map index for index (``features.N`` → ``layers.N``).
    """

    def __init__(self, config: VGGConfig) -> None:
        super().__init__()
        self.config = config
        self.names: list[str] = []
        layers: list[nn.Module] = []
        channels = config.in_channels
        for s, widths in enumerate(config.stages, start=1):
            if s > 1:
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
                self.names.append(f"pool{s - 1}")
            for i, width in enumerate(widths, start=1):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
                self.names += [f"conv{s}_{i}", f"relu{s}_{i}"]
                channels = width
        self.layers = nn.ModuleList(layers)
        self.out_channels = channels
        self.head = nn.Conv2d(channels, config.n_tags, 3, padding=1) if config.n_tags else None

    def channels_at(self, name: str) -> int:
        """Channel count of the activation called ``name``."""
        stage, index = (int(v) for v in name[4:].split("_"))
        return self.config.stages[stage - 1][index - 1]

    def features(self, x: Tensor, names: list[str] | tuple[str, ...]) -> list[Tensor]:
        """Activations at ``names`` (in the order asked); stops after the deepest one."""
        unknown = set(names) - set(self.names)
        if unknown:
            raise ValueError(f"unknown VGG layers {sorted(unknown)}")
        wanted = set(names)
        found: dict[str, Tensor] = {}
        last = max(self.names.index(name) for name in names)
        for name, layer in zip(self.names[: last + 1], self.layers, strict=False):
            x = layer(x)
            if name in wanted:
                found[name] = x
        return [found[name] for name in names]

    def forward(self, x: Tensor) -> Tensor:
        """Tag logits (B, n_tags): the pre-training task."""
        if self.head is None:
            raise RuntimeError("this VGGNet has no tag head (n_tags=0)")
        for layer in self.layers:
            x = layer(x)
        return self.head(x).mean(dim=(2, 3))  # (B, n_tags)


class FrozenExtractor(nn.Module):
    """Base of the papers' pre-trained feature extractors, which never train with the nets that
    read them: subclasses build their layers and call ``self.freeze()``. From then on no
    parameter takes a gradient, and ``train()`` keeps every layer in inference mode (batch norms
    keep their statistics). Pre-training uses the wrapped network directly."""

    out_channels: int  # channels of the features, set by each subclass

    def freeze(self) -> None:
        self.requires_grad_(False)
        self.train(False)

    def train(self, mode: bool = True) -> FrozenExtractor:
        return super().train(False)
