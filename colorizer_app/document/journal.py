"""The crash journal: "nothing lost" — every completed edit is on disk before the next one starts.

Each running app owns one session folder under the user data dir::

    journal/<session>/lock              OS lock held while the app runs (released even by SIGKILL)
    journal/<session>/snapshot.json     the whole document at generation g (written atomically)
    journal/<session>/edits-<g>.jsonl   one line per edit since that snapshot, flushed and fsynced
    journal/<session>/drawing-<n>.npy   large arrays, written once per change (sidecars)
    journal/<session>/reference-<n>.npy

A line is a small description of the document relative to the state before it: the sidecar
files of the drawing and reference, names, tag values, and the hint edit as "keep the first k
strokes and j fills, then append these" — which covers a new stroke, an undo, a clear alike, and
keeps a line small however many strokes came before. Replay stops at the first line that is not
complete (a process killed mid-write leaves a torn last line without its newline): every edit
before it is restored, the torn one is ignored. Compaction: at most every ``autosave_interval``
seconds the whole state becomes the next snapshot generation and the older lines and sidecars go.

Sidecars are raw ``.npy`` arrays (never pickles): the app writes them on the GUI thread when a
drawing or reference arrives, and PNG-compressing a 1000² illustration takes ~50 ms there, long
enough to stall the window; raw bytes take ~1 ms plus the disk.

A session whose lock can be taken belongs to a process that ended without closing it: it is
recoverable. A clean close deletes the folder.

No Qt: the app calls ``record`` after each completed edit (including undo and redo).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import platformdirs

from colorizer_app.document.project import (
    reference_options_from_json,
    reference_options_to_json,
    tags_from_json,
    tags_to_json,
)
from colorizer_app.document.state import DocumentState
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_write_bytes
from colorizer_app.imaging.hints import Fill, Hints, PartMark, Stroke
from colorizer_app.imaging.oserrors import describe_os_error
from colorizer_app.imaging.palette import Palette

log = logging.getLogger(__name__)

DEFAULT_AUTOSAVE_INTERVAL = 60.0  # seconds between snapshots while editing
_FORMAT = "colorizer-journal"
_VERSION = 1
_LOCK = "lock"
_SNAPSHOT = "snapshot.json"
# Binary on Windows too, where os.open would otherwise turn "\n" into "\r\n".
_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)


def default_journal_root() -> Path:
    return Path(platformdirs.user_data_dir("colorizer")) / "journal"


def _edits_name(generation: int) -> str:
    return f"edits-{generation}.jsonl"


if sys.platform == "win32":  # what os.name == "nt" means, in a form mypy understands
    import msvcrt

    def _try_lock(file: IO[bytes]) -> None:
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _try_lock(file: IO[bytes]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class _SessionLock:
    """Held by the live app; the OS drops it when the process ends, however it ends, so a lock
    that can be taken means a session nobody owns any more."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the lock's lifetime
        try:
            _try_lock(file)
        except OSError:
            file.close()
            return False
        self._file = file
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None


def _common_prefix(old: Sequence[Any], new: Sequence[Any]) -> int:
    count = 0
    for a, b in zip(old, new, strict=False):
        if a is not b and a != b:
            break
        count += 1
    return count


def _describe(
    state: DocumentState, base: DocumentState | None, drawing_file: str, reference_file: str | None
) -> dict[str, Any]:
    """One journal line: ``state`` relative to ``base`` (None: the whole state, as snapshots)."""
    keep_strokes = _common_prefix(base.hints.strokes, state.hints.strokes) if base else 0
    keep_fills = _common_prefix(base.hints.fills, state.hints.fills) if base else 0
    keep_parts = _common_prefix(base.hints.parts, state.hints.parts) if base else 0
    return {
        "drawing": drawing_file,
        "drawing_name": state.drawing_name,
        "reference": reference_file,
        "reference_name": state.reference_name,
        "tags": tags_to_json(state.tags),
        "project_path": str(state.project_path) if state.project_path else None,
        "keep": [keep_strokes, keep_fills, keep_parts],
        "strokes": [s.to_json() for s in state.hints.strokes[keep_strokes:]],
        "fills": [f.to_json() for f in state.hints.fills[keep_fills:]],
        "parts": [p.to_json() for p in state.hints.parts[keep_parts:]],
        "palette": None if state.palette is None else state.palette.to_json(),
        **reference_options_to_json(state),
    }


def _unchanged(a: DocumentState, b: DocumentState) -> bool:
    return (
        a.drawing is b.drawing
        and a.reference is b.reference
        and a.hints == b.hints
        and a.tags == b.tags
        and a.drawing_name == b.drawing_name
        and a.reference_name == b.reference_name
        and a.project_path == b.project_path
        and a.palette == b.palette
        and a.reference_strength == b.reference_strength
        and a.reference_ignored == b.reference_ignored
    )


