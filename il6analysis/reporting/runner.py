"""Running reports: one, or a whole suite; incremental, parallel, time-limited, interruptible.

* **One machinery.** A single report (:func:`run_report`) runs exactly as a
  suite of one (:func:`run_suite`): in a worker process, under the output
  folder's lock, with a whole-report time limit.
* **Checked first.** Parameters, the suite file and the curated data (it must
  pass validation) are checked once, before any kernel starts.
* **Incremental.** A report is skipped when its fingerprint (notebook code,
  parameters, data hash, package version) matches its last successful run
  and its HTML is still there. When nothing at all changed since the suite's
  last complete run, the suite file is not even parsed.
* **Parallel.** Reports run in worker processes (:mod:`il6analysis.reporting.worker`),
  each report in its own kernel; a worker serves reports one after another.
* **Robust.** One failing report does not stop the others; a report that
  exceeds its time limit has its worker and kernel stopped. SIGINT and SIGTERM,
  however many and whenever they arrive, only *request* a stop: the runner
  then stops every worker, waits until each worker and kernel has exited,
  removes scratch files, and only then releases the lock and raises
  :class:`~il6analysis.errors.Interrupted`. A report stopped that way is not
  recorded: the manifest keeps its previous entry.
* **Killed runs.** Workers die with the runner, even when it is killed with
  SIGKILL, and never publish once it is gone (:mod:`~il6analysis.reporting.worker`);
  the next run removes what a killed run left and records any page it published
  (:func:`~il6analysis.reporting.manifest.reconcile`).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any

from il6analysis.curated.identity import dataset_info
from il6analysis.errors import DataNotValid, ReportFailed
from il6analysis.paths import absolute, data_folder, pinned_environ
from il6analysis.reporting.catalog import available_reports, load_report
from il6analysis.reporting.fingerprints import fingerprint, suite_outside_inputs
from il6analysis.reporting.lock import StopRequests, output_lock
from il6analysis.reporting.manifest import (
    FINISHED,
    ReportRun,
    now,
    read_manifest,
    reconcile,
    record_run,
    record_suite,
    suite_is_current,
)
from il6analysis.reporting.worker import WorkerProcess, stop_workers

DEFAULT_REPORT_TIMEOUT = 1800


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


# --- checks before anything runs -------------------------------------------------------------


def checked_data() -> dict[str, str]:
    """Validate the curated data (once per run) and return its identity (:func:`dataset_info`).

    Raises:
        DataNotValid: any table breaks its schema or a cross-table rule, or the
            curation record cannot be read; the message says to run ``il6 data validate``.
    """
    from il6analysis.curated.validation import validate

    folder = data_folder()
    problems: list[object] = list(validate().problems)
    if not problems:
        try:
            return dataset_info()
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"the curation record DATASET.toml cannot be read: {type(exc).__name__}: {exc}")
    raise DataNotValid(folder, problems)


def suite_fingerprint(suite_text: str, folder: Path | None, data: Mapping[str, str]) -> str:
    """Hash of everything a whole suite depends on: the suite file's text, every
    notebook's code, the data, the package version and the outside inputs its reports may
    read (:func:`~il6analysis.reporting.fingerprints.suite_outside_inputs`)."""
    parts = {
        "suite": suite_text,
        "notebooks": {name: load_report(name, folder).code_hash for name in available_reports(folder)},
        "data": data["sha256"],
        "version": data["version"],
        "outside": suite_outside_inputs(suite_text),
    }
    return fingerprint({"all": json.dumps(parts, sort_keys=True)})


# --- executing runs in workers ---------------------------------------------------------------


def _take_over(output_dir: Path) -> None:
    """Start a run on ``output_dir`` (holding its lock) from what an earlier, killed run left:
    scratch folders are removed and pages published but never recorded are recorded
    (:func:`~il6analysis.reporting.manifest.reconcile`), so they are rendered again."""
    _remove_scratch(output_dir)
    reconcile(output_dir)


def _remove_scratch(output_dir: Path, run: ReportRun | None = None) -> None:
    """Remove scratch folders a stopped worker left: ``run``'s, or all of them."""
    from il6analysis.reporting.execute import SCRATCH_PREFIX

    pattern = f"{run.report}/{SCRATCH_PREFIX}{run.slug}-*" if run else f"*/{SCRATCH_PREFIX}*"
    for scratch in output_dir.glob(pattern):
        shutil.rmtree(scratch, ignore_errors=True)


