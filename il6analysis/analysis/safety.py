"""Label safety: adverse-reaction frequencies against comparators, and labelled warnings.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis.selection import keep_values, resolve_agents, resolve_names
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.coverage import covered_rows, load_label_coverage
from il6analysis.curated.names import resolve_choice, resolve_indication


def adverse_events_view(
    agents: Iterable[str] | None = None,
    indications: Iterable[str] | None = None,
    socs: Iterable[str] | None = None,
    terms: Iterable[str] | None = None,
    min_pct: float = 0.0,
) -> pd.DataFrame:
    """Return label adverse-reaction rows with ``excess_pct`` = drug % minus comparator %.

    ``min_pct`` keeps rows whose drug-arm percentage is at least that value.

    Raises:
        UnknownNameError: an unknown agent, indication, system organ class or term.
        ValueError: ``min_pct`` outside 0-100.
    """
    if not 0 <= float(min_pct) <= 100:
        raise ValueError(f"min_pct must be between 0 and 100, got {min_pct!r}")
    events = datasets.load_adverse_events()
    wanted_socs = resolve_names(socs, lambda s: resolve_choice("system organ class", s, events["soc"].dropna().unique()))
    wanted_terms = resolve_names(terms, lambda t: resolve_choice("adverse event term", t, events["term"].unique()))
    view = keep_values(events, "agent_id", resolve_agents(agents))
    view = keep_values(view, "indication_id", resolve_names(indications, resolve_indication))
    view = keep_values(view, "soc", wanted_socs)
    view = keep_values(view, "term", wanted_terms)
    view = view[view["drug_pct"].fillna(0) >= float(min_pct)]
    return view.assign(excess_pct=view["drug_pct"] - view["comparator_pct"]).reset_index(drop=True)


def frequency_matrix(view: pd.DataFrame) -> pd.DataFrame:
    """Return agent x term: the highest drug-arm % over the agent's label tables and doses."""
    if view.empty:
        return pd.DataFrame()
    return view.pivot_table(index="term", columns="agent_id", values="drug_pct", aggfunc="max")


def excess_over_comparator(view: pd.DataFrame) -> pd.DataFrame:
    """Return rows with both percentages, with ``arm`` (agent and dose) and
    ``excess_pct``, largest excess first."""
    paired = view.dropna(subset=["drug_pct", "comparator_pct"])
    doses = paired["dose"].where(paired["dose"].str.len() <= 60, paired["dose"].str.slice(0, 57) + "...")
    paired = paired.assign(arm=paired["agent_id"] + ": " + doses)
    columns = ["agent_id", "arm", "term", "soc", "drug_pct", "comparator_pct", "comparator", "excess_pct", "label_table"]
    return paired[columns].sort_values("excess_pct", ascending=False).reset_index(drop=True)


WARNING_LEVELS: tuple[str, ...] = ("not recorded", "warning", "boxed warning")


def warnings_matrix(agents: Iterable[str] | None = None) -> pd.DataFrame:
    """Return warning topic x agent: ``"boxed warning"``, ``"warning"`` or ``"not recorded"``
    (the curated label data holds no such warning for that agent, which is not
    proof that the label lacks it).

    Only agents with at least one labelled warning appear as columns.
    """
    warnings = keep_values(datasets.load_warnings(), "agent_id", resolve_agents(agents))
    if warnings.empty:
        return pd.DataFrame()
    level = warnings["boxed"].map({True: "boxed warning", False: "warning"})
    topics = warnings["warning_id"].astype("str").map(vocab.WARNING_TOPICS)
    matrix = pd.crosstab(topics, warnings["agent_id"], values=level, aggfunc="first")
    return matrix.fillna("not recorded").rename_axis(index="warning", columns="agent_id")




