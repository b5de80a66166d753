"""``il6 report``: run one report, a suite, or the default suite; list the reports."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import app
from il6analysis.cli.progress import PlainLog, ProgressBar, SingleReport
from il6analysis.errors import SuiteFailed, UsageError
from il6analysis.paths import location


def _list_reports() -> None:
    from il6analysis.reporting.catalog import available_reports, load_report

    for name in available_reports():
        report = load_report(name)
        typer.echo(f"{name}: {report.title}")
        for spec in report.parameters.values():
            typer.echo(f"    -p {spec.name}=...  ({spec.type_name}, default {spec.default!r})  {spec.help}")


def _run_suite(suite: Path, output_dir: Path, jobs: int | None, force: bool, timeout: float, cell_timeout: int) -> None:
    from il6analysis.reporting.runner import run_suite

    interactive = sys.stderr.isatty() and os.environ.get("CI") is None
    observer = ProgressBar(output_dir) if interactive else PlainLog(output_dir)
    with observer if interactive else contextlib.nullcontext():
        result = run_suite(suite, output_dir, jobs=jobs, force=force, report_timeout=timeout,
                           cell_timeout=cell_timeout, observer=observer)
    typer.echo(result.summary())
    for run in result.failed:
        typer.secho(f"  {run.key}: {run.error}", err=True, fg=typer.colors.RED)
    typer.echo(f"index: {output_dir / 'index.html'}")
    if result.failed:
        raise SuiteFailed([run.key for run in result.failed])


def _run_single(name: str, parameter: list[str], output_dir: Path, timeout: float, cell_timeout: int) -> None:
    from il6analysis.reporting.parameters import parse_assignments
    from il6analysis.reporting.runner import run_report

    run_report(name, parse_assignments(parameter), output_dir, cell_timeout=cell_timeout, report_timeout=timeout,
               observer=SingleReport(output_dir))


@app.command("report")
def report(
    name: Annotated[str | None, typer.Argument(help="Report to run (see --list).")] = None,
    parameter: Annotated[list[str] | None, typer.Option("--parameter", "-p", help="key=value; lists comma-separated. Repeatable.")] = None,
    suite: Annotated[Path | None, typer.Option(help="Run every report a suite file declares (see reports.toml).")] = None,
    run_all: Annotated[bool, typer.Option("--all", help="Run the default suite (reports.toml, or $IL6_SUITE_FILE).")] = False,
    list_reports: Annotated[bool, typer.Option("--list", help="List reports and their parameters with defaults.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for a suite (default: CPU cores).")] = None,
    force: Annotated[bool, typer.Option(help="Re-run every report of a suite, even if nothing changed.")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds one whole report may run before its kernel is killed.")] = 1800,
    cell_timeout: Annotated[int, typer.Option(min=1, help="Seconds any one notebook cell may run.")] = 600,
    output_dir: Annotated[Path | None, typer.Option(help="Where reports, manifest.json and index.html go (default: reports/, or $IL6_REPORTS_DIR).")] = None,
) -> None:
    """Run report notebooks and render them to self-contained HTML.

    One report: `il6 report NAME -p key=value`. A suite: `il6 report --suite
    FILE` (or `--all` for reports.toml), incremental and in parallel.
    Parameters are checked before any kernel starts; a failing report exits 1
    and leaves the previous HTML in place.
    """
    if list_reports:
        _list_reports()
        return
    if sum([name is not None, suite is not None, run_all]) != 1:
        raise UsageError("give one of: a report NAME, --suite FILE, --all (or --list)")
    if name is None and parameter:
        raise UsageError("-p applies to a single report; a suite declares its parameters in its file")
    output = location("reports", output_dir)
    if name is not None:
        _run_single(name, parameter or [], output, timeout, cell_timeout)
        return
    _run_suite(location("suite", suite), output, jobs, force, timeout, cell_timeout)
