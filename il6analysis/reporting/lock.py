"""The output folder's lock: one run writes to a folder at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from il6analysis.errors import OutputLocked
from il6analysis.reporting.manifest import now

LOCK = ".il6-report.lock"


@contextlib.contextmanager
def output_lock(output_dir: str | Path) -> Iterator[None]:
    """Hold the output folder's lock for the duration of a run.

    Raises:
        OutputLocked: another process holds it; the message says which and since when.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(output_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise OutputLocked(
            f"another il6 report run ({holder}) is writing to {output_dir}; wait for it to finish and try again"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {now()}".encode())
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
