import json
import zipfile

import numpy as np
import pytest

from colorizer_app.document.project import open_project, save_project
from colorizer_app.document.state import DocumentState
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.export import read_ora, write_ora
from colorizer_app.imaging.layers import Layer
from tests.document.documents import drawing, full_document


def test_save_then_open_round_trips_everything(tmp_path):
    state = full_document()
    path = tmp_path / "work.ora"
    save_project(path, state)
    reopened = open_project(path)
    assert reopened.same_content(state)
    assert reopened.tags == state.tags  # order kept: the order the tags were ticked
    assert reopened.hints == state.hints and reopened.palette == state.palette
    assert (reopened.reference_strength, reopened.reference_ignored) == (
        0.35,
        frozenset({"skin", "background"}),
    )
    assert (reopened.drawing_name, reopened.reference_name) == ("lines.png", "ref.jpg")
    assert reopened.project_path == path


def test_without_reference_or_hints(tmp_path):
    state = DocumentState(drawing=drawing(), drawing_name="x.png")
    save_project(tmp_path / "a.ora", state)
    reopened = open_project(tmp_path / "a.ora")
    assert reopened.same_content(state) and reopened.reference is None and reopened.hints.is_empty
    assert reopened.reference_strength is None  # never set: the engine's default


def test_the_file_opens_as_layers_in_painting_programs(tmp_path):
    state = full_document()
    height, width = state.drawing.shape[:2]
    color = np.zeros((height, width, 4), np.uint8)
    color[..., 0], color[..., 3] = 200, 255
    layers = [Layer("color", color), Layer("line art", np.full_like(color, 255), blend="multiply")]
    save_project(tmp_path / "a.ora", state, layers)
    document = read_ora(tmp_path / "a.ora")
    assert [layer.name for layer in document.layers] == ["color", "line art"]
    assert np.array_equal(document.layers[0].pixels, color)
    hints = json.loads(document.extra_files["colorizer/hints.json"])
    assert len(hints["strokes"]) == 4 and hints["fills"][0]["color"] == "#ff0000"
    # Without a result the drawing as loaded is the one layer.
    save_project(tmp_path / "b.ora", state)
    (layer,) = read_ora(tmp_path / "b.ora").layers
    assert layer.name == "drawing" and np.array_equal(layer.pixels, state.drawing)


def test_layers_of_another_size_are_refused(tmp_path):
    with pytest.raises(ValueError):
        save_project(
            tmp_path / "a.ora", full_document(), [Layer("x", np.zeros((5, 5, 4), np.uint8))]
        )


def test_a_plain_openraster_file_is_not_a_project(tmp_path):
    write_ora(tmp_path / "krita.ora", [Layer("x", np.zeros((4, 4, 4), np.uint8))])
    with pytest.raises(ColorizerError, match="not a Colorizer project"):
        open_project(tmp_path / "krita.ora")


def _rewrite_entry(path, name, data):
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    entries[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("colorizer/hints.json", b'{"strokes": [{"color": "red"}]}', "hint strokes are damaged"),
        ("colorizer/project.json", b"{not json", "damaged"),
        (
            "colorizer/project.json",
            b'{"format": "colorizer-project", "version": 99}',
            "newer Colorizer",
        ),
        (
            "colorizer/project.json",
            b'{"format": "colorizer-project", "version": 1, "tags": [["a", -1]]}',
            "malformed tag",
        ),
        (
            "colorizer/project.json",
            b'{"format": "colorizer-project", "version": 1, "reference_strength": "strong"}',
            "malformed reference strength",
        ),
        (
            "colorizer/project.json",
            b'{"format": "colorizer-project", "version": 1, "reference_ignored": "hair"}',
            "unticked reference parts",
        ),
        ("colorizer/drawing.png", b"\x89PNG\r\n\x1a\nbroken", "drawing.png"),
    ],
)
def test_damaged_projects_give_one_line_errors(tmp_path, name, data, message):
    path = tmp_path / "a.ora"
    save_project(path, full_document())
    _rewrite_entry(path, name, data)
    with pytest.raises(ColorizerError, match=message) as caught:
        open_project(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_failed_save_keeps_the_earlier_project(tmp_path, monkeypatch):
    path = tmp_path / "a.ora"
    save_project(path, full_document())
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(ColorizerError, match="disk is full"):
        save_project(path, DocumentState(drawing=drawing(seed=5)))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ora"]
