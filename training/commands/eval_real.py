"""``python -m training eval-real [DIR]``: the colorizer on real drawings.

Without DIR: the labelled real dev set (``training/real_dev``; the images in ``--images``,
default ``../shared``): per-part tag accuracy, faces that stay skin, clean untagged parts and
background, and color illustrations rebuilt from their line art (see
``training.real_dev.benchmark``).

With DIR, a folder of line art: hint adherence, the counterpart of hint accuracy. Each drawing is
split into regions by the flat-fill segmentation, the larger regions get one scribble of a random
palette color each, and the colorizer's output is scored per region:

- stroke adherence — the share of the region's paper pixels (line pixels and the stroke's own,
  dilated, pixels left out) within ΔE 20 of the stroke's color;
- bleeding — the share of those pixels whose chroma or hue leaves the region's median (as in the
  synthetic scoreboard);
- smudging — the share of those pixels whose lightness leaves the region's median by more than
  ΔL* 12: gray smudges over a white fill, which bleeding cannot see (shading counts as well).

A model file runs through the app's engine at its default working size, with region consistency
on (the app's default) unless ``--no-region-consistency``; flat fill and gray take no options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.commandline import Subcommand
from colorizer_app.engine.request import REGION_CONSISTENCY
from training.real_dev.options import add_dev_set_options

ADHERENCE_DE = 20.0
MAX_REGIONS = 12
MEASURES = ("adherence", "bleeding", "smudging")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        nargs="?",
        help="a folder of line art to score for stroke adherence; without it, the real dev set",
    )
    parser.add_argument(
        "--model",
        required=True,
        help="flat-gray | flat | a model file (run through the app's engine: real "
        "drawings come in any size)",
    )
    parser.add_argument("--out", required=True, help="folder for metrics.json and the montages")
    parser.add_argument("--seed", type=int, default=0, help="seed for stroke placement and colors")
    parser.add_argument(
        "--min-area",
        type=float,
        default=0.005,
        help="smallest region that gets a stroke, as a share of the image",
    )
    parser.add_argument(
        "--region-consistency",
        action=argparse.BooleanOptionalAction,
        default=REGION_CONSISTENCY.default,
        help=f"with a model file, {REGION_CONSISTENCY.name}: {REGION_CONSISTENCY.description} "
        "(the app's default: real drawings are scored as an artist gets them)",
    )
    add_dev_set_options(parser)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _shown(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}"


def run(args: argparse.Namespace) -> int:
    from training.evaluation.colorizers import resolve_colorizer

    spec = args.model
    if spec not in ("flat-gray", "flat", "truth") and not spec.startswith("engine:"):
        spec = "engine:" + spec
    through_engine = spec.startswith("engine:")
    colorizer = resolve_colorizer(
        spec, region_consistency=args.region_consistency and through_engine
    )
    if args.folder is None:
        return _run_dev_set(args, colorizer)
    return _run_folder(args, colorizer)


def _run_dev_set(args: argparse.Namespace, colorizer) -> int:
    from colorizer_app.vocabulary import load_vocabulary
    from training.real_dev.benchmark import markdown_report, run_dev_set, write_results
    from training.real_dev.labels import DEFAULT_LABELS, load_labels

    vocabulary = load_vocabulary()
    dev_set = load_labels(args.labels or DEFAULT_LABELS, vocabulary)
    out = Path(args.out)
    result = run_dev_set(
        colorizer, dev_set, args.images, out, size=args.size, seed=args.seed, vocabulary=vocabulary
    )
    result = {"model": args.model, "region_consistency": args.region_consistency, **result}
    report = markdown_report(result["summary"], args.model)
    write_results(out, result, report)
    print(report)
    print(f"wrote {out / 'metrics.json'}, {out / 'report.md'} and a montage per drawing")
    return 0


def _run_folder(args: argparse.Namespace, colorizer) -> int:
    import json

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
    from training.evaluation.metrics import (
        paper_mask,
        region_bleeding,
        region_smudging,
        stroke_adherence,
    )
    from training.evaluation.report import hint_picture, montage
    from training.evaluation.request import EvalRequest
    from training.real_dev.drawings import scaled_ink
    from training.real_dev.pictures import fit

    folder = Path(args.folder)
    if not folder.is_dir():
        raise ColorizerError(f"{folder}: not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ColorizerError(f"{folder}: no images found")
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
        rows.append([fit(sketch), fit(hint_picture(sketch, hint_map)), fit(output)])
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
    "eval-real",
    "the real dev set's part measures and reconstructions, or stroke adherence on a folder",
    configure,
    run,
)
