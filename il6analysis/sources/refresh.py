"""Refreshing the curated tables from public sources, offline-first.

``il6 refresh trials`` and ``il6 refresh labels`` fetch ClinicalTrials.gov and
openFDA, keep the raw answers in a cache with their retrieval time (a failed
or partial download never replaces a good copy; without network the cached
copy is used and the command says so), and write a *refreshed data folder*:
every curated table, with the trials table updated from the registry. Point
``IL6_DATA_DIR`` (or ``--data-dir``) at that folder to use it in ``il6 data``
commands, notebooks and reports; the curated tables stay as shipped. Each
refresh also writes what it added or changed against the curated table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from il6analysis.curated import loaders as datasets
from il6analysis.curated.identity import RECORD
from il6analysis.curated.writing import write_table
from il6analysis.errors import SourceError
from il6analysis.paths import data_folder
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.http import HttpClient

STUDIES_CACHE = "ctgov-studies"


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
    max_pages: int = 20,
) -> RefreshOutcome:
    """Update the trials of ``folder`` from ClinicalTrials.gov (or the cached answer).

    A refreshed study replaces the curated rows of the same NCT ID; new
    studies of IL-6 agents are added. Each refreshed row's ``registry_checked``
    is the registry's data version of the study, or, when the answer gives
    none, the day the answer was retrieved. Conditions that resolve to no known
    indication are listed in ``trials.unmapped.csv`` instead. The changes
    against the curated table are in ``trials.changes.csv``, each with the
    ``registry_checked`` of the refreshed row (missing for curated-only rows).

    Raises:
        SourceError: the registry could not be reached and nothing is cached,
            or its answer was malformed; ``folder`` is then left as it was.
    """
    from il6analysis.curated.validation import validate
    from il6analysis.sources.ctgov_tables import compare_with_curated, studies_to_tables

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
    changes = compare_with_curated(trials, curated_trials).merge(
        trials[["nct_id", "agent_id", "indication_id", "registry_checked"]], how="left",
        on=["nct_id", "agent_id", "indication_id"])
    _start_folder(folder)
    outcome.files += [write_table(merged_trials, "trials", folder), write_table(merged_partners, "trial_partners", folder)]
    for name, frame in (("trials.changes.csv", changes), ("trials.unmapped.csv", unmapped)):
        frame.to_csv(folder / name, index=False, lineterminator="\n")
        outcome.files.append(folder / name)
    outcome.counts = changes["change"].value_counts().to_dict() | {"unmapped conditions": len(unmapped)}
    report = validate(folder)
    if not report.ok:
        outcome.notes.append(f"the refreshed folder does not validate: {report}")
    return outcome


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
    folder: Path, client: HttpClient | None = None, cache: ResponseCache | None = None,
) -> RefreshOutcome:
    """Check the curated warnings against the current openFDA labels of every FDA-approved agent.

    Writes ``label_warnings.csv`` (warning topics found in each label) and
    ``warnings.changes.csv`` (confirmed, boxed differs, label only, curated only).

    Raises:
        SourceError: openFDA could not be reached for an agent with no cached copy.
    """
    from il6analysis.sources.openfda import compare_warnings, fetch_labels, label_warnings, parse_labels

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
    found = label_warnings(pd.concat(labels, ignore_index=True))
    curated = datasets.load_warnings()
    comparison = compare_warnings(found, curated[curated["agent_id"].isin(agents)])
    _start_folder(folder)
    for name, frame in (("label_warnings.csv", found), ("warnings.changes.csv", comparison)):
        frame.to_csv(folder / name, index=False, lineterminator="\n")
        outcome.files.append(folder / name)
    outcome.counts = comparison["status"].value_counts().to_dict()
    return outcome
