"""Writes that readers see whole or not at all: the old file or the new one, never a part.

Every file the package publishes (reports, manifest, index, refreshed tables,
cached responses, FAERS stores) is written here: to a temporary file in the same
folder, flushed and fsynced, checked, and only then moved over the old one with
an atomic rename. A failure at any point (a full disk, a signal) removes the
temporary file and leaves the old file as it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` atomically and durably; return ``path``.

    The file gets ``mode`` less the process umask (0644 by default, so a web
    server or a colleague can read what a run published).

    Raises:
        OSError: the folder is missing or read-only, or the disk is full; the
            old file is unchanged and no temporary file is left.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if os.path.getsize(tmp) != len(data):
            raise OSError(f"short write to {tmp}: {os.path.getsize(tmp)} of {len(data)} bytes")
        os.chmod(tmp, mode & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str, mode: int = 0o644) -> Path:
    """Write ``text`` (UTF-8) to ``path`` as :func:`atomic_write_bytes` does; return ``path``."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode)


def replace_checked(tmp: str | Path, path: str | Path, check: Callable[[Path], None]) -> Path:
    """Move a finished temporary file ``tmp`` over ``path`` once ``check(tmp)`` passes.

    ``tmp`` is fsynced first. ``check`` raises if the file is not what it should be
    (e.g. a database whose catalog cannot be read back); then ``tmp`` is removed
    and ``path`` is untouched.

    Returns:
        ``path``.
    """
    tmp, path = Path(tmp), Path(path)
    try:
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        check(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
