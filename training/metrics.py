"""The scoreboard (DESIGN §4): how well a colorizer follows tags, hints, references and sliders,
measured on fresh synthetic samples whose true regions and colors are known.

A *colorizer* is any callable ``(EvalRequest) -> (H, W, 3) uint8``. Each evaluation sample asks it
for several pictures (requests), each isolating one control:

- **tags** (the sample's true tags): tag accuracy per part — the median CIELAB color of the part's
  paper pixels is nearer (ΔE) to the requested color than to every other palette color of the tag's
  group.
- **swapped** (every tagged part's tag replaced by a random tag of its group whose color differs
  from the true one by ΔE > ``UNLIKE_DE``; the ground truth *and the line art* re-rendered with
  those colors, so the drawing carries no trace of the original ones): the same test.
- **hints** (one scribble of a random palette color, unlike the true one, in every region = each
  connected component of a part's labels): the region's median, without the dilated stroke, must be
  nearer to the stroke color than to the group's other colors.
- **tags with strokes** (the true tags, and the hint strokes of every region but those of one
  tagged part): that part must still follow its tag — the mix an artist uses most.
- **reference** (the same character re-posed, no tags): parts must take the character's true colors.
- **full** (true tags and reference): PSNR, SSIM, bleeding, and optionally a Fréchet distance in a
  caller-supplied feature space (the project's own tagger; off when none is given).
- **slider** (one part's tag set to a random unlike tag at values 0, 0.5, 1, 2, the line art
  unchanged): value 0 asks for nothing, so its median is the model's own choice ``own``; for
  v > 0 the target is ``target_color({tag: v}, other=own)`` — the DESIGN §3 definition with the
  model's choice as the "other" color; reported as the share of cases within ΔE 15 and the mean
  ΔE (per value too).

Bleeding: in each region (connected component of a part's labels, at least ``min_area`` pixels,
eroded by a pixel, line pixels left out, and pixels where the ground truth itself departs from
its region's hue or chroma — pupils, highlights — left out), the share of pixels whose chroma or
hue differs from the region's median by more than ``BLEED_THRESHOLD`` (CIELAB ΔC, ΔH; lightness is
ignored, so cel shading is not bleeding); averaged over regions.

Evaluation seeds are ``TRAIN_SEED_LIMIT + offset + i``: never a training seed, by construction.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from colorizer_app.engine.request import REGION_CONSISTENCY
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import delta_chroma_hue, delta_e, lab_to_srgb, srgb_to_lab
from colorizer_app.imaging.hints import Hints, rasterize_hints
from colorizer_app.vocabulary import Tag, Vocabulary, load_vocabulary, target_color
from training.data.hints import label_components, scribble
from training.data.sample import Sample

EVAL_CONFIG = "eval-v1"
UNLIKE_DE = 25.0  # a swapped / hint / slider color differs this much from the true one
BLEED_THRESHOLD = 12.0  # ΔC or ΔH (CIELAB) beyond which a pixel has left its region's color
SMUDGE_THRESHOLD = 12.0  # ΔL* (CIELAB) beyond which a pixel is lighter or darker than its region
SLIDER_VALUES = (0.0, 0.5, 1.0, 2.0)
SLIDER_WITHIN = 15.0
INK_LEVEL = 160  # sketch values below this (0 = full ink) are line, not paper
FLAT_DE = 5.0  # ground-truth pixels this near a part's flat color are its lit area
STROKE_MARGIN = 3  # px (at 256²) the hint stroke is dilated by before scoring its region


@dataclass(frozen=True, eq=False)
class EvalRequest:
    """What a colorizer is asked. ``truth`` is for the oracles only; models must not read it."""

    sketch: np.ndarray  # (H, W) uint8, 255 = paper, 0 = ink
    hints: Hints = Hints()
    hint_map: np.ndarray | None = None  # (H, W, 4) float32 rasterized ``hints``
    tags: Mapping[str, float] = field(default_factory=dict)  # color tag values by name
    shape_tags: tuple[str, ...] = ()  # color-invariant tags (CIT) present
    reference: np.ndarray | None = None  # (H, W, 3) uint8
    truth: np.ndarray | None = None  # (H, W, 3) uint8 ground truth for these conditions


Colorizer = Callable[[EvalRequest], np.ndarray]


# ---------------------------------------------------------------------------------------------
# Metric math on arrays
# ---------------------------------------------------------------------------------------------


def median_lab(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-channel median CIELAB color of the masked pixels."""
    return np.median(lab[mask], axis=0)


