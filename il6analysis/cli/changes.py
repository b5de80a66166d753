"""``il6 changes``: what changed between two versions of the data, field by field, with both sources.

The comparison is made by :mod:`il6analysis.curated.changes`; this module only
chooses what to compare and prints or writes the change frame. Every producer
of changes goes through :func:`emit_changes`, so a new kind of comparison (an
option that builds a change frame its own way) gets the summary, ``--json``,
``--csv`` and ``--fail-on-change`` unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from il6analysis.cli.app import app, data_app
from il6analysis.cli.output import echo_frame
from il6analysis.errors import ChangesFound, UnknownNameError, UsageError
from il6analysis.paths import absolute

if TYPE_CHECKING:
    import pandas as pd

_WIDTH = 100
"""Longest value printed whole in the summary."""


def check_csv_target(path: Path | None, force: bool) -> None:
    """Refuse a ``--csv`` file that cannot be written whole: an existing file without ``force``, a
    folder, or a file in a folder that does not exist (raises UsageError; nothing is written)."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"--csv {path} is a folder; give a file name, e.g. {path / 'changes.csv'}")
    if path.exists() and not force:
        raise UsageError(f"--csv {path} exists; add --force to replace it, or give another file")
    if not path.parent.is_dir():
        raise UsageError(f"--csv {path}: the folder {path.parent} does not exist; create it or give another file")


def check_domains(domains: Sequence[str] | None, valid: Sequence[str]) -> None:
    """Check ``--domain`` values before any comparison runs.

    Raises:
        UnknownNameError: a domain is not one of ``valid`` (close matches suggested).
    """
    from il6analysis.curated.matching import closest

    for domain in domains or ():
        if domain not in valid:
            raise UnknownNameError("domain", domain, closest(domain, valid), valid_hint="valid: " + ", ".join(valid))


def _selected(changes: pd.DataFrame, domains: Sequence[str] | None) -> pd.DataFrame:
    """The changes of ``domains`` (all when none given)."""
    return changes[changes["domain"].isin(list(domains))].reset_index(drop=True) if domains else changes


def _shown(value: object, whole: bool = False) -> str:
    """A value for the terminal: ``(empty)`` when missing, long text cut unless ``whole`` (a source, kept
    whole as a link; ``--json``/``--csv`` keep every value whole)."""
    import pandas as pd

    if pd.isna(value):
        return "(empty)"
    text = str(value)
    return text if whole or len(text) <= _WIDTH else text[: _WIDTH - 3] + "..."


def _row_lines(rows: pd.DataFrame) -> list[str]:
    """The changes of one domain, one block per key: ``+`` added, ``-`` removed, else each changed field."""
    lines = []
    for key, block in rows.groupby("key", sort=False):
        first = block.iloc[0]
        if first["kind"] in ("added", "removed"):
            sign, source = ("+", first["new_source"]) if first["kind"] == "added" else ("-", first["old_source"])
            lines.append(f"  {sign} {key}  [{first['kind']}; source: {source}]")
            continue
        lines.append(f"  ~ {key}")
        for change in block.itertuples():
            if change.domain == "labels":  # runs of sentences, shown whole
                lines.append(f"      {change.field}:")
                lines += [f"        {sign} {sentence}" for sign, text in (("-", change.old), ("+", change.new))
                          if isinstance(text, str) for sentence in text.splitlines()]
                continue
            moved = change.old_precision != change.new_precision and isinstance(change.new_precision, str)
            precision = f", {change.old_precision} -> {change.new_precision}" if moved else ""
            whole = change.field == "source"
            lines.append(f"      {change.field}: {_shown(change.old, whole)} -> {_shown(change.new, whole)}  "
                         f"[{change.kind}{precision}]")
        if "source" not in set(block["field"]):  # else the source's own change says it
            lines.append(f"      source: {first['old_source']}")
    return lines


def _summary(changes: pd.DataFrame, context: dict[str, object]) -> None:
    """Counts per domain and kind, then every change grouped by domain and key."""
    from il6analysis.curated.changes import count_changes

    where = " to ".join(str(v) for v in context.values())
    if changes.empty:
        typer.echo(f"no change from {where}")
        return
    typer.echo(f"{len(changes)} change(s) from {where}\n")
    echo_frame(count_changes(changes))
    for domain, rows in changes.groupby("domain", sort=False):
        typer.echo(f"\n{domain} ({len(rows)})")
        typer.echo("\n".join(_row_lines(rows)))


