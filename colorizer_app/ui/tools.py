"""The painting tools: brush, eraser, eyedropper, region fill, and the part tool (which names
what an area is: a click names the closed area under it, a drag the areas the brush passes
over, a disc of the brush size at each point; the window asks which part).

Tools see pen input already in line-art pixels (the canvas converts), so the mouse, a tablet and
the ``--replay`` script all drive the very same ``press``/``move``/``release`` calls. A stroke is
recorded as the hint ``Stroke`` (docs/architecture.md §3) (points, per-point pressure) and handed
over whole at pen-up: one stroke, one undoable edit.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Protocol

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QColor

from colorizer_app.imaging.hints import Fill, Stroke

MIN_SIZE, MAX_SIZE = 1.0, 500.0
SIZE_STEP = 1.2  # [ and ] change the size by this factor, as in Krita
MIN_POINT_DISTANCE = 0.75  # line-art pixels between recorded points


class ToolKind(Enum):
    BRUSH = "brush"
    ERASER = "eraser"
    EYEDROPPER = "eyedropper"
    FILL = "fill"
    PART = "part"


class Surface(Protocol):
    """What a tool needs from the canvas."""

    def draw_live(self, stroke: Stroke, first: int) -> None: ...
    def stroke_committed(self, stroke: Stroke) -> None: ...
    def sample(self, image_pos: QPointF, source: str) -> QColor | None: ...


class ToolController(QObject):
    """The current tool and brush settings, and the stroke being drawn."""

    strokeFinished = Signal(object)  # Stroke
    fillClicked = Signal(object)  # Fill
    partClicked = Signal(object)  # tuple of ((x, y), radius or None: the whole area)
    colorChanged = Signal(QColor)
    toolChanged = Signal(object)  # ToolKind
    settingsChanged = Signal()  # size or opacity

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.surface: Surface | None = None
        self.kind = ToolKind.BRUSH
        self.color = QColor("#e04040")
        self.size = 12.0
        self.opacity = 1.0
        self.sample_source = "canvas"  # eyedropper: "canvas" (what is seen) or "result"
        self._points: list[tuple[float, float]] = []
        self._part_path: list[tuple[float, float]] = []  # the part tool's drag
        self._pressure: list[float] | None = None
        self._erase = False
        self._sampling = False

    # ------------------------------------------------------------------ settings

    def set_tool(self, kind: ToolKind) -> None:
        self.kind = kind
        self.toolChanged.emit(kind)

    def set_color(self, color: QColor) -> None:
        if color.isValid() and color.rgb() != self.color.rgb():
            self.color = QColor(color.rgb())  # opaque: opacity is the brush's own setting
            self.colorChanged.emit(self.color)

    def set_size(self, size: float) -> None:
        self.size = min(max(float(size), MIN_SIZE), MAX_SIZE)
        self.settingsChanged.emit()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(max(float(opacity), 0.01), 1.0)
        self.settingsChanged.emit()

    def grow(self) -> None:
        self.set_size(max(self.size * SIZE_STEP, self.size + 1))

    def shrink(self) -> None:
        self.set_size(min(self.size / SIZE_STEP, self.size - 1))

    # ------------------------------------------------------------------ pen input

    @property
    def drawing(self) -> bool:
        return bool(self._points)

    def press(
        self,
        pos: QPointF,
        pressure: float | None = None,
        *,
        eraser_end: bool = False,
        sample: bool = False,
    ) -> None:
        """Pen down at ``pos`` (line-art pixels). ``pressure`` None: a mouse (full pressure).
        ``sample`` (Ctrl held) picks a color whatever the tool; ``eraser_end`` erases."""
        self._sampling = sample or self.kind is ToolKind.EYEDROPPER
        if self._sampling:
            self._sample(pos)
        elif self.kind is ToolKind.FILL:
            self.fillClicked.emit(Fill(self.color.name(), (pos.x(), pos.y())))
        elif self.kind is ToolKind.PART:
            self._part_path = [(pos.x(), pos.y())]
        else:
            self._erase = eraser_end or self.kind is ToolKind.ERASER
            self._points = [(pos.x(), pos.y())]
            self._pressure = None if pressure is None else [pressure]
            self._draw(0)

    def move(self, pos: QPointF, pressure: float | None = None) -> None:
        if self._sampling:
            self._sample(pos)
            return
        if self._part_path:
            last = self._part_path[-1]
            if math.hypot(pos.x() - last[0], pos.y() - last[1]) >= self.size / 4:
                self._part_path.append((pos.x(), pos.y()))
            return
        if not self._points:
            return
        last = self._points[-1]
        if math.hypot(pos.x() - last[0], pos.y() - last[1]) < MIN_POINT_DISTANCE:
            return
        self._points.append((pos.x(), pos.y()))
        if self._pressure is not None:
            self._pressure.append(1.0 if pressure is None else pressure)
        self._draw(len(self._points) - 1)

    def release(self, pos: QPointF, pressure: float | None = None) -> None:
        """Pen up: the finished stroke is emitted as one ``Stroke``."""
        if self._sampling:
            self._sampling = False
            return
        if self._part_path:
            self.move(pos)
            path, self._part_path = self._part_path, []
            if len(path) == 1:
                self.partClicked.emit(((path[0], None),))
            else:
                self.partClicked.emit(tuple((point, self.size / 2) for point in path))
            return
        if not self._points:
            return
        self.move(pos, pressure)
        stroke = self._stroke()
        self._points, self._pressure = [], None
        if self.surface is not None:
            self.surface.stroke_committed(stroke)
        self.strokeFinished.emit(stroke)

    def _stroke(self, start: int = 0) -> Stroke:
        """The stroke from point ``start`` on (the live view draws just the newest segment)."""
        return Stroke(
            color=self.color.name(),
            width=round(self.size, 2),
            points=tuple((round(x, 2), round(y, 2)) for x, y in self._points[start:]),
            pressure=None
            if self._pressure is None
            else tuple(round(p, 3) for p in self._pressure[start:]),
            opacity=round(self.opacity, 3),
            erase=self._erase,
        )

    def _draw(self, last: int) -> None:
        """Shows the segment ending at point ``last`` (a dot for the first point)."""
        if self.surface is not None:
            start = max(last - 1, 0)
            self.surface.draw_live(self._stroke(start), last - start)

    def _sample(self, pos: QPointF) -> None:
        if self.surface is None:
            return
        color = self.surface.sample(pos, self.sample_source)
        if color is not None:
            self.set_color(color)
