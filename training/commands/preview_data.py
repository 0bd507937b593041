"""``python -m training preview-data``: a montage of synthetic samples, to look at the data.

Each sample is one strip: color | clean | xdog | rough line art | region map | skeleton |
reference (the same character re-posed and deformed).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from colorizer_app.commandline import Subcommand

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=32, help="number of samples (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--size", type=int, default=256, help="sample size in pixels (128-512)")
    parser.add_argument("--config", default="train", help="named synthetic config (default train)")
    parser.add_argument(
        "--strips-per-row",
        type=int,
        default=2,
        help="samples side by side in the montage (default 2)",
    )
    parser.add_argument("--out", type=Path, default=Path("preview.png"), help="PNG to write")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_save_png
    from training.data.synthetic import SyntheticConfig, generate
    from training.data.synthetic_lineart import STYLES

    if args.n < 1 or args.strips_per_row < 1:
        raise ColorizerError("--n and --strips-per-row must be at least 1")
    config = SyntheticConfig.sized(args.config, args.size)
    palette = _region_palette()
    strips = []
    for seed in range(args.seed, args.seed + args.n):
        first = generate(seed, config, style=STYLES[0], with_reference=True)
        sketches = [first.sketch] + [generate(seed, config, style=s).sketch for s in STYLES[1:]]
        tiles = [
            first.color,
            *[np.repeat(s[..., None], 3, 2) for s in sketches],
            palette[first.regions],
            np.repeat(255 - first.skeleton[..., None], 3, 2),
            first.reference,
        ]
        strips.append(np.concatenate(tiles, axis=1))
    gap = np.full((strips[0].shape[0], 8, 3), 64, np.uint8)
    rows = []
    for i in range(0, len(strips), args.strips_per_row):
        row = strips[i : i + args.strips_per_row]
        row += [np.zeros_like(strips[0])] * (args.strips_per_row - len(row))
        rows.append(np.concatenate([x for s in row for x in (s, gap)][:-1], axis=1))
    atomic_save_png(args.out, np.concatenate(rows, axis=0))
    print(
        f"wrote {args.out}: {args.n} samples, columns per sample: color | "
        f"{' | '.join(STYLES)} | regions | skeleton | reference"
    )
    return 0


def _region_palette():
    """A fixed, distinct display color for each part id."""
    import numpy as np

    colors = [
        "#ffffff",
        "#f5c9a6",
        "#7a4fd0",
        "#1f77ff",
        "#b0f0ff",
        "#d62728",
        "#2ca02c",
        "#ff7f0e",
        "#8c564b",
        "#303030",
        "#e377c2",
        "#bcbd22",
        "#17becf",
        "#9edae5",
    ]
    table = np.zeros((256, 3), np.uint8)
    for i, c in enumerate(colors):
        table[i] = [int(c[k : k + 2], 16) for k in (1, 3, 5)]
    return table


COMMAND = Subcommand(
    "preview-data", "Write a montage of synthetic training samples.", configure, run
)
