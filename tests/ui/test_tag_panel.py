import pytest
from PySide6.QtCore import Qt

from colorizer_app.ui.tag_panel import FLAT_NOTICE, TagPanel, panel_order
from colorizer_app.vocabulary import load_vocabulary, target_color


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary()


@pytest.fixture
def panel(qtbot, vocabulary):
    widget = TagPanel(vocabulary)
    qtbot.addWidget(widget)
    return widget


def _swatch_rgb(label):
    color = label.pixmap().toImage().pixelColor(7, 7)
    return color.red(), color.green(), color.blue()


def test_color_tags_only_grouped_by_part(panel, vocabulary):
    assert set(panel._rows) == {tag.name for tag in vocabulary.cvt}
    assert not set(panel._rows) & {tag.name for tag in vocabulary.cit}
    parts = [group.part for group in panel.groups]
    assert sorted(parts) == sorted(
        part for part in vocabulary.parts if vocabulary.cvt_for_part(part)
    )
    for group in panel.groups:
        assert {row.tag.part for row in group.rows} == {group.part}


def test_ticking_gives_one_and_the_palette_color(panel, qtbot, vocabulary):
    row = panel._rows["blue_hair"]
    with qtbot.waitSignal(panel.tagsChanged) as blocker:
        row.checkbox.click()
    assert blocker.args == [{"blue_hair": 1.0}]
    assert row.number.text() == "1.00"
    assert _swatch_rgb(row.swatch) == vocabulary.tag("blue_hair").rgb
    with qtbot.waitSignal(panel.tagsChanged) as blocker:
        row.checkbox.click()
    assert blocker.args == [{}] and row.number.text() == ""


def test_dragging_is_live_and_release_is_one_edit(panel, qtbot, vocabulary):
    changing, changed = [], []
    panel.tagsChanging.connect(changing.append)
    panel.tagsChanged.connect(changed.append)
    slider = panel._rows["red_eyes"].slider
    slider.setSliderDown(True)
    for steps in (50, 120, 250):
        slider.setValue(steps)
    assert changing == [{"red_eyes": 0.5}, {"red_eyes": 1.2}, {"red_eyes": 2.5}] and changed == []
    assert panel._rows["red_eyes"].checkbox.isChecked()  # moving an unticked slider ticks it
    slider.setSliderDown(False)  # release
    assert changed == [{"red_eyes": 2.5}]
    # The swatch shows the target color of docs/architecture.md §3 for 2.5: more vivid than the
    # palette color.
    assert _swatch_rgb(panel._rows["red_eyes"].swatch) == target_color(
        {"red_eyes": 2.5}, vocabulary
    )
    assert target_color({"red_eyes": 2.5}, vocabulary) != vocabulary.tag("red_eyes").rgb


def test_dragging_to_zero_unticks(panel, qtbot):
    panel.set_values({"red_eyes": 1.0})
    slider = panel._rows["red_eyes"].slider
    with qtbot.waitSignal(panel.tagsChanged) as blocker:
        slider.setSliderDown(True)
        slider.setValue(0)
        slider.setSliderDown(False)
    assert blocker.args == [{}] and not panel._rows["red_eyes"].checkbox.isChecked()


def test_keyboard_steps_are_edits(panel, qtbot):
    slider = panel._rows["green_eyes"].slider
    panel.set_values({"green_eyes": 1.0})
    slider.setFocus()
    with qtbot.waitSignal(panel.tagsChanged) as blocker:
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    assert blocker.args == [{"green_eyes": 1.25}]


def test_values_keep_the_order_ticked(panel):
    for name in ("red_hair", "blonde_hair", "blue_eyes"):
        panel._rows[name].checkbox.click()
    panel._rows["red_hair"].slider.setValue(50)
    assert list(panel.values().items()) == [
        ("red_hair", 0.5),
        ("blonde_hair", 1.0),
        ("blue_eyes", 1.0),
    ]


