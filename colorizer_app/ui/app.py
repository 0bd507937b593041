"""The ``colorizer`` entry point: builds the QApplication and the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from colorizer_app import __version__


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="colorizer", description="Color anime line art.")
    parser.add_argument("file", nargs="?", help="line art to open")
    parser.add_argument("--version", action="version", version=f"colorizer {__version__}")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from colorizer_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Colorizer")
    app.setOrganizationName("Colorizer")
    window = MainWindow()
    window.show()
    if args.file:
        window.open_file(args.file)
    return app.exec()