def nearer_than_all(
    color_lab: np.ndarray, target_lab: np.ndarray, competitor_labs: np.ndarray
) -> bool:
    """Whether ``color_lab`` is strictly nearer (ΔE) to the target than to every competitor."""
    if len(competitor_labs) == 0:
        return True
    return bool(delta_e(color_lab, target_lab) < delta_e(color_lab[None], competitor_labs).min())


def paper_mask(sketch: np.ndarray) -> np.ndarray:
    """Pixels that are paper (not line) in a sketch, with a one-pixel margin around lines."""
    ink = (sketch < INK_LEVEL).astype(np.uint8)
    return cv2.dilate(ink, np.ones((3, 3), np.uint8)) == 0


def departures(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which masked pixels (in mask order) leave the median's chroma or hue by > BLEED_THRESHOLD."""
    pixels = lab[mask]
    dc, dh = delta_chroma_hue(pixels, np.median(pixels, axis=0)[None])
    return (np.abs(dc) > BLEED_THRESHOLD) | (dh > BLEED_THRESHOLD)


def region_bleeding(lab: np.ndarray, mask: np.ndarray) -> float:
    """Share of the masked pixels whose chroma or hue leaves the median's by > BLEED_THRESHOLD."""
    return float(np.mean(departures(lab, mask)))


def region_smudging(lab: np.ndarray, mask: np.ndarray) -> float:
    """Share of the masked pixels whose lightness leaves the median's by > SMUDGE_THRESHOLD.

    Bleeding's counterpart in L*, which bleeding leaves out: gray smudges over a white fill keep
    its hue and chroma, so only this sees them. Shading counts too, so it is a report, not a goal.
    """
    lightness = lab[mask][:, 0]
    return float(np.mean(np.abs(lightness - np.median(lightness)) > SMUDGE_THRESHOLD))


def bleeding(
    output: np.ndarray,
    labels: np.ndarray,
    sketch: np.ndarray,
    min_area: int,
    truth: np.ndarray | None = None,
) -> list[float]:
    """Bleeding of every region (component of ``labels`` of at least ``min_area`` px).

    With ``truth``, pixels where the ground truth itself leaves its region's hue or chroma (iris
    pupils and highlights, gradients: variation by design) are not counted.
    """
    lab = srgb_to_lab(output)
    truth_lab = None if truth is None else srgb_to_lab(truth)
    paper = paper_mask(sketch)
    result = []
    for _label, component in label_components(labels, min_area):
        inner = (
            cv2.erode(component.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & paper
        )
        if truth_lab is not None and inner.any():
            inner[inner] = ~departures(truth_lab, inner)
        if inner.sum() >= min_area // 2:
            result.append(region_bleeding(lab, inner))
    return result


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images (capped at 100 for identical ones)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else min(100.0, 10 * math.log10(255.0**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11-px Gaussian window, σ = 1.5, K = 0.01, 0.03), channel mean."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    scores = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        scores.append(float(s[5:-5, 5:-5].mean()))  # only windows that lie inside the image
    return float(np.mean(scores))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to two (N, D) feature sets.

    ‖μa − μb‖² + tr(Ca + Cb − 2 (Ca Cb)^½), with tr (Ca Cb)^½ = tr (Ca^½ Cb Ca^½)^½ computed by
    symmetric eigendecompositions (stable where scipy's sqrtm of a non-symmetric product is not).
    """
    mu_a, mu_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(features_a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(features_b, rowvar=False))
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def stroke_adherence(
    output: np.ndarray, mask: np.ndarray, stroke_color: tuple[int, int, int], within: float = 20.0
) -> float:
    """Share of the masked pixels within ΔE ``within`` of the stroke color (real drawings)."""
    lab = srgb_to_lab(output[mask])
    return float(np.mean(delta_e(lab, srgb_to_lab(np.array(stroke_color))[None]) <= within))


# ---------------------------------------------------------------------------------------------
# Colorizers
# ---------------------------------------------------------------------------------------------


def truth_colorizer(request: EvalRequest) -> np.ndarray:
    """Oracle: the ground truth for the request's conditions (the best any model can do)."""
    if request.truth is None:
        raise ColorizerError("the 'truth' oracle needs ground truth, and this drawing has none")
    return request.truth


def flat_gray_colorizer(request: EvalRequest) -> np.ndarray:
    """Oracle: uniform gray — what "ignores every input" scores."""
    return np.full((*request.sketch.shape, 3), 128, np.uint8)


def flat_fill_colorizer(request: EvalRequest) -> np.ndarray:
    """The flat-fill engine: hinted regions take their hint's color, the rest stays paper."""
    from colorizer_app.engine.flatfill import FlatFill

    return FlatFill()(255 - request.sketch, request.hints).composite[..., :3]


ORACLES: dict[str, Colorizer] = {
    "truth": truth_colorizer,
    "flat-gray": flat_gray_colorizer,
    "flat": flat_fill_colorizer,
}


def resolve_colorizer(spec: str, *, region_consistency: bool = False) -> Colorizer:
    """``truth``, ``flat-gray``, ``flat``, a model file (the generator alone, at the evaluation
    size), or ``engine:MODEL_FILE`` (through the app's engine, as an artist gets it). Region
    consistency stays off unless asked, whatever the app's default (``REGION_CONSISTENCY``): the
    scoreboard scores the model's own colors."""
    if region_consistency and not spec.startswith("engine:"):
        raise ColorizerError(
            f"{REGION_CONSISTENCY.name} is an engine option: use --model engine:MODEL"
        )
    if spec in ORACLES:
        return ORACLES[spec]
    from training.model_colorizer import direct_colorizer, engine_colorizer

    through_engine = spec.startswith("engine:")
    path = Path(spec.removeprefix("engine:"))
    if not path.exists():
        raise ColorizerError(f"--model {spec}: not {', '.join(ORACLES)} and no such file")
    if through_engine:
        return engine_colorizer(path, region_consistency=region_consistency)
    return direct_colorizer(path)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def eval_seeds(n: int, offset: int = 0) -> range:
    """The seeds of an evaluation run: all at or above TRAIN_SEED_LIMIT."""
    from training.data.synthetic import eval_seed

    if offset < 0:
        raise ColorizerError(f"the evaluation seed offset must not be negative (got {offset})")
    return range(eval_seed(offset), eval_seed(offset + n))


@dataclass
class SampleResult:
    """Per-case values of every metric for one evaluation sample, and pictures for the montage."""

    seed: int
    sketch_style: str
    framing: str
    values: dict[str, list[float]] = field(default_factory=dict)
    pictures: dict[str, np.ndarray] = field(default_factory=dict)
    features: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, metric: str, value: float) -> None:
        self.values.setdefault(metric, []).append(float(value))


class _Palette:
    """The vocabulary's colors in CIELAB, by tag."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.lab = {t.name: srgb_to_lab(np.array(t.rgb)) for t in vocab.cvt}

    def group(self, tag: Tag) -> list[Tag]:
        return [t for t in self.vocab.cvt if t.group == tag.group]

    def unlike(self, tag: Tag, rng: np.random.Generator) -> Tag | None:
        """A random tag of the same group whose color differs from ``tag``'s by > UNLIKE_DE."""
        options = [
            t for t in self.group(tag) if delta_e(self.lab[t.name], self.lab[tag.name]) > UNLIKE_DE
        ]
        return options[int(rng.integers(len(options)))] if options else None

    def competitors(self, requested: Iterable[str]) -> np.ndarray:
        """CIELAB colors of the requested tags' groups, the requested tags excluded."""
        names = set(requested)
        groups = {self.vocab.tag(n).group for n in names}
        others = [
            self.lab[t.name] for t in self.vocab.cvt if t.group in groups and t.name not in names
        ]
        return np.array(others).reshape(-1, 3)


class Evaluator:
    """Runs a colorizer over fresh samples of the frozen evaluation config and scores it."""

    def __init__(
        self,
        colorizer: Colorizer,
        *,
        size: int = 256,
        config: str = EVAL_CONFIG,
        features: Callable[[np.ndarray], np.ndarray] | None = None,
        vocab: Vocabulary | None = None,
    ) -> None:
        from training.data.synthetic import SyntheticConfig

        self.colorizer = colorizer
        self.size = size
        self.config = SyntheticConfig.sized(config, size)
        self.features = features
        self.palette = _Palette(vocab or load_vocabulary())
        self.vocab = self.palette.vocab
        self.min_area = max(16, size * size // 1500)  # regions (bleeding, hints)
        self.min_part = max(8, self.min_area // 4)  # scored pixels of a part

    def _colorize(self, request: EvalRequest) -> np.ndarray:
        out = np.asarray(self.colorizer(request))
        if out.shape != (*request.sketch.shape, 3) or out.dtype != np.uint8:
            raise ColorizerError(
                f"the colorizer returned {out.shape} {out.dtype}; expected "
                f"{(*request.sketch.shape, 3)} uint8"
            )
        return out

    def _render(self, seed: int, sample: Sample, tag_values: Mapping[str, float]) -> Sample:
        from training.data.synthetic import generate

        return generate(seed, self.config, tag_values=dict(tag_values), style=sample.sketch_style)

    def _part_masks(self, sample: Sample) -> dict[str, np.ndarray]:
        """Each colored part's flat-lit pixels: where the ground truth shows the part's flat color.

        Shadows, pupils, highlights and gradients differ from the flat color by design; scoring
        on the pixels a perfect painter gives the flat color keeps them from deciding.
        """
        lab = srgb_to_lab(sample.color)
        paper = sample.sketch >= INK_LEVEL
        masks = {}
        for part, rgb in sample.part_colors.items():
            mask = (
                (sample.regions == self.vocab.parts.index(part))
                & paper
                & (delta_e(lab, srgb_to_lab(np.array(rgb))) < FLAT_DE)
            )
            if mask.sum() >= self.min_part:
                masks[part] = mask
        return masks

    def _part_tags(self, tags: Mapping[str, float]) -> dict[str, dict[str, float]]:
        by_part: dict[str, dict[str, float]] = {}
        for name, value in tags.items():
            by_part.setdefault(self.vocab.tag(name).part, {})[name] = value
        return by_part

    def _score_tags(
        self,
        result: SampleResult,
        metric: str,
        output: np.ndarray,
        masks: Mapping[str, np.ndarray],
        tags: Mapping[str, float],
    ) -> None:
        lab = srgb_to_lab(output)
        for part, part_tags in self._part_tags(tags).items():
            if part not in masks:
                continue
            target = srgb_to_lab(np.array(target_color(part_tags, self.vocab)))
            ok = nearer_than_all(
                median_lab(lab, masks[part]), target, self.palette.competitors(part_tags)
            )
            result.add(metric, ok)
            result.add(f"{metric}/{part}", ok)

    def evaluate_sample(self, seed: int) -> SampleResult:
        from training.data.synthetic import generate

        rng = np.random.default_rng(seed)
        sample = generate(seed, self.config, with_reference=True)
        result = SampleResult(seed, sample.sketch_style, sample.framing)
        tags = self.vocab.decode_cvt(sample.cvt)
        shape_tags = tuple(t.name for t, v in zip(self.vocab.cit, sample.cit) if v > 0)
        masks = self._part_masks(sample)
        base = EvalRequest(
            sketch=sample.sketch, tags=tags, shape_tags=shape_tags, truth=sample.color
        )

        # Tags as drawn.
        out_tags = self._colorize(base)
        self._score_tags(result, "tag_accuracy", out_tags, masks, tags)

        # Swapped tags: every tagged part gets an unlike color; drawing and truth re-rendered.
        swapped: dict[str, float] = {}
        for part_tags in self._part_tags(tags).values():
            new = self.palette.unlike(self.vocab.tag(max(part_tags, key=part_tags.get)), rng)
            if new is not None:
                swapped[new.name] = 1.0
        if swapped:
            other = self._render(seed, sample, swapped)
            out = self._colorize(
                dataclasses.replace(base, sketch=other.sketch, tags=swapped, truth=other.color)
            )
            self._score_tags(result, "swapped_accuracy", out, self._part_masks(other), swapped)

        # Hints: one unlike-colored scribble per region, scored off the stroke.
        hints, scoring = self._hint_strokes(sample, tags, rng)
        hint_map = rasterize_hints(hints, sample.sketch.shape)
        out_hints = self._colorize(
            dataclasses.replace(base, tags={}, hints=hints, hint_map=hint_map)
        )
        lab = srgb_to_lab(out_hints)
        for mask, target, competitors in scoring:
            result.add("hint_accuracy", nearer_than_all(median_lab(lab, mask), target, competitors))

        self._tags_with_strokes(result, seed, sample, base, masks, tags, hints)

        # Reference: the same character re-posed must lend its true colors.
        if sample.reference is not None:
            out = self._colorize(dataclasses.replace(base, tags={}, reference=sample.reference))
            lab = srgb_to_lab(out)
            for part, part_tags in self._part_tags(tags).items():
                if part in masks:
                    truth = srgb_to_lab(
                        np.array(sample.part_colors.get(part, target_color(part_tags, self.vocab)))
                    )
                    result.add(
                        "reference_accuracy",
                        nearer_than_all(
                            median_lab(lab, masks[part]), truth, self.palette.competitors(part_tags)
                        ),
                    )

        # Everything true at once: reconstruction and bleeding.
        out_full = self._colorize(dataclasses.replace(base, reference=sample.reference))
        result.add("psnr", psnr(out_full, sample.color))
        result.add("ssim", ssim(out_full, sample.color))
        for value in bleeding(out_full, sample.regions, sample.sketch, self.min_area, sample.color):
            result.add("bleeding", value)
        if self.features is not None:
            result.features = {"output": out_full, "truth": sample.color}

        self._slider(result, seed, sample, base, masks, tags, rng)
        result.pictures = {
            "sketch": sample.sketch,
            "hints": hint_map,
            "hint_output": out_hints,
            "tag_output": out_tags,
            "truth": sample.color,
        }
        return result

    def _hint_strokes(self, sample: Sample, tags: Mapping[str, float], rng: np.random.Generator):
        """One scribble per region of a tagged part, and what each region is scored against."""
        part_tag = {
            part: self.vocab.tag(max(pt, key=pt.get)) for part, pt in self._part_tags(tags).items()
        }
        paper = paper_mask(sample.sketch)
        margin = max(1, round(STROKE_MARGIN * self.size / 256))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
        strokes, scoring = [], []
        for pid, component in label_components(sample.regions, self.min_area):
            tag = part_tag.get(self.vocab.parts[pid])
            color = self.palette.unlike(tag, rng) if tag is not None else None
            stroke = scribble(component & paper, color.colors[0], rng) if color else None
            if stroke is None:
                continue
            strokes.append(stroke)
            covered = rasterize_hints(Hints(strokes=(stroke,)), sample.sketch.shape)[..., 3] > 0
            rest = component & paper & ~cv2.dilate(covered.astype(np.uint8), kernel).astype(bool)
            if rest.sum() >= self.min_part:
                competitors = np.array(
                    [
                        self.palette.lab[t.name]
                        for t in self.palette.group(tag)
                        if t.name != color.name
                    ]
                )
                scoring.append((rest, self.palette.lab[color.name], competitors))
        return Hints(strokes=tuple(strokes)), scoring

    def _tags_with_strokes(
        self,
        result: SampleResult,
        seed: int,
        sample: Sample,
        base: EvalRequest,
        masks: Mapping[str, np.ndarray],
        tags: Mapping[str, float],
        hints: Hints,
    ) -> None:
        """The artist's usual mix: every region keeps its hint stroke except those of one tagged
        part, which must follow its tag. The part is drawn from a stream of its own, so the other
        requests stay what they were."""
        by_part = {p: pt for p, pt in self._part_tags(tags).items() if p in masks}
        if not by_part:
            return
        part = sorted(by_part)[int(np.random.default_rng((seed, 1)).integers(len(by_part)))]
        pid = self.vocab.parts.index(part)
        height, width = sample.regions.shape
        kept = []
        for stroke in hints.strokes:
            points = np.asarray(stroke.points).astype(int)
            labels = sample.regions[
                points[:, 1].clip(0, height - 1), points[:, 0].clip(0, width - 1)
            ]
            if np.bincount(labels).argmax() != pid:
                kept.append(stroke)
        others = Hints(strokes=tuple(kept))
        out = self._colorize(
            dataclasses.replace(
                base, hints=others, hint_map=rasterize_hints(others, sample.sketch.shape)
            )
        )
        self._score_tags(
            result, "tag_with_strokes_accuracy", out, {part: masks[part]}, by_part[part]
        )

    def _slider(
        self,
        result: SampleResult,
        seed: int,
        sample: Sample,
        base: EvalRequest,
        masks: Mapping[str, np.ndarray],
        tags: Mapping[str, float],
        rng: np.random.Generator,
    ) -> None:
        by_part = {p: pt for p, pt in self._part_tags(tags).items() if p in masks}
        if not by_part:
            return
        part = sorted(by_part)[int(rng.integers(len(by_part)))]
        tag = self.palette.unlike(self.vocab.tag(max(by_part[part], key=by_part[part].get)), rng)
        if tag is None:
            return
        others = {n: v for n, v in tags.items() if n not in by_part[part]}
        own = None
        for value in SLIDER_VALUES:
            values = {**others, tag.name: value} if value > 0 else others
            truth = (
                sample.color if value == 0 else self._render(seed, sample, {tag.name: value}).color
            )
            out = self._colorize(dataclasses.replace(base, tags=values, truth=truth))
            median = median_lab(srgb_to_lab(out), masks[part])
            if value == 0:
                own = tuple(int(c) for c in lab_to_srgb(median))
                continue
            target = srgb_to_lab(np.array(target_color({tag.name: value}, self.vocab, other=own)))
            error = float(delta_e(median, target))
            result.add("slider_mean_de", error)
            result.add(f"slider_de@{value:g}", error)
            result.add("slider_within15", error <= SLIDER_WITHIN)


# ---------------------------------------------------------------------------------------------
# Aggregation, table, montage
# ---------------------------------------------------------------------------------------------

METRIC_ORDER = (
    "tag_accuracy",
    "swapped_accuracy",
    "hint_accuracy",
    "tag_with_strokes_accuracy",
    "reference_accuracy",
    "bleeding",
    "slider_within15",
    "slider_mean_de",
    "psnr",
    "ssim",
    "frechet",
)


def _metric_key(name: str) -> tuple[int, str]:
    head = name.split("/")[0].split("@")[0]
    if head.startswith("slider_de"):
        head = "slider_mean_de"
    return (METRIC_ORDER.index(head) if head in METRIC_ORDER else len(METRIC_ORDER), name)


def summarize(
    results: list[SampleResult], features: Callable[[np.ndarray], np.ndarray] | None = None
) -> dict[str, dict]:
    """{column: {metric: {"value": mean, "cases": n}}} for overall, each style and each framing."""
    columns: dict[str, list[SampleResult]] = {"overall": results}
    for r in results:
        columns.setdefault(f"style:{r.sketch_style}", []).append(r)
    for r in results:
        columns.setdefault(f"framing:{r.framing}", []).append(r)
    table: dict[str, dict] = {}
    for column, members in columns.items():
        pooled: dict[str, list[float]] = {}
        for r in members:
            for metric, values in r.values.items():
                pooled.setdefault(metric, []).extend(values)
        table[column] = {
            m: {"value": float(np.mean(v)), "cases": len(v)}
            for m, v in sorted(pooled.items(), key=lambda kv: _metric_key(kv[0]))
        }
        if features is not None and len(members) >= 2:
            out = features(np.stack([r.features["output"] for r in members]))
            truth = features(np.stack([r.features["truth"] for r in members]))
            table[column]["frechet"] = {
                "value": frechet_distance(out, truth),
                "cases": len(members),
            }
    return table


def format_table(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Rows = metrics, columns = overall, per style, per framing."""
    columns = list(table)
    metrics = sorted({m for col in table.values() for m in col}, key=_metric_key)
    width = max(len(m) for m in metrics) + 2
    lines = ["metric".ljust(width) + "".join(c.rjust(15) for c in columns)]
    for metric in metrics:
        cells = []
        for column in columns:
            entry = table[column].get(metric)
            cells.append(("—" if entry is None else f"{entry['value']:.3f}").rjust(15))
        lines.append(metric.ljust(width) + "".join(cells))
    cases = [str(table[c].get("psnr", {}).get("cases", 0)).rjust(15) for c in columns]
    lines.append("samples".ljust(width) + "".join(cases))
    return "\n".join(lines)


def hint_picture(sketch: np.ndarray, hint_map: np.ndarray) -> np.ndarray:
    """The hints painted over a faint copy of the line art, as uint8 RGB."""
    paper = 255 - (255 - sketch.astype(np.float32)) * 0.35
    background = np.repeat(paper[..., None], 3, axis=2) / 255
    mask = hint_map[..., 3:]
    return (
        np.round((hint_map[..., :3] + background * (1 - mask)) * 255).clip(0, 255).astype(np.uint8)
    )


def montage(rows: list[list[np.ndarray]], gap: int = 4) -> np.ndarray:
    """Grid of equally sized uint8 RGB (or gray) tiles on white, one list per row."""
    tiles = [
        [np.repeat(t[..., None], 3, axis=2) if t.ndim == 2 else t for t in row] for row in rows
    ]
    h, w = tiles[0][0].shape[:2]
    n_cols = max(len(r) for r in tiles)
    canvas = np.full((len(tiles) * (h + gap) + gap, n_cols * (w + gap) + gap, 3), 255, np.uint8)
    for i, row in enumerate(tiles):
        for j, tile in enumerate(row):
            y, x = gap + i * (h + gap), gap + j * (w + gap)
            canvas[y : y + h, x : x + w] = tile
    return canvas


def result_montage(results: list[SampleResult], max_rows: int = 16) -> np.ndarray:
    """Per sample: line art | hints | output for the hints | output for the tags | ground truth."""
    rows = [
        [
            r.pictures["sketch"],
            hint_picture(r.pictures["sketch"], r.pictures["hints"]),
            r.pictures["hint_output"],
            r.pictures["tag_output"],
            r.pictures["truth"],
        ]
        for r in results[:max_rows]
    ]
    return montage(rows)
