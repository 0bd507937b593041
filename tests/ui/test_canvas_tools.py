"""Pen input on the canvas: mouse and tablet strokes reach the hint layer and the document as
one hint Stroke each (docs/architecture.md §3), pressure and the eraser end included; zoom keeps its
anchor."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from colorizer_app.ui.canvas import View
from colorizer_app.ui.tools import ToolKind
from tests.ui.main_windows import (
    hint_alpha,
    widget_point,
)


def test_mouse_stroke_paints_the_hint_layer_and_records_one_stroke(qtbot, window, drawing_file):
    assert window.open_file(drawing_file)
    assert hint_alpha(window, 100, 80) == 0
    canvas = window.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=widget_point(window, 80, 80))
    for x in range(82, 122, 4):
        qtbot.mouseMove(canvas, widget_point(window, x, 80))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=widget_point(window, 120, 80))
    (stroke,) = window.state.hints.strokes
    assert stroke.pressure is None and not stroke.erase
    assert stroke.color == window.tools.color.name()
    assert abs(stroke.points[0][0] - 80) < 2 and abs(stroke.points[-1][0] - 120) < 2
    assert hint_alpha(window, 100, 80) == 255  # painted where the stroke went
    assert hint_alpha(window, 100, 20) == 0  # and nowhere else
    assert window.history.stack.count() == 1


def tablet(canvas, kind, x, y, pressure, pointer=QPointingDevice.PointerType.Pen):
    device = QPointingDevice(
        "test pen",
        7,
        QInputDevice.DeviceType.Stylus,
        pointer,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )
    pos = QPointF(x, y)
    buttons = (
        Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    )
    event = QTabletEvent(
        kind,
        device,
        pos,
        canvas.mapToGlobal(pos),
        pressure,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        Qt.MouseButton.LeftButton,
        buttons,
    )
    QApplication.sendEvent(canvas, event)
    return event


def tablet_stroke(window, y, pressure, pointer=QPointingDevice.PointerType.Pen):
    canvas = window.canvas
    points = [widget_point(window, x, y) for x in range(60, 150, 5)]
    tablet(canvas, QEvent.Type.TabletPress, points[0].x(), points[0].y(), pressure, pointer)
    for point in points[1:]:
        tablet(canvas, QEvent.Type.TabletMove, point.x(), point.y(), pressure, pointer)
    tablet(canvas, QEvent.Type.TabletRelease, points[-1].x(), points[-1].y(), pressure, pointer)


def painted_height(window, x):
    column = [hint_alpha(window, x, y) for y in range(window.canvas.image_size.height())]
    return sum(a > 128 for a in column)


def test_tablet_pressure_sets_the_width_and_the_eraser_end_erases(qtbot, window, drawing_file):
    assert window.open_file(drawing_file)
    window.tools.set_size(20)
    tablet_stroke(window, 50, 0.2)
    tablet_stroke(window, 110, 1.0)
    light, firm = window.state.hints.strokes
    assert light.pressure is not None and all(abs(p - 0.2) < 1e-3 for p in light.pressure)
    assert all(abs(p - 1.0) < 1e-3 for p in firm.pressure)
    assert hint_alpha(window, 100, 50) == 255 and hint_alpha(window, 100, 110) == 255
    thin = sum(hint_alpha(window, 100, y) > 128 for y in range(30, 71))
    thick = sum(hint_alpha(window, 100, y) > 128 for y in range(90, 131))
    assert 2 <= thin <= 7 and 17 <= thick <= 23  # 20 px × pressure
    tablet_stroke(window, 110, 1.0, QPointingDevice.PointerType.Eraser)
    eraser = window.state.hints.strokes[-1]
    assert eraser.erase
    assert hint_alpha(window, 100, 110) == 0
    assert window.tools.kind is ToolKind.BRUSH  # the pen's eraser end does not switch tools


def test_ctrl_click_samples_a_color_and_fill_tool_adds_a_fill(qtbot, window, drawing_file):
    assert window.open_file(drawing_file)
    window.tools.set_tool(ToolKind.FILL)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=widget_point(window, 100, 80))
    (fill,) = window.state.hints.fills
    assert abs(fill.point[0] - 100) < 1 and abs(fill.point[1] - 80) < 1
    window.tools.set_tool(ToolKind.BRUSH)
    qtbot.mouseClick(
        window.canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        pos=widget_point(window, 170, 150),
    )  # paper: white
    assert window.tools.color.name() == "#ffffff"
    assert len(window.state.hints.strokes) == 0


def test_zoom_keeps_the_point_under_the_cursor_and_side_view_maps_both_panes(window, drawing_file):
    assert window.open_file(drawing_file)
    canvas = window.canvas
    anchor = QPointF(300, 200)
    before = canvas._to_image(anchor)
    canvas.zoom_by(2.0, anchor)
    after = canvas._to_image(anchor)
    assert abs(before.x() - after.x()) < 1e-6 and abs(before.y() - after.y()) < 1e-6
    canvas.actual_pixels()
    assert canvas.zoom == 1.0
    window.side_action.trigger()
    assert canvas.view is View.SIDE_BY_SIDE
    left, right = canvas._panes()
    for pane in (left, right):
        point = canvas._to_widget(QPointF(30, 40), pane)
        back = canvas._to_image(point)
        assert abs(back.x() - 30) < 1e-6 and abs(back.y() - 40) < 1e-6
    assert not canvas.grab().isNull()


def test_an_opened_drawing_stays_fitted_while_the_window_settles_until_the_artist_zooms(
    qtbot, window, drawing_file
):
    """A window manager that resizes the window after the drawing opened (a smaller screen
    crops it, a maximized window leaves it small) fits it again; once the artist zooms, a resize
    keeps their zoom."""
    assert window.open_file(drawing_file)
    canvas = window.canvas
    before = canvas.size()
    window.resize(window.width() + 400, window.height() + 300)
    qtbot.waitUntil(lambda: canvas.height() > before.height())
    pane, size = canvas._panes()[0], canvas.image_size
    assert canvas.zoom == 0.96 * min(pane.width() / size.width(), pane.height() / size.height())
    shown = canvas._to_widget_rect(QRectF(0, 0, size.width(), size.height()), pane)
    assert QRectF(pane).contains(shown.translated(-pane.left(), -pane.top()))
    canvas.zoom_by(2.0)
    zoom = canvas.zoom
    window.resize(window.width() + 100, window.height())
    qtbot.wait(50)
    assert canvas.zoom == zoom


def test_a_4000_pixel_drawing_stays_smooth(window):
    """Live segments and repaints touch only what is visible; a 4000² drawing costs little."""
    big = np.full((4000, 4000, 4), 255, np.uint8)
    big[::64, :, :3] = 0
    from colorizer_app.document.state import DocumentState

    window.load_state(DocumentState(drawing=big, drawing_name="big.png"))
    canvas, tools = window.canvas, window.tools
    canvas.grab()  # builds the reduced copies for this zoom once
    start = time.perf_counter()
    canvas.grab()
    assert time.perf_counter() - start < 0.25
    start = time.perf_counter()
    tools.press(QPointF(500, 500), 0.8)
    for i in range(100):
        tools.move(QPointF(500 + 20 * i, 500 + 10 * i), 0.8)
    per_segment = (time.perf_counter() - start) / 100
    assert per_segment < 0.01
    tools.release(QPointF(2500, 1500), 0.8)
    assert len(window.state.hints.strokes) == 1
