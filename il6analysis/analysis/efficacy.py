"""Efficacy of pivotal trials: each arm against its own comparator, never pooled across trials.

A difference is computed only inside one row, from the arm's value and the
comparator's value that the same trial reports; trials are grouped by population
and by the kind of comparator so that unlike trials are kept apart.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from il6analysis.analysis.changes import source_url
from il6analysis.analysis.selection import keep_values, resolve_agents, resolve_names
from il6analysis.curated import vocab
from il6analysis.curated.efficacy import load_efficacy
from il6analysis.curated.names import resolve_choice, resolve_indication

DIFFERENCE_UNITS: dict[str, str] = {"percent": "percentage points", "points": "points"}
"""Unit of a difference between two values of a unit (a hazard ratio has none)."""

DIFFERENCE_ENDPOINTS: tuple[str, ...] = tuple(
    e for e, (_, unit, _) in vocab.EFFICACY_ENDPOINTS.items() if unit in DIFFERENCE_UNITS)
"""Endpoints whose arms differ from their comparator by a difference (not a ratio)."""

AGAINST: dict[str, str] = {
    "placebo": "vs placebo", "usual_care": "vs usual care", "active": "vs an active treatment",
    "reference_product": "vs the reference product (equivalence trial)",
}
"""How a chart panel names each kind of comparator, in the order panels are shown."""


def resolve_population(name: str) -> str:
    """Return the population identifier of ``name`` (an identifier or its display name, any case).

    Raises:
        UnknownNameError: no such population; the message lists close matches.
    """
    by_label = {label.casefold(): key for key, label in vocab.EFFICACY_POPULATIONS.items()}
    return by_label.get(name.strip().casefold()) or resolve_choice("population", name, vocab.EFFICACY_POPULATION_IDS)


def efficacy_view(
    indication: str | None = None,
    agents: Iterable[str] | None = None,
    populations: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """Return the efficacy rows of one indication (all when empty), agents and populations, with
    ``endpoint_label`` and ``population_label`` for display, in trial order.

    Raises:
        UnknownNameError: an unknown indication, agent or population.
    """
    rows = load_efficacy()
    if indication:
        rows = rows[rows["indication_id"] == resolve_indication(indication)]
    rows = keep_values(rows, "agent_id", resolve_agents(agents))
    rows = keep_values(rows, "population", resolve_names(populations, resolve_population))
    return rows.assign(
        endpoint_label=rows["endpoint"].astype(str).map(lambda e: vocab.EFFICACY_ENDPOINTS[e][0]),
        population_label=rows["population"].astype(str).map(vocab.EFFICACY_POPULATIONS),
    ).reset_index(drop=True)


def arm_differences(view: pd.DataFrame) -> pd.DataFrame:
    """Return each row with its difference against its own comparator.

    Adds ``difference`` (arm minus comparator, in ``difference_unit``; empty for a hazard
    ratio or when the source gives no comparator value), ``benefit`` (the difference signed so
    that a positive number favours the arm: comparator minus arm where a lower value is
    better, such as mortality), ``group`` (population and kind of comparator: the rows that
    may stand in one chart panel) and ``effect`` (the result in words); rows ordered by
    population, then kind of comparator (:data:`AGAINST`), then as curated.
    """
    if view.empty:
        return view.assign(difference=pd.Series(dtype=float), benefit=pd.Series(dtype=float), difference_unit="",
                           group="", effect="")
    unit = view["unit"].astype(str)
    comparable = unit.isin(list(DIFFERENCE_UNITS)) & view["comparator_value"].notna()
    difference = (view["value"] - view["comparator_value"]).where(comparable).round(2)
    higher_better = view["endpoint"].astype(str).map(lambda e: vocab.EFFICACY_ENDPOINTS[e][2])
    benefit = difference.where(higher_better, -difference)
    against = view["comparator_type"].astype(str).map(AGAINST)
    out = view.assign(
        difference=difference, benefit=benefit, difference_unit=unit.map(DIFFERENCE_UNITS).fillna(""),
        group=view["population_label"] + " " + against,
    )
    order = [view["population"].cat.codes, view["comparator_type"].map(list(AGAINST).index).astype(int)]
    out = out.iloc[sorted(range(len(out)), key=lambda i: (order[0].iat[i], order[1].iat[i], i))]
    return out.assign(effect=[_effect(row) for row in out.to_dict("records")]).reset_index(drop=True)


def _effect(row: dict) -> str:
    """One row's result in words, e.g. "59 vs 27 % (+32 percentage points)" or "HR 0.38 vs placebo"."""
    if row["unit"] == "hazard_ratio":
        return f"HR {row['value']:g} against {row['comparator']} (below 1 favours the arm)"
    suffix = " %" if row["unit"] == "percent" else " points"
    if pd.isna(row["comparator_value"]):
        return f"{row['value']:g}{suffix}; the source gives no comparator value"
    return f"{row['value']:g} vs {row['comparator_value']:g}{suffix} ({row['difference']:+g} {row['difference_unit']})"


def population_summary(view: pd.DataFrame) -> pd.DataFrame:
    """Return one row per population: ``population``, its trials, agents and number of rows,
    in the vocabulary's order (only populations present in ``view``)."""
    if view.empty:
        return pd.DataFrame(columns=["population", "trials", "agents", "rows"])
    grouped = view.groupby("population_label", sort=False)
    summary = pd.DataFrame({
        "trials": grouped["trial"].agg(lambda t: ", ".join(dict.fromkeys(t))),
        "agents": grouped["agent_id"].agg(lambda a: ", ".join(dict.fromkeys(a))),
        "rows": grouped.size(),
    })
    order = [label for label in vocab.EFFICACY_POPULATIONS.values() if label in summary.index]
    return summary.loc[order].rename_axis("population").reset_index()


def endpoints_in(view: pd.DataFrame) -> list[str]:
    """Return the endpoints present in ``view``, in the vocabulary's order."""
    present = set(view["endpoint"].astype(str))
    return [e for e in vocab.EFFICACY_ENDPOINT_IDS if e in present]


def differences_table(diffs: pd.DataFrame) -> pd.DataFrame:
    """Return the columns a report shows for each arm: trial, population, agent, arm, comparator,
    endpoint, week, n of both arms, the result in words, the source and ``source_url`` (its address:
    PubMed for a PMID, doi.org for a DOI), for ``show_table(..., links={"source": "source_url"})``."""
    columns = ["trial", "population_label", "agent_id", "arm", "background_therapy", "comparator", "endpoint_label",
               "timepoint_weeks", "n_arm", "comparator_n", "effect", "source", "source_url"]
    diffs = diffs.assign(source_url=diffs["source"].map(source_url))
    table = diffs[columns].rename(columns={"population_label": "population", "endpoint_label": "endpoint",
                                           "timepoint_weeks": "week", "n_arm": "n (arm)",
                                           "comparator_n": "n (comparator)"})
    return table.replace({np.nan: None})
