"""The canvas: the drawing's layers, zoom and pan, and pen input handed to the tools.

Layers, bottom to top: flats, the color result, the line art (multiply) and the hints. Each is a
full-resolution QImage plus lazily made half, quarter, … copies, so a paint at any zoom draws only
the visible part of an image at most twice the size on screen: a 4000×4000 drawing pans and zooms
as smoothly as a small one. A stroke is painted segment by segment into the hint layer and its
copies, and only the touched screen area is repainted.

Two views: overlay (everything in one place) and side by side (line art with hints | result),
the two panes sharing zoom and pan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QShowEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from colorizer_app.imaging.hints import Hints, Stroke
from colorizer_app.ui.hint_layer import blank_layer, draw_hints, draw_segments, fill_marker_radius
from colorizer_app.ui.tools import ToolController, ToolKind

MIN_ZOOM, MAX_ZOOM = 1 / 32, 32.0
ZOOM_STEP = 2**0.25
BACKDROP = QColor(72, 72, 76)


def to_qimage(pixels: np.ndarray) -> QImage:
    """(H, W, 4) uint8 RGBA → a premultiplied QImage (a copy; Qt does not keep numpy's buffer)."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def _on_paper(image: QImage) -> QImage:
    """The drawing over white paper, opaque, to multiply over the colors (transparent line art
    shows its lines; paper vanishes under multiply)."""
    paper = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return paper


class View(Enum):
    OVERLAY = "overlay"
    SIDE_BY_SIDE = "side"


@dataclass
class CanvasLayer:
    """One layer: the full image and its cached reductions by powers of two."""

    name: str
    blend: QPainter.CompositionMode = QPainter.CompositionMode.CompositionMode_SourceOver
    visible: bool = True
    image: QImage | None = None
    _levels: dict[int, QImage] = field(default_factory=dict)  # k → image at 1 / 2**k

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self._levels.clear()

    def level(self, zoom: float) -> tuple[QImage, float]:
        """The smallest cached copy still at least ``zoom`` times the full size, and its scale."""
        assert self.image is not None
        k = max(0, int(math.floor(-math.log2(zoom)))) if zoom < 1 else 0
        if k == 0:
            return self.image, 1.0
        if k not in self._levels:
            size = QSize(max(1, self.image.width() >> k), max(1, self.image.height() >> k))
            self._levels[k] = self.image.scaled(
                size,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        return self._levels[k], 1.0 / 2**k

    def paint_all_levels(self, paint: Callable[[QPainter], QRectF]) -> QRectF:
        """Runs ``paint`` on the full image and every cached copy (scaled to it)."""
        assert self.image is not None
        painter = QPainter(self.image)
        touched = paint(painter)
        painter.end()
        for k, image in self._levels.items():
            painter = QPainter(image)
            painter.scale(1.0 / 2**k, 1.0 / 2**k)
            paint(painter)
            painter.end()
        return touched


class Canvas(QWidget):
    """Shows the layers of one drawing and turns pen and mouse input into tool calls."""

    zoomChanged = Signal(float)
    cursorMoved = Signal(QPointF)  # image pixel under the pointer

    def __init__(self, tools: ToolController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tools = tools
        tools.surface = self
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self.flats = CanvasLayer("flats", visible=False)
        self.color = CanvasLayer("color")
        self.parts = CanvasLayer("parts", visible=False)  # the Parts view
        self.lineart = CanvasLayer("line art", QPainter.CompositionMode.CompositionMode_Multiply)
        self.hints = CanvasLayer("hints")
        self.view = View.OVERLAY
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # pane position of the image's top left corner
        # Fitted and not zoomed or panned since: a resize (the window manager settling the
        # window, a dock moved) fits again, so a drawing never opens cropped.
        self._fitted = False
        self.shown_hints = Hints()  # what the hint layer currently depicts
        self.result_pixels: np.ndarray | None = None  # the color layer, for the eyedropper
        self._size = QSize(0, 0)
        self._pan_from: QPointF | None = None
        self._space_held = False
        self._hover: QPointF | None = None
        self._pen_down = False

    # ------------------------------------------------------------------ content

    @property
    def layers(self) -> tuple[CanvasLayer, ...]:
        return self.flats, self.color, self.parts, self.lineart, self.hints

    @property
    def has_drawing(self) -> bool:
        return self.lineart.image is not None

    @property
    def image_size(self) -> QSize:
        return self._size

    def set_drawing(self, drawing: np.ndarray) -> None:
        """A new drawing: its line art, no result yet, no hints; fitted to the window."""
        height, width = drawing.shape[:2]
        self._size = QSize(width, height)
        self.lineart.set_image(_on_paper(to_qimage(drawing)))
        self.color.set_image(None)
        self.flats.set_image(None)
        self.parts.set_image(None)
        self.result_pixels = None
        self.hints.set_image(blank_layer(width, height))
        self.shown_hints = Hints()
        self.fit()

    def set_result(self, color: np.ndarray, flats: np.ndarray) -> None:
        self.result_pixels = color
        self.color.set_image(to_qimage(color))
        self.flats.set_image(to_qimage(flats))
        self.parts.set_image(None)  # the window draws it again if the Parts view is shown
        self.update()

    def set_parts(self, parts: np.ndarray | None) -> None:
        """The Parts view's picture: the RGBA part map (None: none to show)."""
        self.parts.set_image(None if parts is None else to_qimage(parts))
        self.update()

    def show_hints(self, hints: Hints) -> None:
        """Makes the hint layer depict ``hints`` (after undo, a fill, opening a project)."""
        if not self.has_drawing or hints == self.shown_hints:
            return
        width, height = self._size.width(), self._size.height()
        image = blank_layer(width, height)
        painter = QPainter(image)
        draw_hints(painter, hints, fill_marker_radius(width, height))
        painter.end()
        self.hints.set_image(image)
        self.shown_hints = hints
        self.update()

    def set_layer_visible(self, name: str, visible: bool) -> None:
        next(layer for layer in self.layers if layer.name == name).visible = visible
        self.update()

    def set_view(self, view: View) -> None:
        self.view = view
        self.fit()

    # ------------------------------------------------------------------ live strokes (tools)

    def draw_live(self, stroke: Stroke, first: int) -> None:
        """Paints the stroke's points from ``first`` on into the hint layer (and its copies)."""
        if not self.has_drawing:
            return
        touched = self.hints.paint_all_levels(lambda painter: draw_segments(painter, stroke, first))
        for pane in self._panes():
            self.update(self._to_widget_rect(touched, pane).toAlignedRect().adjusted(-2, -2, 2, 2))

    def stroke_committed(self, stroke: Stroke) -> None:
        """The stroke just drawn live is now part of the hints the layer depicts."""
        self.shown_hints = replace(self.shown_hints, strokes=self.shown_hints.strokes + (stroke,))

    def sample(self, image_pos: QPointF, source: str) -> QColor | None:
        """The color under ``image_pos``: of the color result, or as seen on the canvas."""
        x, y = int(math.floor(image_pos.x())), int(math.floor(image_pos.y()))
        if not (0 <= x < self._size.width() and 0 <= y < self._size.height()):
            return None
        if source == "result":
            if self.result_pixels is None:
                return None
            r, g, b = (int(v) for v in self.result_pixels[y, x, :3])
            return QColor(r, g, b)
        point = self._to_widget(image_pos, self._panes()[0]).toPoint()
        return self.grab(QRect(point, QSize(1, 1))).toImage().pixelColor(0, 0)

    # ------------------------------------------------------------------ geometry

    def _panes(self) -> list[QRect]:
        if self.view is View.SIDE_BY_SIDE:
            half = self.width() // 2
            return [
                QRect(0, 0, half - 1, self.height()),
                QRect(half + 1, 0, self.width() - half - 1, self.height()),
            ]
        return [self.rect()]

    def _pane_at(self, pos: QPointF) -> QRect:
        panes = self._panes()
        return next((p for p in panes if p.contains(pos.toPoint())), panes[0])

    def _to_image(self, pos: QPointF) -> QPointF:
        pane = self._pane_at(pos)
        return (pos - QPointF(pane.topLeft()) - self.offset) / self.zoom

    def _to_widget(self, image_pos: QPointF, pane: QRect) -> QPointF:
        return image_pos * self.zoom + self.offset + QPointF(pane.topLeft())

    def _to_widget_rect(self, rect: QRectF, pane: QRect) -> QRectF:
        return QRectF(self._to_widget(rect.topLeft(), pane), rect.size() * self.zoom)

    def fit(self) -> None:
        """Zooms so the whole drawing shows in a pane, centred."""
        if not self.has_drawing:
            return
        pane = self._panes()[0]
        zoom = 0.96 * min(pane.width() / self._size.width(), pane.height() / self._size.height())
        self._set_zoom(zoom)
        self._center()
        self._fitted = True

    def actual_pixels(self) -> None:
        """100 %: one drawing pixel per screen pixel, around the pane's centre."""
        self.zoom_by(1.0 / self.zoom)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zooms by ``factor`` keeping the image point under ``anchor`` (pane coords) still."""
        pane = self._panes()[0]
        anchor = anchor if anchor is not None else QPointF(pane.width() / 2, pane.height() / 2)
        before = (anchor - self.offset) / self.zoom
        self._set_zoom(self.zoom * factor)
        self.offset = anchor - before * self.zoom
        self._fitted = False
        self.update()

    def _set_zoom(self, zoom: float) -> None:
        self.zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.zoomChanged.emit(self.zoom)
        self.update()

    def _center(self) -> None:
        pane = self._panes()[0]
        self.offset = QPointF(
            (pane.width() - self._size.width() * self.zoom) / 2,
            (pane.height() - self._size.height() * self.zoom) / 2,
        )
        self.update()

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), BACKDROP)
        if self.has_drawing:
            panes = self._panes()
            for index, pane in enumerate(panes):
                if len(panes) == 1:
                    layers = [layer for layer in self.layers if layer.visible]
                elif index == 0:
                    layers = [layer for layer in (self.lineart, self.hints) if layer.visible]
                else:
                    layers = [
                        layer for layer in (self.flats, self.color, self.lineart) if layer.visible
                    ]
                self._paint_pane(painter, pane, event.rect(), layers)
        self._paint_brush_outline(painter)
        painter.end()

    def _paint_pane(
        self, painter: QPainter, pane: QRect, dirty: QRect, layers: list[CanvasLayer]
    ) -> None:
        image_rect = self._to_widget_rect(
            QRectF(0, 0, self._size.width(), self._size.height()), pane
        )
        visible = image_rect & QRectF(dirty & pane)
        if visible.isEmpty():
            return
        painter.save()
        painter.setClipRect(visible)
        painter.fillRect(visible, Qt.GlobalColor.white)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1)
        for layer in layers:
            if layer.image is None:
                continue
            image, scale = layer.level(self.zoom)
            # The visible part in the chosen copy's pixels, a pixel wider for the filter.
            source = QRectF(
                (visible.topLeft() - image_rect.topLeft()) / self.zoom * scale,
                visible.size() / self.zoom * scale,
            ).adjusted(-1, -1, 1, 1)
            source &= QRectF(image.rect())
            target = QRectF(
                image_rect.topLeft() + source.topLeft() / scale * self.zoom,
                source.size() / scale * self.zoom,
            )
            painter.setCompositionMode(layer.blend)
            painter.drawImage(target, image, source)
        painter.restore()

    def _paint_brush_outline(self, painter: QPainter) -> None:
        if (
            self._hover is None
            or not self.has_drawing
            or self.tools.kind not in (ToolKind.BRUSH, ToolKind.ERASER)
        ):
            return
        radius = max(self.tools.size * self.zoom / 2, 1.5)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, grow in ((QColor(255, 255, 255, 200), 1.0), (QColor(0, 0, 0, 200), 0.0)):
            painter.setPen(QPen(color, 1))
            painter.drawEllipse(self._hover, radius + grow, radius + grow)

    def _update_hover(self, pos: QPointF | None) -> None:
        radius = self.tools.size * self.zoom / 2 + 4
        for point in (self._hover, pos):
            if point is not None:
                self.update(
                    QRectF(
                        point.x() - radius, point.y() - radius, 2 * radius, 2 * radius
                    ).toAlignedRect()
                )
        self._hover = pos

    # ------------------------------------------------------------------ input

    def _pressing(
        self,
        pos: QPointF,
        pressure: float,
        pressure_given: bool,
        eraser_end: bool,
        modifiers: Qt.KeyboardModifier,
    ) -> None:
        self._pen_down = True
        sample = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        self.tools.press(
            self._to_image(pos),
            pressure if pressure_given else None,
            eraser_end=eraser_end,
            sample=sample,
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held
        ):
            self._pan_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton and self.has_drawing:
            self._pressing(pos, 1.0, False, False, event.modifiers())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None:
            self.offset += pos - self._pan_from
            self._pan_from = pos
            self._fitted = False
            self.update()
        elif self._pen_down:
            self.tools.move(self._to_image(pos), None)
        self._update_hover(pos)
        self.cursorMoved.emit(self._to_image(pos))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.setCursor(
                Qt.CursorShape.OpenHandCursor if self._space_held else Qt.CursorShape.CrossCursor
            )
        elif self._pen_down and event.button() == Qt.MouseButton.LeftButton:
            self._pen_down = False
            self.tools.release(self._to_image(event.position()), None)

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pen input with pressure; the pen's eraser end erases. Accepting it stops Qt from
        sending the same motion again as mouse events."""
        pos = event.position()
        pressure = float(event.pressure())
        if (
            event.type() == QTabletEvent.Type.TabletPress
            and self.has_drawing
            and not self._space_held
        ):
            eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
            self._pressing(pos, pressure, True, eraser, event.modifiers())
        elif event.type() == QTabletEvent.Type.TabletMove:
            if self._pen_down:
                self.tools.move(self._to_image(pos), pressure)
            self._update_hover(pos)
        elif event.type() == QTabletEvent.Type.TabletRelease and self._pen_down:
            self._pen_down = False
            self.tools.release(self._to_image(pos), pressure)
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms around the pointer; the wheel alone scrolls (Shift: sideways)."""
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            pane = self._pane_at(event.position())
            steps = delta.y() / 120
            self.zoom_by(ZOOM_STEP**steps, event.position() - QPointF(pane.topLeft()))
        else:
            dx, dy = delta.x(), delta.y()
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                dx, dy = dy, dx
            self.offset += QPointF(dx, dy) / 2
            self._fitted = False
            self.update()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        elif event.key() == Qt.Key.Key_Control:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._pan_from = None
            self.setCursor(Qt.CursorShape.CrossCursor)
        elif event.key() == Qt.Key.Key_Control:
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            super().keyReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._update_hover(None)
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.has_drawing and (self._fitted or event.oldSize().width() <= 0):
            self.fit()

    def sizeHint(self) -> QSize:
        return QSize(900, 700)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.setCursor(Qt.CursorShape.CrossCursor)
