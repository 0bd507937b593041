"""The synthetic character data engine: seed → Sample, with perfect ground truth
(docs/architecture.md §3).

One seed fixes everything. It is split into independent random streams — identity (shapes),
colors, pose, line art and reference — so that changing the colors (``tag_values``) re-renders the
very same character in the very same pose, and a reference is the same character in another pose.

Seeds: training uses seeds below ``TRAIN_SEED_LIMIT``, evaluation seeds at or above it
(``train_seed``/``eval_seed``), so no evaluated character was ever trained on.

Configs are named. ``"eval-v1"`` is frozen: the scoreboard's numbers are comparable only while it
stays as it is, so any change to it (or to the drawing code that changes its samples) must be
published under a new name such as ``"eval-v2"``, never as a silent edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.vocabulary import Vocabulary, load_vocabulary, target_color
from training.data.sample import Sample
from training.data.synthetic_character import (
    PARTS,
    Character,
    Drawing,
    anime_eyes,
    draw,
    sample_character,
    sample_pose,
)
from training.data.synthetic_lineart import (
    STYLES,
    LineArtAugment,
    augment,
    clean_ink,
    rough_ink,
    xdog_ink,
)
from training.data.synthetic_paint import flat, paint, sample_lighting
from training.data.warp import crop_flip, tps_warp

TRAIN_SEED_LIMIT = 10**9
MIN_SIZE, MAX_SIZE = 128, 512
# Parts that no tag colors: they keep one natural color.
FIXED_COLORS = {"eye_whites": (250, 250, 255), "mouth": (178, 62, 76)}
# Part color groups a character draws its color tags from (the bottom depends on its shape).
_COLOR_GROUPS = {
    "skin": "skin_color",
    "hair": "hair_color",
    "eyes": "eye_color",
    "top": "top_color",
    "legwear": "legwear_color",
    "footwear": "footwear_color",
    "hat": "hat_color",
    "bow": "bow_color",
    "neckwear": "neckwear_color",
    "gloves": "gloves_color",
    "background": "background_color",
}
_SKIN_WEIGHTS = {"fair_skin": 0.45, "pale_skin": 0.25, "tan": 0.12, "dark_skin": 0.1}


def train_seed(i: int) -> int:
    """The i-th training seed (0 ≤ i < TRAIN_SEED_LIMIT)."""
    if not 0 <= i < TRAIN_SEED_LIMIT:
        raise ValueError(f"training seed index {i} out of range [0, {TRAIN_SEED_LIMIT})")
    return i


def eval_seed(i: int) -> int:
    """The i-th evaluation seed: always ≥ TRAIN_SEED_LIMIT, so never a training seed."""
    if i < 0:
        raise ValueError(f"evaluation seed index {i} must be ≥ 0")
    return TRAIN_SEED_LIMIT + i


@dataclass(frozen=True)
class SyntheticConfig:
    """What the generator draws: image size, framing mix, line-art style mix, backgrounds and the
    domain augmentations of the line art."""

    size: int = 256
    full_body: float = 0.4  # share of full-body framing (rest: bust)
    styles: tuple[tuple[str, float], ...] = (("clean", 0.35), ("xdog", 0.35), ("rough", 0.3))
    backgrounds: tuple[tuple[str, float], ...] = (
        ("white", 0.35),
        ("plain", 0.4),
        ("gradient", 0.25),
    )
    augment: LineArtAugment = field(default_factory=LineArtAugment)
    reference_warp: float = 0.05  # TPS control-point displacement, share of size
    # Share of characters drawn with anime eyes (``anime_eyes``): most real line art draws
    # them; the classic small round ones stay for the rest.
    anime_eyes: float = 0.6

    def __post_init__(self) -> None:
        if not MIN_SIZE <= self.size <= MAX_SIZE:
            raise ValueError(f"size {self.size} outside {MIN_SIZE}..{MAX_SIZE}")
        unknown = {name for name, _ in self.styles} - set(STYLES)
        if unknown:
            raise ValueError(f"unknown line-art styles {sorted(unknown)}")

    @staticmethod
    def named(name: str) -> SyntheticConfig:
        try:
            return _PRESETS[name]
        except KeyError:
            raise ValueError(
                f"unknown synthetic config '{name}' (known: {sorted(_PRESETS)})"
            ) from None

    @staticmethod
    def sized(name: str, size: int) -> SyntheticConfig:
        """A preset at another image size; a user's bad name or size is a ColorizerError."""
        try:
            return replace(SyntheticConfig.named(name), size=size)
        except ValueError as error:
            raise ColorizerError(f"synthetic data: {error}") from None


