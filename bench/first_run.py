"""``python -m bench.first_run``: what an artist waits for outside the engine, on real drawings.

For the drawings of a folder (default ``../shared/real-lineart``, evaluation only), medians of:

- ``python -c "import torch"``, the floor of any command that colors;
- ``colorizer-cli colorize DRAWING -o OUT`` with the default model, and with flat fill, each a
  fresh process, against that floor (goal: ≤ 1.5 ×);
- the app: the real window (offscreen unless there is a display) opened, then each drawing
  opened and timed until its colors are on the canvas (goal: ≤ 1.5 s);
- the engine in-process: a cold colorize (fresh engine, model loaded) and a warm tag change.

Prints markdown with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CLI_GOAL = 1.5  # × import torch
APP_GOAL_S = 1.5
WAIT_S = 120.0  # longest wait for the window before the benchmark gives up
DEFAULT_FOLDER = Path(__file__).resolve().parents[1].parent / "shared" / "real-lineart"


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def cli_seconds(drawings: list[Path], scratch: Path, model: str) -> float:
    """Median wall time of ``colorizer-cli colorize`` over the drawings, one process each."""
    return statistics.median(
        wall(
            [sys.executable, "-m", "colorizer_app.cli", "colorize", str(drawing)]
            + ["--model", model, "-o", str(scratch / f"{drawing.stem}.png")]
        )
        for drawing in drawings
    )


def engine_seconds(drawings: list[Path]) -> tuple[float, float]:
    """Medians of a cold colorize (a fresh engine) and of a warm tag change, in-process."""
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry
    from colorizer_app.engine.request import ColorizeRequest
    from colorizer_app.imaging.loader import load_image

    cold, warm = [], []
    for drawing in drawings:
        pixels = load_image(drawing).pixels
        engine = Engine(ModelRegistry())
        start = time.perf_counter()
        engine.colorize(ColorizeRequest(pixels, tags={"blue_hair": 1.0}))
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.colorize(ColorizeRequest(pixels, tags={"blue_hair": 1.5}))
        warm.append(time.perf_counter() - start)
    return statistics.median(cold), statistics.median(warm)


def wait_until(app, done: Callable[[], bool]) -> None:  # noqa: ANN001
    """Runs the event loop until ``done()``; polls, since the worker's state changes post no
    event the loop could wait for."""
    deadline = time.perf_counter() + WAIT_S
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the window did not get there in {WAIT_S:.0f} s")
        app.processEvents()
        time.sleep(0.002)


def app_seconds(drawings: list[Path], scratch: Path) -> tuple[float, list[float]]:
    """Seconds from creating the window to its model being ready, then per drawing from
    ``open_file`` to its colors shown."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bench.ui import Bench, StallMeter  # colors_shown: the canvas shows the document
    from colorizer_app.document.journal import Journal
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry
    from colorizer_app.ui.main_window import MainWindow, PictureChoice

    app = QApplication.instance() or QApplication([sys.argv[0]])
    start = time.perf_counter()
    window = MainWindow(
        lambda device: Engine(ModelRegistry(), device=device),
        settings=QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat),
        journal=Journal(scratch / "journal"),
    )
    window.discard_on_close = True
    window.dialogs_enabled = False
    window.ask_about_finished_picture = lambda name: PictureChoice.AS_LINE_ART  # line art, all
    window.resize(1400, 900)
    window.show()
    bench = Bench(app, window, StallMeter(), 0)
    worker = window.worker_thread.worker
    wait_until(app, lambda: worker.engine is not None and worker.engine.calls["warm"] > 0)
    ready = time.perf_counter() - start
    opened = []
    try:
        for drawing in drawings:
            start = time.perf_counter()
            if not window.open_file(drawing):
                raise RuntimeError(f"{drawing}: the window could not open it")
            wait_until(app, bench.colors_shown)
            opened.append(time.perf_counter() - start)
    finally:
        window.close()
        app.processEvents()
    return ready, opened


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_run", description=__doc__)
    parser.add_argument(
        "folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="drawings to measure"
    )
    parser.add_argument("--runs", type=int, default=3, help="import-torch runs (default 3)")
    args = parser.parse_args(argv)
    from colorizer_app.imaging.loader import IMAGE_SUFFIXES

    drawings = sorted(p for p in args.folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not drawings:
        print(f"bench.first_run: no drawings in {args.folder}", file=sys.stderr)
        return 2
    import torch

    torch_s = statistics.median(
        wall([sys.executable, "-c", "import torch"]) for _ in range(args.runs)
    )
    with tempfile.TemporaryDirectory(prefix="colorizer-first-run-") as name:
        scratch = Path(name)
        cli = cli_seconds(drawings, scratch, "auto")
        flat = cli_seconds(drawings, scratch, "flat")
        ready, opened = app_seconds(drawings, scratch)
    cold, warm = engine_seconds(drawings)
    app_s = statistics.median(opened)
    print(
        f"{len(drawings)} drawings of {args.folder} · {platform.machine()}, {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, torch {torch.__version__}\n"
    )
    print("| measure | median (s) | goal | met |\n| --- | --- | --- | --- |")
    print(f'| `python -c "import torch"` | {torch_s:.2f} | | |')
    met = "yes" if cli <= CLI_GOAL * torch_s else "no"
    print(
        f"| `colorizer-cli colorize`, default model | {cli:.2f} ({cli / torch_s:.2f} ×) | "
        f"≤ {CLI_GOAL} × import torch | {met} |"
    )
    print(f"| `colorizer-cli colorize --model flat` | {flat:.2f} ({flat / torch_s:.2f} ×) | | |")
    print(f"| app: window created → model loaded and warm | {ready:.2f} | | |")
    met = "yes" if app_s <= APP_GOAL_S else "no"
    print(
        f"| app: open a drawing → its colors shown (max {max(opened):.2f}) | {app_s:.2f} | "
        f"≤ {APP_GOAL_S} s | {met} |"
    )
    print(f"| engine: cold colorize (model load included) | {cold:.2f} | | |")
    print(f"| engine: tag change, warm | {warm:.3f} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
