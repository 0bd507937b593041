"""The Palettes panel: save the current drawing's character palette (each part's color), apply
one to this drawing, and reach the recent ones, so every page of a character gets its colors.

The panel only picks files and shows swatches; the window turns a choice into an undoable
edit of the document and saves palettes from its current result.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.palette import Palette
from colorizer_app.ui.part_tool import part_title

PALETTE_FILTER = "Colorizer palettes (*.json)"
MAX_RECENT_PALETTES = 8
SWATCH_COLUMNS = 4


def _swatch(color: str, size: int = 14) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


class PalettePanel(QWidget):
    """Save, apply, remove and recent palettes; ``show_palette`` shows the document's."""

    applyRequested = Signal(object)  # Palette, or None to remove the applied one
    saveRequested = Signal(str)  # the file to save the current result's palette to
    loadFailed = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.swatches = QGridLayout()
        self.swatches.setHorizontalSpacing(10)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip(
            "Save this drawing's colors, part by part, as a character palette"
        )
        self.save_button.clicked.connect(self._choose_save)
        self.apply_button = QPushButton("Apply…")
        self.apply_button.setToolTip("Color this drawing with a saved character palette")
        self.apply_button.clicked.connect(self._choose_apply)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop applying the palette (undoable)")
        self.remove_button.clicked.connect(lambda: self.applyRequested.emit(None))
        self.recent = QListWidget()
        self.recent.setToolTip("Recent palettes: double-click to apply")
        self.recent.itemActivated.connect(
            lambda item: self.apply_file(item.data(Qt.ItemDataRole.UserRole))
        )
        buttons = QHBoxLayout()
        for button in (self.save_button, self.apply_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.swatches)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Recent:"))
        layout.addWidget(self.recent)
        self.show_palette(None)
        self._fill_recent()

    def show_palette(self, palette: Palette | None) -> None:
        """Shows the document's palette: its character and a swatch per part."""
        while self.swatches.count():
            item = self.swatches.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.remove_button.setEnabled(palette is not None)
        if palette is None:
            self.title.setText("No palette applied: the colors come from tags and the model.")
            return
        self.title.setText(f"Palette: <b>{palette.character or 'unnamed'}</b>")
        for index, (part, color) in enumerate(palette.colors.items()):
            label = QLabel()
            label.setPixmap(_swatch(color))
            label.setToolTip(f"{part_title(part)}: {color}")
            text = QLabel(part_title(part))
            row, column = divmod(index, SWATCH_COLUMNS)
            self.swatches.addWidget(label, row, 2 * column)
            self.swatches.addWidget(text, row, 2 * column + 1)

    def set_can_save(self, can: bool) -> None:
        """Saving needs a result with a part map."""
        self.save_button.setEnabled(can)

    def set_can_apply(self, can: bool) -> None:
        self.apply_button.setEnabled(can)
        self.recent.setEnabled(can)

    def apply_file(self, path: str | Path) -> bool:
        """Loads the palette at ``path`` and asks to apply it; a bad file says why."""
        try:
            palette = Palette.load(path)
        except ColorizerError as error:
            self.loadFailed.emit(str(error))
            return False
        self.remember(Path(path))
        self.applyRequested.emit(palette)
        return True

    def remember(self, path: Path) -> None:
        """Puts ``path`` first in the recent palettes."""
        path = path.resolve()
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_palettes", files[:MAX_RECENT_PALETTES])
        self._fill_recent()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_palettes", [], list)
        return [str(v) for v in value] if isinstance(value, list) else []

    def _fill_recent(self) -> None:
        self.recent.clear()
        for file in self.recent_files():
            if not Path(file).exists():
                continue
            item = QListWidgetItem(Path(file).stem)
            item.setToolTip(file)
            item.setData(Qt.ItemDataRole.UserRole, file)
            try:
                colors = list(Palette.load(file).colors.values())
            except ColorizerError:
                continue  # a file changed since: not offered
            if colors:
                item.setIcon(QIcon(_swatch(colors[min(2, len(colors) - 1)])))
            self.recent.addItem(item)

    def _folder(self) -> str:
        return str(self.settings.value("palette_folder", str(Path.home())))

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save Character Palette", self._folder(), PALETTE_FILTER
        )
        if path:
            if not path.lower().endswith(".json"):
                path += ".json"
            self.settings.setValue("palette_folder", str(Path(path).parent))
            self.saveRequested.emit(path)

    def _choose_apply(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Apply Character Palette", self._folder(), PALETTE_FILTER
        )
        if path:
            self.settings.setValue("palette_folder", str(Path(path).parent))
            self.apply_file(path)
