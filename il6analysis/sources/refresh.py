"""Refreshing the curated tables from public sources, offline-first.

``il6 refresh trials`` and ``il6 refresh labels`` fetch ClinicalTrials.gov and
openFDA, keep the raw answers in a cache with their retrieval time (a failed
or partial download never replaces a good copy; without network the cached
copy is used and the command says so), and write a *refreshed data folder*:
every curated table, with the trials table updated from the registry. Point
``IL6_DATA_DIR`` (or ``--data-dir``) at that folder to use it in ``il6 data``
commands, notebooks and reports; the curated tables stay as shipped. Each
refresh also writes what it added or changed against the curated table, as
rows of the change model (:mod:`il6analysis.curated.changes`), and appends a
dated snapshot of what it read to the folder's history
(:mod:`il6analysis.sources.history`), last, so that a refresh that fails
leaves the history as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from il6analysis.atomic import atomic_write_text
from il6analysis.curated import loaders as datasets
from il6analysis.curated.changes import diff_tables
from il6analysis.curated.identity import RECORD
from il6analysis.curated.writing import write_table
from il6analysis.errors import SourceError
from il6analysis.paths import DRUGSFDA_PROPOSALS, data_folder
from il6analysis.sources import history
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.ctgov_tables import KEY as TRIAL_KEY
from il6analysis.sources.ctgov_tables import studies_to_tables
from il6analysis.sources.http import HttpClient

STUDIES_CACHE = "ctgov-studies"
COMPARED_TRIAL_COLUMNS = [*TRIAL_KEY, "phase", "status", "start_date", "start_date_precision", "enrollment", "source"]
"""What a trials refresh compares: the key, the registry's phase, status, start (at its precision) and
enrolment, and the source."""


@dataclass
class RefreshOutcome:
    """What a refresh wrote and from where: counts by kind of change, files, notes."""

    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _start_folder(folder: Path) -> None:
    """Make ``folder`` a complete data folder: the curated tables, unless it already holds a set."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / RECORD).exists():
        return
    source = data_folder()
    for entry in source.iterdir():
        if entry.name.endswith(".csv") or entry.name == RECORD:
            (folder / entry.name).write_bytes(entry.read_bytes())


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV to ``path`` atomically; return ``path``."""
    return atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def _counts(changes: pd.DataFrame) -> dict[str, int]:
    return {kind: int(n) for kind, n in changes["kind"].value_counts(sort=False).items() if n}


def _studies(client: HttpClient, cache: ResponseCache, max_pages: int, notes: list[str]) -> list[dict]:
    from il6analysis.sources.ctgov import API, fetch_studies, search_terms

    try:
        result = fetch_studies(client.get_json, search_terms(), max_pages=max_pages)
    except SourceError as exc:
        entry = cache.load(STUDIES_CACHE)
        if entry is None:
            raise SourceError(f"{exc}; no cached ClinicalTrials.gov answer to fall back on") from None
        notes.append(f"{exc}; using cached studies retrieved {cache.retrieved(STUDIES_CACHE).isoformat()}")
        return entry["payload"]
    if result.truncated_terms:
        notes.append("paging stopped at the page limit for: " + ", ".join(result.truncated_terms))
    cache.save(STUDIES_CACHE, result.studies, {"url": API, "terms": search_terms(), "max_pages": max_pages})
    return result.studies


def refresh_trials(
    folder: Path, client: HttpClient | None = None, cache: ResponseCache | None = None,
    max_pages: int = 20, now: datetime | None = None,
) -> RefreshOutcome:
    """Update the trials of ``folder`` from ClinicalTrials.gov (or the cached answer).

    A refreshed study replaces the curated rows of the same NCT ID; new
    studies of IL-6 agents are added. Each refreshed row's ``registry_checked``
    is the registry's data version of the study, or, when the answer gives
    none, the day the answer was retrieved. Conditions that resolve to no known
    indication are listed in ``trials.unmapped.csv`` instead. The changes
    of the refreshed trials table against the curated one (on
    :data:`COMPARED_TRIAL_COLUMNS`) are in ``trials.changes.csv``, as rows of
    the change model. The registry's rows are appended to the history as a
    snapshot stamped ``now`` (default: the current time); a note counts the
    changes since the previous snapshot (:func:`trials_history_changes`).

    Raises:
        SourceError: the registry could not be reached and nothing is cached,
            or its answer was malformed; ``folder`` is then left as it was.
        OSError: a file could not be written; the history is then as it was.
    """
    from il6analysis.curated.validation import validate

    outcome = RefreshOutcome(folder)
    cache = cache or ResponseCache()
    studies = _studies(client or HttpClient(), cache, max_pages, outcome.notes)
    trials, partners, unmapped = studies_to_tables(studies)
    retrieved = cache.retrieved(STUDIES_CACHE)  # saved or loaded by _studies, so always present
    trials["registry_checked"] = trials["registry_checked"].fillna(retrieved.date().isoformat())
    curated_trials, curated_partners = datasets.load_trials(), datasets.load_trial_partners()
    trials = _with_intent(trials, curated_trials)
    updated = set(trials["nct_id"])
    merged_trials = pd.concat([curated_trials[~curated_trials["nct_id"].isin(updated)], trials], ignore_index=True)
    merged_partners = pd.concat([curated_partners[~curated_partners["nct_id"].isin(updated)], partners],
                                ignore_index=True)
    changes = diff_tables("trials", curated_trials[COMPARED_TRIAL_COLUMNS], merged_trials[COMPARED_TRIAL_COLUMNS],
                          TRIAL_KEY, "source")
    previous = history.stamps(folder, "trials")
    if previous:
        since = _trial_changes(history.load_snapshot(folder, "trials", previous[-1]), trials)
        counted = ", ".join(f"{n} {kind}" for kind, n in _counts(since).items()) or "none"
        outcome.notes.append(f"changes since the previous refresh ({previous[-1]}): {counted}")
    _start_folder(folder)
    outcome.files += [write_table(merged_trials, "trials", folder), write_table(merged_partners, "trial_partners", folder)]
    for name, frame in (("trials.changes.csv", changes), ("trials.unmapped.csv", unmapped)):
        outcome.files.append(_write_csv(frame, folder / name))
    outcome.counts = _counts(changes) | {"unmapped conditions": len(unmapped)}
    report = validate(folder)
    if not report.ok:
        outcome.notes.append(f"the refreshed folder does not validate: {report}")
    outcome.files.append(history.append_snapshot(folder, "trials", trials, now))
    return outcome


def _trial_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    return diff_tables("trials", old[COMPARED_TRIAL_COLUMNS], new[COMPARED_TRIAL_COLUMNS], TRIAL_KEY, "source")


def trials_history_changes(folder: Path, old: str | None = None, new: str | None = None) -> pd.DataFrame:
    """Compare two trials snapshots of the history of refreshed folder ``folder``.

    Args:
        old, new: snapshot stamps (default: ``new`` the latest, ``old`` the one before it).

    Returns:
        Rows of the change model (domain ``trials``) on :data:`COMPARED_TRIAL_COLUMNS`:
        what the registry changed between the two refreshes.

    Raises:
        UsageError: there is no history, a stamp is not held, or there is no snapshot before ``new``.
    """
    old, new = history.compared_stamps(folder, "trials", old, new)
    return _trial_changes(history.load_snapshot(folder, "trials", old), history.load_snapshot(folder, "trials", new))


def _with_intent(trials: pd.DataFrame, curated: pd.DataFrame) -> pd.DataFrame:
    """Give refreshed trials their curated ``intent`` (a curated value the registry does not
    hold); a new trial with a cancer indication gets ``unknown`` until a curator sets it."""
    known = curated.dropna(subset=["intent"]).drop_duplicates("nct_id").set_index("nct_id")["intent"]
    oncology = set(datasets.load_indications().query("category == 'oncology'")["indication_id"])
    in_cancer = set(trials.loc[trials["indication_id"].isin(oncology), "nct_id"])
    intent = trials["nct_id"].map(known).astype("object")
    intent = intent.where(intent.notna() | ~trials["nct_id"].isin(in_cancer), "unknown")
    return trials.assign(intent=pd.Categorical(intent, categories=trials["intent"].cat.categories))


def refresh_labels(
    folder: Path, client: HttpClient | None = None, cache: ResponseCache | None = None, now: datetime | None = None,
) -> RefreshOutcome:
    """Check the curated warnings against the current openFDA labels of every FDA-approved agent,
    and keep each label version in the history.

    Writes ``label_warnings.csv`` (warning topics found in each label) and
    ``warnings.changes.csv`` (rows of the change model:
    :func:`~il6analysis.sources.openfda.warning_changes`), then appends to the
    history a snapshot stamped ``now`` (default: the current time) holding the
    sections of every label version not held yet
    (:func:`~il6analysis.sources.label_history.snapshot_rows`). A note names
    each label whose new version can be compared with an earlier one.

    Raises:
        SourceError: openFDA could not be reached for an agent with no cached copy;
            nothing is written.
        OSError: a file could not be written; the history is then as it was.
    """
    from il6analysis.sources.label_history import held_rows, snapshot_rows
    from il6analysis.sources.openfda import fetch_labels, label_warnings, parse_labels, warning_changes

    outcome = RefreshOutcome(folder)
    client, cache = client or HttpClient(), cache or ResponseCache()
    approvals = datasets.load_approvals()
    agents = sorted(approvals.loc[(approvals["agency"] == "FDA") & (approvals["status"] == "approved"), "agent_id"].unique())
    labels = []
    for agent_id in agents:
        fetched = fetch_labels(client, agent_id, cache)
        if fetched.note:
            outcome.notes.append(fetched.note)
        labels.append(parse_labels(fetched.payload, agent_id))
    labels = pd.concat(labels, ignore_index=True)
    found = label_warnings(labels)
    curated = datasets.load_warnings()
    changes = warning_changes(found, labels, curated[curated["agent_id"].isin(agents)])
    held = held_rows(folder)
    snapshot = snapshot_rows(labels, held)
    new_versions = snapshot.dropna(subset=["section"]).drop_duplicates(["set_id", "version"])
    for set_id, version, brand in new_versions[new_versions["set_id"].isin(set(held["set_id"]))][
            ["set_id", "version", "brand"]].itertuples(index=False):
        outcome.notes.append(f"label {set_id} ({brand}) has a new version {version}: `il6 changes --label {set_id}`")
    _start_folder(folder)
    for name, frame in (("label_warnings.csv", found), ("warnings.changes.csv", changes)):
        outcome.files.append(_write_csv(frame, folder / name))
    outcome.files.append(history.append_snapshot(folder, "labels", snapshot, now))
    outcome.counts = _counts(changes) | {"new label versions": len(new_versions)}
    return outcome


def refresh_drugsfda(
    folder: Path, client: HttpClient | None = None, cache: ResponseCache | None = None, out: Path | None = None,
) -> RefreshOutcome:
    """Propose changes to the curated FDA approvals from Drugs@FDA, for a person to review.

    Searches Drugs@FDA for the INN and brand names of every agent
    (:func:`~il6analysis.sources.drugsfda.searched_agents`), keeps the approvals of
    their BLAs (original applications and efficacy supplements, to the day) and
    compares them with the curated approvals
    (:func:`~il6analysis.sources.drugsfda.approval_proposals`). The proposals,
    rows of the change model, are written to ``out`` (default
    ``<folder>/approvals.proposals.csv``); no table is changed. A malformed
    record is skipped with a warning naming it, also listed in the notes.

    Raises:
        SourceError: openFDA could not be reached for an agent with no cached copy;
            nothing is written.
    """
    from il6analysis.sources.drugsfda import (
        approval_proposals,
        approvals_among,
        fetch_applications,
        parse_applications,
        searched_agents,
    )

    outcome = RefreshOutcome(folder)
    client, cache = client or HttpClient(), cache or ResponseCache()
    submissions = []
    for agent_id in searched_agents():
        fetched = fetch_applications(client, agent_id, cache)
        if fetched.note:
            outcome.notes.append(fetched.note)
        total = ((fetched.payload.get("meta") or {}).get("results") or {}).get("total")
        if isinstance(total, int) and total > len(fetched.payload["results"]):
            outcome.notes.append(f"Drugs@FDA search for {agent_id}: {len(fetched.payload['results'])} of {total} "
                                 "applications read (openFDA's page limit)")
        submissions.append(parse_applications(fetched.payload, agent_id, skipped=outcome.notes))
    outcome.notes = list(dict.fromkeys(outcome.notes))  # a record found by several agents' searches is named once
    approved = approvals_among(pd.concat(submissions, ignore_index=True))
    proposals = approval_proposals(approved, datasets.load_approvals())
    target = out or folder / DRUGSFDA_PROPOSALS
    target.parent.mkdir(parents=True, exist_ok=True)
    outcome.files.append(_write_csv(proposals, target))
    outcome.counts = {"Drugs@FDA approvals": len(approved)} | _counts(proposals)
    return outcome
