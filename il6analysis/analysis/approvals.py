"""Regulatory actions: who authorised which agent, for what, and when.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis.selection import (
    keep_values,
    parse_date_bound,
    partial_date_text,
    resolve_agents,
    resolve_names,
)
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.names import resolve_choice


def approvals_view(
    agents: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
    indication_categories: Iterable[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> pd.DataFrame:
    """Return regulatory actions joined with indication names and categories.

    Columns: those of ``load_approvals()`` plus ``indication`` (name),
    ``category`` and ``date`` (the action date as text at its source's
    precision). Rows with no date are kept unless a date bound is given.

    Raises:
        UnknownNameError: an unknown agent, agency or category.
        ValueError: a date bound that is not ``YYYY-MM-DD``.
    """
    wanted_agencies = resolve_names(agencies, lambda a: resolve_choice("agency", a, vocab.AGENCIES))
    categories = resolve_names(
        indication_categories, lambda c: resolve_choice("indication category", c, vocab.INDICATION_CATEGORIES)
    )
    start, end = parse_date_bound(date_from, "date_from"), parse_date_bound(date_to, "date_to")
    indications = datasets.load_indications()[["indication_id", "name", "category"]]
    view = datasets.load_approvals().merge(
        indications.rename(columns={"name": "indication"}), on="indication_id", how="left", validate="many_to_one"
    )
    view = keep_values(view, "agent_id", resolve_agents(agents))
    view = keep_values(view, "agency", wanted_agencies)
    view = keep_values(view, "category", categories)
    if start is not None:
        view = view[view["approval_date"] >= start]
    if end is not None:
        view = view[view["approval_date"] <= end]
    view = view.assign(date=partial_date_text(view["approval_date"], view["approval_date_precision"]))
    return view.sort_values(["approval_date", "agent_id", "agency"], na_position="last").reset_index(drop=True)


def _marketed(view: pd.DataFrame) -> pd.DataFrame:
    return view[view["status"].isin(vocab.MARKETED_STATUSES) & view["approval_date"].notna()]


def first_approvals(view: pd.DataFrame) -> pd.DataFrame:
    """Return the earliest dated marketing authorisation per agent x indication x agency.

    Columns: ``agent_id, indication_id, indication, agency, approval_date``.
    Emergency authorisations count; complete responses and withdrawals do not.
    """
    marketed = _marketed(view)
    keys = ["agent_id", "indication_id", "indication", "agency"]
    return (
        marketed.groupby(keys, observed=True, as_index=False)["approval_date"].min()
        .sort_values(["agent_id", "indication_id", "approval_date"])
        .reset_index(drop=True)
    )


def agencies_present(view: pd.DataFrame) -> list[str]:
    """Return the agencies with at least one dated authorisation in ``view``, in vocabulary order."""
    present = set(_marketed(view)["agency"])
    return [a for a in vocab.AGENCIES if a in present]


def approval_matrix(view: pd.DataFrame, agency: str) -> pd.DataFrame:
    """Return indication x agent: the year of the agency's first authorisation (empty if none).

    Raises:
        UnknownNameError: ``agency`` is not a known agency.
    """
    agency = resolve_choice("agency", agency, vocab.AGENCIES)
    firsts = first_approvals(view)
    firsts = firsts[firsts["agency"] == agency]
    years = firsts.assign(year=firsts["approval_date"].dt.year.astype("Int64"))
    return years.pivot_table(index="indication", columns="agent_id", values="year", aggfunc="min").astype("Int64")


def approval_lags(view: pd.DataFrame) -> pd.DataFrame:
    """Return, per agent x indication, each agency's delay after the first agency.

    Columns: ``agent_id, indication, agency, approval_date, first_agency,
    first_date, lag_days``. The first agency itself has ``lag_days == 0``;
    agencies that act on the same day share it. Dates of month or year
    precision count from the first day of their period.
    """
    firsts = first_approvals(view)
    if firsts.empty:
        return firsts.assign(first_agency=pd.Series(dtype="str"), first_date=pd.Series(dtype="datetime64[ns]"),
                             lag_days=pd.Series(dtype="Int64"))
    earliest = firsts.sort_values("approval_date").groupby(["agent_id", "indication_id"], as_index=False).first()
    earliest = earliest.rename(columns={"agency": "first_agency", "approval_date": "first_date"})
    lags = firsts.merge(earliest[["agent_id", "indication_id", "first_agency", "first_date"]], on=["agent_id", "indication_id"])
    lags["lag_days"] = (lags["approval_date"] - lags["first_date"]).dt.days.astype("Int64")
    return lags.sort_values(["agent_id", "indication", "lag_days"]).reset_index(drop=True)


def regulatory_setbacks_and_emergency_use(view: pd.DataFrame) -> pd.DataFrame:
    """Return every action that is not a plain approval: complete responses,
    withdrawals, refusals and emergency-use authorisations, oldest first."""
    columns = ["date", "agent_id", "agency", "indication", "status", "brand", "notes", "source"]
    return view.loc[view["status"] != "approved", columns].reset_index(drop=True)


def approvals_per_year(view: pd.DataFrame) -> pd.DataFrame:
    """Return the number of dated marketing authorisations per year and agency.

    Columns: ``year, agency, approvals``; one row per year and agency with at
    least one authorisation.
    """
    marketed = _marketed(view)
    counts = marketed.groupby([marketed["approval_date"].dt.year.rename("year"), "agency"], observed=True).size()
    return counts.rename("approvals").reset_index().astype({"year": "int64"})
