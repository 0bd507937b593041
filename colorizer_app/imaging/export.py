"""Layered export: PNG files, OpenRaster and PSD, every file written atomically.

An artist takes the result into Krita, GIMP, MyPaint or Photoshop and keeps painting, so the
layers (flats, color, line art in multiply on top, ...) must arrive intact and named. This module
is the one OpenRaster writer and reader: the app's project files are OpenRaster files with extra
entries (hint strokes, tag values as JSON) that other painting programs ignore.

OpenRaster (https://www.openraster.org): a zip whose first entry is ``mimetype``, stored
uncompressed, holding ``image/openraster``; ``stack.xml`` lists the layers top first; each layer is
a PNG under ``data/``; ``mergedimage.png`` is the flattened image and
``Thumbnails/thumbnail.png`` a preview no larger than 256 px.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
from PIL import Image

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_output, atomic_save_png
from colorizer_app.imaging.layers import Layer, composite, stack_size
from colorizer_app.imaging.loader import MAX_PIXELS, decode_image_bytes
from colorizer_app.imaging.oserrors import describe_os_error

ORA_MIMETYPE = "image/openraster"
THUMBNAIL_SIZE = 256
COMPOSITE_NAME = "composite"
_ORA_VERSION = "0.0.5"
_ORA_OPS = {"normal": "svg:src-over", "multiply": "svg:multiply"}
_ORA_BLENDS = {op: blend for blend, op in _ORA_OPS.items()}
_RESERVED = ("mimetype", "stack.xml", "mergedimage.png", "data/", "Thumbnails/")
# Refuse archives whose entries would inflate beyond this (a zip bomb), whatever the pixels.
_MAX_UNPACKED = 4 * MAX_PIXELS * 8
# Layer PNGs are written fast (level 3 of 9): exports of a few big layers should take a moment,
# not seconds; they are already compressed, so the zip stores them as they are.
_PNG_LEVEL = 3


@dataclass(frozen=True)
class OraDocument:
    """What an OpenRaster file holds: layers bottom to top, and the entries this module did not
    write itself (a project's hints, tag values, ...), by their path in the zip."""

    size: tuple[int, int]  # (height, width)
    layers: tuple[Layer, ...]
    extra_files: Mapping[str, bytes] = field(default_factory=dict)


def write_png_layers(
    folder: str | Path, layers: Sequence[Layer], *, merged: np.ndarray | None = None
) -> list[Path]:
    """One PNG per layer plus ``composite.png``, into ``folder`` (created if missing); returns
    the paths, in stack order, composite last."""
    stack_size(layers)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(
            f'cannot create the folder "{folder}": {describe_os_error(error)}'
        ) from error
    names = _unique_file_names([layer.name for layer in layers] + [COMPOSITE_NAME])
    paths = [folder / f"{name}.png" for name in names]
    for layer, path in zip(layers, paths, strict=False):
        atomic_save_png(path, layer.pixels)
    atomic_save_png(paths[-1], _merged(layers, merged))
    return paths


def write_ora(
    path: str | Path,
    layers: Sequence[Layer],
    *,
    merged: np.ndarray | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> None:
    """An OpenRaster file of ``layers`` (bottom to top); ``merged`` defaults to their composite.
    ``extra_files`` are added under their own paths and come back from ``read_ora``."""
    height, width = stack_size(layers)
    extra_files = dict(extra_files or {})
    for name in extra_files:
        _check_extra_name(name)
    flattened = _merged(layers, merged)
    sources = [f"data/layer{index:03d}.png" for index in range(len(layers))]
    stack = _stack_xml(layers, sources, width, height)
    with atomic_output(path) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        # The mimetype must be the first entry, stored, so that `file` and file managers
        # recognise the format from a fixed offset.
        archive.writestr(
            zipfile.ZipInfo("mimetype"), ORA_MIMETYPE, compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("stack.xml", stack, compress_type=zipfile.ZIP_DEFLATED)
        for layer, source in zip(layers, sources, strict=False):
            archive.writestr(source, _png_bytes(layer.pixels))
        archive.writestr("mergedimage.png", _png_bytes(flattened))
        archive.writestr("Thumbnails/thumbnail.png", _png_bytes(_thumbnail(flattened)))
        for name, data in extra_files.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def read_ora(path: str | Path) -> OraDocument:
    """The layers (full canvas size, bottom to top) and extra entries of an OpenRaster file.
    Nested stacks (layer groups) are read as their layers in order."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_archive(archive, path)
    except OSError as error:
        raise ColorizerError(f'cannot open "{path}": {describe_os_error(error)}') from error
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as error:
        raise ColorizerError(f'cannot open "{path}": not a valid OpenRaster (zip) file') from error


def write_psd(path: str | Path, layers: Sequence[Layer]) -> None:
    """A Photoshop file with one named pixel layer per layer (blend, opacity and visibility kept).
    psd-tools renders the preview that programs without layer support show; our composite is
    the preview it keeps where it cannot."""
    # psd-tools is heavy to import and only this export needs it.
    from psd_tools import PSDImage
    from psd_tools.constants import BlendMode

    blend_modes = {"normal": BlendMode.NORMAL, "multiply": BlendMode.MULTIPLY}
    document = PSDImage.frompil(Image.fromarray(composite(layers), "RGBA"))
    for layer in layers:
        added = document.create_pixel_layer(
            Image.fromarray(layer.pixels, "RGBA"),
            opacity=round(layer.opacity * 255),
            blend_mode=blend_modes[layer.blend],
        )
        # Set afterwards: the setter also stores the Unicode name ("線画"), which the
        # constructor's legacy Mac Roman field cannot hold; PSD names end at 255 characters.
        added.name = layer.name[:255]
        added.visible = layer.visible
    with atomic_output(path) as temporary:
        document.save(temporary)


def _merged(layers: Sequence[Layer], merged: np.ndarray | None) -> np.ndarray:
    if merged is None:
        return composite(layers)
    if merged.shape != stack_size(layers) + (4,) or merged.dtype != np.uint8:
        raise ValueError(f"merged image {merged.dtype} {merged.shape} does not match the layers")
    return merged


def _unique_file_names(names: Sequence[str]) -> list[str]:
    """File-system-safe, distinct names: "line art" → "line-art", "影 2" → "影-2"; repeats get
    "-2", "-3"."""
    result: list[str] = []
    for name in names:
        base = re.sub(r"\W+", "-", name.lower()).strip("-") or "layer"
        candidate, number = base, 1
        while candidate in result:
            number += 1
            candidate = f"{base}-{number}"
        result.append(candidate)
    return result


def _check_extra_name(name: str) -> None:
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise ValueError(f"extra file name {name!r} must be a relative path inside the archive")
    if _is_reserved(name):
        raise ValueError(f"extra file name {name!r} is reserved by OpenRaster")


def _is_reserved(name: str) -> bool:
    return any(
        name == reserved or (reserved.endswith("/") and name.startswith(reserved))
        for reserved in _RESERVED
    )


def _stack_xml(layers: Sequence[Layer], sources: Sequence[str], width: int, height: int) -> bytes:
    image = ElementTree.Element(
        "image", version=_ORA_VERSION, w=str(width), h=str(height), xres="72", yres="72"
    )
    stack = ElementTree.SubElement(image, "stack")
    for layer, source in reversed(
        list(zip(layers, sources, strict=False))
    ):  # OpenRaster lists the top first
        ElementTree.SubElement(
            stack,
            "layer",
            {
                "name": layer.name,
                "src": source,
                "x": "0",
                "y": "0",
                "opacity": f"{layer.opacity:.3f}",
                "visibility": "visible" if layer.visible else "hidden",
                "composite-op": _ORA_OPS[layer.blend],
            },
        )
    return ElementTree.tostring(image, encoding="UTF-8", xml_declaration=True)


def _png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(
        buffer, format="PNG", compress_level=_PNG_LEVEL
    )
    return buffer.getvalue()


def _thumbnail(pixels: np.ndarray) -> np.ndarray:
    image = Image.fromarray(pixels, "RGBA")
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    return np.asarray(image)


def _read_archive(archive: zipfile.ZipFile, path: Path) -> OraDocument:
    def fail(reason: str) -> ColorizerError:
        return ColorizerError(f'cannot open "{path}": {reason}')

    entries = archive.infolist()
    if sum(entry.file_size for entry in entries) > _MAX_UNPACKED:
        raise fail("the archive unpacks to more than this app accepts")
    names = {entry.filename for entry in entries}
    if "mimetype" not in names or archive.read("mimetype").strip() != ORA_MIMETYPE.encode():
        raise fail("not an OpenRaster file (no image/openraster mimetype)")
    if "stack.xml" not in names:
        raise fail("the OpenRaster file has no stack.xml")
    try:
        root = ElementTree.fromstring(archive.read("stack.xml"))
        width, height = int(root.attrib["w"]), int(root.attrib["h"])
    except (ElementTree.ParseError, KeyError, ValueError) as error:
        raise fail(f"stack.xml is not a valid layer stack ({error})") from error
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise fail(f"the canvas size {width}×{height} is not acceptable")
    layers: list[Layer] = []
    for element in root.iter("layer"):  # document order: top first
        source = element.attrib.get("src", "")
        if source not in names:
            raise fail(
                f"layer {element.attrib.get('name', '?')!r} points to a missing file {source!r}"
            )
        layers.append(_read_layer(archive, element, source, (height, width), fail))
    if not layers:
        raise fail("the OpenRaster file has no layers")
    extra = {
        entry.filename: archive.read(entry)
        for entry in entries
        if not entry.is_dir() and not _is_reserved(entry.filename)
    }
    return OraDocument(size=(height, width), layers=tuple(reversed(layers)), extra_files=extra)


def _read_layer(
    archive: zipfile.ZipFile,
    element: ElementTree.Element,
    source: str,
    size: tuple[int, int],
    fail: Callable[[str], ColorizerError],
) -> Layer:
    name = element.attrib.get("name", PurePosixPath(source).stem)
    op = element.attrib.get("composite-op", "svg:src-over")
    if op not in _ORA_BLENDS:
        raise fail(f"layer {name!r} uses the blend mode {op!r}, which this app cannot show")
    try:
        opacity = min(1.0, max(0.0, float(element.attrib.get("opacity", "1"))))
        x, y = int(element.attrib.get("x", "0")), int(element.attrib.get("y", "0"))
    except ValueError as error:
        raise fail(f"layer {name!r} has a malformed attribute ({error})") from error
    pixels = decode_image_bytes(archive.read(source), f"{archive.filename}:{source}").pixels
    canvas = np.zeros(size + (4,), dtype=np.uint8)
    # Layers may be smaller than the canvas and offset (Krita crops them to their content).
    top, left = max(y, 0), max(x, 0)
    bottom = min(size[0], y + pixels.shape[0])
    right = min(size[1], x + pixels.shape[1])
    if bottom > top and right > left:
        canvas[top:bottom, left:right] = pixels[top - y : bottom - y, left - x : right - x]
    return Layer(
        name=name,
        pixels=canvas,
        visible=element.attrib.get("visibility", "visible") != "hidden",
        opacity=opacity,
        blend=_ORA_BLENDS[op],
    )