def _finish(run: ReportRun, started: float, answer: dict[str, Any]) -> ReportRun:
    run.finished, run.duration_s = now(), round(monotonic() - started, 2)
    run.status = answer["status"]
    if run.status == "ok":
        run.html, run.notebook, run.generated = answer["html"], answer["notebook"], run.finished
    else:
        run.error = answer["error"]
    return run


def _log_tail(log: Any, lines: int = 5) -> str:
    log.flush()
    log.seek(0)
    tail = log.read().strip().splitlines()[-lines:]
    return (": " + " | ".join(tail)) if tail else ""


Done = Callable[[ReportRun, dict[str, Any]], None]


def _execute(runs: Sequence[ReportRun], output_dir: Path, jobs: int, report_timeout: float, cell_timeout: int,
             folder: Path | None, done: Done, observer: Observer, data: Mapping[str, str], stops: StopRequests) -> None:
    """Run ``runs`` in up to ``jobs`` workers; call ``done(run, answer)`` as each finishes.
    Returns only when every worker (and kernel) has exited, also when raising."""
    pending, workers = list(runs), []
    selector = selectors.DefaultSelector()
    if stops.wakeup is not None:
        selector.register(stops.wakeup, selectors.EVENT_READ, None)
    environment = pinned_environ()

    def retire(worker: WorkerProcess, stop: bool) -> None:
        selector.unregister(worker.process.stdout)
        workers.remove(worker)
        if stop:
            stop_workers([worker])

    with tempfile.TemporaryFile("w+") as log:
        try:
            while pending or any(w.task for w in workers):
                stops.check()
                idle = [w for w in workers if w.task is None]
                while pending and (idle or len(workers) < jobs):
                    worker = idle.pop() if idle else WorkerProcess(folder, log, environment)
                    if worker not in workers:
                        workers.append(worker)
                        selector.register(worker.process.stdout, selectors.EVENT_READ, worker)
                    run = pending.pop(0)
                    request = {"report": run.report, "parameters": run.parameters, "slug": run.slug,
                               "output_dir": str(output_dir), "cell_timeout": cell_timeout, "data": dict(data)}
                    worker.assign(run, request, monotonic(), monotonic() + report_timeout)
                    observer.running(run)
                busy = [w for w in workers if w.task]
                for worker in busy:
                    worker.watch()
                wait = max(0.0, min(w.deadline for w in busy) - monotonic()) if busy else 0.0
                for key, _ in selector.select(timeout=min(wait, 1.0)):
                    if key.data is None:
                        stops.drain()
                        continue
                    worker = key.data
                    line = worker.process.stdout.readline()
                    run, worker.task = worker.task, None
                    if not line:  # the worker died
                        retire(worker, stop=True)
                        if run is not None:
                            _remove_scratch(output_dir, run)
                            done(_finish(run, worker.started, {"status": "failed", "error": "worker process died"
                                                               + _log_tail(log)}), {"cause": "worker process died"})
                    elif run is not None:
                        answer = json.loads(line)
                        done(_finish(run, worker.started, answer), answer)
                for worker in [w for w in workers if w.task and monotonic() > w.deadline]:
                    run = worker.task
                    retire(worker, stop=True)
                    _remove_scratch(output_dir, run)
                    error = f"time limit of {report_timeout:g} s exceeded; the report's kernel was stopped"
                    done(_finish(run, worker.started, {"status": "failed", "error": error}), {"cause": error})
        except BaseException:
            stop_workers(workers)
            _remove_scratch(output_dir)
            raise
        finally:
            selector.close()
        for worker in workers:
            worker.close()


# --- one report, or a suite ------------------------------------------------------------------


