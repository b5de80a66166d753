"""FAERS disproportionality per agent x MedDRA preferred term, over a FAERS store (queries only).

``il6 refresh faers`` writes the store (:mod:`il6analysis.faers.ingest`);
:func:`disproportionality` counts, on DuckDB or Spark, for every ingredient x
preferred term over the de-duplicated reports, the 2x2 table against all
other reports, and computes the chosen methods of
:mod:`il6analysis.faers.statistics` (ROR, PRR with chi-square, IC,
EBGM), optionally stratified by sex, age band and report year.

Output columns (stable): ``agent_id, ingredient, pt``, the cells ``a, b, c,
d`` and ``expected``, ``ror, ror_low, ror_high, prr, prr_low, prr_high, chi2,
ic, ic025, ic975, ebgm, eb05, eb95`` (NaN for a method not run), and the
rules ``signal_ror`` (a >= 3 and ror_low > 1), ``signal_prr`` (Evans: PRR >= 2,
chi2 >= 4, a >= 3), ``signal_ic`` (IC025 > 0) and ``signal_ebgm`` (EB05 >= 2).

A report counts for an agent when one of its drug rows in the chosen roles
names the agent by active ingredient or drug name, under any of its INNs,
brands or code names. These are reporting statistics: they reflect what was
reported, not how often a reaction occurs (stimulated reporting, confounding
by indication and notoriety all move them).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from il6analysis.errors import StoreError, UsageError
from il6analysis.faers import counts, tables
from il6analysis.faers.depth import annotate
from il6analysis.faers.filters import CaseFilter, as_filter, narrow
from il6analysis.faers.statistics import COLUMNS, METHODS, RULE_COLUMNS, check_min_cases, fit_gamma_mixture, signals
from il6analysis.faers.store import read_catalog
from il6analysis.paths import location

SUSPECT_ROLES = tables.ROLES
DEFAULT_ROLES: tuple[str, ...] = ("PS",)
ENGINES = tables.ENGINES
STRATA = tables.STRATA
LOWER_BOUND = {"ror": "ror_low", "prr": "prr_low", "ic": "ic025", "ebgm": "eb05"}
"""Method -> the column of its lower interval bound, by which :func:`top_signals` ranks."""
Progress = Callable[[str], None]
SERIES_COLUMNS = ["agent_id", "ingredient", "pt", "year", *COLUMNS, "signal_ror", *RULE_COLUMNS]
"""The columns of :func:`signal_series`."""


def database_path(database: str | Path | None = None) -> Path:
    """Return the FAERS store a query reads: ``database`` made absolute, else the ``faers``
    location of :mod:`il6analysis.paths`."""
    return location("faers", database)


def database_exists(database: str | Path | None = None) -> bool:
    """True when a readable FAERS store with at least one quarter is at ``database`` (default location)."""
    try:
        read_catalog(database_path(database))
    except StoreError:
        return False
    return True


def database_info(database: str | Path | None = None) -> dict[str, object]:
    """Return what a FAERS store holds.

    Returns:
        ``database`` (path), ``quarters`` (e.g. ``"2004Q1, 2017Q2"``),
        ``quarter_list``, ``ingested_at`` (latest add), ``demo_rows``,
        ``drug_rows``, ``reac_rows`` (rows stored, before de-duplication).

    Raises:
        StoreError: no store there, or not a readable store of this version.
    """
    path = database_path(database)
    entries = read_catalog(path)["quarters"]
    rows = {t: sum(e["rows"][t] for e in entries.values()) for t in ("demo", "drug", "reac")}
    return {"database": str(path), "quarters": ", ".join(sorted(entries)), "quarter_list": sorted(entries),
            "ingested_at": max(e["ingested_at"] for e in entries.values()), **{f"{t}_rows": n for t, n in rows.items()}}


def check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    """Return ``methods`` as a tuple (a single name allowed); raises UsageError for none or an unknown one."""
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise UsageError(f"unknown method(s) {', '.join(unknown) or '(none given)'}; valid: {', '.join(METHODS)}")
    return methods


@dataclass
class OpenedStore:
    """A FAERS store opened once, on one engine, for one set of drug roles (from :func:`open_signals`):
    its de-duplicated clean tables are computed once, and every query of this module given it as
    ``database`` reads them instead of opening the store again."""

    store: tables.Store
    names: pd.DataFrame
    clean: dict
    roles: tuple[str, ...]
    lookup: object = None
    """The engine's table ``name_id -> ingredient_id``."""
    filters: CaseFilter = CaseFilter()
    """The case-set filter the clean tables were narrowed by."""
    select: Callable | None = None
    """That filter as a function of the clean reports (None: every report)."""

    @property
    def quarters(self) -> list[str]:
        """The quarters the store holds, oldest first."""
        return sorted(self.store.catalog["quarters"])


