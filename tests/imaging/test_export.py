import io
import zipfile
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging import export
from colorizer_app.imaging.export import read_ora, write_ora, write_png_layers, write_psd
from colorizer_app.imaging.layers import Layer, composite, lineart_layer


def _stack(height: int = 40, width: int = 60) -> list[Layer]:
    rng = np.random.default_rng(3)
    flats = np.zeros((height, width, 4), np.uint8)
    flats[5:30, 10:50] = (220, 60, 60, 255)
    shading = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    ink = np.zeros((height, width), np.uint8)
    ink[:, 30] = 255
    ink[20, :] = 128
    return [
        Layer("flats", flats),
        Layer("影 shading", shading, visible=False, opacity=0.5),
        lineart_layer(ink),
    ]


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def test_ora_follows_the_openraster_layout(tmp_path):
    layers = _stack()
    path = tmp_path / "out.ora"
    write_ora(path, layers)
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED and not first.extra
        assert archive.read("mimetype") == b"image/openraster"
        # The mimetype's bytes sit at a fixed offset, as file-type sniffers expect.
        assert path.read_bytes()[30 : 38 + 16] == b"mimetypeimage/openraster"
        root = ElementTree.fromstring(archive.read("stack.xml"))
        assert (root.get("w"), root.get("h")) == ("60", "40")
        entries = root.find("stack").findall("layer")
        assert [e.get("name") for e in entries] == ["line art", "影 shading", "flats"]  # top first
        assert entries[0].get("composite-op") == "svg:multiply"
        assert entries[2].get("composite-op") == "svg:src-over"
        assert entries[1].get("visibility") == "hidden" and float(entries[1].get("opacity")) == 0.5
        for entry, layer in zip(entries, reversed(layers), strict=False):
            np.testing.assert_array_equal(_png(archive.read(entry.get("src"))), layer.pixels)
        np.testing.assert_array_equal(_png(archive.read("mergedimage.png")), composite(layers))
        thumbnail = Image.open(io.BytesIO(archive.read("Thumbnails/thumbnail.png")))
        assert max(thumbnail.size) <= 256


def test_thumbnail_of_a_large_image_is_at_most_256(tmp_path):
    layers = [Layer("paint", np.full((300, 700, 4), 200, np.uint8))]
    write_ora(tmp_path / "big.ora", layers)
    with zipfile.ZipFile(tmp_path / "big.ora") as archive:
        size = Image.open(io.BytesIO(archive.read("Thumbnails/thumbnail.png"))).size
    assert size == (256, 110)


def test_ora_reloads_with_layers_order_and_extra_files(tmp_path):
    layers = _stack()
    extras = {"colorizer/hints.json": b'{"strokes": [], "fills": []}', "colorizer/tags.json": b"{}"}
    write_ora(tmp_path / "project.ora", layers, extra_files=extras)
    document = read_ora(tmp_path / "project.ora")
    assert document.size == (40, 60)
    assert [layer.name for layer in document.layers] == ["flats", "影 shading", "line art"]
    for read, written in zip(document.layers, layers, strict=False):
        np.testing.assert_array_equal(read.pixels, written.pixels)
        assert (read.visible, read.opacity, read.blend) == (
            written.visible,
            written.opacity,
            written.blend,
        )
    assert dict(document.extra_files) == extras


def test_ora_reader_places_cropped_layers_at_their_offset(tmp_path):
    """Krita and MyPaint store layers cropped to their content, with an x/y offset."""
    patch = np.full((4, 5, 4), (10, 200, 30, 255), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(patch).save(buffer, format="PNG")
    path = tmp_path / "krita.ora"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "image/openraster")
        archive.writestr(
            "stack.xml",
            '<image w="20" h="10"><stack><layer name="patch" '
            'src="data/p.png" x="17" y="3"/></stack></image>',
        )
        archive.writestr("data/p.png", buffer.getvalue())
    (layer,) = read_ora(path).layers
    assert layer.pixels.shape == (10, 20, 4)
    assert (layer.pixels[3:7, 17:20] == patch[:, :3]).all()
    assert layer.pixels[..., 3].sum() == 255 * 4 * 3  # the part beyond the canvas is cut off
    assert (layer.name, layer.blend, layer.visible, layer.opacity) == ("patch", "normal", True, 1.0)


