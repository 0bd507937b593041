"""Splits line art into the closed areas an artist would fill, even where the lines leave gaps.

A bucket fill leaks through the smallest hole in a line; artists' lines have many (a stroke that
stops short of the next, a faint pencil joint). This is trapped-ball filling (Zhang et al., 2009,
and the idea behind Krita's colorize mask), done with distance transforms so that a 1024² drawing
takes a few tens of milliseconds:

1. A ball of diameter ``gap`` rolls through the paper: its centres are the paper pixels farther
   than ``gap / 2`` from any line. A hole narrower than the ball stops it, so the centres of two
   areas joined only by such a hole form separate components — one region each.
2. Each region takes every paper pixel its ball sweeps over.
3. What the ball cannot reach (strands of hair narrower than the ball, thin closed shapes, sharp
   corners) is split into its own connected pieces. A piece enclosed by lines is always a region
   of its own; one that touches a ball-swept region (a corner, or the tip of a hair strand behind
   a hole) becomes a region only when it is large, otherwise it joins the region it touches —
   through the paper, never across a line.
4. Line pixels and leftovers take the label of the nearest labeled pixel, so the regions tile
   the image and a region's color reaches under its outlines.
5. A ball stuck in a narrowing shape is not a hole in a line: a long hair strand between two
   open-ended strand lines narrows and widens, and step 1 cuts it where it narrows. Two regions
   meeting through a paper opening at least half as wide as the wider of them are one shape and
   merge; a real hole is much narrower than the areas it joins (judging by the wider one keeps
   a thin strand that meets a large area through a hole apart from it).
"""

from __future__ import annotations

import cv2
import numpy as np

# Widest hole (pixels) in a line that still separates two areas, by default.
DEFAULT_GAP = 6
# Ink at or above this (0..255) is line; the soft anti-aliased rim below it is paper.
LINE_THRESHOLD = 96
# A piece the ball cannot reach that touches a ball-swept region is its own region only when it
# covers at least this many balls' worth of pixels (a narrow strand, not a corner).
_STRAND_BALLS = 4
# An enclosed piece smaller than this (pixels) is noise (a speck of paper inside a thick line).
_MIN_ENCLOSED = 4
# Two regions merge when the paper between them is open over at least this share of the wider
# one's width (width = diameter of the largest disc inside the region).
_MERGE_OPENING = 0.5


def segment_regions(ink: np.ndarray, *, gap: int = DEFAULT_GAP) -> np.ndarray:
    """(H, W) int32 labels 1..N covering every pixel of the ink map (255 = ink, 0 = paper)."""
    ink = np.asarray(ink)
    if ink.ndim != 2 or ink.dtype != np.uint8:
        raise ValueError(f"expected an (H, W) uint8 ink map, got {ink.shape} {ink.dtype}")
    if gap < 1:
        raise ValueError(f"gap must be at least 1 pixel, got {gap}")
    paper = (ink < LINE_THRESHOLD).astype(np.uint8)
    if paper.all() or not paper.any():
        return np.ones(ink.shape, dtype=np.int32)
    radius = gap / 2.0
    clearance = cv2.distanceTransform(paper, cv2.DIST_L2, 5)  # distance to the nearest line
    labels = _ball_regions(paper, clearance, radius)
    count = int(labels.max())
    count = _add_unreached(labels, paper, count, min_strand=int(_STRAND_BALLS * np.pi * radius**2))
    if count == 0:  # no paper area at all survives: the whole drawing is one region
        return np.ones(ink.shape, dtype=np.int32)
    labels = _fill_nearest(labels)
    return _sequential(_merge_constrictions(labels, paper, clearance))


def _ball_regions(paper: np.ndarray, clearance: np.ndarray, radius: float) -> np.ndarray:
    """Labels of the areas a ball of ``radius`` sweeps; 0 where it cannot go."""
    centres = (clearance > radius).astype(np.uint8)
    count, centre_labels = cv2.connectedComponents(centres, connectivity=8, ltype=cv2.CV_32S)
    if count <= 1:
        return np.zeros(paper.shape, dtype=np.int32)
    # Distance to, and component of, the nearest ball centre (8-connected, as the components).
    distance, nearest = cv2.distanceTransformWithLabels(
        1 - centres, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP
    )
    to_label = np.zeros(int(nearest.max()) + 1, dtype=np.int32)
    to_label[nearest[centres == 1]] = centre_labels[centres == 1]
    swept = (distance <= radius + 0.5) & (paper == 1)
    return np.where(swept, to_label[nearest], 0).astype(np.int32)