def open_signals(database: str | Path | None = None, roles: Sequence[str] = DEFAULT_ROLES, *,
                 engine: str = "duckdb", progress: Progress | None = None,
                 filters: CaseFilter | dict | None = None, memory_limit: str = "4GB") -> OpenedStore:
    """Open the store at ``database`` (default location) on ``engine`` and compute its clean tables for ``roles``,
    narrowed by the case-set ``filters`` (:mod:`il6analysis.faers.filters`; none: every report); DuckDB holds
    at most ``memory_limit`` and spills the rest to disk.

    Returns:
        The :class:`OpenedStore`, to pass as ``database`` to the queries of this module.

    Raises:
        StoreError: no store (run ``il6 refresh faers PATH``), or not a store.
        UsageError: an unknown role or engine, or a bad filter.
    """
    progress = progress or (lambda message: None)
    roles = tuple(r.strip().upper() for r in roles)
    chosen = as_filter(filters)
    progress(f"opening the FAERS store on {engine}")
    store = tables.open_store(database_path(database), engine, memory_limit=memory_limit)
    progress("normalising drug names to ingredients")
    lookup, names = tables.ingredients(store)
    progress("selecting the latest version of every case")
    lookup_table = store.table("name_lookup", lookup)
    select = (lambda reports: narrow(store.raw, reports, lookup_table, names, chosen)) if chosen.active else None
    clean = tables.clean_tables(store, lookup_table, roles, keep=True, select=select)
    return OpenedStore(store, names, clean, roles, lookup_table, chosen, select)


def open_for(database, engine: str, agents, roles, strata, progress: Progress | None, filters=None):
    """Return the opened store (``database`` itself when it is an :class:`OpenedStore` for the same roles,
    engine and filters), the chosen agents' ingredient rows and the checked strata.

    Raises:
        UsageError: an :class:`OpenedStore` opened otherwise, or as :func:`open_signals`.
    """
    from il6analysis.analysis.selection import resolve_agents

    wanted = resolve_agents(agents)
    strata = counts.check_strata(strata)
    if isinstance(database, OpenedStore):
        asked = tuple(r.strip().upper() for r in roles)
        if asked != database.roles or engine != database.store.engine or (
                filters is not None and as_filter(filters) != database.filters):
            raise UsageError(f"this store was opened for roles {', '.join(database.roles)} on "
                             f"{database.store.engine}, not {', '.join(asked)} on {engine}; open it with "
                             "open_signals for those")
        opened = database
    else:
        opened = open_signals(database, roles, engine=engine, progress=progress, filters=filters)
    agent_names = opened.names[opened.names["agent_id"].notna()]
    if wanted:
        agent_names = agent_names[agent_names["agent_id"].isin(wanted)]
    return opened, agent_names, strata


