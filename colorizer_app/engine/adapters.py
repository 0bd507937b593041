"""The paper models, driven through the engine's one model interface.

The pipeline runs any model through ``nets.interface.ColorNet`` (``UnifiedGenerator``'s
interface: ``size_multiple``, ``region_hints``, ``encode_sketch``, ``encode_reference`` and
``decode``). Each paper generator needs frozen companion networks beside
it and takes its inputs in its own form, so one small adapter per family wraps the generator and
its companions and replays its training recipe's ``colorize`` (inference path only; the recipes
live in ``training``, which the app never imports):

- Tag2Pix (tags): CIT features of the line art from the tagger's first stages; no tags → a zero
  CVT vector, as an untagged image is in its training data;
- AlacGAN (strokes): local features of the line art; strokes go in at 1/4 resolution through
  Ci et al.'s stroke-to-point reduction (4×4 max-pool, every other cell dropped);
- CSA (strokes): the hint map at full resolution plus its frozen features;
- Yan et al. (reference, then tags): G(x, φ(r)); with the second training's mapping, tags
  move φ(r) toward the tags asked (δ_b = mapping(φ(r), cls_t, cls_a), cls_a the encoder's tag
  probabilities on the reference). It cannot run without a reference (``Family.requires``).

A model's companions are separate model files (``registry`` verifies and loads them); ``FAMILIES``
says which roles each family takes, which of them its config cannot run without, and the hint
kinds it cannot color without. A frozen feature net is either the paper's own or the one shared
tagger (``nets.shared_tagger``), which the shipped paper models all read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import Tensor, nn

from colorizer_app.errors import ColorizerError
from colorizer_app.nets import alacgan, csa, reference, tag2pix
from colorizer_app.nets.blocks import FrozenExtractor
from colorizer_app.nets.modelfile import HINT_KINDS, LoadedModel, ModelManifest
from colorizer_app.nets.shared_tagger import (
    FEATURE_STAGE,
    LOCAL_FEATURE_STAGE,
    SHARED_TAGGER,
    TaggerFeatures,
)
from colorizer_app.vocabulary import load_vocabulary

# A builder gets the loaded generator, its loaded companions by role, and the model's name.
Builder = Callable[[LoadedModel, Mapping[str, LoadedModel], str], nn.Module]


@dataclass(frozen=True)
class Family:
    """How the engine runs one generator architecture."""

    companions: Mapping[str, tuple[str, ...]]  # role → architectures its file may have
    needs: Callable[[Any], tuple[str, ...]]  # roles the generator's config cannot lack
    requires: frozenset[str]  # hint kinds it cannot color without
    build: Builder
    adding: frozenset[str] = frozenset()  # roles whose files add hint kinds


def accepted_hints(main: ModelManifest, companions: Mapping[str, ModelManifest]) -> tuple[str, ...]:
    """What a model with these companions (by role) accepts, in ``HINT_KINDS`` order: what its
    generator accepts and what a companion in an adding role does (Yan's mapping adds tags to its
    generator's reference). A frozen feature net adds nothing, whatever its own file says (the
    shared tagger's says "reference", as Yan's reference encoder)."""
    adding = FAMILIES[main.architecture].adding if main.architecture in FAMILIES else frozenset()
    kinds = set(main.hints).union(*(c.hints for role, c in companions.items() if role in adding))
    return tuple(kind for kind in HINT_KINDS if kind in kinds)


def companion_problem(main: ModelManifest, companions: Mapping[str, ModelManifest]) -> str | None:
    """Why these companions cannot serve this generator (one line), or None when they can."""
    family = FAMILIES[main.architecture]
    for role, companion in companions.items():
        if role not in family.companions:
            takes = ", ".join(family.companions) or "none"
            return f"a {main.architecture} model has no '{role}' companion (it takes {takes})"
        if companion.architecture not in family.companions[role]:
            return (
                f"its {role} companion is a model of architecture "
                f"{companion.architecture}, not {_either(family.companions[role])}"
            )
        if (companion.cvt, companion.cit) != (main.cvt, main.cit):
            return f"its {role} companion was trained with another tag vocabulary"
    for role in family.needs(main.config):
        if role not in companions:
            return (
                f"it needs its {role} companion (a model file of architecture "
                f"{_either(family.companions[role])}), which is not there; ship it with "
                f"--companion {role}=FILE"
            )
    return None


def wrap(name: str, generator: LoadedModel, companions: Mapping[str, LoadedModel]) -> nn.Module:
    """The module the pipeline drives for this generator and its (checked) companions, on the
    CPU in eval mode. ValueError when their configs do not fit together."""
    return FAMILIES[generator.manifest.architecture].build(generator, companions, name).eval()


def _either(architectures: tuple[str, ...]) -> str:
    return " or ".join(architectures)


def _feature_net(
    companion: LoadedModel,
    paper: Callable[[Any], FrozenExtractor] | None = None,
    stage: int = FEATURE_STAGE,
) -> FrozenExtractor:
    """The frozen feature net a companion file gives: the shared tagger read at ``stage``, or
    the paper's own network (through ``paper`` where it needs cutting)."""
    # A companion's module is of an architecture its family lists (``companion_problem``).
    if companion.manifest.architecture == SHARED_TAGGER:
        return TaggerFeatures.from_tagger(cast(reference.ResNetTagger, companion.module), stage)
    if paper is None:
        return cast(FrozenExtractor, companion.module)
    return paper(companion.module)


