"""The ``il6`` command line: browse, validate and export the data; run reports.

Built on Typer (Click underneath): sub-commands, ``--help`` pages and shell
completion come from the function signatures below. Heavy libraries are
imported inside the commands that need them, so a scheduled ``il6 report
--suite`` with nothing to do returns in well under a second.

Exit codes: 0 success; 1 a report failed or the data is invalid; 2 bad
input (unknown name, bad parameter or suite file); 75 the output folder is
in use by another run (try again later); 130 interrupted.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from il6analysis.errors import UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

    from il6analysis.manifest import ReportRun

app = typer.Typer(help="IL-6 pathway therapeutics: curated data and reports.", no_args_is_help=True)
data_app = typer.Typer(help="Browse, check and export the curated tables.", no_args_is_help=True)
refresh_app = typer.Typer(help="Fetch or ingest public sources: ClinicalTrials.gov, openFDA, FAERS.",
                          no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(refresh_app, name="refresh")

EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130


class ExportFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def fail(message: str, code: int = 2) -> None:
    """Print ``message`` to standard error as an ``error:`` line and exit with ``code``."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _echo_frame(frame: pd.DataFrame) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 60):
        typer.echo(frame.to_string(index=False))


# --- il6 data ----------------------------------------------------------------------------------


@data_app.command("list")
def data_list() -> None:
    """List the curated tables with their size."""
    from il6analysis.datasets import list_datasets

    _echo_frame(list_datasets())


@data_app.command("show")
def data_show(
    table: Annotated[str, typer.Argument(help="Table name (see `il6 data list`).")],
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Keep rows of this agent (any of its names); repeatable.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many rows.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of an aligned table.")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Read this data folder (e.g. data/refreshed) instead of the curated tables.")] = None,
) -> None:
    """Print a table, optionally only the rows of some agents."""
    from il6analysis.datasets import load_table
    from il6analysis.names import resolve_agent

    try:
        frame = load_table(table, data_dir)
        if agent:
            if "agent_id" not in frame.columns:
                fail(f"table {table!r} has no agent_id column, so --agent does not apply")
            frame = frame[frame["agent_id"].isin([resolve_agent(a) for a in agent])]
    except UnknownNameError as exc:
        fail(str(exc))
    if limit is not None:
        frame = frame.head(limit)
    if csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        _echo_frame(frame)


@data_app.command("describe")
def data_describe(table: Annotated[str, typer.Argument(help="Table name (see `il6 data list`).")]) -> None:
    """Print the data dictionary of a table: each column's type, rule and meaning."""
    from il6analysis.datasets import describe, get_dataset

    try:
        frame = describe(table)
    except UnknownNameError as exc:
        fail(str(exc))
    typer.echo(f"{table}: {get_dataset(table).description}\n")
    _echo_frame(frame)


@data_app.command("validate")
def data_validate(
    data_dir: Annotated[Path | None, typer.Option(help="Check the CSVs in this folder instead of the shipped tables.")] = None,
) -> None:
    """Check every table's schema and the references between tables; exit 1 on any problem."""
    from il6analysis.provenance import dataset_info
    from il6analysis.validation import validate

    report = validate(data_dir)
    if report.ok:
        info = dataset_info(data_dir)
        typer.echo(f"{report} (curated {info['curated_on']}, sha256 {info['sha256'][:12]})")
        return
    typer.echo(str(report), err=True)
    raise typer.Exit(1)


@data_app.command("export")
def data_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write into (created if missing).")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.csv,
) -> None:
    """Write every table to DIRECTORY as CSV, Parquet, or one Excel workbook."""
    import pandas as pd

    from il6analysis.datasets import DATASETS, load_table
    from il6analysis.errors import DataValidationError

    directory.mkdir(parents=True, exist_ok=True)
    try:
        tables = {name: load_table(name) for name in DATASETS}
    except DataValidationError as exc:
        fail(str(exc), code=1)
    if format is ExportFormat.xlsx:
        target = directory / "il6analysis.xlsx"
        with pd.ExcelWriter(target) as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
        typer.echo(f"wrote {target}")
        return
    for name, frame in tables.items():
        target = directory / f"{name}.{format.value}"
        if format is ExportFormat.csv:
            frame.to_csv(target, index=False)
        else:
            frame.to_parquet(target, index=False)
    typer.echo(f"wrote {len(tables)} {format.value} files to {directory}")


# --- il6 report --------------------------------------------------------------------------------


def _list_reports() -> None:
    from il6analysis.notebooks import available_reports, report_title
    from il6analysis.reports import report_parameters

    for name, path in available_reports().items():
        typer.echo(f"{name}: {report_title(path)}")
        for spec in report_parameters(name).values():
            typer.echo(f"    -p {spec.name}=...  ({spec.type_name}, default {spec.default!r})  {spec.help}")


