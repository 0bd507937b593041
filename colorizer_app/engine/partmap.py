"""The part map: what the engine thinks each area of the drawing is (hair, skin, eyes, …).

The network's part head gives each working-size cell a part and a confidence (``part_cells``).
The artist's part marks (``Hints.parts``) correct it a whole closed area at a time
(``apply_marks``): every cell of the region under the mark takes the mark's part, with full
confidence. Region consistency colors through the result (a tag holds its part's cells to its
color), and ``full_size`` brings it to the drawing's size for the Parts view and the exports:
one part per closed area where the area holds one part, the cells' own parts where a gap joined
two parts into one area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from torch.nn import functional as F

from colorizer_app.engine.request import PartMap
from colorizer_app.engine.upsample import grouped_parts, part_table, row_bands
from colorizer_app.imaging.hints import PartMark
from colorizer_app.nets.interface import ColorNet
from colorizer_app.vocabulary import load_vocabulary


@dataclass(frozen=True)
class PartCells:
    """The part map at the working size: (h, w) part index, (h, w) float32 confidence and
    (h, w) bool ``marked``, the cells whose part the artist set."""

    parts: np.ndarray
    confidence: np.ndarray
    marked: np.ndarray


def part_cells(
    module: ColorNet, encoding: Any, scaled: tuple[int, int], padded: tuple[int, int]
) -> PartCells | None:
    """The network's part of each cell of the ``scaled`` drawing (at the top left of a
    ``padded`` canvas) and its softmax probability; None without a part head or with one that
    does not name the vocabulary's parts."""
    logits = module.part_map(encoding)
    if logits is None or logits.shape[1] != len(load_vocabulary().parts):
        return None
    full = F.interpolate(logits.float(), size=padded, mode="bilinear", align_corners=False)
    probability, part = full[0].softmax(0).max(0)
    rows, cols = scaled
    return PartCells(
        part[:rows, :cols].cpu().numpy().astype(np.int64),
        probability[:rows, :cols].cpu().numpy().astype(np.float32),
        np.zeros(scaled, bool),
    )


def apply_marks(
    cells: PartCells,
    marks: Sequence[PartMark],
    regions: np.ndarray,
    cell_labels: np.ndarray,
) -> PartCells:
    """``cells`` with every mark applied, later marks over earlier ones: a mark sets its closed
    area (the full-resolution ``regions`` label under its point; ``cell_labels`` is each cell's
    label) to its part, or with a radius the cells whose centres lie that close to the point,
    whatever their area. The cell under the point is always set (an area too small to hold a
    cell centre)."""
    if not marks:
        return cells
    names = load_vocabulary().parts
    parts, confidence, marked = cells.parts.copy(), cells.confidence.copy(), cells.marked.copy()
    height, width = regions.shape
    rows, cols = parts.shape
    centre_y = (np.arange(rows) + 0.5) * height / rows
    centre_x = (np.arange(cols) + 0.5) * width / cols
    for mark in marks:
        x = min(max(int(mark.point[0]), 0), width - 1)
        y = min(max(int(mark.point[1]), 0), height - 1)
        if mark.radius is None:
            inside = cell_labels == regions[y, x]
        else:
            distance = np.hypot(
                centre_y[:, None] - mark.point[1], centre_x[None, :] - mark.point[0]
            )
            inside = distance <= mark.radius
        inside[min(rows - 1, y * rows // height), min(cols - 1, x * cols // width)] = True
        parts[inside] = names.index(mark.part)
        confidence[inside] = 1.0
        marked |= inside
    return PartCells(parts, confidence, marked)


def full_size(
    cells: PartCells,
    regions: np.ndarray,
    cell_labels: np.ndarray,
    unsplit: frozenset[int],
    ready_parts: frozenset[int],
    small_parts: frozenset[int] = frozenset(),
) -> PartMap:
    """The part map at the size of ``regions``: each closed area whose cells hold one part (as
    region consistency groups them) takes it whole; an area split among parts, and one with no
    cell, takes the nearest cell's part. Confidence is the cells' mean over the area. Made in
    bands of rows: a 36-megapixel drawing never holds more than two bytes per pixel here."""
    height, width = regions.shape
    grouped = grouped_parts(
        cell_labels, cells.parts, unsplit, cells.marked, ready_parts, small_parts
    )
    table = part_table(cell_labels.ravel(), grouped.ravel(), int(regions.max()) + 1)
    single = (table > 0).sum(axis=1) == 1
    region_part = table.argmax(axis=1).astype(np.uint8)
    sums = np.bincount(
        cell_labels.ravel(), weights=cells.confidence.ravel(), minlength=table.shape[0]
    )
    region_confidence = np.rint(255 * sums / np.maximum(table.sum(axis=1), 1)).astype(np.uint8)
    parts = cv2.resize(grouped.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    cell_confidence = np.rint(255 * cells.confidence).clip(0, 255).astype(np.uint8)
    confidence = cv2.resize(cell_confidence, (width, height), interpolation=cv2.INTER_NEAREST)
    for rows in row_bands(regions.shape):
        band = regions[rows]
        whole = single[band]
        parts[rows][whole] = region_part[band[whole]]
        confidence[rows][whole] = region_confidence[band[whole]]
    return PartMap(parts, confidence, load_vocabulary().parts)
