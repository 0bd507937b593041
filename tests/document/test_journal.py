import gc
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from colorizer_app.document import journal as journal_module
from colorizer_app.document.journal import Journal, find_recoverable
from colorizer_app.document.state import DocumentState
from colorizer_app.errors import ColorizerError
from tests.document.documents import drawing, full_document, next_edit

REPO = Path(__file__).resolve().parents[2]


def _session(tmp_path, edits=20, **options):
    journal = Journal(tmp_path, **options)
    state = DocumentState(drawing=drawing(), drawing_name="lines.png")
    journal.record(state)
    for index in range(edits):
        state = next_edit(state, index)
        journal.record(state)
    return journal, state


def _crash(journal):
    """What a crash leaves: no clean close; the OS drops the lock with the process's files."""
    journal._lock.release()
    journal._close_edits()


def _restore_only(tmp_path):
    sessions = find_recoverable(tmp_path)
    assert len(sessions) == 1
    return sessions[0].restore()


def test_every_completed_edit_survives_a_crash(tmp_path):
    journal, state = _session(tmp_path, edits=30)
    _crash(journal)
    restored = _restore_only(tmp_path)
    assert restored.same_content(state) and restored.tags == state.tags
    assert (restored.drawing_name, restored.reference_name) == (
        state.drawing_name,
        state.reference_name,
    )


def test_a_dropped_journal_object_is_a_crash_too(tmp_path):
    journal, state = _session(tmp_path, edits=8)
    del journal
    gc.collect()
    assert _restore_only(tmp_path).same_content(state)


def test_a_clean_close_leaves_nothing_to_recover(tmp_path):
    journal, _ = _session(tmp_path, edits=3)
    journal.close()
    assert find_recoverable(tmp_path) == [] and not journal.folder.exists()


def test_a_running_session_is_not_offered(tmp_path):
    journal, _ = _session(tmp_path, edits=3)
    assert find_recoverable(tmp_path) == []
    journal.close()


def test_a_session_without_edits_is_removed_quietly(tmp_path):
    journal = Journal(tmp_path)
    _crash(journal)
    assert find_recoverable(tmp_path) == [] and not journal.folder.exists()


def test_the_whole_state_and_names_after_one_record(tmp_path):
    journal = Journal(tmp_path)
    state = full_document()
    journal.record(state)
    _crash(journal)
    session = find_recoverable(tmp_path)[0]
    assert session.drawing_name == "lines.png"
    assert session.restore().same_content(state)
    session.discard()
    assert find_recoverable(tmp_path) == []


def _edits_file(journal):
    return next(journal.folder.glob("edits-*.jsonl"))


def test_a_torn_last_line_is_ignored(tmp_path):
    journal, state = _session(tmp_path, edits=6)
    before_last = state
    state = next_edit(state, 6)
    journal.record(state)
    edits = _edits_file(journal)
    data = edits.read_bytes()
    _crash(journal)
    edits.write_bytes(data[:-25])  # killed while writing the last line
    assert _restore_only(tmp_path).same_content(before_last)


def test_a_damaged_line_ends_the_replay_there(tmp_path):
    journal, _ = _session(tmp_path, edits=2)
    edits = _edits_file(journal)
    lines = edits.read_bytes().split(b"\n")
    _crash(journal)
    edits.write_bytes(b"\n".join(lines[:2] + [b'{"keep": [0, 0]}', lines[2], b""]))
    state = DocumentState(drawing=drawing(), drawing_name="lines.png")
    assert _restore_only(tmp_path).same_content(next_edit(state, 0))


def test_snapshots_compact_the_journal(tmp_path):
    now = [0.0]
    # Edits 12 and 25 change the reference: the first one's file becomes garbage.
    journal, state = _session(tmp_path, edits=26, autosave_interval=60.0, clock=lambda: now[0])
    assert not (journal.folder / "snapshot.json").exists()
    assert (journal.folder / "reference-2.npy").exists()
    now[0] = 61.0
    state = next_edit(state, 26)
    journal.record(state)  # the interval has passed: this edit is followed by a snapshot
    names = sorted(path.name for path in journal.folder.iterdir())
    # The old edits and the replaced sidecars are gone; the drawing was written once.
    assert names == ["drawing-1.npy", "lock", "reference-3.npy", "snapshot.json"]
    assert not journal.snapshot()  # nothing new since
    state = next_edit(state, 27)
    journal.record(state)
    _crash(journal)
    assert _restore_only(tmp_path).same_content(state)


def test_large_arrays_are_written_once_per_change(tmp_path):
    journal, state = _session(tmp_path, edits=12)  # one reference change (edit 12 excluded)
    state = next_edit(state, 12)
    journal.record(state)  # reference change
    for index in range(14, 20):
        state = next_edit(state, index)
        journal.record(state)
    names = sorted(path.name for path in journal.folder.glob("*.npy"))
    assert names == ["drawing-1.npy", "reference-2.npy"]
    journal.close()


def test_a_failed_write_is_reported_and_rolled_back(tmp_path, monkeypatch):
    journal, state = _session(tmp_path, edits=3)
    real_write = os.write

    def half_then_full(descriptor, data):
        real_write(descriptor, bytes(data[:10]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", half_then_full)
    with pytest.raises(ColorizerError, match="disk is full"):
        journal.record(next_edit(state, 3))
    monkeypatch.undo()
    state = next_edit(next_edit(state, 3), 4)
    journal.record(state)  # the disk has room again: the next edit carries both changes
    _crash(journal)
    assert _restore_only(tmp_path).same_content(state)


_CHILD = textwrap.dedent("""
    import sys
    from colorizer_app.document.state import DocumentState
    from colorizer_app.document.journal import Journal
    from tests.document.documents import drawing, next_edit

    journal = Journal(sys.argv[1], autosave_interval=0.01)
    state = DocumentState(drawing=drawing(), drawing_name="lines.png")
    journal.record(state)
    index = 0
    while True:
        state = next_edit(state, index)
        journal.record(state)
        index += 1
        print(index, flush=True)
""")


def test_a_sigkilled_app_loses_no_completed_edit(tmp_path):
    if os.name == "nt":
        pytest.skip("SIGKILL is POSIX")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        acknowledged = 0
        while acknowledged < 150:
            line = child.stdout.readline()
            assert line, "the child ended early"
            acknowledged = int(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    restored = _restore_only(tmp_path)
    # The child may have completed a few more edits after the last one it reported.
    state = DocumentState(drawing=drawing(), drawing_name="lines.png")
    candidates = []
    for index in range(acknowledged + 200):
        state = next_edit(state, index)
        if index + 1 >= acknowledged:
            candidates.append(state)
    assert any(
        restored.same_content(candidate) and restored.tags == candidate.tags
        for candidate in candidates
    )


def test_a_pickled_or_damaged_sidecar_is_refused(tmp_path):
    journal, _ = _session(tmp_path, edits=2)
    _crash(journal)
    sidecar = journal.folder / "drawing-1.npy"
    assert journal_module._read_sidecar(sidecar).shape == drawing().shape
    np.save(sidecar, np.array([{"code": "would run on load"}], dtype=object), allow_pickle=True)
    with pytest.raises(ColorizerError, match="drawing-1.npy"):
        journal_module._read_sidecar(sidecar)
    np.save(sidecar, np.zeros((4, 4), np.uint8))
    with pytest.raises(ColorizerError, match="not an RGBA image"):
        journal_module._read_sidecar(sidecar)
    with pytest.raises(ColorizerError, match="holds no document"):
        _restore_only(tmp_path)  # its first line needs the drawing
