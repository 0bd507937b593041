"""The sample drawings that ship with the app, and the welcome panel that offers them.

A new user has something to color at once: ``resources/samples/`` holds line drawings the
project made with its own synthetic generator (clean outlines on white).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from colorizer_app.resources import SAMPLES_DIR

THUMBNAIL = 150


def sample_files(folder: Path = SAMPLES_DIR) -> list[Path]:
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def sample_title(path: Path) -> str:
    return path.stem.replace("-", " ").capitalize()


class WelcomePanel(QWidget):
    """Shown while no drawing is open: open a file, or start from a sample."""

    openRequested = Signal()
    sampleChosen = Signal(str)  # path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(
            "<h2>Color a line drawing</h2>"
            "<p>Open your line art (or drop it here), then paint a few strokes, "
            "tick color tags or drop a reference picture — the colors follow live.</p>"
        )
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        layout.addWidget(title)
        open_button = QPushButton("Open line art…")
        open_button.setToolTip("Open a line drawing (Ctrl+O)")
        open_button.clicked.connect(self.openRequested)
        layout.addWidget(open_button, alignment=Qt.AlignmentFlag.AlignCenter)
        samples = sample_files()
        if samples:
            caption = QLabel("…or start with one of these:")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(caption)
            grid = QGridLayout()
            for column, path in enumerate(samples):
                button = QToolButton()
                button.setIcon(
                    QIcon(
                        QPixmap(str(path)).scaled(
                            THUMBNAIL,
                            THUMBNAIL,
                            Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )
                )
                button.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
                button.setText(sample_title(path))
                button.setToolTip(f"Open the sample “{sample_title(path)}”")
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
                button.clicked.connect(lambda _=False, p=str(path): self.sampleChosen.emit(p))
                grid.addWidget(button, 0, column)
            layout.addLayout(grid)
        layout.addStretch(2)