class _Replayer:
    """Applies journal lines in order, loading each sidecar image once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state: DocumentState | None = None
        self._loaded: dict[str, tuple[str, np.ndarray]] = {}  # kind → the latest (file, pixels)

    def _image(self, kind: str, name: Any) -> np.ndarray:
        if (
            not isinstance(name, str)
            or not name.startswith(f"{kind}-")
            or "/" in name
            or "\\" in name
        ):
            raise ValueError(f"bad {kind} file name {name!r}")
        if kind not in self._loaded or self._loaded[kind][0] != name:
            self._loaded[kind] = (name, _read_sidecar(self.folder / name))
        return self._loaded[kind][1]

    def apply(self, line: dict[str, Any]) -> None:
        base = self.state
        # A journal written before part marks keeps two counts and has no "parts".
        keep_strokes, keep_fills, keep_parts = (*line["keep"], 0)[:3]
        previous = base.hints if base else Hints()
        if not (
            0 <= keep_strokes <= len(previous.strokes)
            and 0 <= keep_fills <= len(previous.fills)
            and 0 <= keep_parts <= len(previous.parts)
        ):
            raise ValueError("the line keeps more hints than there are")
        hints = Hints(
            previous.strokes[:keep_strokes] + tuple(Stroke.from_json(s) for s in line["strokes"]),
            previous.fills[:keep_fills] + tuple(Fill.from_json(f) for f in line["fills"]),
            previous.parts[:keep_parts]
            + tuple(PartMark.from_json(p) for p in line.get("parts", [])),
        )
        reference = (
            None if line["reference"] is None else self._image("reference", line["reference"])
        )
        project_path = line["project_path"]
        strength, ignored = reference_options_from_json(line, "journal line")
        self.state = DocumentState(
            drawing=self._image("drawing", line["drawing"]),
            drawing_name=str(line["drawing_name"]),
            hints=hints,
            tags=tags_from_json(line["tags"], "journal line"),
            reference=reference,
            reference_name=str(line["reference_name"]),
            project_path=Path(project_path) if project_path else None,
            palette=None if line.get("palette") is None else Palette.from_json(line["palette"]),
            reference_strength=strength,
            reference_ignored=ignored,
        )


def _read_sidecar(path: Path) -> np.ndarray:
    """An (H, W, 4) uint8 array written by ``Journal._write_sidecar``; pickles are refused."""
    try:
        pixels: np.ndarray = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ColorizerError(f'cannot read the autosave image "{path}": {error}') from error
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4:
        raise ColorizerError(f'cannot read the autosave image "{path}": not an RGBA image')
    return pixels


_LINE_ERRORS = (KeyError, TypeError, ValueError, ColorizerError)


def _read_lines(path: Path) -> list[dict[str, Any]]:
    """The complete lines of an edits file; a torn or damaged line ends the list."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = []
    *complete, _unterminated = data.split(b"\n")  # whatever follows the last newline is torn
    for number, raw in enumerate(complete, 1):
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise ValueError("not an object")
        except ValueError as error:
            log.warning(
                "%s: line %d is damaged (%s); ignoring it and what follows", path, number, error
            )
            break
        lines.append(line)
    return lines


def _read_snapshot(folder: Path) -> tuple[int, dict[str, Any] | None]:
    """(generation, the snapshot's whole-state line or None when none was taken yet)."""
    path = folder / _SNAPSHOT
    try:
        snapshot = json.loads(path.read_bytes())
    except FileNotFoundError:
        return 0, None
    except (OSError, ValueError) as error:
        raise ColorizerError(f'cannot read the autosave "{path}": {error}') from error
    if (
        not isinstance(snapshot, dict)
        or snapshot.get("format") != _FORMAT
        or not isinstance(snapshot.get("generation"), int)
        or not isinstance(snapshot.get("state"), dict)
    ):
        raise ColorizerError(f'cannot read the autosave "{path}": not a Colorizer journal snapshot')
    return snapshot["generation"], snapshot["state"]


@dataclass(frozen=True)
class RecoverableSession:
    """The journal of an app that ended without closing cleanly."""

    folder: Path
    drawing_name: str
    saved_at: datetime  # when its last edit reached the disk

    def restore(self) -> DocumentState:
        """The document as it was after the last completed edit."""
        generation, snapshot = _read_snapshot(self.folder)
        replayer = _Replayer(self.folder)
        try:
            if snapshot is not None:
                replayer.apply(snapshot)
        except _LINE_ERRORS as error:
            raise ColorizerError(
                f'cannot restore the autosave in "{self.folder}": {error}'
            ) from error
        for line in _read_lines(self.folder / _edits_name(generation)):
            try:
                replayer.apply(line)
            except _LINE_ERRORS as error:
                log.warning(
                    "%s: an edit cannot be replayed (%s); restoring up to the one before",
                    self.folder,
                    error,
                )
                break
        if replayer.state is None:
            raise ColorizerError(f'the autosave in "{self.folder}" holds no document')
        return replayer.state

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def find_recoverable(root: str | Path | None = None) -> list[RecoverableSession]:
    """Sessions left by apps that did not close cleanly, newest first. Sessions that ended before
    their first edit are removed on the way; live sessions (another window) are left alone."""
    root = Path(root) if root is not None else default_journal_root()
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        lock = _SessionLock(folder / _LOCK)
        try:
            if not lock.acquire():
                continue  # its app is running
        except OSError as error:
            log.warning("cannot inspect the journal %s: %s", folder, describe_os_error(error))
            continue
        try:
            session = _summary(folder)
        except ColorizerError as error:
            log.warning("%s", error)
            continue
        finally:
            lock.release()
        if session is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            found.append(session)
    return sorted(found, key=lambda session: session.saved_at, reverse=True)


