"""What changed since an earlier dataset: the digest the ``changes`` report shows.

The comparison itself is :func:`il6analysis.curated.changes.diff_datasets`;
here it is shaped for readers: one sentence, counts per table, and per table
the changes with both sources as links.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from il6analysis.analysis.trials import REGISTRY_URL
from il6analysis.curated.changes import changes_frame, count_changes
from il6analysis.curated.releases import diff_releases

__all__ = ["changes_since", "count_changes", "digest_sentence", "domain_table", "source_url"]
from il6analysis.paths import data_folder

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
DOI_URL = "https://doi.org/{}"


def changes_since(since: str | Path, domains: Sequence[str] = (),
                  data_dir: str | Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Return the changes from the dataset folder ``since`` (any schema version: an earlier release) to the
    data in use (``data_dir``, else ``$IL6_DATA_DIR`` or the shipped tables), only those of ``domains``
    when given, with the schema notes of :func:`il6analysis.curated.releases.diff_releases`; no change and
    no note when ``since`` is empty.

    Raises:
        UsageError, DuplicateKeyError: as :func:`il6analysis.curated.releases.diff_releases`.
    """
    if not str(since):
        return changes_frame([]), []
    changes, notes = diff_releases(since, data_folder(data_dir))
    if domains:
        changes = changes[changes["domain"].isin(list(domains))].reset_index(drop=True)
    return changes, notes


def digest_sentence(since: str | Path, changes: pd.DataFrame, data_dir: str | Path | None = None) -> str:
    """Return the one sentence that opens the digest: nothing to compare, no change, or how many changes."""
    current = data_folder(data_dir)
    if not str(since):
        return ("Nothing to compare: no earlier dataset was given. Run the report with `-p since=FOLDER` (a folder "
                "written by `il6 data export --format csv`, or a copy of an earlier release's tables).")
    if changes.empty:
        return f"No change: the data in `{current}` is the same as in `{since}`."
    counts = count_changes(changes)
    parts = [f"{row.total} in {row.domain}" for row in counts.itertuples()]
    return f"{len(changes)} change(s) from `{since}` to `{current}`: " + ", ".join(parts) + "."


def source_url(source: object) -> str | None:
    """Return the address of a curated source: the URL itself, PubMed for ``PMID:n``, doi.org for ``doi:...``,
    ClinicalTrials.gov for an NCT ID; ``None`` when missing."""
    if not isinstance(source, str) or not source:
        return None
    if source.startswith("PMID:"):
        return PUBMED_URL.format(source.removeprefix("PMID:").strip())
    if source.startswith("doi:"):
        return DOI_URL.format(source.removeprefix("doi:").strip())
    if source.startswith("NCT"):
        return REGISTRY_URL.format(source)
    return source


def _source_name(source: object) -> str | None:
    """A short name for a source link: the host of a URL, else the identifier itself."""
    if not isinstance(source, str) or not source:
        return None
    host = urllib.parse.urlsplit(source).hostname
    return host.removeprefix("www.") if host else source


def domain_table(changes: pd.DataFrame, domain: str) -> pd.DataFrame:
    """Return the changes of one domain for display: ``key, field, old, new, kind, old_source, new_source``
    (sources named by host or identifier) with ``old_source_url`` and ``new_source_url`` for the links."""
    rows = changes[changes["domain"] == domain]
    table = rows[["key", "field", "old", "new", "kind"]].astype({"kind": "str"}).reset_index(drop=True)
    for side in ("old", "new"):
        sources = rows[f"{side}_source"].reset_index(drop=True)
        table[f"{side}_source"] = sources.map(_source_name)
        table[f"{side}_source_url"] = sources.map(source_url)
    return table

