"""Painting hint strokes with QPainter, so the canvas shows a stroke while it is drawn.

The engine rasterizes hints its own way (``imaging.hints``) for the model; the canvas only needs
to show them at once, segment by segment, on a full-resolution image and on its zoomed-out
copies — redrawing only what a new segment touched, never the whole layer.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from colorizer_app.imaging.hints import FILL_DISC_RADIUS, Hints, Stroke


def _pen(stroke: Stroke, width: float) -> QPen:
    color = QColor(stroke.color)
    color.setAlphaF(stroke.opacity)
    pen = QPen(color, max(width, 0.5))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _pressure(stroke: Stroke, index: int) -> float:
    return 1.0 if stroke.pressure is None else stroke.pressure[index]


def draw_segments(painter: QPainter, stroke: Stroke, first: int) -> QRectF:
    """Draws the stroke's segments ending at points ``first``.. (a dot when it has one point)
    and returns the area touched, in image pixels.

    A stroke replaces what lies under it (Source) so that its own overlaps do not darken; an
    eraser removes by its opacity (DestinationOut)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setCompositionMode(
        QPainter.CompositionMode.CompositionMode_DestinationOut
        if stroke.erase
        else QPainter.CompositionMode.CompositionMode_Source
    )
    touched = QRectF()
    for i in range(max(first, 0), len(stroke.points)):
        start = stroke.points[max(i - 1, 0)]
        end = stroke.points[i]
        width = stroke.width * (_pressure(stroke, max(i - 1, 0)) + _pressure(stroke, i)) / 2
        painter.setPen(_pen(stroke, width))
        a, b = QPointF(*start), QPointF(*end)
        if i == 0 or a == b:
            painter.drawPoint(b)
        else:
            painter.drawLine(a, b)
        reach = width / 2 + 2
        touched |= QRectF(a, b).normalized().adjusted(-reach, -reach, reach, reach)
    return touched


def fill_marker_radius(width: int, height: int) -> float:
    """A fill shows as a pin where it was clicked (its region shows in the result): big enough
    to find at the fitted zoom."""
    return max(2 * FILL_DISC_RADIUS, min(width, height) / 120)


def draw_hints(painter: QPainter, hints: Hints, radius: float) -> None:
    """All hints in the rasterizer's order: fills as outlined pins of ``radius``, then strokes.
    A fill's whole region is not painted here: over the line art it would hide the lines, and
    in the overlay view it would hide the model's shading."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    for fill in hints.fills:
        painter.setPen(QPen(QColor(0, 0, 0, 190), max(1.0, radius / 5)))
        painter.setBrush(QColor(fill.color))
        painter.drawEllipse(QPointF(*fill.point), radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in hints.strokes:
        draw_segments(painter, stroke, 0)


def blank_layer(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    return image
