"""``python -m training eval-real DIR``: hint adherence and bleeding on real drawings.

Real line art has no ground truth, so this is the counterpart of hint accuracy: each drawing is
split into regions by the flat-fill segmentation, the larger regions get one scribble of a random
palette color each, and the colorizer's output is scored per region:

- stroke adherence — the share of the region's paper pixels (line pixels and the stroke's own,
  dilated, pixels left out) within ΔE 20 of the stroke's color;
- bleeding — the share of those pixels whose chroma or hue leaves the region's median (as in the
  synthetic scoreboard);
- smudging — the share of those pixels whose lightness leaves the region's median by more than
  ΔL* 12: gray smudges over a white fill, which bleeding cannot see (shading counts as well).
"""

from __future__ import annotations

import argparse

from colorizer_app.commandline import Subcommand
from colorizer_app.engine.request import REGION_CONSISTENCY

ADHERENCE_DE = 20.0
MAX_REGIONS = 12
MEASURES = ("adherence", "bleeding", "smudging")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="folder of line-art images")
    parser.add_argument(
        "--model",
        required=True,
        help="flat-gray | flat | a model file (run through the app's engine: real "
        "drawings come in any size)",
    )
    parser.add_argument("--out", required=True, help="folder for metrics.json and montage.png")
    parser.add_argument(
        "--size", type=int, default=512, help="drawings are scaled down to this long side"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for stroke placement and colors")
    parser.add_argument(
        "--min-area",
        type=float,
        default=0.005,
        help="smallest region that gets a stroke, as a share of the image",
    )
    parser.add_argument(
        "--region-consistency",
        action="store_true",
        default=False,
        help=f"with a model file, {REGION_CONSISTENCY.name}: {REGION_CONSISTENCY.description}; "
        "off unless given: the scoreboard scores the model's own colors",
    )


def scaled_ink(pixels, size: int):
    """The ink map of a drawing scaled to ``size`` on its long side (never up): scaled first,
    then normalized once, as the app normalizes a drawing of that size. Normalizing first and
    scaling after thins the lines, and the engine's own normalization would lift them again into
    a finer segmentation than the one scored."""
    import cv2

    from colorizer_app.imaging.lineart import normalize_lineart

    scale = min(1.0, size / max(pixels.shape[:2]))
    if scale < 1:
        pixels = cv2.resize(
            pixels,
            (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale)),
            interpolation=cv2.INTER_AREA,
        )
    return normalize_lineart(pixels).ink


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _shown(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}"


def _fit(image, box: int):
    """Letterbox a uint8 image into a box×box white tile."""
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    scale = box / max(h, w)
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    if small.ndim == 2:
        small = np.repeat(small[..., None], 3, axis=2)
    tile = np.full((box, box, 3), 255, np.uint8)
    y, x = (box - small.shape[0]) // 2, (box - small.shape[1]) // 2
    tile[y : y + small.shape[0], x : x + small.shape[1]] = small
    return tile


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    import cv2
    import numpy as np

    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_save_png, atomic_write_bytes
    from colorizer_app.imaging.color import hex_to_rgb, srgb_to_lab
    from colorizer_app.imaging.hints import Hints, rasterize_hints
    from colorizer_app.imaging.lineart import sketch_from_ink
    from colorizer_app.imaging.loader import IMAGE_SUFFIXES, load_image
    from colorizer_app.imaging.regions import segment_regions
    from colorizer_app.vocabulary import load_vocabulary
    from training.data.hints import random_color_strokes
    from training.evaluation.colorizers import resolve_colorizer
    from training.evaluation.metrics import (
        paper_mask,
        region_bleeding,
        region_smudging,
        stroke_adherence,
    )
    from training.evaluation.report import hint_picture, montage
    from training.evaluation.request import EvalRequest

    folder = Path(args.folder)
    if not folder.is_dir():
        raise ColorizerError(f"{folder}: not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ColorizerError(f"{folder}: no images found")
    spec = args.model
    if spec not in ("flat-gray", "flat", "truth") and not spec.startswith("engine:"):
        spec = "engine:" + spec
    colorizer = resolve_colorizer(spec, region_consistency=args.region_consistency)
    colors = sorted({c for t in load_vocabulary().cvt for c in t.colors})
    rng = np.random.default_rng(args.seed)
    records, rows = [], []
    for file in files:
        ink = scaled_ink(load_image(file).pixels, args.size)
        sketch = sketch_from_ink(ink)
        labels = segment_regions(ink)
        paper = paper_mask(sketch)
        min_area = max(16, int(args.min_area * ink.size))
        pairs = random_color_strokes(
            labels, colors, rng, min_area=min_area, max_regions=MAX_REGIONS, allowed=paper
        )
        hints = Hints(strokes=tuple(stroke for _mask, stroke in pairs))
        hint_map = rasterize_hints(hints, ink.shape)
        output = np.asarray(colorizer(EvalRequest(sketch=sketch, hints=hints, hint_map=hint_map)))
        lab = srgb_to_lab(output)
        kernel = np.ones((5, 5), np.uint8)
        scores: dict[str, list[float]] = {name: [] for name in MEASURES}
        for mask, stroke in pairs:
            covered = rasterize_hints(Hints(strokes=(stroke,)), ink.shape)[..., 3] > 0
            rest = mask & paper & ~cv2.dilate(covered.astype(np.uint8), kernel).astype(bool)
            if rest.sum() < 16:
                continue
            scores["adherence"].append(
                stroke_adherence(output, rest, hex_to_rgb(stroke.color), ADHERENCE_DE)
            )
            scores["bleeding"].append(region_bleeding(lab, rest))
            scores["smudging"].append(region_smudging(lab, rest))
        stroked = len(scores["adherence"])
        records.append(
            {
                "file": file.name,
                "size": list(ink.shape),
                "regions": int(labels.max()),
                "stroked": stroked,
                **scores,
            }
        )
        rows.append(
            [_fit(sketch, 256), _fit(hint_picture(sketch, hint_map), 256), _fit(output, 256)]
        )
        print(
            f"{file.name:28s} regions {int(labels.max()):4d}  stroked {stroked:3d}  "
            + "  ".join(f"{name} {_shown(_mean(scores[name]))}" for name in MEASURES)
        )
    summary = {
        "model": args.model,
        "drawings": len(records),
        "regions": sum(r["stroked"] for r in records),
        **{name: _mean([v for r in records for v in r[name]]) for name in MEASURES},
        "adherence_de": ADHERENCE_DE,
        "drawings_detail": records,
    }
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(f"{out}: cannot create the output folder: {error.strerror}") from None
    atomic_write_bytes(out / "metrics.json", json.dumps(summary, indent=1).encode("utf-8"))
    atomic_save_png(out / "montage.png", montage(rows))
    print(
        f"overall: {summary['regions']} regions in {summary['drawings']} drawings · "
        + " · ".join(f"{name} {_shown(summary[name])}" for name in MEASURES)
    )
    print(f"wrote {out / 'metrics.json'} and {out / 'montage.png'} (line art | hints | output)")
    return 0


COMMAND = Subcommand(
    "eval-real", "stroke adherence, bleeding and smudging on real line art", configure, run
)
