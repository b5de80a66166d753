"""Label tables as a reader should see them: one name per reaction, blanks explained, partial tables marked.

- **One term mapping.** Labels spell one MedDRA term in US or British English, or
  in the singular or plural ("Hypertriglyceridemia", "Hypertriglyceridaemia";
  "Transaminase increased", "Transaminases increased"). :data:`TERM_VARIANTS`
  maps each variant to one term, so that a reaction is one row; the label's own
  wording stays visible beside it. Only spellings of the same term are mapped:
  "ALT increased" and "Transaminase increased" are separate rows of one
  tocilizumab table, so they are never merged.
- **Blank is not absent.** A blank cell means that the term is not in that
  agent's curated label table, not that the label lacks it.
- **Partial tables say so.** Each agent's curated label tables are marked
  complete, partial or not curated from the label coverage table
  (:func:`il6analysis.analysis.safety.label_coverage`).
- **Active comparators are named.** A comparator arm given an active drug (a
  double-dummy arm, methotrexate) is not "placebo".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis import labels
from il6analysis.analysis.safety import frequency_matrix, label_coverage, label_rows
from il6analysis.analysis.selection import resolve_agents
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab

TERM_VARIANTS: dict[str, str] = {
    "Hypertriglyceridemia": "Hypertriglyceridaemia",
    "Hypercholesterolemia": "Hypercholesterolaemia",
    "Hyperuricemia": "Hyperuricaemia",
    "Hypofibrinogenemia": "Hypofibrinogenaemia",
    "Diarrhea": "Diarrhoea",
    "Dyspnea": "Dyspnoea",
    "Localized edema": "Localised oedema",
    "Transaminase increased": "Transaminases increased",
}
"""A label's spelling of a term -> the one term the reports show (MedDRA's British spelling, plural)."""

BLANK_MEANS = "blank = not in this agent's curated label table (not proof that the label lacks it)"
COVERAGE_LABELS: dict[str, str] = {"complete": "complete", "partial": "partial", "not_curated": "not curated"}


def common_term(term: str) -> str:
    """Return the one term the reports show for a label's spelling of it (the term itself when unmapped)."""
    return TERM_VARIANTS.get(term, term)


def term_label(term: str, wordings: Iterable[str]) -> str:
    """Return a row label: the common term, followed by the labels' own wordings where they differ,
    e.g. ``"Hypertriglyceridaemia (label: Hypertriglyceridemia)"``."""
    other = sorted({w for w in wordings if w != term})
    return f"{term} (label: {', '.join(other)})" if other else term


def merged_frequency_matrix(view: pd.DataFrame) -> pd.DataFrame:
    """Return term x agent: the highest drug-arm % (:func:`safety.frequency_matrix`), with spelling
    variants of one term merged into one row labelled by :func:`term_label`. A blank (missing) cell:
    the term is not in that agent's curated label table."""
    if view.empty:
        return pd.DataFrame()
    merged = view.assign(term=view["term"].map(common_term))
    matrix = frequency_matrix(merged)
    wordings = view.groupby(view["term"].map(common_term))["term"].agg(set)
    return matrix.rename(index=lambda t: term_label(t, wordings.get(t, set())))


def coverage_marks(agents: Iterable[str] | None, table: str) -> dict[str, str]:
    """Return agent id -> ``"complete"``, ``"partial"`` or ``"not curated"`` for the curated ``table``
    (``adverse_events``, ``label_frequencies`` or ``warnings``) of the selected agents, from the label
    coverage table; an agent whose label was never marked is ``"not curated"``. With several labels
    (US PI, EU SmPC) the weakest mark wins.

    Raises:
        UnknownNameError: an unknown agent.
    """
    coverage = label_coverage(agents)
    coverage = coverage[coverage["curated_table"] == table]
    order = list(COVERAGE_LABELS)
    marks = {}
    for agent, group in coverage.groupby("agent_id"):
        marks[agent] = COVERAGE_LABELS[max(group["coverage"].astype("str"), key=order.index)]
    return {a: marks.get(a, COVERAGE_LABELS["not_curated"]) for a in (resolve_agents(agents) or marks)}