@pytest.mark.parametrize("content", [b"not a zip at all", None])
def test_ora_reader_refuses_other_files_with_a_message(tmp_path, content):
    path = tmp_path / "fake.ora"
    if content is None:  # a zip without the OpenRaster mimetype
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("stack.xml", "<image w='1' h='1'><stack/></image>")
    else:
        path.write_bytes(content)
    with pytest.raises(ColorizerError, match="fake.ora"):
        read_ora(path)


def test_extra_files_cannot_overwrite_the_openraster_entries(tmp_path):
    for name in ("stack.xml", "data/layer000.png", "../escape.json", "/abs.json"):
        with pytest.raises(ValueError):
            write_ora(tmp_path / "x.ora", _stack(), extra_files={name: b""})


def test_psd_reloads_through_psd_tools_with_named_layers(tmp_path):
    from psd_tools import PSDImage
    from psd_tools.constants import BlendMode

    layers = _stack()
    write_psd(tmp_path / "out.psd", layers)
    document = PSDImage.open(tmp_path / "out.psd")
    assert document.size == (60, 40)
    read = list(document)
    assert [layer.name for layer in read] == ["flats", "影 shading", "line art"]
    assert read[2].blend_mode == BlendMode.MULTIPLY and read[0].blend_mode == BlendMode.NORMAL
    assert not read[1].visible and read[1].opacity == 128
    np.testing.assert_array_equal(np.asarray(read[0].topil().convert("RGBA")), layers[0].pixels)
    np.testing.assert_array_equal(np.asarray(read[2].topil().convert("RGBA")), layers[2].pixels)


def test_png_layers_go_into_a_folder_with_a_composite(tmp_path):
    layers = _stack()
    paths = write_png_layers(tmp_path / "layers", layers)
    assert [p.name for p in paths] == [
        "flats.png",
        "影-shading.png",
        "line-art.png",
        "composite.png",
    ]
    for path, layer in zip(paths, layers, strict=False):
        np.testing.assert_array_equal(np.asarray(Image.open(path)), layer.pixels)
    np.testing.assert_array_equal(np.asarray(Image.open(paths[-1])), composite(layers))


def test_png_layer_names_that_collide_get_numbered(tmp_path):
    pixels = np.zeros((4, 4, 4), np.uint8)
    paths = write_png_layers(tmp_path, [Layer("Color", pixels), Layer("color", pixels)])
    assert [p.name for p in paths] == ["color.png", "color-2.png", "composite.png"]


def _failing_after(monkeypatch, target, name, calls_before_failure):
    real = getattr(target, name)
    calls = []

    def fail_later(*args, **kwargs):
        calls.append(1)
        if len(calls) > calls_before_failure:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, fail_later)


def test_a_failed_ora_write_leaves_the_earlier_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.ora"
    write_ora(path, _stack())
    before = path.read_bytes()
    _failing_after(monkeypatch, export, "_png_bytes", 2)  # fails on the third layer
    with pytest.raises(ColorizerError, match="keep.ora"):
        write_ora(path, [Layer("other", np.zeros((40, 60, 4), np.uint8))] + _stack())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.ora"]


def test_a_failed_psd_write_leaves_the_earlier_file_intact(tmp_path, monkeypatch):
    from psd_tools import PSDImage

    path = tmp_path / "keep.psd"
    write_psd(path, _stack())
    before = path.read_bytes()
    real_save = PSDImage.save

    def half_written(self, fp, *args, **kwargs):
        real_save(self, fp, *args, **kwargs)
        with open(fp, "r+b") as stream:
            stream.truncate(100)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PSDImage, "save", half_written)
    with pytest.raises(ColorizerError, match="keep.psd"):
        write_psd(path, _stack())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.psd"]
