"""Regulatory actions: who authorised which agent, for what, and when, with dates kept at their precision.

A date known only to the month or year stands for an interval of days
(:mod:`il6analysis.curated.dates`). "First", "before", "after" and lags are
computed on those intervals: when two intervals overlap the order is unknown
and is reported as such, never guessed. Actions without a date are kept in
every view as "date unknown". Counts of "authorisations" count regulatory
decisions (one decision can cover several indications, routes and
formulations), not rows.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis.selection import keep_values, parse_date_bound, resolve_agents, resolve_names
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.dates import latest_day, partial_date_text
from il6analysis.curated.names import resolve_choice

DATE_UNKNOWN = "date unknown"
ORDER_UNKNOWN = "order unknown"
ON_OR_BEFORE = "on or before"


def approvals_view(
    agents: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
    indication_categories: Iterable[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> pd.DataFrame:
    """Return regulatory actions joined with indication names and categories.

    Columns: those of ``load_approvals()`` plus ``indication`` (name),
    ``category``, ``date`` (the action date as text at its source's precision,
    or ``"date unknown"``), ``date_earliest`` and ``date_latest`` (the interval
    of days the date stands for; missing when undated) and ``in_window`` (``True`` when the
    date interval overlaps ``date_from``..``date_to``, ``False`` when it surely
    lies outside, missing for an undated action). All rows of the selected
    agents, agencies and categories are returned, so that "first" is always the
    first ever; use :func:`shown` for the rows a report window displays.

    Raises:
        UnknownNameError: an unknown agent, agency or category.
        ValueError: a date bound that is not ``YYYY-MM-DD``, or ``date_from`` after ``date_to``.
    """
    wanted_agencies = resolve_names(agencies, lambda a: resolve_choice("agency", a, vocab.AGENCIES))
    categories = resolve_names(
        indication_categories, lambda c: resolve_choice("indication category", c, vocab.INDICATION_CATEGORIES)
    )
    start, end = parse_date_bound(date_from, "date_from"), parse_date_bound(date_to, "date_to")
    if start is not None and end is not None and start > end:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    indications = datasets.load_indications()[["indication_id", "name", "category"]]
    view = datasets.load_approvals().merge(
        indications.rename(columns={"name": "indication"}), on="indication_id", how="left", validate="many_to_one"
    )
    view = keep_values(view, "agent_id", resolve_agents(agents))
    view = keep_values(view, "agency", wanted_agencies)
    view = keep_values(view, "category", categories)
    earliest = view["approval_date"]
    latest = latest_day(earliest, view["approval_date_precision"])
    text = partial_date_text(earliest, view["approval_date_precision"])
    inside = pd.Series(True, index=view.index, dtype="boolean")
    if start is not None:
        inside &= latest >= start
    if end is not None:
        inside &= earliest <= end
    view = view.assign(
        date=text.where(text != "", DATE_UNKNOWN),
        date_earliest=earliest,
        date_latest=latest,
        in_window=inside.where(earliest.notna()),
    )
    return view.sort_values(["approval_date", "agent_id", "agency"], na_position="last").reset_index(drop=True)


def shown(view: pd.DataFrame) -> pd.DataFrame:
    """Return the rows a report window displays: dated inside the window, possibly inside
    (a coarse date overlapping its edge), or undated (shown as "date unknown")."""
    return view[view["in_window"].fillna(True).astype(bool)]


def _marketed(view: pd.DataFrame, count_eua: bool = True) -> pd.DataFrame:
    statuses = vocab.MARKETED_STATUSES if count_eua else ("approved",)
    return view[view["status"].isin(statuses)]


FIRST_COLUMNS = ["agent_id", "indication_id", "indication", "agency", "first_earliest", "first_latest", "first_date",
                 "undated_earlier", "emergency_use", "route", "shown"]


def first_approvals(view: pd.DataFrame, count_eua: bool = True) -> pd.DataFrame:
    """Return each agency's first marketing authorisation per agent x indication, over all time.

    Columns: ``agent_id, indication_id, indication, agency``; ``first_earliest``
    and ``first_latest``, the interval of days in which the first authorisation
    happened; ``first_date``, that interval as text (a day, month or year, or
    ``"date unknown"`` when no authorisation of the group is dated);
    ``undated_earlier``, true when the group also holds an undated authorisation,
    which may be the first: ``first_earliest`` is then missing (no lower bound)
    and ``first_date`` reads ``"on or before <earliest dated>"``;
    ``emergency_use``, true when the first authorisation is (or may be) an
    emergency-use authorisation rather than a licence; ``route``, the route of
    the first dated authorisation when the group's authorisations have several
    routes and that date belongs to one of them (else ``""``); and ``shown``
    (any action of the group is in the report window). Complete responses,
    refusals and withdrawals never count; emergency-use authorisations count
    only with ``count_eua``.
    """
    marketed = _marketed(view, count_eua).assign(shown_row=view["in_window"].fillna(True).astype(bool))
    keys = ["agent_id", "indication_id", "indication", "agency"]
    if marketed.empty:
        return pd.DataFrame(columns=FIRST_COLUMNS)
    rows = [_first_of(group) | dict(zip(keys, key))
            for key, group in marketed.groupby(keys, observed=True, dropna=False)]
    firsts = pd.DataFrame(rows, columns=FIRST_COLUMNS).astype(
        {"first_earliest": "datetime64[ns]", "first_latest": "datetime64[ns]"})
    return firsts.sort_values(["agent_id", "indication_id", "first_latest"], na_position="last").reset_index(drop=True)


def _first_of(group: pd.DataFrame) -> dict:
    """The first authorisation of one agent x indication x agency group (see :func:`first_approvals`)."""
    dated = group.dropna(subset=["date_earliest"])
    undated_earlier = len(dated) < len(group)
    earliest, latest = dated["date_earliest"].min(), dated["date_latest"].min()
    candidates = dated[dated["date_earliest"] <= latest]  # every dated action that may be the first
    emergency = (candidates if not dated.empty else group)["status"].eq("emergency_use")
    if undated_earlier:
        emergency = pd.concat([emergency, group.loc[group["date_earliest"].isna(), "status"].eq("emergency_use")])
    routes = group["route"].dropna().astype("str").unique()
    first_routes = candidates["route"].dropna().astype("str").unique()
    text = _interval_text(earliest, latest)
    return {
        "first_earliest": pd.NaT if undated_earlier else earliest,
        "first_latest": latest,
        "first_date": f"on or before {text}" if undated_earlier and not dated.empty else text,
        "undated_earlier": undated_earlier,
        "emergency_use": bool(emergency.any()),
        "route": first_routes[0] if len(routes) > 1 and len(first_routes) == 1 and not undated_earlier else "",
        "shown": bool(group["shown_row"].any()),
    }


def _interval_text(earliest: pd.Timestamp, latest: pd.Timestamp) -> str:
    if pd.isna(earliest):
        return DATE_UNKNOWN
    if earliest == latest:
        return earliest.strftime("%Y-%m-%d")
    if earliest.year == latest.year and earliest.month == 1 and latest.month == 12 and latest.day == 31:
        return str(earliest.year)
    if earliest.to_period("M") == latest.to_period("M") and earliest.day == 1 and latest.is_month_end:
        return earliest.strftime("%Y-%m")
    return f"{earliest:%Y-%m-%d}..{latest:%Y-%m-%d}"


def first_cell(first: pd.Series, licence: pd.Series | None = None) -> str:
    """Return one first authorisation (a row of :func:`first_approvals`) as a short cell: the year
    (``"2010"``), ``"on or before 2016"`` when an undated authorisation may be earlier, or
    ``"date unknown"``, followed by ``" (EUA)"`` for an emergency-use authorisation (with the year of
    the first licence when ``licence``, a row of ``first_approvals(view, count_eua=False)``, is given)
    and the route where the date belongs to one route only, e.g. ``"2021 (EUA; licence 2022)"``."""
    emergency = ""
    if first["emergency_use"]:
        emergency = "EUA" + (f"; licence {_year_text(licence)}" if licence is not None else "")
    marks = [m for m in (emergency, first["route"]) if m]
    core = _year_text(first)
    return f"{core} ({', '.join(marks)})" if marks else core


def _year_text(first: pd.Series) -> str:
    if pd.isna(first["first_latest"]):
        return DATE_UNKNOWN
    if first["undated_earlier"]:
        return f"{ON_OR_BEFORE} {first['first_latest'].year}"
    return str(first["first_earliest"].year)


def agencies_present(view: pd.DataFrame) -> list[str]:
    """Return the agencies with at least one shown authorisation in ``view`` (dated or not),
    in vocabulary order."""
    present = set(_marketed(shown(view))["agency"])
    return [a for a in vocab.AGENCIES if a in present]


def approval_matrix(view: pd.DataFrame, agency: str, count_eua: bool = True) -> pd.DataFrame:
    """Return indication x agent: the agency's first authorisation ever, as text (:func:`first_cell`).

    A cell is the year (``"2010"``), ``"on or before 2016"`` when an undated
    authorisation of the same agent and indication may be the first,
    ``"date unknown"`` when no authorisation of the group is dated, marked
    ``(EUA)`` when the first is an emergency-use authorisation (``(EUA; licence
    2022)`` once a licence followed) and with the route
    when its date belongs to one route only; empty when no authorisation is
    recorded. Only groups with an action in the report window appear; the year
    shown is the first ever, not the first in the window. Without ``count_eua``
    only licences count.

    Raises:
        UnknownNameError: ``agency`` is not a known agency.
    """
    agency = resolve_choice("agency", agency, vocab.AGENCIES)
    view = view[view["agency"] == agency]  # firsts are per agency: the others' rows never matter
    firsts = first_approvals(view, count_eua)
    firsts = firsts[firsts["shown"]]
    if firsts.empty:
        return pd.DataFrame()
    licences = first_approvals(view, count_eua=False).set_index(["agent_id", "indication_id", "agency"])
    cells = firsts.assign(cell=[
        first_cell(row, licences.loc[key] if row["emergency_use"] and key in licences.index else None)
        for key, (_, row) in zip(zip(firsts["agent_id"], firsts["indication_id"], firsts["agency"]),
                                 firsts.iterrows())])
    matrix = cells.pivot_table(index="indication", columns="agent_id", values="cell", aggfunc="first")
    return matrix.astype("str").where(matrix.notna(), "")


def approval_lags(view: pd.DataFrame, count_eua: bool = False) -> pd.DataFrame:
    """Return, per agent x indication authorised by two or more agencies, each agency's
    timing against the agency whose first authorisation could be earliest.

    By default only licences are timed (an emergency-use authorisation is not a
    licence); ``count_eua`` counts emergency use as a first authorisation too.
    Columns: ``agent_id, indication, agency, first_date, reference_agency,
    reference_date, lag_min_days, lag_max_days, order``. ``order`` is
    ``"first"`` for the reference, ``"after"`` when the agency's interval lies
    wholly after the reference's (the lag is then at least ``lag_min_days`` and
    at most ``lag_max_days``; equal when both dates are exact days; no maximum
    when the reference is only "on or before" a date), ``"same day"``,
    ``"order unknown"`` when the intervals overlap or the agency's first is only
    known to be "on or before" a date (the lag columns are then empty), or
    ``"date unknown"`` when either date is missing. When the reference itself
    may not be the earliest, its ``order`` is ``"order unknown"`` too.
    """
    firsts = first_approvals(view, count_eua)
    firsts = firsts[firsts["shown"]]
    columns = ["agent_id", "indication", "agency", "first_date", "reference_agency", "reference_date",
               "lag_min_days", "lag_max_days", "order"]
    rows = []
    for _, group in firsts.groupby(["agent_id", "indication_id"], observed=True):
        if group["agency"].nunique() < 2:
            continue
        known = group.dropna(subset=["first_latest"])
        known = known.assign(lower=known["first_earliest"].fillna(pd.Timestamp.min))
        reference = _reference(known)
        for _, row in group.iterrows():
            rows.append(_lag_row(row, reference, known))
    return pd.DataFrame(rows, columns=columns).astype({"lag_min_days": "Int64", "lag_max_days": "Int64"})


def _reference(known: pd.DataFrame) -> pd.Series | None:
    """The agency to time the others against: the earliest dated first authorisation, unless an
    agency known only to have authorised "on or before" a date surely came before it."""
    dated = known.dropna(subset=["first_earliest"]).sort_values(["first_earliest", "first_latest"])
    bounded = known[known["first_earliest"].isna()].sort_values("first_latest")
    if not bounded.empty and (dated.empty or bounded["first_latest"].iloc[0] < dated["first_earliest"].iloc[0]):
        return bounded.iloc[0]
    return dated.iloc[0] if not dated.empty else None


def _lag_row(row: pd.Series, reference: pd.Series | None, known: pd.DataFrame) -> dict:
    out = {"agent_id": row["agent_id"], "indication": row["indication"], "agency": row["agency"],
           "first_date": row["first_date"], "reference_agency": None, "reference_date": None,
           "lag_min_days": None, "lag_max_days": None, "order": DATE_UNKNOWN}
    if reference is None or pd.isna(row["first_latest"]):
        return out
    out.update(reference_agency=reference["agency"], reference_date=reference["first_date"])
    if row["agency"] == reference["agency"]:
        others = known[known["agency"] != reference["agency"]]
        overlap = (others["lower"] <= reference["first_latest"]).any()
        out["order"] = ORDER_UNKNOWN if overlap else "first"
        return out
    if pd.isna(row["first_earliest"]):
        out["order"] = ORDER_UNKNOWN
        return out
    low = (row["first_earliest"] - reference["first_latest"]).days
    high = None if pd.isna(reference["first_earliest"]) else (row["first_latest"] - reference["first_earliest"]).days
    if low > 0:
        out.update(lag_min_days=low, lag_max_days=high, order="after")
    elif low == high == 0:
        out.update(lag_min_days=0, lag_max_days=0, order="same day")
    else:
        out["order"] = ORDER_UNKNOWN
    return out


def lag_text(lags: pd.DataFrame) -> pd.Series:
    """Return each lag as a reader sees it: ``"142 days after FDA"``, ``"30-364 days after EC"``,
    ``"at least 400 days after TGA"`` (the reference is only known to be "on or before" a date),
    ``"first"``, ``"same day as FDA"``, ``"order unknown"`` or ``"date unknown"``."""
    def one(row: pd.Series) -> str:
        if row["order"] == "after":
            if pd.isna(row["lag_max_days"]):
                return f"at least {row['lag_min_days']} days after {row['reference_agency']}"
            span = (f"{row['lag_min_days']}" if row["lag_min_days"] == row["lag_max_days"]
                    else f"{row['lag_min_days']}-{row['lag_max_days']}")
            return f"{span} days after {row['reference_agency']}"
        if row["order"] == "same day":
            return f"same day as {row['reference_agency']}"
        return row["order"]

    return lags.apply(one, axis=1).astype("str") if not lags.empty else pd.Series(dtype="str")


def regulatory_setbacks_and_emergency_use(view: pd.DataFrame) -> pd.DataFrame:
    """Return every shown action that is not a plain approval: complete responses,
    withdrawals, refusals, revocations and emergency-use authorisations, oldest first
    (undated ones last, as "date unknown")."""
    columns = ["date", "agent_id", "agency", "indication", "status", "brand", "notes", "source"]
    rows = shown(view)
    return rows.loc[rows["status"] != "approved", columns].reset_index(drop=True)


def approvals_per_year(view: pd.DataFrame) -> pd.DataFrame:
    """Return the number of marketing-authorisation *decisions* per year and agency, in the window.

    One decision covering several indications, routes or formulations counts
    once. Columns: ``year, agency, decisions``. Undated decisions have no year
    and are counted by :func:`undated_decisions` instead.
    """
    marketed = _marketed(shown(view)).dropna(subset=["approval_date"])
    decisions = marketed.drop_duplicates("decision_id")
    counts = decisions.groupby([decisions["approval_date"].dt.year.rename("year"), "agency"], observed=True).size()
    return counts.rename("decisions").reset_index().astype({"year": "int64", "decisions": "int64"})


def undated_decisions(view: pd.DataFrame) -> int:
    """Return how many shown marketing-authorisation decisions have no date."""
    marketed = _marketed(shown(view))
    return int(marketed.loc[marketed["approval_date"].isna(), "decision_id"].nunique())
