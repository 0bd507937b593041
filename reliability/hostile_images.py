"""Hostile and odd image files, generated on the spot: what a folder of "line art" may hold.

Each kind says what the program must do with it: color it (at the size given, after EXIF
rotation), or refuse it with one line. Refusing is never a crash: the loader, both CLI
commands and the app's Open all face every kind (``inputs.py``, ``app_scenarios.py``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from reliability.fixtures import outline_drawing

COLORED = "colored"
REFUSED = "refused"
BOMB_SIDE = 60_000


@dataclass(frozen=True)
class HostileImage:
    name: str  # what the report calls it
    filename: str  # its name in the folder (the suffix matters to batch)
    make: Callable[[Path], None]  # writes the file (or folder) at the path given
    expect: str  # COLORED or REFUSED
    size: tuple[int, int] | None = None  # (height, width) once loaded, when COLORED
    bomb: bool = False  # declares far more pixels than it holds
    in_batch: bool = True  # batch takes it (an image file by its suffix)

    def create(self, folder: Path) -> Path:
        path = folder / self.filename
        self.make(path)
        return path


# ---------------------------------------------------------------------- encoders


def _gray(height: int = 64, width: int = 80) -> np.ndarray:
    return outline_drawing(height, width)[..., 0]


def _encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def _png(height: int = 64, width: int = 80) -> bytes:
    return _encode(Image.fromarray(_gray(height, width)), "PNG")


def _jpeg(height: int = 64, width: int = 80, **options) -> bytes:
    return _encode(
        Image.fromarray(_gray(height, width)).convert("RGB"), "JPEG", quality=90, **options
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for width×height 8-bit gray, followed by a few rows of data only."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" + b"\xff" * min(width, 4096))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def _png_with_bad_crc() -> bytes:
    data = bytearray(_png())
    start = data.index(b"IDAT") + 4
    data[start + 10] ^= 0xFF  # pixel data changed, its CRC not
    return bytes(data)


def _png_text_bomb() -> bytes:
    """A small PNG with a compressed text chunk that inflates to 64 MB."""
    data = _png()
    text = _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (64 << 20), 9))
    end = data.index(b"IEND") - 4
    return data[:end] + text + data[end:]


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _bmp_declaring(width: int, height: int) -> bytes:
    data = bytearray(_encode(Image.fromarray(_gray(8, 8)).convert("RGB"), "BMP"))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("drawing.png", _png())
    return buffer.getvalue()


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="80" '
        b'height="64"><circle cx="40" cy="32" r="20" stroke="black" fill="none"/></svg>\n'
    )


def _animated_gif() -> bytes:
    frames = [Image.fromarray(np.roll(_gray(), shift, axis=1)).convert("P") for shift in (0, 8, 16)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    return buffer.getvalue()


def _one_bit() -> bytes:
    return _encode(Image.fromarray(_gray() > 128), "PNG")


def _palette_with_transparency() -> bytes:
    image = Image.fromarray(_gray()).convert("P")
    return _encode(image, "PNG", transparency=255)


def _gray16() -> bytes:
    return _encode(Image.fromarray(_gray().astype(np.uint16) * 257), "PNG")


def _rgb16() -> bytes:
    """A 16-bit per channel RGB PNG (as OpenCV and scanners write them)."""
    rgb16 = np.repeat(_gray()[..., None], 3, axis=2).astype(np.uint16) * 257
    ok, data = cv2.imencode(".png", rgb16)
    assert ok
    return data.tobytes()


def _tiff16() -> bytes:
    return _encode(Image.fromarray(_gray().astype(np.uint16) * 257), "TIFF")


def _cmyk_jpeg() -> bytes:
    return _encode(Image.fromarray(_gray()).convert("CMYK"), "JPEG", quality=90)


def _exif_rotated() -> bytes:
    """64×80 pixels stored, orientation 6: shown 80 high and 64 wide."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(Image.fromarray(_gray()).convert("RGB"), "JPEG", exif=exif.tobytes())


def _alpha_only_lines() -> bytes:
    """Lines only in the alpha channel of a transparent PNG; RGB is black everywhere."""
    rgba = np.zeros(_gray().shape + (4,), np.uint8)
    rgba[..., 3] = 255 - _gray()
    return _encode(Image.fromarray(rgba), "PNG")


def _gray_alpha() -> bytes:
    return _encode(Image.fromarray(_gray()).convert("LA"), "PNG")


def _inverted() -> bytes:
    return _encode(Image.fromarray(255 - _gray()), "PNG")


def _solid(value: int, height: int = 64, width: int = 80) -> bytes:
    return _encode(Image.fromarray(np.full((height, width), value, np.uint8)), "PNG")


def _noise() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    return _encode(Image.fromarray(pixels), "PNG")


def _write(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data())


def _folder(path: Path) -> None:
    path.mkdir()


# ---------------------------------------------------------------------- the kinds


