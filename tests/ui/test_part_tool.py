"""The part tool and the Parts view: the window shows what the engine took each area for,
a click of the part tool asks which part an area is, and the correction is an undoable hint
the colors follow."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from bench.stand_in import save_untrained_unified
from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.imaging.hints import PartMark
from colorizer_app.ui.part_tool import part_title
from colorizer_app.ui.tools import ToolKind
from colorizer_app.vocabulary import load_vocabulary
from tests.ui.main_windows import make_window, wait_for_result

POINT = (100.0, 80.0)  # inside the ellipse of the test drawing


def _window(qtbot, tmp_path):
    folder = tmp_path / "models"
    save_untrained_unified(folder / "parted.safetensors", resolution=32, region_hints=True)

    def factory(device: str) -> Engine:
        return Engine(ModelRegistry(shipped_dir=None, user_dir=folder), device="cpu", threads=1)

    window = make_window(qtbot, tmp_path, factory)
    qtbot.waitUntil(lambda: any(m.name == "parted" for m in window.models), timeout=20_000)
    return window


def test_marking_an_area_is_an_undoable_hint_the_parts_view_shows(
    qtbot, tmp_path, dialogs, drawing_file
):
    window = _window(qtbot, tmp_path)
    try:
        assert window.open_file(drawing_file)
        wait_for_result(qtbot, window)
        assert window.result.parts is not None
        assert not window.layer_actions["parts"].isChecked()  # the Parts view starts hidden
        assert window.canvas.parts.image is None  # and is not drawn while hidden
        window.layer_actions["parts"].trigger()
        assert window.canvas.parts.image is not None
        legend = window.part_legend.names()  # the legend names the drawing's parts, largest first
        counts = np.bincount(window.result.parts.parts.ravel())
        largest = window.result.parts.names[int(counts.argmax())]
        assert not window.part_legend.isHidden() and legend[0] == part_title(largest)
        assert len(legend) == np.count_nonzero(counts) and len(set(legend)) == len(legend)
        window.layer_actions["parts"].trigger()
        assert window.canvas.parts.image is None and window.part_legend.isHidden()
        window.tool_actions[ToolKind.PART].trigger()
        window.tools.press(QPointF(*POINT))
        window.tools.release(QPointF(*POINT))
        menu = window.part_menu
        assert menu is not None
        titles = [action.text() for action in menu.actions()]
        assert len(titles) == len(load_vocabulary().parts) and "Eye whites" in titles
        next(action for action in menu.actions() if action.text() == "Hair").trigger()
        assert window.state.hints.parts == (PartMark("hair", POINT),)
        assert window.layer_actions["parts"].isChecked()
        wait_for_result(qtbot, window)
        hair = load_vocabulary().parts.index("hair")
        assert window.result.parts.parts[int(POINT[1]), int(POINT[0])] == hair
        window.canvas.cursorMoved.emit(QPointF(*POINT))
        assert window.position_label.text().endswith("· Hair")
        assert "Hair" in window.part_legend.names()
        window.tools.set_size(10.0)
        window.tools.press(QPointF(60, 40))
        window.tools.move(QPointF(70, 40))
        window.tools.release(QPointF(80, 40))
        next(action for action in window.part_menu.actions() if action.text() == "Eyes").trigger()
        brushed = window.state.hints.parts[1:]
        assert [mark.point for mark in brushed] == [(60.0, 40.0), (70.0, 40.0), (80.0, 40.0)]
        assert {mark.part for mark in brushed} == {"eyes"} and {m.radius for m in brushed} == {5.0}
        window.undo_action.trigger()  # the brushed marks are one edit
        assert window.state.hints.parts == (PartMark("hair", POINT),)
        window.undo_action.trigger()
        assert window.state.hints.parts == ()
        assert window.state.hints.is_empty and not dialogs
    finally:
        window.close()


def test_a_palette_is_saved_from_the_result_and_applied_as_an_undoable_edit(
    qtbot, tmp_path, dialogs, drawing_file
):
    window = _window(qtbot, tmp_path)
    try:
        assert window.open_file(drawing_file)
        wait_for_result(qtbot, window)
        assert window.palette_panel.save_button.isEnabled()
        saved = tmp_path / "aoi.json"
        assert window.save_palette(saved) and saved.exists()
        assert window.palette_panel.recent_files() == [str(saved.resolve())]
        assert window.palette_panel.recent.count() == 1
        assert window.palette_panel.apply_file(saved)
        assert window.state.palette is not None and window.state.palette.character == "aoi"
        assert "aoi" in window.palette_panel.title.text()
        wait_for_result(qtbot, window)
        assert window.result_request.palette == window.state.palette
        window.undo_action.trigger()
        assert window.state.palette is None and "No palette" in window.palette_panel.title.text()
        bad = tmp_path / "bad.json"
        bad.write_text("{}")
        assert not window.palette_panel.apply_file(bad)
        assert dialogs[-1][0] == "Cannot use the palette" and "bad.json" in dialogs[-1][1]
        assert not window.save_palette(tmp_path / "missing-folder" / "x.json")
        assert dialogs[-1][0] == "Cannot save the palette"
    finally:
        window.close()


def test_flat_fill_has_no_palette_to_save(window, dialogs, drawing_file, qtbot):
    assert window.open_file(drawing_file)
    wait_for_result(qtbot, window)
    assert not window.palette_panel.save_button.isEnabled()
    assert not window.save_palette(drawing_file.with_name("p.json"))
    assert dialogs[-1][0] == "Cannot save the palette" and "finds no parts" in dialogs[-1][1]


def test_the_reference_shows_its_colors_by_part_and_a_part_can_be_unticked(
    qtbot, tmp_path, dialogs, drawing_file
):
    import numpy as np

    window = _window(qtbot, tmp_path)
    try:
        assert window.open_file(drawing_file)
        reference = np.zeros((120, 90, 4), np.uint8)
        reference[..., 3] = 255
        reference[:60] = (40, 80, 200, 255)
        reference[60:] = (230, 200, 180, 255)
        window.set_reference(reference, "ref.png")
        wait_for_result(qtbot, window)
        parts = window.reference_parts
        assert window.result.reference_colors is not None and parts.boxes
        part, box = next(iter(parts.boxes.items()))
        box.setChecked(False)
        wait_for_result(qtbot, window)
        assert window.result_request.reference_ignored == frozenset({part})
        assert not parts.boxes[part].isChecked()  # the box stays, unticked, with its swatch
        parts.slider.setValue(40)
        wait_for_result(qtbot, window)
        assert window.result_request.reference_strength == 0.4
        assert parts.value.text() == "0.40" and not dialogs
        # both are edits of the document: undone, saved and reopened with it
        assert (window.state.reference_strength, window.state.reference_ignored) == (
            0.4,
            frozenset({part}),
        )
        window.undo_action.trigger()
        assert parts.slider.value() == 100 and window.state.reference_ignored == {part}
        window.undo_action.trigger()
        assert parts.boxes[part].isChecked() and not window.state.reference_ignored
        window.redo_action.trigger()
        window.redo_action.trigger()
        assert window.save_to(tmp_path / "work.ora")
        assert window.open_file(tmp_path / "work.ora")
        assert parts.slider.value() == 40
        wait_for_result(qtbot, window)
        assert window.result_request.reference_ignored == frozenset({part})
        assert not parts.boxes[part].isChecked()
    finally:
        window.close()
