"""Latest-wins scheduling of colorize requests, without Qt.

While an artist drags a slider, requests arrive far faster than a model answers. At most one job
runs and one waits; a newer request replaces the waiting one; a running job can ask whether it has
been superseded (and stop between stages); and a result older than the newest one delivered is
never delivered. The app's worker thread and the CLI both drive this same object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")  # request
T = TypeVar("T")  # result


class Cancelled(Exception):
    """Raised inside a job when a newer request made it pointless."""


@dataclass(frozen=True)
class Job(Generic[R]):
    request_id: int
    request: R


class LatestWinsScheduler(Generic[R, T]):
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._next_id = 0
        self._pending: Job[R] | None = None
        self._running: Job[R] | None = None
        self._last_delivered = -1
        self._closed = False

    def submit(self, request: R) -> int:
        """Queues ``request``, replacing any waiting one; returns its id (ids increase)."""
        with self._lock:
            self._next_id += 1
            self._pending = Job(self._next_id, request)
            self._lock.notify_all()
            return self._next_id

    def take(self, timeout: float | None = None) -> Job[R] | None:
        """Blocks until a job waits, marks it running and returns it; None once closed (or on
        timeout)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._closed or self._pending is not None, timeout):
                return None
            if self._closed:
                return None
            job, self._pending = self._pending, None
            self._running = job
            return job

    def is_superseded(self, job: Job[R]) -> bool:
        """True when a newer request waits (or the scheduler closed): the job may stop early."""
        with self._lock:
            return self._closed or (
                self._pending is not None and self._pending.request_id > job.request_id
            )

    def check(self, job: Job[R]) -> None:
        """Raises ``Cancelled`` between pipeline stages when the job is superseded."""
        if self.is_superseded(job):
            raise Cancelled(f"request {job.request_id} superseded")

    def release(self, job: Job[R]) -> None:
        """Marks the running job done without a result (it was cancelled)."""
        with self._lock:
            if self._running is job:
                self._running = None

    def complete(self, job: Job[R]) -> bool:
        """Marks the running job done; True when its result is the newest and may be shown."""
        self.release(job)
        with self._lock:
            if job.request_id <= self._last_delivered or self._closed:
                return False
            self._last_delivered = job.request_id
            return True

    @property
    def queued(self) -> int:
        """Jobs running plus waiting (never more than two)."""
        with self._lock:
            return (self._running is not None) + (self._pending is not None)

    def close(self) -> None:
        """Stops ``take`` callers and drops the waiting job."""
        with self._lock:
            self._closed = True
            self._pending = None
            self._lock.notify_all()

    def serve(
        self,
        execute: Callable[[Job[R]], T],
        deliver: Callable[[int, T], None],
        on_error: Callable[[int, BaseException], None],
    ) -> None:
        """The worker loop: take, execute, deliver fresh results; returns when closed.

        ``execute`` may call ``check(job)`` between stages. An exception in one job is reported
        through ``on_error`` and the loop goes on, so one bad request never kills the worker.
        """
        while (job := self.take()) is not None:
            try:
                result = execute(job)
            except Cancelled:
                self.release(job)
                continue
            except Exception as error:  # noqa: BLE001 - reported, and the next request still works
                if self.complete(job):
                    on_error(job.request_id, error)
                continue
            if self.complete(job):
                deliver(job.request_id, result)
