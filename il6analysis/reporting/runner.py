"""Running a report suite: incremental, parallel, time-limited, interruptible.

* **Incremental.** A report is skipped when its fingerprint (notebook code,
  parameters, data hash, package version) matches its last successful run
  and its HTML is still there. When nothing at all changed since the suite's
  last complete run, the suite file is not even parsed.
* **Parallel.** Reports run in worker processes (``python -m
  il6analysis.reporting.worker``), each report in its own kernel; a worker serves
  reports one after another so its start-up cost is paid once.
* **Robust.** One failing report does not stop the others; a report that
  exceeds its whole-notebook time limit has its worker (and so its kernel)
  killed; Ctrl-C or SIGTERM stop every worker and leave no partial files;
  an output folder takes one run at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from il6analysis.curated.identity import dataset_info
from il6analysis.reporting.catalog import available_reports, load_report
from il6analysis.reporting.fingerprints import fingerprint
from il6analysis.reporting.lock import output_lock
from il6analysis.reporting.manifest import (
    FINISHED,
    ReportRun,
    now,
    read_manifest,
    record_run,
    record_suite,
    suite_is_current,
)

DEFAULT_REPORT_TIMEOUT = 1800
TERMINATE_GRACE_S = 10.0


@dataclass
class SuiteResult:
    """What a suite run did: every report's run, and whether nothing needed doing."""

    runs: list[ReportRun] = field(default_factory=list)
    up_to_date: bool = False

    def count(self, status: str) -> int:
        return sum(run.status == status for run in self.runs)

    @property
    def failed(self) -> list[ReportRun]:
        return [run for run in self.runs if run.status == "failed"]

    def summary(self) -> str:
        """One line: how many reports were rendered, skipped and failed."""
        if self.up_to_date:
            return "nothing changed: every report of the suite is up to date"
        return f"{self.count('ok')} rendered, {self.count('skipped')} unchanged, {self.count('failed')} failed"


class Observer:
    """Hooks a progress display implements; the default does nothing."""

    def started(self, total: int) -> None: ...

    def running(self, run: ReportRun) -> None: ...

    def finished(self, run: ReportRun) -> None: ...


def suite_fingerprint(suite_file: Path, folder: Path | None, data: dict[str, str]) -> str:
    """Hash of everything a whole suite depends on: the suite file, every
    notebook's code, the data and the package version."""
    parts = {
        "suite": suite_file.read_text(encoding="utf-8"),
        "notebooks": {name: load_report(name, folder).code_hash for name in available_reports(folder)},
        "data": data["sha256"],
        "version": data["version"],
    }
    return fingerprint({"all": json.dumps(parts, sort_keys=True)})


# --- workers ---------------------------------------------------------------------------------


class _Worker:
    """One worker process and the report it is running, if any."""

    def __init__(self, folder: Path | None, log: IO[str]) -> None:
        command = [sys.executable, "-m", "il6analysis.reporting.worker"]
        if folder is not None:
            command += ["--notebook-dir", str(folder)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True,  # our Ctrl-C reaches the parent only; the parent stops workers cleanly
        )
        self.run: ReportRun | None = None
        self.deadline = float("inf")
        self.clock = 0.0

    def assign(self, run: ReportRun, request: dict[str, Any], timeout: float) -> None:
        assert self.process.stdin is not None
        self.run, self.clock, self.deadline = run, time.monotonic(), time.monotonic() + timeout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def stop(self, grace: float = TERMINATE_GRACE_S) -> None:
        """Terminate the worker (it shuts its kernel down), killing it after ``grace`` seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may have exited meanwhile
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Let an idle worker exit on its own (end of input)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _remove_scratch(output_dir: Path, run: ReportRun | None = None) -> None:
    """Remove scratch folders a killed worker left: ``run``'s, or all of them."""
    from il6analysis.reporting.execute import SCRATCH_PREFIX

    pattern = f"{run.report}/{SCRATCH_PREFIX}{run.slug}-*" if run else f"*/{SCRATCH_PREFIX}*"
    for scratch in output_dir.glob(pattern):
        shutil.rmtree(scratch, ignore_errors=True)


def _finish(run: ReportRun, clock: float, result: dict[str, Any]) -> ReportRun:
    run.finished, run.duration_s = now(), round(time.monotonic() - clock, 2)
    run.status = result["status"]
    if run.status == "ok":
        run.html, run.notebook, run.generated = result["html"], result["notebook"], run.finished
    else:
        run.error = result["error"]
    return run


def _log_tail(log: IO[str], lines: int = 5) -> str:
    log.flush()
    log.seek(0)
    tail = log.read().strip().splitlines()[-lines:]
    return (": " + " | ".join(tail)) if tail else ""


