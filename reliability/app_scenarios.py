"""The window facing hostile files, broken models and faults in its worker thread.

Each scenario drives a real ``MainWindow`` (offscreen) through the calls its menus and the worker
make, and checks what the artist would see: one dialog line per problem, the document as it was,
and the next request answered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import numpy as np
from PIL import Image

from reliability.fixtures import RANDOM_MODEL, outline_drawing
from reliability.hostile_images import COLORED, HOSTILE_IMAGES
from reliability.inputs import create_all
from reliability.outcome import Outcome, is_one_line
from reliability.qt import (
    close_window,
    colors_for_current,
    flat_factory,
    model_factory,
    open_window,
    random_model_folder,
    recorded_dialogs,
    uncaught,
    wait_until,
)


def app_open_scenario(folder: Path) -> Outcome:
    """File ▸ Open on every hostile kind: a colorable one opens and gets colors, a bad one is
    one dialog line and the open document stays as it was."""
    outcome = Outcome("hostile images → app Open")
    kinds = create_all(folder)
    with recorded_dialogs() as dialogs, uncaught() as escaped:
        window = open_window(folder / "app", flat_factory)
        try:
            for kind, path in kinds:
                outcome.tried += 1
                before, dialogs[:] = window.state, []
                opened = window.open_file(path)
                if kind.expect == COLORED:
                    if outcome.expect(opened, f"{kind.name}: not opened ({dialogs})"):
                        outcome.expect(
                            window.state.drawing.shape[:2] == kind.size,
                            f"{kind.name}: opened as {window.state.drawing.shape}",
                        )
                        outcome.expect(
                            colors_for_current(window) and not dialogs,
                            f"{kind.name}: no colors ({dialogs})",
                        )
                else:
                    outcome.expect(
                        not opened and window.state is before,
                        f"{kind.name}: opened or changed the document",
                    )
                    outcome.expect(
                        len(dialogs) == 1
                        and is_one_line(dialogs[0][1])
                        and path.name in dialogs[0][1],
                        f"{kind.name}: expected one dialog naming the file, {dialogs}",
                    )
        finally:
            close_window(window)
    outcome.crashes += len(escaped)
    outcome.problems += [f"escaped a slot: {type(e).__name__}: {e}" for e in escaped]
    colorable = sum(kind.expect == COLORED for kind in HOSTILE_IMAGES)
    outcome.result = f"{colorable} opened and colored, {outcome.tried - colorable} refused"
    return outcome


def app_model_fallback_scenario(folder: Path) -> Outcome:
    """Only broken models installed: the window colors with flat fill and says so."""
    from reliability.broken_models import BROKEN_MODELS, make_broken_models

    outcome = Outcome("broken models → app falls back to flat fill")
    shipped, user = make_broken_models(folder / "models")
    drawing = folder / "lines.png"
    Image.fromarray(outline_drawing(96, 128)).save(drawing)
    with recorded_dialogs() as dialogs, uncaught() as escaped:
        window = open_window(folder / "app", model_factory(user, shipped))
        try:
            outcome.tried = len(BROKEN_MODELS)
            window.open_file(drawing)
            if outcome.expect(colors_for_current(window), "no colors"):
                message = window.statusBar().currentMessage()
                outcome.expect(
                    window.result.model == "flat" and "fell back to flat fill" in message,
                    f"model {window.result.model}, status {message!r}",
                )
            outcome.expect(not dialogs, f"dialogs: {dialogs}")
        finally:
            close_window(window)
    outcome.crashes += len(escaped)
    outcome.result = "flat fill, status bar: fell back to flat fill"
    return outcome


@contextlib.contextmanager
def _decode_raising(error: Callable[[], BaseException]) -> Iterator[None]:
    """The generator's decode raises ``error()`` inside the worker thread."""
    from colorizer_app.nets.unified import UnifiedGenerator

    def decode(*args: object, **kwargs: object) -> None:
        raise error()

    with mock.patch.object(UnifiedGenerator, "decode", decode):
        yield


def _faults() -> list[tuple[str, Callable[[], contextlib.AbstractContextManager], str]]:
    """(name, the fault, what the message must say)."""
    import torch

    out_of_memory = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return [
        (
            "exception inside the model",
            lambda: _decode_raising(lambda: ValueError("boom from the model")),
            "boom from the model",
        ),
        (
            "CUDA out of memory",
            lambda: _decode_raising(
                lambda: out_of_memory(
                    "CUDA out of memory. Tried to allocate 20.00 GiB"
                    " (GPU 0; 7.79 GiB total capacity)"
                )
            ),
            "not enough memory",
        ),
        (
            "RuntimeError out of memory",
            lambda: _decode_raising(
                lambda: RuntimeError(
                    "[enforce fail at alloc_cpu.cpp:83] DefaultCPUAllocator: can't "
                    "allocate memory: you tried to allocate 9 GB. Out of memory"
                )
            ),
            "not enough memory",
        ),
        ("MemoryError", lambda: _decode_raising(MemoryError), "not enough memory"),
    ]


def _status(window) -> str:  # noqa: ANN001
    return window.statusBar().currentMessage()


def worker_faults_scenario(folder: Path) -> Outcome:
    """Faults inside the worker's request (model exceptions, out of memory, a drawing over the
    engine's limit): one message each, the window stays usable, and the next request works."""
    outcome = Outcome("faults in the worker")
    models = random_model_folder(folder / "models")
    small, large = folder / "small.png", folder / "large.png"
    Image.fromarray(outline_drawing(96, 128)).save(small)
    Image.fromarray(outline_drawing(300, 400)).save(large)
    limit = 50_000  # pixels: the large drawing is over it
    with recorded_dialogs() as dialogs, uncaught() as escaped:
        window = open_window(folder / "app", model_factory(models, max_pixels=limit))
        try:
            window.open_file(small)
            outcome.expect(
                colors_for_current(window) and window.result.model == RANDOM_MODEL,
                "the first request failed",
            )
            for step, (name, fault, wanted) in enumerate(_faults(), start=1):
                outcome.tried += 1
                dialogs[:] = []
                with fault():
                    window.set_tag("blue_hair", step / 10)  # an edit: a new request
                    failed = wait_until(
                        lambda wanted=wanted: window.idle and wanted in _status(window), 60.0
                    )
                # One dialog per distinct problem: a repeated message only reaches the status bar.
                outcome.expect(
                    failed and len(dialogs) <= 1 and all(is_one_line(text) for _, text in dialogs),
                    f"{name}: status {_status(window)!r}, dialogs {dialogs}",
                )
                window.set_tag("blue_hair", step / 10 + 0.05)
                outcome.expect(
                    colors_for_current(window)
                    and window.result.model == RANDOM_MODEL
                    and window.result_request.tags == window.state.tag_values,
                    f"{name}: the next request did not work",
                )
            outcome.tried += 1
            dialogs[:] = []
            window.open_file(large)
            outcome.expect(
                wait_until(lambda: window.idle and bool(dialogs), 60.0)
                and "more than the limit of 0.05 megapixels" in dialogs[0][1],
                f"drawing over the limit: dialogs {dialogs}",
            )
            window.open_file(small)
            outcome.expect(colors_for_current(window), "after the large drawing: no colors")
            colors = np.asarray(window.result.layers["color"])
            outcome.expect(colors.shape[:2] == (96, 128), "wrong result size after the faults")
        finally:
            close_window(window)
    outcome.crashes += len(escaped)
    outcome.problems += [f"escaped a slot: {type(e).__name__}: {e}" for e in escaped]
    outcome.result = f"{outcome.tried} faults, each one message, next request colored"
    return outcome
