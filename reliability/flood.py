"""Event flood and long use: many requests, bounded queue and memory, the right pixels at the end.

The flood drives the real window as fast as a frantic artist: brush strokes (press, move,
release through the tool controller) and color-tag slider drags (live previews, then the
release) at a fixed rate, while the worker colors with a model. Long use is the engine alone,
colorizing again and again with changing drawings, strokes and tags.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np

from reliability.fixtures import RANDOM_MODEL, outline_drawing
from reliability.outcome import Outcome, rss_mb
from reliability.qt import (
    close_window,
    model_factory,
    open_window,
    random_model_folder,
    recorded_dialogs,
    uncaught,
    wait_until,
)

FLOOD_MEMORY_LIMIT_MB = 100.0
LONG_USE_MEMORY_LIMIT_MB = 50.0
_SLIDER_TAGS = ("blue_hair", "red_eyes", "blonde_hair")
_COLORS = ("#e04040", "#40a040", "#4040e0", "#e0a020")


def _stroke(window, index: int) -> None:  # noqa: ANN001
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    from colorizer_app.ui.tools import ToolKind

    tools = window.tools
    tools.set_tool(ToolKind.BRUSH)
    tools.set_color(QColor(_COLORS[index % len(_COLORS)]))
    x, y = 10 + (index * 13) % 230, 10 + (index * 29) % 230
    tools.press(QPointF(x, y), 0.5)
    tools.move(QPointF(x + 6, y + 3), 0.8)
    tools.release(QPointF(x + 12, y + 4), 1.0)


def _slider(window, index: int, final: bool) -> None:  # noqa: ANN001
    values = dict(window.state.tag_values)
    values[_SLIDER_TAGS[(index // 10) % len(_SLIDER_TAGS)]] = round((index % 50) / 10, 1)
    window.set_tags(values, final=final)


def _showing_final_state(window) -> bool:  # noqa: ANN001
    shown, state = window.result_request, window.state
    return (
        window.idle
        and shown is not None
        and shown.drawing is state.drawing
        and shown.hints == state.hints
        and dict(shown.tags) == state.tag_values
    )


def event_flood_scenario(folder: Path, *, events: int = 300, seconds: float = 1.5) -> Outcome:
    """``events`` stroke and slider events within ``seconds`` (in tens: 3 strokes, 6 slider
    moves, 1 slider release)."""
    from PIL import Image

    from colorizer_app.engine.request import ColorizeRequest

    outcome = Outcome(f"event flood ({events} events in {seconds:g} s)")
    models = random_model_folder(folder / "models")
    drawing = folder / "lines.png"
    Image.fromarray(outline_drawing(256, 256)).save(drawing)
    factory = model_factory(models)
    with recorded_dialogs() as dialogs, uncaught() as escaped:
        window = open_window(folder / "app", factory)
        try:
            window.open_file(drawing)
            wait_until(lambda: window.idle and window.result is not None, 60.0)
            worker = window.worker_thread.worker
            ids: dict[int, tuple[int, object]] = {}
            submit = worker.submit

            def numbered_submit(order):  # noqa: ANN001, ANN202
                request_id = submit(order)
                ids[id(order.request)] = (request_id, order.request)  # kept alive: ids stay unique
                return request_id

            shown: list[int] = []
            set_result = window.canvas.set_result

            def recorded_set_result(*args):  # noqa: ANN002, ANN202
                shown.append(ids.get(id(window.result_request), (0,))[0])
                return set_result(*args)

            worker.submit = numbered_submit
            window.canvas.set_result = recorded_set_result
            gc.collect()
            before = rss_mb()
            most_queued, start = 0, time.monotonic()
            for index in range(events):
                step = index % 10
                if step < 3:
                    _stroke(window, index)
                else:
                    _slider(window, index, final=step == 9)
                most_queued = max(most_queued, worker.scheduler.queued)
                due = start + (index + 1) * seconds / events  # the next event's time
                wait_until(
                    lambda due=due: time.monotonic() >= due, max(due - time.monotonic(), 0.0)
                )
            flood_seconds = time.monotonic() - start
            settled = wait_until(lambda: _showing_final_state(window), 120.0)
            gc.collect()
            growth = rss_mb() - before
            outcome.tried = events
            outcome.memory_mb = growth
            outcome.expect(most_queued <= 2, f"{most_queued} jobs queued at once")
            outcome.expect(growth <= FLOOD_MEMORY_LIMIT_MB, f"memory grew {growth:.0f} MB")
            outcome.expect(
                all(a < b for a, b in zip(shown, shown[1:], strict=False)),
                f"a stale result was shown after a newer one: {shown}",
            )
            outcome.expect(not dialogs, f"dialogs: {dialogs[:3]}")
            if outcome.expect(settled, "the final state was never colored"):
                state, options = window.state, window.engine_controls.options()
                cold = factory("cpu").colorize(
                    ColorizeRequest(
                        drawing=state.drawing,
                        hints=state.hints,
                        tags=state.tag_values,
                        reference=state.reference,
                        model=options.model,
                        size=options.size,
                        region_consistency=options.region_consistency,
                    )
                )
                outcome.expect(
                    cold.model == window.result.model == RANDOM_MODEL,
                    f"models {cold.model} / {window.result.model}",
                )
                for layer in ("composite", "color", "flats"):
                    outcome.expect(
                        np.array_equal(cold.layers[layer], window.result.layers[layer]),
                        f"the shown {layer} differs from a cold run on the final state",
                    )
            outcome.result = (
                f"{len(shown)} results shown (ids increasing), at most {most_queued} "
                f"queued, flood took {flood_seconds:.1f} s, "
                f"{len(window.state.hints.strokes)} strokes at the end"
            )
        finally:
            close_window(window)
    outcome.crashes += len(escaped)
    outcome.problems += [f"escaped a slot: {type(e).__name__}: {e}" for e in escaped]
    return outcome


def long_use_scenario(folder: Path, *, runs: int = 50) -> Outcome:
    """``runs`` colorizations with the model, cycling through more drawings than the caches hold
    and changing strokes and tags every time; resident memory growth after a warm-up."""
    import torch

    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry
    from colorizer_app.engine.request import ColorizeRequest
    from colorizer_app.imaging.hints import Hints, Stroke

    outcome = Outcome(f"long use ({runs} colorizations)")
    torch.set_num_threads(1)
    models = random_model_folder(folder / "models")
    engine = Engine(ModelRegistry(shipped_dir=None, user_dir=models), device="cpu", threads=1)
    drawings = [outline_drawing(200 + 8 * i, 240 - 8 * i) for i in range(6)]  # caches hold 4
    warm_up = min(12, max(2, runs // 10))
    before = 0.0
    for index in range(warm_up + runs):
        if index == warm_up:
            gc.collect()
            before = rss_mb()
        stroke = Stroke(
            _COLORS[index % len(_COLORS)],
            4.0 + index % 5,
            ((10.0 + index % 150, 20.0), (60.0, 30.0 + index % 120)),
        )
        request = ColorizeRequest(
            drawing=drawings[index % len(drawings)],
            hints=Hints((stroke,)),
            tags={_SLIDER_TAGS[index % 3]: (index % 40) / 10},
        )
        try:
            result = engine.colorize(request)
        except Exception as error:  # noqa: BLE001 - counted
            outcome.crashes += 1
            outcome.problems.append(f"run {index}: {type(error).__name__}: {error}")
            continue
        outcome.tried += index >= warm_up
        outcome.expect(result.model == RANDOM_MODEL, f"run {index}: colored by {result.model}")
    gc.collect()
    outcome.memory_mb = rss_mb() - before
    outcome.expect(
        outcome.memory_mb <= LONG_USE_MEMORY_LIMIT_MB, f"memory grew {outcome.memory_mb:.0f} MB"
    )
    outcome.result = f"resident memory growth after {warm_up} warm-up runs"
    return outcome
