"""Atomic writes: the destination is old or new, never half written, and no debris is left."""

import errno
import os

import numpy as np
import pytest

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging import atomic
from colorizer_app.imaging.atomic import atomic_output, atomic_save_png, atomic_write_bytes
from colorizer_app.imaging.loader import load_image


def test_write_and_overwrite(tmp_path):
    target = tmp_path / "notes.bin"
    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["notes.bin"]


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (5, 7, 4)])
def test_png_round_trip(tmp_path, shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    atomic_save_png(tmp_path / "out.png", pixels)
    loaded = load_image(tmp_path / "out.png").pixels
    if len(shape) == 2:
        assert np.array_equal(loaded[..., 0], pixels)
    else:
        assert np.array_equal(loaded[..., : shape[2]], pixels)


@pytest.mark.parametrize("pixels", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 2), np.uint8)])
def test_png_refuses_unexpected_arrays(tmp_path, pixels):
    with pytest.raises(ValueError):
        atomic_save_png(tmp_path / "out.png", pixels)
    assert os.listdir(tmp_path) == []


def test_failed_rename_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "picture.png"
    atomic_save_png(target, np.zeros((3, 3), np.uint8))
    before = target.read_bytes()

    def disk_full(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(ColorizerError, match='cannot write ".*picture.png": the disk is full'):
        atomic_save_png(target, np.full((3, 3), 255, np.uint8))
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["picture.png"]


def test_failing_writer_keeps_the_old_file(tmp_path):
    target = tmp_path / "archive.zip"
    target.write_bytes(b"old")
    with (
        pytest.raises(ColorizerError, match='archive.zip": permission denied'),
        atomic_output(target) as temporary,
    ):
        temporary.write_bytes(b"half")
        raise PermissionError(errno.EACCES, "Permission denied")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["archive.zip"]


def test_other_errors_pass_through_and_clean_up(tmp_path):
    with pytest.raises(KeyError), atomic_output(tmp_path / "x.psd") as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".psd"
        raise KeyError("bug")
    assert os.listdir(tmp_path) == []


def test_missing_folder(tmp_path):
    with pytest.raises(ColorizerError, match="no such file or folder"):
        atomic_write_bytes(tmp_path / "gone" / "x.bin", b"data")


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_new_file_gets_normal_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "shared.bin", b"data")
    finally:
        os.umask(previous)
    assert (tmp_path / "shared.bin").stat().st_mode & 0o777 == 0o644
