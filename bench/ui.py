"""``python -m bench.ui``: does the window stay responsive while a model colors?

Starts the real ``MainWindow`` (offscreen unless a display is set), opens a generated drawing and
then, ``--runs`` times each, plays what an artist does while the default neural model colors:
a stroke with the mouse, a 20-step drag of a tag slider, a reference dropped on its panel. A 5 ms
timer runs all along; the gaps between its ticks are the event loop's stalls (a tick can only be
late when the GUI thread is busy). A scenario ends once its colors are shown and repainted.
Prints a markdown table of each scenario's longest stall (median and maximum over the runs) and
the machine. The goal is 50 ms: beyond it dragging visibly stutters.

The model is the registry's best (the one Auto runs for strokes, tags and a reference), or
``--model FILE.safetensors``; when none is installed, an untrained ``unified`` ``tiny`` network
saved to a temporary folder stands in (responsiveness does not depend on the weights), and the
output says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image

TICK_MS = 5
GOAL_MS = 50.0
SLIDER_STEPS = 20
EVENT_GAP_S = 0.016  # between synthetic input events: a 60 Hz mouse
SETTLE_S = 0.1  # after the colors arrive: the repaint they cause is part of the scenario
TIMEOUT_S = 300.0
STAND_IN_LABEL = "untrained unified-tiny stand-in (no model installed)"
ALL_KINDS = ("strokes", "tags", "reference")


@dataclass
class StallMeter:
    """Records the gaps between the ticks of a ``TICK_MS`` timer on the GUI thread."""

    ticks: list[float] = field(default_factory=list)

    def tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def restart(self) -> None:
        self.ticks = [time.perf_counter()]

    def worst_ms(self) -> float:
        """The longest gap beyond the timer's own interval."""
        self.tick()
        gaps = np.diff(self.ticks) * 1000 if len(self.ticks) > 1 else np.zeros(1)
        return max(0.0, float(gaps.max()) - TICK_MS)


@dataclass(frozen=True)
class Chosen:
    name: str
    label: str  # what the report calls it
    registry: Callable[[], object]  # builds a ModelRegistry that lists the model


def stand_in_model(folder: Path) -> Chosen:
    """An untrained ``unified`` ``tiny`` model file in ``folder``."""
    from bench.stand_in import save_untrained_unified
    from colorizer_app.engine.registry import ModelRegistry

    save_untrained_unified(folder / "stand-in.safetensors", resolution=256)
    return Chosen(
        "stand-in", STAND_IN_LABEL, lambda: ModelRegistry(shipped_dir=None, user_dir=folder)
    )


def choose_model(model_file: str | None, scratch: Path) -> Chosen:
    """``model_file``, else the model Auto runs for strokes + tags + reference (the one taking
    most of them, the default first), else a stand-in."""
    from colorizer_app.engine.registry import ModelRegistry
    from colorizer_app.errors import ColorizerError

    if model_file is not None:
        path = Path(model_file)
        if not path.is_file():
            raise ColorizerError(f"{path}: model file not found")
        return Chosen(
            path.stem,
            f"{path.stem} ({path})",
            lambda: ModelRegistry(shipped_dir=None, user_dir=path.parent),
        )
    best = ModelRegistry().choose(ALL_KINDS)
    if best is None:
        return stand_in_model(scratch)
    return Chosen(best.name, f"{best.name} ({best.source} model)", ModelRegistry)


