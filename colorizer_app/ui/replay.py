"""``colorizer --replay EDITS.json FILE``: drive the real window from a script.

For subprocess tests and demos. Each edit goes through the code path a person's input takes:
strokes and fills through the tool controller's press/move/release (what the canvas calls for a
mouse or a pen, after converting to drawing pixels), tags and references through the window
methods the panels call. The edits run one per event-loop turn, so results, repaints and timers
happen between them as they would between a person's actions.

The script is a JSON list; each item has one key::

    {"stroke": {"color": "#rrggbb", "width": 8, "points": [[x, y], ...], "pressure": [...],
                "opacity": 1.0, "erase": false}}    # the hint stroke format
    {"fill": {"color": "#rrggbb", "point": [x, y]}}
    {"tag": "blue_hair", "value": 1.0}              # value null unticks
    {"reference": "picture.png"}                    # null clears; relative to the script
    {"part": {"part": "hair", "point": [x, y], "radius": null}}   # a part mark, as the
                                                    # part tool's menu makes it
    {"palette": "aoi.json"}   {"save_palette": "aoi.json"}   # apply (null removes) / save
    {"open": "drawing.png"}                          # another drawing or project
    {"model": "flat"}   {"view": "side" | "overlay"}   {"layer": "flats", "visible": true}
    {"undo": 1}   {"redo": 1}   {"clear": true}
    {"wait": 60}                                     # seconds at most, until colors are in
    {"screenshot": "shot.png"}   {"save": "project.ora"}   {"quit": true}
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPointF, QTimer
from PySide6.QtGui import QColor

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Fill, PartMark, Stroke
from colorizer_app.imaging.palette import Palette
from colorizer_app.ui.canvas import View
from colorizer_app.ui.main_window import MainWindow
from colorizer_app.ui.tools import ToolKind
from colorizer_app.vocabulary import CVT, load_vocabulary

log = logging.getLogger(__name__)

# The actions that edit or read the open drawing (an error before one is open).
DRAWING_ACTIONS = ("stroke", "fill", "tag", "reference", "part", "palette", "save_palette")
ACTIONS = (
    *DRAWING_ACTIONS,
    "open",
    "model",
    "view",
    "layer",
    "undo",
    "redo",
    "clear",
    "wait",
    "screenshot",
    "save",
    "quit",
)
POLL_MS = 20


class ReplayError(ColorizerError):
    """A replay script that cannot be followed; the message names the file and the edit."""


def _color_tag(name: object) -> str:
    """A color tag the tag panel offers (unknown names: ColorizerError with close matches)."""
    tag = load_vocabulary().tag(str(name))
    if tag.kind != CVT:
        raise ReplayError(f"'{name}' is a shape tag; only color tags have sliders")
    return tag.name


def load_edits(path: str | Path) -> list[dict[str, Any]]:
    """The script's edits, each checked to name exactly one known action."""
    path = Path(path)
    try:
        edits = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReplayError(f"{path}: cannot read the replay script: {error}") from None
    if not isinstance(edits, list):
        raise ReplayError(f"{path}: a replay script is a JSON list of edits")
    for index, edit in enumerate(edits):
        keys = set(edit) - {"value", "visible"} if isinstance(edit, dict) else set()
        if len(keys) != 1 or not keys <= set(ACTIONS):
            raise ReplayError(
                f"{path}: edit {index} must have exactly one of {', '.join(ACTIONS)}: {edit!r}"
            )
    return edits


