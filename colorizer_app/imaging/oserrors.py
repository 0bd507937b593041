"""Turns an OSError into the few words a user needs ("permission denied", "the disk is full")."""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the folder is on a read-only file system",
}


def describe_os_error(error: OSError) -> str:
    """A short lower-case reason for ``error``, without the path (the caller names the file)."""
    reason = _REASONS.get(error.errno or -1)
    if reason:
        return reason
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]
