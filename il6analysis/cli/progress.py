"""What a suite run shows while it works: a line per report, or a live progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from il6analysis.reporting.manifest import ReportRun


def describe_run(run: ReportRun, output_dir: Path, with_error: bool = True) -> str:
    """One line for a finished run: ``ok``/``skipped`` with the HTML path, or ``FAILED``
    (with the error unless ``with_error`` is false, e.g. when an ``error:`` line follows)."""
    if run.status == "failed":
        return f"FAILED  {run.key}: {run.error}" if with_error else f"FAILED  {run.key} ({run.duration_s:.1f} s)"
    word = "ok     " if run.status == "ok" else "skipped"
    return f"{word} {run.key} -> {output_dir / run.html} ({run.duration_s:.1f} s)"


class PlainLog:
    """One line per report: for logs, cron mail and CI."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir

    def started(self, total: int) -> None:
        typer.echo(f"{total} report(s) in the suite")

    def running(self, run: ReportRun) -> None: ...

    def finished(self, run: ReportRun) -> None:
        typer.echo(describe_run(run, self.output_dir), err=run.status == "failed")


class SingleReport:
    """The line ``il6 report NAME`` prints when its report finishes; a failure's
    details follow in the ``error:`` line."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir

    def started(self, total: int) -> None: ...

    def running(self, run: ReportRun) -> None: ...

    def finished(self, run: ReportRun) -> None:
        typer.echo(describe_run(run, self.output_dir, with_error=False), err=run.status == "failed")


class ProgressBar:
    """A progress bar naming the reports in flight: for interactive terminals."""

    def __init__(self, output_dir: Path) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.output_dir = output_dir
        self.progress = Progress(TextColumn("[bold]reports"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}"), transient=False)
        self.task = None
        self.in_flight: list[str] = []

    def __enter__(self) -> ProgressBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def started(self, total: int) -> None:
        self.task = self.progress.add_task("", total=total)

    def running(self, run: ReportRun) -> None:
        self.in_flight.append(run.key)
        self.progress.update(self.task, description=", ".join(self.in_flight))

    def finished(self, run: ReportRun) -> None:
        if run.key in self.in_flight:
            self.in_flight.remove(run.key)
        if run.status == "failed":
            self.progress.console.print(f"[red]{describe_run(run, self.output_dir)}")
        self.progress.update(self.task, advance=1, description=", ".join(self.in_flight))
