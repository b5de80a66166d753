"""``il6 store``: check a FAERS store against its catalog, rebuild a lost catalog; the ingest progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import store_app
from il6analysis.paths import location

Db = Annotated[Path | None, typer.Option(help="FAERS store folder (default: the faers location, or $IL6_FAERS_DB).")]


class IngestProgress:
    """What ``il6 refresh faers`` shows on a terminal: a bar per quarter with the bytes of its tables read
    (as DuckDB reports them) and an estimate of the time left."""

    def __init__(self, console=None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                 TextColumn("time left"), TimeRemainingColumn(),
                                 console=console or Console(stderr=True))
        self.task = None

    def __enter__(self) -> IngestProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def quarter(self, done: int, total: int, path: str) -> None:
        """Start the bar of extract ``done + 1`` of ``total``."""
        self.task = self.progress.add_task(f"reading {done + 1}/{total}: {Path(path).name}", total=None)

    def reading(self, done: int, total: int) -> None:
        """Move the current bar to ``done`` of ``total`` bytes."""
        self.progress.update(self.task, completed=done, total=total)


@store_app.command("check")
def check_command(db: Db = None) -> None:
    """Read every file of the FAERS store and compare it with the checksums in its catalog.

    Exits 1 naming each damaged or missing file and the quarters to re-add.
    """
    from il6analysis.faers.integrity import damaged, problems
    from il6analysis.faers.store import read_catalog

    store = location("faers", db)
    catalog = read_catalog(store)
    found = problems(store, catalog, full=True)
    for problem in found:
        typer.echo(f"quarter {problem.quarter}: {problem.text}")
    if found:
        raise damaged(store, found)
    files = sum(len(entry["checksums"]) for entry in catalog["quarters"].values())
    typer.echo(f"{store}: {len(catalog['quarters'])} quarter(s), {files} files, each as it was written")


@store_app.command("rebuild-catalog")
def rebuild_catalog_command(db: Db = None) -> None:
    """Write a new catalog.json from the quarter folders of the store (lost or hand-edited catalog).

    Each folder's quarter is read from its data; a folder that cannot be read, and the older of two copies
    of a quarter, are listed and left out (re-add those quarters). Nothing is deleted.
    """
    from il6analysis.faers.ingest import rebuild_catalog

    store = location("faers", db)
    rebuilt = rebuild_catalog(store)
    for folder, why in rebuilt["left_out"].items():
        typer.echo(f"left out {folder}: {why}")
    typer.echo(f"{store}: catalog rebuilt with {len(rebuilt['quarters'])} quarter(s): {', '.join(rebuilt['quarters'])}")
