"""Event floods and long use: bounded queue and memory, the right pixels, no interpreter abort."""

import subprocess
import sys
import textwrap

import pytest

from reliability import flood
from tests.robustness.outcomes import passed

pytestmark = pytest.mark.robustness


def test_a_flood_of_strokes_and_slider_events(qapp, tmp_path):
    outcome = flood.event_flood_scenario(tmp_path, events=300, seconds=1.5)
    assert passed(outcome)
    assert outcome.memory_mb <= flood.FLOOD_MEMORY_LIMIT_MB


def test_long_use_keeps_memory_flat(tmp_path):
    outcome = flood.long_use_scenario(tmp_path, runs=50)
    assert passed(outcome)
    assert outcome.tried == 50


_EMITS = textwrap.dedent("""
    import colorizer_app.ui
    from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

    app = QCoreApplication([])

    class Source(QObject):
        changed = Signal(object)

    source = Source()
    source.changed.connect(lambda value: None)
    for index in range(60_000):  # more than None's and True's counts at start-up
        source.changed.emit(None)
    print("alive")
""")


def test_signals_never_exhaust_the_singletons_reference_counts():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None or True per signal and aborts
    the process after some ten thousand events; pyproject.toml excludes that release, and this
    catches any installed PySide6 that has the bug."""
    done = subprocess.run(
        [sys.executable, "-c", _EMITS],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    assert done.returncode == 0 and done.stdout.strip() == "alive", done.stderr[-500:]