def _summary(folder: Path) -> RecoverableSession | None:
    generation, snapshot = _read_snapshot(folder)
    edits = folder / _edits_name(generation)
    lines = ([snapshot] if snapshot else []) + _read_lines(edits)
    if not lines:
        return None
    newest = max(path.stat().st_mtime for path in (edits, folder / _SNAPSHOT) if path.exists())
    return RecoverableSession(
        folder=folder,
        drawing_name=str(lines[-1].get("drawing_name", "")),
        saved_at=datetime.fromtimestamp(newest),
    )


class Journal:
    """The running app's journal. ``record`` after every completed edit; ``close`` on a clean exit.

    Writing errors (disk full, ...) are ColorizerErrors: the app reports them and keeps working.
    """

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        autosave_interval: float = DEFAULT_AUTOSAVE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        root = Path(root) if root is not None else default_journal_root()
        self.autosave_interval = autosave_interval
        self._clock = clock
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.folder = root / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            self.folder.mkdir(parents=True)
            self._lock = _SessionLock(self.folder / _LOCK)
            if not self._lock.acquire():
                raise ColorizerError(f'cannot lock the autosave folder "{self.folder}"')
        except OSError as error:
            raise ColorizerError(
                f'cannot create the autosave folder "{self.folder}": {describe_os_error(error)}'
            ) from error
        self._generation = 0
        self._edits: int | None = None  # descriptor of the open edits file
        self._state: DocumentState | None = None  # the last recorded state
        self._files: tuple[str, str | None] = ("", None)  # its drawing and reference sidecars
        self._snapshot_state: DocumentState | None = None
        self._last_snapshot = clock()
        self._sidecars = 0

    def record(self, state: DocumentState) -> None:
        """Appends ``state`` (the document after a completed edit) durably; a snapshot follows
        when the autosave interval has passed since the last one."""
        base = self._state
        if base is not None and _unchanged(base, state):
            return
        drawing_file = (
            self._files[0]
            if base is not None and state.drawing is base.drawing
            else self._write_sidecar("drawing", state.drawing)
        )
        if state.reference is None:
            reference_file = None
        elif base is not None and state.reference is base.reference:
            reference_file = self._files[1]
        else:
            reference_file = self._write_sidecar("reference", state.reference)
        line = _describe(state, base, drawing_file, reference_file)
        self._append(
            (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        )
        self._state, self._files = state, (drawing_file, reference_file)
        if self._clock() - self._last_snapshot >= self.autosave_interval:
            self.snapshot()

    def snapshot(self) -> bool:
        """Writes the whole recorded state as the next generation and drops the older lines and
        sidecars; False when nothing changed since the last snapshot."""
        if self._state is None or self._state is self._snapshot_state:
            return False
        generation = self._generation + 1
        snapshot = {
            "format": _FORMAT,
            "version": _VERSION,
            "generation": generation,
            "state": _describe(self._state, None, *self._files),
        }
        atomic_write_bytes(
            self.folder / _SNAPSHOT, json.dumps(snapshot, ensure_ascii=False).encode("utf-8")
        )
        # From here on the snapshot holds everything; the older journal is redundant.
        self._close_edits()
        self._generation = generation
        keep = {_LOCK, _SNAPSHOT, *(name for name in self._files if name)}
        for path in self.folder.iterdir():
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()
        self._snapshot_state, self._last_snapshot = self._state, self._clock()
        return True

    def close(self) -> None:
        """A clean exit: the work is saved or deliberately discarded, so nothing is left to
        recover."""
        self._close_edits()
        self._lock.release()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write_sidecar(self, kind: str, pixels: np.ndarray) -> str:
        self._sidecars += 1
        name = f"{kind}-{self._sidecars}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(pixels), allow_pickle=False)
        atomic_write_bytes(self.folder / name, buffer.getvalue())
        return name

    def _append(self, data: bytes) -> None:
        path = self.folder / _edits_name(self._generation)
        try:
            if self._edits is None:
                self._edits = os.open(path, _APPEND_FLAGS, 0o666)
            size = os.fstat(self._edits).st_size
        except OSError as error:
            raise ColorizerError(
                f'cannot write the autosave "{path}": {describe_os_error(error)}'
            ) from error
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._edits, view) :]
            os.fsync(self._edits)
        except OSError as error:
            # A half-written line would glue onto the next one and end the replay there.
            with contextlib.suppress(OSError):
                os.ftruncate(self._edits, size)
            raise ColorizerError(
                f'cannot write the autosave "{path}": {describe_os_error(error)}'
            ) from error

    def _close_edits(self) -> None:
        if self._edits is not None:
            with contextlib.suppress(OSError):
                os.close(self._edits)
            self._edits = None
