"""Project files: an OpenRaster file that other painting programs open as layers, and that this
app reopens exactly — drawing, hint strokes (as vectors, not pixels), tag values and reference.

The layers are for Krita, GIMP and MyPaint; the app never reads its state back from them (an
artist may have painted over them). Everything needed to reopen the document lives in extra
entries under ``colorizer/``, which OpenRaster readers ignore:

- ``colorizer/project.json``: format version, names, tag values (in the order ticked), the
  reference strength and the parts whose reference color is unticked;
- ``colorizer/hints.json``: the strokes, fills and part marks in the docs/architecture.md §3
  format;
- ``colorizer/palette.json``: the character palette applied, if any (``imaging/palette.py``);
- ``colorizer/drawing.png`` and ``colorizer/reference.png``: lossless RGBA, so pixels round-trip.

No Qt here: the crash journal, the command line and the tests use it without a window.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from colorizer_app.document.state import DocumentState
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.export import read_ora, write_ora
from colorizer_app.imaging.hints import Hints, HintsError
from colorizer_app.imaging.layers import Layer
from colorizer_app.imaging.loader import decode_image_bytes
from colorizer_app.imaging.palette import Palette, PaletteError

PROJECT_SUFFIX = ".ora"
FORMAT_NAME = "colorizer-project"
FORMAT_VERSION = 1
DRAWING_LAYER = "drawing"
_META = "colorizer/project.json"
_HINTS = "colorizer/hints.json"
_PALETTE = "colorizer/palette.json"
_DRAWING = "colorizer/drawing.png"
_REFERENCE = "colorizer/reference.png"


def is_project_file(path: str | Path) -> bool:
    """Whether ``path`` names a project (by its suffix) rather than a line-art image."""
    return Path(path).suffix.lower() == PROJECT_SUFFIX


def encode_png(pixels: np.ndarray) -> bytes:
    """Lossless PNG bytes of an RGBA array. Level 1: these files are work in progress, written
    often (the journal too); speed matters more than the last few percent of size."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def tags_to_json(tags: Sequence[tuple[str, float]]) -> list[list[Any]]:
    return [[name, float(value)] for name, value in tags]


def tags_from_json(obj: Any, where: str) -> tuple[tuple[str, float], ...]:
    """Tag values as stored (a list of [name, value] pairs); a ColorizerError names ``where``."""
    if not isinstance(obj, list):
        raise ColorizerError(f"{where}: the tag values are not a list")
    tags = []
    for pair in obj:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not isinstance(pair[0], str)
            or isinstance(pair[1], bool)
            or not isinstance(pair[1], (int, float))
            or not math.isfinite(pair[1])
            or pair[1] < 0
        ):
            raise ColorizerError(f"{where}: malformed tag value {pair!r}")
        tags.append((pair[0], float(pair[1])))
    return tuple(tags)


def reference_options_to_json(state: DocumentState) -> dict[str, Any]:
    """The reference strength (absent: the engine's default) and the unticked parts, sorted."""
    options: dict[str, Any] = {"reference_ignored": sorted(state.reference_ignored)}
    if state.reference_strength is not None:
        options["reference_strength"] = state.reference_strength
    return options


def reference_options_from_json(
    obj: dict[str, Any], where: str
) -> tuple[float | None, frozenset[str]]:
    """What ``reference_options_to_json`` wrote (either key may be missing: an older file);
    whether the strength lies in range is the engine request's check, as for tag values."""
    strength, ignored = obj.get("reference_strength"), obj.get("reference_ignored", [])
    if strength is not None and (
        isinstance(strength, bool)
        or not isinstance(strength, (int, float))
        or not math.isfinite(strength)
    ):
        raise ColorizerError(f"{where}: malformed reference strength {strength!r}")
    if not isinstance(ignored, list) or not all(isinstance(part, str) for part in ignored):
        raise ColorizerError(f"{where}: malformed list of unticked reference parts")
    return (None if strength is None else float(strength)), frozenset(ignored)


