"""The flat-fill colorizer (``model = flat``): one color per closed area, no neural network.

Artists lay flats first — every area one solid color — and shade on top. This engine does that
from the same hints the networks take: the line art is split into regions that survive small
gaps in the lines (``segment_regions``), and each region takes the color of the strokes whose
centre lines cross it, or of the fill seeded in it (erasers remove what they cover). A region
strokes of several colors cross is shared among them along the lines (``shared_regions``); a
stroke painted over an older one hides it where it covers it. Regions without hints stay
transparent, or take the median color a neural result gave them, so flats can also clean up a
network's output.

The segmentation is cached per ink map: while the artist only paints strokes, a new result
costs drawing the strokes' centre lines and a few array passes.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace

import cv2
import numpy as np

from colorizer_app.imaging.color import hex_to_rgb
from colorizer_app.imaging.hints import Hints, Stroke, rasterize_hints
from colorizer_app.imaging.layers import Layer, composite, lineart_layer
from colorizer_app.imaging.regions import DEFAULT_GAP, LINE_THRESHOLD, segment_regions
from colorizer_app.imaging.shared_regions import split_among_seeds

log = logging.getLogger(__name__)

# A stroke colors a region when its centre line crosses the region's clear paper: ink below
# this, away from the lines' anti-aliased rims, which belong to either side.
_CLEAR_INK = 32
# Stroke points are drawn with this many bits of sub-pixel precision, and clipped this far
# (pixels) outside the drawing so that they fit the drawing routine's integers.
_SUBPIXEL_BITS = 4
_FAR = 1 << 20


@dataclass(frozen=True)
class FlatResult:
    flats: np.ndarray  # (H, W, 4) uint8 RGBA; alpha 0 where a region got no color
    composite: np.ndarray  # (H, W, 4) uint8 RGBA, opaque: the flats under the line art (multiply)
    regions: np.ndarray  # (H, W) int32 labels 1..N, the segmentation the flats follow


@dataclass(frozen=True)
class Decided:
    """The colors the hints decide: regions ``ids`` of ``labels``, and their (K, 3) uint8
    colors. ``labels`` are the ink's regions, except that a region strokes of several colors
    cross is split among them, its parts numbered above the ink's regions."""

    labels: np.ndarray  # (H, W) int32
    ids: np.ndarray  # (K,) int64
    colors: np.ndarray  # (K, 3) uint8


@dataclass(frozen=True)
class _Segmentation:
    """What filling needs from one ink map, whatever the hints and the neural colors."""

    labels: np.ndarray  # (H, W) int32 labels 1..N, read-only
    count: int  # N
    clear: np.ndarray  # (H, W) bool: clear paper, where a stroke's centre line colors a region
    voters: np.ndarray  # flat indices of the pixels a region's median is taken over
    bins: np.ndarray  # per voter, its region's first histogram bin (label × 256), int32

    @classmethod
    def of(cls, ink: np.ndarray, labels: np.ndarray) -> _Segmentation:
        """A region's median is over its paper pixels, or all of its pixels when it is only line."""
        paper = ink < LINE_THRESHOLD
        count = int(labels.max())
        has_paper = np.zeros(count + 1, dtype=bool)
        has_paper[labels[paper]] = True
        # int32 where indices and bins fit (any drawing under the size limit with fewer than
        # 8 million regions): half the memory the cache keeps
        small = (count + 1) * 256 < 2**31 and labels.size < 2**31
        voters = np.flatnonzero(paper | ~has_paper[labels]).astype(np.int32 if small else np.int64)
        bins = labels.ravel()[voters].astype(np.int32 if small else np.int64) * 256
        return cls(labels, count, ink < _CLEAR_INK, voters, bins)


