"""The worker thread: requests reach the engine, results fill the canvas, sliders are live,
errors are reported without stopping the app, and closing while busy ends the thread."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from colorizer_app.engine.pipeline import FLAT_INFO
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Stroke
from colorizer_app.ui.tools import ToolKind
from tests.ui.main_windows import (
    color_at,
    make_window,
    tiny_engine_factory,
    wait_for_result,
)


def paint(window, color, points, width=6.0):
    tools = window.tools
    tools.set_tool(ToolKind.BRUSH)
    tools.set_color(QColor(color))
    tools.set_size(width)
    tools.press(QPointF(*points[0]))
    for point in points[1:]:
        tools.move(QPointF(*point))
    tools.release(QPointF(*points[-1]))


def test_a_stroke_colors_its_region_through_the_worker(qtbot, window, drawing_file):
    assert window.open_file(drawing_file)
    paint(window, "#2050e0", [(90, 80), (110, 80)])
    assert window.busy.isVisible() or window._request_timer.isActive()
    wait_for_result(qtbot, window)
    assert window.result.model == "flat"
    assert color_at(window, 100, 70) == (0x20, 0x50, 0xE0)  # the ellipse's inside
    assert window.canvas.color.image is not None
    paint(window, "#e02020", [(100, 75), (100, 85)])
    qtbot.waitUntil(
        lambda: window.idle and color_at(window, 100, 70) == (0xE0, 0x20, 0x20), timeout=20_000
    )
    assert "flat" in window.model_label.text()


def test_tags_steer_a_tiny_model_live_while_the_slider_drags(
    qtbot, tmp_path, dialogs, drawing_file
):
    window = make_window(qtbot, tmp_path, tiny_engine_factory(tmp_path / "models"))
    qtbot.waitUntil(lambda: any(m.name == "tiny" for m in window.models), timeout=20_000)
    assert window.tag_panel.is_supported("blue_hair")
    assert window.open_file(drawing_file)
    wait_for_result(qtbot, window)
    first = window.result
    window.set_tags({"blue_hair": 0.5}, final=False)  # dragging: no history entry yet
    assert window.history.stack.count() == 0
    qtbot.waitUntil(lambda: window.idle and window.result is not first, timeout=20_000)
    assert window.result.model == "tiny"
    assert window.result_request.tags == {"blue_hair": 0.5}
    window.set_tags({"blue_hair": 2.0}, final=True)  # released: one undoable edit
    assert window.history.stack.count() == 1
    assert window.history.stack.undoText() == "Tags blue_hair"
    window.history.stack.undo()
    assert window.state.tags == ()
    assert window.tag_panel.values() == {}
    window.close()


class FailingEngine:
    """Raises on every request: the app must report it and keep going."""

    device = "cpu"
    refusals = ()

    def __init__(self) -> None:
        self.registry = type("R", (), {"entries": ()})()

    def models(self):
        return [FLAT_INFO]

    def colorize(self, request, check):
        if request.hints.is_empty:
            raise RuntimeError("boom in the model")
        raise ColorizerError("the drawing is too large")


def test_worker_errors_show_in_the_status_bar_and_a_dialog_once(
    qtbot, tmp_path, dialogs, drawing_file
):
    window = make_window(qtbot, tmp_path, lambda device: FailingEngine())
    assert window.open_file(drawing_file)
    window.request_colors()
    qtbot.waitUntil(lambda: window.idle and len(dialogs) == 1, timeout=10_000)
    assert dialogs[0] == ("Internal error while coloring", "boom in the model")
    assert "boom in the model" in window.statusBar().currentMessage()
    paint(window, "#2050e0", [(90, 80), (110, 80)])  # the app still takes edits
    qtbot.waitUntil(lambda: window.idle and len(dialogs) == 2, timeout=10_000)
    assert dialogs[1][1] == "the drawing is too large"
    assert window.worker_thread.thread.isRunning()
    window.close()


def test_a_document_the_request_refuses_is_reported_as_the_workers_errors_are(
    qtbot, window, dialogs, drawing_file
):
    """A tag value out of range (a hand-edited project, say) is refused as the request is made,
    in the GUI thread: the same dialog and status line as an engine error, and no job sent."""
    assert window.open_file(drawing_file)
    window.load_state(replace(window.state, tags=(("blue_hair", 7.0),)))
    window.request_colors()
    message = "tag 'blue_hair': value 7.0 is not between 0 and 5"
    assert dialogs == [("Coloring failed", message)]
    assert message in window.statusBar().currentMessage() and window.idle
    window.load_state(replace(window.state, tags=(("blue_hair", 5.0),)))
    window.request_colors()
    wait_for_result(qtbot, window)
    assert window.result.model == "flat" and len(dialogs) == 1


class SlowEngine(FailingEngine):
    def colorize(self, request, check):
        for _ in range(1000):
            time.sleep(0.01)
            check()
        pytest.fail("the job was never cancelled")


def test_closing_while_the_worker_is_busy_exits_cleanly(qtbot, tmp_path, dialogs, drawing_file):
    window = make_window(qtbot, tmp_path, lambda device: SlowEngine())
    assert window.open_file(drawing_file)
    window.request_colors()
    qtbot.waitUntil(
        lambda: (
            window.worker_thread.worker.scheduler.queued == 1
            and window.worker_thread.worker.scheduler._running is not None
        ),
        timeout=5000,
    )
    start = time.perf_counter()
    window.close()
    assert time.perf_counter() - start < 2.0
    assert window.worker_thread.thread.isFinished()
    assert dialogs == []


def test_stroke_request_waits_for_the_pen_to_rest(qtbot, window, drawing_file):
    """Requests go out ~150 ms after pen-up, once for a burst of strokes."""
    assert window.open_file(drawing_file)
    wait_for_result(qtbot, window)
    submitted = []
    original = window.worker_thread.worker.submit
    window.worker_thread.worker.submit = lambda order: submitted.append(order) or original(order)
    for y in (60, 70, 80):
        paint(window, "#30a030", [(90, y), (110, y)])
    assert submitted == []
    qtbot.waitUntil(lambda: len(submitted) == 1, timeout=2000)
    qtbot.wait(300)
    assert len(submitted) == 1
    assert submitted[0].request.hints.strokes == window.state.hints.strokes
    assert isinstance(submitted[0].request.hints.strokes[0], Stroke)


def test_the_worker_warms_the_model_while_the_window_opens(qtbot, tmp_path, dialogs, drawing_file):
    """Before the first drawing is opened the worker has loaded and run the model Auto picks,
    so the first colors of an opened drawing pay no model load."""
    window = make_window(qtbot, tmp_path, tiny_engine_factory(tmp_path / "models"))
    qtbot.waitUntil(
        lambda: (
            window.worker_thread.worker.engine is not None
            and window.worker_thread.worker.engine.calls["warm"] == 1
        ),
        timeout=20_000,
    )
    engine = window.worker_thread.worker.engine
    warmed = dict(engine._modules)
    assert window.open_file(drawing_file)
    wait_for_result(qtbot, window)
    assert window.result.model in warmed and engine._modules == warmed
