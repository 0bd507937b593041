"""Color hints: the one JSON format (docs/architecture.md §3) and the one rasterizer every consumer
shares.

The canvas, project files, the CLI, the training simulations and the scoreboard all describe hints
as strokes and fills in line-art pixel coordinates, and all turn them into the same 4-channel hint
map (RGB × mask, mask) through ``rasterize_hints`` — so a model sees at inference exactly what it
was trained on, at whatever resolution it works.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import cv2
import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import hex_to_rgb
from colorizer_app.imaging.json_file import read_json_file
from colorizer_app.vocabulary import load_vocabulary

FILL_DISC_RADIUS = 4.0  # source pixels: a fill's footprint when no region map is at hand
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_STROKE_KEYS = {"color", "width", "points", "pressure", "opacity", "erase"}
_FILL_KEYS = {"color", "point"}
_PART_KEYS = {"part", "point", "radius"}
T = TypeVar("T")


class HintsError(ColorizerError):
    """Hints that do not follow the format; the message names the source and the problem."""


def _finite_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise HintsError(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _color(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise HintsError(f"{what} must be a '#rrggbb' color, not {value!r}")
    return value.lower()


def _point(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise HintsError(f"{what} must be an [x, y] pair, not {value!r}")
    return _finite_number(value[0], what), _finite_number(value[1], what)


@dataclass(frozen=True)
class Stroke:
    """A painted polyline; width is in source pixels and is multiplied per point by pressure."""

    color: str
    width: float
    points: tuple[tuple[float, float], ...]
    pressure: tuple[float, ...] | None = None
    opacity: float = 1.0
    erase: bool = False

    def __post_init__(self) -> None:
        _color(self.color, "stroke color")
        if _finite_number(self.width, "stroke width") <= 0:
            raise HintsError(f"stroke width must be positive, not {self.width}")
        if not self.points:
            raise HintsError("a stroke needs at least one point")
        for point in self.points:
            _point(point, "stroke point")
        if self.pressure is not None:
            if len(self.pressure) != len(self.points):
                raise HintsError(
                    f"a stroke has {len(self.points)} points but "
                    f"{len(self.pressure)} pressure values"
                )
            if any(_finite_number(p, "pressure") < 0 for p in self.pressure):
                raise HintsError("pressure values must not be negative")
        if not 0.0 <= _finite_number(self.opacity, "stroke opacity") <= 1.0:
            raise HintsError(f"stroke opacity must lie in [0, 1], not {self.opacity}")
        if not isinstance(self.erase, bool):
            raise HintsError(f"stroke erase must be true or false, not {self.erase!r}")

    @staticmethod
    def from_json(obj: Any) -> Stroke:
        _check_fields(obj, "stroke", _STROKE_KEYS, ("color", "width", "points"))
        points = obj["points"]
        if not isinstance(points, list):
            raise HintsError("stroke points must be a list of [x, y] pairs")
        pressure = obj.get("pressure")
        if pressure is not None:
            if not isinstance(pressure, list):
                raise HintsError("stroke pressure must be a list of numbers")
            pressure = tuple(_finite_number(p, "pressure") for p in pressure)
        return Stroke(
            color=_color(obj["color"], "stroke color"),
            width=_finite_number(obj["width"], "stroke width"),
            points=tuple(_point(p, "stroke point") for p in points),
            pressure=pressure,
            opacity=_finite_number(obj.get("opacity", 1.0), "stroke opacity"),
            erase=obj.get("erase", False),
        )

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "color": self.color,
            "width": self.width,
            "points": [list(p) for p in self.points],
        }
        if self.pressure is not None:
            obj["pressure"] = list(self.pressure)
        obj["opacity"] = self.opacity
        obj["erase"] = self.erase
        return obj


@dataclass(frozen=True)
class Fill:
    """Fill the region under ``point`` (x, y in source pixels) with ``color``."""

    color: str
    point: tuple[float, float]

    def __post_init__(self) -> None:
        _color(self.color, "fill color")
        _point(self.point, "fill point")

    @staticmethod
    def from_json(obj: Any) -> Fill:
        _check_fields(obj, "fill", _FILL_KEYS, ("color", "point"))
        return Fill(
            color=_color(obj["color"], "fill color"), point=_point(obj["point"], "fill point")
        )

    def to_json(self) -> dict[str, Any]:
        return {"color": self.color, "point": list(self.point)}


@dataclass(frozen=True)
class PartMark:
    """The artist's correction of the part map: ``part`` (one of the vocabulary's parts) is what
    the closed area under ``point`` (x, y in source pixels) is, whatever the network thinks;
    with a ``radius``, only what lies within that many pixels of the point (a brushed mark, for
    an iris whose outline has a gap into the face)."""

    part: str
    point: tuple[float, float]
    radius: float | None = None

    def __post_init__(self) -> None:
        parts = load_vocabulary().parts
        if self.part not in parts:
            raise HintsError(f"unknown part '{self.part}' (the parts: {', '.join(parts)})")
        _point(self.point, "part point")
        if self.radius is not None and not (_finite_number(self.radius, "part mark radius") > 0):
            raise HintsError(f"a part mark's radius must be positive, not {self.radius!r}")

    @staticmethod
    def from_json(obj: Any) -> PartMark:
        _check_fields(obj, "part mark", _PART_KEYS, ("part", "point"))
        if not isinstance(obj["part"], str):
            raise HintsError("a part mark's part must be a name")
        radius = obj.get("radius")
        return PartMark(
            part=obj["part"],
            point=_point(obj["point"], "part point"),
            radius=None if radius is None else _finite_number(radius, "part mark radius"),
        )

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"part": self.part, "point": list(self.point)}
        if self.radius is not None:
            obj["radius"] = self.radius
        return obj


@dataclass(frozen=True)
class Hints:
    """Everything the user painted: strokes (applied in order), region fills, and part marks
    (corrections of the part map, which color nothing by themselves)."""

    strokes: tuple[Stroke, ...] = ()
    fills: tuple[Fill, ...] = ()
    parts: tuple[PartMark, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No color hints (part marks give no color)."""
        return not self.strokes and not self.fills

    @staticmethod
    def from_json(obj: Any) -> Hints:
        """Parse the docs/architecture.md §3 structure; raises HintsError saying what is wrong."""
        if not isinstance(obj, Mapping):
            raise HintsError(f"hints must be a JSON object, not {type(obj).__name__}")
        unknown = set(obj) - {"strokes", "fills", "parts"}
        if unknown:
            raise HintsError(f"unknown hint field(s): {', '.join(sorted(unknown))}")
        return Hints(
            _parsed(obj, "strokes", "stroke", Stroke.from_json),
            _parsed(obj, "fills", "fill", Fill.from_json),
            _parsed(obj, "parts", "part mark", PartMark.from_json),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "strokes": [s.to_json() for s in self.strokes],
            "fills": [f.to_json() for f in self.fills],
            "parts": [p.to_json() for p in self.parts],
        }

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Hints:
        """Read a hints JSON file; any problem becomes a HintsError naming the file."""
        return read_json_file(path, "hints", Hints.from_json, HintsError)


