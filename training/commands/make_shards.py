"""``python -m training make-shards``: pre-render synthetic training samples to disk."""

from __future__ import annotations

import argparse

from colorizer_app.commandline import Subcommand


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, required=True, help="number of samples")
    parser.add_argument("--seed", type=int, default=0, help="first seed (training seeds < 1e9)")
    parser.add_argument("--size", type=int, default=256, help="image size in pixels")
    parser.add_argument("--config", default="train", help="synthetic generator config name")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--workers", type=int, default=1, help="rendering processes")
    parser.add_argument("--per-shard", type=int, default=256, help="samples per shard file")
    parser.add_argument(
        "--with-reference", action="store_true", help="also render each sample's re-posed reference"
    )


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from training.data.shards import write_shards

    with tqdm(total=args.n, unit="sample", desc="make-shards") as bar:
        index = write_shards(
            args.out,
            args.n,
            args.seed,
            args.size,
            args.config,
            workers=args.workers,
            per_shard=args.per_shard,
            with_reference=args.with_reference,
            progress=bar.update,
        )
    print(f"wrote {args.n} samples; index {index}")
    return 0


COMMAND = Subcommand(
    "make-shards", "pre-render synthetic samples to compressed shards", configure, run
)
