"""``python -m training eval-parts``: how well the part map serves an artist, on the real dev
set and synthetic pairs (see ``training.real_dev.parts_benchmark``): the part-tool clicks that
make every labelled part right, and how alike one character palette colors different drawings.
A benchmark to run and quote, not a test: the images stay in ``--images``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from colorizer_app.commandline import Subcommand
from training.real_dev.options import add_dev_set_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="a model file with a part head")
    parser.add_argument("--out", required=True, type=Path, help="folder for metrics.json")
    parser.add_argument(
        "--pairs", type=int, default=20, help="synthetic re-posed pairs for palette consistency"
    )
    add_dev_set_options(parser)


def run(args: argparse.Namespace) -> int:
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.imaging.atomic import atomic_write_bytes
    from colorizer_app.vocabulary import load_vocabulary
    from training.evaluation.colorizers import registry_serving
    from training.real_dev.labels import DEFAULT_LABELS, load_labels
    from training.real_dev.parts_benchmark import run_parts_benchmark

    vocabulary = load_vocabulary()
    registry, name = registry_serving(Path(args.model))
    engine = Engine(registry, device="cpu")
    result = run_parts_benchmark(
        engine,
        load_labels(args.labels or DEFAULT_LABELS, vocabulary),
        args.images,
        model=name,
        size=args.size,
        pairs=args.pairs,
        vocabulary=vocabulary,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out / "metrics.json", json.dumps(result, indent=1).encode("utf-8"))
    print(
        f"part tool: {result['mean_clicks']:.2f} clicks per drawing on average "
        f"({result['mean_wrong_points']:.2f} labelled points wrong before any), "
        f"{result['all_fixed']}/{len(result['clicks'])} drawings made all right"
    )
    for where in ("palette_real", "palette_synthetic"):
        cells = ", ".join(
            f"{part} {s['median_de']:.1f} (mean {s['mean_de']:.1f}, {s['pairs']} pairs)"
            if s["median_de"] is not None
            else f"{part} none"
            for part, s in result[where].items()
        )
        print(f"{where}: per-part ΔE76 between drawings, median: {cells}")
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


COMMAND = Subcommand(
    "eval-parts",
    "Part-tool clicks to fix the real dev set's parts, and character-palette consistency.",
    configure,
    run,
)
