"""Development pipeline: how far each agent has gone in each indication, by trial phase and status.

Every indication counts, not only cancer. An agent's highest phase in an
indication is the highest phase of its curated trials in that indication,
leaving out trials that never enrolled anyone (withdrawn before their first
participant, :data:`il6analysis.analysis.trials.NEVER_ENROLLED_STATUSES`, or an
enrolment of 0): a trial that never ran is not development. Phase ``NA``
(observational or device studies) ranks below every phase. A trial's sponsor
is its registry lead sponsor (trials ``lead_sponsor``), recorded only where a
registry record was seen; the agent's developer comes from the agents table.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis import labels
from il6analysis.analysis.selection import keep_values, resolve_agents, resolve_names
from il6analysis.analysis.trials import NEVER_ENROLLED_STATUSES
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.names import resolve_choice

PHASE_RANK: dict[str, int] = {"NA": 0, **{p: i + 1 for i, p in enumerate(p for p in vocab.TRIAL_PHASES if p != "NA")}}
"""Phase -> rank for "highest phase": ``NA`` lowest, then development order."""
NO_TRIAL = "no curated trial"
NONE_ENROLLED = "none enrolled"
NOT_RECORDED = "not recorded"

PIPELINE_COLUMNS = ["agent_id", "indication", "category", "highest_phase", "status", "trials", "never_enrolled",
                    "nct_ids", "sponsors", "authorised_by"]


def pipeline_trials(agents: Iterable[str] | None = None,
                    indication_categories: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the curated trials (every indication) of the selected agents: one row per trial x agent x
    condition with ``indication`` (name), ``category``, ``start_year`` and ``enrolled`` (false for a
    trial that never enrolled anyone, see the module notes).

    Raises:
        UnknownNameError: an unknown agent or indication category.
    """
    categories = resolve_names(
        indication_categories, lambda c: resolve_choice("indication category", c, vocab.INDICATION_CATEGORIES))
    indications = datasets.load_indications()[["indication_id", "name", "category"]]
    view = datasets.load_trials().merge(indications.rename(columns={"name": "indication"}), on="indication_id",
                                        how="left", validate="many_to_one")
    view = keep_values(view, "agent_id", resolve_agents(agents))
    view = keep_values(view, "category", categories)
    enrolled = ~(view["status"].isin(NEVER_ENROLLED_STATUSES) | view["enrollment"].eq(0).fillna(False))
    return view.assign(start_year=view["start_date"].dt.year.astype("Int64"), enrolled=enrolled.astype(bool))


def pipeline_table(agents: Iterable[str] | None = None,
                   indication_categories: Iterable[str] | None = None) -> pd.DataFrame:
    """Return agent x indication: how far development has gone, with the evidence.

    Columns: ``agent_id``; ``indication``, ``category``;
    ``highest_phase`` (phase code of the furthest trial that enrolled, ``"not
    recorded"`` when none of them has a phase, ``"none enrolled"`` when no trial enrolled anyone,
    ``""`` for an agent without trials);
    ``status`` (the statuses of the trials at that phase, as labels);
    ``trials`` (distinct trials in the indication); ``never_enrolled`` (how many
    of them never enrolled anyone, not counted in the highest phase);
    ``nct_ids``; ``sponsors`` (the lead sponsors of those trials with how many
    trials each, e.g. ``"Sanofi (2), not recorded (1)"``: a trial whose sponsor is
    not curated counts as ``"not recorded"``, see :func:`sponsor_text`);
    ``authorised_by`` (agencies that authorised the agent for the indication). An agent with no curated trial in the selection
    has one row with indication ``"no curated trial"``. Sorted by agent, then
    highest phase (furthest first).

    Raises:
        UnknownNameError: an unknown agent or indication category.
    """
    view = pipeline_trials(agents, indication_categories)
    agent_ids = keep_values(datasets.load_agents(), "agent_id", resolve_agents(agents))["agent_id"]
    authorised = _authorisations()
    rows = []
    for (agent, indication_id), group in view.groupby(["agent_id", "indication_id"], sort=False):
        rows.append(_pipeline_row(group, authorised.get((agent, indication_id), "")))
    table = pd.DataFrame(rows, columns=PIPELINE_COLUMNS)
    without = [a for a in agent_ids if a not in set(table["agent_id"])]
    if not indication_categories:
        table = pd.concat([table, pd.DataFrame({"agent_id": without, "indication": NO_TRIAL, "trials": 0,
                                                "never_enrolled": 0})], ignore_index=True)
    rank = table["highest_phase"].map(PHASE_RANK).fillna(-1)
    table = table.assign(rank=rank).sort_values(["agent_id", "rank", "indication"], ascending=[True, False, True])
    return table[PIPELINE_COLUMNS].fillna({"highest_phase": "", "status": "", "nct_ids": "", "sponsors": "",
                                           "authorised_by": "", "category": ""}).reset_index(drop=True)


AGENT_COLUMNS = ["agent_id", "development_status", "developer", "highest_phase", "indications", "trials",
                 "authorised_for"]