_PRESETS = {
    "train": SyntheticConfig(),
    # FROZEN — the scoreboard's distribution. Every field is spelled out so that changing a
    # default above cannot change it. Never edit: add "eval-v2".
    "eval-v1": SyntheticConfig(
        size=256,
        full_body=0.4,
        styles=(("clean", 1 / 3), ("xdog", 1 / 3), ("rough", 1 / 3)),
        backgrounds=(("white", 0.35), ("plain", 0.4), ("gradient", 0.25)),
        augment=LineArtAugment(
            width_px=(0.9, 2.2),
            gaps=0.6,
            thicken=0.1,
            dropped=0.1,
            colored_lines=0.1,
            faint=0.1,
            intensity=0.2,
            paper=0.2,
            blur=0.1,
            jpeg=0.1,
        ),
        reference_warp=0.05,
        anime_eyes=0.0,
    ),
}


def _pick(rng: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [n for n, _ in weighted]
    p = np.array([w for _, w in weighted], float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _parts_of(ch: Character) -> list[str]:
    """The colored parts this character has (visible or not in a given pose)."""
    optional = {
        "legwear": ch.legwear,
        "hat": ch.hat,
        "bow": ch.bow,
        "neckwear": ch.neckwear,
        "gloves": ch.gloves,
    }
    return [
        p
        for p in (
            "background",
            "skin",
            "hair",
            "eyes",
            "top",
            "bottom",
            "legwear",
            "footwear",
            "hat",
            "bow",
            "neckwear",
            "gloves",
        )
        if optional.get(p, True)
    ]


def _color_tags(
    rng: np.random.Generator, ch: Character, vocab: Vocabulary, background: str
) -> dict[str, str]:
    """One color tag per colored part."""
    tags = {}
    for part in _parts_of(ch):
        group = f"{ch.bottom}_color" if part == "bottom" else _COLOR_GROUPS[part]
        names = [t.name for t in vocab.cvt if t.group == group]
        if part == "background" and background == "white":
            tags[part] = "white_background"
            continue
        if part == "background":
            names.remove("white_background")
        weights = np.array(
            [_SKIN_WEIGHTS.get(n, 0.06 / 3) if part == "skin" else 1.0 for n in names]
        )
        tags[part] = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return tags


def _part_values(
    tags: dict[str, str], vocab: Vocabulary, tag_values: Mapping[str, float] | None
) -> dict[str, dict[str, float]]:
    """Each part's tag values: its own tag at 1, or the requested values. A request summing to
    S < 1 keeps weight 1 − S of the character's own color (the "other" of target_color), so the
    values always describe the rendered color exactly."""
    values = {part: {name: 1.0} for part, name in tags.items()}
    requests: dict[str, dict[str, float]] = {}
    for name, value in (tag_values or {}).items():
        tag = vocab.tag(name)
        if tag.kind != "cvt":
            raise ValueError(f"'{name}' is not a color tag")
        if tag.part in values:  # a part the character does not have is ignored
            requests.setdefault(tag.part, {})[name] = float(value)
    for part, request in requests.items():
        total = sum(request.values())
        own = tags[part]
        if total < 1:
            request = dict(request)
            request[own] = request.get(own, 0.0) + (1 - total)
        values[part] = {n: v for n, v in request.items() if v > 0}
    return values


def _skeleton(regions: np.ndarray) -> np.ndarray:
    """255 on one-pixel boundaries between different regions (Cao et al.'s skeleton map)."""
    edge = np.zeros(regions.shape, bool)
    edge[:, :-1] |= regions[:, :-1] != regions[:, 1:]
    edge[:-1, :] |= regions[:-1, :] != regions[1:, :]
    return edge.astype(np.uint8) * 255


def min_tag_pixels(size: int) -> int:
    """A part smaller than this (pixels) is too small to be tagged."""
    return max(12, int(3e-4 * size * size))


def _cit_names(ch: Character, visible: set[str], framing: str, background: str) -> list[str]:
    names = {
        "short": ["short_hair"],
        "medium": ["medium_hair"],
        "long": ["long_hair"],
        "twintails": ["long_hair", "twintails"],
        "ponytail": ["long_hair", "ponytail"],
    }
    out = list(names[ch.hair_style]) + [f"{ch.bangs}_bangs"]
    out += ["ahoge"] if ch.ahoge else []
    out += ["open_mouth"] if "mouth" in visible else []
    out += ["smile"] if ch.mouth == "smile" else []
    if "top" in visible:
        out.append({"long": "long_sleeves", "short": "short_sleeves"}.get(ch.sleeves, "sleeveless"))
    out += [ch.bottom] if "bottom" in visible else []
    out += [ch.legwear] if ch.legwear and "legwear" in visible else []
    out += ["boots"] if ch.boots and "footwear" in visible else []
    out += ["hat", ch.hat] if ch.hat and "hat" in visible else []
    out += ["hair_bow"] if ch.bow and "bow" in visible else []
    out += [ch.neckwear] if ch.neckwear and "neckwear" in visible else []
    if ch.gloves and "gloves" in visible:
        out += ["gloves"] + (["elbow_gloves"] if ch.gloves == "elbow_gloves" else [])
    out.append("upper_body" if framing == "bust" else "full_body")
    out.append("gradient_background" if background == "gradient" else "simple_background")
    return out


@dataclass
class Rendering:
    """A character drawn and painted at the output size, before any line art."""

    color: np.ndarray
    regions: np.ndarray
    part_colors: dict[str, tuple[int, int, int]]
    values: dict[str, dict[str, float]]  # tag values per part
    character: Character
    framing: str
    background: str  # "white" | "plain" | "gradient"
    drawing: Drawing  # the 2× canvas the line art is drawn from

    def flat(self) -> np.ndarray:
        """Every part in its flat color, before shading: what the tags promise."""
        return flat(self.regions, self.part_colors)


_IDENTITY, _COLORS, _POSE, _LINES, _REF_POSE, _REF_WARP, _EYES = range(7)


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent random streams of one seed (identity, colors, pose, lines, reference ×2,
    eye style): a stream added last leaves the others' draws as they were."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]


def render(
    seed: int,
    config: SyntheticConfig,
    *,
    tag_values: Mapping[str, float] | None = None,
    reposed: bool = False,
    vocab: Vocabulary | None = None,
) -> Rendering:
    """Draw and paint the character of ``seed`` (in another pose when ``reposed``)."""
    vocab = vocab or load_vocabulary()
    streams = _streams(seed)
    identity, colors = streams[_IDENTITY], streams[_COLORS]
    pose_rng = streams[_REF_POSE if reposed else _POSE]
    ch = sample_character(identity)
    eyes = streams[_EYES]
    if eyes.random() < config.anime_eyes:
        ch = anime_eyes(eyes, ch)
    bg_style = _pick(colors, config.backgrounds)
    tags = _color_tags(colors, ch, vocab, bg_style)
    framing = "full" if pose_rng.random() < config.full_body else "bust"
    canvas = 2 * config.size
    pose = sample_pose(pose_rng, framing, canvas)
    light = sample_lighting(pose_rng, bg_style)
    values = _part_values(tags, vocab, tag_values)
    part_colors = {part: target_color(v, vocab) for part, v in values.items()}
    part_colors.update(FIXED_COLORS)
    drawing = draw(ch, pose, canvas)
    big = paint(drawing, part_colors, light)
    size = config.size
    color = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    regions = np.ascontiguousarray(drawing.labels[::2, ::2])
    present = {PARTS[i] for i in np.unique(regions)}
    return Rendering(
        color=color,
        regions=regions,
        part_colors={p: c for p, c in part_colors.items() if p in present},
        values=values,
        character=ch,
        framing=framing,
        background=bg_style,
        drawing=drawing,
    )


def generate(
    seed: int,
    config: SyntheticConfig | None = None,
    *,
    tag_values: Mapping[str, float] | None = None,
    with_reference: bool = False,
    reference_seed: int | None = None,
    style: str | None = None,
) -> Sample:
    """One synthetic sample.

    ``tag_values`` re-renders the same character (same shapes, pose and line-art randomness) with
    the parts of those color tags colored by ``target_color``; the sample's CVT vector then holds
    the values that describe the rendered colors exactly. A value 0 (or a total below 1) leaves
    the remaining weight to the character's own color, as target_color's "other"; tags of parts
    the character does not have are ignored. ``with_reference`` adds the same character re-posed
    and deformed; ``reference_seed`` instead uses that seed's (different) character as-is.
    ``style`` forces a line-art style.
    """
    config = config or SyntheticConfig()
    vocab = load_vocabulary()
    r = render(seed, config, tag_values=tag_values, vocab=vocab)
    streams = _streams(seed)
    line_rng, warp_rng = streams[_LINES], streams[_REF_WARP]
    picked = _pick(line_rng, config.styles)  # drawn even when forced: the same stream either way
    style = style or picked
    if style not in STYLES:
        raise ValueError(f"unknown line-art style '{style}' (known: {', '.join(STYLES)})")
    aug = config.augment
    width = line_rng.uniform(*aug.width_px) * config.size / 256
    if style == "rough":
        ink = rough_ink(r.drawing, line_rng, width, config.size)
    else:
        ink = clean_ink(r.drawing, line_rng, width, config.size, gaps=line_rng.random() < aug.gaps)
        if style == "xdog":
            ink = xdog_ink(r.color, ink, line_rng)
    sketch = augment(ink, line_rng, aug)

    counts = np.bincount(r.regions.ravel(), minlength=len(PARTS))
    visible = {PARTS[i] for i in np.flatnonzero(counts >= min_tag_pixels(config.size))}
    cvt = vocab.encode_cvt(
        {name: v for part, tv in r.values.items() if part in visible for name, v in tv.items()}
    )
    cit = np.zeros(len(vocab.cit), np.float32)
    for name in _cit_names(r.character, visible, r.framing, r.background):
        cit[vocab.cit_index(name)] = 1.0

    reference = None
    if reference_seed is not None:
        reference = render(reference_seed, config, vocab=vocab).color
    elif with_reference:
        other = render(
            seed, replace(config, full_body=0.5), tag_values=tag_values, reposed=True, vocab=vocab
        ).color
        reference = crop_flip(tps_warp(other, warp_rng, config.reference_warp), warp_rng)
    return Sample(
        color=r.color,
        sketch=sketch,
        cvt=cvt,
        cit=cit,
        seed=seed,
        sketch_style=style,
        regions=r.regions,
        skeleton=_skeleton(r.regions),
        part_colors=r.part_colors,
        framing=r.framing,
        reference=reference,
        source="synthetic",
    )


def reposed_sketch(
    seed: int, config: SyntheticConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, true part map) of the character of ``seed`` in its other pose (the one its
    reference is drawn from), in clean lines: the same character on another page, for the
    palette-consistency measure."""
    config = config or SyntheticConfig()
    r = render(seed, config, reposed=True)
    rng = _streams(seed)[_LINES]
    width = rng.uniform(*config.augment.width_px) * config.size / 256
    ink = clean_ink(r.drawing, rng, width, config.size, gaps=False)
    return augment(ink, rng, config.augment), r.regions
