"""The ``colorizer`` entry point: builds the QApplication and the main window."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from colorizer_app import __version__
from colorizer_app.errors import ColorizerError
from colorizer_app.ui.system_check import window_problem

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="colorizer", description="Color anime line art.")
    parser.add_argument("file", nargs="?", help="line art or a .ora project to open")
    parser.add_argument(
        "--replay",
        metavar="EDITS.json",
        help="apply the edits of a JSON script through the app's own input "
        "paths (for tests and demos)",
    )
    parser.add_argument(
        "--autosave-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seconds between full autosave snapshots (default 60); every "
        "edit is journaled at once regardless",
    )
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="keep no crash journal (nothing to restore after a crash)",
    )
    parser.add_argument("--version", action="version", version=f"colorizer {__version__}")
    args = parser.parse_args(list(argv))
    if args.autosave_interval <= 0:
        parser.error("--autosave-interval must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    problem = None if QApplication.instance() else window_problem()
    if problem:
        print(f"colorizer: {problem}", file=sys.stderr)
        return 1
    from colorizer_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Colorizer")
    app.setOrganizationName("Colorizer")
    edits = None
    if args.replay:
        from colorizer_app.ui.replay import load_edits

        try:
            edits = load_edits(args.replay)
        except ColorizerError as error:
            print(f"colorizer: {error}", file=sys.stderr)
            return 2
    journal, recoverable = None, []
    if not args.no_journal:
        from colorizer_app.document.journal import Journal, find_recoverable

        try:
            # A replay journals its edits like any session (the crash tests rely on it), but
            # nobody is there to answer an offer to restore.
            recoverable = find_recoverable() if edits is None else []
            journal = Journal(autosave_interval=args.autosave_interval)
        except ColorizerError as error:
            log.warning("no crash journal this time: %s", error)
    # A replayed session is a demo or a test: it neither reads nor changes the user's settings.
    settings = (
        QSettings(
            str(Path(tempfile.mkdtemp(prefix="colorizer-replay-")) / "settings.ini"),
            QSettings.Format.IniFormat,
        )
        if edits is not None
        else None
    )
    window = MainWindow(
        settings=settings, journal=journal, autosave_interval=args.autosave_interval
    )
    window.show()
    if args.file:
        window.open_file(args.file)
    if recoverable:
        window.offer_restore(recoverable)
    replay = None
    if edits is not None:
        from colorizer_app.ui.replay import Replay

        replay = Replay(window, edits, Path(args.replay).resolve().parent)
        replay.start()
    code = app.exec()
    if replay is not None and replay.error:
        print(f"colorizer: replay: {replay.error}", file=sys.stderr)
        return 1
    return code
