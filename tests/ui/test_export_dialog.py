import numpy as np
import pytest
from psd_tools import PSDImage
from PySide6.QtCore import QSettings

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging import atomic
from colorizer_app.imaging.export import read_ora
from colorizer_app.imaging.layers import Layer, composite
from colorizer_app.imaging.loader import load_image
from colorizer_app.ui.export_dialog import EXPORT_KINDS, ExportDialog, export_result

NAMES = ["flats", "color", "line art"]


def _layers(height=37, width=53):
    rng = np.random.default_rng(3)
    flats = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    color = np.zeros((height, width, 4), np.uint8)
    color[..., 0], color[..., 3] = 220, 255
    lines = np.full((height, width, 4), 255, np.uint8)
    lines[::5, :, :3] = 0
    return [
        Layer("flats", flats, visible=False),
        Layer("color", color),
        Layer("line art", lines, blend="multiply"),
    ]


def test_every_kind_writes_files_that_reload_at_full_size(tmp_path):
    layers = _layers()
    merged = composite(layers)
    paths = export_result("png-layers", tmp_path / "layers", layers)
    assert [p.name for p in paths] == ["flats.png", "color.png", "line-art.png", "composite.png"]
    for layer, path in zip(layers, paths, strict=False):
        assert np.array_equal(load_image(path).pixels, layer.pixels)
    assert np.array_equal(load_image(paths[-1]).pixels, merged)
    (png,) = export_result("png", tmp_path / "a.png", layers)
    assert np.array_equal(load_image(png).pixels, merged)
    export_result("ora", tmp_path / "a.ora", layers)
    document = read_ora(tmp_path / "a.ora")
    assert [layer.name for layer in document.layers] == NAMES and document.size == (37, 53)
    assert np.array_equal(document.layers[1].pixels, layers[1].pixels)
    export_result("psd", tmp_path / "a.psd", layers)
    psd = PSDImage.open(tmp_path / "a.psd")
    assert [layer.name for layer in psd] == NAMES and psd.size == (53, 37)
    with pytest.raises(ValueError, match="unknown export kind"):
        export_result("gif", tmp_path / "a.gif", layers)


def _disk_full(monkeypatch):
    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)


@pytest.mark.parametrize("kind", [kind for kind in EXPORT_KINDS if kind != "png-layers"])
def test_a_failed_export_leaves_the_earlier_file(tmp_path, monkeypatch, kind):
    path = tmp_path / f"a{EXPORT_KINDS[kind].suffix}"
    export_result(kind, path, _layers())
    before = path.read_bytes()
    _disk_full(monkeypatch)
    with pytest.raises(ColorizerError, match="disk is full"):
        export_result(kind, path, _layers(height=20))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_dialog_exports_and_remembers_the_last_choice(qtbot, tmp_path, settings):
    dialog = ExportDialog(_layers(), "girl", settings=settings)
    qtbot.addWidget(dialog)
    dialog.set_kind("ora")
    assert dialog.path_edit.text().endswith("girl.ora")
    target = tmp_path / "out" / "girl.ora"
    target.parent.mkdir()
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(dialog.exported) as blocker:
        assert dialog.export()
    assert blocker.args == [[target]] and dialog.result() == ExportDialog.DialogCode.Accepted
    assert [layer.name for layer in read_ora(target).layers] == NAMES
    again = ExportDialog(_layers(), "boy", settings=settings)
    qtbot.addWidget(again)
    assert again.kind() == "ora" and again.path_edit.text() == str(tmp_path / "out" / "boy.ora")
    again.set_kind("png-layers")
    assert again.path_edit.text() == str(tmp_path / "out" / "boy-layers")
    again.set_kind("psd")
    assert again.path_edit.text() == str(tmp_path / "out" / "boy.psd")


def test_dialog_shows_a_failure_and_stays_open(qtbot, tmp_path, settings, monkeypatch):
    target = tmp_path / "girl.png"
    export_result("png", target, _layers())
    before = target.read_bytes()
    dialog = ExportDialog(_layers(height=20), "girl", settings=settings)
    qtbot.addWidget(dialog)
    dialog.set_kind("png")
    dialog.path_edit.setText(str(target))
    _disk_full(monkeypatch)
    with qtbot.assertNotEmitted(dialog.exported):
        assert not dialog.export()
    assert "disk is full" in dialog.error_label.text() and str(target) in dialog.error_label.text()
    assert target.read_bytes() == before and dialog.result() != ExportDialog.DialogCode.Accepted
    assert settings.value("export/kind") is None  # a failed export is not remembered
