import io

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from colorizer_app.ui.reference_panel import ReferencePanel, main_colors

COLORS = ("#d8323c", "#3c8cdc", "#f5d23c")


def _three_colors() -> np.ndarray:
    """Half red, a third blue, the rest yellow."""
    pixels = np.zeros((60, 90, 4), np.uint8)
    pixels[..., 3] = 255
    for (start, stop), color in zip(((0, 45), (45, 75), (75, 90)), COLORS):
        pixels[:, start:stop, :3] = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return pixels


@pytest.fixture
def panel(qtbot):
    widget = ReferencePanel()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def image_file(tmp_path):
    path = tmp_path / "ref.png"
    Image.fromarray(_three_colors()).save(path)
    return path


def test_main_colors_are_the_dominant_colors_most_common_first():
    assert main_colors(_three_colors()) == list(COLORS)
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 256, (300, 200, 4), dtype=np.uint8)
    noisy[..., 3] = 255
    colors = main_colors(noisy)
    assert len(colors) == 6 and colors == main_colors(noisy)  # deterministic
    transparent = np.zeros((10, 10, 4), np.uint8)
    assert main_colors(transparent) == []


def test_open_emits_the_pixels_and_offers_the_colors(panel, qtbot, image_file):
    offered = []
    panel.mainColorsChanged.connect(offered.append)
    with qtbot.waitSignal(panel.referenceChanged) as blocker:
        assert panel.open_file(image_file)
    pixels, name = blocker.args
    assert np.array_equal(pixels, _three_colors()) and name == "ref.png"
    assert offered == [list(COLORS)] and panel.main_colors() == list(COLORS)
    assert not panel.thumbnail.pixmap().isNull() and panel.clear_button.isEnabled()
    assert "ref.png" in panel.caption.text()


def test_a_bad_file_changes_nothing(panel, qtbot, image_file, tmp_path):
    panel.open_file(image_file)
    before = panel.reference()
    broken = tmp_path / "broken.png"
    broken.write_bytes(image_file.read_bytes()[:60])
    with qtbot.assertNotEmitted(panel.referenceChanged), qtbot.waitSignal(panel.loadFailed) as blocker:
        assert not panel.open_file(broken)
    assert "broken.png" in blocker.args[0] and "\n" not in blocker.args[0]
    assert panel.reference() is before and panel.caption.text() == blocker.args[0]
    with qtbot.waitSignal(panel.loadFailed):
        assert not panel.open_bytes(b"hello, not an image", "clipboard")


def test_clear_and_silent_set(panel, qtbot, image_file):
    panel.open_file(image_file)
    with qtbot.waitSignal(panel.referenceChanged) as blocker:
        panel.clear_button.click()
    assert blocker.args == [None, ""] and panel.main_colors() == []
    assert not panel.clear_button.isEnabled()
    with qtbot.assertNotEmitted(panel.referenceChanged), qtbot.waitSignal(panel.mainColorsChanged):
        panel.set_reference(_three_colors(), "undo.png")
    assert panel.name() == "undo.png" and panel.main_colors() == list(COLORS)


def _drop(panel, mime):
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)


def test_drop_a_file_or_image_bytes(panel, qtbot, image_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image_file))])
    assert panel._usable(mime)
    with qtbot.waitSignal(panel.referenceChanged) as blocker:
        _drop(panel, mime)
    assert blocker.args[1] == "ref.png"
    buffer = io.BytesIO()
    Image.fromarray(_three_colors()[:, ::-1]).save(buffer, format="PNG")
    mime = QMimeData()
    mime.setData("image/png", buffer.getvalue())
    with qtbot.waitSignal(panel.referenceChanged) as blocker:
        _drop(panel, mime)
    assert np.array_equal(blocker.args[0], _three_colors()[:, ::-1])
    text_only = QMimeData()
    text_only.setText("hello")
    assert not panel._usable(text_only)
