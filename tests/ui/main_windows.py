"""Helpers of the window tests: a MainWindow on a flat-fill engine (or a tiny random model) with
isolated settings, and ways to point at and wait for it (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QPoint, QPointF, QSettings

from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.ui.main_window import MainWindow
from tests.tiny_model import make_tiny_model


def flat_engine(device: str) -> Engine:
    """No models installed: everything is flat fill."""
    return Engine(ModelRegistry(shipped_dir=None, scan_user=False), device="cpu", threads=1)


def tiny_engine_factory(folder: Path):
    make_tiny_model(folder)

    def factory(device: str) -> Engine:
        return Engine(ModelRegistry(shipped_dir=None, user_dir=folder), device="cpu", threads=1)

    return factory


def make_window(qtbot, tmp_path: Path, factory=flat_engine) -> MainWindow:
    torch.set_num_threads(1)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(factory, settings=settings)
    window.discard_on_close = True
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def widget_point(window: MainWindow, x: float, y: float):
    """The canvas widget position of drawing pixel (x, y), as a QPoint."""
    canvas = window.canvas
    return canvas._to_widget(QPointF(x, y), canvas._panes()[0]).toPoint()


def hint_alpha(window: MainWindow, x: int, y: int) -> int:
    return window.canvas.hints.image.pixelColor(x, y).alpha()


def wait_for_result(qtbot, window: MainWindow, timeout: int = 20_000) -> None:
    window.request_colors()
    qtbot.waitUntil(lambda: window.idle and window.result is not None, timeout=timeout)


def color_at(window: MainWindow, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(window.result.layers["color"])[y, x, :3])


def thumbnail_point(panel, x: float, y: float) -> QPoint:
    """Where reference pixel (x, y) shows on the thumbnail, in its coordinates."""
    pixmap, area = panel.thumbnail.pixmap(), panel.thumbnail.contentsRect()
    height, width = panel.reference().shape[:2]
    left = area.left() + (area.width() - pixmap.width()) / 2
    top = area.top() + (area.height() - pixmap.height()) / 2
    return QPoint(
        round(left + (x + 0.5) * pixmap.width() / width),
        round(top + (y + 0.5) * pixmap.height() / height),
    )