def label_coverage(agents: Iterable[str] | None = None) -> pd.DataFrame:
    """Return how much of each selected agent's label sections the curated label tables hold.

    One row per agent x label x curated table (``warnings``, ``adverse_events``,
    ``label_frequencies``, sorted in that order within agent and label), with columns ``agent_id, label,
    section, curated_table, coverage, curated_rows, missing, source, source_kind``:
    ``coverage`` is ``"complete"``, ``"partial"`` or ``"not_curated"``, ``curated_rows`` the
    number of curated rows the mark covers and ``missing`` what they lack (empty when
    complete). A report uses it to say "partial" or "not curated" beside a label table,
    so that an absent row never reads as an absent warning or reaction. An agent with no
    row here (an investigational agent, or a copy product whose label was never seen) has
    no label content curated at all.

    Raises:
        UnknownNameError: an unknown agent.
    """
    coverage = keep_values(load_label_coverage(), "agent_id", resolve_agents(agents))
    tables = {name: datasets.load_table(name) for name in vocab.COVERAGE_TABLES}
    coverage = coverage.assign(curated_rows=covered_rows(coverage, tables))
    columns = ["agent_id", "label", "section", "curated_table", "coverage", "curated_rows", "missing", "source",
               "source_kind"]
    return coverage.sort_values(["agent_id", "label", "curated_table"])[columns].reset_index(drop=True)


def frequency_categories(agents: Iterable[str] | None = None, terms: Iterable[str] | None = None) -> pd.DataFrame:
    """Return EU SmPC adverse reactions by frequency category, most frequent first.

    Columns: ``agent_id, term, soc, frequency_category`` (its display name, e.g.
    "Very common (>= 1/10)"), ``population, from_reference, source, source_kind``;
    ``from_reference`` names the reference product whose trials a biosimilar's SmPC
    restates. The curator's notes stay in :func:`il6analysis.load_label_frequencies`.

    Raises:
        UnknownNameError: an unknown agent.
    """
    rows = keep_values(datasets.load_label_frequencies(), "agent_id", resolve_agents(agents))
    if terms:
        rows = rows[rows["term"].str.casefold().isin([t.casefold() for t in terms])]
    order = {c: i for i, c in enumerate(vocab.FREQUENCY_CATEGORIES)}
    rows = rows.assign(rank=rows["frequency_category"].astype("str").map(order))
    rows = rows.sort_values(["agent_id", "rank", "soc", "term"]).drop(columns="rank")
    rows = rows.assign(frequency_category=rows["frequency_category"].astype("str").map(vocab.FREQUENCY_CATEGORIES),
                       from_reference=_reference_trials(rows["agent_id"]))
    return rows[["agent_id", "term", "soc", "frequency_category", "population", "from_reference", "source",
                 "source_kind"]]


def _reference_trials(agent_ids: pd.Series) -> pd.Series:
    """For each row's agent: "reference product (<id>) trials" when it is a biosimilar, else ""."""
    references = datasets.load_agents().set_index("agent_id")["reference_agent_id"]
    return agent_ids.map(references).map(lambda r: f"reference product ({r}) trials" if isinstance(r, str) else "")


def missing_percentages(agents: Iterable[str] | None = None) -> list[str]:
    """Return one sentence for each selected authorised agent that has no label percentages,
    saying why it is absent from the frequency charts and where else to look."""
    wanted = resolve_agents(agents)
    curated = set(datasets.load_adverse_events()["agent_id"])
    approvals = datasets.load_approvals()
    authorised = set(approvals.loc[approvals["status"].isin(vocab.MARKETED_STATUSES), "agent_id"])
    categories = set(datasets.load_label_frequencies()["agent_id"])
    sentences = []
    for agent in sorted(a for a in (wanted or authorised) if a in authorised and a not in curated):
        where = ("its EU SmPC frequency categories are shown below" if agent in categories
                 else "no EU SmPC frequency table was available either")
        sentences.append(f"_{agent}: no adverse-reaction percentages are curated, because its label's "
                         f"adverse-reaction table was not available in the sources consulted; {where}._")
    return sentences


def label_rows(view: pd.DataFrame) -> pd.DataFrame:
    """Return the label adverse-reaction rows for a report table: agent, label table, term,
    dose, drug % and n, comparator % and n, excess, ``from_reference`` (the reference product
    whose trials a biosimilar's label restates, empty for an originator) and source."""
    rows = view.assign(from_reference=_reference_trials(view["agent_id"]))
    columns = ["agent_id", "label_table", "term", "soc", "dose", "drug_pct", "drug_n", "comparator", "comparator_pct",
               "comparator_n", "excess_pct", "from_reference", "source"]
    return rows[columns]
