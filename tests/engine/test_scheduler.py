"""The latest-wins scheduler: bounded queue, cancellation, never a stale result."""

import threading
import time

from colorizer_app.engine.scheduler import Cancelled, LatestWinsScheduler


def test_newer_request_replaces_the_waiting_one():
    scheduler = LatestWinsScheduler()
    first = scheduler.submit("a")
    scheduler.submit("b")
    third = scheduler.submit("c")
    job = scheduler.take(timeout=0)
    assert (job.request_id, job.request) == (third, "c") and third > first
    assert scheduler.take(timeout=0) is None


def test_queue_never_holds_more_than_two():
    scheduler = LatestWinsScheduler()
    scheduler.submit(0)
    running = scheduler.take(timeout=0)
    for value in range(1, 500):
        scheduler.submit(value)
        assert scheduler.queued <= 2
    assert scheduler.is_superseded(running)


def test_stale_result_is_never_delivered():
    scheduler = LatestWinsScheduler()
    scheduler.submit("old")
    old = scheduler.take(timeout=0)
    scheduler.submit("new")
    new = scheduler.take(timeout=0)
    assert scheduler.complete(new) is True
    assert scheduler.complete(old) is False  # finished later, but older than what is shown


def test_check_raises_only_when_superseded():
    scheduler = LatestWinsScheduler()
    scheduler.submit(1)
    job = scheduler.take(timeout=0)
    scheduler.check(job)
    scheduler.submit(2)
    try:
        scheduler.check(job)
    except Cancelled:
        pass
    else:
        raise AssertionError("a superseded job must be cancellable")


def test_serve_delivers_in_order_and_survives_errors():
    scheduler = LatestWinsScheduler()
    delivered, errors = [], []

    def execute(job):
        if job.request == "boom":
            raise RuntimeError("model exploded")
        for _ in range(3):
            time.sleep(0.002)
            scheduler.check(job)
        return job.request * 2

    worker = threading.Thread(
        target=scheduler.serve,
        args=(
            execute,
            lambda rid, result: delivered.append((rid, result)),
            lambda rid, error: errors.append((rid, str(error))),
        ),
    )
    worker.start()
    scheduler.submit("boom")
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    for value in range(200):  # an event flood
        scheduler.submit(value)
    deadline = time.monotonic() + 10
    while not (delivered and delivered[-1][1] == 199 * 2) and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.close()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert errors and errors[0][1] == "model exploded"
    ids = [rid for rid, _ in delivered]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert delivered[-1][1] == 199 * 2  # the final state is what the user sees


def test_close_wakes_a_waiting_worker():
    scheduler = LatestWinsScheduler()
    result = []
    worker = threading.Thread(target=lambda: result.append(scheduler.take()))
    worker.start()
    scheduler.close()
    worker.join(timeout=2)
    assert result == [None]
