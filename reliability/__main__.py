"""``python -m reliability``: every hardening scenario at full size, as a table.

The figures go to docs/reliability.md. Scenarios run one after another in this process (the
crash test starts the app as a subprocess); each gets its own folder under a temporary one.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from reliability.outcome import Outcome, markdown_table


def scenarios(args: argparse.Namespace) -> list[tuple[str, Callable[[Path], Outcome]]]:
    from reliability import (
        app_scenarios,
        broken_models,
        disk,
        flood,
        inputs,
        recovery,
    )
    from reliability.qt import random_model_folder

    def models(folder: Path) -> Path:
        return random_model_folder(folder.parent / "random-model")

    return [
        ("loader", lambda folder: inputs.loader_scenario(folder.parent / "hostile")),
        (
            "colorize",
            lambda folder: inputs.cli_colorize_scenario(folder.parent / "hostile", models(folder)),
        ),
        ("batch", lambda folder: inputs.batch_scenario(folder.parent / "hostile", models(folder))),
        ("open", lambda folder: app_scenarios.app_open_scenario(folder.parent / "hostile")),
        ("models", broken_models.registry_scenario),
        ("models-cli", broken_models.cli_scenario),
        ("models-app", app_scenarios.app_model_fallback_scenario),
        ("worker", app_scenarios.worker_faults_scenario),
        ("disk", disk.disk_faults_scenario),
        (
            "crash",
            partial(
                recovery.crash_recovery_scenario, edits=args.crash_edits, autosave_interval=0.2
            ),
        ),
        ("flood", partial(flood.event_flood_scenario, events=args.events, seconds=args.seconds)),
        ("long-use", partial(flood.long_use_scenario, runs=args.colorizations)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reliability", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--events", type=int, default=2000, help="events in the flood")
    parser.add_argument("--seconds", type=float, default=10.0, help="the flood's duration")
    parser.add_argument("--colorizations", type=int, default=500, help="runs of the long use")
    parser.add_argument("--crash-edits", type=int, default=60, help="edits before the SIGKILL")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scenarios")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="work in DIR and keep it (default: a temporary folder, removed)",
    )
    parser.add_argument("--verbose", action="store_true", help="show the app's own logging")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL)
    import torch

    torch.set_num_threads(1)
    root = args.keep or Path(tempfile.mkdtemp(prefix="colorizer-reliability-"))
    outcomes = []
    try:
        for name, scenario in scenarios(args):
            if args.only and name not in args.only:
                continue
            print(f"running {name} …", file=sys.stderr, flush=True)
            start = time.monotonic()
            outcome = scenario(root / name)
            outcome.seconds = time.monotonic() - start
            outcomes.append(outcome)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    from PySide6 import __version__ as pyside

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, torch {torch.__version__}, PySide6 {pyside}\n"
    )
    print(markdown_table(outcomes))
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
