"""The generator's colors, made at a working resolution, brought back to the drawing's own size.

Plain bilinear upsampling blurs every color across the lines that separate two areas, so a
4096-pixel drawing colored at 256² would show a halo of the neighbour's color along every
outline. The full-resolution line art knows where the areas end, so the colors are upsampled
*within* them (label-constrained bilinear interpolation):

1. Every working-resolution pixel ("cell") takes the region label found at its centre in the
   full-resolution segmentation, and a trust that falls with the share of the cell covered by
   lines or region borders (a cell straddling a line holds a mix of both sides and the line).
2. Every full-resolution pixel interpolates bilinearly from its four surrounding cells, but only
   from cells of its own region, weighted by their trust; a crisp edge is where the label
   changes, at full resolution.
3. A pixel whose four cells all lie in other regions (an area thinner than a cell) takes its
   region's trust-weighted mean color; a region no cell centre falls in keeps plain bilinear.

``consistency`` (the request's ``region_consistency``) goes further: each region's chroma and hue
(CIELAB a*, b*) are replaced by its median at the working resolution, its lightness kept, so
the shading stays and no stray color survives inside an area. It is done on the cells, before
upsampling, so it costs almost nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

from colorizer_app.imaging.color import lab_to_srgb, srgb_to_lab
from colorizer_app.imaging.regions import LINE_THRESHOLD

# Full-resolution pixels processed at once, so a 40-megapixel drawing needs a few hundred MB.
_CHUNK_PIXELS = 1 << 20
# A cell counts for its region's median (consistency) when at most this share is line or border.
_CLEAN_CELL = 0.5
# Trust = (1 - share of the cell on lines or borders) ** this: a cell a fifth covered counts a
# sixth as much as a clean one, so the mixed colors along lines hardly spread.
_TRUST_POWER = 8
# Cells with at most this share of line or border are clean; the others are filled from them.
_CLEAN_CELL_FILL = 0.05
# How many cells deep that filling reaches (lines at the working resolution are 1-3 cells wide).
_REACH_RINGS = 4
# Trust never reaches zero: a thin region whose only cells straddle lines still has a color.
_MIN_TRUST = 1e-3


def upsample_color(color: np.ndarray, ink: np.ndarray, regions: np.ndarray, *,
                   consistency: bool = False) -> np.ndarray:
    """(h, w, 3) uint8 colors covering the whole drawing → (H, W, 3) uint8 at the size of the
    ink map (255 = ink) and its region labels (both (H, W))."""
    if ink.shape != regions.shape or color.ndim != 3 or color.shape[2] != 3:
        raise ValueError(f"expected (h, w, 3) colors and matching (H, W) ink and regions, got "
                         f"{color.shape}, {ink.shape}, {regions.shape}")
    height, width = ink.shape
    rows, cols = color.shape[:2]
    cell_labels = regions[_cell_centres(rows, height)][:, _cell_centres(cols, width)]  # (h, w)
    contamination = cv2.resize(_borders(ink, regions), (cols, rows), interpolation=cv2.INTER_AREA)
    trust = np.maximum((1.0 - np.clip(contamination, 0.0, 1.0)) ** _TRUST_POWER, _MIN_TRUST)
    near_border = cv2.dilate(contamination, np.ones((3, 3), np.uint8))
    cells, trust = _reach_lines(color.astype(np.float32), cell_labels, trust.astype(np.float32),
                                near_border <= _CLEAN_CELL_FILL)
    if consistency:
        cells = _consistent(cells, cell_labels, contamination <= _CLEAN_CELL)

    count = int(regions.max()) + 1
    labels_flat, trust_flat, cells_flat = cell_labels.ravel(), trust.ravel(), cells.reshape(-1, 3)
    weight_sum = np.bincount(labels_flat, weights=trust_flat, minlength=count)
    region_mean = np.stack([np.bincount(labels_flat, weights=trust_flat * cells_flat[:, c],
                                        minlength=count) for c in range(3)], axis=1)
    has_cells = weight_sum > 0
    region_mean[has_cells] /= weight_sum[has_cells, None]
    # Where all four cells around a pixel are trusted and of its region, the constrained
    # interpolation is plain bilinear: that is most pixels, and cv2 does it fast.
    bilinear = cv2.resize(cells, (width, height), interpolation=cv2.INTER_LINEAR)
    uniform = _uniform_blocks(cell_labels, trust).ravel()

    y0, y1, wy = _taps(height, rows)
    x0, x1, wx = _taps(width, cols)
    out = np.empty((height, width, 3), dtype=np.uint8)
    step = max(1, _CHUNK_PIXELS // width)
    for top in range(0, height, step):
        band = slice(top, min(height, top + step))
        own = regions[band]  # (r, W)
        first = y0[band, None] * cols + x0[None, :]  # (r, W) the cell up-left of each pixel
        plain = uniform[first] & (labels_flat[first] == own)
        np.clip(np.rint(bilinear[band]), 0, 255, out=bilinear[band])
        out[band] = bilinear[band]
        ys, xs = np.nonzero(~plain)
        label = own[ys, xs]
        ys = ys + top
        total = np.zeros((ys.size, 3), dtype=np.float32)
        weights = np.zeros(ys.size, dtype=np.float32)
        for cy, fy in ((y0[ys], 1.0 - wy[ys]), (y1[ys], wy[ys])):
            for cx, fx in ((x0[xs], 1.0 - wx[xs]), (x1[xs], wx[xs])):
                index = cy * cols + cx
                weight = fy * fx * trust_flat[index] * (labels_flat[index] == label)
                total += weight[:, None] * cells_flat[index]
                weights += weight
        found = weights > 1e-6
        value = total / np.maximum(weights, 1e-6)[:, None]
        lonely = ~found
        value[lonely] = np.where(has_cells[label[lonely]][:, None], region_mean[label[lonely]],
                                 bilinear[ys[lonely], xs[lonely]])
        out[ys, xs] = np.clip(np.rint(value), 0, 255).astype(np.uint8)
    return out


def _uniform_blocks(labels: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """(h, w) bool: the 2×2 block of cells starting here (clipped at the edges) is fully
    trusted and of one region."""
    below = np.concatenate([np.arange(1, labels.shape[0]), [labels.shape[0] - 1]])
    right = np.concatenate([np.arange(1, labels.shape[1]), [labels.shape[1] - 1]])
    uniform = trust >= 1.0
    for block_labels, block_trust in ((labels[below], trust[below]),
                                      (labels[:, right], trust[:, right]),
                                      (labels[below][:, right], trust[below][:, right])):
        uniform &= (block_labels == labels) & (block_trust >= 1.0)
    return uniform


def _cell_centres(cells: int, full: int) -> np.ndarray:
    """Full-resolution index under the centre of each cell."""
    centre = (np.arange(cells) + 0.5) * (full / cells) - 0.5
    return np.clip(np.rint(centre), 0, full - 1).astype(np.int64)


def _taps(full: int, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each full-resolution index: the cells before and after it and the weight of the
    second (the same pixel-centre convention as cv2.resize)."""
    position = (np.arange(full) + 0.5) * (cells / full) - 0.5
    first = np.clip(np.floor(position), 0, cells - 1).astype(np.int64)
    second = np.minimum(first + 1, cells - 1)
    fraction = np.clip(position - first, 0.0, 1.0).astype(np.float32)
    return first, second, fraction