class FlatFill:
    """Segments line art (cached for the last few ink maps) and fills its regions from hints.
    Keep one per worker thread: the cache is not locked."""

    def __init__(self, *, gap: int = DEFAULT_GAP, cache_size: int = 2) -> None:
        self.gap = gap
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, _Segmentation] = OrderedDict()
        self._last_decided: tuple[tuple[bytes, Hints], Decided] | None = None

    def regions(self, ink: np.ndarray) -> np.ndarray:
        """The region labels of an ink map (255 = ink), segmented once per distinct map."""
        return self._segmentation(ink).labels

    def flats(self, ink: np.ndarray, hints: Hints, neural: np.ndarray | None = None) -> np.ndarray:
        """(H, W, 4) uint8 flats for ``ink`` (H, W) uint8, alpha 0 where a region got no color;
        ``neural`` is an optional (H, W, 3|4) uint8 colorization whose per-region median colors
        the regions no hint reaches."""
        segmentation, decided = self._decided(ink, hints)
        labels = decided.labels
        palette = np.zeros(
            (int(labels.max()) + 1, 4), dtype=np.uint8
        )  # row 0 unused: labels start at 1
        if neural is not None:
            if neural.shape[:2] != ink.shape or neural.ndim != 3 or neural.shape[2] not in (3, 4):
                raise ValueError(
                    f"neural result {neural.shape} does not match the ink map {ink.shape}"
                )
            # the parts of shared regions (above the ink's count) are all decided
            palette[: segmentation.count + 1, :3] = _region_medians(segmentation, neural)
            palette[1:, 3] = 255
        palette[decided.ids, :3] = decided.colors
        palette[decided.ids, 3] = 255
        # One 4-byte word per pixel: a far faster gather than one of (H·W, 4) rows.
        return palette.view(np.uint32).ravel()[labels].view(np.uint8).reshape(labels.shape + (4,))

    def decided(self, ink: np.ndarray, hints: Hints) -> Decided:
        """The regions the hints color, as ``flats`` colors them: what region consistency holds
        a network's result to. The last answer is kept: the engine asks for it and for the
        flats of the same strokes, and a tag slider's drag repeats them."""
        return self._decided(ink, hints)[1]

    def _decided(self, ink: np.ndarray, hints: Hints) -> tuple[_Segmentation, Decided]:
        """The segmentation and the decided regions, the ink hashed once."""
        ink_key = _ink_key(ink, self.gap)
        segmentation = self._segmentation(ink, ink_key)
        if self._last_decided is None or self._last_decided[0] != (ink_key, hints):
            self._last_decided = ((ink_key, hints), _decide(segmentation, ink, hints))
        return segmentation, self._last_decided[1]

    def hint_map(
        self, ink: np.ndarray, hints: Hints, out_size: tuple[int, int] | None = None
    ) -> np.ndarray:
        """(h, w, 4) float32 hint map (RGB·mask, mask) of ``hints`` flooded over the regions they
        color, the strokes themselves on top, at ``out_size`` (h, w; default the ink's size):
        the input of networks that take region hints (``UnifiedConfig.region_hints``)."""
        flats = self.flats(ink, hints)
        # Premultiplied and reduced in uint8 (exact: a flat's alpha is 0 or 255), then float:
        # a huge drawing is never held as a full-size float map.
        alpha = np.repeat(flats[..., 3:], 3, axis=2)
        premultiplied = flats.copy()
        premultiplied[..., :3] = cv2.multiply(flats[..., :3], alpha, scale=1 / 255)
        size = ink.shape if out_size is None else out_size
        if premultiplied.shape[:2] != tuple(size):
            premultiplied = cv2.resize(
                premultiplied, (size[1], size[0]), interpolation=cv2.INTER_AREA
            )
        flooded = premultiplied.astype(np.float32) / 255.0
        strokes = rasterize_hints(Hints(strokes=hints.strokes), ink.shape, tuple(size))
        return strokes + (1.0 - strokes[..., 3:]) * flooded

    def __call__(
        self, ink: np.ndarray, hints: Hints, neural: np.ndarray | None = None
    ) -> FlatResult:
        """Flats (see ``flats``) and their composite under the line art."""
        flats = self.flats(ink, hints, neural)
        merged = composite([Layer("flats", flats), lineart_layer(ink)])
        return FlatResult(flats=flats, composite=merged, regions=self.regions(ink))

    def _segmentation(self, ink: np.ndarray, key: bytes | None = None) -> _Segmentation:
        key = _ink_key(ink, self.gap) if key is None else key
        segmentation = self._cache.get(key)
        if segmentation is None:
            labels = segment_regions(ink, gap=self.gap)
            labels.setflags(write=False)
            segmentation = _Segmentation.of(ink, labels)
            self._cache[key] = segmentation
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            log.debug("segmented %s ink map into %d regions", ink.shape, segmentation.count)
        else:
            self._cache.move_to_end(key)
        return segmentation


def _ink_key(ink: np.ndarray, gap: int) -> bytes:
    if ink.ndim != 2 or ink.dtype != np.uint8:
        raise ValueError(f"expected an (H, W) uint8 ink map, got {ink.shape} {ink.dtype}")
    digest = hashlib.sha256(np.ascontiguousarray(ink).data)
    digest.update(repr((ink.shape, gap)).encode())
    return digest.digest()