def disproportionality(
    database: str | Path | OpenedStore | None = None,
    agents: Sequence[str] | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    min_cases: int = 3,
    *,
    methods: Sequence[str] = METHODS,
    strata: Sequence[str] = (),
    haldane: bool = False,
    yates: bool = False,
    engine: str = "duckdb",
    all_ingredients: bool = False,
    filters: CaseFilter | dict | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Return the disproportionality of every agent x preferred term (see the module notes).

    Args:
        database: the store folder (default: the ``faers`` location of :mod:`il6analysis.paths`), or a
            store already opened by :func:`open_signals` for the same roles and engine.
        agents: agent names to analyse (any INN, brand or code name); all IL-6 agents when empty.
        roles: drug roles counted as exposure: ``PS`` (primary suspect), ``SS``, ``C``, ``I``.
        min_cases: keep pairs with at least this many reports (``a``); the EBGM
            prior is fitted on every pair with ``a >= 1`` of every ingredient first.
        methods: any of ``ror``, ``prr`` (with ``chi2``), ``ic``, ``ebgm``.
        strata: any of ``sex``, ``age_band``, ``year``: ROR becomes the
            Mantel-Haenszel ROR and ``expected`` (so IC and EBGM) the stratified
            sum; PRR and chi2 stay crude.
        haldane: add 0.5 to every cell before the crude ROR and PRR.
        yates: Yates-corrected chi-square instead of the plain Pearson one.
        engine: ``duckdb`` (default) or ``spark`` (PySpark local mode).
        all_ingredients: every ingredient in the store, not only the agents.
        filters: a case-set filter (:mod:`il6analysis.faers.filters`; a dict of its arguments) that
            narrows every count, the background included.
        progress: called with a short message before each long step.

    Returns:
        One row per pair, sorted by agent and descending lower bound of the
        first method; for the agents, the case depth of :mod:`il6analysis.faers.depth` (outcome
        shares, time to onset) and ``indication`` (:mod:`il6analysis.faers.indications`); the EBGM
        prior is in ``.attrs["gamma_mixture"]``, whether its fit converged in ``.attrs["prior_converged"]``.

    Raises:
        StoreError: no store (run ``il6 refresh faers PATH``), or not a store.
        UsageError: an unknown role, method, stratum or engine, or ``min_cases`` not a whole number >= 0.
        UnknownNameError: an unknown agent name.
    """
    progress = progress or (lambda message: None)
    methods = check_methods(methods)
    check_min_cases(min_cases)
    opened, chosen, strata = open_for(database, engine, agents, roles, strata, progress, filters)
    store, names, clean = opened.store, opened.names, opened.clean
    progress("counting every ingredient x term pair")
    m = counts.margins(clean, strata)
    m = dataclasses.replace(m, pairs=store.materialise("pair_counts", m.pairs))
    prior = fitted_prior(store, m, progress) if "ebgm" in methods else None
    progress("counting the agents' pairs")
    ids = None if all_ingredients else chosen["ingredient_id"].tolist()
    rows = store.execute(counts.pair_rows(m, ids, max(min_cases, 1)))
    rows = rows.astype({"a": "int64", "n_drug": "int64", "n_event": "int64", "n": "int64"})
    if not strata:
        rows = rows.drop(columns="stratum")
    progress("computing the statistics")
    table = signals(rows, methods=methods, min_cases=min_cases, haldane=haldane, yates=yates, prior=prior,
                    strata="stratum" if strata else None)
    table = table.merge(names, on="ingredient_id").merge(tables.pt_names(store), on="pt_id")
    table = with_ror_rule(table)
    if not all_ingredients:
        table = annotate(table, opened, chosen)
    first = ["agent_id", "ingredient", "pt"]
    table = table[first + [c for c in table.columns if c not in first + ["ingredient_id", "pt_id"]]]
    table = table.sort_values(["agent_id", LOWER_BOUND[methods[0]], "pt"], ascending=[True, False, True],
                              na_position="last").reset_index(drop=True)
    table.attrs["gamma_mixture"] = prior
    table.attrs["prior_converged"] = None if prior is None else prior.converged
    return table


def fitted_prior(store, m: counts.Margins, progress: Progress):
    """Return the EBGM prior fitted on every ingredient x term pair with ``a >= 1`` of ``m``; a fit that did
    not converge is kept (its ``converged`` is False) and said in a :class:`RuntimeWarning`."""
    return prior_of(store.execute(counts.expected_distribution(m)), progress)


def prior_of(spread: pd.DataFrame, progress: Progress):
    """Return the EBGM prior fitted on ``spread`` (``a, expected, pairs``, as
    :func:`il6analysis.faers.counts.expected_distribution`), as :func:`fitted_prior` does."""
    progress(f"fitting the EBGM prior on {int(spread['pairs'].sum()):,} pairs")
    prior = fit_gamma_mixture(spread["a"], spread["expected"], weights=spread["pairs"], zero_truncated=True)
    if not prior.converged:
        warnings.warn(f"the EBGM prior fit on {prior.n_pairs:,} pairs did not converge: EBGM, EB05 and EB95 are "
                      "uncertain", RuntimeWarning, stacklevel=3)
    return prior


def with_ror_rule(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with ``signal_ror``: a >= 3 and the ROR's lower 95% bound above 1."""
    return table.assign(signal_ror=(table["a"] >= 3) & (table["ror_low"] > 1))


def signal_series(
    database: str | Path | OpenedStore | None = None,
    agents: Sequence[str] | None = None,
    terms: Sequence[str] | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    min_cases: int = 3,
    *,
    methods: Sequence[str] = ("ror", "ic"),
    cumulative: bool = True,
    filters: CaseFilter | dict | None = None,
    engine: str = "duckdb",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Return each agent x term's statistics year by year (FDA receipt year), as a signal develops.

    With ``cumulative`` (default) a year's row is the 2x2 table of every report
    received up to the end of that year, as in the cumulative time scans of
    signal detection; otherwise the reports of that year alone. Reports
    without a receipt year are in no year's row (they are in the whole-history
    table of :func:`disproportionality`). EBGM, when asked for, uses the prior
    fitted once on every pair of the whole history.

    Args:
        database, agents, roles, engine, filters, progress: as :func:`disproportionality`.
        terms: preferred terms to follow (any case); all the agents' terms when empty.
        min_cases: keep pairs with at least this many reports over the whole history.
        methods: any of ``ror``, ``prr``, ``ic``, ``ebgm``.
        cumulative: cumulative tables (default) or each year's own.

    Returns:
        ``agent_id, ingredient, pt, year`` (int64), then the columns of
        :func:`disproportionality` (NaN for a method not run), one row per pair
        and year from the store's first known year to its last, sorted by
        agent, term and year.

    Raises:
        As :func:`disproportionality`.
    """
    progress = progress or (lambda message: None)
    methods = check_methods(methods)
    check_min_cases(min_cases)
    opened, chosen, _ = open_for(database, engine, agents, roles, (), progress, filters)
    store, names, clean = opened.store, opened.names, opened.clean
    prior = fitted_prior(store, counts.margins(clean, []), progress) if "ebgm" in methods else None
    progress("counting the agents' pairs per year")
    m = counts.margins(clean, ["year"])
    rows = store.execute(counts.pair_rows(m, chosen["ingredient_id"].tolist(), max(min_cases, 1)))
    rows = rows.merge(tables.pt_names(store), on="pt_id")
    if terms:
        wanted = {str(t).strip().lower() for t in terms}
        rows = rows[rows["pt"].str.lower().isin(wanted)]
    rows = rows[rows["stratum"] != tables.UNKNOWN].rename(columns={"stratum": "year"})
    rows = rows.astype({"year": "int64", "a": "int64", "n_drug": "int64", "n_event": "int64", "n": "int64"})
    rows = rows.sort_values(["ingredient_id", "pt_id", "year"]).reset_index(drop=True)
    if cumulative:
        cells = ["a", "n_drug", "n_event", "n"]
        rows[cells] = rows.groupby(["ingredient_id", "pt_id"])[cells].cumsum()
    yearly = [signals(part.drop(columns="year"), methods=methods, min_cases=0, prior=prior).assign(year=year)
              for year, part in rows.groupby("year", sort=True)]
    if not yearly:
        return empty_series()
    table = pd.concat(yearly, ignore_index=True).merge(names, on="ingredient_id")
    table = with_ror_rule(table)
    return table[SERIES_COLUMNS].sort_values(["agent_id", "pt", "year"]).reset_index(drop=True)


def empty_series() -> pd.DataFrame:
    """Return a :func:`signal_series` table without rows (its columns and types)."""
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in SERIES_COLUMNS}).astype(
        {"agent_id": "str", "ingredient": "str", "pt": "str", "year": "int64"})


def top_signals(table: pd.DataFrame, per_agent: int = 10, method: str = "ror") -> pd.DataFrame:
    """Return each agent's ``per_agent`` terms with the highest lower bound of ``method``'s interval.

    Raises:
        UsageError: an unknown method.
    """
    bound = LOWER_BOUND[check_methods([method])[0]]
    ranked = table.dropna(subset=[bound]).sort_values([bound, "pt"], ascending=[False, True])
    return ranked.groupby("agent_id", sort=True).head(per_agent).reset_index(drop=True)


def reports_per_year(
    database: str | Path | OpenedStore | None = None,
    agents: Sequence[str] | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    *,
    engine: str = "duckdb",
    filters: CaseFilter | dict | None = None,
) -> pd.DataFrame:
    """Return ``agent_id, year, reports, all_reports, share``: each agent's de-duplicated reports per
    FDA receipt year (``year`` may be ``"unknown"``), all reports that year, and the agent's share
    (within the case set of ``filters``, as :func:`disproportionality`).

    Raises:
        As :func:`disproportionality`.
    """
    opened, chosen, _ = open_for(database, engine, agents, roles, (), None, filters)
    store, clean = opened.store, opened.clean
    per = store.execute(counts.reports_per_year(clean, chosen["ingredient_id"].tolist()))
    per = per.merge(chosen[["ingredient_id", "agent_id"]], on="ingredient_id")
    per = per.astype({"reports": "int64", "all_reports": "int64", "year": "str"})
    per["share"] = per["reports"] / per["all_reports"]
    return per[["agent_id", "year", "reports", "all_reports", "share"]].sort_values(["agent_id", "year"]).reset_index(
        drop=True)


def unlabelled_signals(table: pd.DataFrame, agents: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the rows of ``table`` (for ``agents``, all when empty) marked by whether the agent's label
    already names the term: ``in_label`` (bool) and ``label_match`` (what matched), unlabelled first, and
    ``unlabelled``: neither in the label nor the agent's own indication (its ``indication`` column, when
    the table has one: an indication is not a side effect).

    See :mod:`il6analysis.analysis.label_terms` for the matching rule.

    Raises:
        UnknownNameError: an unknown agent name.
    """
    from il6analysis.analysis.label_terms import label_matches
    from il6analysis.analysis.selection import resolve_agents

    wanted = resolve_agents(agents)
    rows = table[table["agent_id"].isin(wanted)] if wanted else table[table["agent_id"].notna()]
    matched = label_matches(rows[["agent_id", "pt"]])
    indication = rows["indication"].ne("").to_numpy() if "indication" in rows else False
    out = rows.assign(in_label=matched.notna().to_numpy(), label_match=matched.fillna("").to_numpy(),
                      unlabelled=matched.isna().to_numpy() & ~indication)
    return out.sort_values(["in_label", "agent_id"], kind="stable").reset_index(drop=True)