def emit_changes(changes: pd.DataFrame, context: dict[str, object], *, as_json: bool, csv: Path | None,
                 fail_on_change: bool) -> None:
    """Print ``changes`` (a summary, or the JSON form with ``context`` when ``as_json``), write them to
    ``csv`` atomically when given (checked beforehand by :func:`check_csv_target`), then raise
    :class:`ChangesFound` (exit 3) when ``fail_on_change`` and there is any change."""
    from il6analysis.atomic import atomic_write_text
    from il6analysis.curated.changes import CHANGE_COLUMNS, to_json

    if csv is not None:
        atomic_write_text(csv, changes[CHANGE_COLUMNS].to_csv(index=False, lineterminator="\n"))
    if as_json:
        typer.echo(to_json(changes, **context), nl=False)
    else:
        _summary(changes, context)
        if csv is not None:
            typer.echo(f"\nwrote {len(changes)} change(s) to {csv}")
    if fail_on_change and not changes.empty:
        raise ChangesFound(f"{len(changes)} change(s) found (--fail-on-change)")


@app.command("changes")
def changes_command(
    old: Annotated[Path | None, typer.Argument(
        help="The earlier dataset folder: written by `il6 data export --format csv`, a refreshed data folder, "
             "or a copy of the tables.")] = None,
    new: Annotated[Path | None, typer.Argument(
        help="The later one (default: the package's data, or $IL6_DATA_DIR).")] = None,
    domain: Annotated[list[str] | None, typer.Option("--domain", "-d", help="Only this table; repeatable.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the changes as JSON (with schema_version) instead.")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the changes to this CSV file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --csv replace an existing file.")] = False,
    fail_on_change: Annotated[bool, typer.Option("--fail-on-change", help="Exit 3 when anything changed "
                                                                          "(for cron or CI alerts).")] = False,
    across_versions: Annotated[bool, typer.Option(
        "--across-versions", help="OLD and NEW may be of different schema versions (releases): compare the tables "
                                  "and columns both have, and name the others.")] = False,
    label: Annotated[str | None, typer.Option(
        "--label", help="Instead: two versions of this openFDA label (set_id) kept by `il6 refresh labels`, "
                        "sentence by sentence.")] = None,
    history: Annotated[str | None, typer.Option(
        "--history", help="Instead: what two refreshes read, from the refreshed folder's history: "
                          "trials or labels.")] = None,
    version_from: Annotated[str | None, typer.Option(
        "--from", help="With --label: the older version; with --history: the older snapshot "
                       "(default: the one before --to).")] = None,
    version_to: Annotated[str | None, typer.Option(
        "--to", help="With --label or --history: the newer version or snapshot (default: the latest held).")] = None,
    refreshed: Annotated[Path | None, typer.Option(
        help="With --label or --history: the refreshed data folder holding the history "
             "(default: data/refreshed, or $IL6_REFRESHED_DIR).")] = None,
    faers: Annotated[Path | None, typer.Option("--faers", help="Instead: this FAERS store's newest quarter against the "
                                                               "store without it: the signal rules each IL-6 agent x "
                                                               "term started or stopped meeting.")] = None,
) -> None:
    """What changed between two versions of the data: rows added and removed, fields changed, dates refined."""
    from il6analysis.curated.changes import diff_datasets
    from il6analysis.curated.loaders import DATASETS
    from il6analysis.paths import data_folder

    check_csv_target(csv, force)
    if faers is not None:
        from il6analysis.cli.output import note
        from il6analysis.faers.quarter_changes import faers_signal_changes

        if old is not None or new is not None or label is not None:
            raise UsageError("--faers compares the store's newest quarter with the rest of it; "
                             "give no OLD, NEW or --label")
        changes = faers_signal_changes(absolute(faers), progress=note)
        emit_changes(changes, {"old": f"{absolute(faers)} without its newest quarter", "new": absolute(faers)},
                     as_json=as_json, csv=csv, fail_on_change=fail_on_change)
        return
    if label is not None or history is not None or version_from or version_to or refreshed:
        _history_changes(label, history, old, new, version_from, version_to, refreshed, as_json=as_json, csv=csv,
                         fail_on_change=fail_on_change)
        return
    if old is None:
        raise UsageError("nothing to compare: give OLD, a dataset folder (written by `il6 data export --format csv`, "
                         "a refreshed data folder or a copy of the tables)")
    check_domains(domain, list(DATASETS))
    if across_versions:
        from il6analysis.cli.output import note
        from il6analysis.curated.releases import diff_releases

        changes, notes = diff_releases(old, data_folder(new))
        for sentence in notes:
            note(sentence.replace("`", ""))
    else:
        changes = diff_datasets(old, new)
    changes = _selected(changes, domain)
    emit_changes(changes, {"old": absolute(old), "new": data_folder(new)}, as_json=as_json, csv=csv,
                 fail_on_change=fail_on_change)


def _history_changes(label: str | None, domain: str | None, old: Path | None, new: Path | None,
                     version_from: str | None, version_to: str | None, refreshed: Path | None, **emit: object) -> None:
    """``il6 changes --label`` (two versions of one label) and ``--history trials|labels`` (two refreshes),
    from the refreshed folder's history, through :func:`emit_changes`."""
    from il6analysis.paths import location

    if label is None and domain is None:
        raise UsageError("--from, --to and --refreshed compare what refreshes kept: give --label SET_ID "
                         "(`il6 labels history` lists the labels and versions held) or --history trials|labels")
    if label is not None and domain is not None:
        raise UsageError("give --label SET_ID (one label's versions) or --history (two refreshes), not both")
    if old is not None or new is not None:
        raise UsageError(f"{'--label' if label else '--history'} compares what refreshes kept in the history: "
                         "give no OLD or NEW folder with it")
    folder = location("refreshed", refreshed)
    if label is not None:
        from il6analysis.sources.label_history import compared_versions, diff_label

        version_from, version_to = compared_versions(folder, label, version_from, version_to)
        changes = diff_label(folder, label, version_from, version_to)
        emit_changes(changes, {"old": f"label {label} version {version_from}", "new": f"version {version_to}"}, **emit)
        return
    from il6analysis.sources.history import DOMAINS, compared_stamps
    from il6analysis.sources.label_history import labels_history_changes
    from il6analysis.sources.refresh import trials_history_changes

    check_domains([domain], DOMAINS)
    version_from, version_to = compared_stamps(folder, domain, version_from, version_to)
    compare = trials_history_changes if domain == "trials" else labels_history_changes
    changes = compare(folder, version_from, version_to)
    emit_changes(changes, {"old": f"the {domain} refresh of {version_from}", "new": version_to}, **emit)


def _curated_on(folder: Path) -> str | None:
    """The curation date a folder's ``DATASET.toml`` records, or None when it has none."""
    from il6analysis.curated.identity import dataset_info

    try:
        return dataset_info(folder)["curated_on"]
    except UsageError:
        return None


@data_app.command("changelog")
def data_changelog(
    old: Annotated[Path, typer.Argument(
        help="The previous release's tables (a dataset folder of any schema version).")],
    new: Annotated[Path | None, typer.Argument(help="The release to describe (default: the package's data, "
                                                    "or $IL6_DATA_DIR).")] = None,
    release: Annotated[str | None, typer.Option(help="Heading of the entry (default: NEW's curation date).")] = None,
    since: Annotated[str | None, typer.Option(
        help="How to name OLD in the entry (default: its curation date).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="The changelog to update (default: CHANGELOG-data.md "
                                                             "in the project folder, or $IL6_CHANGELOG_FILE).")] = None,
) -> None:
    """Add (or regenerate) the changelog entry of a release: rows added, removed and changed per table."""
    from il6analysis.analysis.changelog import changelog_entry, updated_changelog
    from il6analysis.atomic import atomic_write_text
    from il6analysis.curated.releases import diff_releases
    from il6analysis.paths import data_folder, location

    new_folder, target = data_folder(new), location("changelog", file)
    if target.is_dir() or not target.parent.is_dir():
        raise UsageError(f"--file {target}: give a file in an existing folder")
    release = release or _curated_on(new_folder)
    since = since or _curated_on(absolute(old)) or str(absolute(old))
    if not release:
        raise UsageError(f"{new_folder} records no curation date (DATASET.toml); name the release with --release")
    changes, notes = diff_releases(old, new_folder)
    existing = target.read_text(encoding="utf-8") if target.is_file() else None
    atomic_write_text(target, updated_changelog(existing, changelog_entry(changes, notes, release, since)))
    typer.echo(f"wrote the entry {release} ({len(changes)} change(s) since {since}) to {target}")