def run_report(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    output_dir: str | Path = "reports",
    cell_timeout: int | None = None,
    report_timeout: float = DEFAULT_REPORT_TIMEOUT,
    folder: Path | None = None,
    observer: Observer | None = None,
) -> ReportRun:
    """Check parameters and data, run report ``name`` in a worker and publish it, as a
    suite of one; the run is recorded in the manifest.

    Args:
        name: a notebook in the notebook folder (see :func:`available_reports`).
        parameters: values by parameter name; strings are converted to the
            declared type (lists as comma-separated text).
        output_dir: where reports, ``manifest.json`` and ``index.html`` go.
        cell_timeout: seconds any one cell may run (default: the executor's).
        report_timeout: seconds the whole report may take before its kernel is stopped.
        folder: the notebook folder (default: ``$IL6_NOTEBOOK_DIR`` or ``notebooks/``).

    Returns:
        The :class:`ReportRun` (status ``"ok"``).

    Raises:
        UnknownNameError: unknown report name.
        ParameterError: bad parameters; raised before any kernel starts, nothing written.
        DataNotValid: the curated data fails validation; nothing written.
        OutputLocked: another run is writing to ``output_dir``.
        CannotWrite: the output folder, manifest or index cannot be written.
        ReportFailed: the notebook failed or exceeded its time limit; the run is
            recorded as failed, the previous HTML left in place.
        Interrupted: SIGINT or SIGTERM; the worker and kernel were stopped, no
            partial file is left and the manifest keeps the previous entry.
    """
    from il6analysis.reporting.execute import DEFAULT_CELL_TIMEOUT, new_run, parameter_slug
    from il6analysis.reporting.parameters import check_parameters

    output_dir, observer = absolute(output_dir), observer or Observer()
    answers: dict[str, dict[str, Any]] = {}

    def done(run: ReportRun, answer: dict[str, Any]) -> None:
        record_run(output_dir, run)
        answers[run.key] = answer
        observer.finished(run)

    with StopRequests() as stops:
        report = load_report(name, folder)
        values = check_parameters(report, parameters or {})
        data = checked_data()
        run = new_run(report, values, parameter_slug(values, report.defaults), data)
        stops.check()
        with output_lock(output_dir):
            _take_over(output_dir)
            _execute([run], output_dir, 1, report_timeout, cell_timeout or DEFAULT_CELL_TIMEOUT, folder, done,
                     observer, data, stops)
    if run.status == "failed":
        answer = answers[run.key]
        notebook = answer.get("notebook")
        raise ReportFailed(run.report, run.slug, answer.get("cause") or run.error or "", cell=answer.get("cell"),
                           notebook=Path(notebook) if notebook else None)
    return run


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
        report_timeout: seconds one whole notebook may take before its kernel is stopped.
        cell_timeout: seconds one cell may take (default: the executor's).

    Returns:
        A :class:`SuiteResult`; report failures are in it, not raised.

    Raises:
        SuiteError: the suite file is missing, not UTF-8 or invalid (every problem listed; nothing ran).
        DataNotValid: the curated data fails validation; nothing ran.
        OutputLocked: another run is writing to ``output_dir``.
        CannotWrite: the output folder, manifest or index cannot be written.
        Interrupted: SIGINT or SIGTERM; every worker and kernel had exited and no
            partial file was left before the lock was released.
    """
    from il6analysis.reporting.execute import DEFAULT_CELL_TIMEOUT, new_run
    from il6analysis.reporting.suite import load_suite, read_suite_text

    suite_file, output_dir = absolute(suite_file), absolute(output_dir)
    observer = observer or Observer()
    jobs = max(1, jobs or os.cpu_count() or 1)
    with StopRequests() as stops:
        text = read_suite_text(suite_file)
        suite_key = str(suite_file.resolve())
        whole = suite_fingerprint(text, folder, _quick_identity())
        if not force and suite_is_current(output_dir, suite_key, whole):
            return SuiteResult(up_to_date=True)
        data = checked_data()
        planned = [new_run(job.report, job.parameters, job.slug, data) for job in load_suite(suite_file, folder)]
        stops.check()
        with output_lock(output_dir):
            _take_over(output_dir)
            result = _run_planned(planned, output_dir, jobs, force, report_timeout, cell_timeout or DEFAULT_CELL_TIMEOUT,
                                  folder, observer, data, stops, suite_key)
            if not result.failed:
                record_suite(output_dir, suite_key, whole, [run.key for run in planned])
    return result


def _quick_identity() -> dict[str, str]:
    """The data's identity for the quick "nothing changed" test, without validating; data
    whose identity cannot be read is never current (:func:`checked_data` then says why)."""
    try:
        return dataset_info()
    except (OSError, ValueError, KeyError):
        return {"sha256": "unreadable", "version": ""}


def _run_planned(planned: list[ReportRun], output_dir: Path, jobs: int, force: bool, report_timeout: float,
                 cell_timeout: int, folder: Path | None, observer: Observer, data: Mapping[str, str],
                 stops: StopRequests, suite_key: str) -> SuiteResult:
    published = read_manifest(output_dir)
    result = SuiteResult()
    observer.started(len(planned))

    def done(run: ReportRun, answer: dict[str, Any]) -> None:
        record_run(output_dir, run, forget_suite=suite_key)
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
            done(run, {})
        else:
            to_run.append(run)
    _execute(to_run, output_dir, jobs, report_timeout, cell_timeout, folder, done, observer, data, stops)
    order = {run.key: position for position, run in enumerate(planned)}
    result.runs.sort(key=lambda run: order[run.key])
    return result
