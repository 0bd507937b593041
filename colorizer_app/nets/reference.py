"""Yan et al. 2023: reference-based colorization, adjustable by tag values (two-step training).

- ``ResNetTagger`` — our own ResNet-34 multi-label tagger; ``ReferenceEncoder`` freezes it and
  gives the reference latent φ(r) = its layer4 output (512 ch at H/32).
- ``YanGenerator`` — sketch encoder (5 conv blocks + a residual block), a receiving block
  (``"attention"``: spatial cross-attention, Q from the sketch, K/V from φ(r); ``"add"``: adds
  GAP(φ(r))), and a pixel-shuffle decoder with U-Net skips, self-attention in the first up-block
  and RBCA (reference-based channel attention) in the middle ones. ReLU inside, tanh out, no
  normalization.
- ``PatchDiscriminator`` — PatchGAN on sketch + color (4 channels).
- Second training (eqs. 8–13): ``MappingMLP`` φ (self-adaptive MLP: tag values → latent code),
  ``PositionWeight`` ω (M-Attention's position weight) and ``TagMapping``, which moves an anchor
  reference latent toward the tags asked: δ_b = φ(r_a) + F(r_a)·(φ(cls_t) − φ(cls_a)).

The training calls ``generator.encode`` / ``receive`` / ``decode`` separately where the paper's
losses need the receiving block's output ψ (the feature-level L1 of eq. 12); the engine reuses
``encode`` when only the reference or the tags change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

if TYPE_CHECKING:
    from colorizer_app.vocabulary import Vocabulary

from colorizer_app.nets.blocks import (
    FrozenExtractor,
    PixelShuffleUp,
    conv1x1,
    conv3x3,
    init_weights,
    vocabulary_sizes,
)

# --------------------------------------------------------------------------- ResNet-34 tagger


@dataclass(frozen=True)
class ResNetTaggerConfig:
    """ResNet with basic blocks; the defaults are ResNet-34 with the paper's 6000 tags."""

    in_channels: int = 3
    stem: int = 64
    widths: tuple[int, ...] = (64, 128, 256, 512)
    layers: tuple[int, ...] = (3, 4, 6, 3)
    n_tags: int = 6000


