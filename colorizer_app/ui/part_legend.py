"""The Parts view's legend: which color means which part, for the parts this drawing has.

It floats in the canvas's top-left corner while the Parts view is shown, the drawing's
largest parts first, so an artist reads the overlay without opening the part tool's menu."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from colorizer_app.engine.request import PartMap
from colorizer_app.imaging.parts import part_colors
from colorizer_app.ui.part_tool import part_swatch, part_title

SWATCH = 12


def parts_by_area(parts: PartMap) -> list[str]:
    """The parts the map holds, largest first (a part on no pixel is left out)."""
    counts = np.bincount(parts.parts.ravel(), minlength=len(parts.names))
    return [parts.names[i] for i in np.argsort(-counts, kind="stable") if counts[i] > 0]


class PartLegend(QFrame):
    """A swatch and a name per part shown; hidden until ``show_parts`` is given a map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partLegend")
        self.setStyleSheet(
            "#partLegend { background: rgba(255, 255, 255, 225); border: 1px solid #888;"
            " border-radius: 4px; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 4, 6, 4)
        self._grid.setHorizontalSpacing(5)
        self._grid.setVerticalSpacing(1)
        self.hide()

    def names(self) -> list[str]:
        """The parts listed, top to bottom (as the artist reads them)."""
        return [
            label.text()
            for row in range(self._grid.rowCount())
            if (item := self._grid.itemAtPosition(row, 1)) is not None
            and isinstance(label := item.widget(), QLabel)
        ]

    def show_parts(self, parts: PartMap | None) -> None:
        """Lists the map's parts and shows the legend; None hides it."""
        self.hide()  # rebuilt hidden, so the new rows show with it and size it
        while (item := self._grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.setParent(None)  # gone at once, not at the next event loop turn
        if parts is None:
            return
        colors = dict(zip(parts.names, part_colors(parts.names), strict=True))
        for row, name in enumerate(parts_by_area(parts)):
            icon = QLabel()
            icon.setPixmap(part_swatch(colors[name], SWATCH))
            self._grid.addWidget(icon, row, 0)
            self._grid.addWidget(QLabel(part_title(name)), row, 1)
        self.move(8, 8)
        self.show()
        self.adjustSize()
        self.raise_()