def save_project(
    path: str | Path,
    state: DocumentState,
    result_layers: Sequence[Layer] | None = None,
    merged: np.ndarray | None = None,
) -> None:
    """Writes ``state`` to the OpenRaster file ``path`` atomically (an earlier file stays intact on
    failure). ``result_layers`` is the current result's stack (``ColorizeResult.stack()``, at the
    drawing's size) and ``merged`` its flattened image (``ColorizeResult.composite``; computed
    when missing, which takes seconds on a large drawing); without a result the file shows the
    drawing as it was loaded."""
    path = Path(path)
    height, width = state.drawing.shape[:2]
    if result_layers:
        layers = list(result_layers)
        if any(layer.size != (height, width) for layer in layers):
            raise ValueError(f"result layers do not match the drawing's size {(height, width)}")
    else:
        layers, merged = [Layer(DRAWING_LAYER, state.drawing)], state.drawing
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "drawing_name": state.drawing_name,
        "reference_name": state.reference_name,
        "tags": tags_to_json(state.tags),
        **reference_options_to_json(state),
    }
    extra = {
        _META: json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
        _HINTS: json.dumps(state.hints.to_json()).encode("utf-8"),
        _DRAWING: encode_png(state.drawing),
    }
    if state.reference is not None:
        extra[_REFERENCE] = encode_png(state.reference)
    if state.palette is not None:
        extra[_PALETTE] = json.dumps(state.palette.to_json(), ensure_ascii=False).encode("utf-8")
    write_ora(path, layers, merged=merged, extra_files=extra)


def open_project(path: str | Path) -> DocumentState:
    """The document saved in ``path``; any problem is one ColorizerError naming the file."""
    path = Path(path)
    document = read_ora(path)
    extra = document.extra_files

    def fail(reason: str) -> ColorizerError:
        return ColorizerError(f'cannot open "{path}": {reason}')

    if _META not in extra:
        raise fail(
            "it is an OpenRaster file but not a Colorizer project (no colorizer/project.json)"
        )
    try:
        meta = json.loads(extra[_META].decode("utf-8"))
        hints_json = json.loads(extra[_HINTS].decode("utf-8")) if _HINTS in extra else {}
        palette_json = json.loads(extra[_PALETTE].decode("utf-8")) if _PALETTE in extra else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise fail(f"the project data is damaged ({error})") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise fail("colorizer/project.json is not a Colorizer project description")
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise fail(f"the project was written by a newer Colorizer (format version {version})")
    if _DRAWING not in extra:
        raise fail("the project holds no drawing")
    try:
        hints = Hints.from_json(hints_json)
    except HintsError as error:
        raise fail(f"the hint strokes are damaged ({error})") from error
    try:
        palette = None if palette_json is None else Palette.from_json(palette_json)
    except PaletteError as error:
        raise fail(f"the character palette is damaged ({error})") from error
    drawing = decode_image_bytes(extra[_DRAWING], f"{path}:{_DRAWING}").pixels
    reference = (
        decode_image_bytes(extra[_REFERENCE], f"{path}:{_REFERENCE}").pixels
        if _REFERENCE in extra
        else None
    )
    names = (meta.get("drawing_name", path.stem), meta.get("reference_name", ""))
    if not all(isinstance(name, str) for name in names):
        raise fail("colorizer/project.json has malformed names")
    strength, ignored = reference_options_from_json(meta, f'cannot open "{path}"')
    return DocumentState(
        drawing=drawing,
        drawing_name=names[0],
        hints=hints,
        tags=tags_from_json(meta.get("tags", []), f'cannot open "{path}"'),
        reference=reference,
        reference_name=names[1] if reference is not None else "",
        project_path=path,
        palette=palette,
        reference_strength=strength,
        reference_ignored=ignored,
    )
