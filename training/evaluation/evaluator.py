"""The scoreboard's evaluation of one colorizer on fresh synthetic samples whose true regions
and colors are known.

Each evaluation sample asks the colorizer for several pictures (requests), each isolating one
control:

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
  v > 0 the target is ``target_color({tag: v}, other=own)`` — the docs/architecture.md §3 definition
  with the model's choice as the "other" color; reported as the share of cases within ΔE 15 and the
  mean ΔE (per value too).

Evaluation seeds are ``TRAIN_SEED_LIMIT + offset + i``: never a training seed, by construction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import delta_e, lab_to_srgb, srgb_to_lab
from colorizer_app.imaging.hints import Hints, rasterize_hints
from colorizer_app.vocabulary import Tag, Vocabulary, load_vocabulary, target_color
from training.data.hints import label_components, scribble
from training.data.sample import Sample
from training.evaluation.metrics import (
    INK_LEVEL,
    bleeding,
    median_lab,
    nearer_than_all,
    paper_mask,
    psnr,
    ssim,
)
from training.evaluation.request import Colorizer, EvalRequest

EVAL_CONFIG = "eval-v1"
UNLIKE_DE = 25.0  # a swapped / hint / slider color differs this much from the true one
SLIDER_VALUES = (0.0, 0.5, 1.0, 2.0)
SLIDER_WITHIN = 15.0
FLAT_DE = 5.0  # ground-truth pixels this near a part's flat color are its lit area
STROKE_MARGIN = 3  # px (at 256²) the hint stroke is dilated by before scoring its region


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
        shape_tags = tuple(
            t.name for t, v in zip(self.vocab.cit, sample.cit, strict=False) if v > 0
        )
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
