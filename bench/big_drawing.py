"""``python -m bench.big_drawing``: time and peak memory of coloring one huge drawing.

The size limit (``imaging.loader.MAX_PIXELS``) lets a drawing of up to 40 MP through; the
goal is that coloring it stays under 2 GB of memory. Each model runs in a fresh process (peak
RSS is per process): a generated line drawing of ``--side``² (``bench.engine``'s), one stroke
and a tag, region consistency on (the app's default). Prints a markdown table with the
machine; the peak includes the Python process, torch and the drawing itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import torch

from bench.engine import synthetic_drawing
from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.imaging.hints import Hints, Stroke

GOAL_MB = 2048


def measure(side: int, model: str) -> dict[str, float]:
    """Colors one drawing in this process; its wall time and the process's peak RSS."""
    art = synthetic_drawing(side)
    scale = side / 1024
    stroke = Stroke(
        "#d04040", 8.0 * scale, ((300 * scale, 300 * scale), (500 * scale, 330 * scale))
    )
    request = ColorizeRequest(
        art,
        model=model,
        hints=Hints((stroke,)),
        tags={} if model == "flat" else {"blue_hair": 1.0},
    )
    engine = Engine(ModelRegistry(), threads=1)
    start = time.perf_counter()
    engine.colorize(request)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    return {"seconds": seconds, "peak_mb": peak}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.big_drawing", description=__doc__)
    parser.add_argument("--side", type=int, default=6000, help="the drawing's side (default 6000)")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["auto", "flat"],
        help="models to run, each in its own process (default: auto flat)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: one model
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.side, args.one)))
        return
    print(
        f"{args.side}² drawing ({args.side**2 / 1e6:.0f} MP) · {platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}, 1 engine thread"
    )
    print("\n| model | colorize (s) | peak RSS (MB) | under 2 GB |\n| --- | --- | --- | --- |")
    for model in args.models:
        child = subprocess.run(
            [sys.executable, "-m", "bench.big_drawing", "--side", str(args.side), "--one", model],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        under = "yes" if result["peak_mb"] < GOAL_MB else "no"
        print(f"| {model} | {result['seconds']:.1f} | {result['peak_mb']:.0f} | {under} |")


if __name__ == "__main__":
    main()
