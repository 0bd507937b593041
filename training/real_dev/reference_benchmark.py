"""References on real drawings (``python -m training eval-reference``), through the app's engine
at its defaults and the request's reference strength:

- **mirrored self-reference**: each color illustration of the dev set, rebuilt from its XDoG
  line art with a mirrored copy of itself as the reference (no tags, no strokes): ΔE76 and PSNR
  to the original over paper pixels, beside the same line art with no reference and uncolored.
- **nearest reference**: each real line art colored with each of ``REFERENCES`` (color
  illustrations of the dev set, each drawn with another hair color); the output's a*b*
  histogram over paper pixels is compared with each reference's (Bhattacharyya), and it is
  right when the nearest is its own reference (chance: one in four).
- **hair follows the reference**: in those outputs, the hair's color (at the labelled hair
  points) is nearest, among the references' hair colors (at their labelled points), to its own
  reference's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import delta_e, srgb_to_lab
from training.evaluation.colorizers import sketch_rgba
from training.real_dev import scoring
from training.real_dev.drawings import PreparedDrawing, prepare
from training.real_dev.labels import DevSet

# Four illustrations with four different hair colors (white, brown, blue, pink), so that a
# result can be told to follow one of them.
REFERENCES = (
    "real-color/v4ref_01.png",
    "real-color/v4ref_04.png",
    "real-color/v4ref_11.png",
    "real-color/v4ref_15.png",
)
HISTOGRAM_BINS = 16
AB_RANGE = (-100.0, 100.0)


def _histogram(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The normalized 2-D a*b* histogram of the masked pixels."""
    lab = srgb_to_lab(rgb[mask])
    counts, _, _ = np.histogram2d(
        lab[:, 1], lab[:, 2], bins=HISTOGRAM_BINS, range=(AB_RANGE, AB_RANGE)
    )
    return counts / max(counts.sum(), 1.0)


def _bhattacharyya(a: np.ndarray, b: np.ndarray) -> float:
    return float(-np.log(max(np.sum(np.sqrt(a * b)), 1e-12)))


def _colorize(
    engine: Engine, sketch: np.ndarray, reference: np.ndarray | None, model: str, strength: float
) -> np.ndarray:
    request = ColorizeRequest(
        sketch_rgba(sketch), reference=reference, model=model, reference_strength=strength
    )
    return np.ascontiguousarray(engine.colorize(request).layers["color"][..., :3])


def self_reference(
    engine: Engine, illustrations: Sequence[PreparedDrawing], model: str, strength: float
) -> dict:
    """Mean ΔE76 and PSNR of the mirrored self-reference, no reference (left out for a model
    that needs one), and the line art."""
    found: dict[str, list[tuple[float, float]]] = {"mirrored": [], "none": [], "lineart": []}
    for prepared in illustrations:
        original = prepared.original
        assert original is not None
        mirrored = np.ascontiguousarray(original[:, ::-1])
        found["mirrored"].append(
            scoring.reconstruction(
                _colorize(engine, prepared.sketch, mirrored, model, strength),
                original,
                prepared.paper,
            )
        )
        try:
            alone = _colorize(engine, prepared.sketch, None, model, strength)
        except ColorizerError:  # a model that colors only after a reference (yan-small)
            pass
        else:
            found["none"].append(scoring.reconstruction(alone, original, prepared.paper))
        lineart = np.repeat(prepared.sketch[..., None], 3, 2)
        found["lineart"].append(scoring.reconstruction(lineart, original, prepared.paper))
    return {
        name: {
            "de76": float(np.mean([v[0] for v in values])),
            "psnr": float(np.mean([v[1] for v in values])),
            "drawings": len(values),
        }
        for name, values in found.items()
        if values
    }


def follows_references(
    engine: Engine,
    line_arts: Sequence[PreparedDrawing],
    references: Sequence[PreparedDrawing],
    model: str,
    strength: float,
) -> dict:
    """Nearest-reference and hair-follows accuracy over every (line art, reference) pair."""
    reference_pixels = [r.original for r in references]
    histograms = [
        _histogram(pixels, np.ones(pixels.shape[:2], bool))
        for pixels in reference_pixels
        if pixels is not None
    ]
    hair = [
        scoring.points_color(srgb_to_lab(r.original), r.points["hair"])
        for r in references
        if r.original is not None
    ]
    nearest, hair_right, hair_cases = 0, 0, 0
    for drawing in line_arts:
        for index, reference in enumerate(reference_pixels):
            output = _colorize(engine, drawing.sketch, reference, model, strength)
            distances = [_bhattacharyya(_histogram(output, drawing.paper), h) for h in histograms]
            nearest += int(np.argmin(distances) == index)
            if "hair" in drawing.points:
                color = scoring.points_color(srgb_to_lab(output), drawing.points["hair"])
                hair_right += int(np.argmin([float(delta_e(color, h)) for h in hair]) == index)
                hair_cases += 1
    pairs = len(line_arts) * len(reference_pixels)
    return {
        "nearest_reference": nearest / pairs,
        "hair_follows": hair_right / hair_cases if hair_cases else None,
        "pairs": pairs,
        "references": len(reference_pixels),
    }


def run_reference_benchmark(
    engine: Engine,
    dev_set: DevSet,
    images_root: Path,
    *,
    model: str,
    size: int,
    strength: float,
    progress: Callable[[str], None] = print,
) -> dict:
    prepared = {d.key: prepare(d, images_root, size) for d in dev_set.drawings}
    illustrations = [p for p in prepared.values() if p.original is not None]
    line_arts = [p for p in prepared.values() if p.original is None]
    references = [prepared[key] for key in REFERENCES]
    progress(f"mirrored self-reference on {len(illustrations)} illustrations …")
    mirrored = self_reference(engine, illustrations, model, strength)
    progress(f"{len(line_arts)} line arts × {len(references)} references …")
    follows = follows_references(engine, line_arts, references, model, strength)
    return {"strength": strength, "self_reference": mirrored, **follows}