def coverage_notes(agents: Iterable[str] | None, table: str, shown: Iterable[str] | None = None) -> list[str]:
    """Return one Markdown sentence per selected agent (only those in ``shown``, when given) whose curated
    ``table`` is partial or not curated, saying what it lacks (from the label coverage table), so that a
    missing row never reads as a missing reaction or warning.

    Raises:
        UnknownNameError: an unknown agent.
    """
    coverage = label_coverage(agents)
    coverage = coverage[(coverage["curated_table"] == table) & (coverage["coverage"] != "complete")]
    wanted = set(coverage["agent_id"]) if shown is None else set(shown)
    return [f"_{labels.agent_label(row.agent_id)}, {row.label} ({row.section}): "
            f"**{COVERAGE_LABELS[str(row.coverage)]}**; missing: {row.missing}._"
            for row in coverage.itertuples() if row.agent_id in wanted]


def marked_columns(matrix: pd.DataFrame, marks: dict[str, str]) -> pd.DataFrame:
    """Return ``matrix`` with each agent column renamed to its display name, followed by
    ``[partial]`` or ``[not curated]`` when its label table is not complete."""
    def name(agent: str) -> str:
        mark = marks.get(agent, "complete")
        return labels.agent_label(agent) + ("" if mark == "complete" else f" [{mark}]")

    return matrix.rename(columns=name)


_ARM = re.compile(r"^(?P<dummy>.*?)\s*\((?P<active>[^)]*?)\s+arm\)$")


def comparator_label(comparator: str) -> str:
    """Return what a comparator arm received, as a reader should see it: ``"placebo"``,
    ``"placebo + DMARDs"``, or ``"active: methotrexate"``; a double-dummy arm named after its active
    drug reads ``"active: IV tocilizumab 8 mg/kg (double-dummy: placebo SC)"``."""
    if not isinstance(comparator, str) or not comparator:
        return ""
    arm = _ARM.match(comparator)
    if arm:
        return f"active: {arm['active']} (double-dummy: {arm['dummy']})"
    return comparator if comparator.startswith("placebo") else f"active: {comparator}"


def label_rows_shown(view: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`safety.label_rows` for a report table, with each comparator as
    :func:`comparator_label` says it (an active comparator is never shown as placebo)."""
    rows = label_rows(view)
    return rows.assign(comparator=rows["comparator"].map(comparator_label))


def profile_safety_text(agent: str) -> str:
    """Return the Markdown that opens an agent profile's safety section, fitted to what is curated:
    for an agent with label content, where its frequencies come from; for an authorised agent whose
    label was not seen, that nothing of it is curated; for an agent without an authorised label, that
    there is no label to show.

    Raises:
        UnknownNameError: an unknown agent.
    """
    agent_id = resolve_agents([agent])[0]
    name = labels.agent_label(agent_id)
    if any(agent_id in set(datasets.load_table(t)["agent_id"]) for t in ("adverse_events", "label_frequencies")):
        return ("Label adverse-reaction frequencies and warnings. Frequencies come from the trials behind this "
                "agent's label; see the side-effects report for the caveats of comparing them across agents.")
    if agent_id in set(datasets.load_warnings()["agent_id"]):
        return (f"The warnings of {name}'s label. No adverse-reaction frequency of its label is curated (the "
                "notes below say what was not seen), so there is no frequency chart.")
    approvals = datasets.load_approvals()
    marketed = approvals[(approvals["agent_id"] == agent_id) & approvals["status"].isin(vocab.MARKETED_STATUSES)]
    if not marketed.empty:
        return (f"{name} is authorised, but none of its label's safety sections is curated (the label was not "
                "seen in the sources consulted), so there is no label table here: an empty section is not an "
                "absence of adverse reactions or warnings.")
    status = datasets.load_agents().set_index("agent_id").loc[agent_id, "highest_status"]
    return (f"{name} has no authorised label (development status: {status}), so there are no label adverse "
            "reactions or warnings to show; its trials are listed above.")
