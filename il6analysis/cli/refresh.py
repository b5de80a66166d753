"""``il6 refresh``: update from ClinicalTrials.gov and openFDA, ingest FAERS quarters."""

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
    paths: Annotated[list[Path], typer.Argument(help="FAERS quarterly zips or unpacked folders (several combine).")],
    db: Annotated[Path | None, typer.Option(help="DuckDB file to write (default: data/faers.duckdb, or $IL6_FAERS_DB).")] = None,
) -> None:
    """Ingest FAERS quarterly ASCII files into the DuckDB database the reports read.

    Only the latest version of each case is kept and deleted cases are
    removed; the previous database is replaced only when ingestion succeeded.
    """
    from il6analysis.analysis.signals import database_info
    from il6analysis.sources.faers import read_quarters
    from il6analysis.sources.faers_store import ingest

    database = ingest(read_quarters(paths), location("faers", db))
    info = database_info(database)
    typer.echo(f"ingested {info['quarters']} into {database}: {info['demo_rows']} reports, "
               f"{info['drug_rows']} drug rows, {info['reac_rows']} reaction rows")


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
    """
    from il6analysis.sources.cache import ResponseCache
    from il6analysis.sources.refresh import refresh_trials

    _print_outcome(refresh_trials(location("refreshed", out), cache=ResponseCache(cache_dir), max_pages=max_pages))


@refresh_app.command("labels")
def refresh_labels_command(out: OutDir = None, cache_dir: CacheDir = None) -> None:
    """Check the curated warnings against current openFDA labels (boxed warning, warnings and precautions).

    Set OPENFDA_API_KEY for a higher rate limit; without network the cached labels are used.
    """
    from il6analysis.sources.cache import ResponseCache
    from il6analysis.sources.refresh import refresh_labels

    _print_outcome(refresh_labels(location("refreshed", out), cache=ResponseCache(cache_dir)))