def _decide(segmentation: _Segmentation, ink: np.ndarray, hints: Hints) -> Decided:
    """The regions the hints color, and their colors.

    A stroke colors the regions its centre line crosses, not every region its brush grazes: a
    wide stroke along an outline spills over it, and the area beyond must stay as it was. A
    stroke hides the older centre lines it paints over, as paint does; a region the remaining
    centre lines of several colors cross is shared among them (``split_among_seeds``), and
    where they are all of one color the latest counts. Strokes lie on top of fills, and an
    eraser removes the stroke cores it covers and the fills whose seed it covers.
    """
    labels = segmentation.labels
    latest = np.zeros(labels.shape, dtype=np.int32)  # per pixel: 1 + index of the latest core
    erased = np.zeros(labels.shape, dtype=bool)
    for index, stroke in enumerate(hints.strokes, start=1):
        if stroke.erase:
            # The eraser's own footprint: the same stroke painted, weakened by its opacity.
            footprint = Hints(strokes=(replace(stroke, erase=False),))
            cover = rasterize_hints(footprint, labels.shape)[..., 3] >= 0.5
            latest[cover] = 0
            erased |= cover
        elif stroke.opacity > 0:
            _draw_footprint(latest, stroke, 0)
            _draw_core(latest, stroke, index)
    chosen: dict[int, tuple[int, int, int]] = {}
    height, width = labels.shape
    for fill in hints.fills:
        column, row = int(np.floor(fill.point[0])), int(np.floor(fill.point[1]))
        if 0 <= row < height and 0 <= column < width and not erased[row, column]:
            chosen[int(labels[row, column])] = hex_to_rgb(fill.color)
    crossed = (latest > 0) & segmentation.clear
    base = len(hints.strokes) + 1
    pairs = np.unique(labels[crossed].astype(np.int64) * base + latest[crossed])
    region, stroke_index = pairs // base, pairs % base  # sorted: per region, latest stroke last
    colors = [hex_to_rgb(stroke.color) for stroke in hints.strokes]
    crossing: dict[int, list[int]] = {}
    for label, index in zip(region.tolist(), stroke_index.tolist(), strict=False):
        crossing.setdefault(label, []).append(index)
    shared = [
        label
        for label, indices in crossing.items()
        if len({colors[index - 1] for index in indices}) > 1
    ]
    for label, indices in crossing.items():
        chosen[label] = colors[indices[-1] - 1]
    if shared:
        seeds = np.where(crossed & np.isin(labels, list(shared)), latest, 0)
        labels, seed_of = split_among_seeds(labels, ink, seeds, np.array(shared))
        for label in shared:
            del chosen[label]
        for label in np.flatnonzero(seed_of).tolist():
            chosen[label] = colors[int(seed_of[label]) - 1]
    regions = np.fromiter(chosen.keys(), dtype=np.int64, count=len(chosen))
    return Decided(labels, regions, np.array(list(chosen.values()), dtype=np.uint8).reshape(-1, 3))


def _draw_footprint(target: np.ndarray, stroke: Stroke, value: int) -> None:
    """Draw the stroke's brush width with ``value``, segment by segment at its pressure."""
    points = np.clip(np.asarray(stroke.points, dtype=np.float64) - 0.5, -_FAR, _FAR)
    points = np.rint(points * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    pressure = np.ones(len(points)) if stroke.pressure is None else np.asarray(stroke.pressure)
    widths = np.maximum(1, np.rint(stroke.width * pressure)).astype(int)
    if len(points) == 1:
        cv2.circle(
            target,
            tuple(points[0].tolist()),
            int(widths[0] << _SUBPIXEL_BITS) // 2,
            value,
            -1,
            cv2.LINE_8,
            _SUBPIXEL_BITS,
        )
    for i in range(len(points) - 1):
        cv2.line(
            target,
            tuple(points[i].tolist()),
            tuple(points[i + 1].tolist()),
            value,
            int(max(widths[i], widths[i + 1])),
            cv2.LINE_8,
            _SUBPIXEL_BITS,
        )


def _draw_core(target: np.ndarray, stroke: Stroke, value: int) -> None:
    """Draw the stroke's centre line, one pixel wide, with ``value`` (points are in the hint
    format's frame, where pixel centres sit at +0.5)."""
    points = np.clip(np.asarray(stroke.points, dtype=np.float64) - 0.5, -_FAR, _FAR)
    points = np.rint(points * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    if len(points) == 1:  # a dab: a line from the point to itself marks its pixel
        points = np.repeat(points, 2, axis=0)
    cv2.polylines(target, [points.reshape(-1, 1, 2)], False, value, 1, cv2.LINE_8, _SUBPIXEL_BITS)


def _region_medians(segmentation: _Segmentation, rgb: np.ndarray) -> np.ndarray:
    """(N + 1, 3) uint8 per-region median color of ``rgb`` (H, W, 3|4) over each region's
    voters, from per-region channel histograms."""
    count = segmentation.count
    medians = np.zeros((count + 1, 3), dtype=np.uint8)
    values = np.take(rgb.reshape(-1, rgb.shape[2]), segmentation.voters, axis=0)  # (P, 3|4)
    for channel in range(3):
        histogram = np.bincount(
            segmentation.bins + values[:, channel], minlength=(count + 1) * 256
        ).reshape(count + 1, 256)
        cumulative = np.cumsum(histogram, axis=1)
        half = np.maximum((cumulative[:, -1:] + 1) // 2, 1)
        medians[:, channel] = np.argmax(cumulative >= half, axis=1)
    return medians
