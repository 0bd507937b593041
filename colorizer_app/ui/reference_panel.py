"""The reference panel: an illustration whose colors the model should borrow, dropped or opened,
shown as a thumbnail; its main colors go to the color picker's palette. With the eyedropper
(``sampling``) or Ctrl held, a click on the thumbnail picks that pixel's color.

Every file comes in through the one validated loader, so a broken or hostile file gets a
one-line message and leaves the current reference as it was. A dropped or chosen file is decoded,
reduced to its main colors and thumbnail on a short-lived thread (tens of ms for a 1000² JPEG,
which would stall the window), the newest drop winning; scripts call the synchronous ``open_file``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qtawesome as qta
from PySide6.QtCore import QMimeData, QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.loader import (
    IMAGE_SUFFIXES,
    LoadedImage,
    decode_reference_bytes,
    load_reference,
)
from colorizer_app.imaging.palette import main_colors

IMAGE_PATTERNS = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)  # for file dialogs
IMAGE_FILTER = f"Images ({IMAGE_PATTERNS})"
THUMBNAIL_SIZE = 220
_DROPPED_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif")


def _qimage(pixels: np.ndarray) -> QImage:
    height, width = pixels.shape[:2]
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def _thumbnail(pixels: np.ndarray, side: int) -> QImage:
    """Fits ``pixels`` in side × side. Reduced in numpy first (area average, a few ms) rather
    than converting the whole illustration to a QImage on the GUI thread."""
    height, width = pixels.shape[:2]
    scale = min(side / width, side / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return _qimage(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA) if scale < 1 else pixels)


@dataclass(frozen=True)
class _Prepared:
    """A reference ready to show: everything derived from the pixels, made off the GUI thread
    where possible."""

    pixels: np.ndarray
    name: str
    colors: list[str]
    thumbnail: QImage


def _prepare(pixels: np.ndarray, name: str) -> _Prepared:
    return _Prepared(pixels, name, main_colors(pixels), _thumbnail(pixels, THUMBNAIL_SIZE))


class _Thumbnail(QLabel):
    """The thumbnail; ``pressed(position, modifiers)`` on a left click or a drag with it held."""

    pressed = Signal(QPointF, object)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed.emit(event.position(), event.modifiers())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.pressed.emit(event.position(), event.modifiers())
        super().mouseMoveEvent(event)


class ReferencePanel(QWidget):
    """``referenceChanged(pixels or None, name)`` fires when the user sets or clears the
    reference (one undoable edit); ``set_reference`` (undo, project open) does not fire it.
    ``mainColorsChanged(list of hex)`` fires whenever the shown reference changes, either way.
    ``loadFailed(message)`` fires when a file cannot be used; nothing else changes then.
    ``colorSampled(QColor)`` fires when the eyedropper picks a color from the thumbnail."""

    referenceChanged = Signal(object, str)
    mainColorsChanged = Signal(list)
    loadFailed = Signal(str)
    colorSampled = Signal(QColor)
    _prepared = Signal(int, object)  # ticket, _Prepared or an error message (from the loader)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._pixels: np.ndarray | None = None
        self._name = ""
        self._colors: list[str] = []
        self._thumbnail_image = QImage()
        self._ticket = 0  # the newest load; an older one arriving late is dropped
        self._prepared.connect(self._loaded)
        self.sampling = False  # the eyedropper is the current tool
        self.thumbnail = _Thumbnail(self)
        self.thumbnail.pressed.connect(self._pressed)
        self.thumbnail.setToolTip(
            "With the eyedropper (I) or Ctrl held, click the picture to pick its color"
        )
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumSize(THUMBNAIL_SIZE // 2, THUMBNAIL_SIZE // 2)
        self.thumbnail.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.thumbnail.setStyleSheet("QLabel { border: 1px dashed #808080; color: #808080; }")
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.open_button = QToolButton(self)
        self.open_button.setIcon(qta.icon("mdi6.folder-open-outline"))
        self.open_button.setText("Open…")
        self.open_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.open_button.setToolTip("Open a reference illustration whose colors the model borrows")
        self.open_button.clicked.connect(self.choose_file)
        self.clear_button = QToolButton(self)
        self.clear_button.setIcon(qta.icon("mdi6.image-remove-outline"))
        self.clear_button.setText("Clear")
        self.clear_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clear_button.setToolTip("Remove the reference")
        self.clear_button.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        self.palette_strip = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.palette_strip)
        layout.addWidget(self.caption)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._show()

    def reference(self) -> np.ndarray | None:
        return self._pixels

    def name(self) -> str:
        return self._name

    def main_colors(self) -> list[str]:
        return list(self._colors)

    def set_reference(self, pixels: np.ndarray | None, name: str = "") -> None:
        """Shows ``pixels`` without emitting ``referenceChanged``."""
        if pixels is not self._pixels:
            self._install(_prepare(pixels, name) if pixels is not None else None)

    def open_file(self, path: str | Path) -> bool:
        """Loads ``path`` now (scripts, tests); False with ``loadFailed`` when it is unusable."""
        self._ticket += 1  # a background load still running must not replace this one
        try:
            loaded = load_reference(path)
        except ColorizerError as error:
            self._fail(str(error))
            return False
        self._set_by_user(_prepare(loaded.pixels, loaded.path.name))
        return True

    def open_bytes(self, data: bytes, name: str) -> bool:
        self._ticket += 1
        try:
            loaded = decode_reference_bytes(data, name)
        except ColorizerError as error:
            self._fail(str(error))
            return False
        self._set_by_user(_prepare(loaded.pixels, name))
        return True

    def load_in_background(self, load: Callable[[], LoadedImage], name: str = "") -> None:
        """Runs ``load`` on a thread; the reference changes when it is done (``name``: the
        loaded file's name when empty)."""
        self._ticket += 1
        ticket = self._ticket
        self.caption.setStyleSheet("")
        self.caption.setText("Loading…")

        def work() -> None:
            try:
                loaded = load()
                result: _Prepared | str = _prepare(loaded.pixels, name or loaded.path.name)
            except ColorizerError as error:
                result = str(error)
            with contextlib.suppress(RuntimeError):  # RuntimeError: the panel was closed meanwhile
                self._prepared.emit(ticket, result)  # queued to the GUI thread

        threading.Thread(target=work, name="reference-loader", daemon=True).start()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a reference illustration", "", IMAGE_FILTER
        )
        if path:
            self.load_in_background(lambda: load_reference(path))

    def clear(self) -> None:
        if self._pixels is not None:
            self._ticket += 1
            self._set_by_user(None)

    def set_sampling(self, sampling: bool) -> None:
        """The eyedropper became (or stopped being) the current tool."""
        self.sampling = sampling
        self.thumbnail.setCursor(
            Qt.CursorShape.CrossCursor if sampling else Qt.CursorShape.ArrowCursor
        )

    def sample(self, position: QPointF) -> QColor | None:
        """The reference's color under ``position`` (thumbnail coordinates), at full resolution;
        None outside the picture."""
        pixmap = self.thumbnail.pixmap()
        if self._pixels is None or pixmap.isNull():
            return None
        area = self.thumbnail.contentsRect()
        left = area.left() + (area.width() - pixmap.width()) / 2  # the pixmap is centred
        top = area.top() + (area.height() - pixmap.height()) / 2
        height, width = self._pixels.shape[:2]
        x = int((position.x() - left) * width / pixmap.width())
        y = int((position.y() - top) * height / pixmap.height())
        if not (0 <= x < width and 0 <= y < height):
            return None
        return QColor(*(int(v) for v in self._pixels[y, x, :3]))

    def _pressed(self, position: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.sampling or modifiers & Qt.KeyboardModifier.ControlModifier:
            color = self.sample(position)
            if color is not None:
                self.colorSampled.emit(color)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._usable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if local:
            self.load_in_background(lambda: load_reference(local[0]))
        else:
            kind = next(kind for kind in _DROPPED_TYPES if mime.hasFormat(kind))
            data, name = bytes(mime.data(kind).data()), f"dropped {kind.split('/')[1]} image"
            self.load_in_background(lambda: decode_reference_bytes(data, name), name)
        event.acceptProposedAction()

    @staticmethod
    def _usable(mime: QMimeData) -> bool:
        return any(url.isLocalFile() for url in mime.urls()) or any(
            mime.hasFormat(kind) for kind in _DROPPED_TYPES
        )

    def _loaded(self, ticket: int, result: _Prepared | str) -> None:
        if ticket != self._ticket:
            return  # something newer was dropped, opened or cleared since
        if isinstance(result, str):
            self._fail(result)
        else:
            self._set_by_user(result)

    def _install(self, prepared: _Prepared | None) -> None:
        self._pixels = prepared.pixels if prepared else None
        self._name = prepared.name if prepared else ""
        self._colors = prepared.colors if prepared else []
        self._thumbnail_image = prepared.thumbnail if prepared else QImage()
        self._show()
        self.mainColorsChanged.emit(self.main_colors())

    def _set_by_user(self, prepared: _Prepared | None) -> None:
        self._install(prepared)
        self.referenceChanged.emit(self._pixels, self._name)

    def _fail(self, message: str) -> None:
        self.caption.setText(message)
        self.caption.setStyleSheet("color: #c0392b;")
        self.loadFailed.emit(message)

    def _show(self) -> None:
        self.caption.setStyleSheet("")
        self.clear_button.setEnabled(self._pixels is not None)
        if self._pixels is None:
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("Drop a reference\nillustration here")
            self.caption.setText("")
            self.palette_strip.setPixmap(QPixmap())
            return
        height, width = self._pixels.shape[:2]
        self.thumbnail.setPixmap(QPixmap.fromImage(self._thumbnail_image))
        self.caption.setText(f"{self._name} ({width}×{height})")
        strip = QPixmap(16 * max(len(self._colors), 1), 12)
        strip.fill(QColor(0, 0, 0, 0))
        painter = QPainter(strip)
        for index, color in enumerate(self._colors):
            painter.fillRect(16 * index, 0, 16, 12, QColor(color))
        painter.end()
        self.palette_strip.setPixmap(strip)
        self.palette_strip.setToolTip("Main colors: " + ", ".join(self._colors))
