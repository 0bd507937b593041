"""The document's history: every edit is a swap between two DocumentState snapshots.

Snapshots are immutable and share their arrays, so a command costs a few references, not a copy
of the drawing. A slider drag previews states live without filling the history; its release
commits one command from the state before the drag.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from colorizer_app.document.state import DocumentState

HISTORY_LIMIT = 200


class _SwapCommand(QUndoCommand):
    def __init__(
        self, history: DocumentHistory, before: DocumentState, after: DocumentState, text: str
    ) -> None:
        super().__init__(text)
        self._history, self._before, self._after = history, before, after

    def redo(self) -> None:
        self._history._swap_to(self._after)

    def undo(self) -> None:
        self._history._swap_to(self._before)


class DocumentHistory(QObject):
    """The current DocumentState and the undo stack of edits that led to it."""

    stateChanged = Signal(object)  # DocumentState, after any change (preview included)

    def __init__(self, parent: QObject | None = None, limit: int = HISTORY_LIMIT) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(limit)
        self._state: DocumentState | None = None
        self._committed: DocumentState | None = None

    @property
    def state(self) -> DocumentState | None:
        return self._state

    @property
    def committed(self) -> DocumentState | None:
        """The state of the last recorded edit (differs from ``state`` while a slider drags)."""
        return self._committed

    def reset(self, state: DocumentState | None) -> None:
        """A new document: the history starts over, clean."""
        self.stack.clear()
        self._show(state)
        self.stack.setClean()

    def preview(self, state: DocumentState) -> None:
        """Shows ``state`` (a slider being dragged) without recording it."""
        self._state = state
        self.stateChanged.emit(state)

    def commit(self, state: DocumentState, text: str) -> None:
        """Records one undoable edit from the last committed state to ``state``."""
        before = self._committed
        if before is None or before.same_content(state):
            self._show(state)
            return
        self.stack.push(_SwapCommand(self, before, state, text))

    def mark_saved(self, state: DocumentState) -> None:
        """The document was saved as ``state`` (e.g. with a new project path): clean from here."""
        self._state = self._committed = state
        self.stack.setClean()

    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    def _swap_to(self, state: DocumentState) -> None:
        """Undo/redo restore content; where the document is saved is not part of history."""
        if self._state is not None:
            state = replace(state, project_path=self._state.project_path)
        self._show(state)

    def _show(self, state: DocumentState | None) -> None:
        self._state = self._committed = state
        self.stateChanged.emit(state)
