"""``il6 refresh``: ClinicalTrials.gov and openFDA updates, Drugs@FDA proposals, FAERS quarters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import refresh_app
from il6analysis.cli.output import note
from il6analysis.paths import location

CacheDir = Annotated[Path | None, typer.Option(help="Raw-response cache (default: data/cache, or $IL6_CACHE_DIR).")]
OutDir = Annotated[Path | None, typer.Option(help="Refreshed data folder to write (default: data/refreshed, or $IL6_REFRESHED_DIR).")]


@refresh_app.command("faers")
def refresh_faers(
    paths: Annotated[list[Path], typer.Argument(help="FAERS or legacy AERS quarterly zips or unpacked folders.")],
    db: Annotated[Path | None, typer.Option(help="FAERS store folder to add to (default: the faers location, "
                                                 "or $IL6_FAERS_DB).")] = None,
    quarter: Annotated[str | None, typer.Option(help="The quarter of the one extract given (e.g. 2017Q2), when "
                                                     "its DEMO file's name does not show it.")] = None,
    memory_limit: Annotated[str, typer.Option(help="DuckDB memory limit while reading a quarter.")] = "1GB",
) -> None:
    """Add FAERS quarterly ASCII files to the store the reports and `il6 signals` read.

    Each quarter is read on its own and stored as Parquet; re-adding a quarter
    replaces it, and says so. De-duplication (latest case version, deleted cases)
    is applied over the whole history when the store is read. A failed add leaves
    the store as it was. On a terminal a bar shows each quarter's progress and
    the time left.
    """
    import contextlib
    import os
    import sys

    from il6analysis.cli.store import IngestProgress
    from il6analysis.faers.ingest import add_quarters

    store = location("faers", db)
    shown = IngestProgress() if sys.stderr.isatty() and os.environ.get("CI") is None else None

    def progress(done: int, total: int, path: str) -> None:
        note(f"reading {done + 1}/{total}: {path}")

    with shown or contextlib.nullcontext():
        entries = add_quarters(store, paths, quarter=quarter, memory_limit=memory_limit,
                               progress=shown.quarter if shown else progress, reading=shown and shown.reading)
    for entry in entries:
        rows, replaced = entry["rows"], entry["replaced"]
        done = (f"replaced {entry['quarter']} (added {replaced['ingested_at']}) in" if replaced
                else f"added {entry['quarter']} to")
        typer.echo(f"{done} {store}: {rows['demo']} reports, {rows['drug']} drug rows, "
                   f"{rows['reac']} reaction rows, {rows['deleted']} deleted cases listed")


def _print_outcome(outcome) -> None:
    for message in outcome.notes:
        note(message)
    typer.echo(", ".join(f"{count} {kind}" for kind, count in outcome.counts.items()) or "no rows")
    for path in outcome.files:
        typer.echo(f"wrote {path}")


@refresh_app.command("trials")
def refresh_trials_command(
    out: OutDir = None,
    cache_dir: CacheDir = None,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages of results per search term at most.")] = 20,
) -> None:
    """Update the trials table from ClinicalTrials.gov (API v2) into a refreshed data folder.

    Searches every name of every agent; without network the cached answer is
    used. Use the result with `IL6_DATA_DIR=data/refreshed` or `--data-dir`.
    The changes against the curated table go to trials.changes.csv; each
    refresh adds a dated snapshot to the folder's history/trials.
    """
    from il6analysis.sources.cache import ResponseCache
    from il6analysis.sources.refresh import refresh_trials

    _print_outcome(refresh_trials(location("refreshed", out), cache=ResponseCache(cache_dir), max_pages=max_pages))


@refresh_app.command("labels")
def refresh_labels_command(out: OutDir = None, cache_dir: CacheDir = None) -> None:
    """Check the curated warnings against current openFDA labels (boxed warning, warnings and precautions).

    Set OPENFDA_API_KEY for a higher rate limit; without network the cached labels are used.
    The changes go to warnings.changes.csv; each new label version is kept, by
    section, in the folder's history/labels (compare two with `il6 changes --label SET_ID`).
    """
    from il6analysis.sources.cache import ResponseCache
    from il6analysis.sources.refresh import refresh_labels

    _print_outcome(refresh_labels(location("refreshed", out), cache=ResponseCache(cache_dir)))


@refresh_app.command("drugsfda")
def refresh_drugsfda_command(
    out: OutDir = None,
    cache_dir: CacheDir = None,
    proposals: Annotated[Path | None, typer.Option(
        help="File to write the proposals to (default: approvals.proposals.csv in the refreshed data folder).")] = None,
) -> None:
    """Propose approval changes from Drugs@FDA (openFDA drug/drugsfda) for a person to review.

    Reads the BLAs of the agents: original approvals and efficacy supplements,
    to the day. Each is compared with the curated FDA approvals: a date made
    more precise or different, a press source to replace by the FDA record, or
    an approval the table lacks. Nothing is merged: the proposals, rows of the
    change model, go to a CSV file. A malformed record is skipped with a warning.
    """
    from il6analysis.errors import UsageError
    from il6analysis.paths import absolute
    from il6analysis.sources.cache import ResponseCache
    from il6analysis.sources.refresh import refresh_drugsfda

    target = None if proposals is None else absolute(proposals)
    if target is not None and target.is_dir():
        raise UsageError(f"--proposals {proposals} is a folder; give a file name, e.g. {target / 'proposals.csv'}")
    _print_outcome(refresh_drugsfda(location("refreshed", out), cache=ResponseCache(cache_dir), out=target))
