"""Driving the real window without a person: an offscreen application, waiting on the event loop,
dialogs that record instead of blocking, and exceptions that escape Qt slots counted as crashes."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reliability.fixtures import RANDOM_MODEL


def application():  # noqa: ANN201 - QApplication, imported lazily
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0]])


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Runs the event loop until ``predicate`` holds; False on timeout."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    return True


@contextlib.contextmanager
def recorded_dialogs() -> Iterator[list[tuple[str, str]]]:
    """(title, text) of every warning the window shows; questions are answered "No", and a
    picture that looks finished opens as the line art it was given as."""
    from PySide6.QtWidgets import QMessageBox

    from colorizer_app.ui.main_window import MainWindow, PictureChoice

    shown: list[tuple[str, str]] = []
    saved = QMessageBox.warning, QMessageBox.question, MainWindow.ask_about_finished_picture
    QMessageBox.warning = lambda parent, title, text, *rest: shown.append((title, text))
    QMessageBox.question = lambda *args, **kwargs: QMessageBox.StandardButton.No
    MainWindow.ask_about_finished_picture = lambda window, name: PictureChoice.AS_LINE_ART
    try:
        yield shown
    finally:
        QMessageBox.warning, QMessageBox.question, MainWindow.ask_about_finished_picture = saved


@contextlib.contextmanager
def uncaught() -> Iterator[list[BaseException]]:
    """Exceptions that escape a Qt slot (PySide6 hands them to ``sys.excepthook``)."""
    caught: list[BaseException] = []
    saved = sys.excepthook
    sys.excepthook = lambda kind, error, trace: caught.append(error)
    try:
        yield caught
    finally:
        sys.excepthook = saved


def flat_factory(device: str):  # noqa: ANN201 - Engine
    """An engine without models: everything is flat fill."""
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry

    return Engine(ModelRegistry(shipped_dir=None, scan_user=False), device="cpu", threads=1)


def model_factory(models: Path, shipped: Path | None = None, **engine_options):  # noqa: ANN201
    """An engine factory over the models of ``models`` (and a ``shipped`` catalogue)."""
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry

    def factory(device: str) -> Engine:
        return Engine(
            ModelRegistry(shipped_dir=shipped, user_dir=models),
            device="cpu",
            threads=1,
            **engine_options,
        )

    return factory


def open_window(folder: Path, factory: Callable = flat_factory, journal=None):  # noqa: ANN001,ANN201
    """A shown MainWindow with settings in ``folder`` that never asks before closing."""
    import torch
    from PySide6.QtCore import QSettings

    from colorizer_app.ui.main_window import MainWindow

    application()
    torch.set_num_threads(1)
    folder.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(factory, settings=settings, journal=journal)
    window.discard_on_close = True
    window.resize(1000, 700)
    window.show()
    wait_until(lambda: bool(window.models), 60.0)  # the engine is up
    return window


def close_window(window) -> None:  # noqa: ANN001
    """Closes the window (its worker thread stops) and deletes it now, not at the next loop."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def colors_for_current(window, timeout: float = 60.0) -> bool:  # noqa: ANN001
    """Asks for colors and waits until the window is idle with a result for its drawing."""
    window.request_colors()
    return wait_until(
        lambda: (
            window.idle
            and window.result_request is not None
            and window.state is not None
            and window.result_request.drawing is window.state.drawing
        ),
        timeout,
    )


def random_model_folder(folder: Path) -> Path:
    """``folder`` holding the random model (made once)."""
    from reliability.fixtures import random_model

    if not (folder / f"{RANDOM_MODEL}.safetensors").is_file():
        random_model(folder)
    return folder
