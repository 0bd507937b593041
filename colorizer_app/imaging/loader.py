"""The one door through which every image enters the program.

Every image (line art, reference, hint PNG) is read here, so that the checks happen once: the
pixel count is compared with a limit before any pixel is decoded (decompression bombs), truncated
or damaged files are refused instead of half-decoded, EXIF orientation is applied, and whatever
the mode (1-bit, palette with transparency, 16-bit, CMYK, ...) the result is one array layout:
(H, W, 4) uint8 RGBA. Every failure is one ``ImageLoadError`` with a one-line message.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.oserrors import describe_os_error

# The one size limit, for loading and for coloring alike (decompression bombs; memory).
MAX_PIXELS = 40_000_000
# A reference lends only its colors, so a larger one is read and scaled down as it is read (a
# JPEG is decoded at a reduced scale directly); still refused above this, as a bomb.
REFERENCE_MAX_PIXELS = 160_000_000
REFERENCE_SIDE = 4096  # the long side a larger reference is scaled down to on loading
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
# The file suffixes of those formats: what the app offers to open and a folder's drawings are.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
_FORMAT_NAMES = "a PNG, JPEG, WebP, BMP, TIFF or GIF image"
# (offset, signature, format) of the supported formats, to recognise a damaged header.
_SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"\xff\xd8\xff", "JPEG"),
    (8, b"WEBP", "WebP"),
    (0, b"BM", "BMP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"GIF8", "GIF"),
)
# Integer modes read as 16-bit range (Pillow opens 16-bit grayscale PNG/TIFF as these).
_WIDE_INT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
# Pillow's truncation switch and warning filters are process-wide; decode under one lock so that
# forcing them for our decode cannot race with another thread's decode.
_DECODE_LOCK = threading.Lock()
# Errors Pillow's decoders raise on damaged data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)


class ImageLoadError(ColorizerError):
    """An image file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class LoadedImage:
    path: Path
    pixels: np.ndarray  # (H, W, 4) uint8 RGBA, EXIF orientation applied
    source_mode: str  # Pillow mode of the file, e.g. "P", "I;16", "CMYK"
    source_format: str  # Pillow format name, e.g. "PNG", "JPEG"
    has_alpha: bool  # some pixel is not fully opaque


