import cv2
import numpy as np
import pytest

from colorizer_app.imaging.regions import segment_regions
from tests.gapped_drawing import gapped_drawing


def _dominant(labels: np.ndarray, area: np.ndarray) -> tuple[int, float]:
    values, counts = np.unique(labels[area], return_counts=True)
    return int(values[counts.argmax()]), float(counts.max() / counts.sum())


@pytest.mark.parametrize("hole", [2, 3, 5])
def test_areas_behind_small_holes_stay_apart(hole):
    drawing = gapped_drawing(hole)
    labels = segment_regions(drawing.ink)
    found = {}
    for name in drawing.seeds:
        label, share = _dominant(labels, drawing.area(name))
        assert share >= 0.99, f"{name} is split: its largest label covers {share:.3f}"
        found[name] = label
    assert len(set(found.values())) == len(found), f"areas merged through a hole: {found}"


def test_every_pixel_gets_a_label_numbered_from_one():
    labels = segment_regions(gapped_drawing().ink)
    assert labels.dtype == np.int32 and labels.shape == (256, 256)
    assert labels.min() == 1
    assert set(np.unique(labels).tolist()) == set(range(1, int(labels.max()) + 1))


def test_line_pixels_join_an_adjacent_area():
    drawing = gapped_drawing()
    labels = segment_regions(drawing.ink)
    # The dividing line of the box belongs to one of the two halves it separates.
    halves = {_dominant(labels, drawing.area(n))[0] for n in ("box_left", "box_right")}
    assert set(np.unique(labels[40:110, 184:187]).tolist()) <= halves


def test_a_hole_wider_than_the_gap_joins_the_areas_and_a_larger_gap_keeps_them_apart():
    drawing = gapped_drawing(10)
    left, right = drawing.seeds["box_left"], drawing.seeds["box_right"]
    joined = segment_regions(drawing.ink, gap=6)
    assert joined[left[1], left[0]] == joined[right[1], right[0]]
    apart = segment_regions(drawing.ink, gap=14)
    assert apart[left[1], left[0]] != apart[right[1], right[0]]


def test_narrow_strands_keep_their_own_region():
    """Hair-like strands narrower than the ball, closed or open through a hole, are not
    swallowed by the area around them."""
    ink = np.zeros((200, 200), np.uint8)
    for x in (40, 48, 56, 64):  # three 5-px strands between vertical lines
        cv2.line(ink, (x, 20), (x, 180), 255, 3)
    cv2.line(ink, (40, 20), (64, 20), 255, 3)
    cv2.line(ink, (40, 180), (64, 180), 255, 3)
    ink[100:104, 47:50] = 0  # a 4-px hole between the first two strands
    labels = segment_regions(ink)
    background = labels[150, 150]
    strands = [labels[60, x] for x in (44, 52, 60)]
    assert background not in strands
    assert strands[1] != strands[2]
    for x in (44, 52, 60):
        assert len(np.unique(labels[25:175, x])) == 1, "a strand is cut into pieces"


@pytest.mark.parametrize("narrow", [107, 109])
def test_a_strand_that_narrows_and_widens_is_one_region(narrow):
    """A ball wider than the strand's narrow points would cut it into pieces; the pieces meet
    through openings almost as wide as themselves, so they are one shape."""
    ink = np.zeros((200, 200), np.uint8)
    wall = np.array([(112 if i % 2 == 0 else narrow, 20 + i * 16) for i in range(11)])
    cv2.polylines(ink, [wall], False, 255, 3)
    cv2.line(ink, (100, 20), (100, 180), 255, 3)
    cv2.line(ink, (100, 20), (112, 20), 255, 3)
    cv2.line(ink, (100, 180), tuple(int(v) for v in wall[-1]), 255, 3)
    labels = segment_regions(ink)
    strand = labels[25:175, 103]
    assert len(np.unique(strand)) == 1
    assert strand[0] != labels[100, 150]


@pytest.mark.parametrize("value", [0, 255])
def test_a_blank_or_solid_map_is_one_region(value):
    labels = segment_regions(np.full((40, 50), value, np.uint8))
    assert labels.shape == (40, 50) and np.all(labels == 1)


def test_rejects_a_color_image():
    with pytest.raises(ValueError):
        segment_regions(np.zeros((10, 10, 3), np.uint8))
