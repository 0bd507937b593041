"""The app's own generator: line art plus ANY subset of strokes, tag values and a reference.

A U-Net with a skip at every level, built from the papers' pieces:

- sketch encoder (``encode_sketch``, cacheable): two 3×3 convs per level, LeakyReLU 0.2, no
  normalization (Ci et al., Yan et al.), level 0 at full or (``stem_stride`` 2) half resolution,
  each further level halves; with a half-resolution stem a light full-resolution head corrects
  the upsampled colours from the sketch and the hints;
- hint stream: the 4-channel hint map (RGB·mask, mask) concatenated with the sketch at its first
  conv, at level 0's resolution (a single mid-encoder injection of ¼-resolution points barely
  learns), then one strided conv per level, so every decoder level sees the hints at its own
  resolution.
  A light stream of its own rather than the encoder's input, so that while the user paints, the
  cached line-art encoding is reused;
- tags: an MLP turns the CVT values (0–5) into a code that is broadcast into the bottleneck (the
  spatial CVT code of Tag2Pix, broadcast instead of a fixed-size map so any input size works) and
  conditions an SECat gate in every residual block (Tag2Pix §4.2);
- reference: features of a frozen ResNet tagger (Yan et al.'s reference encoder) reach the
  bottleneck through the Attention receiving block and the decoder levels through RBCA;
- optionally Cao et al.'s dual branch: a segmentation decoder predicts the skeleton map from the
  sketch encoding, and its features join every colour-decoder level's input. It depends on the
  line art only, so it runs in ``encode_sketch`` and is cached with it.

Absent inputs are masked, never guessed as zeros: each of tags and reference has a per-sample
presence flag; an absent tag vector is replaced by a learned "no tags" code, the reference's
attention and RBCA outputs are multiplied by its flag and a learned "no reference" vector is added
instead. Hints carry their own per-pixel presence (the mask channel; colours where it is 0 are
ignored). So the output never depends on the tensor of an absent input.

Tensors: sketch (B, 1, H, W) in [-1, 1] (1 = paper); hints (B, 4, H, W) as the rasterizer gives
them (RGB·mask and mask, in [0, 1]); cvt (B, n_cvt) tag values; reference (B, 3, H', W') in
[-1, 1] of any size ≥ 32; presence flags (B,) bool or 0/1 float. H and W must be multiples of
``size_multiple``. Output (B, 3, H, W) in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from colorizer_app.nets import lab
from colorizer_app.nets.blocks import (
    PixelShuffleUp,
    SqueezeExcitation,
    broadcast_code,
    conv1x1,
    conv3x3,
    init_weights,
    vocabulary_sizes,
)
from colorizer_app.nets.reference import (
    RBCA,
    Attention,
    ReferenceEncoder,
    ResNetTaggerConfig,
)

PRESETS = ("base", "small", "tiny")


@dataclass(frozen=True)
class UnifiedConfig:
    """``widths``: sketch encoder/decoder width per level, full resolution first (the last is the
    bottleneck, at 1/2**(levels-1)); ``hint_widths``: the hint stream's, same length.
    ``n_cvt`` = 0 disables tags; ``reference`` = None disables the reference input.
    ``segmentation``: Cao et al.'s dual-branch skeleton head; its widths are half the encoder's.
    ``refine_from``: the first decoder level (0 = full resolution) with a residual block and RBCA;
    the levels above it are one fusing conv each (they cost a CPU the most and mostly place
    colours against the lines).
    ``part_classes`` > 0 (needs ``segmentation``) adds our training-only head that names each
    pixel's part from the same branch one level down (``part_logits``).
    ``part_prior`` (needs ``part_classes``): the output starts from a per-part colour prior, see
    ``UnifiedGenerator.part_prior``.
    ``stem_stride`` 2 runs level 0 at half resolution and ends in a light full-resolution head
    (the upsampled colours plus a correction from the sketch and the hints): a quarter of the
    cost, and the engine restores the drawing's edges from its regions anyway.
    ``region_hints`` (needs ``part_prior``): the hint map arrives flooded over the regions the
    strokes touch (``FlatFill.hint_map``) and the prior takes the hint's colour wherever there is
    one, so each stroked region starts from its stroke's colour.
    ``stroke_coverage`` (needs ``region_hints``): where a tag or the reference speaks for a part,
    its stroke colour weighs by the share of the part its flooded strokes cover rather than by
    their pixel count, see ``part_prior``.
    ``palette_parts`` (with ``part_prior``): the part of each CVT tag, in vocabulary order; with
    it a part's prior colour depends on that part's own tags only, as a tag means
    (docs/architecture.md §3). Empty: a dense map, which learned spurious weights from other parts'
    tags (up to 7.6 onto the eye whites and 3.2 onto the mouth, which have no tags of their own)."""

    n_cvt: int
    widths: tuple[int, ...] = (32, 48, 96, 128, 128)
    hint_widths: tuple[int, ...] = (16, 16, 32, 32, 32)
    mid_blocks: int = 2
    tag_dim: int = 64
    tag_layers: int = 4
    se_reduction: int = 8
    reference: ResNetTaggerConfig | None = None
    segmentation: bool = False
    part_classes: int = 0
    part_prior: bool = False
    refine_from: int = 1
    stem_stride: int = 1
    region_hints: bool = False
    stroke_coverage: bool = False
    palette_parts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.stem_stride not in (1, 2):
            raise ValueError("stem_stride must be 1 (full resolution) or 2 (half)")
        if self.region_hints and not self.part_prior:
            raise ValueError("region_hints needs part_prior")
        if self.stroke_coverage and not self.region_hints:
            raise ValueError("stroke_coverage needs region_hints")
        if self.palette_parts and not (
            self.part_prior
            and len(self.palette_parts) == self.n_cvt
            and all(0 <= p < self.part_classes for p in self.palette_parts)
        ):
            raise ValueError("palette_parts needs part_prior and one part index per CVT tag")
        if self.part_classes and not self.segmentation:
            raise ValueError("part_classes needs the segmentation branch (segmentation=True)")
        if self.part_prior and not (self.part_classes and self.n_cvt):
            raise ValueError("part_prior needs part_classes and tags (n_cvt > 0)")
        if len(self.widths) < 2 or len(self.widths) != len(self.hint_widths):
            raise ValueError("widths and hint_widths must list the same levels (at least 2)")
        if not 1 <= self.refine_from < len(self.widths):
            raise ValueError("refine_from must name a decoder level below full resolution")
        if self.n_cvt < 0 or self.mid_blocks < 0 or self.tag_layers < 1:
            raise ValueError("n_cvt and mid_blocks must be ≥ 0 and tag_layers ≥ 1")

    @classmethod
    def named(cls, name: str, n_cvt: int | None = None, n_cit: int | None = None) -> UnifiedConfig:
        """A preset sized for our tag vocabulary (``resources/tags.json`` unless given)."""
        generators = configs(n_cvt, n_cit)["generator"]
        if name not in generators:
            raise ValueError(f"unknown unified preset {name!r}; expected one of {PRESETS}")
        return generators[name]  # type: ignore[return-value]


def configs(n_cvt: int | None = None, n_cit: int | None = None) -> dict[str, dict[str, object]]:
    """Every named config of this family: network → preset → config.

    The reference encoders have the shape of ``reference.configs()``' taggers (n_cvt + n_cit
    tags, ``blocks.vocabulary_sizes`` when not given), so a tagger pre-trained for Yan et al.
    loads into them. ``small`` (≈4.5 M trainable parameters + the 0.7 M frozen tagger) trains on
    2 CPU cores at 256²: a U-Net with a skip at every level whose first level already works at
    half resolution (``stem_stride`` 2), with a light full-resolution head, and thin upper
    levels (8 sketch + 8 hint channels at half size, 16 at a quarter, no residual block above
    an eighth): on a CPU, thin large convolutions cost time out of proportion to their
    parameters, and the engine restores full-resolution edges from the regions anyway.
    ``base`` (≈28 M trainable) is for a GPU; ``tiny`` for tests.
    """
    n_cvt, n_cit = vocabulary_sizes(n_cvt, n_cit)
    n_tags = n_cvt + n_cit
    return {
        "generator": {
            "base": UnifiedConfig(
                n_cvt=n_cvt,
                widths=(64, 96, 192, 256, 384),
                hint_widths=(32, 32, 64, 64, 96),
                mid_blocks=3,
                tag_dim=128,
                se_reduction=16,
                segmentation=True,
                reference=ResNetTaggerConfig(
                    stem=32, widths=(32, 64, 128, 256), layers=(2, 2, 2, 2), n_tags=n_tags
                ),
            ),
            "small": UnifiedConfig(
                n_cvt=n_cvt,
                widths=(8, 16, 64, 128, 160),
                hint_widths=(8, 8, 16, 32, 32),
                refine_from=2,
                segmentation=True,
                stem_stride=2,
                reference=ResNetTaggerConfig(
                    stem=16, widths=(16, 32, 64, 128), layers=(2, 2, 2, 2), n_tags=n_tags
                ),
            ),
            "tiny": UnifiedConfig(
                n_cvt=n_cvt,
                widths=(8, 8, 16, 16),
                hint_widths=(4, 4, 8, 8),
                mid_blocks=1,
                tag_dim=8,
                tag_layers=2,
                se_reduction=2,
                segmentation=True,
                reference=ResNetTaggerConfig(
                    stem=4, widths=(4, 8, 8, 16), layers=(1, 1, 1, 1), n_tags=n_tags
                ),
            ),
        }
    }


@dataclass
class SketchEncoding:
    """Everything that depends on the line art alone: reused while strokes, tags or the
    reference change."""

    sketch: Tensor  # (B, 1, H, W): the hint stream reads it again
    skips: tuple[Tensor, ...]  # level i: (B, widths[i], H/(stem·2**i), …); the last: the bottleneck
    segmentation: tuple[Tensor, ...]  # level i < levels-1: (B, widths[i]//2, …); empty when off
    skeleton: Tensor | None  # (B, 1, H, W) in [-1, 1], the predicted skeleton map, or None
    parts: Tensor | None = None  # (B, P, H/(2·stem), W/(2·stem)) part logits, or None


@dataclass
class RefFeatures:
    """The reference, encoded once and reused while the sketch, strokes or tags change."""

    latent: Tensor  # (B, bottleneck width, H'/32, W'/32): φ(r) projected to the bottleneck
    part_colours: Tensor | None = None  # (B, P, 3) pre-tanh mean colour of each part (part prior)
    part_share: Tensor | None = None  # (B, P) the share of the reference each part covers


# A part covering this share of the reference lends half its colour. 0.002 left an iris of a
# full-body reference (share about 0.001) two thirds the palette's default colour.
REFERENCE_SHARE = 0.0002
REFERENCE_CONFIDENCE_POWER = 2  # a reference pixel counts for its part by probability squared
DECIDING_COVERAGE = 0.25  # strokes over this share of an untagged part decide its colour


def _edge_sketch(image: Tensor) -> Tensor:
    """(B, 3, H, W) colour in [-1, 1] → (B, 1, H, W) line-art-like sketch, 1 = paper: Sobel
    edges of the luminance, inked where the step between flat colours is clear."""
    gray = 0.299 * image[:, :1] + 0.587 * image[:, 1:2] + 0.114 * image[:, 2:3]
    kx = torch.tensor(
        [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
        dtype=image.dtype,
        device=image.device,
    )
    kernels = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3)
    gradient = F.conv2d(F.pad(gray, (1, 1, 1, 1), mode="replicate"), kernels)
    magnitude = gradient.pow(2).sum(1, keepdim=True).sqrt()  # a 0.5 step between colours → 2
    return 1 - 2 * ((magnitude - 0.1) / 0.3).clamp(0, 1)


def _mix(start: Tensor, end: Tensor, weight: Tensor) -> Tensor:
    """``torch.lerp`` that also takes mixed dtypes: under bfloat16 autocast some operands come
    out of layers in bfloat16 and others from float32 arithmetic, which ``lerp`` refuses."""
    return start + (end - start) * weight


def _pre_tanh(rgb: Tensor) -> Tensor:
    """Colours in [0, 1] → the pre-tanh values the output would need, clamped short of ±1 so
    that they stay finite: the scale the part prior adds its colours on."""
    return torch.atanh(rgb.mul(2).sub(1).clamp(-0.95, 0.95))


def _conv_lrelu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(conv3x3(cin, cout, stride), nn.LeakyReLU(0.2))


def _flags(present: Tensor | None, batch: int, like: Tensor) -> Tensor:
    """Presence flags as a (B, 1) float of ``like``'s dtype; None means present for every sample."""
    if present is None:
        return torch.ones(batch, 1, dtype=like.dtype, device=like.device)
    if present.shape != (batch,):
        raise ValueError(f"presence flags must have shape ({batch},), got {tuple(present.shape)}")
    return present.to(device=like.device, dtype=like.dtype).view(batch, 1)


