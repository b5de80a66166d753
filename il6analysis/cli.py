"""The ``il6`` command line: browse, validate and export the curated data.

Built on Typer (Click underneath): sub-commands, ``--help`` pages and shell
completion come from the function signatures below.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from il6analysis import datasets, reports
from il6analysis.errors import DataValidationError, UnknownNameError
from il6analysis.names import resolve_agent
from il6analysis.parameters import ParameterError, parse_assignments
from il6analysis.validation import validate

app = typer.Typer(help="IL-6 pathway therapeutics: curated data and reports.", no_args_is_help=True)
data_app = typer.Typer(help="Browse, check and export the curated tables.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class ExportFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def fail(message: str, code: int = 2) -> None:
    """Print ``message`` to standard error as an ``error:`` line and exit with ``code``."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _echo_frame(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 60):
        typer.echo(frame.to_string(index=False))


@data_app.command("list")
def data_list() -> None:
    """List the curated tables with their size."""
    _echo_frame(datasets.list_datasets())


@data_app.command("show")
def data_show(
    table: Annotated[str, typer.Argument(help="Table name (see `il6 data list`).")],
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Keep rows of this agent (any of its names); repeatable.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many rows.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of an aligned table.")] = False,
) -> None:
    """Print a table, optionally only the rows of some agents."""
    try:
        frame = datasets.load_table(table)
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
    try:
        frame = datasets.describe(table)
    except UnknownNameError as exc:
        fail(str(exc))
    typer.echo(f"{table}: {datasets.get_dataset(table).description}\n")
    _echo_frame(frame)


@data_app.command("validate")
def data_validate(
    data_dir: Annotated[Path | None, typer.Option(help="Check the CSVs in this folder instead of the shipped tables.")] = None,
) -> None:
    """Check every table's schema and the references between tables; exit 1 on any problem."""
    report = validate(data_dir)
    if report.ok:
        info = datasets.dataset_info(data_dir)
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
    directory.mkdir(parents=True, exist_ok=True)
    try:
        tables = {name: datasets.load_table(name) for name in datasets.DATASETS}
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


def _list_reports() -> None:
    for name in reports.available_reports():
        typer.echo(f"{name}: {reports.report_title(reports.get_report(name))}")
        for spec in reports.report_parameters(name).values():
            typer.echo(f"    -p {spec.name}=...  ({spec.type_name}, default {spec.default!r})  {spec.help}")


def _run_one(name: str, given: dict, output_dir: Path, cell_timeout: int) -> bool:
    try:
        run = reports.run_report(name, given, output_dir=output_dir, cell_timeout=cell_timeout)
    except reports.ReportFailed as exc:
        typer.secho(f"FAILED {name}: {exc}", err=True, fg=typer.colors.RED)
        return False
    typer.echo(f"ok     {name} -> {output_dir / run.html} ({run.duration_s:.1f} s)")
    return True


@app.command("report")
def report(
    name: Annotated[str | None, typer.Argument(help="Report to run (see --list).")] = None,
    parameter: Annotated[list[str] | None, typer.Option("--parameter", "-p", help="key=value; lists comma-separated. Repeatable.")] = None,
    run_all: Annotated[bool, typer.Option("--all", help="Run the default suite: every report, plus one agent profile per approved agent.")] = False,
    list_reports: Annotated[bool, typer.Option("--list", help="List reports and their parameters with defaults.")] = False,
    output_dir: Annotated[Path, typer.Option(help="Where reports, manifest.json and index.html go.")] = Path("reports"),
    cell_timeout: Annotated[int, typer.Option(help="Seconds any one notebook cell may run.")] = reports.DEFAULT_CELL_TIMEOUT,
) -> None:
    """Run report notebooks and render them to self-contained HTML.

    Parameters are checked before any kernel starts; a failing report exits 1
    and leaves the previous HTML in place.
    """
    if list_reports:
        _list_reports()
        return
    if run_all == (name is not None):
        fail("give a report NAME, or --all, or --list")
    if run_all:
        if parameter:
            fail("-p applies to a single report, not to --all")
        results = [_run_one(n, p, output_dir, cell_timeout) for n, p in reports.default_suite()]
        typer.echo(f"{sum(results)} of {len(results)} reports ok; index: {output_dir / reports.INDEX}")
        if not all(results):
            raise typer.Exit(1)
        return
    try:
        given = parse_assignments(parameter or [])
        reports.get_report(name)
        reports.check_parameters(name, reports.report_parameters(name), given)
    except (UnknownNameError, ParameterError, ValueError) as exc:
        fail(str(exc))
    if not _run_one(name, given, output_dir, cell_timeout):
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``il6`` console script."""
    app()
