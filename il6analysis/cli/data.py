"""``il6 data``: list, show, describe, validate and export the curated tables."""

from __future__ import annotations

import enum
import io
from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import data_app
from il6analysis.cli.output import echo_frame
from il6analysis.errors import UsageError


class ExportFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


DataDir = Annotated[Path | None, typer.Option(help="Read this data folder (e.g. data/refreshed) instead of the shipped tables.")]


@data_app.command("list")
def data_list(data_dir: DataDir = None) -> None:
    """List the curated tables with their size and the share of rows from primary sources,
    then, per regulator, the share of approval rows citing the regulator's own record."""
    from il6analysis.curated.loaders import list_datasets
    from il6analysis.curated.strength import regulator_source_share

    echo_frame(list_datasets(data_dir))
    typer.echo("\napprovals by regulator: rows citing the regulator's own record")
    echo_frame(regulator_source_share(data_dir))


@data_app.command("show")
def data_show(
    table: Annotated[str, typer.Argument(help="Table name (see `il6 data list`).")],
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Keep rows of this agent (any of its names); repeatable.")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="Show at most this many rows.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of an aligned table.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Print a table, optionally only the rows of some agents."""
    from il6analysis.curated.loaders import load_table
    from il6analysis.curated.names import resolve_agent

    frame = load_table(table, data_dir)
    if agent:
        if "agent_id" not in frame.columns:
            raise UsageError(f"table {table!r} has no agent_id column, so --agent does not apply")
        frame = frame[frame["agent_id"].isin([resolve_agent(a) for a in agent])]
    if limit is not None:
        frame = frame.head(limit)
    if csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        echo_frame(frame)


@data_app.command("describe")
def data_describe(table: Annotated[str, typer.Argument(help="Table name (see `il6 data list`).")]) -> None:
    """Print the data dictionary of a table: each column's type, rule and meaning."""
    from il6analysis.curated.loaders import describe, get_dataset

    frame = describe(table)
    typer.echo(f"{table}: {get_dataset(table).description}\n")
    echo_frame(frame)


@data_app.command("validate")
def data_validate(
    data_dir: Annotated[Path | None, typer.Option(help="Check the CSVs in this folder instead of the shipped tables.")] = None,
) -> None:
    """Check every table's schema and the references between tables; exit 1 on any problem."""
    from il6analysis.curated.identity import dataset_info
    from il6analysis.curated.validation import validate

    report = validate(data_dir)
    report.raise_if_problems()
    info = dataset_info(data_dir)
    typer.echo(f"{report} (curated {info['curated_on']}, sha256 {info['sha256'][:12]})")


def _check_export_target(directory: Path, force: bool) -> None:
    """Refuse to export onto an existing file or into a folder that already holds something,
    unless ``force``; with ``force`` a file in the way is removed (the folder replaces it).

    Raises:
        UsageError: the target is a file or a non-empty folder and ``force`` is not set;
            the message names what is there and how to go on.
    """
    if directory.is_file() or (directory.is_symlink() and not directory.exists()):  # a file or a dangling link
        if not force:
            raise UsageError(f"{directory} is an existing file, and export writes a folder of files there; "
                             "give a new or empty folder, or --force to replace the file")
        directory.unlink()
    elif directory.is_dir() and not force:
        entries = sorted(entry.name for entry in directory.iterdir())
        if entries:
            shown = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
            raise UsageError(f"{directory} is not empty (it holds {shown}); export would overwrite files of the "
                             "same name there. Give a new or empty folder, or --force to write into it anyway")


@data_app.command("export")
def data_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write into (created if missing; must be empty unless --force).")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.csv,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty (its files of the "
                                                         "same names are replaced), or replace a file at DIRECTORY.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Write every table to DIRECTORY as CSV, Parquet, or one Excel workbook (each file whole or not at all)."""
    import pandas as pd

    from il6analysis.atomic import atomic_write_bytes
    from il6analysis.curated.loaders import DATASETS, load_table

    tables = {name: load_table(name, data_dir) for name in DATASETS}
    _check_export_target(directory, force)
    directory.mkdir(parents=True, exist_ok=True)
    if format is ExportFormat.xlsx:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer) as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
        typer.echo(f"wrote {atomic_write_bytes(directory / 'il6analysis.xlsx', buffer.getvalue())}")
        return
    for name, frame in tables.items():
        if format is ExportFormat.csv:
            content = frame.to_csv(index=False).encode("utf-8")
        else:
            content = frame.to_parquet(index=False)
        atomic_write_bytes(directory / f"{name}.{format.value}", content)
    typer.echo(f"wrote {len(tables)} {format.value} files to {directory}")