def _execute(
    runs: Sequence[ReportRun], output_dir: Path, jobs: int, report_timeout: float, cell_timeout: int,
    folder: Path | None, on_done: Callable[[ReportRun], None], observer: Observer, data: dict[str, str],
) -> None:
    pending = list(runs)
    workers: list[_Worker] = []
    selector = selectors.DefaultSelector()
    with tempfile.TemporaryFile("w+") as log:
        try:
            while pending or any(w.run for w in workers):
                idle = [w for w in workers if w.run is None]
                while pending and (idle or len(workers) < jobs):
                    worker = idle.pop() if idle else _Worker(folder, log)
                    if worker not in workers:
                        workers.append(worker)
                        selector.register(worker.process.stdout, selectors.EVENT_READ, worker)
                    run = pending.pop(0)
                    request = {"report": run.report, "parameters": run.parameters, "slug": run.slug,
                               "output_dir": str(output_dir), "cell_timeout": cell_timeout, "data": data}
                    worker.assign(run, request, report_timeout)
                    observer.running(run)
                busy = [w for w in workers if w.run]
                wait = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if busy else 0.0
                for key, _ in selector.select(timeout=min(wait, 1.0)):
                    worker = key.data
                    line = worker.process.stdout.readline()
                    run, worker.run = worker.run, None
                    if not line:  # the worker died
                        selector.unregister(worker.process.stdout)
                        worker.stop(grace=0)
                        workers.remove(worker)
                        if run is not None:
                            _remove_scratch(output_dir, run)
                            on_done(_finish(run, worker.clock, {"status": "failed",
                                                                "error": "worker process died" + _log_tail(log)}))
                    elif run is not None:
                        on_done(_finish(run, worker.clock, json.loads(line)))
                for worker in [w for w in workers if w.run and time.monotonic() > w.deadline]:
                    run = worker.run
                    selector.unregister(worker.process.stdout)
                    worker.stop()
                    workers.remove(worker)
                    _remove_scratch(output_dir, run)
                    on_done(_finish(run, worker.clock, {
                        "status": "failed",
                        "error": f"time limit of {report_timeout:g} s exceeded; the report's kernel was stopped"}))
        except BaseException:
            for worker in workers:
                worker.stop()
            _remove_scratch(output_dir)
            raise
        for worker in workers:
            worker.close()


# --- the suite -------------------------------------------------------------------------------


class _Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


def _raise_interrupt(signum: int, frame: object) -> None:
    raise _Interrupted(f"signal {signum}")


def run_suite(
    suite_file: str | Path,
    output_dir: str | Path = "reports",
    jobs: int | None = None,
    force: bool = False,
    report_timeout: float = DEFAULT_REPORT_TIMEOUT,
    cell_timeout: int | None = None,
    folder: Path | None = None,
    observer: Observer | None = None,
) -> SuiteResult:
    """Produce every report the suite declares, skipping those whose inputs did not change.

    Args:
        suite_file: the TOML suite (see :mod:`il6analysis.reporting.suite`).
        output_dir: where reports, ``manifest.json`` and ``index.html`` go.
        jobs: worker processes (default: CPU cores).
        force: re-run every report even if nothing changed.
        report_timeout: seconds one whole notebook may take before its kernel is killed.
        cell_timeout: seconds one cell may take (default: the report runner's).

    Returns:
        A :class:`SuiteResult`; failures are in it, not raised.

    Raises:
        SuiteError: the suite file is invalid (every problem listed; nothing ran).
        OutputLocked: another run is writing to ``output_dir``.
        KeyboardInterrupt: Ctrl-C or SIGTERM; workers were stopped, no partial file left.
    """
    suite_file, output_dir = Path(suite_file), Path(output_dir)
    observer = observer or Observer()
    jobs = max(1, jobs or os.cpu_count() or 1)
    data = dataset_info()
    suite_key = str(suite_file.resolve())
    whole = suite_fingerprint(suite_file, folder, data)
    if not force and suite_is_current(output_dir, suite_key, whole):
        return SuiteResult(up_to_date=True)

    from il6analysis.reporting.execute import DEFAULT_CELL_TIMEOUT, new_run
    from il6analysis.reporting.suite import load_suite

    planned = [new_run(job.report, job.parameters, job.slug, data) for job in load_suite(suite_file, folder)]
    previous_handler = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with output_lock(output_dir):
            return _run_planned(planned, output_dir, jobs, force, report_timeout, cell_timeout or DEFAULT_CELL_TIMEOUT,
                                folder, observer, suite_key, whole, data)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


def _run_planned(
    planned: list[ReportRun], output_dir: Path, jobs: int, force: bool, report_timeout: float, cell_timeout: int,
    folder: Path | None, observer: Observer, suite_key: str, whole: str, data: dict[str, str],
) -> SuiteResult:
    record_suite(output_dir, suite_key, None, [])
    published = read_manifest(output_dir)
    result = SuiteResult()
    observer.started(len(planned))

    def done(run: ReportRun) -> None:
        record_run(output_dir, run)
        result.runs.append(run)
        observer.finished(run)

    to_run = []
    for run in planned:
        before = published.get(run.key)
        current = (not force and before and before["status"] in FINISHED and before.get("fingerprint") == run.fingerprint
                   and before.get("html") and (output_dir / before["html"]).is_file())
        if current:
            run.status, run.finished = "skipped", now()
            run.html, run.notebook, run.generated = before["html"], before["notebook"], before.get("generated")
            done(run)
        else:
            to_run.append(run)
    _execute(to_run, output_dir, jobs, report_timeout, cell_timeout, folder, done, observer, data)
    order = {run.key: position for position, run in enumerate(planned)}
    result.runs.sort(key=lambda run: order[run.key])
    if not result.failed:
        record_suite(output_dir, suite_key, whole, [run.key for run in planned])
    return result
