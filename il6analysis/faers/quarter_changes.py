"""FAERS quarter over quarter: the signals the newest quarter started and stopped, as rows of the change model.

:func:`quarter_comparison` compares, for the chosen IL-6 agents, the store
*without* its newest quarter (the case versions and deletion lists of the
older quarters only) with the whole store. Both sides are counted in one
pass by the stratified counting of the year-by-year series
(:func:`il6analysis.faers.counts.margins` with the two sides as strata: a
report counted on both sides is read once), and each side's 2x2 tables go
through the same statistics and rules as
:func:`il6analysis.faers.signals.disproportionality`. EBGM uses, on both
sides, the prior fitted on every pair of the whole store (as the year-by-year
series does).

A rule is met on a side when it holds and the pair has at least
``min_cases`` reports there. :func:`faers_signal_changes` gives, per agent x
term (key ``agent | term``), one ``changed`` row of
:mod:`il6analysis.curated.changes` (domain ``faers_signal``) for each rule
it started (``no`` -> ``yes``) or stopped meeting, and a row of field
``unlabelled_signal`` when it became (or stopped being) a signal by any rule
that the agent's label does not name and that is not the agent's own
indication (:mod:`il6analysis.faers.indications`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import ibis
import pandas as pd

from il6analysis.errors import UsageError
from il6analysis.faers import counts, signals, statistics, tables
from il6analysis.faers.filters import CaseFilter
from il6analysis.faers.statistics import METHODS
from il6analysis.faers.store import table_files

DOMAIN = "faers_signal"
RULE_FIELDS = ("signal_ror", "signal_prr", "signal_ic", "signal_ebgm")
"""The rule columns compared, in the order their changes are listed."""
UNLABELLED = "unlabelled_signal"
_SIDES = ("before", "after")
_BOUNDS = ("ror_low", "prr_low", "chi2", "ic025", "eb05")


def _raw_of(store: tables.Store, quarters: Sequence[str]) -> dict:
    """The raw tables of ``quarters`` of ``store``, on its engine and connection."""
    catalog = {"quarters": {q: store.catalog["quarters"][q] for q in quarters}}
    files = {t: table_files(store.path, catalog, t) for t in tables.TABLES}
    with tables.quiet_ibis():
        if store.engine == "duckdb":
            return {t: store.con.read_parquet(f, table_name=f"older_{t}") for t, f in files.items()}
        session = tables.spark_session()
        for t, f in files.items():
            session.read.parquet(*f).createOrReplaceTempView(f"older_{t}")
        return {t: store.con.table(f"older_{t}") for t in files}


def quarter_comparison(
    database: str | Path | None = None,
    agents: Sequence[str] | None = None,
    roles: Sequence[str] = signals.DEFAULT_ROLES,
    min_cases: int = 3,
    *,
    methods: Sequence[str] = METHODS,
    filters: CaseFilter | dict | None = None,
    engine: str = "duckdb",
    progress: signals.Progress | None = None,
) -> pd.DataFrame:
    """Return every agent x term with a report on either side, before and after the newest quarter.

    Args:
        database, agents, roles, methods, filters, engine, progress: as
            :func:`il6analysis.faers.signals.disproportionality`.
        min_cases: a rule counts as met on a side only with at least this many reports there.

    Returns:
        ``agent_id, pt``, ``a_before``, ``a_after``, the lower bounds (``ror_low``, ``prr_low``,
        ``chi2``, ``ic025``, ``eb05``) and each rule of :data:`RULE_FIELDS` with suffixes
        ``_before``/``_after``, ``in_label``, ``label_match``, ``indication``; ``.attrs`` holds
        ``older`` (the quarters before) and ``newest``.

    Raises:
        UsageError: a store of fewer than two quarters, or as ``disproportionality``.
        StoreError, UnknownNameError: as ``disproportionality``.
    """
    from il6analysis.analysis.label_terms import label_matches
    from il6analysis.faers.depth import counted_drug_rows
    from il6analysis.faers.indications import indication_matches, store_indications

    progress = progress or (lambda message: None)
    methods = signals.check_methods(methods)
    opened, chosen, _ = signals.open_for(database, engine, agents, roles, (), progress, filters)
    store = opened.store
    quarters = sorted(store.catalog["quarters"])
    if len(quarters) < 2:
        raise UsageError(f"the FAERS store holds one quarter ({quarters[0]}): comparing quarters needs two or more")
    older, newest = quarters[:-1], quarters[-1]
    progress(f"reading the store without {newest}")
    before = tables.clean_tables(dataclasses.replace(store, raw=_raw_of(store, older)), opened.lookup,
                                 opened.roles, select=opened.select)
    after = opened.clean

    def side(table, name):
        return table.select("report", side=ibis.literal(name))

    both = {"reports": side(before["reports"], "before").union(side(after["reports"], "after")),
            "exposed": before["exposed"].union(after["exposed"], distinct=True),
            "events": before["events"].union(after["events"], distinct=True)}
    prior = signals.fitted_prior(store, counts.margins(after, []), progress) if "ebgm" in methods else None
    progress(f"counting the agents' pairs before and after {newest}")
    rows = store.execute(counts.pair_rows(counts.margins(both, ["side"]), chosen["ingredient_id"].tolist(), 1))
    rows = rows.astype({"a": "int64", "n_drug": "int64", "n_event": "int64", "n": "int64"})
    found = []
    for name in _SIDES:
        part = statistics.signals(rows[rows["stratum"] == name].drop(columns="stratum"), methods=methods, min_cases=0,
                               prior=prior)
        part = signals.with_ror_rule(part)
        met = part[list(RULE_FIELDS)].to_numpy() & (part[["a"]].to_numpy() >= min_cases)
        part[list(RULE_FIELDS)] = met
        found.append(part[["ingredient_id", "pt_id", "a", *_BOUNDS, *RULE_FIELDS]].set_index(["ingredient_id", "pt_id"])
                     .add_suffix(f"_{name}"))
    table = found[0].join(found[1], how="outer").reset_index()
    table = table.merge(chosen[["ingredient_id", "agent_id"]], on="ingredient_id").merge(tables.pt_names(store),
                                                                                     on="pt_id")
    table = table[(table["a_before"] > 0) | (table["a_after"] > 0)].reset_index(drop=True)
    matched = label_matches(table[["agent_id", "pt"]])
    table["in_label"], table["label_match"] = matched.notna(), matched.fillna("")
    ids = [int(i) for i in chosen["ingredient_id"]]
    drug_rows = counted_drug_rows(store, after, opened.lookup, opened.roles, ids) if ids else None
    reported = store_indications(store, after, drug_rows, chosen)
    table["indication"] = indication_matches(table, reported)
    first = ["agent_id", "pt", "a_before", "a_after"]
    table = table[first + [c for c in table.columns if c not in first + ["ingredient_id", "pt_id"]]]
    table = table.sort_values(["agent_id", "pt"]).reset_index(drop=True)
    table.attrs.update(older=older, newest=newest)
    return table


def _any_rule(table: pd.DataFrame, side: str) -> pd.Series:
    return table[[f"{rule}_{side}" for rule in RULE_FIELDS]].any(axis=1)


def change_rows(table: pd.DataFrame) -> list[dict[str, object]]:
    """Return the change-model rows of a :func:`quarter_comparison` table (see the module notes)."""
    older, newest = table.attrs["older"], table.attrs["newest"]
    old_source = f"FAERS {older[0]}-{older[-1]}" if len(older) > 1 else f"FAERS {older[0]}"
    new_source = f"FAERS {older[0]}-{newest}"
    unlabelled = ~table["in_label"] & (table["indication"] == "")
    flags = {UNLABELLED: (unlabelled & _any_rule(table, "before"), unlabelled & _any_rule(table, "after"))}
    flags |= {rule: (table[f"{rule}_before"], table[f"{rule}_after"]) for rule in RULE_FIELDS}
    rows = []
    for i, pair in table.iterrows():
        for field, (old, new) in flags.items():
            if bool(old.iloc[i]) != bool(new.iloc[i]):
                rows.append({"domain": DOMAIN, "key": f"{pair['agent_id']} | {pair['pt']}", "field": field,
                             "old": "yes" if old.iloc[i] else "no", "new": "yes" if new.iloc[i] else "no",
                             "kind": "changed", "old_source": old_source, "new_source": new_source})
    return rows


def faers_signal_changes(database: str | Path | None = None, agents: Sequence[str] | None = None,
                         roles: Sequence[str] = signals.DEFAULT_ROLES, min_cases: int = 3, **options) -> pd.DataFrame:
    """Return the change frame (:func:`il6analysis.curated.changes.changes_frame`) of the newest quarter:
    the rules each agent x term started or stopped meeting, and its unlabelled-signal flag.

    Args:
        database, agents, roles, min_cases, options: as :func:`quarter_comparison`.

    Raises:
        As :func:`quarter_comparison`.
    """
    from il6analysis.curated.changes import changes_frame

    return changes_frame(change_rows(quarter_comparison(database, agents, roles, min_cases, **options)))