class _Residual(nn.Module):
    """x + SE(conv(lrelu(conv(x)))) — the SE gate is SECat when there is a tag code."""

    def __init__(self, channels: int, code_dim: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv3x3(channels, channels), nn.LeakyReLU(0.2), conv3x3(channels, channels)
        )
        self.se = SqueezeExcitation(channels, reduction, cond_dim=code_dim)

    def forward(self, x: Tensor, code: Tensor | None) -> Tensor:
        return x + self.se(self.body(x), code)


class _DecoderLevel(nn.Module):
    """Upsample the level below, fuse it with this level's sketch skip, hint features and
    (dual branch) segmentation features; below full resolution also refine with a residual
    block and apply RBCA (Yan et al. put RBCA in the middle levels). The full-resolution level
    stays one conv: it is the costliest on a CPU and only places colours against the lines."""

    def __init__(
        self,
        below: int,
        width: int,
        extra: int,
        code_dim: int,
        reduction: int,
        ref_dim: int | None,
        refine: bool,
    ) -> None:
        super().__init__()
        self.up = PixelShuffleUp(below, width)  # (B, width, 2h, 2w)
        self.fuse = _conv_lrelu(2 * width + extra, width)
        self.refine = _Residual(width, code_dim, reduction) if refine else None
        self.rbca = RBCA(width, ref_dim) if refine and ref_dim is not None else None

    def forward(
        self,
        below: Tensor,
        features: list[Tensor],
        code: Tensor | None,
        ref_pooled: Tensor | None,
        ref_flag: Tensor | None,
    ) -> Tensor:
        y = self.fuse(torch.cat([self.up(below), *features], 1))  # (B, width, 2h, 2w)
        if self.refine is not None:
            y = self.refine(y, code)
        if self.rbca is not None and ref_pooled is not None:
            assert ref_flag is not None  # ``_receive`` gives both or neither
            y = _mix(y, self.rbca(y, ref_pooled), ref_flag[:, :, None, None])
        return y


