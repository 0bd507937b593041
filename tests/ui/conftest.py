"""Fixtures of the window tests: a MainWindow on a flat-fill engine, a drawing file, and dialogs
that record instead of blocking."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from tests.tiny_model import drawing
from tests.ui.main_windows import make_window


@pytest.fixture
def dialogs(monkeypatch) -> list[tuple[str, str]]:
    """(title, text) of every warning the app shows; the dialogs never block."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text, *rest: shown.append((title, text))
    )
    return shown


@pytest.fixture
def drawing_file(tmp_path) -> Path:
    path = tmp_path / "lines.png"
    Image.fromarray(drawing(160, 200)).save(path)
    return path


@pytest.fixture
def window(qtbot, tmp_path, dialogs):
    window = make_window(qtbot, tmp_path)
    yield window
    window.close()
