"""Case depth behind each FAERS signal: how serious the cases are and how long after the drug they began.

Over the clean (de-duplicated, filtered) reports of a store:

Outcomes
    FAERS lists a report's serious outcomes in OUTC (a report without one is
    not serious). For each agent x term pair, ``share_serious`` is the share
    of its ``a`` reports with any outcome, and ``share_<outcome>`` the share
    with each of :data:`OUTCOMES` (a report can have several).
Time to onset
    For each report x agent, onset = the report's event date (DEMO
    ``event_dt``) minus the agent's therapy start (THER ``start_dt`` of the
    agent's drug rows in the chosen roles; the earliest when it was started
    more than once), in days, only where both are full dates and the therapy
    began on or before the event. Every other report is counted as not
    usable, with its reason (:data:`ONSET_REASONS`). Per pair:
    ``onset_median``, ``onset_q1``, ``onset_q3`` (quartiles by linear
    interpolation), ``onset_used`` and ``onset_not_usable``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from il6analysis.faers.tables import Store

OUTCOMES = {"DE": "death", "LT": "life_threatening", "HO": "hospitalisation", "DS": "disability",
            "CA": "congenital_anomaly", "RI": "required_intervention", "OT": "other_serious"}
"""OUTC codes (FDA's data dictionary) -> the name used in column names."""
OUTCOME_LABELS = {"DE": "death", "LT": "life-threatening", "HO": "hospitalisation", "DS": "disability",
                  "CA": "congenital anomaly", "RI": "required intervention", "OT": "other serious"}
"""OUTC codes -> readable names."""
USED = "used"
ONSET_REASONS = ("no event date", "event date partial", "no therapy start", "therapy start partial",
                 "therapy started after the event")
"""Why a report's time to onset is not usable."""
DEPTH_COLUMNS = ["share_serious", *(f"share_{name}" for name in OUTCOMES.values()),
                 "onset_median", "onset_q1", "onset_q3", "onset_used", "onset_not_usable"]
"""The columns :func:`pair_depth` adds to each pair."""
_KEYS = ["ingredient_id", "pt_id"]


def agent_drug_rows(store: Store, lookup: ir.Table, roles: Sequence[str], ingredient_ids: Sequence[int]) -> ir.Table:
    """Return ``report, drug_seq, ingredient_id``: the drug rows of ``ingredient_ids`` in ``roles``
    (every stored report; join with the clean reports to keep the counted ones)."""
    drug = store.raw["drug"]
    rows = drug.filter(drug.role_cod.isin(list(roles))).join(lookup, "name_id")
    return rows.filter(rows.ingredient_id.isin([int(i) for i in ingredient_ids])).select(
        "report", "drug_seq", "ingredient_id")


def counted_drug_rows(store: Store, clean: dict[str, ir.Table], lookup: ir.Table, roles: Sequence[str],
                      ingredient_ids: Sequence[int]) -> ir.Table:
    """Return :func:`agent_drug_rows` of the clean reports only, computed once into a temporary table of the
    engine (the joins with THER and INDI then read a small table instead of recomputing it)."""
    rows = agent_drug_rows(store, lookup, roles, ingredient_ids)
    return store.materialise("counted_agent_rows", rows.semi_join(clean["reports"].select("report"), "report"))


def report_onsets(store: Store, reports: ir.Table, drug_rows: ir.Table) -> ir.Table:
    """Return ``report, ingredient_id, onset_days, onset_status`` for each of ``reports`` x ingredient of
    ``drug_rows`` (from :func:`agent_drug_rows`); ``onset_status`` is ``"used"`` or one of
    :data:`ONSET_REASONS`, ``onset_days`` is missing unless used."""
    ther = store.raw["ther"]
    rows = drug_rows.semi_join(reports.select("report"), "report")
    dated = rows.left_join(ther, ["report", "drug_seq"])
    starts = dated.group_by(["report", "ingredient_id"]).agg(
        start=dated.start_date.min(), partial=dated.start_precision.isin(["month", "year"]).any())
    demo = store.raw["demo"].select("report", "event_date", "event_precision")
    joined = starts.join(demo, "report")
    days = joined.event_date.delta(joined.start, unit="day")
    status = ibis.cases(
        (joined.event_precision.isnull(), ONSET_REASONS[0]),
        (joined.event_date.isnull(), ONSET_REASONS[1]),
        (joined.start.isnull() & joined.partial.fill_null(False), ONSET_REASONS[3]),
        (joined.start.isnull(), ONSET_REASONS[2]),
        (days < 0, ONSET_REASONS[4]),
        else_=USED)
    return joined.select("report", "ingredient_id", onset_days=ibis.ifelse(status == USED, days, ibis.null()),
                         onset_status=status)


def report_outcomes(store: Store, reports: ir.Table) -> ir.Table:
    """Return ``report, outc_cod``: each of ``reports``' serious outcomes once."""
    outc = store.raw["outc"]
    return outc.filter(outc.outc_cod.notnull()).semi_join(reports.select("report"), "report").distinct()


def pair_depth(store: Store, clean: dict[str, ir.Table], drug_rows: ir.Table,
               ingredient_ids: Sequence[int]) -> pd.DataFrame:
    """Return ``ingredient_id, pt_id`` and :data:`DEPTH_COLUMNS` for every pair of ``ingredient_ids``
    with at least one report (see the module notes).

    Args:
        clean: the clean tables (:func:`il6analysis.faers.tables.clean_tables`), filtered as the statistics.
        drug_rows: the agents' drug rows in the counted roles (:func:`counted_drug_rows`).
    """
    exposed = clean["exposed"].filter(clean["exposed"].ingredient_id.isin([int(i) for i in ingredient_ids]))
    pairs = exposed.join(clean["events"], "report")
    onsets = report_onsets(store, exposed, drug_rows)
    rows = store.execute(pairs.left_join(onsets, ["report", "ingredient_id"]).select(
        "ingredient_id", "pt_id", "report", "onset_days", "onset_status"))
    outcomes = store.execute(report_outcomes(store, exposed))
    return summarise(rows, outcomes)


def summarise(rows: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Return the depth of each pair from its reports.

    Args:
        rows: ``ingredient_id, pt_id, report, onset_days, onset_status``, one row per pair x report.
        outcomes: ``report, outc_cod``.

    Returns:
        ``ingredient_id, pt_id`` and :data:`DEPTH_COLUMNS` (shares in 0-1; onsets in days, missing
        where no report of the pair has a usable onset; counts int64).
    """
    codes = list(OUTCOMES)
    flags = (pd.crosstab(outcomes["report"], outcomes["outc_cod"]).reindex(columns=codes, fill_value=0)
             .clip(upper=1) if len(outcomes) else pd.DataFrame(columns=codes, dtype="int64"))
    flags.columns = [f"share_{OUTCOMES[c]}" for c in codes]
    flags["share_serious"] = (outcomes.groupby("report").size() > 0).astype("int64") if len(outcomes) else 0
    merged = rows[_KEYS + ["report"]].merge(flags, left_on="report", right_index=True, how="left")
    share_columns = DEPTH_COLUMNS[:len(codes) + 1]
    merged[share_columns] = merged[share_columns].fillna(0).astype("float64")
    out = merged.groupby(_KEYS, sort=True)[share_columns].mean()
    used = rows[rows["onset_status"] == USED].astype({"onset_days": "float64"})
    grouped = used.groupby(_KEYS)["onset_days"]
    out["onset_median"] = grouped.median()
    out["onset_q1"] = grouped.quantile(0.25)
    out["onset_q3"] = grouped.quantile(0.75)
    out["onset_used"] = grouped.size().reindex(out.index, fill_value=0).astype("int64")
    out["onset_not_usable"] = rows.groupby(_KEYS).size().reindex(out.index).astype("int64") - out["onset_used"]
    return out.reset_index()[_KEYS + DEPTH_COLUMNS]


def onset_reasons(rows: pd.DataFrame) -> dict[str, int]:
    """Return how many of ``rows`` (with ``onset_status``) have each status, ``"used"`` first, zeros included."""
    found = rows["onset_status"].value_counts()
    return {status: int(found.get(status, 0)) for status in (USED, *ONSET_REASONS)}


def annotate(table: pd.DataFrame, opened, chosen: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` (one row per ``ingredient_id, pt_id`` with ``agent_id, pt``) with :data:`DEPTH_COLUMNS`
    and ``indication`` (:func:`il6analysis.faers.indications.indication_matches`, from the curated data
    and the store's INDI).

    Args:
        opened: the :class:`il6analysis.faers.signals.OpenedStore` the table was counted on.
        chosen: ``ingredient_id, agent_id`` of the agents.
    """
    from il6analysis.faers.indications import indication_matches, store_indications

    ids = [int(i) for i in chosen["ingredient_id"]]
    if not ids:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in _KEYS + DEPTH_COLUMNS})
        return table.merge(empty.astype({k: "int64" for k in _KEYS}), on=_KEYS, how="left").assign(
            onset_used=0, onset_not_usable=0, indication="")
    drug_rows = counted_drug_rows(opened.store, opened.clean, opened.lookup, opened.roles, ids)
    found = pair_depth(opened.store, opened.clean, drug_rows, ids)
    out = table.merge(found.astype({k: "int64" for k in _KEYS}), on=_KEYS, how="left")
    out[["onset_used", "onset_not_usable"]] = out[["onset_used", "onset_not_usable"]].fillna(0).astype("int64")
    reported = store_indications(opened.store, opened.clean, drug_rows, chosen)
    out["indication"] = indication_matches(out, reported)
    return out


def depth_view(table: pd.DataFrame) -> pd.DataFrame:
    """Return the case depth of ``table``'s pairs (from :func:`annotate`) with readable headers: reports,
    the share of serious cases and of each outcome in %, the median and interquartile range of the time to
    onset with the counts used and not usable, and the indication flag."""
    def percent(column: str) -> pd.Series:
        return (table[column] * 100).round(0)

    iqr = [f"{low:g}-{high:g}" if pd.notna(low) else "" for low, high in zip(table["onset_q1"], table["onset_q3"])]
    return pd.DataFrame({
        "Agent": table["agent_id"], "Preferred term": table["pt"], "Reports": table["a"],
        "Serious %": percent("share_serious"),
        **{f"{OUTCOME_LABELS[code].capitalize()} %": percent(f"share_{name}") for code, name in OUTCOMES.items()},
        "Onset median (days)": table["onset_median"], "Onset interquartile range (days)": iqr,
        "Onsets used": table["onset_used"], "Onsets not usable": table["onset_not_usable"],
        "Indication, not a side effect": table["indication"],
    }).reset_index(drop=True)