def reference_image(size: int, seed: int) -> np.ndarray:
    """An RGBA illustration: colored blobs with grain, which costs what a real (JPEG) reference
    costs to decode and compress; flat blobs would flatter every stage."""
    import cv2

    rng = np.random.default_rng(seed)
    pixels = np.full((size, size, 4), 255, np.uint8)
    for _ in range(12):
        centre = tuple(int(v) for v in rng.integers(0, size, 2))
        axes = tuple(int(v) for v in rng.integers(size // 12, size // 3, 2))
        color = tuple(int(v) for v in rng.integers(0, 256, 3)) + (255,)
        cv2.ellipse(pixels, centre, axes, float(rng.uniform(0, 180)), 0, 360, color, -1)
    grain = rng.normal(0, 6, (size, size, 3))
    pixels[..., :3] = np.clip(pixels[..., :3] + grain, 0, 255).astype(np.uint8)
    return pixels


class Bench:
    """Drives one window through the scenarios, measuring each run's worst stall."""

    def __init__(self, app, window, meter: StallMeter, size: int) -> None:  # noqa: ANN001
        self.app, self.window, self.meter, self.size = app, window, meter, size

    def spin(self, seconds: float = 0.0, until: Callable[[], bool] | None = None) -> None:
        """Runs the event loop for ``seconds``, then until ``until()`` holds."""
        from PySide6.QtCore import QEventLoop

        end = time.perf_counter() + seconds
        deadline = end + TIMEOUT_S
        while time.perf_counter() < end or (until is not None and not until()):
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not take the edit or color it in time")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    def colors_shown(self) -> bool:
        """The colors on the canvas are those of the document as it is now."""
        window = self.window
        request, state = window.result_request, window.state
        return (
            window.idle
            and request is not None
            and state is not None
            and request.hints == state.hints
            and dict(request.tags) == state.tag_values
            and request.reference is state.reference
        )

    def measure(self, scenario: Callable[[int], None], run: int) -> float:
        self.spin(until=self.colors_shown)
        before = self.window.state
        self.meter.restart()
        scenario(run)
        self.spin(until=lambda: self.window.state is not before)  # a drop loads on a thread
        self.spin(until=self.colors_shown)
        self.spin(SETTLE_S)
        return self.meter.worst_ms()

    def stroke(self, run: int) -> None:
        """A mouse stroke across the drawing, one move event per 60 Hz frame."""
        from PySide6.QtCore import QEvent, QPointF, Qt
        from PySide6.QtGui import QMouseEvent

        canvas = self.window.canvas
        pane = canvas._panes()[0]
        y = self.size * (0.2 + 0.1 * (run % 7))
        points = [
            QPointF(self.size * (0.15 + 0.7 * i / 24), y + 0.05 * self.size * np.sin(i / 3))
            for i in range(25)
        ]
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
        events = [
            (QEvent.Type.MouseButtonPress if i == 0 else QEvent.Type.MouseMove, point, left)
            for i, point in enumerate(points)
        ]
        events.append((QEvent.Type.MouseButtonRelease, points[-1], none))
        for kind, point, buttons in events:
            at = canvas._to_widget(point, pane)
            self.app.sendEvent(
                canvas,
                QMouseEvent(
                    kind, at, canvas.mapToGlobal(at), left, buttons, Qt.KeyboardModifier.NoModifier
                ),
            )
            self.spin(EVENT_GAP_S)

    def drag_slider(self, run: int) -> None:
        """A tag slider dragged in ``SLIDER_STEPS`` steps, then released."""
        slider = self.window.tag_panel._rows["blue_hair"].slider
        start = 0.4 + 0.1 * (run % 5)
        slider.setSliderDown(True)
        for step in range(1, SLIDER_STEPS + 1):
            slider.setValue(round((start + 1.5 * step / SLIDER_STEPS) * 100))
            self.spin(EVENT_GAP_S)
        slider.setSliderDown(False)

    def drop_reference(self, run: int, files: list[Path]) -> None:
        """A reference file dragged onto the reference panel and dropped."""
        from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
        from PySide6.QtGui import QDragEnterEvent, QDropEvent

        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(files[run % len(files)]))])
        action, button, modifier = (
            Qt.DropAction.CopyAction,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        # Qt delivers no drop whose entry it refused, so the entry comes first.
        self.app.sendEvent(
            self.window.reference_panel,
            QDragEnterEvent(QPoint(5, 5), action, mime, button, modifier),
        )
        self.app.sendEvent(
            self.window.reference_panel, QDropEvent(QPointF(5, 5), action, mime, button, modifier)
        )


def machine_line(threads: int, device: str) -> str:
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{threads} torch thread(s) in the worker, device {device}, Python "
        f"{platform.python_version()}, torch {torch.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    parser.add_argument("--size", type=int, default=1024, help="the drawing's side in pixels")
    parser.add_argument(
        "--model",
        metavar="FILE.safetensors",
        help="measure this model file (default: the best installed one)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.size < 64:
        parser.error("--runs must be ≥ 1 and --size ≥ 64")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from bench.engine import synthetic_drawing
    from colorizer_app.document.journal import Journal
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.errors import ColorizerError
    from colorizer_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="colorizer-bench-") as scratch_name:
        scratch = Path(scratch_name)
        try:
            chosen = choose_model(args.model, scratch)
        except ColorizerError as error:
            print(f"colorizer bench: {error}", file=sys.stderr)
            return 2
        drawing = scratch / "drawing.png"
        Image.fromarray(synthetic_drawing(args.size)).save(drawing)
        references = []
        for seed in (1, 2):
            references.append(scratch / f"reference-{seed}.png")
            Image.fromarray(reference_image(max(64, args.size * 3 // 4), seed)).save(references[-1])
        settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
        journal = Journal(scratch / "journal")  # the real app journals every edit
        window = MainWindow(
            lambda device: Engine(chosen.registry(), device=device),
            settings=settings,
            journal=journal,
        )
        window.discard_on_close = True
        window.dialogs_enabled = False
        window.resize(1400, 900)
        window.show()
        meter = StallMeter()
        ticker = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        ticker.timeout.connect(meter.tick)
        ticker.start()
        bench = Bench(app, window, meter, args.size)
        try:
            bench.spin(until=lambda: any(m.name == chosen.name for m in window.models))
            window.engine_controls.set_options(
                replace(window.engine_controls.options(), model=chosen.name)
            )
            if not window.open_file(drawing):
                raise ColorizerError(f"{drawing}: the window could not open the drawing")
            bench.spin(until=bench.colors_shown)
            scenarios: list[tuple[str, Callable[[int], None]]] = [
                ("stroke (mouse, 25 events), colored 150 ms after pen-up", bench.stroke),
                (f"tag slider drag ({SLIDER_STEPS} steps, live colors)", bench.drag_slider),
                (
                    "reference dropped on its panel",
                    lambda run: bench.drop_reference(run, references),
                ),
            ]
            worst: dict[str, list[float]] = {name: [] for name, _ in scenarios}
            seconds: list[float] = []
            for run in range(args.runs):
                for name, scenario in scenarios:
                    worst[name].append(bench.measure(scenario, run))
                    seconds.append(window.result.seconds)
            if window.result.model != chosen.name:
                raise ColorizerError(
                    f"the window colored with {window.result.model}, not {chosen.name}"
                )
        except (ColorizerError, TimeoutError) as error:
            print(f"colorizer bench: {error}", file=sys.stderr)
            return 1
        finally:
            ticker.stop()
            window.close()
            app.processEvents()
        threads = window.worker_thread.worker.engine.threads
        print(
            f"Event-loop stalls of the window while **{chosen.label}** colors a "
            f"{args.size}×{args.size} drawing; {args.runs} run(s) per scenario; a {TICK_MS} ms "
            f"timer's late ticks. Goal ≤ {GOAL_MS:.0f} ms.\n"
        )
        print(
            f"Machine: {machine_line(threads, window.device_name)}; Qt platform "
            f"{app.platformName()}; model time per result: median "
            f"{statistics.median(seconds):.2f} s.\n"
        )
        print("| scenario | median stall (ms) | max stall (ms) | goal met |")
        print("| --- | --- | --- | --- |")
        for name, values in worst.items():
            print(
                f"| {name} | {statistics.median(values):.1f} | {max(values):.1f} | "
                f"{'yes' if max(values) <= GOAL_MS else 'no'} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