def _borders(ink: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """(H, W) float32: 1 on lines and where the region label changes, else 0."""
    border = ink >= LINE_THRESHOLD
    vertical = regions[1:] != regions[:-1]
    border[1:] |= vertical
    border[:-1] |= vertical
    horizontal = regions[:, 1:] != regions[:, :-1]
    border[:, 1:] |= horizontal
    border[:, :-1] |= horizontal
    return border.astype(np.float32)


def _reach_lines(cells: np.ndarray, labels: np.ndarray, trust: np.ndarray,
                 clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells on lines and borders take the mean color of their clean neighbours of the same
    region, ring after ring inward-out, so an area's own color reaches its outline; they become
    fully trusted. Cells no clean cell of their region reaches keep their color and trust."""
    rows, cols = labels.shape
    valid = clean.copy()
    cells = cells.copy()
    trust = trust.copy()
    for _ in range(_REACH_RINGS):
        todo = ~valid
        if not todo.any():
            break
        total = np.zeros_like(cells)
        count = np.zeros(labels.shape, dtype=np.float32)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == dx == 0:
                    continue
                target = (slice(max(0, -dy), rows - max(0, dy)), slice(max(0, -dx), cols - max(0, dx)))
                source = (slice(max(0, dy), rows - max(0, -dy)), slice(max(0, dx), cols - max(0, -dx)))
                use = valid[source] & (labels[source] == labels[target]) & todo[target]
                total[target] += use[..., None] * cells[source]
                count[target] += use
        reached = count > 0
        if not reached.any():
            break
        cells[reached] = total[reached] / count[reached][:, None]
        trust[reached] = 1.0
        valid |= reached
    return cells, trust


def _consistent(cells: np.ndarray, labels: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Cells with their region's median a*, b* (over its clean cells, or all of them when it has
    none) and their own lightness."""
    lab = srgb_to_lab(cells).reshape(-1, 3)
    flat_labels = labels.ravel()
    count = int(flat_labels.max()) + 1
    voters = clean.ravel()
    has_clean = np.bincount(flat_labels[voters], minlength=count) > 0
    voters = voters | ~has_clean[flat_labels]
    for channel in (1, 2):
        median = _region_median(lab[voters, channel], flat_labels[voters], count)
        lab[:, channel] = median[flat_labels]
    return lab_to_srgb(lab).reshape(cells.shape).astype(np.float32)


def _region_median(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """(count,) the (lower) median of ``values`` per label; 0 for labels without values."""
    order = np.lexsort((values, labels))
    sizes = np.bincount(labels, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    median = np.zeros(count, dtype=np.float64)
    present = sizes > 0
    median[present] = values[order][starts[present] + (sizes[present] - 1) // 2]
    return median