def agent_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per agent of a :func:`pipeline_table`: ``agent_id``; ``development_status``
    (its highest status in the agents table, e.g. ``phase2``); ``developer`` (its originator in the
    agents table; the trials' own sponsors are in :func:`pipeline_table`); ``highest_phase`` over every indication;
    ``indications`` with curated trials; ``trials`` (distinct); ``authorised_for`` (how many of those
    indications some agency authorised). Furthest development first."""
    if table.empty:
        return pd.DataFrame(columns=AGENT_COLUMNS)
    agents = datasets.load_agents().set_index("agent_id")
    rows = []
    for agent, group in table.groupby("agent_id", sort=False):
        with_trials = group[group["indication"] != NO_TRIAL]
        ranks = with_trials["highest_phase"].map(PHASE_RANK)
        rows.append({"agent_id": agent, "development_status": str(agents.loc[agent, "highest_status"]),
                     "developer": agents.loc[agent, "originator"],
                     "highest_phase": with_trials.loc[ranks.idxmax(), "highest_phase"] if ranks.notna().any()
                     else ("" if with_trials.empty else with_trials["highest_phase"].iloc[0]),
                     "indications": len(with_trials),
                     "trials": len({n for ids in with_trials["nct_ids"] for n in ids.split(", ") if n}),
                     "authorised_for": int(with_trials["authorised_by"].ne("").sum())})
    summary = pd.DataFrame(rows, columns=AGENT_COLUMNS)
    order = summary["highest_phase"].map(PHASE_RANK).fillna(-1)
    return summary.assign(rank=order).sort_values(["rank", "agent_id"], ascending=[False, True])[
        AGENT_COLUMNS].reset_index(drop=True)


def _pipeline_row(group: pd.DataFrame, authorised_by: str) -> dict:
    ran = group[group["enrolled"]]
    phased = ran.dropna(subset=["phase"])
    if not phased.empty:
        ranks = phased["phase"].astype("str").map(PHASE_RANK)
        highest = phased.loc[ranks.idxmax(), "phase"]
        statuses = phased.loc[phased["phase"] == highest, "status"]
    else:
        highest = NOT_RECORDED if not ran.empty else NONE_ENROLLED
        statuses = ran["status"]
    distinct = dict.fromkeys(statuses.dropna().astype("str"))
    status_text = ", ".join(labels.TRIAL_STATUS_LABELS.get(s, s) for s in distinct)
    return {"agent_id": group["agent_id"].iloc[0], "indication": group["indication"].iloc[0],
            "category": group["category"].iloc[0], "highest_phase": highest, "status": status_text,
            "trials": group["nct_id"].nunique(), "never_enrolled": group.loc[~group["enrolled"], "nct_id"].nunique(),
            "nct_ids": ", ".join(sorted(group["nct_id"].unique())), "sponsors": sponsor_text(group),
            "authorised_by": authorised_by}


def sponsor_text(trials: pd.DataFrame) -> str:
    """Return the lead sponsors of the distinct trials in ``trials`` (rows of :func:`pipeline_trials`),
    each with its number of trials, by name, then ``"not recorded (n)"`` for the trials without a
    recorded sponsor; ``""`` when there is no trial."""
    sponsors = trials.drop_duplicates("nct_id")["lead_sponsor"]
    counts = sponsors.dropna().value_counts()
    parts = [f"{name} ({counts[name]})" for name in sorted(counts.index)]
    if sponsors.isna().any():
        parts.append(f"{NOT_RECORDED} ({int(sponsors.isna().sum())})")
    return ", ".join(parts)


def _authorisations() -> dict[tuple[str, str], str]:
    """(agent, indication_id) -> the agencies that authorised it (licence or emergency use), in vocabulary order."""
    approvals = datasets.load_approvals()
    marketed = approvals[approvals["status"].isin(vocab.MARKETED_STATUSES)]
    return {key: ", ".join(a for a in vocab.AGENCIES if a in set(group["agency"]))
            for key, group in marketed.groupby(["agent_id", "indication_id"], observed=True)}


def phase_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Return indication x agent: the highest phase code of :func:`pipeline_table` (``""`` where the
    agent has no curated trial in the indication; rows without a trial are left out)."""
    rows = table[table["indication"] != NO_TRIAL]
    if rows.empty:
        return pd.DataFrame()
    matrix = rows.pivot_table(index="indication", columns="agent_id", values="highest_phase", aggfunc="first")
    return matrix.astype("str").where(matrix.notna(), "")


def pipeline_sentence(table: pd.DataFrame) -> str:
    """Return the pipeline report's opening sentence (Markdown): how many agents and indications the
    selection holds, how many agents have no curated trial, and that the trials are a curated selection;
    an empty selection says so first."""
    if table.empty:
        return "**No agent or trial matches these parameters.**"
    with_trials = table[table["indication"] != NO_TRIAL]
    without = sorted(set(table["agent_id"]) - set(with_trials["agent_id"]))
    missing = (f" {len(without)} agent(s) have no curated trial: {', '.join(labels.agent_label(a) for a in without)}."
               if without else "")
    return (f"**{with_trials['agent_id'].nunique()} agent(s)** with curated trials in "
            f"**{with_trials['indication'].nunique()} indication(s)** match these parameters.{missing} The trials "
            "are the curated selection, each checked against its registry record, not every registered trial.")
