"""The command-line options every real-dev-set benchmark shares (``eval-real``,
``eval-parts``, ``eval-reference``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_dev_set_options(parser: argparse.ArgumentParser) -> None:
    """``--size``, ``--labels`` and ``--images``."""
    parser.add_argument(
        "--size", type=int, default=512, help="drawings are scaled down to this long side"
    )
    parser.add_argument(
        "--labels", type=Path, help="the dev set's labels file (default: the project's)"
    )
    parser.add_argument(
        "--images",
        type=Path,
        default=Path("../shared"),
        help="the folder that holds the dev set's image folders",
    )
