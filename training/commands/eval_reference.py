"""``python -m training eval-reference``: references on real drawings (see
``training.real_dev.reference_benchmark``): a color illustration rebuilt with a mirrored copy of
itself as the reference, and whether real line arts colored with each of four real references
follow their own (color histogram, hair color). A benchmark to run and quote, not a test."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from colorizer_app.commandline import Subcommand
from training.real_dev.options import add_dev_set_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="a model file")
    parser.add_argument("--out", required=True, type=Path, help="folder for metrics.json")
    parser.add_argument(
        "--strength", type=float, default=1.0, help="the requests' reference strength (0-1)"
    )
    add_dev_set_options(parser)


def run(args: argparse.Namespace) -> int:
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.imaging.atomic import atomic_write_bytes
    from colorizer_app.vocabulary import load_vocabulary
    from training.evaluation.colorizers import registry_serving
    from training.real_dev.labels import DEFAULT_LABELS, load_labels
    from training.real_dev.reference_benchmark import run_reference_benchmark

    registry, name = registry_serving(Path(args.model))
    result = run_reference_benchmark(
        Engine(registry, device="cpu"),
        load_labels(args.labels or DEFAULT_LABELS, load_vocabulary()),
        args.images,
        model=name,
        size=args.size,
        strength=args.strength,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out / "metrics.json", json.dumps(result, indent=1).encode("utf-8"))
    own = result["self_reference"]
    print(
        "mirrored self-reference ΔE76 / PSNR: "
        + ", ".join(f"{k} {v['de76']:.1f} / {v['psnr']:.2f} dB" for k, v in own.items())
    )
    hair = result["hair_follows"]
    print(
        f"nearest reference {result['nearest_reference']:.3f} (chance "
        f"{1 / result['references']:.2f}), hair follows the reference "
        f"{'none' if hair is None else f'{hair:.3f}'} over {result['pairs']} pairs"
    )
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


COMMAND = Subcommand(
    "eval-reference",
    "Real references: mirrored self-reference, nearest-reference and hair-follows accuracy.",
    configure,
    run,
)
