"""``colorizer-cli``: headless commands (info, colorize, batch, models, ...)."""

from __future__ import annotations

from collections.abc import Sequence

from colorizer_app.cli import commands
from colorizer_app.commandline import run_cli


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("colorizer-cli", "Colorize anime line art without the window.", commands, argv)