def _describe_run(run: ReportRun, output_dir: Path) -> str:
    if run.status == "failed":
        return f"FAILED  {run.key}: {run.error}"
    word = "ok     " if run.status == "ok" else "skipped"
    return f"{word} {run.key} -> {output_dir / run.html} ({run.duration_s:.1f} s)"


class _PlainLog:
    """One line per report: for logs, cron mail and CI."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir

    def started(self, total: int) -> None:
        typer.echo(f"{total} report(s) in the suite")

    def running(self, run: ReportRun) -> None: ...

    def finished(self, run: ReportRun) -> None:
        typer.echo(_describe_run(run, self.output_dir), err=run.status == "failed")


class _ProgressBar:
    """A progress bar naming the reports in flight: for interactive terminals."""

    def __init__(self, output_dir: Path) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.output_dir = output_dir
        self.progress = Progress(TextColumn("[bold]reports"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}"), transient=False)
        self.task = None
        self.in_flight: list[str] = []

    def __enter__(self) -> _ProgressBar:
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
            self.progress.console.print(f"[red]{_describe_run(run, self.output_dir)}")
        self.progress.update(self.task, advance=1, description=", ".join(self.in_flight))


def _run_suite(suite: Path, output_dir: Path, jobs: int | None, force: bool, timeout: float, cell_timeout: int) -> None:
    import contextlib

    from il6analysis.manifest import OutputLocked
    from il6analysis.runner import run_suite
    from il6analysis.suite import SuiteError

    interactive = sys.stderr.isatty() and os.environ.get("CI") is None
    observer = _ProgressBar(output_dir) if interactive else _PlainLog(output_dir)
    try:
        with observer if interactive else contextlib.nullcontext():
            result = run_suite(suite, output_dir, jobs=jobs, force=force, report_timeout=timeout,
                               cell_timeout=cell_timeout, observer=observer)
    except SuiteError as exc:
        fail(str(exc))
    except OutputLocked as exc:
        fail(str(exc), code=EXIT_LOCKED)
    except KeyboardInterrupt:
        fail("interrupted: running reports were stopped, published reports are unchanged", code=EXIT_INTERRUPTED)
    typer.echo(result.summary())
    for run in result.failed:
        typer.secho(f"  {run.key}: {run.error}", err=True, fg=typer.colors.RED)
    typer.echo(f"index: {output_dir / 'index.html'}")
    if result.failed:
        raise typer.Exit(1)


def _run_single(name: str, parameter: list[str], output_dir: Path, cell_timeout: int) -> None:
    from il6analysis.manifest import OutputLocked
    from il6analysis.parameters import ParameterError, check_parameters, parse_assignments
    from il6analysis.reports import ReportFailed, report_parameters, run_report

    try:
        given = parse_assignments(parameter)
        check_parameters(name, report_parameters(name), given)
        run = run_report(name, given, output_dir=output_dir, cell_timeout=cell_timeout)
    except (UnknownNameError, ParameterError, ValueError) as exc:
        fail(str(exc))
    except OutputLocked as exc:
        fail(str(exc), code=EXIT_LOCKED)
    except ReportFailed as exc:
        typer.secho(f"FAILED  {name}: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(_describe_run(run, output_dir))


@app.command("report")
def report(
    name: Annotated[str | None, typer.Argument(help="Report to run (see --list).")] = None,
    parameter: Annotated[list[str] | None, typer.Option("--parameter", "-p", help="key=value; lists comma-separated. Repeatable.")] = None,
    suite: Annotated[Path | None, typer.Option(help="Run every report a suite file declares (see reports.toml).")] = None,
    run_all: Annotated[bool, typer.Option("--all", help="Run the default suite (reports.toml).")] = False,
    list_reports: Annotated[bool, typer.Option("--list", help="List reports and their parameters with defaults.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for a suite (default: CPU cores).")] = None,
    force: Annotated[bool, typer.Option(help="Re-run every report of a suite, even if nothing changed.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds one whole report may run before its kernel is killed.")] = 1800,
    cell_timeout: Annotated[int, typer.Option(help="Seconds any one notebook cell may run.")] = 600,
    output_dir: Annotated[Path, typer.Option(help="Where reports, manifest.json and index.html go.")] = Path("reports"),
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
        fail("give one of: a report NAME, --suite FILE, --all (or --list)")
    if name is None and parameter:
        fail("-p applies to a single report; a suite declares its parameters in its file")
    if name is not None:
        _run_single(name, parameter or [], output_dir, cell_timeout)
        return
    if run_all:
        from il6analysis.runner import default_suite_file

        suite = default_suite_file()
    _run_suite(suite, output_dir, jobs, force, timeout, cell_timeout)


# --- il6 refresh / il6 signals ----------------------------------------------------------------


@refresh_app.command("faers")
def refresh_faers(
    paths: Annotated[list[Path], typer.Argument(help="FAERS quarterly zips or unpacked folders (several combine).")],
    db: Annotated[Path | None, typer.Option(help="DuckDB file to write (default: data/faers.duckdb or $IL6_FAERS_DB).")] = None,
) -> None:
    """Ingest FAERS quarterly ASCII files into the DuckDB database the reports read.

    Only the latest version of each case is kept and deleted cases are
    removed; the previous database is replaced only when ingestion succeeded.
    """
    from il6analysis.errors import SourceError
    from il6analysis.signals import database_info, ingest
    from il6analysis.sources.faers import read_quarters

    try:
        database = ingest(read_quarters(paths), db)
    except SourceError as exc:
        fail(str(exc), code=1)
    info = database_info(database)
    typer.echo(f"ingested {info['quarters']} into {database}: {info['demo_rows']} reports, "
               f"{info['drug_rows']} drug rows, {info['reac_rows']} reaction rows")


def _print_outcome(outcome) -> None:
    for note in outcome.notes:
        typer.secho(f"note: {note}", err=True, fg=typer.colors.YELLOW)
    typer.echo(", ".join(f"{count} {kind}" for kind, count in outcome.counts.items()) or "no rows")
    for path in outcome.files:
        typer.echo(f"wrote {path}")


@refresh_app.command("trials")
def refresh_trials_command(
    out: Annotated[Path, typer.Option(help="Refreshed data folder to write.")] = Path("data/refreshed"),
    cache_dir: Annotated[Path | None, typer.Option(help="Raw-response cache (default: data/cache or $IL6_CACHE_DIR).")] = None,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages of results per search term at most.")] = 20,
) -> None:
    """Update the trials table from ClinicalTrials.gov (API v2) into a refreshed data folder.

    Searches every name of every agent; without network the cached answer is
    used. Use the result with `IL6_DATA_DIR=data/refreshed` or `--data-dir`.
    """
    from il6analysis.errors import SourceError
    from il6analysis.refresh import refresh_trials
    from il6analysis.sources.cache import ResponseCache

    try:
        outcome = refresh_trials(out, cache=ResponseCache(cache_dir), max_pages=max_pages)
    except SourceError as exc:
        fail(str(exc), code=1)
    _print_outcome(outcome)


@refresh_app.command("labels")
def refresh_labels_command(
    out: Annotated[Path, typer.Option(help="Refreshed data folder to write.")] = Path("data/refreshed"),
    cache_dir: Annotated[Path | None, typer.Option(help="Raw-response cache (default: data/cache or $IL6_CACHE_DIR).")] = None,
) -> None:
    """Check the curated warnings against current openFDA labels (boxed warning, warnings and precautions).

    Set OPENFDA_API_KEY for a higher rate limit; without network the cached labels are used.
    """
    from il6analysis.errors import SourceError
    from il6analysis.refresh import refresh_labels
    from il6analysis.sources.cache import ResponseCache

    try:
        outcome = refresh_labels(out, cache=ResponseCache(cache_dir))
    except SourceError as exc:
        fail(str(exc), code=1)
    _print_outcome(outcome)


@app.command("signals")
def signals_command(
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Agent (any name); repeatable. Default: all.")] = None,
    roles: Annotated[str, typer.Option(help="Drug roles counted as exposure, comma-separated: PS, or PS,SS.")] = "PS",
    min_cases: Annotated[int, typer.Option(help="Minimum reports for a term to be listed.")] = 3,
    top: Annotated[int, typer.Option(help="Terms per agent, by lower ROR bound.")] = 10,
    db: Annotated[Path | None, typer.Option(help="FAERS DuckDB file (default: data/faers.duckdb or $IL6_FAERS_DB).")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print every pair as CSV instead of the top terms.")] = False,
) -> None:
    """FAERS disproportionality: ROR and PRR with 95% CIs per agent x preferred term."""
    from il6analysis.errors import SourceError
    from il6analysis.signals import disproportionality, top_signals

    try:
        table = disproportionality(db, agents=agent, roles=[r.strip().upper() for r in roles.split(",")],
                                   min_cases=min_cases)
    except (SourceError, UnknownNameError, ValueError) as exc:
        fail(str(exc))
    if csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    _echo_frame(top_signals(table, top).round(2))


def main() -> None:
    """Entry point of the ``il6`` console script."""
    app()