class Replay(QObject):
    """Applies the edits to ``window`` one event-loop turn apart; ``done`` is set at the end."""

    def __init__(self, window: MainWindow, edits: list[dict[str, Any]], base: Path) -> None:
        super().__init__(window)
        self.window, self.edits, self.base = window, list(edits), base
        self.done = False
        self.error: str | None = None
        self._index = 0
        self._wait_until = 0.0
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._step)

    def start(self) -> None:
        self.window.discard_on_close = True
        self.window.dialogs_enabled = False  # nobody is there to click them away
        self._timer.start()

    def _step(self) -> None:
        if self._wait_until:
            if not self.window.idle and time.monotonic() < self._wait_until:
                self._timer.start(POLL_MS)
                return
            self._wait_until = 0.0
        if self._index >= len(self.edits):
            self.done = True
            return
        edit = self.edits[self._index]
        self._index += 1
        (action,) = set(edit) - {"value", "visible"}
        try:
            self._apply(action, edit)
        except (ColorizerError, ValueError, TypeError, KeyError) as error:
            self.error = f"edit {self._index - 1} ({action}): {error}"
            log.error("replay stopped at %s", self.error)
            self.done = True
            self.window.close()
            return
        if action != "quit":
            self._timer.start(0)

    def _apply(self, action: str, edit: dict[str, Any]) -> None:
        window = self.window
        value = edit[action]
        handlers: dict[str, Callable[[], object]] = {
            "stroke": lambda: self._stroke(Stroke.from_json(value)),
            "fill": lambda: self._fill(Fill.from_json(value)),
            "tag": lambda: window.set_tag(_color_tag(value), edit.get("value", 1.0)),
            "reference": lambda: (
                window.open_reference(self.base / value)
                if value is not None
                else window.set_reference(None)
            ),
            "part": lambda: self._part(PartMark.from_json(value)),
            "palette": lambda: window.set_palette(
                None if value is None else Palette.load(self.base / value)
            ),
            "save_palette": lambda: self._succeeds(
                window.save_palette(self.base / value), "the palette"
            ),
            "open": lambda: self._succeeds(window.open_file(self.base / value), value),
            "model": lambda: window.engine_controls.set_options(
                replace(window.engine_controls.options(), model=str(value))
            ),
            "view": lambda: window.canvas.set_view(View(value)),
            "layer": lambda: window.set_layer_visible(str(value), bool(edit.get("visible", True))),
            "undo": lambda: _repeat(window.history.stack.undo, int(value)),
            "redo": lambda: _repeat(window.history.stack.redo, int(value)),
            "clear": window.clear_hints,
            "wait": lambda: self._wait(float(value)),
            "screenshot": lambda: window.grab().save(str(self.base / value)),
            "save": lambda: window.save_to(self.base / value),
            "quit": window.close,
        }
        if window.state is None and action in DRAWING_ACTIONS:
            raise ReplayError("no drawing is open")
        handlers[action]()

    def _stroke(self, stroke: Stroke) -> None:
        tools = self.window.tools
        tools.set_tool(ToolKind.ERASER if stroke.erase else ToolKind.BRUSH)
        tools.set_color(QColor(stroke.color))
        tools.set_size(stroke.width)
        tools.set_opacity(stroke.opacity)
        pressure = stroke.pressure or (None,) * len(stroke.points)
        points = [QPointF(x, y) for x, y in stroke.points]
        tools.press(points[0], pressure[0])
        for point, p in zip(points[1:], pressure[1:], strict=False):
            tools.move(point, p)
        tools.release(points[-1], pressure[-1])

    def _part(self, mark: PartMark) -> None:
        if mark.part not in load_vocabulary().parts:
            raise ReplayError(f"'{mark.part}' is not a part (see the part tool's menu)")
        self.window.mark_part(mark.part, ((mark.point, mark.radius),))

    @staticmethod
    def _succeeds(done: bool, what: object) -> None:
        """The window reports a failure itself; the replay stops there."""
        if not done:
            raise ReplayError(f"could not use {what}")

    def _fill(self, fill: Fill) -> None:
        tools = self.window.tools
        tools.set_tool(ToolKind.FILL)
        tools.set_color(QColor(fill.color))
        tools.press(QPointF(*fill.point))
        tools.release(QPointF(*fill.point))

    def _wait(self, seconds: float) -> None:
        self.window.request_colors()
        self._wait_until = time.monotonic() + seconds


def _repeat(step: Callable[[], None], times: int) -> None:
    for _ in range(times):
        step()