class UnifiedGenerator(nn.Module):
    """G(sketch, [hints], [tags], [reference]) → colour image (+ skeleton map, dual branch)."""

    # Buffers (``register_buffer`` in ``__init__``), None without a sparse palette.
    palette_mask: Tensor | None
    tag_parts: Tensor | None

    def __init__(self, config: UnifiedConfig) -> None:
        super().__init__()
        self.config = config
        widths, hint_widths = config.widths, config.hint_widths
        levels = len(widths)
        bottom = widths[-1]
        stem = config.stem_stride
        self.size_multiple = stem * 2 ** (levels - 1)

        # Sketch encoder: level 0 at 1/stem of the size, each further level halves it.
        self.encoder = nn.ModuleList(
            nn.Sequential(_conv_lrelu(cin, cout, stem if i == 0 else 2), _conv_lrelu(cout, cout))
            for i, (cin, cout) in enumerate(zip((1, *widths[:-1]), widths, strict=False))
        )

        # Dual branch (Cao et al.): segmentation decoder on the sketch encoding.
        seg_widths = tuple(max(1, w // 2) for w in widths[:-1])
        self.seg_ups = self.seg_fuse = self.seg_head = None
        if config.segmentation:
            self.seg_ups = nn.ModuleList(
                PixelShuffleUp(widths[-1] if i == levels - 2 else seg_widths[i + 1], seg_widths[i])
                for i in range(levels - 1)
            )
            self.seg_fuse = nn.ModuleList(
                _conv_lrelu(seg_widths[i] + widths[i], seg_widths[i]) for i in range(levels - 1)
            )
            self.seg_head = conv3x3(seg_widths[0], 1)
        # Part names per pixel: a direct signal for "where is the hair", which colour losses
        # alone teach slowly (a 30-minute run learned only an average colour).
        self.part_level = min(1, levels - 2)
        self.part_head = (
            conv1x1(seg_widths[self.part_level], config.part_classes, bias=True)
            if config.part_classes
            else None
        )

        # Hint stream: sketch + hint map (5 ch) at level 0's resolution, one conv per level.
        self.hint_stream = nn.ModuleList(
            _conv_lrelu(cin, cout, stem if i == 0 else 2)
            for i, (cin, cout) in enumerate(zip((5, *hint_widths[:-1]), hint_widths, strict=False))
        )

        # Tags: CVT values → code; a learned code stands for "no tags".
        code_dim = config.tag_dim if config.n_cvt else 0
        self.tag_mlp = self.no_tags = None
        if config.n_cvt:
            layers: list[nn.Module] = []
            for i in range(config.tag_layers):
                layers.append(nn.Linear(config.n_cvt if i == 0 else code_dim, code_dim))
                if i < config.tag_layers - 1:
                    layers.append(nn.LeakyReLU(0.2))
            self.tag_mlp = nn.Sequential(*layers)
            self.no_tags = nn.Parameter(torch.zeros(code_dim))

        # Reference: frozen tagger features → bottleneck width; receiving block; "no reference".
        self.reference_encoder = self.ref_proj = self.receive = self.no_reference = None
        if config.reference is not None:
            self.reference_encoder = ReferenceEncoder(config.reference)
            self.ref_proj = conv1x1(self.reference_encoder.out_channels, bottom, bias=True)
            self.receive = Attention(bottom, bottom)
            self.no_reference = nn.Parameter(torch.zeros(bottom))

        # Bottleneck: sketch + hints + broadcast tag code → bottom channels, then residual blocks.
        self.fuse = nn.Sequential(
            conv1x1(bottom + hint_widths[-1] + code_dim, bottom, bias=True), nn.LeakyReLU(0.2)
        )
        self.mid = nn.ModuleList(
            _Residual(bottom, code_dim, config.se_reduction) for _ in range(config.mid_blocks)
        )

        # Decoder: levels-2 … 0, each fed by the level below and this level's skips.
        seg_extra = seg_widths if config.segmentation else (0,) * (levels - 1)
        ref_dim = bottom if config.reference is not None else None
        self.decoder = nn.ModuleList(
            _DecoderLevel(
                widths[i + 1],
                widths[i],
                hint_widths[i] + seg_extra[i],
                code_dim,
                config.se_reduction,
                ref_dim,
                refine=i >= config.refine_from,
            )
            for i in range(levels - 1)
        )
        self.to_rgb = conv3x3(widths[0], 3)
        # Half-resolution stem: a full-resolution correction of the upsampled colours from the
        # upsampled features, the sketch and the hints (zero at first: a warm start from a
        # full-resolution model begins from its own colours, upsampled).
        self.full_res = None
        if stem > 1:
            self.full_res = nn.Sequential(
                _conv_lrelu(widths[0] + 5, widths[0]), conv1x1(widths[0], 3, bias=True)
            )
        # Part prior: tag values map linearly to a colour per part (pre-tanh; the bias is the
        # colour without tags), painted through the part probabilities. Linear in the values up
        # to a part's sum of 1, so two tags at ½ mix; above 1 the chroma grows (``_palette``).
        # Zero at first.
        self.palette = (
            nn.Linear(config.n_cvt, config.part_classes * 3) if config.part_prior else None
        )
        # (P·3, n_cvt): a tag's column is 1 on its own part's rows; (n_cvt,): each tag's part.
        # Neither is stored in model files. Made from Python lists, so that building on the meta
        # device runs no tensor arithmetic (its decompositions import torch._dynamo, seconds).
        self.register_buffer(
            "palette_mask",
            torch.tensor(
                [
                    [float(row // 3 == part) for part in config.palette_parts]
                    for row in range(config.part_classes * 3)
                ]
            )
            if config.palette_parts
            else None,
            persistent=False,
        )
        self.register_buffer(
            "tag_parts",
            torch.tensor(config.palette_parts, dtype=torch.long) if config.palette_parts else None,
            persistent=False,
        )

        self.apply(init_weights)  # the tagger is random until pre-trained weights are loaded
        if self.palette is not None:
            nn.init.zeros_(self.palette.weight)
            nn.init.zeros_(self.palette.bias)
        if self.full_res is not None:
            last = cast(nn.Conv2d, self.full_res[-1])  # the conv1x1 above, with a bias
            assert last.bias is not None
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
        if self.ref_proj is not None:
            # The reference enters as a no-op and grows in as training finds it useful: projected
            # unnormalized tagger features fed the attention so strongly at first that training
            # drove the output into tanh's flat ends (all white) and stalled there.
            nn.init.zeros_(self.ref_proj.weight)

    @property
    def region_hints(self) -> bool:
        """Whether callers must flood the hint map over its regions (``FlatFill.hint_map``)."""
        return self.config.region_hints

    # ------------------------------------------------------------------ encoders

    def encode_sketch(self, sketch: Tensor) -> SketchEncoding:
        """(B, 1, H, W) → the line-art encoding (and skeleton map with the dual branch)."""
        m = self.size_multiple
        if sketch.shape[1] != 1 or sketch.shape[2] % m or sketch.shape[3] % m:
            raise ValueError(
                f"sketch must be (B, 1, H, W) with H, W multiples of {m}, got {tuple(sketch.shape)}"
            )
        skips = []
        x = sketch
        for level in self.encoder:
            x = level(x)  # (B, widths[i], H/2**i, W/2**i)
            skips.append(x)
        segmentation: list[Tensor] = []
        skeleton = None
        if self.seg_ups is not None:
            assert self.seg_fuse is not None and self.seg_head is not None  # set with seg_ups
            s = skips[-1]
            for i in reversed(range(len(self.seg_ups))):
                s = self.seg_fuse[i](torch.cat([self.seg_ups[i](s), skips[i]], 1))
                segmentation.insert(0, s)  # (B, seg_widths[i], H/(stem·2**i), …)
            skeleton = self.seg_head(s)  # (B, 1, H/stem, W/stem)
            if skeleton.shape[-2:] != sketch.shape[-2:]:
                skeleton = F.interpolate(
                    skeleton, size=sketch.shape[-2:], mode="bilinear", align_corners=False
                )
            skeleton = torch.tanh(skeleton)  # (B, 1, H, W)
        parts = (
            self.part_head(segmentation[self.part_level]) if self.part_head is not None else None
        )
        return SketchEncoding(sketch, tuple(skips), tuple(segmentation), skeleton, parts)

    def encode_reference(self, reference: Tensor) -> RefFeatures:
        """(B, 3, H', W') in [-1, 1] → the reference's features at the bottleneck width."""
        if self.reference_encoder is None:
            raise ValueError("this generator takes no reference (config.reference is None)")
        assert self.ref_proj is not None  # set with reference_encoder
        latent = self.ref_proj(self.reference_encoder(reference))
        if self.palette is None:
            return RefFeatures(latent)
        return RefFeatures(latent, *self._reference_parts(reference))

    def _reference_parts(self, reference: Tensor) -> tuple[Tensor, Tensor]:
        """Each part's mean colour in the reference, found by this network's own part head on the
        reference's edges (a colour illustration's edges read like line art, the way XDoG
        training sketches do): ((B, P, 3) pre-tanh, (B, P) area shares).

        The mean is taken at full resolution, over the pixels off the edges, each weighted by its
        part probability squared: averaged at the part map's quarter size, an 8-pixel iris shared
        its cells with skin, whites and ink. Measured on 100 ``eval-v1`` samples beyond the
        scoreboard's (seed offset 2000), unified-small at 256²: reference accuracy 0.69 → 0.74,
        and 0.80 with ``REFERENCE_SHARE`` 0.002 → 0.0002 (irises 0.15 → 0.51); the PSNR with
        tags and reference together fell 20.45 → 20.01 dB, tags pushing from truer colours."""
        m = self.size_multiple
        height = max(m, round(reference.shape[-2] / m) * m)
        width = max(m, round(reference.shape[-1] / m) * m)
        image = F.interpolate(reference, size=(height, width), mode="bilinear", align_corners=False)
        sketch = _edge_sketch(image)  # (B, 1, H, W) in [-1, 1], 1 = paper
        probs = torch.softmax(self.part_logits(self.encode_sketch(sketch)), 1)  # (B, P, h, w)
        share = probs.sum((2, 3)) / (probs.shape[-2] * probs.shape[-1])  # (B, P)
        weight = F.interpolate(probs, size=(height, width), mode="bilinear", align_corners=False)
        weight = weight.pow(REFERENCE_CONFIDENCE_POWER) * (sketch > 0).to(weight.dtype)
        colours = image.add(1).div(2)  # (B, 3, H, W) in [0, 1]
        area = weight.sum((2, 3))  # (B, P)
        mean = torch.einsum("bphw,bchw->bpc", weight, colours) / area.clamp(min=1e-6)[..., None]
        return _pre_tanh(mean), share

    def part_map(self, encoding: SketchEncoding) -> Tensor | None:
        """``ColorNet.part_map``: the part head's logits, None without one."""
        return encoding.parts

    def part_logits(self, encoding: SketchEncoding) -> Tensor:
        """(B, part_classes, H/(2·stem), W/(2·stem)) logits of each pixel's part (one level up
        with only two levels), computed once with the rest of the line-art encoding."""
        if encoding.parts is None:
            raise ValueError("this generator has no part head (config.part_classes is 0)")
        return encoding.parts

    # ------------------------------------------------------------------ decoder

    def decode(
        self,
        encoding: SketchEncoding,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: RefFeatures | None = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """The colour image from a sketch encoding and whatever hints there are.

        ``cvt``/``ref_features`` None: absent for the whole batch (their flags must be None then);
        given with flags None: present for every sample. Returns ``(rgb, aux)``, rgb (B, 3, H, W)
        in [-1, 1]; aux holds ``"skeleton"`` (B, 1, H, W) with the dual branch.
        """
        sketch = encoding.sketch
        batch = sketch.shape[0]
        if (cvt is None and cvt_present is not None) or (
            ref_features is None and ref_present is not None
        ):
            raise ValueError("presence flags given for an input that is missing")
        if ref_features is not None and self.receive is None:
            raise ValueError("this generator takes no reference (config.reference is None)")

        # Hint features at every level; colours only where the mask says there is a hint.
        if hints is None:
            hints = sketch.new_zeros(batch, 4, *sketch.shape[2:])
        mask = hints[:, 3:4]
        colours = torch.where(mask > 0, hints[:, :3], 0.0)  # already RGB·mask where mask > 0
        h = torch.cat([sketch, colours, mask], 1)  # (B, 5, H, W)
        hint_features = []
        for level in self.hint_stream:
            h = level(h)  # (B, hint_widths[i], H/2**i, W/2**i)
            hint_features.append(h)

        code = self._tag_code(cvt, cvt_present, batch, sketch)  # (B, tag_dim) or None
        bottom = encoding.skips[-1]  # (B, C, h, w)
        parts = [bottom, hint_features[-1]]
        if code is not None:
            parts.append(broadcast_code(code, bottom))
        x = self.fuse(torch.cat(parts, 1))  # (B, C, h, w)

        ref_pooled = ref_flag = None
        if self.receive is not None:
            x, ref_pooled, ref_flag = self._receive(x, ref_features, ref_present, batch)
        for block in self.mid:
            x = block(x, code)

        for i in reversed(range(len(self.decoder))):
            features = [encoding.skips[i], hint_features[i]]
            if encoding.segmentation:
                features.append(encoding.segmentation[i])
            x = self.decoder[i](x, features, code, ref_pooled, ref_flag)  # (B, widths[i], …)
        logits = self.to_rgb(x)  # (B, 3, H/stem, W/stem), before tanh
        if self.full_res is not None:
            x = F.interpolate(x, size=sketch.shape[-2:], mode="bilinear", align_corners=False)
            logits = F.interpolate(
                logits, size=sketch.shape[-2:], mode="bilinear", align_corners=False
            ) + self.full_res(torch.cat([x, sketch, colours, mask], 1))  # (B, 3, H, W)
        if self.palette is not None:
            values = (
                sketch.new_zeros(batch, self.config.n_cvt)
                if cvt is None
                else cvt.to(sketch.dtype) * _flags(cvt_present, batch, sketch)
            )
            logits = logits + self.part_prior(encoding, hints, values, ref_features, ref_present)
        rgb = torch.tanh(logits)
        aux = {} if encoding.skeleton is None else {"skeleton": encoding.skeleton}
        return rgb, aux

    def part_prior(
        self,
        encoding: SketchEncoding,
        hints: Tensor,
        values: Tensor,
        ref: RefFeatures | None = None,
        ref_present: Tensor | None = None,
    ) -> Tensor:
        """(B, 3, H, W) pre-tanh colours: each part's colour painted through its probability.

        ``values`` (B, n_cvt): the tag values, zero where absent. A part's colour is the
        palette's (``_palette``), whose bias — the colour with no tags — a reference replaces
        with its own colour of that part (so tags still push from there); strokes that
        fall on the part win over both, weighted by how many stroke pixels it holds — or, with
        ``stroke_coverage`` and a tag of the part or a reference present, by the share of the part
        they cover: a flooded background holds thousands of pixels, so the faint probability of
        being hair it has everywhere counted as a full stroke on the hair and replaced the hair's
        tag (measured: the hair followed its tag in 15 % of samples with strokes on every other
        part, against 92 % with tags alone). On a part nothing else speaks for, strokes covering
        ``DECIDING_COVERAGE`` of it decide it, so that a stroke on one of a few strands colors the
        whole hair (measured on 100 ``eval-v1`` samples with the shipped weights, trained with
        coverage everywhere: hint accuracy 0.629 → 0.666, every other measure unchanged; the
        pixel weight there gave 0.688 but let a skin stroke on a real drawing's face tint its
        whole background through the faint "background" probability the face holds).
        A direct path from tags and strokes to every pixel of a part, which a U-Net otherwise
        learns only after many thousands of steps (measured: after 1000 steps of the ``small``
        model without it, the hair colour moved by 3/255 between tags).
        """
        probs = torch.softmax(self.part_logits(encoding), 1)  # (B, P, h, w)
        batch, parts = probs.shape[:2]
        palette = self._palette(values)  # (B, P, 3)
        spoken = self._tagged_parts(values, parts)  # (B, P, 1): a tag or the reference speaks
        if ref is not None and ref.part_colours is not None:
            assert ref.part_share is not None and self.palette is not None  # set with part_colours
            flag = _flags(ref_present, batch, palette)[:, :, None]  # (B, 1, 1)
            present = (ref.part_share / (ref.part_share + REFERENCE_SHARE))[..., None] * flag
            bias = self.palette.bias.view(1, parts, 3)
            palette = palette + present * (ref.part_colours - bias)
            spoken = torch.maximum(spoken, present)
        factor = hints.shape[-1] // probs.shape[-1]
        small = F.avg_pool2d(hints, factor) if factor > 1 else hints  # (B, 4, h, w)
        mask = small[:, 3:4]
        colours = small[:, :3] / mask.clamp(min=1e-3)  # un-premultiplied, in [0, 1]
        stroke_area = torch.einsum("bphw,bhw->bp", probs, mask[:, 0])  # (B, P)
        stroke_sum = torch.einsum("bphw,bchw->bpc", probs, colours * mask)  # (B, P, 3)
        stroke_colour = _pre_tanh(stroke_sum / stroke_area.clamp(min=1e-6)[..., None])
        if self.config.stroke_coverage:  # the share of the part that flooded strokes cover
            coverage = (stroke_area / probs.sum((2, 3)).clamp(min=1e-6))[..., None]
            weight = _mix((coverage / DECIDING_COVERAGE).clamp(max=1.0), coverage, spoken)
        else:
            weight = (stroke_area / (stroke_area + 1.0))[..., None]  # 1 stroke pixel → ½
        colour = _mix(palette, stroke_colour, weight)  # (B, P, 3)
        prior = torch.einsum("bphw,bpc->bchw", probs, colour)  # (B, 3, h, w)
        prior = F.interpolate(prior, scale_factor=factor, mode="bilinear", align_corners=False)
        if not self.config.region_hints:
            return prior
        mask = hints[:, 3:4]  # flooded regions: the hint's colour, on the same pre-tanh scale
        hinted = _pre_tanh(hints[:, :3] / mask.clamp(min=1e-3))
        return _mix(prior, hinted, mask)

    def _palette(self, values: Tensor) -> Tensor:
        """(B, P, 3) pre-tanh: the colour each part's tag values ask for (docs/architecture.md §3).

        Up to a sum of 1 the palette's linear map (the tags' mix, the rest from the colour
        without tags). Above it the colour of the values scaled to sum 1, its CIELAB chroma
        multiplied by the sum and brought back into the gamut, L and hue kept: the linear map
        extrapolated instead, and a slider at 2 made black and dark skin darker rather than
        more vivid (measured: on 60 held-out ``eval-v1`` samples with the shipped weights, at
        value 2 within ΔE 15 of the target in 53 % of cases, mean ΔE 16.2; with this rule, the
        weights unchanged, 95 % and 6.6; values 0.5 and 1 unchanged). With a dense palette
        (every tag speaks for every part) a part has no sum of its own, and the map stays linear.
        """
        assert self.palette is not None  # only models with a part prior have a palette
        batch, parts = values.shape[0], self.config.part_classes
        if self.palette_mask is None:
            return F.linear(values, self.palette.weight, self.palette.bias).view(batch, parts, 3)
        weight = self.palette.weight * self.palette_mask
        own = self.palette_mask.view(parts, 3, -1)[:, 0]  # (P, n_cvt)
        total = values.clamp(min=0) @ own.T  # (B, P): each part's sum of tag values
        scale = total.clamp(min=1)
        linear = F.linear(values, weight, self.palette.bias).view(batch, parts, 3)
        unit = F.linear(values / scale[:, self.tag_parts], weight, self.palette.bias)
        rgb = (torch.tanh(unit.view(batch, parts, 3).float()) + 1) / 2  # CIELAB in float32
        vivid = _pre_tanh(lab.scale_chroma(rgb, scale.float())).to(linear.dtype)
        return torch.where((total > 1)[..., None], vivid, linear)

    def _tagged_parts(self, values: Tensor, parts: int) -> Tensor:
        """(B, P, 1) 1 where a part has a tag value of its own (with a dense palette, any tag
        speaks for every part), else 0."""
        if self.palette_mask is None:
            return (values.abs().sum(1) > 0).to(values.dtype)[:, None, None].expand(-1, parts, 1)
        own = self.palette_mask.view(parts, 3, -1)[:, 0]  # (P, n_cvt)
        return (values.abs() @ own.T > 0).to(values.dtype)[..., None]

    def _tag_code(
        self, cvt: Tensor | None, present: Tensor | None, batch: int, like: Tensor
    ) -> Tensor | None:
        """The tag code, or the learned "no tags" code for samples without tags."""
        if self.tag_mlp is None:
            if cvt is not None:
                raise ValueError("this generator takes no tags (config.n_cvt is 0)")
            return None
        assert self.no_tags is not None  # set with tag_mlp
        absent = self.no_tags.to(like.dtype).expand(batch, -1)  # (B, D)
        if cvt is None:
            return absent
        flag = _flags(present, batch, like)  # (B, 1)
        return _mix(absent, self.tag_mlp(cvt.to(like.dtype)), flag)

    def _receive(
        self, x: Tensor, ref: RefFeatures | None, present: Tensor | None, batch: int
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """Attention receiving block, masked per sample; returns x, GAP(reference), flags."""
        assert self.receive is not None and self.no_reference is not None  # models with a reference
        if ref is None:
            return x + self.no_reference[None, :, None, None], None, None
        flag = _flags(present, batch, x)  # (B, 1)
        received = x + self.receive(x, ref.latent)  # (B, C, h, w)
        x = _mix(x + self.no_reference[None, :, None, None], received, flag[:, :, None, None])
        return x, ref.latent.mean(dim=(2, 3)), flag

    def forward(
        self,
        sketch: Tensor,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        reference: Tensor | None = None,
        ref_present: Tensor | None = None,
        *,
        with_parts: bool = False,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``decode(encode_sketch(sketch), …)`` with the reference image encoded on the way;
        ``with_parts`` adds the part logits to aux as ``"parts"`` (training, through DDP's
        forward)."""
        ref_features = None if reference is None else self.encode_reference(reference)
        encoding = self.encode_sketch(sketch)
        rgb, aux = self.decode(
            encoding,
            hints=hints,
            cvt=cvt,
            cvt_present=cvt_present,
            ref_features=ref_features,
            ref_present=ref_present,
        )
        if with_parts:
            aux["parts"] = self.part_logits(encoding)
        return rgb, aux
