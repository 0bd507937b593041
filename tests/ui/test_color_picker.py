import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from colorizer_app.ui.color_picker import RECENT_LIMIT, ColorPicker, common_colors
from colorizer_app.vocabulary import load_vocabulary


@pytest.fixture
def picker(qtbot):
    widget = ColorPicker()
    qtbot.addWidget(widget)
    widget.resize(240, 420)
    widget.show()
    return widget


def test_set_color_emits_once_and_round_trips_hex(picker, qtbot):
    seen = []
    picker.colorChanged.connect(lambda color: seen.append(color.name()))
    for name in ("#3c8cdc", "#000000", "#ffffff", "#7f7f7f", "#f2d56b", "#010203", "#fe00fd"):
        picker.setColor(name)
        assert picker.color().name() == name
    assert seen == ["#3c8cdc", "#000000", "#ffffff", "#7f7f7f", "#f2d56b", "#010203", "#fe00fd"]
    picker.setColor("#fe00fd")
    assert len(seen) == 7  # unchanged: no signal


def test_hex_entry(picker, qtbot):
    picker._hex.setFocus()
    picker._hex.selectAll()
    with qtbot.waitSignal(picker.colorChanged) as blocker:
        qtbot.keyClicks(picker._hex, "a0522d")
        qtbot.keyClick(picker._hex, Qt.Key.Key_Return)
    assert blocker.args[0].name() == "#a0522d"
    picker._hex.setText("#12")  # incomplete: reverts to the current color
    picker._hex.editingFinished.emit()
    assert picker._hex.text() == "#a0522d" and picker.color().name() == "#a0522d"


def test_hue_strip_and_square_pick(picker, qtbot):
    picker.setColor("#3c8cdc")
    square, strip = picker._square, picker._strip
    with qtbot.waitSignal(picker.colorChanged) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(5, 0))  # hue 0: red
    assert blocker.args[0].red() == 0xDC  # saturation and value kept
    with qtbot.waitSignal(picker.colorChanged) as blocker:
        qtbot.mouseClick(square, Qt.MouseButton.LeftButton, pos=QPoint(square.width() - 1, 0))
    assert blocker.args[0].name() == "#ff0000"
    qtbot.mouseClick(square, Qt.MouseButton.LeftButton, pos=QPoint(0, square.height() - 1))
    assert picker.color().name() == "#000000"
    hue_third = round((strip.height() - 1) / 3)  # a third down the strip: green
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(5, hue_third))
    qtbot.mouseClick(square, Qt.MouseButton.LeftButton, pos=QPoint(square.width() - 1, 0))
    color = picker.color()
    assert color.green() == 255 and color.red() < 20 and color.blue() < 20


def test_gray_keeps_the_hue_strip_where_it_was(picker):
    picker.setColor("#3c8cdc")
    hue = picker._strip.hue
    picker.setColor("#808080")
    assert picker._strip.hue == hue


def test_common_colors_include_the_skin_tones_and_swatches_pick(picker, qtbot):
    skin = [tag.colors[0] for tag in load_vocabulary().cvt_for_part("skin")]
    assert skin and set(skin) <= set(common_colors())
    swatch = picker._common.swatches()[0]
    with qtbot.waitSignal(picker.colorChanged) as blocker:
        qtbot.mouseClick(swatch, Qt.MouseButton.LeftButton)
    assert blocker.args[0].name() == swatch.color


def test_reference_colors_and_recent_colors(picker, qtbot):
    assert picker._reference.isHidden()
    picker.set_reference_colors(["#112233", "#445566"])
    assert picker.reference_colors() == ["#112233", "#445566"] and not picker._reference.isHidden()
    with qtbot.waitSignal(picker.colorChanged) as blocker:
        qtbot.mouseClick(picker._reference.swatches()[1], Qt.MouseButton.LeftButton)
    assert blocker.args[0] == QColor("#445566")
    picker.set_reference_colors([])
    assert picker._reference.isHidden()
    for index in range(RECENT_LIMIT + 3):
        picker.add_recent(f"#0000{index:02x}")
    picker.add_recent(QColor("#000005"))
    recent = picker.recent_colors()
    assert len(recent) == RECENT_LIMIT and recent[0] == "#000005" and recent.count("#000005") == 1
