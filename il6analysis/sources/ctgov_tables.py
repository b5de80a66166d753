"""ClinicalTrials.gov studies (as :func:`il6analysis.sources.ctgov.parse_study` reads them)
-> rows of the curated trials and trial_partners tables.

A study becomes one trials row per IL-6 pathway agent among its interventions x
condition that resolves to a curated indication; its other drug and biological
interventions become trial_partners rows. Conditions that resolve to nothing are
listed, not dropped. :mod:`il6analysis.sources.refresh` compares the rows with the
curated table.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.curated.loaders import column_dtypes, load_trial_partners
from il6analysis.curated.matching import words
from il6analysis.curated.names import agents_in_text, resolve_indication
from il6analysis.errors import UnknownNameError
from il6analysis.sources.ctgov import parse_studies

KEY = ["nct_id", "agent_id", "indication_id"]
PARTNER_TYPES = frozenset({"DRUG", "BIOLOGICAL"})


# --- agents ---------------------------------------------------------------------


def match_agents(interventions: Iterable[dict]) -> list[str]:
    """Return the agents that a study's interventions name.

    An intervention names an agent when its name or one of its ``otherNames``
    is, after :func:`~il6analysis.curated.matching.normalise`, one of the agent's
    aliases, or when such an alias (see
    :func:`il6analysis.curated.names.agents_in_text`) appears in it as whole words: ``"Tocilizumab 8 mg/kg"`` and
    ``"RO4877533"`` both give ``tocilizumab``. The longest alias wins where
    aliases overlap, so ``"Tofidence (tocilizumab-bavi)"`` gives only
    ``tocilizumab-bavi``. An intervention whose name starts with the word
    "placebo" (``"Placebo to tocilizumab"``) names no agent.

    Args:
        interventions: dicts with ``name`` and optionally ``otherNames``, as in
            :func:`parse_study` records.

    Returns:
        The matching ``agent_id`` values, sorted.
    """
    found: set[str] = set()
    for intervention in interventions:
        names = [intervention.get("name")] + list(intervention.get("otherNames") or [])
        if words(names[0])[:1] == ["placebo"]:
            continue
        for name in names:
            found |= agents_in_text(name)
    return sorted(found)


# --- tables ---------------------------------------------------------------------


def studies_to_tables(studies: Iterable[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn v2 study objects into rows of the trials and trial-partners tables.

    A study the registry gave corrupt (no NCT ID, an impossible enrolment) is
    skipped with a warning naming it (:func:`~il6analysis.sources.ctgov.parse_studies`).
    A study whose interventions name no agent (:func:`match_agents`) is
    dropped. Each remaining study gives one trials row per agent x condition
    whose condition :func:`~il6analysis.curated.names.resolve_indication` knows; the
    other conditions (and a study without conditions, with ``condition``
    missing) are listed in ``unmapped`` instead. Its DRUG and BIOLOGICAL
    interventions that name no agent and do not contain the word "placebo"
    become partners when the study has trials rows; an intervention without a
    ``type`` (``fields=``-restricted responses) is not a partner. A partner's
    class is taken from the curated trial-partners table when that table
    classifies a partner of the same name (ignoring case), else ``"other"``
    (with a note).

    Returns:
        ``(trials, partners, unmapped)``: ``trials`` and ``partners`` with the
        columns and dtypes of :func:`~il6analysis.curated.loaders.load_trials` and
        :func:`~il6analysis.curated.loaders.load_trial_partners` (``source`` is the
        NCT ID, ``notes`` the :func:`parse_study` notes joined by ``"; "``,
        ``registry_checked`` the study's registry data version, missing when the answer has none;
        ``lead_sponsor`` the registry's lead sponsor name, missing when the answer has none);
        ``unmapped`` with columns ``nct_id, condition``.
    """
    trials: list[dict] = []
    partners: list[dict] = []
    unmapped: list[dict] = []
    classes = _curated_partner_classes()
    for record in parse_studies(studies):
        agents = match_agents(record["interventions"])
        if not agents:
            continue
        indications, unknown = _resolve_conditions(record["conditions"])
        unmapped += [{"nct_id": record["nct_id"], "condition": condition} for condition in unknown]
        trials += [_trial_row(record, agent, indication) for agent in agents for indication in indications]
        if indications:
            partners += _partner_rows(record, classes)
    return (
        _frame(trials, "trials", KEY),
        _frame(partners, "trial_partners", ["nct_id", "partner"]),
        pd.DataFrame(unmapped, columns=["nct_id", "condition"], dtype="str").drop_duplicates(ignore_index=True),
    )


def _frame(rows: list[dict], table: str, key: list[str]) -> pd.DataFrame:
    """Build a frame of curated table ``table`` (its columns and dtypes) from row dicts,
    keeping the first row of each ``key`` (a study listed twice, or two interventions
    of the same name)."""
    dtypes = column_dtypes(table)
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes).drop_duplicates(key, ignore_index=True)


def _resolve_conditions(conditions: list[str]) -> tuple[list[str], list[str | None]]:
    """Return the indication IDs of the conditions, and the conditions that resolve to none.

    A study without conditions gives ``([], [None])`` so that it is not lost silently.
    """
    if not conditions:
        return [], [None]
    indications: list[str] = []
    unknown: list[str | None] = []
    for condition in conditions:
        try:
            indications.append(resolve_indication(condition))
        except UnknownNameError:
            unknown.append(condition)
    return indications, unknown


def _trial_row(record: dict, agent_id: str, indication_id: str) -> dict:
    fields = ("nct_id", "title", "phase", "status", "start_date", "start_date_precision", "enrollment",
              "lead_sponsor")
    row = {field: record[field] for field in fields}
    notes = "; ".join(record["notes"]) or None
    return row | {"agent_id": agent_id, "indication_id": indication_id, "registry_checked": record["registry_version"],
                  "source": record["nct_id"], "source_kind": "registry", "notes": notes}


def _partner_rows(record: dict, classes: dict[str, str]) -> list[dict]:
    """Return the trial-partners rows of one study (see :func:`studies_to_tables`);
    ``classes`` maps case-folded curated partner names to their class."""
    rows = []
    for intervention in record["interventions"]:
        name = intervention["name"]
        if intervention["type"] not in PARTNER_TYPES or name is None or "placebo" in words(name):
            continue
        if match_agents([intervention]):
            continue
        known = classes.get(name.casefold())
        note = None if known else "partner_class: not classified in the curated trial_partners table"
        rows.append({"nct_id": record["nct_id"], "partner": name, "partner_class": known or "other",
                     "source": record["nct_id"], "source_kind": "registry", "notes": note})
    return rows


def _curated_partner_classes() -> dict[str, str]:
    """Map each curated partner name, case-folded, to its class (first row wins)."""
    curated = load_trial_partners()
    classes: dict[str, str] = {}
    for partner, partner_class in zip(curated["partner"], curated["partner_class"]):
        classes.setdefault(partner.casefold(), partner_class)
    return classes
