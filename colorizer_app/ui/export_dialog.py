"""Export: PNG layers in a folder, one composite PNG, OpenRaster or Photoshop — at the drawing's
original resolution, as the engine returned the layers.

The writing is ``export_result``, without Qt, so tests and scripts call exactly what the dialog
calls. Every writer is atomic: a failed export (read-only folder, full disk) is one message in
the dialog and leaves an earlier file of the same name as it was. The dialog remembers the last
format and folder (QSettings), since an artist exports the same way again and again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_save_png
from colorizer_app.imaging.export import write_ora, write_png_layers, write_psd
from colorizer_app.imaging.layers import Layer, composite


@dataclass(frozen=True)
class ExportKind:
    label: str
    suffix: str  # "" for a folder
    file_filter: str


EXPORT_KINDS = {
    "png-layers": ExportKind("PNG layers in a folder", "", ""),
    "png": ExportKind("Composite PNG", ".png", "PNG image (*.png)"),
    "ora": ExportKind("OpenRaster (Krita, GIMP, MyPaint)", ".ora", "OpenRaster (*.ora)"),
    "psd": ExportKind("Photoshop", ".psd", "Photoshop (*.psd)"),
}
_SETTING_KIND = "export/kind"
_SETTING_FOLDER = "export/folder"


def export_result(
    kind: str, path: str | Path, layers: Sequence[Layer], merged: np.ndarray | None = None
) -> list[Path]:
    """Writes ``layers`` (bottom to top, e.g. ``ColorizeResult.stack()``) as ``kind`` (a key of
    EXPORT_KINDS) at ``path`` — a folder for "png-layers" — and returns the files written.
    ``merged`` is the flattened image when the caller has it (``ColorizeResult.composite``)."""
    path = Path(path)
    if kind == "png-layers":
        return write_png_layers(path, layers, merged=merged)
    if kind == "png":
        atomic_save_png(path, merged if merged is not None else composite(layers))
    elif kind == "ora":
        write_ora(path, layers, merged=merged)
    elif kind == "psd":
        write_psd(path, layers)
    else:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {sorted(EXPORT_KINDS)}")
    return [path]


def default_export_path(kind: str, folder: Path, base_name: str) -> Path:
    if kind == "png-layers":
        return folder / f"{base_name}-layers"
    return folder / f"{base_name}{EXPORT_KINDS[kind].suffix}"


class ExportDialog(QDialog):
    """Choose a format and a destination, then Export. ``written`` holds the files of the last
    successful export, also sent as ``exported(list of Path)``."""

    exported = Signal(list)

    def __init__(
        self,
        layers: Sequence[Layer],
        base_name: str,
        *,
        merged: np.ndarray | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._layers, self._merged, self._base_name = list(layers), merged, base_name
        self._settings = settings or QSettings()
        self.written: list[Path] = []
        self.kind_box = QComboBox(self)
        for key, kind in EXPORT_KINDS.items():
            self.kind_box.addItem(kind.label, key)
        self.path_edit = QLineEdit(self)
        browse = QToolButton(self)
        browse.setIcon(qta.icon("mdi6.folder-open-outline"))
        browse.setToolTip("Choose where to export")
        browse.clicked.connect(self._browse)
        destination = QHBoxLayout()
        destination.addWidget(self.path_edit, 1)
        destination.addWidget(browse)
        height, width = self._layers[0].size
        form = QFormLayout()
        form.addRow("Format:", self.kind_box)
        form.addRow("Save to:", destination)
        form.addRow(
            "Size:",
            QLabel(
                f"{width}×{height} (the drawing's own size), "
                f"{len(self._layers)} layer{'s' if len(self._layers) != 1 else ''}"
            ),
        )
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        export_button.setIcon(qta.icon("mdi6.export"))
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        last_kind = str(self._settings.value(_SETTING_KIND, "png-layers"))
        self._folder = Path(str(self._settings.value(_SETTING_FOLDER, str(Path.home()))))
        self.set_kind(last_kind if last_kind in EXPORT_KINDS else "png-layers")
        self.path_edit.setText(str(default_export_path(self.kind(), self._folder, base_name)))
        self.kind_box.currentIndexChanged.connect(self._kind_changed)

    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_box.setCurrentIndex(list(EXPORT_KINDS).index(kind))

    def export(self) -> bool:
        """Writes the files; on failure the message stays in the dialog, which stays open."""
        text = self.path_edit.text().strip()
        if not text:
            self.error_label.setText("Choose where to export.")
            return False
        path = Path(text).expanduser()
        try:
            self.written = export_result(self.kind(), path, self._layers, self._merged)
        except ColorizerError as error:
            self.error_label.setText(str(error))
            return False
        self._settings.setValue(_SETTING_KIND, self.kind())
        self._settings.setValue(_SETTING_FOLDER, str(path.parent))
        self.error_label.clear()
        self.exported.emit(list(self.written))
        self.accept()
        return True

    def _kind_changed(self) -> None:
        current = Path(
            self.path_edit.text().strip()
            or default_export_path(self.kind(), self._folder, self._base_name)
        )
        stem = current.name.removesuffix("-layers")
        for kind in EXPORT_KINDS.values():
            if kind.suffix and stem.lower().endswith(kind.suffix):
                stem = stem[: -len(kind.suffix)]
        self.path_edit.setText(str(default_export_path(self.kind(), current.parent, stem)))
        self.error_label.clear()

    def _browse(self) -> None:
        current = self.path_edit.text().strip()
        if self.kind() == "png-layers":
            chosen = QFileDialog.getExistingDirectory(self, "Export the layers into", current)
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export", current, EXPORT_KINDS[self.kind()].file_filter
            )
        if chosen:
            self.path_edit.setText(chosen)
            self.error_label.clear()
