"""Under the reference: how strongly it colors the drawing, and which color it gave which part.

The engine finds the reference's parts and holds each part of the drawing to the same part's
color (docs/architecture.md §7); this widget shows those colors as swatches by part, each with
a box the artist can untick to leave that part to the model, and the reference strength slider
(0: the model's own colors, 1: the reference's). Both belong to the document (they change its
colors, so they are undone, saved and restored with it); ``edited(final)`` fires live while the
slider drags (final False) and once per finished gesture or box (final True), as the tag panel's
sliders do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.engine.request import REFERENCE_STRENGTH
from colorizer_app.imaging.palette import Palette
from colorizer_app.ui.part_tool import part_title

SLIDER_STEPS = 100
COLUMNS = 2


class ReferencePartColors(QWidget):
    """The reference strength slider and the reference's colors by part, each untickable."""

    edited = Signal(bool)  # final: the gesture is over (the history records it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setValue(round(REFERENCE_STRENGTH.default * SLIDER_STEPS))
        self.slider.setToolTip(REFERENCE_STRENGTH.description.capitalize())
        self.value = QLabel()
        self.slider.valueChanged.connect(self._strength_moved)
        self.slider.sliderReleased.connect(lambda: self.edited.emit(True))
        strength = QHBoxLayout()
        strength.addWidget(QLabel("Strength"))
        strength.addWidget(self.slider, 1)
        strength.addWidget(self.value)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addLayout(strength)
        layout.addWidget(self.note)
        layout.addLayout(self.grid)
        self._ignored: set[str] = set()
        self._quiet = False
        self._show_strength()
        self.show_colors(None)

    def strength(self) -> float:
        return self.slider.value() / SLIDER_STEPS

    def ignored(self) -> frozenset[str]:
        """The parts the artist unticked: the reference lends them no color."""
        return frozenset(self._ignored)

    def set_options(self, strength: float, ignored: frozenset[str]) -> None:
        """Shows the document's options (after undo, open, restore) without an edit."""
        self._quiet = True
        try:
            self.slider.setValue(round(strength * SLIDER_STEPS))
            self._ignored = set(ignored)
            for part, box in self.boxes.items():
                box.setChecked(part not in ignored)
        finally:
            self._quiet = False
        self._show_strength()

    def show_colors(self, colors: Palette | None, has_reference: bool = False) -> None:
        """The colors the last result took from the reference, by part (None: none taken)."""
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes.clear()
        if colors is None or not colors.colors:
            self.note.setText(
                "The colors the reference gives each part show here."
                if not has_reference
                else "The reference lent no part a color (see the status bar)."
            )
            return
        self.note.setText("Colors taken, by part (untick to leave a part to the model):")
        for index, (part, color) in enumerate(colors.colors.items()):
            box = QCheckBox(part_title(part))
            swatch = QPixmap(14, 14)
            swatch.fill(QColor(color))
            box.setIcon(QIcon(swatch))
            box.setToolTip(f"{part_title(part)} takes {color} from the reference")
            box.setChecked(part not in self._ignored)
            box.toggled.connect(lambda on, p=part: self._toggled(p, on))
            self.grid.addWidget(box, *divmod(index, COLUMNS))
            self.boxes[part] = box

    def _toggled(self, part: str, on: bool) -> None:
        if self._quiet:
            return
        if on:
            self._ignored.discard(part)
        else:
            self._ignored.add(part)
        self.edited.emit(True)

    def _strength_moved(self) -> None:
        self._show_strength()
        if not self._quiet:
            self.edited.emit(not self.slider.isSliderDown())

    def _show_strength(self) -> None:
        self.value.setText(f"{self.strength():.2f}")
