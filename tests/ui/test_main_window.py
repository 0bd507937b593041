"""The window around the document: opening (good, bad, dropped, recent), undo/redo restoring
the exact states, save/open round trip, the unsaved-changes prompt, About."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent
from PySide6.QtWidgets import QMessageBox

from colorizer_app.imaging.hints import Fill
from colorizer_app.ui.tools import ToolKind
from colorizer_app.ui.undo import DocumentHistory
from tests.ui.main_windows import thumbnail_point, wait_for_result


def stroke(window, y, color="#2050e0"):
    tools = window.tools
    tools.set_tool(ToolKind.BRUSH)
    tools.set_color(QColor(color))
    tools.press(QPointF(60, y))
    tools.move(QPointF(100, y))
    tools.release(QPointF(140, y))


def test_open_shows_the_drawing_and_remembers_it(window, drawing_file):
    assert window.stack.currentWidget() is window.welcome
    assert window.open_file(drawing_file)
    assert window.stack.currentWidget() is window.canvas
    assert window.canvas.image_size.width() == 200
    assert "lines.png" in window.windowTitle()
    assert window.recent_files() == [str(drawing_file.resolve())]


def test_a_bad_file_shows_an_error_and_the_app_stays_usable(
    window, dialogs, drawing_file, tmp_path
):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert not window.open_file(bad)
    assert dialogs and dialogs[0][0] == "Cannot open" and "broken.png" in dialogs[0][1]
    assert window.state is None
    assert window.open_file(drawing_file)
    assert not window.open_file(tmp_path / "missing.png")
    assert window.state.drawing_name == "lines.png"  # the open drawing is untouched
    stroke(window, 80)
    assert len(window.state.hints.strokes) == 1


def test_undo_and_redo_restore_the_exact_states(window, drawing_file):
    assert window.open_file(drawing_file)
    states = [window.state]
    stroke(window, 60)
    states.append(window.state)
    window.tools.set_tool(ToolKind.FILL)
    window.tools.press(QPointF(100, 80))
    states.append(window.state)
    window.set_tag("blue_hair", 1.0)
    states.append(window.state)
    window.set_tags({"blue_hair": 0.7}, final=False)  # a drag in progress …
    window.set_tags({"blue_hair": 2.5}, final=True)  # … is one edit
    states.append(window.state)
    window.set_reference(np.full((20, 30, 4), 200, np.uint8), "ref.png")
    states.append(window.state)
    window.clear_hints()
    states.append(window.state)
    assert window.history.stack.count() == len(states) - 1
    for expected in reversed(states[:-1]):
        window.undo_action.trigger()
        assert window.state.same_content(expected)
        assert window.canvas.shown_hints == expected.hints
        assert window.tag_panel.values() == expected.tag_values
        assert window.reference_panel.reference() is expected.reference
    assert not window.undo_action.isEnabled()
    for expected in states[1:]:
        window.redo_action.trigger()
        assert window.state.same_content(expected)


def test_history_limit_and_clean_state():
    from colorizer_app.document.state import DocumentState

    history = DocumentHistory(limit=3)
    state = DocumentState(drawing=np.zeros((4, 4, 4), np.uint8))
    history.reset(state)
    assert not history.modified
    for i in range(5):
        state = state.with_fill(Fill("#ff0000", (i, 0)))
        history.commit(state, "Fill")
    assert history.stack.count() == 3 and history.modified
    history.commit(state, "nothing changed")
    assert history.stack.count() == 3


def test_save_then_open_round_trips_the_project(qtbot, window, drawing_file, tmp_path):
    assert window.open_file(drawing_file)
    stroke(window, 60)
    window.set_tag("red_eyes", 0.5)
    window.set_reference(np.full((20, 30, 4), 90, np.uint8), "ref.png")
    wait_for_result(qtbot, window)
    saved = window.state
    path = tmp_path / "project.ora"
    assert window.save_to(path)
    assert not window.history.modified
    assert "project.ora" in window.windowTitle()
    window.clear_hints()
    assert window.open_file(path)
    assert window.state.same_content(saved)
    assert window.tag_panel.values() == {"red_eyes": 0.5}


def test_dropping_a_file_opens_it(window, drawing_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(drawing_file))])

    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert window.state is not None and window.state.drawing_name == "lines.png"


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(
    window, drawing_file, monkeypatch
):
    assert window.open_file(drawing_file)
    stroke(window, 60)
    window.discard_on_close = False
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Cancel,
    )
    assert not window.close()
    assert asked and window.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()


def test_about_names_versions_device_and_models(qtbot, window):
    qtbot.waitUntil(lambda: bool(window.models), timeout=10_000)
    text = window.about_text()
    assert "PySide6" in text and "PyTorch" in text and "cpu" in text and "flat fill" in text


def test_every_menu_action_has_a_tooltip(window):
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.isSeparator() or action.menu():
                continue
            assert action.toolTip(), action.text()


def test_eyedropper_samples_the_result_without_lines(qtbot, window, drawing_file):
    assert window.open_file(drawing_file)
    window.tools.set_tool(ToolKind.FILL)
    window.tools.set_color(QColor("#30c060"))
    window.tools.press(QPointF(100, 80))
    wait_for_result(qtbot, window)
    window.sample_actions["result"].trigger()
    window.tools.set_color(QColor("#000000"))
    window.tools.set_tool(ToolKind.EYEDROPPER)
    window.tools.press(QPointF(100, 80))
    window.tools.release(QPointF(100, 80))
    assert window.tools.color.name() == "#30c060"
    assert window.color_picker.color().name() == "#30c060"


def test_eyedropper_samples_the_reference_picture(qtbot, window, drawing_file, tmp_path):
    from PIL import Image

    picture = np.zeros((40, 80, 4), np.uint8)
    picture[..., 3] = 255
    picture[:, :40, :3] = (200, 30, 90)
    picture[:, 40:, :3] = (20, 180, 220)
    Image.fromarray(picture).save(tmp_path / "reference.png")
    assert window.open_file(drawing_file)
    assert window.open_reference(tmp_path / "reference.png")
    panel = window.reference_panel
    qtbot.keyClick(window.canvas, Qt.Key.Key_I)  # the eyedropper's shortcut
    assert window.tools.kind is ToolKind.EYEDROPPER and panel.sampling
    qtbot.mouseClick(panel.thumbnail, Qt.MouseButton.LeftButton, pos=thumbnail_point(panel, 60, 20))
    assert window.tools.color.name() == "#14b4dc"
    assert window.color_picker.color().name() == "#14b4dc"
    window.tools.set_tool(ToolKind.BRUSH)
    assert not panel.sampling
    qtbot.mouseClick(
        panel.thumbnail,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        pos=thumbnail_point(panel, 10, 20),
    )  # Ctrl samples with any tool
    assert window.tools.color.name() == "#c81e5a"


class FakeSession:
    def __init__(self, state):
        self.state, self.discarded = state, False
        self.drawing_name = state.drawing_name
        import datetime

        self.saved_at = datetime.datetime(2026, 1, 2, 3, 4, 5)

    def restore(self):
        return self.state

    def discard(self):
        self.discarded = True


def _answer(box, text):
    assert box.isVisible() and not box.isModal()  # the window stays usable meanwhile
    next(b for b in box.buttons() if b.text() == text).click()


def test_restoring_after_a_crash_reopens_the_work_unsaved(window):
    from tests.document.documents import full_document

    session = FakeSession(full_document())
    _answer(window.offer_restore([session]), "Restore")
    assert window.state.same_content(session.state)
    assert window.history.modified and session.discarded
    assert window.tag_panel.values() == session.state.tag_values


def test_the_restore_offer_waits_beside_an_opened_drawing(window, drawing_file, monkeypatch):
    from tests.document.documents import full_document

    assert window.open_file(drawing_file)
    opened = window.state
    later = FakeSession(full_document())
    _answer(window.offer_restore([later]), "Not now")
    assert window.state is opened and not later.discarded  # offered again next start
    dropped = FakeSession(full_document())
    _answer(window.offer_restore([dropped]), "Discard")
    assert window.state is opened and dropped.discarded
    stroke(window, 60)  # unsaved work on the opened drawing: restoring asks first
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Cancel,
    )
    kept = FakeSession(full_document())
    window.discard_on_close = False  # the fixture's window never asks; this one must
    _answer(window.offer_restore([kept]), "Restore")
    window.discard_on_close = True
    assert asked and not kept.discarded and not window.state.same_content(kept.state)


def test_every_completed_edit_reaches_the_journal(qtbot, tmp_path, dialogs, drawing_file):
    from PySide6.QtCore import QSettings

    from colorizer_app.document.journal import Journal
    from colorizer_app.ui.main_window import MainWindow
    from tests.ui.main_windows import flat_engine

    journal = Journal(tmp_path / "journal")
    window = MainWindow(
        flat_engine,
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        journal=journal,
    )
    window.discard_on_close = True
    qtbot.addWidget(window)
    assert window.open_file(drawing_file)
    stroke(window, 60)
    window.set_tags({"blue_hair": 0.5}, final=False)  # a drag in progress is not an edit yet
    recorded = []
    original = journal.record
    journal.record = lambda state: recorded.append(state) or original(state)
    window.set_tags({"blue_hair": 0.8}, final=True)
    window.undo_action.trigger()
    assert [s.tag_values for s in recorded] == [{"blue_hair": 0.8}, {}]
    edits = list(journal.folder.glob("edits-*.jsonl"))
    assert edits and edits[0].read_text().count("\n") >= 3
    window.close()
    assert not journal.folder.exists()  # a clean exit leaves nothing to restore


def test_with_flat_fill_only_the_tag_panel_says_why_tags_are_off(qtbot, window):
    from colorizer_app.ui.tag_panel import FLAT_NOTICE

    qtbot.waitUntil(lambda: bool(window.models), timeout=20_000)  # no model installed
    assert window.tag_panel.notice.text() == FLAT_NOTICE
    assert window.tag_panel.notice.isVisible()
    assert not window.tag_panel.is_supported("blue_hair")


def test_a_finished_picture_opened_as_line_art_is_offered_as_reference_or_extracted(
    window, drawing_file, tmp_path, monkeypatch
):
    from PIL import Image

    from colorizer_app.ui.main_window import PictureChoice

    picture = np.full((80, 60, 3), 255, np.uint8)
    picture[10:70, 10:50] = (230, 200, 80)
    path = tmp_path / "finished.png"
    Image.fromarray(picture).save(path)
    choices = []

    def choose(choice):
        monkeypatch.setattr(
            window, "ask_about_finished_picture", lambda name: choices.append(name) or choice
        )

    choose(PictureChoice.CANCEL)
    assert not window.open_file(path) and window.state is None
    assert window.open_file(drawing_file)
    opened = window.state.drawing
    choose(PictureChoice.REFERENCE)
    assert window.open_file(path)
    assert window.state.drawing is opened and window.state.reference_name == "finished.png"
    choose(PictureChoice.EXTRACT_LINES)
    assert window.open_file(path)
    assert window.state.drawing.shape == (80, 60, 4) and window.state.drawing[40, 30, 0] == 255
    assert window.state.drawing[10, 30, 0] < 128  # the edge became a line
    assert np.array_equal(window.state.reference[..., :3], picture)
    choose(PictureChoice.AS_LINE_ART)
    assert window.open_file(path)
    assert np.array_equal(window.state.drawing[..., :3], picture) and window.state.reference is None
    assert choices == ["finished.png"] * 4
    assert window.open_file(drawing_file) and len(choices) == 4  # line art is not asked about