def _add_unreached(labels: np.ndarray, paper: np.ndarray, count: int, *, min_strand: int) -> int:
    """Label the paper the ball missed: a shape of its own gets a new label, a corner or tip
    joins the swept region it touches most; returns the new N."""
    unreached = (paper == 1) & (labels == 0)
    pieces, piece_labels, stats, _ = cv2.connectedComponentsWithStats(
        unreached.astype(np.uint8), connectivity=4, ltype=cv2.CV_32S
    )
    if pieces <= 1:
        return count
    neighbour = _main_neighbour(piece_labels, labels, pieces)
    area = stats[:, cv2.CC_STAT_AREA]
    own = np.where(neighbour > 0, area >= min_strand, area >= _MIN_ENCLOSED)
    own[0] = False
    new_label = neighbour
    new_label[own] = count + np.arange(1, int(own.sum()) + 1, dtype=np.int32)
    new_label[0] = 0
    np.copyto(labels, new_label[piece_labels], where=unreached)
    return count + int(own.sum())


def _main_neighbour(piece_labels: np.ndarray, labels: np.ndarray, pieces: int) -> np.ndarray:
    """(pieces,) int32: per piece, the label it shares most 4-neighbour contacts with (0: none)."""
    base = int(labels.max()) + 1
    keys = []
    for piece_side, label_side in _NEIGHBOURS:
        piece, label = piece_labels[piece_side], labels[label_side]
        contact = (piece > 0) & (label > 0)
        keys.append(piece[contact].astype(np.int64) * base + label[contact])
    neighbour = np.zeros(pieces, dtype=np.int32)
    contacts, count = np.unique(np.concatenate(keys), return_counts=True)
    if contacts.size:
        piece = contacts // base
        order = np.lexsort((count, piece))  # per piece, its most counted contact comes last
        last = np.ones(order.size, dtype=bool)
        last[:-1] = piece[order][1:] != piece[order][:-1]
        best = order[last]
        neighbour[piece[best]] = contacts[best] % base
    return neighbour


def _fill_nearest(labels: np.ndarray) -> np.ndarray:
    """Every unlabeled pixel (lines, specks) takes the label of the nearest labeled one."""
    labeled = labels > 0
    if not labeled.all():
        _, nearest = cv2.distanceTransformWithLabels(
            (~labeled).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
        )
        # DIST_LABEL_PIXEL numbers the zero pixels 1..K in row-major order.
        by_index = np.concatenate([[0], labels[labeled]]).astype(np.int32)
        labels = by_index[nearest]
    return labels


def _merge_constrictions(
    labels: np.ndarray, paper: np.ndarray, clearance: np.ndarray
) -> np.ndarray:
    """Merge neighbours whose paper opening is at least _MERGE_OPENING of the wider one's width."""
    width = np.zeros(int(labels.max()) + 1, dtype=np.float32)
    np.maximum.at(width, labels.ravel(), clearance.ravel())
    width *= 2.0
    openings = [_paper_boundary(labels, paper, axis) for axis in (0, 1)]
    pairs, first = np.unique(np.concatenate(openings), return_inverse=True)
    if pairs.size == 0:
        return labels
    # Crossings along each axis; their Euclidean sum is the opening's length at any angle.
    along = np.zeros((2, pairs.size), dtype=np.float64)
    np.add.at(along[0], first[: openings[0].size], 1.0)
    np.add.at(along[1], first[openings[0].size :], 1.0)
    length = np.hypot(along[0], along[1])
    a, b = pairs // width.size, pairs % width.size
    merge = length >= _MERGE_OPENING * np.maximum(width[a], width[b])
    if not merge.any():
        return labels
    root = np.arange(width.size)
    for x, y in zip(a[merge].tolist(), b[merge].tolist(), strict=False):
        rx, ry = _find(root, x), _find(root, y)
        if rx != ry:
            root[max(rx, ry)] = min(rx, ry)
    final = np.array([_find(root, i) for i in range(width.size)], dtype=np.int32)
    return final[labels]


# (this side, neighbour side) slices for the four 4-neighbour directions.
_NEIGHBOURS = [
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ((slice(1, None), slice(None)), (slice(None, -1), slice(None))),
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
]


def _paper_boundary(labels: np.ndarray, paper: np.ndarray, axis: int) -> np.ndarray:
    """Label pairs (low * (N+1) + high) of neighbours along ``axis`` that differ on paper."""
    head = [slice(None), slice(None)]
    tail = [slice(None), slice(None)]
    head[axis], tail[axis] = slice(None, -1), slice(1, None)
    first, second = labels[tuple(head)], labels[tuple(tail)]
    crossing = (first != second) & (paper[tuple(head)] == 1) & (paper[tuple(tail)] == 1)
    low = np.minimum(first[crossing], second[crossing]).astype(np.int64)
    high = np.maximum(first[crossing], second[crossing]).astype(np.int64)
    return low * (int(labels.max()) + 1) + high


def _find(root: np.ndarray, i: int) -> int:
    while root[i] != i:
        root[i] = root[root[i]]
        i = int(root[i])
    return i


def _sequential(labels: np.ndarray) -> np.ndarray:
    """Renumber to 1..N without holes (dropped pieces leave unused numbers)."""
    present = np.zeros(int(labels.max()) + 1, dtype=bool)
    present[labels.ravel()] = True
    present[0] = False
    renumber = np.cumsum(present).astype(np.int32)
    return renumber[labels]
