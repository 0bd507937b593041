"""The real dev set's labels: the loader catches every kind of mistake, and the shipped file is
well-formed (its images are not needed: they live outside the project)."""

import json

import pytest

from training.real_dev.labels import (
    DEFAULT_LABELS,
    PARTS,
    POINTS_PER_PART,
    LabelError,
    load_labels,
)


def _entry(**changes):
    entry = {
        "kind": "color",
        "width": 100,
        "height": 80,
        "tags": ["blonde_hair", "blue_eyes"],
        "parts": {"hair": [[10, 10], [20, 12], [30, 8]], "skin": [[50, 40], [55, 45], [60, 40]]},
    }
    entry.update(changes)
    return entry


def _write(tmp_path, drawings, **top):
    data = {"version": 1, "about": "test labels", "drawings": drawings, **top}
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_loads_a_valid_file(tmp_path):
    dev_set = load_labels(_write(tmp_path, {"real-color/a.png": _entry()}))
    (drawing,) = dev_set.drawings
    assert dev_set.about == "test labels"
    assert drawing.key == "real-color/a.png" and drawing.is_color
    assert (drawing.width, drawing.height) == (100, 80)
    assert drawing.parts["hair"] == ((10, 10), (20, 12), (30, 8))
    assert drawing.tags == ("blonde_hair", "blue_eyes")


def test_tag_of_group():
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    (drawing,) = load_labels(DEFAULT_LABELS, vocabulary).drawings[:1]
    assert drawing.tag_of_group("hair_color", vocabulary) is not None
    assert drawing.tag_of_group("gloves_color", vocabulary) is None


@pytest.mark.parametrize(
    ("drawings", "top", "message"),
    [
        ({"real-color/a.png": _entry()}, {"version": 2}, "version"),
        ({"real-color/a.png": _entry()}, {"about": " "}, "about"),
        ({}, {}, "non-empty"),
        ({"a.png": _entry()}, {}, "folder/file"),
        ({"real-color/a.png": _entry(kind="sketch")}, {}, "kind"),
        ({"real-color/a.png": _entry(width=0)}, {}, "width and height"),
        ({"real-color/a.png": _entry(parts={"wings": [[1, 1]] * 3})}, {}, "unknown part"),
        ({"real-color/a.png": _entry(parts={"hair": [[1, 1]] * 2})}, {}, "3 to 8 points"),
        ({"real-color/a.png": _entry(parts={"hair": [[1, 1]] * 9})}, {}, "3 to 8 points"),
        ({"real-color/a.png": _entry(parts={"hair": [[1, 1], [2, 2], [100, 5]]})}, {}, "outside"),
        ({"real-color/a.png": _entry(parts={"hair": [[1, 1], [2, 2], [3.5, 5]]})}, {}, "[x, y]"),
        ({"real-color/a.png": _entry(tags=["blond_hair"])}, {}, "not a color tag"),
        ({"real-color/a.png": _entry(tags=["long_hair"])}, {}, "not a color tag"),
        ({"real-color/a.png": _entry(tags=["red_hair", "blue_hair"])}, {}, "two tags"),
        ({"real-color/a.png": {**_entry(), "note": "x"}}, {}, "unknown fields"),
    ],
)
def test_rejects_mistakes_with_a_clear_message(tmp_path, drawings, top, message):
    with pytest.raises(LabelError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_labels(_write(tmp_path, drawings, **top))


def test_rejects_unreadable_files(tmp_path):
    with pytest.raises(LabelError, match="cannot read"):
        load_labels(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(LabelError, match="not valid JSON"):
        load_labels(tmp_path / "bad.json")


def test_a_resized_image_is_detected(tmp_path):
    (drawing,) = load_labels(_write(tmp_path, {"real-color/a.png": _entry()})).drawings
    drawing.check_size(100, 80)
    with pytest.raises(LabelError, match="a different file"):
        drawing.check_size(80, 100)


def test_the_shipped_labels_are_well_formed():
    """Parsing checks parts, point counts and bounds and tags; on top: both folders are there,
    every drawing shows a face, and each color illustration carries a hair tag."""
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    dev_set = load_labels(DEFAULT_LABELS, vocabulary)
    folders = {d.key.split("/")[0] for d in dev_set.drawings}
    assert folders == {"real-lineart", "real-color"}
    assert len(dev_set.drawings) == 28
    low, high = POINTS_PER_PART
    for drawing in dev_set.drawings:
        assert set(drawing.parts) <= set(PARTS)
        assert {"hair", "skin", "background"} <= set(drawing.parts), drawing.key
        assert all(low <= len(points) <= high for points in drawing.parts.values())
        if drawing.key.startswith("real-color/"):
            assert drawing.is_color
        if drawing.is_color:
            assert drawing.tag_of_group("hair_color", vocabulary), drawing.key
        else:
            assert drawing.tags == ()
