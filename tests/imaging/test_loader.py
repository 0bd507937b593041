"""The one image loader: every supported mode and format, and every kind of bad file."""

import errno
import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from colorizer_app.imaging import loader
from colorizer_app.imaging.loader import ImageLoadError, decode_image_bytes, load_image

HEIGHT, WIDTH = 24, 36
RED = (255, 0, 0)


def pattern() -> np.ndarray:
    """White RGB with a red top-left quadrant, so size and orientation are both visible."""
    rgb = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    rgb[: HEIGHT // 2, : WIDTH // 2] = RED
    return rgb


def save(image: Image.Image, path, **options) -> str:
    image.save(path, **options)
    return str(path)


def assert_pattern(pixels: np.ndarray, tolerance: int = 0) -> None:
    assert pixels.shape == (HEIGHT, WIDTH, 4) and pixels.dtype == np.uint8
    expected = np.dstack([pattern(), np.full((HEIGHT, WIDTH), 255, np.uint8)])
    # Compare away from the quadrant's edges, where lossy codecs blur.
    for y, x in [(3, 3), (3, WIDTH - 4), (HEIGHT - 4, 3), (HEIGHT - 4, WIDTH - 4)]:
        diff = np.abs(pixels[y, x].astype(int) - expected[y, x].astype(int))
        assert diff.max() <= tolerance, (y, x, pixels[y, x], expected[y, x])


@pytest.mark.parametrize(
    ("suffix", "pil_format", "tolerance"),
    [
        (".png", "PNG", 0),
        (".jpg", "JPEG", 40),
        (".webp", "WEBP", 40),
        (".bmp", "BMP", 0),
        (".tif", "TIFF", 0),
        (".gif", "GIF", 0),
    ],
)
def test_every_format_loads_as_rgba(tmp_path, suffix, pil_format, tolerance):
    path = save(Image.fromarray(pattern()), tmp_path / f"drawing{suffix}")
    loaded = load_image(path)
    assert loaded.source_format == pil_format
    assert loaded.path.name == f"drawing{suffix}"
    assert not loaded.has_alpha
    assert_pattern(loaded.pixels, tolerance)


def test_gif_gives_its_first_frame(tmp_path):
    first = Image.fromarray(pattern())
    second = Image.fromarray(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    path = save(first, tmp_path / "anim.gif", save_all=True, append_images=[second])
    with Image.open(path) as stored:
        assert stored.n_frames == 2
    assert_pattern(load_image(path).pixels)


def test_one_bit(tmp_path):
    gray = np.where(pattern()[..., 1] == 0, 0, 255).astype(np.uint8)
    path = save(Image.fromarray(gray).convert("1"), tmp_path / "bits.png")
    loaded = load_image(path)
    assert loaded.source_mode == "1"
    assert set(np.unique(loaded.pixels[..., :3])) == {0, 255}
    assert loaded.pixels[0, 0, 0] == 0 and loaded.pixels[-1, -1, 0] == 255


def test_gray_and_gray_alpha(tmp_path):
    gray = np.tile(np.arange(WIDTH, dtype=np.uint8) * 7, (HEIGHT, 1))
    alpha = np.full((HEIGHT, WIDTH), 255, np.uint8)
    alpha[:, :5] = 0
    loaded_l = load_image(save(Image.fromarray(gray), tmp_path / "l.png"))
    gray_alpha = Image.fromarray(np.dstack([gray, alpha]), "LA")
    loaded_la = load_image(save(gray_alpha, tmp_path / "la.png"))
    assert loaded_l.source_mode == "L" and loaded_la.source_mode == "LA"
    assert np.array_equal(loaded_l.pixels[..., 0], gray)
    assert np.array_equal(loaded_la.pixels[..., 1], gray)
    assert np.array_equal(loaded_la.pixels[..., 3], alpha)
    assert loaded_la.has_alpha and not loaded_l.has_alpha


@pytest.mark.parametrize("suffix", [".png", ".gif"])
def test_palette_with_transparency(tmp_path, suffix):
    indices = np.ones((HEIGHT, WIDTH), np.uint8)
    indices[:, : WIDTH // 2] = 0
    image = Image.new("P", (WIDTH, HEIGHT))
    image.putpalette([0, 0, 255, 255, 0, 0] + [0] * 762)
    image.putdata(indices.ravel().tolist())
    path = save(image, tmp_path / f"palette{suffix}", transparency=0)
    loaded = load_image(path)
    assert loaded.source_mode == "P" and loaded.has_alpha
    assert (loaded.pixels[:, : WIDTH // 2, 3] == 0).all()
    assert (loaded.pixels[:, WIDTH // 2 :] == (255, 0, 0, 255)).all()


@pytest.mark.parametrize(("dtype", "suffix"), [(np.uint16, ".png"), (np.int32, ".tif")])
def test_wide_gray_is_scaled_not_clipped(tmp_path, dtype, suffix):
    wide = np.zeros((HEIGHT, WIDTH), dtype)
    wide[:, 12:24] = 32896  # 128 * 257
    wide[:, 24:] = 65535
    path = save(Image.fromarray(wide), tmp_path / f"wide{suffix}")
    loaded = load_image(path)
    assert loaded.source_mode in ("I;16", "I")
    assert loaded.pixels[0, 0, 0] == 0
    assert loaded.pixels[0, 12, 0] == 128
    assert loaded.pixels[0, 30, 0] == 255


def test_rgba(tmp_path):
    rgba = np.dstack([pattern(), np.full((HEIGHT, WIDTH), 255, np.uint8)])
    rgba[-1, -1, 3] = 10
    loaded = load_image(save(Image.fromarray(rgba), tmp_path / "rgba.png"))
    assert loaded.source_mode == "RGBA" and loaded.has_alpha
    assert np.array_equal(loaded.pixels, rgba)


@pytest.mark.parametrize(("suffix", "tolerance"), [(".jpg", 40), (".tif", 2)])
def test_cmyk(tmp_path, suffix, tolerance):
    path = save(Image.fromarray(pattern()).convert("CMYK"), tmp_path / f"cmyk{suffix}")
    if suffix == ".jpg":
        assert b"Adobe" in (tmp_path / "cmyk.jpg").read_bytes()  # the inverted Adobe flavor
    loaded = load_image(path)
    assert loaded.source_mode == "CMYK"
    assert_pattern(loaded.pixels, tolerance)


@pytest.mark.parametrize(("orientation", "turns"), [(3, 2), (6, -1), (8, 1)])
def test_exif_orientation_is_applied(tmp_path, orientation, turns):
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(Image.fromarray(pattern()), tmp_path / "turned.png", exif=exif)
    expected = np.rot90(pattern(), turns)
    assert np.array_equal(load_image(path).pixels[..., :3], expected)


def test_exif_rotated_jpeg(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display turned 90° clockwise
    path = save(Image.fromarray(pattern()), tmp_path / "photo.jpg", exif=exif, quality=95)
    pixels = load_image(path).pixels
    assert pixels.shape == (WIDTH, HEIGHT, 4)
    assert pixels[3, -4, 0] > 200 and pixels[3, -4, 1] < 60  # red moved to the top right
    assert pixels[3, 3, 1] > 200 and pixels[-4, -4, 1] > 200


def test_decode_image_bytes(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(pattern()).save(buffer, "PNG")
    loaded = decode_image_bytes(buffer.getvalue(), "clipboard.png")
    assert_pattern(loaded.pixels)
    assert loaded.path.name == "clipboard.png"
    with pytest.raises(ImageLoadError, match='"clipboard.png": the file is empty'):
        decode_image_bytes(b"", "clipboard.png")
    with pytest.raises(ImageLoadError, match='"dropped.png": the file is truncated'):
        decode_image_bytes(buffer.getvalue()[:-60], "dropped.png")


# --- bad files ---------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header promises width × height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + png_chunk(b"IEND", b"")
    )


def png_bytes() -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (150, 200, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def flipped(data: bytes, position: int) -> bytes:
    damaged = bytearray(data)
    damaged[position] ^= 0x55
    return bytes(damaged)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


BAD_FILES = {
    "empty.png": (lambda: b"", "the file is empty"),
    "cut.png": (lambda: png_bytes()[: len(png_bytes()) // 2], "the file is truncated"),
    "cut.jpg": (lambda: jpeg_bytes()[: len(jpeg_bytes()) // 2], "the file is truncated"),
    "bad_crc.png": (lambda: flipped(png_bytes(), png_bytes().index(b"IDAT") + 200), "checksum"),
    "bad_header.png": (lambda: flipped(png_bytes(), 20), "the PNG header is damaged"),
    "page.png": (lambda: b"<!DOCTYPE html><html><body>404</body></html>", "a text file"),
    "archive.png": (zip_bytes, "a ZIP archive"),
    "noise.png": (lambda: bytes(range(256)) * 4, "it is not a PNG, JPEG"),
    "bomb.png": (lambda: png_declaring(60000, 60000), "larger than the limit of 40 megapixels"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_quickly_and_cheaply(tmp_path, name):
    make, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ImageLoadError) as caught:
            load_image(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert message.startswith(f'cannot open "{path}": ') and "\n" not in message
    assert reason in message
    assert elapsed < 1.0
    assert peak < 5_000_000


def test_bomb_is_refused_before_pillow_allocates(tmp_path, monkeypatch):
    """Pillow's pixel buffers are not seen by tracemalloc: prove no decode starts at all."""
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(60000, 60000))
    loads = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self))
    with pytest.raises(ImageLoadError, match="larger than the limit"):
        load_image(path)
    assert loads == []


def test_own_pixel_limit_names_the_size(tmp_path):
    path = save(Image.fromarray(pattern()), tmp_path / "small.png")
    with pytest.raises(ImageLoadError, match=r"36×24 \(0.000864 megapixels\), more than"):
        load_image(path, max_pixels=600)
    assert load_image(path, max_pixels=HEIGHT * WIDTH).pixels.shape[:2] == (HEIGHT, WIDTH)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(ImageLoadError, match="it is a folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match='nothing.png": no such file or folder'):
        load_image(tmp_path / "nothing.png")


def test_unreadable_file(tmp_path, monkeypatch):
    path = save(Image.fromarray(pattern()), tmp_path / "locked.png")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(loader, "open", refuse, raising=False)
    with pytest.raises(ImageLoadError, match='locked.png": permission denied'):
        load_image(path)


@pytest.mark.parametrize(("name", "make"), [("cut.jpg", jpeg_bytes), ("cut.png", png_bytes)])
def test_truncated_files_stay_refused_when_pillow_is_told_to_tolerate_them(
    tmp_path, monkeypatch, name, make
):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = make()
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="truncated"):
        load_image(path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    assert Image.MAX_IMAGE_PIXELS != loader.MAX_PIXELS


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_huge_reference_is_read_scaled_down(tmp_path, suffix):
    """A 50-megapixel illustration is too large to color but fine to lend its colors: as a
    reference it comes back at REFERENCE_SIDE on its long side, its colors kept."""
    from colorizer_app.imaging.loader import REFERENCE_SIDE, decode_reference_bytes, load_reference

    pixels = np.zeros((6100, 8200, 3), np.uint8)
    pixels[:, :4100] = (200, 40, 60)
    pixels[:, 4100:] = (30, 90, 210)
    path = tmp_path / f"huge{suffix}"
    Image.fromarray(pixels).save(path, **({"compress_level": 1} if suffix == ".png" else {}))
    with pytest.raises(ImageLoadError, match="megapixels"):
        load_image(path)
    for loaded in (load_reference(path), decode_reference_bytes(path.read_bytes(), path.name)):
        height, width = loaded.pixels.shape[:2]
        assert width == REFERENCE_SIDE and abs(height - round(6100 * REFERENCE_SIDE / 8200)) <= 1
        assert np.abs(loaded.pixels[100, 100, :3].astype(int) - (200, 40, 60)).max() <= 6
        assert np.abs(loaded.pixels[100, -100, :3].astype(int) - (30, 90, 210)).max() <= 6
