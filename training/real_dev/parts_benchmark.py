"""How well the part map serves an artist (``python -m training eval-parts``), through the app's
engine at its defaults:

- **clicks**: on each drawing of the real dev set, how many clicks of the part tool make every
  labelled point's part right. The part map is read at each labelled point; while one is wrong,
  the artist clicks the first wrong point with its true part (a part mark there), and the engine
  colors again. A point whose area another click already set counts as right or wrong as the map
  then says; a drawing stops at ``MAX_CLICKS``.
- **palette consistency**: a character palette taken from one colored drawing and applied to
  others; per part (hair, skin, eyes) the median color of each drawing's part, and the ΔE76
  between every pair of drawings. On the real dev line arts, the palette of the first drawing
  (with its hair and eye tags) colors the others, and the parts are read at the labelled points;
  on synthetic pairs, each character's palette (from its tags) colors the same character
  re-posed, and the parts are read on the true part maps of both.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.request import ColorizeRequest, ColorizeResult
from colorizer_app.imaging.color import delta_e, srgb_to_lab
from colorizer_app.imaging.hints import Hints, PartMark
from colorizer_app.imaging.palette import palette_of
from colorizer_app.vocabulary import Vocabulary, load_vocabulary
from training.data.synthetic import SyntheticConfig, eval_seed, generate, reposed_sketch
from training.data.synthetic_character import PARTS
from training.evaluation.colorizers import sketch_rgba
from training.real_dev.drawings import PreparedDrawing, part_tags, prepare
from training.real_dev.labels import DevSet
from training.real_dev.scoring import points_color

# The dev set's labels and the vocabulary's parts they are.
LABEL_PARTS = {
    "hair": "hair",
    "skin": "skin",
    "irises": "eyes",
    "top": "top",
    "bottom": "bottom",
    "background": "background",
}
MAX_CLICKS = 30
CONSISTENCY_PARTS = (("hair", "hair"), ("skin", "skin"), ("irises", "eyes"))


def _wrong_points(
    result: ColorizeResult, prepared: PreparedDrawing, names: tuple[str, ...]
) -> list[tuple[str, tuple[int, int]]]:
    assert result.parts is not None
    wrong = []
    for label, points in prepared.points.items():
        part = LABEL_PARTS.get(label)
        if part is None:
            continue
        index = names.index(part)
        wrong += [(part, (x, y)) for x, y in points if result.parts.parts[y, x] != index]
    return wrong


def clicks_to_fix(engine: Engine, prepared: PreparedDrawing, model: str) -> dict:
    """{"wrong": labelled points wrong before any click, "points", "clicks", "fixed"}.

    The artist clicks the first wrong point's area with its true part; when that turns a point
    that was right wrong (an iris whose outline opens into the face), they undo it and brush
    the part over the point instead, a disc reaching halfway to the nearest labelled point of
    another part. Each click, undo and brush counts one."""
    request = ColorizeRequest(sketch_rgba(prepared.sketch), model=model)
    result = engine.colorize(request)
    if result.parts is None:
        raise ValueError(f"model '{model}' finds no parts")
    names = result.parts.names
    wrong = _wrong_points(result, prepared, names)
    first, actions = len(wrong), 0
    marks: tuple[PartMark, ...] = ()
    while wrong and actions < MAX_CLICKS:
        part, (x, y) = wrong[0]
        clicked = marks + (PartMark(part, (float(x), float(y))),)
        now = _wrong_points(
            engine.colorize(replace(request, hints=Hints(parts=clicked))), prepared, names
        )
        actions += 1
        if set(now) - set(wrong):
            radius = max(2.0, _nearest_other(prepared, part, (x, y)) / 2)
            clicked = marks + (PartMark(part, (float(x), float(y)), radius),)
            now = _wrong_points(
                engine.colorize(replace(request, hints=Hints(parts=clicked))), prepared, names
            )
            actions += 2
        marks, wrong = clicked, now
    points = sum(len(p) for label, p in prepared.points.items() if label in LABEL_PARTS)
    return {"wrong": first, "points": points, "clicks": actions, "fixed": not wrong}


def _nearest_other(prepared: PreparedDrawing, part: str, point: tuple[int, int]) -> float:
    """Pixels from ``point`` to the nearest labelled point of another part."""
    others = [
        p
        for label, points in prepared.points.items()
        if LABEL_PARTS.get(label) not in (None, part)
        for p in points
    ]
    if not others:
        return float(max(prepared.sketch.shape))
    return float(min(np.hypot(px - point[0], py - point[1]) for px, py in others))


def _pairwise(colors: Sequence[np.ndarray]) -> list[float]:
    return [float(delta_e(a, b)) for a, b in itertools.combinations(colors, 2)]


def real_palette_consistency(
    engine: Engine, drawings: Sequence[PreparedDrawing], model: str, vocabulary: Vocabulary
) -> dict[str, list[float]]:
    """Pairwise ΔE76 per part between the real line arts colored with one palette (taken from
    the first, colored with its hair and eye tags)."""
    first = drawings[0]
    tags = {tag: 1.0 for tag in part_tags(first.drawing, vocabulary, 0).values()}
    result = engine.colorize(ColorizeRequest(sketch_rgba(first.sketch), tags=tags, model=model))
    assert result.parts is not None
    palette = palette_of("dev", result.layers["color"], result.parts.parts, result.parts.names)
    colors: dict[str, list[np.ndarray]] = {label: [] for label, _ in CONSISTENCY_PARTS}
    for prepared in drawings:
        output = (
            result
            if prepared is first
            else engine.colorize(
                ColorizeRequest(sketch_rgba(prepared.sketch), palette=palette, model=model)
            )
        )
        lab = srgb_to_lab(output.layers["color"][..., :3])
        for label, _ in CONSISTENCY_PARTS:
            if label in prepared.points:
                colors[label].append(points_color(lab, prepared.points[label]))
    return {label: _pairwise(found) for label, found in colors.items()}


def synthetic_palette_consistency(
    engine: Engine, pairs: int, model: str, size: int
) -> dict[str, list[float]]:
    """ΔE76 per part between a synthetic character colored with its tags and the same character
    re-posed, colored with the palette taken from the first (true part maps of both)."""
    config = SyntheticConfig(size=size)
    found: dict[str, list[float]] = {label: [] for label, _ in CONSISTENCY_PARTS}
    for index in range(pairs):
        seed = eval_seed(10_000 + index)
        sample = generate(seed, config)
        other_sketch, other_regions = reposed_sketch(seed, config)
        names = load_vocabulary().parts
        tags = {
            name: 1.0
            for name, value in load_vocabulary().decode_cvt(sample.cvt).items()
            if value > 0
        }
        first = engine.colorize(ColorizeRequest(sketch_rgba(sample.sketch), tags=tags, model=model))
        assert first.parts is not None
        palette = palette_of("x", first.layers["color"], first.parts.parts, names)
        second = engine.colorize(
            ColorizeRequest(sketch_rgba(other_sketch), palette=palette, model=model)
        )
        for label, part in CONSISTENCY_PARTS:
            a = _part_median(first, sample.regions, part)
            b = _part_median(second, other_regions, part)
            if a is not None and b is not None:
                found[label].append(float(delta_e(a, b)))
    return found


def _part_median(result: ColorizeResult, regions: np.ndarray, part: str) -> np.ndarray | None:
    """The median CIELAB color of the result over the true part (None: too few pixels)."""
    if part not in PARTS:
        return None
    mask = regions == PARTS.index(part)
    if mask.sum() < 16:
        return None
    return np.median(srgb_to_lab(result.layers["color"][..., :3][mask]), axis=0)


def run_parts_benchmark(
    engine: Engine,
    dev_set: DevSet,
    images_root: Path,
    *,
    model: str,
    size: int,
    pairs: int,
    vocabulary: Vocabulary,
    progress: Callable[[str], None] = print,
) -> dict:
    prepared = [prepare(drawing, images_root, size) for drawing in dev_set.drawings]
    clicks = []
    for drawing in prepared:
        record = {"drawing": drawing.drawing.key, **clicks_to_fix(engine, drawing, model)}
        clicks.append(record)
        progress(
            f"{record['drawing']:28s} wrong {record['wrong']:3d}/{record['points']:3d}  "
            f"clicks {record['clicks']:3d}{'' if record['fixed'] else '  (not all fixed)'}"
        )
    line_arts = [d for d in prepared if not d.drawing.is_color]
    real = real_palette_consistency(engine, line_arts, model, vocabulary)
    synthetic = synthetic_palette_consistency(engine, pairs, model, size)
    return {
        "clicks": clicks,
        "mean_clicks": float(np.mean([r["clicks"] for r in clicks])),
        "mean_wrong_points": float(np.mean([r["wrong"] for r in clicks])),
        "all_fixed": sum(r["fixed"] for r in clicks),
        "palette_real": _summary(real),
        "palette_synthetic": _summary(synthetic),
    }


def _summary(found: Mapping[str, list[float]]) -> dict[str, dict[str, float | int | None]]:
    return {
        label: {
            "median_de": float(np.median(values)) if values else None,
            "mean_de": float(np.mean(values)) if values else None,
            "pairs": len(values),
        }
        for label, values in found.items()
    }
