"""Disk faults: export, save and autosave into a read-only folder or onto a full disk.

Each write must fail with one clear line, leave the file it would have replaced byte for byte
as it was (atomic writes), leave no temporary files behind, and lose nothing: the document stays
open and modified, and once the disk is back the same save, export or autosave succeeds.

The faults are simulated by wrapping the system calls (so they work as root, where permissions
do not stop writes): a read-only folder refuses to create files and folders inside it, a full
disk fails every ``os.write`` and ``os.fsync``.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from unittest import mock

from reliability.fixtures import outline_drawing
from reliability.outcome import Outcome, is_one_line
from reliability.qt import (
    close_window,
    colors_for_current,
    flat_factory,
    open_window,
    recorded_dialogs,
    uncaught,
)

_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Nothing can be created in ``folder`` (or below) while the block runs."""
    real_open, real_mkdir = os.open, os.mkdir
    inside = str(folder.resolve())

    def denied(path: object) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(inside)

    def guarded_open(path, flags, *args, **kwargs):  # noqa: ANN001, ANN202 - os.open's signature
        if flags & _WRITING and denied(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):  # noqa: ANN001, ANN202
        if denied(path) and not os.path.exists(path):  # an existing folder: EEXIST, as Linux
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        with (
            mock.patch.object(os, "open", guarded_open),
            mock.patch.object(os, "mkdir", guarded_mkdir),
        ):
            yield
    finally:
        folder.chmod(mode)


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    """Every ``os.write`` and ``os.fsync`` fails with ENOSPC while the block runs."""

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch.object(os, "write", no_space), mock.patch.object(os, "fsync", no_space):
        yield


FAULTS: tuple[tuple[str, str, Callable[[Path], contextlib.AbstractContextManager]], ...] = (
    ("read-only folder", "permission denied", read_only),
    ("full disk", "the disk is full", lambda folder: full_disk()),
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def disk_faults_scenario(folder: Path) -> Outcome:
    from PIL import Image

    outcome = Outcome("disk faults (export, save, autosave)")
    drawing = folder / "lines.png"
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(outline_drawing(96, 128)).save(drawing)
    with recorded_dialogs() as dialogs, uncaught() as escaped:
        from colorizer_app.document.journal import Journal

        journal = Journal(folder / "journal", autosave_interval=0.0)  # a snapshot per edit
        window = open_window(folder / "app", flat_factory, journal=journal)
        try:
            window.open_file(drawing)
            outcome.expect(colors_for_current(window), "no colors to export")
            for fault, words, inject in FAULTS:
                target = folder / fault.replace(" ", "-")
                target.mkdir()
                _export(outcome, window, target, fault, words, inject)
                _save(outcome, window, dialogs, target, fault, words, inject)
                _autosave(outcome, window, journal, fault, words, inject)
        finally:
            close_window(window)
    outcome.crashes += len(escaped)
    outcome.problems += [f"escaped a slot: {type(e).__name__}: {e}" for e in escaped]
    outcome.result = (
        f"{outcome.tried} failed writes: each one message, earlier files intact, nothing lost"
    )
    return outcome


def _export(
    outcome: Outcome,
    window,
    target: Path,
    fault: str,
    words: str,  # noqa: ANN001
    inject: Callable[[Path], contextlib.AbstractContextManager],
) -> None:
    from colorizer_app.ui.export_dialog import EXPORT_KINDS, ExportDialog, default_export_path

    for kind in EXPORT_KINDS:
        outcome.tried += 1
        dialog = ExportDialog(
            window.result.stack(),
            "lines",
            merged=window.result.composite,
            settings=window.settings,
            parent=window,
        )
        dialog.set_kind(kind)
        dialog.path_edit.setText(str(default_export_path(kind, target, "lines")))
        where = f"{fault}, export {kind}"
        outcome.expect(dialog.export(), f"{where}: the first export failed")
        before = _snapshot(target)
        with inject(target):
            failed = not dialog.export()
        message = dialog.error_label.text()
        outcome.expect(
            failed and words in message and is_one_line(message),
            f"{where}: {'exported' if not failed else repr(message)}",
        )
        outcome.expect(_snapshot(target) == before, f"{where}: files changed or left behind")
        outcome.expect(dialog.export(), f"{where}: the export failed after the fault")
        dialog.deleteLater()


def _save(
    outcome: Outcome,
    window,
    dialogs: list,
    target: Path,
    fault: str,  # noqa: ANN001
    words: str,
    inject: Callable[[Path], contextlib.AbstractContextManager],
) -> None:
    from colorizer_app.document.project import open_project
    from colorizer_app.imaging.hints import Stroke

    outcome.tried += 1
    where = f"{fault}, save"
    project = target / "work.ora"
    outcome.expect(window.save_to(project), f"{where}: the first save failed")
    window.tools.strokeFinished.emit(Stroke("#2050e0", 5.0, ((30.0, 30.0), (60.0, 40.0))))
    state = window.state
    before = _snapshot(target)
    dialogs[:] = []
    with inject(target):
        saved = window.save_to(project)
    outcome.expect(
        not saved and len(dialogs) == 1 and words in dialogs[0][1] and is_one_line(dialogs[0][1]),
        f"{where}: saved={saved}, dialogs {dialogs}",
    )
    outcome.expect(_snapshot(target) == before, f"{where}: files changed or left behind")
    outcome.expect(
        window.state is state and window.history.modified,
        f"{where}: the document changed or claims to be saved",
    )
    outcome.expect(
        window.save_to(project) and open_project(project).same_content(state),
        f"{where}: the save after the fault lost something",
    )


def _autosave(
    outcome: Outcome,
    window,
    journal,
    fault: str,
    words: str,  # noqa: ANN001
    inject: Callable[[Path], contextlib.AbstractContextManager],
) -> None:
    """An edit during the fault (its journal line and snapshot fail), then one with the disk
    back: the journal restores the document with both."""
    from colorizer_app.document.journal import RecoverableSession
    from colorizer_app.imaging.hints import Stroke

    outcome.tried += 1
    where = f"{fault}, autosave"
    with inject(journal.folder):
        window.tools.strokeFinished.emit(Stroke("#40a040", 3.0, ((10.0, 50.0), (40.0, 80.0))))
    message = window.statusBar().currentMessage()
    outcome.expect(
        "Autosave failed" in message and words in message and is_one_line(message),
        f"{where}: status {message!r}",
    )
    window.tools.strokeFinished.emit(Stroke("#a04040", 3.0, ((70.0, 20.0), (90.0, 30.0))))
    session = RecoverableSession(journal.folder, window.state.drawing_name, datetime.now())
    outcome.expect(
        session.restore().same_content(window.state), f"{where}: the journal lost an edit"
    )
