"""The main window: shows the opened drawing (the full painting UI grows from here)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.loader import load_image

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Colorizer")
        self.resize(1000, 760)
        self.view = QLabel("Open a line drawing (File › Open) to start coloring.")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        self.setCentralWidget(scroll)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Open…", "Ctrl+O", self.choose_file)
        file_menu.addAction("&Quit", "Ctrl+Q", self.close)
        self.pixels = None

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open line art", "", IMAGE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        """Shows the drawing at ``path``; a bad file gets a dialog and changes nothing."""
        try:
            loaded = load_image(path)
        except ColorizerError as error:
            QMessageBox.warning(self, "Cannot open", str(error))
            self.statusBar().showMessage(str(error))
            return False
        self.pixels = loaded.pixels
        height, width = self.pixels.shape[:2]
        image = QImage(self.pixels.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        self.view.setPixmap(QPixmap.fromImage(image.copy()))
        self.setWindowTitle(f"{loaded.path.name} — Colorizer")
        self.statusBar().showMessage(f"{width}×{height} {loaded.source_mode}")
        return True
