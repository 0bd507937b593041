import io

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from colorizer_app.imaging.palette import main_colors
from colorizer_app.ui import reference_panel
from colorizer_app.ui.reference_panel import ReferencePanel
from tests.ui.main_windows import thumbnail_point

COLORS = ("#d8323c", "#3c8cdc", "#f5d23c")


def _three_colors() -> np.ndarray:
    """Half red, a third blue, the rest yellow."""
    pixels = np.zeros((60, 90, 4), np.uint8)
    pixels[..., 3] = 255
    for (start, stop), color in zip(((0, 45), (45, 75), (75, 90)), COLORS, strict=False):
        pixels[:, start:stop, :3] = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
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
    with (
        qtbot.assertNotEmitted(panel.referenceChanged),
        qtbot.waitSignal(panel.loadFailed) as blocker,
    ):
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
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
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


def test_the_eyedropper_picks_colors_from_the_thumbnail(panel, qtbot, image_file):
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.open_file(image_file)
    picked = []
    panel.colorSampled.connect(lambda color: picked.append(color.name()))
    qtbot.mouseClick(panel.thumbnail, Qt.MouseButton.LeftButton, pos=thumbnail_point(panel, 60, 30))
    assert picked == []  # a plain click with another tool picks nothing
    qtbot.mouseClick(
        panel.thumbnail,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        pos=thumbnail_point(panel, 60, 30),
    )
    assert picked == [COLORS[1]]  # Ctrl held: the blue third
    panel.set_sampling(True)
    qtbot.mouseClick(panel.thumbnail, Qt.MouseButton.LeftButton, pos=thumbnail_point(panel, 85, 10))
    qtbot.mouseClick(panel.thumbnail, Qt.MouseButton.LeftButton, pos=thumbnail_point(panel, 10, 50))
    assert picked == [COLORS[1], COLORS[2], COLORS[0]]
    assert panel.sample(QPointF(-3, -3)) is None  # outside the picture: nothing


def test_drops_load_off_the_gui_thread_and_the_newest_wins(
    panel, qtbot, image_file, tmp_path, monkeypatch
):
    import threading

    threads = []
    real_prepare = reference_panel._prepare

    def recording_prepare(pixels, name):
        threads.append(threading.current_thread())
        return real_prepare(pixels, name)

    other = tmp_path / "other.png"
    Image.fromarray(_three_colors()[::-1]).save(other)
    monkeypatch.setattr(reference_panel, "_prepare", recording_prepare)
    with qtbot.waitSignal(panel.referenceChanged) as blocker:
        for path in (image_file, other):  # dropped quickly one after the other
            mime = QMimeData()
            mime.setUrls([QUrl.fromLocalFile(str(path))])
            _drop(panel, mime)
        assert panel.caption.text() == "Loading…" and panel.reference() is None
    assert blocker.args[1] == "other.png"
    qtbot.wait(50)  # the first drop's late answer, if any, changes nothing
    assert panel.name() == "other.png" and np.array_equal(panel.reference(), _three_colors()[::-1])
    assert threads and threading.main_thread() not in threads
