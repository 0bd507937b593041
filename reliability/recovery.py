"""Crash recovery: the real app (a subprocess, offscreen) makes edits from a ``--replay`` script,
is killed with SIGKILL once the last one completed, and its journal gives every edit back.

The script ends with a save: the project file appears (atomically) only after every edit before
it was applied — and journaled, since the window journals each completed edit before the next
one starts — so its appearance is the moment to kill, and its content the state to expect.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image

from reliability.fixtures import outline_drawing
from reliability.outcome import Outcome

_LAUNCH = "import sys; from colorizer_app.ui.app import main; sys.exit(main())"
_MARKER = "before-the-crash.ora"
_COLORS = ("#e04040", "#40a040", "#4040e0", "#e0a020", "#a020e0", "#20a0a0")
_TAGS = ("blue_hair", "red_eyes", "blonde_hair", "green_eyes")


def crash_edits(count: int) -> list[dict[str, Any]]:
    """``count`` edits of every kind the journal records: strokes with pressure, fills, tags
    (set, changed, unticked) and undo."""
    edits: list[dict[str, Any]] = [{"model": "flat"}]
    for index in range(count):
        color = _COLORS[index % len(_COLORS)]
        kind = index % 5
        x, y = 20 + (index * 7) % 160, 20 + (index * 11) % 120
        if kind in (0, 1):
            edits.append(
                {
                    "stroke": {
                        "color": color,
                        "width": 3 + index % 4,
                        "points": [[x, y], [x + 9, y + 4], [x + 15, y + 2]],
                        "pressure": [0.4, 0.7, 1.0],
                    }
                }
            )
        elif kind == 2:
            edits.append({"fill": {"color": color, "point": [x, y]}})
        elif kind == 3:
            edits.append({"tag": _TAGS[index % len(_TAGS)], "value": round(0.5 + index % 7 / 2, 2)})
        elif index % 10 == 4:
            edits.append({"undo": 1})
        else:
            edits.append({"tag": _TAGS[(index + 1) % len(_TAGS)], "value": None})
    return edits + [{"save": _MARKER}]


def crash_recovery_scenario(
    folder: Path, *, edits: int = 12, autosave_interval: float = 0.3, timeout: float = 120.0
) -> Outcome:
    """Replays ``edits`` edits in the real app, SIGKILLs it, and restores its journal."""
    from colorizer_app.document.journal import find_recoverable
    from colorizer_app.document.project import open_project

    outcome = Outcome("crash recovery (SIGKILL after the last edit)")
    outcome.tried = edits
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(outline_drawing(160, 200)).save(folder / "lines.png")
    (folder / "edits.json").write_text(json.dumps(crash_edits(edits)))
    package_root = Path(__file__).resolve().parents[1]
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        OMP_NUM_THREADS="1",
        HOME=str(folder / "home"),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_DATA_HOME=str(folder / "data"),
        COLORIZER_MODELS_DIR=str(folder / "no-models"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(package_root), os.environ.get("PYTHONPATH")])),
    )
    started = time.monotonic()
    with open(folder / "app.log", "wb") as log:
        app = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _LAUNCH,
                "--replay",
                "edits.json",
                "--autosave-interval",
                str(autosave_interval),
                "lines.png",
            ],
            cwd=folder,
            env=environment,
            stdout=log,
            stderr=log,
        )
        try:
            while not (folder / _MARKER).exists() and app.poll() is None:
                if time.monotonic() - started > timeout:
                    break
                time.sleep(0.05)
        finally:
            alive = app.poll() is None
            if os.name == "nt":
                app.kill()
            else:
                app.send_signal(signal.SIGKILL)
            app.wait()
    seconds = time.monotonic() - started
    output = (folder / "app.log").read_text(errors="replace")
    outcome.tracebacks = output.count("Traceback")
    if not outcome.expect(
        alive and (folder / _MARKER).exists(),
        f"the app ended or stalled before its last edit: {output[-500:]!r}",
    ):
        outcome.crashes += not alive
        return outcome
    expected = open_project(folder / _MARKER)
    sessions = find_recoverable(folder / "data" / "colorizer" / "journal")
    if not outcome.expect(len(sessions) == 1, f"{len(sessions)} recoverable sessions"):
        return outcome
    restored = sessions[0].restore()
    outcome.expect(
        restored.same_content(expected) and restored.tags == expected.tags,
        f"restored {len(restored.hints.strokes)} strokes, {len(restored.hints.fills)} "
        f"fills, tags {restored.tags}; expected {len(expected.hints.strokes)}, "
        f"{len(expected.hints.fills)}, {expected.tags}",
    )
    hints = len(restored.hints.strokes) + len(restored.hints.fills)
    outcome.result = (
        f"{'all' if outcome.ok else 'NOT all'} edits back: {hints} strokes and "
        f"fills, {len(restored.tags)} tags; killed {seconds:.1f} s after launch"
    )
    return outcome
