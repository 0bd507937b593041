"""The brush color: an HSV picker (hue strip + saturation/value square), a hex field, and palettes
of recent colors, common ones (the skin tones the models learned included) and the reference
illustration's main colors — the colors an artist reaches for most when hinting.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.vocabulary import load_vocabulary

RECENT_LIMIT = 16
_COLUMNS = 8
_BASICS = (
    "#000000",
    "#404040",
    "#808080",
    "#c0c0c0",
    "#ffffff",
    "#d8323c",
    "#f08c28",
    "#f5d23c",
    "#50b450",
    "#3c8cdc",
    "#283c96",
    "#8c50b4",
    "#f08cb4",
    "#8c5a36",
    "#f5ecd7",
)


def common_colors() -> list[str]:
    """Skin tones first (the palette colors of the vocabulary's skin tags, which the models were
    trained on), then basic hues and grays."""
    skin = [tag.colors[0] for tag in load_vocabulary().cvt_for_part("skin")]
    return list(dict.fromkeys(skin + list(_BASICS)))


def _hex(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb).lower()


class _HueStrip(QWidget):
    """A vertical hue strip; hue 0 at the top."""

    hueChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hue = 0.0
        self.setFixedWidth(18)
        self.setMinimumHeight(120)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        gradient = QLinearGradient(0, 0, 0, self.height())
        for step in range(7):
            gradient.setColorAt(step / 6, QColor.fromHsvF(min(step / 6, 0.9999), 1.0, 1.0))
        painter.fillRect(self.rect(), gradient)
        y = self.hue * (self.height() - 1)
        painter.setPen(QPen(Qt.GlobalColor.black, 3))
        painter.drawLine(QPointF(0, y), QPointF(self.width(), y))
        painter.setPen(QPen(Qt.GlobalColor.white, 1))
        painter.drawLine(QPointF(0, y), QPointF(self.width(), y))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pick(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event)

    def _pick(self, event: QMouseEvent) -> None:
        self.hue = min(max(event.position().y() / max(self.height() - 1, 1), 0.0), 1.0)
        self.update()
        self.hueChanged.emit(self.hue)


class _SaturationValueSquare(QWidget):
    """Saturation left → right, value bottom → top, for the current hue."""

    picked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hue, self.saturation, self.value = 0.0, 1.0, 1.0
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect())
        painter.fillRect(rect, QColor.fromHsvF(min(self.hue, 0.9999), 1.0, 1.0))
        whites = QLinearGradient(rect.topLeft(), rect.topRight())
        whites.setColorAt(0, QColor(255, 255, 255, 255))
        whites.setColorAt(1, QColor(255, 255, 255, 0))
        painter.fillRect(rect, whites)
        blacks = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        blacks.setColorAt(0, QColor(0, 0, 0, 0))
        blacks.setColorAt(1, QColor(0, 0, 0, 255))
        painter.fillRect(rect, blacks)
        center = QPointF(
            self.saturation * (rect.width() - 1), (1 - self.value) * (rect.height() - 1)
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(Qt.GlobalColor.black, 3))
        painter.drawEllipse(center, 5, 5)
        painter.setPen(QPen(Qt.GlobalColor.white, 1.5))
        painter.drawEllipse(center, 5, 5)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pick(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event)

    def _pick(self, event: QMouseEvent) -> None:
        position = event.position()
        saturation = min(max(position.x() / max(self.width() - 1, 1), 0.0), 1.0)
        value = 1.0 - min(max(position.y() / max(self.height() - 1, 1), 0.0), 1.0)
        self.picked.emit(saturation, value)


class _Swatch(QAbstractButton):
    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = color
        self.setToolTip(color)
        self.setFixedSize(QSize(18, 18))
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#606060"), 1))
        painter.setBrush(QColor(self.color))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 3, 3)


class _SwatchGrid(QWidget):
    """A titled grid of swatches; hidden while it has no colors."""

    chosen = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(QLabel(title))
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(self._grid)
        self.colors: list[str] = []
        self.setVisible(False)

    def set_colors(self, colors: Sequence[str]) -> None:
        while (item := self._grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.colors = list(colors)
        for index, color in enumerate(self.colors):
            swatch = _Swatch(color, self)
            swatch.clicked.connect(lambda _=False, c=color: self.chosen.emit(c))
            self._grid.addWidget(swatch, index // _COLUMNS, index % _COLUMNS)
        self.setVisible(bool(self.colors))

    def swatches(self) -> list[_Swatch]:
        items = (self._grid.itemAt(i) for i in range(self._grid.count()))
        return [w for item in items if item and isinstance(w := item.widget(), _Swatch)]


class ColorPicker(QWidget):
    """``colorChanged`` fires whenever the color changes, by the user or ``setColor``; the app
    calls ``add_recent`` when a color was actually used (pen-up, fill)."""

    colorChanged = Signal(QColor)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hue, self._saturation, self._value = 0.0, 0.0, 0.0
        self._square = _SaturationValueSquare(self)
        self._strip = _HueStrip(self)
        self._preview = QLabel(self)
        self._preview.setFixedSize(36, 22)
        self._hex = QLineEdit(self)
        self._hex.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"#?[0-9A-Fa-f]{0,6}"), self)
        )
        self._hex.setMaxLength(7)
        self._hex.setToolTip("Hex color, e.g. #3c8cdc (Enter to apply)")
        self._recent = _SwatchGrid("Recent", self)
        self._common = _SwatchGrid("Common", self)
        self._reference = _SwatchGrid("From the reference", self)
        self._common.set_colors(common_colors())

        picker = QHBoxLayout()
        picker.addWidget(self._square, 1)
        picker.addWidget(self._strip)
        entry = QHBoxLayout()
        entry.addWidget(self._preview)
        entry.addWidget(self._hex, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(picker, 1)
        layout.addLayout(entry)
        for grid in (self._recent, self._common, self._reference):
            layout.addWidget(grid)
            grid.chosen.connect(self.setColor)

        self._strip.hueChanged.connect(
            lambda hue: self._set_hsv(hue, self._saturation, self._value)
        )
        self._square.picked.connect(lambda s, v: self._set_hsv(self._hue, s, v))
        self._hex.editingFinished.connect(self._hex_entered)
        self._show()

    def color(self) -> QColor:
        return QColor.fromHsvF(min(self._hue, 0.9999), self._saturation, self._value).toRgb()

    def setColor(self, color: QColor | str) -> None:
        color = QColor(color)
        if not color.isValid() or _hex(color) == _hex(self.color()):
            return
        hue = color.hsvHueF()
        # Grays have no hue: keep the strip where it was, so the next pick starts from it.
        self._set_hsv(self._hue if hue < 0 else hue, color.hsvSaturationF(), color.valueF())

    def add_recent(self, color: QColor | str) -> None:
        name = _hex(QColor(color))
        self._recent.set_colors(
            [name] + [c for c in self._recent.colors if c != name][: RECENT_LIMIT - 1]
        )

    def recent_colors(self) -> list[str]:
        return list(self._recent.colors)

    def set_reference_colors(self, colors: Sequence[str]) -> None:
        self._reference.set_colors(colors)

    def reference_colors(self) -> list[str]:
        return list(self._reference.colors)

    def _set_hsv(self, hue: float, saturation: float, value: float) -> None:
        before = _hex(self.color())
        self._hue, self._saturation, self._value = hue, saturation, value
        self._show()
        if _hex(self.color()) != before:
            self.colorChanged.emit(self.color())

    def _hex_entered(self) -> None:
        text = self._hex.text().strip().lstrip("#")
        if len(text) == 6:
            self.setColor("#" + text)
        self._show()  # an incomplete entry reverts to the current color

    def _show(self) -> None:
        self._strip.hue = self._hue
        self._square.hue, self._square.saturation, self._square.value = (
            self._hue,
            self._saturation,
            self._value,
        )
        self._strip.update()
        self._square.update()
        name = _hex(self.color())
        self._preview.setStyleSheet(f"background: {name}; border: 1px solid #606060;")
        self._hex.setText(name)
