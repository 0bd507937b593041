"""``python -m training``: the training command line."""

from __future__ import annotations

from collections.abc import Sequence

from colorizer_app.commandline import run_cli
from training import commands


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(
        "python -m training",
        "Train, evaluate and inspect the colorization networks.",
        commands,
        argv,
    )
