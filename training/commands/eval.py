"""``python -m training eval``: the scoreboard on fresh synthetic samples (architecture §4)."""

from __future__ import annotations

import argparse
import json

from colorizer_app.commandline import Subcommand
from colorizer_app.engine.request import REGION_CONSISTENCY


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        required=True,
        help="truth | flat-gray | flat | MODEL.safetensors (the unified "
        "generator at --size) | engine:MODEL.safetensors (through the "
        "app's engine; any model, a paper model from a folder whose "
        "manifest.json lists its companions, e.g. resources/models)",
    )
    parser.add_argument("--n", type=int, default=50, help="number of evaluation samples")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed offset; evaluation seeds are 1e9 + offset + i"
    )
    parser.add_argument("--size", type=int, default=256, help="image size in pixels")
    parser.add_argument("--config", default="eval-v1", help="frozen evaluation config name")
    parser.add_argument("--out", required=True, help="folder for metrics.json and montage.png")
    parser.add_argument(
        "--region-consistency",
        action="store_true",
        default=False,
        help=f"with engine:MODEL, {REGION_CONSISTENCY.name}: {REGION_CONSISTENCY.description}; "
        "off unless given: the scoreboard scores the model's own colors",
    )
    parser.add_argument("--montage-rows", type=int, default=16, help="samples in the montage")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_save_png, atomic_write_bytes
    from training.evaluation.colorizers import resolve_colorizer
    from training.evaluation.evaluator import Evaluator, eval_seeds
    from training.evaluation.report import format_table, result_montage, summarize

    if args.n < 1:
        raise ColorizerError("--n must be at least 1")
    evaluator = Evaluator(
        resolve_colorizer(args.model, region_consistency=args.region_consistency),
        size=args.size,
        config=args.config,
    )
    seeds = eval_seeds(args.n, args.seed)
    results = [evaluator.evaluate_sample(seed) for seed in tqdm(seeds, desc="eval", unit="sample")]
    table = summarize(results)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(f"{out}: cannot create the output folder: {error.strerror}") from None
    report = {
        "model": args.model,
        "region_consistency": args.region_consistency,
        "config": args.config,
        "size": args.size,
        "seeds": [seeds.start, seeds.stop],
        "table": table,
    }
    atomic_write_bytes(out / "metrics.json", json.dumps(report, indent=1).encode("utf-8"))
    atomic_save_png(out / "montage.png", result_montage(results, args.montage_rows))
    print(
        f"model {args.model} · {args.config} · {args.n} samples at {args.size}² · "
        f"seeds {seeds.start}..{seeds.stop - 1}"
    )
    print(format_table(table))
    print(
        f"wrote {out / 'metrics.json'} and {out / 'montage.png'} "
        "(line art | hints | hint output | tag output | ground truth)"
    )
    return 0


COMMAND = Subcommand("eval", "score a colorizer on fresh synthetic samples", configure, run)