def _check_fields(obj: Any, what: str, allowed: set[str], required: tuple[str, ...]) -> None:
    """Raises HintsError unless ``obj`` is an object with ``required`` and only ``allowed``
    fields."""
    if not isinstance(obj, Mapping):
        raise HintsError(f"a {what} must be an object, not {type(obj).__name__}")
    unknown = set(obj) - allowed
    if unknown:
        raise HintsError(f"unknown {what} field(s): {', '.join(sorted(unknown))}")
    for key in required:
        if key not in obj:
            raise HintsError(f"a {what} lacks '{key}'")


def _parsed(
    obj: Mapping[str, Any], key: str, what: str, parse: Callable[[Any], T]
) -> tuple[T, ...]:
    """The list under ``key`` (absent: none), each item parsed; errors name the item."""
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise HintsError(f"'{key}' must be a list")
    parsed = []
    for i, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except HintsError as error:
            raise HintsError(f"{what} {i}: {error}") from None
    return tuple(parsed)


def _stroke_coverage(
    stroke: Stroke, shape: tuple[int, int], sx: float, sy: float, rows: slice | None = None
) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of one stroke: the union of tapered capsules per segment.

    Coverage is ``radius − distance + 0.5`` clipped to [0, 1] (a one-pixel ramp), with the radius
    interpolated along each segment, so pressure changes the width smoothly. Taking the maximum
    over segments keeps a self-overlapping stroke from doubling its opacity.
    """
    h, w = shape
    top, bottom = (0, h) if rows is None else (rows.start, rows.stop)
    cover = np.zeros((bottom - top, w), np.float32)  # the rows asked for only
    scale = (sx + sy) / 2
    pts = np.array(stroke.points, np.float64) * (sx, sy)
    pressure = np.ones(len(pts)) if stroke.pressure is None else np.array(stroke.pressure)
    radii = np.maximum(stroke.width * scale * pressure / 2, 0.0)
    # Pixel centres sit at integer coordinates + 0.5 in the continuous frame of the points.
    pts = pts - 0.5
    segments = [(0, 0)] if len(pts) == 1 else [(i, i + 1) for i in range(len(pts) - 1)]
    for i, j in segments:
        (ax, ay), (bx, by), ra, rb = pts[i], pts[j], radii[i], radii[j]
        reach = max(ra, rb) + 1.0
        x0, x1 = int(math.floor(min(ax, bx) - reach)), int(math.ceil(max(ax, bx) + reach)) + 1
        y0, y1 = int(math.floor(min(ay, by) - reach)), int(math.ceil(max(ay, by) + reach)) + 1
        x0, x1, y0, y1 = max(x0, 0), min(x1, w), max(y0, top), min(y1, bottom)
        if x0 >= x1 or y0 >= y1:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = (
            np.zeros_like(xs)
            if length2 == 0
            else np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0, 1)
        )
        dist = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
        radius = ra + t * (rb - ra)
        local = np.clip(radius - dist + 0.5, 0.0, 1.0).astype(np.float32)
        window = cover[y0 - top : y1 - top, x0:x1]
        np.maximum(window, local, out=window)
    return cover


def _fill_coverage(
    fill: Fill,
    source_size: tuple[int, int],
    shape: tuple[int, int],
    regions: np.ndarray | None,
    rows: slice | None = None,
) -> np.ndarray | None:
    sh, sw = source_size
    x, y = fill.point
    col, row = int(math.floor(x)), int(math.floor(y))
    if not (0 <= row < sh and 0 <= col < sw):
        return None  # a seed off the drawing selects nothing
    if regions is None:
        disc = Stroke(color=fill.color, width=2 * FILL_DISC_RADIUS, points=((x, y),))
        return _stroke_coverage(disc, shape, shape[1] / sw, shape[0] / sh, rows)
    label = regions[row, col]
    if tuple(regions.shape[:2]) == tuple(shape):
        return (regions[rows or slice(None)] == label).astype(np.float32)
    mask = cv2.resize(
        (regions == label).astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST
    )
    return mask[rows or slice(None)].astype(np.float32)


def rasterize_hints(
    hints: Hints,
    source_size: tuple[int, int],
    out_size: tuple[int, int] | None = None,
    regions: np.ndarray | None = None,
    rows: slice | None = None,
) -> np.ndarray:
    """The (h, w, 4) float32 hint map: RGB in [0, 1] multiplied by the mask, and the mask.

    Sizes are (height, width); coordinates and widths are in ``source_size`` pixels and scale to
    ``out_size``. Fills come first (they paint whole areas), then strokes in order on top, each
    composited "over" with its opacity; an erase stroke removes what lies beneath it. ``regions``
    is an int label map of ``source_size``: a fill takes the whole region under its seed, without
    it a small disc. ``rows`` (a slice of ``out_size``'s rows, step 1) gives only those rows, the
    same as the whole map's: a huge map can be made a band at a time.
    """
    sh, sw = source_size
    oh, ow = out_size if out_size is not None else source_size
    if regions is not None and regions.shape[:2] != (sh, sw):
        raise ValueError(f"regions {regions.shape[:2]} do not match the source size {(sh, sw)}")
    band = range(oh)[rows] if rows is not None else range(oh)
    rows = slice(band.start, band.stop) if len(band) else slice(0, 0)
    out = np.zeros((rows.stop - rows.start, ow, 4), np.float32)
    color, mask = out[..., :3], out[..., 3]  # views: premultiplied RGB × mask, and the mask

    def paint(coverage: np.ndarray, hex_color: str, erase: bool) -> None:
        # Only within the coverage's bounding box: a stroke is small, the drawing may be huge.
        box = _bounding_box(coverage)
        if box is None:
            return
        cover = coverage[box]
        alpha = cover[..., None]
        color[box] *= 1 - alpha
        mask[box] = mask[box] * (1 - cover) + (0 if erase else cover)
        if not erase:
            color[box] += alpha * (np.array(hex_to_rgb(hex_color), np.float32) / 255)

    for fill in hints.fills:
        coverage = _fill_coverage(fill, (sh, sw), (oh, ow), regions, rows)
        if coverage is not None:
            paint(coverage, fill.color, erase=False)
    for stroke in hints.strokes:
        coverage = _stroke_coverage(stroke, (oh, ow), ow / sw, oh / sh, rows) * stroke.opacity
        paint(coverage, stroke.color, stroke.erase)
    return out


def _bounding_box(coverage: np.ndarray) -> tuple[slice, slice] | None:
    """The smallest (rows, columns) slices holding every nonzero pixel; None when there is none."""
    rows = np.flatnonzero(coverage.any(axis=1))
    if rows.size == 0:
        return None
    columns = np.flatnonzero(coverage[rows[0] : rows[-1] + 1].any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)


def hints_from_png(rgba: np.ndarray) -> np.ndarray:
    """The hint map of an RGBA hint image painted elsewhere: alpha is the mask, 0 = no hint."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise HintsError(
            f"a hint image needs an alpha channel (got shape {rgba.shape}); "
            "transparent pixels mark where there is no hint"
        )
    pixels = rgba.astype(np.float32) / 255
    alpha = pixels[..., 3:]
    return np.concatenate([pixels[..., :3] * alpha, alpha], axis=-1)