def load_image(
    path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS, longest_side: int | None = None
) -> LoadedImage:
    """Reads and validates the image at ``path``; raises ImageLoadError with a one-line reason.
    With ``longest_side``, a larger image comes back scaled down to it."""
    file = Path(path)
    if file.is_dir():
        raise _error(file, "it is a folder, not an image file")
    try:
        with open(file, "rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                raise _error(file, "the file is empty")
            return _decode(stream, file, max_pixels, longest_side)
    except OSError as error:
        raise _error(file, describe_os_error(error)) from error


def decode_image_bytes(
    data: bytes, name: str, *, max_pixels: int = MAX_PIXELS, longest_side: int | None = None
) -> LoadedImage:
    """Like ``load_image`` for bytes already in memory (drag and drop, clipboard); ``name`` is
    what the messages call them."""
    if not data:
        raise _error(Path(name), "the file is empty")
    return _decode(io.BytesIO(data), Path(name), max_pixels, longest_side)


def load_reference(path: str | os.PathLike[str]) -> LoadedImage:
    """A reference illustration: up to REFERENCE_MAX_PIXELS, scaled to REFERENCE_SIDE."""
    return load_image(path, max_pixels=REFERENCE_MAX_PIXELS, longest_side=REFERENCE_SIDE)


def decode_reference_bytes(data: bytes, name: str) -> LoadedImage:
    """``load_reference`` for bytes already in memory (a dropped or pasted reference)."""
    return decode_image_bytes(
        data, name, max_pixels=REFERENCE_MAX_PIXELS, longest_side=REFERENCE_SIDE
    )


def too_large(width: int, height: int, limit: int = MAX_PIXELS) -> str:
    """The one message for a drawing over the size limit, wherever it is found."""
    return (
        f"the image is {width}×{height} ({width * height / 1e6:.3g} megapixels), more than the "
        f"limit of {limit / 1e6:g} megapixels: scale it down first"
    )


def _error(file: Path, reason: str) -> ImageLoadError:
    return ImageLoadError(f'cannot open "{file}": {reason}')


@contextlib.contextmanager
def _strict_pillow(max_pixels: int) -> Iterator[None]:
    """Truncated data is an error even if someone set LOAD_TRUNCATED_IMAGES, and Pillow's own
    bomb guard uses our limit (its warning is ignored: ``_open_checked`` refuses those images)."""
    with _DECODE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        tolerant, limit = ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS
        ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS = False, max_pixels
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS = tolerant, limit


def _decode(
    stream: BinaryIO, file: Path, max_pixels: int, longest_side: int | None = None
) -> LoadedImage:
    with _strict_pillow(max_pixels):
        try:
            image = _open_checked(stream, file, max_pixels)
            if image.format == "PNG":
                # Pillow skips the CRCs of pixel data while decoding; verify reads every chunk.
                image.verify()
                stream.seek(0)
                image = Image.open(stream, formats=FORMATS)
            source_mode, source_format = image.mode, image.format or ""
            if longest_side is not None:
                image.draft(image.mode, (longest_side, longest_side))  # JPEG: decode smaller
            image.load()
            pixels = _to_rgba(ImageOps.exif_transpose(image))
            if longest_side is not None and max(pixels.shape[:2]) > longest_side:
                pixels = _scaled_down(pixels, longest_side)
        except ImageLoadError:
            raise
        except UnidentifiedImageError as error:
            stream.seek(0)
            raise _error(file, _unidentified_reason(stream.read(512))) from error
        except Image.DecompressionBombError as error:
            reason = (
                f"the image is larger than the limit of {max_pixels / 1e6:g} megapixels: "
                "scale it down first"
            )
            raise _error(file, reason) from error
        except MemoryError as error:
            raise _error(file, "not enough memory to decode the image") from error
        except _DECODE_ERRORS as error:
            raise _error(file, _damage_reason(error)) from error
    return LoadedImage(
        path=file,
        pixels=pixels,
        source_mode=source_mode,
        source_format=source_format,
        has_alpha=bool((pixels[..., 3] < 255).any()),
    )


def _open_checked(stream: BinaryIO, file: Path, max_pixels: int) -> Image.Image:
    """Opens the header only and refuses images over ``max_pixels`` before any decoding."""
    image = Image.open(stream, formats=FORMATS)
    width, height = image.size
    if width * height > max_pixels:
        raise _error(file, too_large(width, height, max_pixels))
    if width == 0 or height == 0:
        raise _error(file, f"the image is {width}×{height} pixels (empty)")
    return image


def _unidentified_reason(head: bytes) -> str:
    """Pillow says only "cannot identify"; tell a damaged header from a file of another kind."""
    if head.startswith(b"PK\x03\x04"):
        return f"it is a ZIP archive, not {_FORMAT_NAMES}"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return f"it is a text file, not {_FORMAT_NAMES}"
    for offset, signature, kind in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return f"the {kind} header is damaged"
    return f"it is not {_FORMAT_NAMES}"


def _damage_reason(error: Exception) -> str:
    message = str(error)
    if isinstance(error, EOFError) or "truncat" in message.lower():
        return "the file is truncated"
    if "crc" in message.lower() or "checksum" in message.lower():
        return "the file is damaged (checksum mismatch)"
    if "too large" in message.lower():  # Pillow's limit on compressed PNG text chunks
        return "it holds metadata that would inflate beyond the safe limit (a decompression bomb)"
    return f"the image data is damaged ({message or type(error).__name__})"


def _scaled_down(pixels: np.ndarray, longest_side: int) -> np.ndarray:
    """RGBA ``pixels`` scaled (area-averaged) to ``longest_side`` on their long side."""
    height, width = pixels.shape[:2]
    scale = longest_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))


def _to_rgba(image: Image.Image) -> np.ndarray:
    """Any Pillow mode as (H, W, 4) uint8 RGBA; wide integer gray is scaled, not clipped."""
    if image.mode in _WIDE_INT_MODES:
        wide = np.asarray(image).astype(np.float32)
        gray = np.clip(np.rint(wide / 257.0), 0, 255).astype(np.uint8)
        image = Image.fromarray(gray)
    return np.ascontiguousarray(np.asarray(image.convert("RGBA")))
