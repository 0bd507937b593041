"""The one background thread that owns the engine: requests in, results out by signals.

The engine is not thread-safe and a neural model takes far longer than a frame, so a single
long-lived worker object lives in its own QThread and drives ``LatestWinsScheduler.serve``. The
window submits from the GUI thread (the scheduler is locked), and every answer comes back as a
queued signal carrying the request id, so a stale result can be recognised and the window never
waits on the model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QObject, QThread, Signal, Slot

from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.request import ColorizeRequest, ColorizeResult
from colorizer_app.engine.scheduler import Job, LatestWinsScheduler
from colorizer_app.errors import ColorizerError

log = logging.getLogger(__name__)

EngineFactory = Callable[[str], Engine]  # device name → engine


@dataclass(frozen=True)
class WorkOrder:
    """A request plus the device it must run on (a new device means a new engine)."""

    request: ColorizeRequest
    device: str = "auto"


class ColorizeWorker(QObject):
    """Lives in the worker thread; ``serve`` runs there until ``stop``."""

    ready = Signal(object, str, object)  # list[ModelInfo], device, {model: its tag names}
    finished = Signal(int, object, object)  # request id, ColorizeRequest, ColorizeResult
    failed = Signal(int, str, bool)  # request id, message, True if the user's input

    def __init__(self, factory: EngineFactory, device: str = "auto") -> None:
        super().__init__()
        self.scheduler: LatestWinsScheduler[WorkOrder, object] = LatestWinsScheduler()
        self._factory = factory
        self._device = device
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine | None:
        return self._engine

    def submit(self, order: WorkOrder) -> int:
        """Any thread: queue ``order`` (replacing a waiting one); returns its request id."""
        return self.scheduler.submit(order)

    @Slot()
    def serve(self) -> None:
        """The worker thread's loop: build the engine, then serve requests until closed."""
        try:
            self._engine = self._factory(self._device)
        except Exception as error:  # noqa: BLE001 - shown to the user; the flat fill may still work
            log.exception("cannot start the engine")
            self.failed.emit(0, f"cannot start the engine: {error}", False)
            return
        self._announce(self._engine)
        try:
            self._engine.warm()  # while the window opens; a request meanwhile waits its turn
        except Exception:  # noqa: BLE001 - a model that fails here fails again, with a message
            log.exception("warming the model failed")
        self.scheduler.serve(self._execute, self._deliver, self._report)

    def _execute(self, job: Job[WorkOrder]) -> object:
        order = job.request
        engine = self._engine
        assert engine is not None
        if order.device != self._device:
            engine = self._engine = self._factory(order.device)
            self._device = order.device
            self._announce(engine)
        # The request travels with its result, so the window can tell which hints it shows.
        return order.request, engine.colorize(order.request, lambda: self.scheduler.check(job))

    def _announce(self, engine: Engine) -> None:
        tags = {
            entry.name: entry.manifest.cvt
            for entry in engine.registry.entries
            if "tags" in entry.accepts
        }
        self.ready.emit(engine.models(), str(engine.device), tags)

    def _deliver(self, request_id: int, answer: object) -> None:
        request, result = cast(tuple[ColorizeRequest, ColorizeResult], answer)
        self.finished.emit(request_id, request, result)

    def _report(self, request_id: int, error: BaseException) -> None:
        user_error = isinstance(error, ColorizerError)
        if not user_error:
            log.error("colorizing request %d failed", request_id, exc_info=error)
        self.failed.emit(request_id, str(error) or type(error).__name__, user_error)


class WorkerThread:
    """The worker in its own QThread: ``start``, and ``stop`` cleanly."""

    def __init__(self, factory: EngineFactory, device: str = "auto") -> None:
        self.thread = QThread()
        self.thread.setObjectName("colorizer-worker")
        self.worker = ColorizeWorker(factory, device)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.serve)

    def start(self) -> None:
        """Starts serving; connect to the worker's signals first, or ``ready`` may be missed."""
        self.thread.start()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Closes the scheduler (a running job stops at its next stage), then joins the
        thread; True when it ended in time."""
        self.worker.scheduler.close()
        self.thread.quit()
        return self.thread.wait(timeout_ms)