def _fits(what: str, given: int, expected: int) -> None:
    if given != expected:
        raise ValueError(f"{what} gives {given} channels where the generator reads {expected}")


def _no_flags(*flags: Tensor | None) -> None:
    # Per-sample presence flags serve the unified model's batched training only.
    if any(flag is not None for flag in flags):
        raise ValueError("the paper models take no per-sample presence flags")


class _PaperAdapter(nn.Module):
    """What the paper adapters share as ``ColorNet``s: the hint map as rasterized (none of them
    was trained on region hints), no reference unless the family reads one, and no part map."""

    region_hints = False

    def encode_reference(self, reference: Tensor) -> Any:
        raise ValueError(f"{type(self).__name__} takes no reference")

    def part_map(self, encoding: Any) -> None:
        """None of the papers' generators names parts."""
        return None


# --------------------------------------------------------------------------- Tag2Pix


@dataclass
class _Tag2PixEncoding:
    sketch: Tensor  # (B, 1, H, W)
    cit: Tensor | None  # (B, C, H/8, W/8) CIT features, None without them


class Tag2PixAdapter(_PaperAdapter):
    """Tag2Pix's generator with its frozen CIT extractor; tags only."""

    size_multiple = 16

    def __init__(self, generator: tag2pix.Tag2PixGenerator, extractor: nn.Module | None) -> None:
        super().__init__()
        self.generator = generator
        self.extractor = extractor

    @classmethod
    def build(
        cls, generator: LoadedModel, companions: Mapping[str, LoadedModel], name: str
    ) -> Tag2PixAdapter:
        module = cast(tag2pix.Tag2PixGenerator, generator.module)
        config = module.config
        extractor = None
        if config.use_cit:
            extractor = _feature_net(companions["cit_extractor"], tag2pix.CITExtractor.from_tagger)
            _fits("the cit_extractor companion", extractor.out_channels, config.cit_channels)
        return cls(module, extractor)

    def encode_sketch(self, sketch: Tensor) -> _Tag2PixEncoding:
        """The CIT features, the costly frozen part, are computed once per line art."""
        return _Tag2PixEncoding(sketch, None if self.extractor is None else self.extractor(sketch))

    def decode(
        self,
        encoding: _Tag2PixEncoding,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: Any = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        _no_flags(cvt_present, ref_present)
        sketch = encoding.sketch
        if cvt is None:
            cvt = sketch.new_zeros(sketch.shape[0], self.generator.config.n_cvt)
        bottom, skips, code = self.generator.encoder(sketch, cvt, encoding.cit)
        rgb, _ = self.generator.decoder(bottom, skips, code)  # the guide decoder is for training
        return rgb, {}


# --------------------------------------------------------------------------- AlacGAN


@dataclass
class _SketchAndFeatures:
    sketch: Tensor  # (B, 1, H, W)
    features: Tensor | None  # frozen features of the sketch alone


class AlacGANAdapter(_PaperAdapter):
    """AlacGAN's generator with its frozen local-features network; strokes only."""

    size_multiple = 16

    def __init__(self, generator: alacgan.AlacGenerator, local_features: nn.Module | None) -> None:
        super().__init__()
        self.generator = generator
        self.local_features = local_features

    @classmethod
    def build(
        cls, generator: LoadedModel, companions: Mapping[str, LoadedModel], name: str
    ) -> AlacGANAdapter:
        module = cast(alacgan.AlacGenerator, generator.module)
        channels = module.config.local_channels
        local = None
        if channels:
            local = _feature_net(companions["local_features"], stage=LOCAL_FEATURE_STAGE)
            _fits("the local_features companion", local.out_channels, channels)
        return cls(module, local)

    def encode_sketch(self, sketch: Tensor) -> _SketchAndFeatures:
        if self.local_features is None:  # trained without them: an empty map
            h, w = sketch.shape[-2] // 16, sketch.shape[-1] // 16
            return _SketchAndFeatures(sketch, sketch.new_zeros(sketch.shape[0], 0, h, w))
        return _SketchAndFeatures(sketch, self.local_features(sketch))

    def decode(
        self,
        encoding: _SketchAndFeatures,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: Any = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        _no_flags(cvt_present, ref_present)
        sketch = encoding.sketch
        if hints is None:
            points = sketch.new_zeros(
                sketch.shape[0], 4, sketch.shape[2] // 4, sketch.shape[3] // 4
            )
        else:
            points = alacgan.strokes_to_points(hints.to(sketch.dtype))
        return self.generator(sketch, points, encoding.features), {}


# --------------------------------------------------------------------------- CSA


class CSAAdapter(_PaperAdapter):
    """Yuan & Simo-Serra's generator with the frozen net that reads the hint map; strokes only."""

    size_multiple = 16

    def __init__(self, generator: csa.CSAGenerator, hint_features: nn.Module | None) -> None:
        super().__init__()
        self.generator = generator
        self.hint_features = hint_features

    @classmethod
    def build(
        cls, generator: LoadedModel, companions: Mapping[str, LoadedModel], name: str
    ) -> CSAAdapter:
        module = cast(csa.CSAGenerator, generator.module)
        config = module.config
        features = None
        if config.attention:
            features = _feature_net(companions["hint_features"])
            _fits(
                "the hint_features companion", features.out_channels, config.hint_feature_channels
            )
        return cls(module, features)

    def encode_sketch(self, sketch: Tensor) -> Tensor:
        return sketch  # the hint map enters at the first conv: nothing to compute ahead

    def decode(
        self,
        encoding: Tensor,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: Any = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        _no_flags(cvt_present, ref_present)
        sketch = encoding
        if hints is None:
            hints = sketch.new_zeros(sketch.shape[0], 4, *sketch.shape[2:])
        hints = hints.to(sketch.dtype)
        features = None if self.hint_features is None else self.hint_features(hints)
        return self.generator(sketch, hints, features), {}


# --------------------------------------------------------------------------- Yan et al.


@dataclass
class _ReferenceLatent:
    latent: Tensor  # φ(r): (B, C, h, w)
    tags: Tensor  # cls_a: the encoder's tag probabilities (B, n_cvt + n_cit)


class YanAdapter(_PaperAdapter):
    """Yan et al.'s generator with its reference encoder and, after the second training, the
    tag mapping that makes the tags sliders on the reference."""

    size_multiple = 32
    part_of_cvt: Tensor  # a buffer (register_buffer below)

    def __init__(
        self,
        name: str,
        generator: reference.YanGenerator,
        encoder: reference.ReferenceEncoder,
        mapping: reference.TagMapping | None,
        cvt_parts: Tensor,
    ) -> None:
        super().__init__()
        self.name = name
        self.generator = generator
        self.encoder = encoder
        self.mapping = mapping
        self.register_buffer("part_of_cvt", cvt_parts, persistent=False)

    @classmethod
    def build(
        cls, generator: LoadedModel, companions: Mapping[str, LoadedModel], name: str
    ) -> YanAdapter:
        module = cast(reference.YanGenerator, generator.module)
        config = module.config
        manifest = generator.manifest
        tagger = cast(reference.ResNetTagger, companions["reference_encoder"].module)
        _fits("the reference_encoder companion", tagger.out_channels, config.ref_channels)
        n_tags = len(manifest.cvt) + len(manifest.cit)
        if tagger.config.n_tags != n_tags:
            raise ValueError(
                f"the reference_encoder companion tags {tagger.config.n_tags} tags, "
                f"not the vocabulary's {n_tags}"
            )
        encoder = reference.ReferenceEncoder(tagger.config)
        encoder.tagger.load_state_dict(tagger.state_dict())
        mapping = (
            cast(reference.TagMapping, companions["mapping"].module)
            if "mapping" in companions
            else None
        )
        if mapping is not None:
            _fits("the mapping companion", mapping.config.width, config.ref_channels)
            if mapping.config.n_tags != n_tags:
                raise ValueError(
                    f"the mapping companion reads {mapping.config.n_tags} tags, not "
                    f"the vocabulary's {n_tags}"
                )
        return cls(name, module, encoder, mapping, _cvt_parts(manifest.cvt))

    def encode_sketch(self, sketch: Tensor) -> reference.SketchFeatures:
        return self.generator.encode(sketch)

    def encode_reference(self, image: Tensor) -> _ReferenceLatent:
        return _ReferenceLatent(*self.encoder.latent_and_tags(image))

    def decode(
        self,
        encoding: reference.SketchFeatures,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: _ReferenceLatent | None = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        _no_flags(cvt_present, ref_present)
        if ref_features is None:
            raise ColorizerError(
                f"model '{self.name}' colors after a reference image; give "
                "one, or choose another model"
            )
        latent = ref_features.latent
        if self.mapping is not None and cvt is not None and bool((cvt > 0).any()):
            anchor = ref_features.tags
            latent = self.mapping(
                latent,
                reference.slider_tags(anchor, cvt.to(anchor.dtype), self.part_of_cvt),
                anchor,
            )
        psi = self.generator.receive(encoding, latent)
        return self.generator.decode(encoding, psi, latent), {}


def _cvt_parts(names: tuple[str, ...]) -> Tensor:
    """(n_cvt,) index of the part each color tag describes, by the app's vocabulary (a name it
    does not know is a part of its own: no slider of the app can name it anyway)."""
    vocabulary = load_vocabulary()
    known = {tag.name: tag.part for tag in vocabulary.cvt}
    keys = [known.get(name) or name for name in names]
    index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    return torch.tensor([index[key] for key in keys], dtype=torch.long)


# --------------------------------------------------------------------------- the families


def _unified(generator: LoadedModel, companions: Mapping[str, LoadedModel], name: str) -> nn.Module:
    return generator.module  # it is the interface


FAMILIES: dict[str, Family] = {
    "unified.generator": Family({}, lambda config: (), frozenset(), _unified),
    "tag2pix.generator": Family(
        {"cit_extractor": ("tag2pix.tagger", SHARED_TAGGER)},
        lambda config: ("cit_extractor",) if config.use_cit else (),
        frozenset(),
        Tag2PixAdapter.build,
    ),
    "alacgan.generator": Family(
        {"local_features": ("alacgan.tagger", SHARED_TAGGER)},
        lambda config: ("local_features",) if config.local_channels else (),
        frozenset(),
        AlacGANAdapter.build,
    ),
    "csa.generator": Family(
        {"hint_features": ("csa.hint_features", SHARED_TAGGER)},
        lambda config: ("hint_features",) if config.attention else (),
        frozenset(),
        CSAAdapter.build,
    ),
    "reference.generator": Family(
        {"reference_encoder": (SHARED_TAGGER,), "mapping": ("reference.mapping",)},
        lambda config: ("reference_encoder",),
        frozenset({"reference"}),
        YanAdapter.build,
        adding=frozenset({"mapping"}),
    ),
}