HOSTILE_IMAGES: tuple[HostileImage, ...] = (
    HostileImage("empty file", "empty.png", _write(lambda: b""), REFUSED),
    HostileImage(
        "truncated PNG", "truncated.png", _write(lambda: _png()[: len(_png()) // 2]), REFUSED
    ),
    HostileImage(
        "truncated JPEG",
        "truncated-jpeg.jpg",
        _write(lambda: _jpeg()[: len(_jpeg()) // 2]),
        REFUSED,
    ),
    HostileImage("PNG with a corrupt CRC", "bad-crc.png", _write(_png_with_bad_crc), REFUSED),
    HostileImage(
        "PNG with a damaged signature",
        "bad-signature.png",
        _write(lambda: b"\x89PNX" + _png()[4:]),
        REFUSED,
    ),
    HostileImage(
        "text renamed .png", "notes.png", _write(lambda: b"just some notes\n" * 20), REFUSED
    ),
    HostileImage(
        "HTML renamed .jpg",
        "page.jpg",
        _write(lambda: b"<!DOCTYPE html><html><body>404</body></html>\n"),
        REFUSED,
    ),
    HostileImage("ZIP renamed .png", "archive.png", _write(_zip), REFUSED),
    HostileImage(
        "random bytes .tif",
        "garbage.tif",
        _write(lambda: np.random.default_rng(1).bytes(4096)),
        REFUSED,
    ),
    HostileImage("a folder named .png", "folder.png", _folder, REFUSED, in_batch=False),
    HostileImage(
        f"PNG declaring {BOMB_SIDE}×{BOMB_SIDE}",
        "bomb.png",
        _write(lambda: _png_declaring(BOMB_SIDE, BOMB_SIDE)),
        REFUSED,
        bomb=True,
    ),
    HostileImage(
        f"JPEG declaring {BOMB_SIDE}×{BOMB_SIDE}",
        "bomb-jpeg.jpg",
        _write(lambda: _jpeg_declaring(BOMB_SIDE, BOMB_SIDE)),
        REFUSED,
        bomb=True,
    ),
    HostileImage(
        f"BMP declaring {BOMB_SIDE}×{BOMB_SIDE}",
        "bomb-bmp.bmp",
        _write(lambda: _bmp_declaring(BOMB_SIDE, BOMB_SIDE)),
        REFUSED,
        bomb=True,
    ),
    HostileImage(
        "PNG declaring 0×64", "zero-width.png", _write(lambda: _png_declaring(0, 64)), REFUSED
    ),
    HostileImage(
        "PNG with a 64 MB text chunk", "text-bomb.png", _write(_png_text_bomb), REFUSED, bomb=True
    ),
    HostileImage("SVG", "vector.svg", _write(_svg), REFUSED, in_batch=False),
    HostileImage("animated GIF", "animated.gif", _write(_animated_gif), COLORED, (64, 80)),
    HostileImage("1-bit PNG", "one-bit.png", _write(_one_bit), COLORED, (64, 80)),
    HostileImage(
        "palette PNG with transparency",
        "palette.png",
        _write(_palette_with_transparency),
        COLORED,
        (64, 80),
    ),
    HostileImage("16-bit gray PNG", "gray16.png", _write(_gray16), COLORED, (64, 80)),
    HostileImage("16-bit RGB PNG", "rgb16.png", _write(_rgb16), COLORED, (64, 80)),
    HostileImage("16-bit TIFF", "gray16-tiff.tif", _write(_tiff16), COLORED, (64, 80)),
    HostileImage("CMYK JPEG", "cmyk.jpg", _write(_cmyk_jpeg), COLORED, (64, 80)),
    HostileImage("EXIF-rotated JPEG", "rotated.jpg", _write(_exif_rotated), COLORED, (80, 64)),
    HostileImage(
        "progressive JPEG",
        "progressive.jpg",
        _write(lambda: _jpeg(progressive=True)),
        COLORED,
        (64, 80),
    ),
    HostileImage(
        "lines only in alpha", "alpha-lines.png", _write(_alpha_only_lines), COLORED, (64, 80)
    ),
    HostileImage("gray with alpha", "gray-alpha.png", _write(_gray_alpha), COLORED, (64, 80)),
    HostileImage("inverted (white on black)", "inverted.png", _write(_inverted), COLORED, (64, 80)),
    HostileImage("PNG named .jpg", "png-inside.jpg", _write(_png), COLORED, (64, 80)),
    HostileImage(
        "WebP",
        "webp-drawing.webp",
        _write(lambda: _encode(Image.fromarray(_gray()), "WEBP", lossless=True)),
        COLORED,
        (64, 80),
    ),
    HostileImage(
        "BMP",
        "bmp-drawing.bmp",
        _write(lambda: _encode(Image.fromarray(_gray()).convert("RGB"), "BMP")),
        COLORED,
        (64, 80),
    ),
    HostileImage("tiny 8×8", "tiny.png", _write(lambda: _png(8, 8)), COLORED, (8, 8)),
    HostileImage("single pixel", "pixel.png", _write(lambda: _solid(0, 1, 1)), COLORED, (1, 1)),
    HostileImage(
        "very wide 2000×90", "wide.png", _write(lambda: _png(90, 2000)), COLORED, (90, 2000)
    ),
    HostileImage(
        "very tall 90×2000", "tall.png", _write(lambda: _png(2000, 90)), COLORED, (2000, 90)
    ),
    HostileImage("all white", "white.png", _write(lambda: _solid(255)), COLORED, (64, 80)),
    HostileImage("all black", "black.png", _write(lambda: _solid(0)), COLORED, (64, 80)),
    HostileImage("noise", "noise.png", _write(_noise), COLORED, (96, 128)),
    HostileImage("same name as frame.jpg", "frame.png", _write(_png), COLORED, (64, 80)),
    HostileImage(
        "same name as frame.png", "frame.jpg", _write(lambda: _jpeg(48, 60)), COLORED, (48, 60)
    ),
    HostileImage("non-ASCII file name", "ёжик árbol 線画.png", _write(_png), COLORED, (64, 80)),
)
