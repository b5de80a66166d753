"""The output folder's lock (one run writes to a folder at a time) and the deferral of
stop signals, so that a run releases its lock only after everything it started has stopped."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from il6analysis.errors import CannotWrite, Interrupted, OutputLocked
from il6analysis.reporting.manifest import now

LOCK = ".il6-report.lock"


@contextlib.contextmanager
def output_lock(output_dir: str | Path) -> Iterator[None]:
    """Hold the output folder's lock for the duration of a run.

    Raises:
        OutputLocked: another process holds it; the message says which and since when.
        CannotWrite: the folder cannot be created or written (read-only, full disk, no permission).
    """
    output_dir = Path(output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(output_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CannotWrite(f"cannot write to the output folder {output_dir}: {exc.strerror}; nothing was run. "
                          "Give a writable folder with --output-dir or $IL6_REPORTS_DIR") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise OutputLocked(
            f"another il6 report run ({holder}) is writing to {output_dir}; wait for it to finish and try again"
        ) from None
    try:
        with contextlib.suppress(OSError):  # who holds the lock is a courtesy; a full disk must not stop the run
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, started {now()}".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class StopRequests:
    """While active, SIGINT and SIGTERM are noted, never raised in the middle of a step;
    :meth:`check` raises :class:`Interrupted` at the next safe point.

    ``wakeup`` is a file descriptor that becomes readable when a signal arrives
    (for a select loop). Outside the main thread signals cannot be handled, so
    nothing is installed there.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: list[int] = []
        self.wakeup: int | None = None

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._previous_fd = signal.set_wakeup_fd(self._write)
        self._previous = {signum: signal.signal(signum, self._note) for signum in self.SIGNALS}
        self.wakeup = self._read
        return self

    def _note(self, signum: int, frame: object) -> None:
        self.received.append(signum)

    def drain(self) -> None:
        """Empty the wake-up pipe."""
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 512):
                pass

    def check(self) -> None:
        """Raise :class:`Interrupted` if a stop was requested."""
        if self.received:
            raise Interrupted(f"interrupted by {signal.Signals(self.received[0]).name}: the report(s) still running "
                              "were stopped with their kernels and not recorded, so their published HTML and "
                              "manifest entries are as before; reports that had finished stay published")

    def __exit__(self, *exc: object) -> None:
        if self.wakeup is None:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._read)
        os.close(self._write)
        self.wakeup = None
