"""Is a FAERS preferred term the agent's own indication rather than a side effect?

Patients are reported with the disease they are treated for ("Rheumatoid
arthritis" on tocilizumab), and disproportionality then mistakes the
indication for a reaction (confounding by indication). A term is flagged
"indication, not a side effect" for an agent when its words (case,
punctuation and a plural ``s`` ignored, as in
:mod:`il6analysis.analysis.label_terms`) are those of:

- a curated indication of the agent: the ``indications`` row of any of its
  ``approvals`` (whatever the outcome: a refused indication is still a use)
  or of its ``trials`` (the conditions it was studied in); or
- an indication FAERS reports for it: an INDI preferred term given for the
  agent's drug rows (in the counted roles) in at least
  :data:`MIN_REPORTED_SHARE` of the agent's de-duplicated reports (so that a
  single miscoded report does not hide a side effect).

Like the label match it is lexical, not MedDRA's hierarchy: read it as a
flag for a person to check.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.analysis.label_terms import words

MIN_REPORTED_SHARE = 0.01
"""An INDI indication counts as the agent's own from this share of its reports."""
FLAG = "indication, not a side effect"


def curated_indications() -> dict[str, dict[tuple[str, ...], str]]:
    """Return agent_id -> {words of an indication name: the name} from the curated approvals and trials."""
    from il6analysis.curated.loaders import load_approvals, load_indications, load_trials

    names = load_indications().set_index("indication_id")["name"]
    uses = pd.concat([load_approvals()[["agent_id", "indication_id"]], load_trials()[["agent_id", "indication_id"]]])
    found: dict[str, dict[tuple[str, ...], str]] = {}
    for agent, indication in uses.dropna().drop_duplicates().itertuples(index=False):
        if indication in names.index:
            found.setdefault(agent, {})[words(names[indication])] = names[indication]
    return found


def reported_indications(given: pd.DataFrame, reports: pd.DataFrame) -> dict[str, dict[tuple[str, ...], str]]:
    """Return agent_id -> {words: "<term> (given in n of N reports)"} for the INDI terms of each agent
    given in at least :data:`MIN_REPORTED_SHARE` of its reports.

    Args:
        given: ``agent_id, report, indi_pt``: the INDI terms of the agents' drug rows.
        reports: ``agent_id, reports``: each agent's number of reports.
    """
    found: dict[str, dict[tuple[str, ...], str]] = {}
    if given.empty:
        return found
    keyed = given.assign(key=given["indi_pt"].map(words)).drop_duplicates(["agent_id", "report", "key"])
    counted = keyed.groupby(["agent_id", "key"]).agg(n=("report", "size"), pt=("indi_pt", "first")).reset_index()
    counted = counted.merge(reports, on="agent_id")
    for agent, key, n, pt, total in counted[counted["n"] >= MIN_REPORTED_SHARE * counted["reports"]][
            ["agent_id", "key", "n", "pt", "reports"]].itertuples(index=False):
        found.setdefault(agent, {})[key] = f"{pt} (given in {n} of {total} reports)"
    return found


def indication_matches(pairs: pd.DataFrame, reported: dict[str, dict[tuple[str, ...], str]] | None = None
                       ) -> pd.Series:
    """Return, for each row of ``pairs`` (``agent_id, pt``), what makes the term the agent's indication:
    ``"curated indication: <name>"`` or ``"reported indication: <term> (given in n of N reports)"``;
    an empty string when nothing does.

    Args:
        reported: from :func:`reported_indications` (none: curated indications only).
    """
    curated = curated_indications()
    reported = reported or {}

    def match(agent: str, pt: str) -> str:
        key = words(pt)
        if key in curated.get(agent, {}):
            return f"curated indication: {curated[agent][key]}"
        if key in reported.get(agent, {}):
            return f"reported indication: {reported[agent][key]}"
        return ""

    return pd.Series([match(a, p) for a, p in pairs[["agent_id", "pt"]].itertuples(index=False)], index=pairs.index,
                     dtype="str")


def store_indications(store, clean: dict, drug_rows, chosen: pd.DataFrame) -> dict[str, dict[tuple[str, ...], str]]:
    """Return :func:`reported_indications` of the ``chosen`` agents (``ingredient_id, agent_id``) over the
    clean reports of an opened store, whose drug rows in the counted roles are ``drug_rows``
    (:func:`il6analysis.faers.depth.counted_drug_rows`)."""
    ids = [int(i) for i in chosen["ingredient_id"]]
    if not ids:
        return {}
    rows = drug_rows
    indi = store.raw["indi"]
    given = store.execute(indi.filter(indi.indi_pt.notnull()).join(rows, ["report", "drug_seq"])
                          .select("report", "ingredient_id", "indi_pt").distinct())
    exposed = clean["exposed"]
    totals = store.execute(exposed.filter(exposed.ingredient_id.isin(ids)).group_by("ingredient_id")
                           .agg(reports=exposed.report.count()))
    agents = chosen[["ingredient_id", "agent_id"]]
    return reported_indications(given.merge(agents, on="ingredient_id")[["agent_id", "report", "indi_pt"]],
                                totals.merge(agents, on="ingredient_id")[["agent_id", "reports"]])
