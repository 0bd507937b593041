"""The reference panel: an illustration whose colors the model should borrow, dropped or opened,
shown as a thumbnail; its main colors go to the color picker's palette.

Every file comes in through the one validated loader, so a broken or hostile file gets a
one-line message and leaves the current reference as it was.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import qtawesome as qta
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import lab_to_srgb, rgb_to_hex, srgb_to_lab
from colorizer_app.imaging.loader import decode_image_bytes, load_image

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"
MAIN_COLORS = 6
THUMBNAIL_SIZE = 220
_SAMPLE_SIDE = 64  # k-means runs on a copy this small: a few thousand pixels are plenty
_MIN_SHARE = 0.01  # a cluster smaller than this is a speck, not a main color
_DROPPED_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif")


def main_colors(pixels: np.ndarray, count: int = MAIN_COLORS) -> list[str]:
    """Up to ``count`` main colors of an RGBA image as hex, most common first: k-means in CIELAB
    (distances there follow perception) on a subsampled copy, transparent pixels left out."""
    height, width = pixels.shape[:2]
    scale = min(1.0, _SAMPLE_SIDE / max(height, width))
    small = cv2.resize(pixels, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_NEAREST)  # samples real pixels, no blended edges
    opaque = small[small[..., 3] >= 128][:, :3]
    if len(opaque) == 0:
        return []
    distinct = len(np.unique(opaque, axis=0))
    clusters = min(count, distinct)
    lab = srgb_to_lab(opaque).astype(np.float32)
    cv2.setRNGSeed(0)  # the same image always gives the same palette
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    _, labels, centers = cv2.kmeans(lab, clusters, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    sizes = np.bincount(labels.ravel(), minlength=clusters)
    colors = [rgb_to_hex(lab_to_srgb(centers[i])) for i in np.argsort(-sizes)
              if sizes[i] >= _MIN_SHARE * len(lab)]
    return list(dict.fromkeys(colors))


def _qimage(pixels: np.ndarray) -> QImage:
    height, width = pixels.shape[:2]
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


class ReferencePanel(QWidget):
    """``referenceChanged(pixels or None, name)`` fires when the user sets or clears the
    reference (one undoable edit); ``set_reference`` (undo, project open) does not fire it.
    ``mainColorsChanged(list of hex)`` fires whenever the shown reference changes, either way.
    ``loadFailed(message)`` fires when a file cannot be used; nothing else changes then."""

    referenceChanged = Signal(object, str)
    mainColorsChanged = Signal(list)
    loadFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._pixels: np.ndarray | None = None
        self._name = ""
        self._colors: list[str] = []
        self.thumbnail = QLabel(self)
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
        if pixels is self._pixels:
            return
        self._pixels, self._name = pixels, (name if pixels is not None else "")
        self._colors = main_colors(pixels) if pixels is not None else []
        self._show()
        self.mainColorsChanged.emit(self.main_colors())

    def open_file(self, path: str | Path) -> bool:
        try:
            loaded = load_image(path)
        except ColorizerError as error:
            self._fail(str(error))
            return False
        self._set_by_user(loaded.pixels, loaded.path.name)
        return True

    def open_bytes(self, data: bytes, name: str) -> bool:
        try:
            loaded = decode_image_bytes(data, name)
        except ColorizerError as error:
            self._fail(str(error))
            return False
        self._set_by_user(loaded.pixels, name)
        return True

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a reference illustration", "", IMAGE_FILTER)
        if path:
            self.open_file(path)

    def clear(self) -> None:
        if self._pixels is not None:
            self._set_by_user(None, "")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._usable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if local:
            self.open_file(local[0])
        else:
            kind = next(kind for kind in _DROPPED_TYPES if mime.hasFormat(kind))
            self.open_bytes(bytes(mime.data(kind).data()), f"dropped {kind.split('/')[1]} image")
        event.acceptProposedAction()

    @staticmethod
    def _usable(mime: QMimeData) -> bool:
        return (any(url.isLocalFile() for url in mime.urls())
                or any(mime.hasFormat(kind) for kind in _DROPPED_TYPES))

    def _set_by_user(self, pixels: np.ndarray | None, name: str) -> None:
        self.set_reference(pixels, name)
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
        pixmap = QPixmap.fromImage(_qimage(self._pixels)).scaled(
            THUMBNAIL_SIZE, THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.thumbnail.setPixmap(pixmap)
        self.caption.setText(f"{self._name} ({width}×{height})")
        strip = QPixmap(16 * max(len(self._colors), 1), 12)
        strip.fill(QColor(0, 0, 0, 0))
        painter = QPainter(strip)
        for index, color in enumerate(self._colors):
            painter.fillRect(16 * index, 0, 16, 12, QColor(color))
        painter.end()
        self.palette_strip.setPixmap(strip)
        self.palette_strip.setToolTip("Main colors: " + ", ".join(self._colors))
