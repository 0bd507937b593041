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

Region consistency (``RegionConsistency``, for the request's ``region_consistency``) goes
further: each region's chroma and hue (CIELAB a*, b*) are replaced by its median at the working
resolution, its lightness kept, so the shading stays and no stray color survives inside an area.
A region the artist stroked (``decided``: the flat fill's region colors) takes the stroke's
a*, b* instead, and its
lightness moves so that its median is the stroke's, its shading softened (DECIDED_SHADING): the
color the artist asked for, with some of the network's shading. With the network's part map, a
region is split among the parts that hold a fair share of it (a gap in an outline joins a face
with the hair), and the background keeps no shading: white, unless a tag colors it. On the
project's real dev set (unified-small, app defaults) this cut background stains from 0.12 to
0.04 and raised the hair tag landing on hair from 0.82 to 0.89. It is done on the cells, before
upsampling, so it costs almost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from colorizer_app.engine.flatfill import Decided
from colorizer_app.imaging.color import lab_to_srgb, srgb_to_lab
from colorizer_app.imaging.regions import LINE_THRESHOLD

# Full-resolution pixels processed at once, so a 40-megapixel drawing needs a few hundred MB
# (its float RGBA map alone would be 576 MB).
CHUNK_PIXELS = 1 << 20
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
# In a region the artist stroked, the network's lightness departures from the region's median
# are scaled by this. On real line art, unlike its training drawings, the network's "shading" is
# mostly gray blotches (worst on a white fill); at 0.25 a hint of form stays and the area reads
# as the color the artist chose (real drawings' smudging: 0.039 unscaled, 0.005 at 0.5, 0.001).
DECIDED_SHADING = 0.25
# A part gets its own color in a region when it holds at least this share of the region's cells
# (and MIN_PART_CELLS of them); a smaller share is the part head's noise and joins the region's
# largest part. ``RegionConsistency.ready_parts`` split off at READY_SPLIT_SHARE: the face's
# parts (a gap joins a face with the hair and an iris with the face far more often than it joins
# two pieces of clothing) and the parts a tag, palette or reference gives a color (the artist
# asked for that part). On real drawings most other minority shares are the part head's noise
# (real dev set, unified-small: every part at 0.15, background stains 0.029 and the hair tag on
# hair 0.89; at 0.3 but the ready parts at 0.15, 0.021 and 0.93, faces that stay skin and the eye
# tag unchanged; every part at 0.3 let faces take the hair color).
MIN_PART_SHARE = 0.3
READY_SPLIT_SHARE = 0.15
MIN_PART_CELLS = 12
# ``RegionConsistency.small_parts`` (the irises) split off at MIN_PART_CELLS whatever their
# share: an iris whose outline is open joins the face, and is always a small share of it (real
# dev set, unified-small: the eye tag on irises 0.46 at READY_SPLIT_SHARE, 0.65 so; hair, face
# and background unchanged).
# A group the part map puts in one held part but whose network color lies this close (ΔE76) to
# another held part's color, and not to its own part's, keeps the network's color.
CLAIM_DE = 15.0
# A part follows its strokes (``RegionConsistency.stroke_hold``) once the areas they decide
# hold this share of its cells: one blue stroke on a tie the part head took for skin turned a
# whole face blue; at a tenth the face stays, and 16 strokes still rebuild a real illustration
# at ΔE76 9.8 (10.1 without the hold, 9.7 with it at any share).
STROKE_PART_SHARE = 0.1
PAPER_LIGHTNESS = 100.0  # CIELAB L* of white paper (a*, b* 0)


@dataclass(frozen=True)
class RegionConsistency:
    """Region consistency for one upsampling (None where it is off): each region its median
    chroma and hue; the ``decided`` regions, where the artist stroked, their strokes' colors.

    With ``parts`` (the network's part of each cell), a region is first split among the parts
    that hold a fair share of it (``MIN_PART_SHARE``): a gap in an outline joins a face with
    the hair into one region, and one median would give the face the hair's color. Only the
    parts a stroke touches (``stroked`` cells) take a decided color. A part in ``flat_parts``
    (the background) loses its shading, and takes white unless it is decided or in
    ``colored_parts`` (a background tag asks for a color). A part in ``held`` (a tag names its
    color) moves that ``share`` of the way to the color, where no stroke decides it: on real
    drawings the network's tag colors often miss the part the part head finds (an iris). The
    ``marked`` cells keep their part however small their share."""

    decided: Decided | None = None  # the flat fill's, whose regions may split the planned ones
    parts: np.ndarray | None = None  # (h, w) int: each cell's part index
    stroked: np.ndarray | None = None  # (h, w) bool: cells a stroke or fill covers
    flat_parts: frozenset[int] = frozenset()
    colored_parts: frozenset[int] = frozenset()
    held: Mapping[int, HeldColor] = field(default_factory=dict)
    marked: np.ndarray | None = None  # (h, w) bool: cells whose part the artist set
    ready_parts: frozenset[int] = frozenset()  # split off a region at READY_SPLIT_SHARE
    small_parts: frozenset[int] = frozenset()  # split off a region at MIN_PART_CELLS alone
    # How far the areas no stroke reaches of a part a stroke decides somewhere move to the
    # strokes' color in that part (a yielding hold, as a tag's): one stroke on a lock colors
    # the hair.
    stroke_hold: float = 0.0


@dataclass(frozen=True)
class HeldColor:
    """The color a part is held to, in CIELAB, and how far (0: the network's, 1: the color).
    A ``yielding`` hold (a tag's, a reference's) leaves an area the network colors as another
    yielding hold's part, unless the artist marked the area's part; a character palette's never
    yields: its point is one color on every page."""

    lab: tuple[float, float, float]
    share: float
    yielding: bool = False


def upsample_color(
    color: np.ndarray,
    ink: np.ndarray,
    regions: np.ndarray,
    consistency: RegionConsistency | None = None,
) -> np.ndarray:
    """(h, w, 3) uint8 colors covering the whole drawing → (H, W, 3) uint8 at the size of the
    ink map (255 = ink) and its region labels (both (H, W))."""
    if color.ndim != 3 or color.shape[2] != 3:
        raise ValueError(f"expected (h, w, 3) colors, got {color.shape}")
    return RegionUpsampler(ink, regions, color.shape[:2])(color, consistency)


class RegionUpsampler:
    """The upsampling of one drawing from one working size, planned once.

    Which cells a pixel may draw from, and with what weight, depends only on the line art, its
    regions and the working size; only the colors change while an artist drags a tag slider. So
    everything but the colors is computed here once: the cells' labels and trust, which cells the
    line-reaching fill averages, and, for every pixel that is not plain bilinear, its four taps
    and weights. A call then costs a resize and a few gathers. The plan keeps 28 bytes per
    pixel that is not plain bilinear: a sixth to two fifths of them, 4–12 MB at 1024².
    """

    def __init__(self, ink: np.ndarray, regions: np.ndarray, cells: tuple[int, int]) -> None:
        if ink.shape != regions.shape or ink.ndim != 2:
            raise ValueError(
                f"expected matching (H, W) ink and regions, got {ink.shape}, {regions.shape}"
            )
        height, width = self.size = ink.shape
        rows, cols = self.cells = cells
        self._centres = (_cell_centres(rows, height), _cell_centres(cols, width))
        labels = regions[self._centres[0]][:, self._centres[1]]  # (h, w)
        contamination = cv2.resize(
            _borders(ink, regions), (cols, rows), interpolation=cv2.INTER_AREA
        )
        trust = np.maximum((1.0 - np.clip(contamination, 0.0, 1.0)) ** _TRUST_POWER, _MIN_TRUST)
        trust = trust.astype(np.float32)
        near_border = cv2.dilate(contamination, np.ones((3, 3), np.uint8))
        self._rings = _reach_plan(labels, near_border <= _CLEAN_CELL_FILL)
        for ring in self._rings:
            trust.ravel()[ring.reached] = 1.0
        self._labels = labels
        self._clean = contamination <= _CLEAN_CELL  # the cells that vote for consistency
        self._trust = trust.ravel()
        self._weight_sum = np.bincount(
            labels.ravel(), weights=self._trust, minlength=int(regions.max()) + 1
        )
        self._plan_pixels(regions, _uniform_blocks(labels, trust).ravel())

    @property
    def cell_labels(self) -> np.ndarray:
        """(h, w) the full-resolution region label at each cell's centre."""
        return self._labels

    def _plan_pixels(self, regions: np.ndarray, uniform: np.ndarray) -> None:
        """The pixels that are not plain bilinear: where all four cells around a pixel are
        trusted and of its region, the constrained interpolation is plain bilinear (most pixels,
        and cv2 does those fast); the others interpolate from the cells of their own region."""
        height, width = self.size
        rows, cols = self.cells
        labels_flat = self._labels.ravel()
        y0, y1, wy = _taps(height, rows)
        x0, x1, wx = _taps(width, cols)
        pixels, corners, weights, sums, lonely, lonely_labels = [], [], [], [], [], []
        step = max(1, CHUNK_PIXELS // width)
        for top in range(0, height, step):
            band = slice(top, min(height, top + step))
            own = regions[band]  # (r, W)
            first = y0[band, None] * cols + x0[None, :]  # (r, W) the cell up-left of each pixel
            plain = uniform[first] & (labels_flat[first] == own)
            ys, xs = np.nonzero(~plain)
            label = own[ys, xs]
            ys = ys + top
            taps = []
            total = np.zeros(ys.size, dtype=np.float32)
            for cy, fy in ((y0[ys], 1.0 - wy[ys]), (y1[ys], wy[ys])):
                for cx, fx in ((x0[xs], 1.0 - wx[xs]), (x1[xs], wx[xs])):
                    index = cy * cols + cx
                    weight = fy * fx * self._trust[index] * (labels_flat[index] == label)
                    taps.append(weight)
                    total += weight
            found = total > 1e-6
            flat = ys * width + xs
            pixels.append(flat[found])
            # The up-left cell in a grid padded by one row and column, which then holds the
            # other three taps at fixed offsets (the edge cells repeat, as the taps clamp).
            corners.append(y0[ys[found]] * (cols + 1) + x0[xs[found]])
            weights.append(np.stack([weight[found] for weight in taps]))
            sums.append(total[found])
            # A pixel whose four cells all lie in other regions takes its region's mean color;
            # in a region no cell centre falls in it keeps plain bilinear.
            alone = ~found & (self._weight_sum[label] > 0)
            lonely.append(flat[alone])
            lonely_labels.append(label[alone])
        # Flat indices in int32 where they fit (any drawing under the size limit): the plan is
        # most of what a huge drawing's upsampling keeps.
        index = np.int32 if height * width < 2**31 else np.int64
        self._pixels = np.concatenate(pixels).astype(index)
        self._corners = np.concatenate(corners).astype(np.int32)
        self._weights = np.concatenate(weights, axis=1)  # (4, n) per tap
        self._sums = np.concatenate(sums)
        self._lonely = np.concatenate(lonely)
        self._lonely_labels = np.concatenate(lonely_labels)

    def __call__(
        self, color: np.ndarray, consistency: RegionConsistency | None = None
    ) -> np.ndarray:
        """(h, w, 3) uint8 colors at the planned working size → (H, W, 3) uint8."""
        if color.shape != self.cells + (3,):
            raise ValueError(f"expected {self.cells + (3,)} colors, got {color.shape}")
        height, width = self.size
        rows, cols = self.cells
        # Channel-planar cells: gathering from one contiguous channel at a time is several
        # times faster than gathering (n, 3) rows.
        planar = color.transpose(2, 0, 1).astype(np.float32).reshape(3, -1)
        _reach_lines(planar, self._rings)
        cells = np.ascontiguousarray(planar.T).reshape(rows, cols, 3)
        if consistency is not None:
            decided = consistency.decided
            labels = (
                self._labels
                if decided is None
                else decided.labels[self._centres[0]][:, self._centres[1]]
            )
            cells = _consistent(cells, labels, self._clean, consistency)
        bilinear = cv2.resize(cells, (width, height), interpolation=cv2.INTER_LINEAR)
        # Colors are never negative, so this rounds half to even and clips to 0..255 in one pass.
        out = cv2.convertScaleAbs(bilinear).reshape(height, width, 3)
        del bilinear
        out_flat = out.reshape(-1, 3)
        padded = cv2.copyMakeBorder(cells, 0, 1, 0, 1, cv2.BORDER_REPLICATE)
        padded = np.ascontiguousarray(padded.transpose(2, 0, 1)).reshape(3, -1)
        for start in range(0, self._pixels.size, CHUNK_PIXELS):
            part = slice(start, start + CHUNK_PIXELS)
            taps = [self._corners[part] + offset for offset in (0, 1, cols + 1, cols + 2)]
            weights, sums = self._weights[:, part], self._sums[part]
            value = np.empty((3, sums.size), dtype=np.float32)
            scratch = np.empty(sums.size, dtype=np.float32)
            for channel, total in zip(padded, value, strict=False):
                np.take(channel, taps[0], out=total)
                total *= weights[0]
                for tap, weight in zip(taps[1:], weights[1:], strict=False):
                    np.take(channel, tap, out=scratch)
                    scratch *= weight
                    total += scratch
                total /= sums
            rounded = cv2.convertScaleAbs(value)
            for index in range(3):
                out_flat[self._pixels[part], index] = rounded[index]
        if self._lonely.size:
            cells_flat = cells.reshape(-1, 3)
            labels_flat = self._labels.ravel()
            region_mean = np.stack(
                [
                    np.bincount(
                        labels_flat,
                        weights=self._trust * cells_flat[:, c],
                        minlength=self._weight_sum.size,
                    )
                    for c in range(3)
                ],
                axis=1,
            )
            mean = (
                region_mean[self._lonely_labels] / self._weight_sum[self._lonely_labels, None]
            ).astype(np.float32)
            out_flat[self._lonely] = np.clip(np.rint(mean), 0, 255).astype(np.uint8)
        return out


def row_bands(shape: tuple[int, ...]) -> list[slice]:
    """Row slices of about CHUNK_PIXELS pixels each: full-size work, a band at a time."""
    height, width = shape[:2]
    step = max(1, CHUNK_PIXELS // max(width, 1))
    return [slice(top, min(height, top + step)) for top in range(0, height, step)]


def _uniform_blocks(labels: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """(h, w) bool: the 2×2 block of cells starting here (clipped at the edges) is fully
    trusted and of one region."""
    below = np.concatenate([np.arange(1, labels.shape[0]), [labels.shape[0] - 1]])
    right = np.concatenate([np.arange(1, labels.shape[1]), [labels.shape[1] - 1]])
    uniform = trust >= 1.0
    for block_labels, block_trust in (
        (labels[below], trust[below]),
        (labels[:, right], trust[:, right]),
        (labels[below][:, right], trust[below][:, right]),
    ):
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


@dataclass(frozen=True)
class _Ring:
    """One ring of the line-reaching fill: the cells it sets (flat indices), how many clean
    neighbours each averages, and per direction which of them take which neighbour."""

    reached: np.ndarray
    count: np.ndarray
    moves: tuple[tuple[np.ndarray, np.ndarray], ...]  # (positions in ``reached``, source cells)


def _reach_plan(labels: np.ndarray, clean: np.ndarray) -> list[_Ring]:
    """Cells on lines and borders take the mean color of their clean neighbours of the same
    region, ring after ring inward-out, so an area's own color reaches its outline; they become
    fully trusted. Cells no clean cell of their region reaches keep their color and trust.
    Which cells average which depends only on the labels, so it is planned here once."""
    rows, cols = labels.shape
    index = np.arange(rows * cols).reshape(rows, cols)
    valid = clean.copy()
    rings = []
    for _ in range(_REACH_RINGS):
        todo = ~valid
        if not todo.any():
            break
        count = np.zeros(labels.shape, dtype=np.float32)
        uses = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == dx == 0:
                    continue
                target = (
                    slice(max(0, -dy), rows - max(0, dy)),
                    slice(max(0, -dx), cols - max(0, dx)),
                )
                source = (
                    slice(max(0, dy), rows - max(0, -dy)),
                    slice(max(0, dx), cols - max(0, -dx)),
                )
                use = valid[source] & (labels[source] == labels[target]) & todo[target]
                count[target] += use
                uses.append((index[target][use], index[source][use]))
        reached = count > 0
        if not reached.any():
            break
        flat_reached = np.flatnonzero(reached)
        position = np.empty(rows * cols, dtype=np.intp)
        position[flat_reached] = np.arange(flat_reached.size)
        rings.append(
            _Ring(
                flat_reached,
                count.ravel()[flat_reached],
                tuple((position[target], source) for target, source in uses),
            )
        )
        valid |= reached
    return rings


def _reach_lines(cells: np.ndarray, rings: list[_Ring]) -> None:
    """Applies the planned rings to (3, h·w) float32 channel-planar cells in place; each ring
    reads the colors the previous one left."""
    for ring in rings:
        for channel in cells:
            total = np.zeros(ring.reached.size, dtype=np.float32)
            for position, source in ring.moves:
                total[position] += channel[source]
            channel[ring.reached] = total / ring.count


def _consistent(
    cells: np.ndarray, labels: np.ndarray, clean: np.ndarray, rules: RegionConsistency
) -> np.ndarray:
    """Cells with their group's median a*, b* (over its clean cells, or all of them when it has
    none) and their own lightness; a group is a region, or a region's share of one part (see
    ``RegionConsistency``). A decided group takes the decided a*, b*, and a lightness whose
    median is the decided one and whose departures from it are DECIDED_SHADING times the
    network's; a flat part's group keeps no shading, and one not colored turns paper white."""
    lab = srgb_to_lab(cells).reshape(-1, 3)
    groups, region_of, part_of = _groups(
        labels, rules.parts, rules.flat_parts, rules.marked, rules.ready_parts, rules.small_parts
    )
    count = region_of.size
    voters = clean.ravel()
    has_clean = np.bincount(groups[voters], minlength=count) > 0
    voters = voters | ~has_clean[groups]
    medians = np.stack(
        [_region_median(lab[voters, c], groups[voters], count) for c in range(3)], axis=1
    )  # (count, 3)
    centre = medians[:, 0].copy()  # the lightness each group's shading is centred on
    shading = np.ones(count)  # how much of the network's departure from its median stays
    decided_groups = np.zeros(count, bool)
    if rules.decided is not None:
        color_of = np.full((int(region_of.max()) + 1, 3), np.nan)
        ids = rules.decided.ids
        inside = ids <= region_of.max()  # a region no cell centre falls in has no cells to move
        color_of[ids[inside]] = srgb_to_lab(rules.decided.colors[inside]).astype(np.float64)
        decided_groups = _stroked_groups(groups, region_of, rules.stroked) & ~np.isnan(
            color_of[region_of, 0]
        )
        target = color_of[region_of[decided_groups]]
        centre[decided_groups] = target[:, 0]
        shading[decided_groups] = DECIDED_SHADING
        medians[decided_groups, 1:] = target[:, 1:]
    # A part a stroke decides somewhere is left to the strokes: they say what its colors are.
    held = {p: c for p, c in rules.held.items() if not (decided_groups & (part_of == p)).any()}
    if rules.stroke_hold > 0:
        sizes = np.bincount(groups, minlength=count)
        lab_of = np.column_stack([centre, medians[:, 1:]])
        held.update(_held_by_strokes(lab_of, sizes, decided_groups, part_of, rules))
    claimed = _claimed_by_others(centre, medians, part_of, held)
    if rules.marked is not None:  # the artist said what these are: no network color overrules
        claimed &= np.bincount(groups[rules.marked.ravel()], minlength=count) == 0
    for part, color in held.items():
        chosen = (part_of == part) & ~claimed & ~decided_groups
        target = np.asarray(color.lab, np.float64)
        centre[chosen] += color.share * (target[0] - centre[chosen])
        medians[chosen, 1:] += color.share * (target[1:] - medians[chosen, 1:])
        shading[chosen] = 1.0 - color.share * (1.0 - DECIDED_SHADING)
    if rules.flat_parts:
        flat = np.isin(part_of, list(rules.flat_parts)) & ~decided_groups
        shading[flat] = 0.0
        paper = flat & ~np.isin(part_of, list(rules.colored_parts | held.keys()))
        centre[paper], medians[paper, 1:] = PAPER_LIGHTNESS, 0.0
    lab[:, 0] = centre[groups] + shading[groups] * (lab[:, 0] - medians[groups, 0])
    lab[:, 1:] = medians[groups, 1:]
    return lab_to_srgb(lab).reshape(cells.shape).astype(np.float32)


def _held_by_strokes(
    lab_of: np.ndarray,
    sizes: np.ndarray,
    decided: np.ndarray,
    part_of: np.ndarray,
    rules: RegionConsistency,
) -> dict[int, HeldColor]:
    """A yielding hold, ``rules.stroke_hold`` of the way, for each part but the flat ones
    whose decided groups hold STROKE_PART_SHARE of its cells: to their median CIELAB color,
    each counted by its cells (``lab_of`` and ``sizes`` per group). No other hold names these
    parts: a hold gives way to the strokes of its part."""
    held = {}
    for part in np.unique(part_of[decided & (part_of >= 0)]):
        if int(part) in rules.flat_parts:
            continue
        chosen = decided & (part_of == part)
        if sizes[chosen].sum() < STROKE_PART_SHARE * sizes[part_of == part].sum():
            continue  # a stroke on a piece the part head mistook (a tie taken for skin)
        cells = np.repeat(lab_of[chosen], sizes[chosen], axis=0)
        lab = np.median(cells, axis=0)
        held[int(part)] = HeldColor((lab[0], lab[1], lab[2]), rules.stroke_hold, True)
    return held


def _claimed_by_others(
    centre: np.ndarray, medians: np.ndarray, part_of: np.ndarray, held: Mapping[int, HeldColor]
) -> np.ndarray:
    """(groups,) bool: the groups of a part with a yielding hold whose network color is within
    CLAIM_DE of another yielding hold's color and not within it of their own part's: the part
    head took a thin part for its neighbour (gloves for skin), and the network's colors say
    which it is."""
    held = {part: color for part, color in held.items() if color.yielding}
    if len(held) < 2:
        return np.zeros(part_of.size, bool)
    current = np.column_stack([centre, medians[:, 1:]])
    targets = {part: np.asarray(color.lab, np.float64) for part, color in held.items()}
    distance = {part: np.linalg.norm(current - lab, axis=1) for part, lab in targets.items()}
    claimed = np.zeros(part_of.size, bool)
    for part in held:
        own = part_of == part
        near_other = np.min([d for p, d in distance.items() if p != part], axis=0) < CLAIM_DE
        claimed |= own & near_other & (distance[part] >= CLAIM_DE)
    return claimed


def _groups(
    labels: np.ndarray,
    parts: np.ndarray | None,
    unsplit: frozenset[int] = frozenset(),
    marked: np.ndarray | None = None,
    ready_parts: frozenset[int] = frozenset(),
    small_parts: frozenset[int] = frozenset(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group of each cell, region of each group, part of each group; -1 without parts). A
    group is a region's cells of one part that holds MIN_PART_SHARE of it (READY_SPLIT_SHARE for
    ``ready_parts``, any share for ``small_parts``) and MIN_PART_CELLS; the cells of a smaller
    part join the region's largest part, unless the artist ``marked`` them. Labels, parts and
    marked are (h, w)."""
    if parts is None:
        regions = np.arange(int(labels.max()) + 1)
        return labels.ravel(), regions, np.full(regions.size, -1)
    if unsplit:
        parts = _fill_unsplit(labels, parts, unsplit, marked)
    labels, parts = labels.ravel(), parts.ravel().astype(np.int64)
    table = part_table(labels, parts)
    n_parts = table.shape[1]
    size = table.sum(axis=1, keepdims=True)
    share = np.full(n_parts, MIN_PART_SHARE)
    share[[p for p in ready_parts if p < n_parts]] = READY_SPLIT_SHARE
    share[[p for p in small_parts if p < n_parts]] = 0.0
    own = (table >= MIN_PART_CELLS) & (table >= share * size)
    own[np.arange(table.shape[0]), table.argmax(axis=1)] = True
    keep = own[labels, parts] if marked is None else own[labels, parts] | marked.ravel()
    part = np.where(keep, parts, table.argmax(axis=1)[labels])
    keys, groups = np.unique(labels * n_parts + part, return_inverse=True)
    return groups.astype(np.int64), keys // n_parts, keys % n_parts


def part_table(labels: np.ndarray, parts: np.ndarray, regions: int = 0) -> np.ndarray:
    """(regions, parts) how many cells of each part each region holds (flat labels, parts); at
    least ``regions`` rows."""
    n_parts = int(parts.max()) + 1
    rows = max(int(labels.max()) + 1, regions)
    table = np.bincount(labels * n_parts + parts, minlength=rows * n_parts)
    return table.reshape(-1, n_parts)


def grouped_parts(
    labels: np.ndarray,
    parts: np.ndarray,
    unsplit: frozenset[int] = frozenset(),
    marked: np.ndarray | None = None,
    ready_parts: frozenset[int] = frozenset(),
    small_parts: frozenset[int] = frozenset(),
) -> np.ndarray:
    """(h, w) each cell's part as region consistency groups the cells (``_groups``)."""
    groups, _, part_of = _groups(labels, parts, unsplit, marked, ready_parts, small_parts)
    return part_of[groups].reshape(labels.shape)


def _fill_unsplit(
    labels: np.ndarray, parts: np.ndarray, unsplit: frozenset[int], marked: np.ndarray | None
) -> np.ndarray:
    """(h, w) parts where the cells of an ``unsplit`` part in a region it is not the largest
    part of (and the artist did not mark) take the part of the nearest cell of another part:
    the part head's background inside a face is a hole in the face, not paper."""
    parts = parts.astype(np.int64)
    table = part_table(labels.ravel(), parts.ravel())
    loose = np.isin(parts, list(unsplit))
    holes = loose & (table.argmax(axis=1)[labels] != parts)
    if marked is not None:
        holes &= ~marked
    if not holes.any() or loose.all():
        return parts
    _, nearest = cv2.distanceTransformWithLabels(
        loose.astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    part_of_source = np.zeros(int(nearest.max()) + 1, np.int64)
    part_of_source[nearest[~loose]] = parts[~loose]
    filled = parts.copy()
    filled[holes] = part_of_source[nearest[holes]]
    return filled


def _stroked_groups(
    groups: np.ndarray, region_of: np.ndarray, stroked: np.ndarray | None
) -> np.ndarray:
    """(groups,) bool: the groups a stroke decides — those with stroked cells, and every group
    of a region where no cell is stroked (a stroke thinner than a cell still decides it)."""
    if stroked is None:
        return np.ones(region_of.size, bool)
    hit = np.bincount(groups[stroked.ravel()], minlength=region_of.size) > 0
    region_hit = np.bincount(region_of, weights=hit, minlength=int(region_of.max()) + 1) > 0
    return hit | ~region_hit[region_of]


def _region_median(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """(count,) the (lower) median of ``values`` per label; 0 for labels without values."""
    order = np.lexsort((values, labels))
    sizes = np.bincount(labels, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    median = np.zeros(count, dtype=np.float64)
    present = sizes > 0
    median[present] = values[order][starts[present] + (sizes[present] - 1) // 2]
    return median
