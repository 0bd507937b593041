"""Atomic writes: a file is either its old self or completely new, never half written.

Everything is written to a temporary file in the destination's own folder (so the final rename
never crosses file systems), flushed to disk, then renamed over the destination with
``os.replace``. A failure anywhere removes the temporary file, leaves an earlier file intact and
becomes one ``ColorizerError`` naming the file and the reason (disk full, permission denied, ...).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.oserrors import describe_os_error


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yields a temporary path beside ``path`` (same suffix, so writers that look at it pick the
    right format); on success it is synced and renamed onto ``path``, on failure removed."""
    target = Path(path)
    try:
        temporary = _create_temporary(target)
    except OSError as error:
        raise _error(target, error) from error
    try:
        yield temporary
        _sync_file(temporary)
        os.replace(temporary, target)
    except BaseException as failure:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(failure, OSError):
            raise _error(target, failure) from failure
        raise
    _sync_folder(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_output(path) as temporary:
        temporary.write_bytes(data)


def atomic_save_png(path: str | os.PathLike[str], pixels: np.ndarray) -> None:
    """Saves (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA uint8 pixels as a PNG at ``path``."""
    array = np.ascontiguousarray(pixels)
    channels = 1 if array.ndim == 2 else array.shape[2] if array.ndim == 3 else 0
    if array.dtype != np.uint8 or channels not in (1, 3, 4):
        raise ValueError(
            f"expected uint8 (H, W), (H, W, 3) or (H, W, 4), got {array.dtype} {array.shape}"
        )
    image = Image.fromarray(array)
    with atomic_output(path) as temporary:
        image.save(temporary, format="PNG")


def _create_temporary(target: Path) -> Path:
    """A new empty file beside ``target``, created with the normal permissions (umask applies,
    unlike ``tempfile.mkstemp``'s private 0600)."""
    while True:
        candidate = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate


def _sync_file(file: Path) -> None:
    with open(file, "r+b") as stream:
        os.fsync(stream.fileno())


def _sync_folder(folder: Path) -> None:
    """Makes the rename itself durable where the system allows it (best effort: the file is
    already complete; Windows cannot open folders for syncing)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _error(target: Path, error: OSError) -> ColorizerError:
    return ColorizerError(f'cannot write "{target}": {describe_os_error(error)}')