class _BasicBlock(nn.Module):
    """ResNet basic block (two 3×3 conv + BN), projection shortcut when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv3x3(cin, cout, stride, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
            conv3x3(cout, cout, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))

    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNetTagger(nn.Module):
    """Multi-label tagger: ``forward`` gives tag logits, ``features`` the layer4 activations."""

    def __init__(self, config: ResNetTaggerConfig) -> None:
        super().__init__()
        self.config = config
        self.stem = nn.Sequential(
            nn.Conv2d(config.in_channels, config.stem, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(config.stem),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        stages = []
        cin = config.stem
        for i, (width, depth) in enumerate(zip(config.widths, config.layers, strict=True)):
            blocks = [_BasicBlock(cin, width, 1 if i == 0 else 2)]
            blocks += [_BasicBlock(width, width, 1) for _ in range(depth - 1)]
            stages.append(nn.Sequential(*blocks))
            cin = width
        self.stages = nn.Sequential(*stages)
        self.out_channels = cin
        self.fc = nn.Linear(cin, config.n_tags)
        self.apply(init_weights)

    def features(self, image: Tensor) -> Tensor:
        return self.stages(self.stem(image))  # (B, 512, H/32, W/32), ≥ 0 (ends in ReLU)

    def forward(self, image: Tensor) -> Tensor:
        return self.fc(self.features(image).mean(dim=(2, 3)))  # (B, n_tags) logits


class ReferenceEncoder(FrozenExtractor):
    """φ: the pre-trained tagger, frozen. Trained with the generator, it would let the generator
    undo the reference's deformation instead of reading the sketch (paper §3.4). Pre-train a
    ``ResNetTagger`` and load its weights into ``tagger``."""

    def __init__(self, config: ResNetTaggerConfig) -> None:
        super().__init__()
        self.tagger = ResNetTagger(config)
        self.out_channels = self.tagger.out_channels
        self.freeze()

    def forward(self, reference: Tensor) -> Tensor:
        """Reference latent φ(r): (B, 3, H, W) in [-1, 1] → (B, 512, H/32, W/32)."""
        return self.tagger.features(reference)

    def latent_and_tags(self, reference: Tensor) -> tuple[Tensor, Tensor]:
        """φ(r) and the tag probabilities cls (B, n_tags), in one pass (second training)."""
        latent = self.tagger.features(reference)
        return latent, torch.sigmoid(self.tagger.fc(latent.mean(dim=(2, 3))))


# --------------------------------------------------------------------------- attention


class Attention(nn.Module):
    """Single-head dot-product attention over positions, bias-free linear maps, scale dim^-½."""

    def __init__(self, dim: int, context_dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(context_dim, dim, bias=False)
        self.v = nn.Linear(context_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim, bias=False)
        self.scale = dim**-0.5

    def forward(self, x: Tensor, context: Tensor) -> Tensor:
        """x (B, C, H, W) attends to context (B, C', h, w) → (B, C, H, W)."""
        b, c, h, w = x.shape
        q = self.q(x.flatten(2).transpose(1, 2))  # (B, HW, C)
        tokens = context.flatten(2).transpose(1, 2)  # (B, hw, C')
        k, v = self.k(tokens), self.v(tokens)  # (B, hw, C)
        weights = torch.softmax(q @ k.transpose(1, 2) * self.scale, dim=-1)  # (B, HW, hw)
        return self.o(weights @ v).transpose(1, 2).reshape(b, c, h, w)


class RBCA(nn.Module):
    """Reference-based channel attention: out + out·σ(attention between GAP(out) and GAP(φ(r))).

    As in the official code, each channel of GAP(out) is a query and each channel of the
    reference a key; the softmax runs over the queries, so channels compete for the reference.
    """

    def __init__(self, dim: int, ref_dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(ref_dim, dim, bias=False)
        self.v = nn.Linear(ref_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim, bias=False)
        self.scale = dim**-0.5

    def forward(self, out: Tensor, ref_pooled: Tensor) -> Tensor:
        q = self.q(out.mean(dim=(2, 3)))  # (B, C)
        k, v = self.k(ref_pooled), self.v(ref_pooled)  # (B, C)
        weights = torch.softmax(k[:, :, None] * q[:, None, :] * self.scale, dim=-1)  # (B, C, C)
        gate = torch.sigmoid(self.o((v[:, None, :] @ weights).squeeze(1)))  # (B, C)
        return out + out * gate[:, :, None, None]


# --------------------------------------------------------------------------- generator

RECEIVING_BLOCKS = ("attention", "add")


@dataclass(frozen=True)
class YanGeneratorConfig:
    """``widths``: the 5 encoder blocks (the decoder mirrors them); ``ref_channels``: φ(r)'s width
    (a 1×1 conv adapts it when it differs from the bottleneck, as the official code does for
    ResNet-50); ``receiving``: "attention" or "add"; ``rbca``: RBCA in the middle up-blocks."""

    widths: tuple[int, ...] = (64, 128, 256, 512, 512)
    ref_channels: int = 512
    receiving: str = "attention"
    rbca: bool = True

    def __post_init__(self) -> None:
        if self.receiving not in RECEIVING_BLOCKS:
            raise ValueError(f"receiving must be one of {RECEIVING_BLOCKS}, not {self.receiving!r}")
        if len(self.widths) != 5:
            raise ValueError("widths must list the 5 encoder blocks")


@dataclass
class SketchFeatures:
    """The sketch side of the generator, reusable while the reference or the tags change."""

    skips: tuple[Tensor, ...]  # encoder outputs at H/2, H/4, H/8, H/16
    bottleneck: Tensor  # x̂: (B, C, H/32, W/32), after the residual block


def _conv_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(conv3x3(cin, cout, stride), nn.ReLU())


class _UpBlock(nn.Module):
    """Sub-pixel up-block: conv 3×3 to 4·C → ReLU → PixelShuffle(2) → [RBCA] → conv 3×3 → ReLU.

    The last block ends in 3 channels without ReLU (the generator applies tanh)."""

    def __init__(self, cin: int, cout: int, ref_dim: int | None, final: bool = False) -> None:
        super().__init__()
        self.up = PixelShuffleUp(cin, cout, act="relu")
        self.rbca = RBCA(cout, ref_dim) if ref_dim is not None else None
        self.out = conv3x3(cout, 3 if final else cout)
        self.final = final

    def forward(self, x: Tensor, ref_pooled: Tensor) -> Tensor:
        out = self.up(x)  # (B, C, 2h, 2w)
        if self.rbca is not None:
            out = self.rbca(out, ref_pooled)
        out = self.out(out)
        return out if self.final else torch.relu(out)


class YanGenerator(nn.Module):
    """G(x, φ(r)): sketch (B, 1, H, W), H and W multiples of 32 → color (B, 3, H, W) in [-1, 1]."""

    def __init__(self, config: YanGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        w1, w2, w3, w4, w5 = config.widths
        self.encoder = nn.ModuleList(
            nn.Sequential(_conv_relu(cin, cout), _conv_relu(cout, cout, stride=2))
            for cin, cout in zip((1, w1, w2, w3, w4), config.widths, strict=False)
        )
        self.residual = nn.Sequential(_conv_relu(w5, w5), conv3x3(w5, w5))
        self.ref_proj = (
            nn.Conv2d(config.ref_channels, w5, 1) if config.ref_channels != w5 else nn.Identity()
        )
        self.cross_attention = Attention(w5, w5) if config.receiving == "attention" else None
        self.receive_conv = _conv_relu(w5, w5)  # H in eq. 5

        # First up-block: sub-pixel upsampling then self-attention, no skip.
        self.up_first = PixelShuffleUp(w5, w4, act="relu")
        self.self_attention = Attention(w4, w4)
        ref_dim = w5 if config.rbca else None
        self.ups = nn.ModuleList(
            [
                _UpBlock(2 * w4, w3, ref_dim),  # H/8
                _UpBlock(2 * w3, w2, ref_dim),  # H/4
                _UpBlock(2 * w2, w1, ref_dim),  # H/2
                _UpBlock(2 * w1, w1, None, final=True),  # H
            ]
        )

    def encode(self, sketch: Tensor) -> SketchFeatures:
        skips = []
        x = sketch  # (B, 1, H, W)
        for block in self.encoder:
            x = block(x)  # halves: H/2 … H/32
            skips.append(x)
        skips.pop()  # the H/32 output feeds the residual block, not a skip
        bottleneck = torch.relu(x + self.residual(x))  # (B, C, H/32, W/32)
        return SketchFeatures(skips=tuple(skips), bottleneck=bottleneck)

    def receive(self, features: SketchFeatures, ref_latent: Tensor) -> Tensor:
        """ψ(x, r̂) of eq. 5: the bottleneck conditioned on the reference latent."""
        x_hat = features.bottleneck  # (B, C, H/32, W/32)
        ref = self.ref_proj(ref_latent)  # (B, C, h, w)
        if self.cross_attention is not None:
            x_hat = x_hat + self.cross_attention(x_hat, ref)
        else:
            x_hat = x_hat + ref.mean(dim=(2, 3), keepdim=True)
        return self.receive_conv(x_hat)

    def decode(self, features: SketchFeatures, psi: Tensor, ref_latent: Tensor) -> Tensor:
        ref_pooled = self.ref_proj(ref_latent).mean(dim=(2, 3))  # (B, C) for RBCA
        y = self.up_first(psi)  # (B, w4, H/16, W/16)
        y = y + self.self_attention(y, y)
        for up, skip in zip(self.ups, reversed(features.skips), strict=True):
            y = up(torch.cat([y, skip], 1), ref_pooled)  # doubles: H/8 … H
        return torch.tanh(y)  # (B, 3, H, W)

    def forward(self, sketch: Tensor, ref_latent: Tensor) -> Tensor:
        features = self.encode(sketch)
        return self.decode(features, self.receive(features, ref_latent), ref_latent)


# --------------------------------------------------------------------------- discriminator


@dataclass(frozen=True)
class PatchDiscriminatorConfig:
    """The official PatchGAN: 3×3 convs, LeakyReLU 0.2, no normalization; each of ``n_layers``
    pairs (conv, strided conv) halves the input and doubles the width (capped at 8·ndf)."""

    in_channels: int = 4
    ndf: int = 64
    n_layers: int = 3


class PatchDiscriminator(nn.Module):
    """D(x, y): sketch + color (B, 4, H, W) → patch logits (B, 1, H/2**n_layers, W/2**n_layers)."""

    def __init__(self, config: PatchDiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        cin = config.in_channels
        for n in range(config.n_layers):
            width = config.ndf * min(2**n, 8)
            layers += [
                nn.Conv2d(cin, width, 3, padding=1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(width, width, 3, stride=2, padding=1),
                nn.LeakyReLU(0.2),
            ]
            cin = width
        width = config.ndf * min(2**config.n_layers, 8)
        layers += [
            nn.Conv2d(cin, width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 1, 3, padding=1),
        ]
        self.model = nn.Sequential(*layers)

    def forward(self, sketch_and_color: Tensor) -> Tensor:
        return self.model(sketch_and_color)


# --------------------------------------------------------------------------- second training


@dataclass(frozen=True)
class MappingConfig:
    """φ of eq. 8: ``n_tags`` tag values → a ``width``-d code in the reference latent's space.

    ``depth`` Linear+ReLU layers; ``position_weight`` adds ω (M-Attention; off for M-Add)."""

    n_tags: int = 6000
    width: int = 512
    depth: int = 4
    position_weight: bool = True


class MappingMLP(nn.Module):
    """Self-adaptive MLP: every layer's output is kept, concatenated (depth·width) and weighted by
    one bias-free Linear, so attributes settled in early layers (hair, eyes) stay separable from
    those of deeper ones (sky, theme) (paper §3.5, Fig. 5)."""

    def __init__(self, config: MappingConfig) -> None:
        super().__init__()
        self.config = config
        dims = (config.n_tags,) + (config.width,) * config.depth
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b), nn.ReLU()) for a, b in zip(dims, dims[1:], strict=False)
        )
        self.fuse = nn.Linear(config.depth * config.width, config.width, bias=False)

    def forward(self, tags: Tensor) -> Tensor:
        """(B, n_tags) tag values (probabilities; may exceed 1) → (B, width) code."""
        outputs = []
        x = tags
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)  # (B, width)
        return self.fuse(torch.cat(outputs, 1))  # (B, width)


class PositionWeight(nn.Module):
    """ω of eq. 11: a Linear across channels at each position of the spatial part φ(r)/GAP(φ(r)),
    giving F(r), the position weight matrix that spreads a code change over the reference."""

    def __init__(self, config: MappingConfig) -> None:
        super().__init__()
        self.linear = nn.Linear(config.width, config.width)

    def forward(self, ref_latent: Tensor) -> Tensor:
        mean = ref_latent.mean(dim=(2, 3), keepdim=True)  # (B, C, 1, 1)
        present = mean > 0
        # φ ≥ 0 (ReLU), so GAP = 0 means an all-zero channel: its ratio is defined as 1.
        ratio = torch.where(present, ref_latent / torch.where(present, mean, 1.0), 1.0)
        return self.linear(ratio.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # (B, C, h, w)


class TagMapping(nn.Module):
    """M-Attention / M-Add: δ_b = φ(r_a) + F(r_a)·(φ(cls_t) − φ(cls_a)) (eq. 10), F = ω(…) or 1."""

    def __init__(self, config: MappingConfig) -> None:
        super().__init__()
        self.config = config
        self.mlp = MappingMLP(config)
        self.omega = PositionWeight(config) if config.position_weight else None

    def forward(self, ref_latent: Tensor, tags_target: Tensor, tags_anchor: Tensor) -> Tensor:
        """Anchor latent (B, C, h, w) and tag values (B, n_tags) ×2 → δ_b (B, C, h, w)."""
        shift = (self.mlp(tags_target) - self.mlp(tags_anchor))[:, :, None, None]  # (B, C, 1, 1)
        if self.omega is None:
            return ref_latent + shift
        return ref_latent + self.omega(ref_latent) * shift


# --------------------------------------------------------------------------- presets

PRESETS = ("paper", "small", "tiny")


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config.

    ``paper``: the official code (Attention receiving block; ``dataclasses.replace`` the
    generator's ``receiving``/``rbca`` for the Add model and the ablation). ``small`` (≈2.6 M
    generator parameters) trains on a CPU at 128–256²: quarter widths, a quarter-width
    ResNet-18-shaped tagger of our vocabulary (n_cvt + n_cit tags; ``blocks.vocabulary_sizes``
    when not given). ``tiny`` is for tests. The networks of one preset have matching widths.
    """
    n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
    n_tags = n_cvt + n_cit
    return {
        "generator": {
            "paper": YanGeneratorConfig(),
            "small": YanGeneratorConfig(widths=(16, 32, 64, 128, 128), ref_channels=128),
            "tiny": YanGeneratorConfig(widths=(4, 8, 8, 16, 16), ref_channels=16),
        },
        "discriminator": {
            "paper": PatchDiscriminatorConfig(),
            "small": PatchDiscriminatorConfig(ndf=32),
            "tiny": PatchDiscriminatorConfig(ndf=4, n_layers=2),
        },
        "tagger": {
            "paper": ResNetTaggerConfig(),
            "small": ResNetTaggerConfig(
                stem=16, widths=(16, 32, 64, 128), layers=(2, 2, 2, 2), n_tags=n_tags
            ),
            "tiny": ResNetTaggerConfig(
                stem=4, widths=(4, 8, 8, 16), layers=(1, 1, 1, 1), n_tags=n_tags
            ),
        },
        "mapping": {
            "paper": MappingConfig(),
            "small": MappingConfig(n_tags=n_tags, width=128),
            "tiny": MappingConfig(n_tags=n_tags, width=16, depth=2),
        },
    }


def paper_param_targets() -> list[tuple[str, Callable[[], nn.Module], float | None]]:
    """(label, builder, target in millions or None), counted from the official code."""
    return [
        (
            "Yan generator (Attention receiving block)",
            lambda: YanGenerator(YanGeneratorConfig(receiving="attention")),
            42.11,
        ),
        (
            "Yan generator (Add receiving block)",
            lambda: YanGenerator(YanGeneratorConfig(receiving="add")),
            41.06,
        ),
        ("Yan PatchGAN", lambda: PatchDiscriminator(PatchDiscriminatorConfig()), 2.33),
        ("Yan mapping MLP", lambda: MappingMLP(MappingConfig()), 4.91),
        ("Yan position weight ω", lambda: PositionWeight(MappingConfig()), 0.26),
        (
            "Yan reference encoder (ResNet-34 tagger)",
            lambda: ReferenceEncoder(ResNetTaggerConfig()),
            None,
        ),
    ]


# --------------------------------------------------------------------------- sliders


def cvt_parts(vocabulary: Vocabulary) -> Tensor:
    """(n_cvt,) index of the part each color tag describes."""
    parts: dict[str | None, int] = {part: i for i, part in enumerate(vocabulary.parts)}
    return torch.tensor([parts[tag.part] for tag in vocabulary.cvt])


def slider_tags(anchor: Tensor, requested: Tensor, part_of_cvt: Tensor) -> Tensor:
    """cls_t at inference: the anchor's tags (B, n_cvt + n_cit) with every part named by a
    requested color tag (B, n_cvt; > 0 = asked) taking the requested values instead."""
    n_cvt = requested.shape[1]
    onehot = F.one_hot(part_of_cvt.to(requested.device), int(part_of_cvt.max()) + 1)  # (n_cvt, P)
    parts_asked = (requested > 0).to(onehot.dtype) @ onehot > 0  # (B, P)
    replace = parts_asked[:, part_of_cvt]  # (B, n_cvt)
    cvt = torch.where(replace, requested, anchor[:, :n_cvt])
    return torch.cat([cvt, anchor[:, n_cvt:]], 1)
