"""The FAERS reports behind a signal, one row per de-duplicated case, for a reader to go through.

:func:`case_listing` lists the reports counted in ``a`` for one agent x
preferred term (the same de-duplicated, filtered reports as the statistics):
report (FAERS ``primaryid``, legacy AERS ISR), case, quarter, age, sex,
reporter country and occupation, serious outcomes, time to onset (or why it
is not usable, :mod:`il6analysis.faers.depth`), the other drugs the report
names as suspects, and the indications the agent was given for.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from il6analysis.errors import UsageError
from il6analysis.faers import depth, signals, tables
from il6analysis.faers.filters import OCCUPATIONS, SUSPECT_ROLES, CaseFilter

CASE_COLUMNS = ["report", "case", "quarter", "age", "sex", "country", "reporter", "outcomes", "onset_days",
                "onset_note", "other_suspects", "indications"]
"""The columns of :func:`case_listing`."""
HEADERS = {"report": "Report", "case": "Case", "quarter": "Quarter", "age": "Age", "sex": "Sex",
           "country": "Country", "reporter": "Reporter", "outcomes": "Serious outcomes",
           "onset_days": "Onset (days)", "onset_note": "Onset not usable", "other_suspects": "Other suspect drugs",
           "indications": "Given for"}
"""Readable headers of the listing's columns."""
_KEY_SPAN = 10**12


def quarter_of(report: pd.Series) -> pd.Series:
    """Return the quarter label (``2017Q2``) of each report key (quarter code ``yyyyq`` x 10^12 + primaryid)."""
    code = report.astype("int64") // _KEY_SPAN
    return (code // 10).astype("str") + "Q" + (code % 10).astype("str")


def term_id(store: tables.Store, term: str) -> tuple[int, str]:
    """Return the ``pt_id`` and display spelling of the preferred term ``term`` (any case or spacing).

    Raises:
        UsageError: no report in the store has that term; the message lists close spellings.
    """
    spelt = tables.pt_names(store)
    keys = spelt["pt"].str.lower().str.split().str.join(" ")
    wanted = " ".join(str(term).lower().split())
    found = spelt[keys == wanted]
    if found.empty:
        close = difflib.get_close_matches(wanted, keys.tolist(), n=5, cutoff=0.6)
        hint = f"; close: {', '.join(spelt['pt'][keys.isin(close)])}" if close else ""
        raise UsageError(f"no report in the FAERS store has the preferred term {term!r}{hint}")
    return int(found["pt_id"].iloc[0]), str(found["pt"].iloc[0])


def _joined(frame: pd.DataFrame, column: str) -> pd.Series:
    """``column``'s distinct values per report, sorted and joined by ``"; "``."""
    return frame.drop_duplicates().groupby("report")[column].agg(lambda values: "; ".join(sorted(values)))


def case_listing(
    database: str | Path | signals.OpenedStore | None = None,
    agent: str = "",
    term: str = "",
    roles: Sequence[str] = signals.DEFAULT_ROLES,
    *,
    filters: CaseFilter | dict | None = None,
    engine: str = "duckdb",
    progress: signals.Progress | None = None,
) -> pd.DataFrame:
    """Return the de-duplicated reports behind ``agent`` x ``term``, one row per case.

    Args:
        database: the store folder (default location), or a store opened by
            :func:`il6analysis.faers.signals.open_signals` (then ``roles``, ``filters`` and ``engine``
            must be the ones it was opened with).
        agent: the agent, by any INN, brand or code name.
        term: the MedDRA preferred term, any case.
        roles, filters, engine, progress: as :func:`il6analysis.faers.signals.disproportionality`.

    Returns:
        The columns :data:`CASE_COLUMNS`: ``report`` (primaryid), ``case``, ``quarter``, ``age``
        (years, one decimal), ``sex``, ``country``, ``reporter`` (occupation), ``outcomes``,
        ``onset_days`` (Int64, missing when not usable), ``onset_note`` (why not), ``other_suspects``,
        ``indications``; sorted by quarter and report. No rows when the agent has no report of the term.

    Raises:
        UnknownNameError: an unknown agent.
        UsageError: a term no report has, or bad roles, filters or engine.
        StoreError: no store there.
    """
    from il6analysis.curated.names import resolve_agent

    agent_id = resolve_agent(agent)
    opened, chosen, _ = signals.open_for(database, engine, [agent_id], roles, (), progress, filters)
    store, clean = opened.store, opened.clean
    pt_id, _ = term_id(store, term)
    ids = [int(i) for i in chosen["ingredient_id"]]
    exposed = clean["exposed"].filter(clean["exposed"].ingredient_id.isin(ids or [-1]))
    events = clean["events"].filter(clean["events"].pt_id == pt_id)
    behind = exposed.join(events, "report").select("report").distinct()
    demo = store.execute(store.raw["demo"].semi_join(behind, "report").select(
        "report", "primaryid", "caseid", "age_years", "sex", "reporter_country", "occp_cod"))
    if demo.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CASE_COLUMNS})
    lookup = opened.lookup
    agent_rows = depth.agent_drug_rows(store, lookup, opened.roles, ids)
    onsets = store.execute(depth.report_onsets(store, behind, agent_rows)
                           .select("report", "onset_days", "onset_status"))
    outcomes = store.execute(depth.report_outcomes(store, behind))
    drug = store.raw["drug"]
    suspects = store.execute(drug.filter(drug.role_cod.isin(list(SUSPECT_ROLES))).semi_join(behind, "report")
                             .join(lookup, "name_id").select("report", "ingredient_id"))
    suspects = suspects[~suspects["ingredient_id"].isin(ids)].merge(opened.names, on="ingredient_id")
    indi = store.raw["indi"]
    given = store.execute(indi.semi_join(agent_rows.semi_join(behind, "report"), ["report", "drug_seq"])
                          .select("report", "indi_pt"))
    listing = demo.set_index("report")
    listing["outcomes"] = _joined(outcomes.assign(o=outcomes["outc_cod"].map(depth.OUTCOME_LABELS)
                                                  .fillna(outcomes["outc_cod"]))[["report", "o"]], "o")
    listing["other_suspects"] = _joined(suspects[["report", "ingredient"]], "ingredient")
    listing["indications"] = _joined(given.dropna(), "indi_pt")
    onset = onsets.drop_duplicates("report").set_index("report")
    listing["onset_days"] = onset["onset_days"].astype("Int64")
    listing["onset_note"] = onset["onset_status"].where(onset["onset_status"] != depth.USED, "")
    listing = listing.reset_index()
    out = pd.DataFrame({
        "report": listing["primaryid"].astype("int64"), "case": listing["caseid"].astype("int64"),
        "quarter": quarter_of(listing["report"]), "age": listing["age_years"].astype("float64").round(1),
        "sex": listing["sex"].fillna(""), "country": listing["reporter_country"].fillna(""),
        "reporter": listing["occp_cod"].map(OCCUPATIONS).fillna(listing["occp_cod"]).fillna(""),
        "outcomes": listing["outcomes"].fillna(""), "onset_days": listing["onset_days"],
        "onset_note": listing["onset_note"].fillna(""),
        "other_suspects": listing["other_suspects"].fillna(""), "indications": listing["indications"].fillna(""),
    })
    return out.sort_values(["quarter", "report"]).reset_index(drop=True)[CASE_COLUMNS]


def readable(listing: pd.DataFrame) -> pd.DataFrame:
    """Return ``listing`` with readable headers and empty cells for missing values, for a terminal or a page."""
    shown = listing.astype({"onset_days": "object", "age": "object"}).where(listing.notna(), "")
    return shown.rename(columns=HEADERS)