def test_set_values_is_silent_and_keeps_unknown_tags(panel, qtbot, vocabulary):
    with qtbot.assertNotEmitted(panel.tagsChanged), qtbot.assertNotEmitted(panel.tagsChanging):
        panel.set_values({"red_hair": 0.5, "blonde_hair": 0.5, "future_tag": 2.0, "blue_eyes": 0})
    assert panel.values() == {"red_hair": 0.5, "blonde_hair": 0.5, "future_tag": 2.0}
    assert panel._rows["red_hair"].number.text() == "0.50"
    assert not panel._rows["blue_eyes"].checkbox.isChecked()
    hair = next(group for group in panel.groups if group.part == "hair")
    # The header shows the part's mix: strawberry blonde, halfway in CIELAB.
    expected = target_color({"red_hair": 0.5, "blonde_hair": 0.5}, vocabulary)
    assert _swatch_rgb(hair.swatch) == expected and "(2)" in hair.arrow.text()


def test_clear_one_group(panel, qtbot):
    panel.set_values({"red_hair": 1.0, "blue_eyes": 1.0, "brown_hair": 2.0})
    hair = next(group for group in panel.groups if group.part == "hair")
    with qtbot.waitSignal(panel.tagsChanged) as blocker:
        hair.clear_button.click()
    assert blocker.args == [{"blue_eyes": 1.0}]
    assert not panel._rows["red_hair"].checkbox.isChecked()
    assert not hair.clear_button.isEnabled()


def test_filter(panel):
    panel.filter.setText("blue")
    visible = panel.visible_tags()
    assert "blue_hair" in visible and "blue_eyes" in visible
    assert all("blue" in name for name in visible)
    panel.filter.setText("blue hair")
    assert panel.visible_tags() == ["blue_hair"]
    assert [group.part for group in panel.groups if not group.isHidden()] == ["hair"]
    panel.filter.setText("eye_color")  # the group name matches too
    assert {panel._rows[name].tag.group for name in panel.visible_tags()} == {"eye_color"}
    panel.filter.clear()
    assert len(panel.visible_tags()) == len(panel._rows)


def test_collapse_and_search_opens_groups(panel):
    hair = next(group for group in panel.groups if group.part == "hair")
    hair.arrow.click()
    assert hair.body.isHidden()
    panel.filter.setText("hair")
    assert not hair.body.isHidden()
    panel.filter.clear()
    assert hair.body.isHidden()


def test_only_supported_tags_are_enabled(panel):
    panel.set_supported(["blue_hair", "red_eyes"], model="unified-small")
    assert panel.is_supported("blue_hair") and not panel.is_supported("blonde_hair")
    tooltip = panel._rows["blonde_hair"].toolTip()
    assert "unified-small" in tooltip and "blonde hair" in tooltip
    explanation = panel._rows["blue_hair"].toolTip()
    assert "Below 1" in explanation and "Above 1" in explanation and "mix" in explanation
    panel.set_supported(None)
    assert all(panel.is_supported(name) for name in panel._rows)


def test_groups_start_with_the_parts_artists_use_most(panel):
    parts = [group.part for group in panel.groups]
    assert parts[:7] == ["hair", "eyes", "skin", "top", "bottom", "legwear", "footwear"]
    assert parts[7:11] == ["hat", "bow", "neckwear", "gloves"]
    assert parts[-1] == "background"
    # A part a newer vocabulary adds goes after the known ones, still before the background.
    assert panel_order(["background", "wings", "eyes", "hair"]) == [
        "hair",
        "eyes",
        "wings",
        "background",
    ]


def test_flat_fill_greys_every_tag_and_says_why_in_the_header(panel):
    assert panel.notice.isHidden()
    panel.set_supported(["blue_hair"], model="flat")
    assert panel.notice.text() == FLAT_NOTICE and not panel.notice.isHidden()
    assert not any(panel.is_supported(name) for name in panel._rows)
    assert FLAT_NOTICE in panel._rows["blue_hair"].toolTip()
    panel.set_supported([], model="strokes-only")
    assert "strokes-only" in panel.notice.text() and not panel.notice.isHidden()
    panel.set_supported(["blue_hair"], model="unified-small")
    assert panel.notice.isHidden() and panel.is_supported("blue_hair")
