"""A report worker: ``python -m il6analysis.reporting.worker``, and the runner's handle on one.

The worker process reads one JSON request per line on standard input
(report, checked parameters, slug, output folder, cell timeout, data
identity), executes and publishes that report, and answers one JSON line on
standard output: ``{"status": "ok", "html": ..., "notebook": ...}`` or
``{"status": "failed", "error": ..., "cause": ..., "cell": ..., "notebook": ...}``.
SIGTERM ends it cleanly: its kernel is shut down and its scratch files removed;
further SIGTERMs do not cut that short. A worker dies with the runner that
started it: on Linux the kernel sends it SIGTERM when the runner dies, however
it died (``prctl(PR_SET_PDEATHSIG)``), and on every system it checks that the
runner is still its parent right before publishing, so a killed run never has
pages published behind the manifest's back.

:class:`WorkerProcess` is how :mod:`il6analysis.reporting.runner` starts a
worker, hands it reports and stops it; :func:`stop_workers` stops several and
returns only when every worker and every process they started (their
kernels) has exited.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from il6analysis.errors import ReportFailed
from il6analysis.startup import skip_unused_grammars

TERMINATE_GRACE_S = 10.0
"""Seconds a worker gets to shut its kernel down after SIGTERM before it is killed."""


# --- the worker process ----------------------------------------------------------------------


def _stop(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the kernel's shutdown
    sys.exit(128 + signum)


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies (``<linux/prctl.h>``)."""


def _die_with(runner: int) -> None:
    """Have this process sent SIGTERM when ``runner`` (its parent) dies (Linux; elsewhere the
    check before publishing alone applies), and exit at once if it is already gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != runner:  # died before the request above took effect
        sys.exit(128 + signal.SIGTERM)


def handle(request: dict[str, Any], folder: Path | None, runner: int | None = None) -> dict[str, Any]:
    """Run one request; return the answer line's content (never raises for a failed report).
    With ``runner``, the report is published only while that process is still this one's parent."""
    from il6analysis.reporting.catalog import load_report
    from il6analysis.reporting.execute import execute_report

    output_dir = Path(request["output_dir"])
    try:
        report = load_report(request["report"], folder)
        html, notebook = execute_report(report, request["parameters"], request["slug"], output_dir,
                                        request["data"], request["cell_timeout"],
                                        may_publish=None if runner is None else lambda: os.getppid() == runner)
    except ReportFailed as exc:
        return {"status": "failed", "error": str(exc), "cause": exc.error, "cell": exc.cell,
                "notebook": str(exc.notebook) if exc.notebook else None}
    except Exception as exc:  # anything else still answers, so the run goes on
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "html": str(html.relative_to(output_dir)), "notebook": str(notebook.relative_to(output_dir))}


def main(argv: list[str] | None = None) -> None:
    """Serve requests until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebook-dir", type=Path, default=None)
    parser.add_argument("--runner", type=int, default=None, help="PID of the runner; the worker dies with it")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if args.runner is not None:
        _die_with(args.runner)
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers may reach the parent's channel
    skip_unused_grammars()
    import il6analysis.reporting.execute  # noqa: F401  (pay the import cost before the first request)

    for line in sys.stdin:
        answers.write(json.dumps(handle(json.loads(line), args.notebook_dir, args.runner)) + "\n")
        answers.flush()


# --- the runner's side -----------------------------------------------------------------------


class WorkerProcess:
    """One worker process (in its own session, so a terminal's Ctrl-C reaches only the
    runner) and the report it is running, if any.

    Attributes:
        process: the worker's :class:`subprocess.Popen`.
        task: what the runner assigned to it (``None`` when idle).
        deadline: when the current report's time limit runs out (the runner's clock).
        started: when the current report was assigned (the runner's clock).
        descendants: processes the worker started (its kernels) seen so far, by PID.
    """

    def __init__(self, folder: Path | None, log: IO[str], environment: Mapping[str, str]) -> None:
        command = [sys.executable, "-m", "il6analysis.reporting.worker", "--runner", str(os.getpid())]
        if folder is not None:
            command += ["--notebook-dir", str(folder)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                        text=True, start_new_session=True, env=dict(environment))
        self.task: Any = None
        self.deadline = float("inf")
        self.started = 0.0
        self.descendants: dict[int, Any] = {}
        self._signalled = False

    def assign(self, task: Any, request: dict[str, Any], started: float, deadline: float) -> None:
        """Send ``request`` to the worker and remember ``task`` as its current work."""
        assert self.process.stdin is not None
        self.task, self.started, self.deadline = task, started, deadline
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def watch(self) -> None:
        """Note the processes the worker has started (its kernel), so they can be
        stopped even if the worker dies first."""
        import psutil

        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.descendants.setdefault(child.pid, child)

    def terminate(self) -> None:
        """Ask the worker, once, to stop (it shuts its kernel down and removes its scratch files)."""
        if not self._signalled and self.process.poll() is None:
            self._signalled = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Kill the worker's process group and every process it started."""
        if self.process.poll() is None:  # once reaped, its PID may belong to someone else
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        for child in self.descendants.values():
            with contextlib.suppress(Exception):
                child.kill()

    def close(self) -> None:
        """Let an idle worker exit on its own (end of input) and wait for it."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self.process.wait()
        self._close_streams()

    def _close_streams(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _gone(process: Any) -> bool:
    import psutil

    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:  # no such process (or no longer ours to see)
        return True


def stop_workers(workers: Iterable[WorkerProcess], grace: float = TERMINATE_GRACE_S) -> None:
    """Stop ``workers`` and wait until each of them, and every process they started, has exited.

    Each worker gets SIGTERM once and ``grace`` seconds to shut its kernel down;
    then it and whatever it started are killed. Signals arriving meanwhile are
    the caller's business (the runner defers them); this never returns early.
    """
    workers = list(workers)
    for worker in workers:
        worker.watch()
        worker.terminate()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is None:
                worker.watch()
        if all(worker.process.poll() is not None for worker in workers) and \
                all(_gone(child) for worker in workers for child in worker.descendants.values()):
            break
        time.sleep(0.05)
    for worker in workers:
        worker.kill()
        worker.process.wait()
        worker._close_streams()
    while not all(_gone(child) for worker in workers for child in worker.descendants.values()):
        time.sleep(0.05)


if __name__ == "__main__":
    main()
