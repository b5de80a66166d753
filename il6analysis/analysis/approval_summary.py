"""What a reader of the approvals report sees first: one line per agent x agency, and what the selection holds.

Built on :mod:`il6analysis.analysis.approvals`, with the same rules: "first"
is the first ever (``on or before`` a date when an undated authorisation may
be earlier), emergency use is marked, and undated decisions are counted apart
from those dated inside a report window.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.analysis.approvals import first_approvals, shown
from il6analysis.curated import vocab

SUMMARY_COLUMNS = ["agent_id", "agency", "first_date", "indications", "routes", "status"]


def agency_summary(view: pd.DataFrame, count_eua: bool = True) -> pd.DataFrame:
    """Return one row per agent x agency with an action shown in the report window.

    Columns: ``agent_id, agency``; ``first_date``, the first authorisation for
    any indication, over all time (a day, month or year; ``"on or before ..."``
    when an undated authorisation may be earlier; ``"date unknown"``; followed by
    ``" (EUA)"`` when it is an emergency-use authorisation; empty when the agency
    authorised nothing); ``indications``, how many indications it authorised;
    ``routes``, the routes of its authorisations (``"IV, SC"``); ``status``:
    ``"authorised"`` (a licence), ``"emergency use only"`` (with ``", revoked"``
    when revoked), or else the latest action's outcome (e.g. ``"Complete
    response letter"``). Without ``count_eua`` emergency use is not a first
    authorisation. Sorted by agent, then by first authorisation.
    """
    pairs = shown(view)[["agent_id", "agency"]].drop_duplicates()
    if pairs.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    anything = view.assign(indication_id="any", indication="any")
    firsts = first_approvals(anything, count_eua).set_index(["agent_id", "agency"])
    marketed = view[view["status"].isin(vocab.MARKETED_STATUSES)]
    rows = []
    for agent, agency in pairs.itertuples(index=False):
        actions = view[(view["agent_id"] == agent) & (view["agency"] == agency)]
        authorised = marketed[(marketed["agent_id"] == agent) & (marketed["agency"] == agency)]
        first = firsts.loc[(agent, agency)] if (agent, agency) in firsts.index else None
        rows.append({
            "agent_id": agent, "agency": agency,
            "first_date": "" if first is None else first["first_date"] + (" (EUA)" if first["emergency_use"] else ""),
            "indications": authorised["indication_id"].nunique(),
            "routes": ", ".join(r for r in vocab.ROUTES if r in set(authorised["route"].dropna().astype("str"))),
            "status": _status(actions),
            "order": pd.NaT if first is None else first["first_latest"],
        })
    summary = pd.DataFrame(rows).sort_values(["agent_id", "order", "agency"], na_position="last")
    return summary[SUMMARY_COLUMNS].reset_index(drop=True)


def _status(actions: pd.DataFrame) -> str:
    statuses = set(actions["status"].astype("str"))
    if "approved" in statuses:
        return "authorised"
    if "emergency_use" in statuses:
        return "emergency use only" + (", revoked" if "emergency_use_revoked" in statuses else "")
    latest = actions.sort_values("date_earliest", na_position="first")["status"].astype("str").iloc[-1]
    return vocab.STATUS_LABELS[latest]


def selection_sentence(view: pd.DataFrame, windowed: bool) -> str:
    """Return the report's opening sentence (Markdown) on what the selection holds.

    An empty selection says so first. With a date window (``windowed``), the
    decisions dated inside it are counted apart from the undated ones, which
    may fall outside it: "12 dated decisions in the window, plus 3 undated that
    may fall outside it". Decisions count once however many indications and
    routes they cover.
    """
    rows = shown(view)
    if rows.empty:
        return "**No regulatory action matches these parameters**, so this report has no tables or charts."
    undated = rows[rows["approval_date"].isna()]
    dated_decisions = rows.dropna(subset=["approval_date"])["decision_id"].nunique()
    undated_decisions = undated["decision_id"].nunique()
    scope = (f"concerning **{_count(rows['agent_id'].nunique(), 'agent')}** at "
             f"**{_count(rows['agency'].nunique(), 'agency', 'agencies')}**")
    if windowed:
        return (f"**{_count(dated_decisions, 'dated regulatory decision')} in the window**, "
                f"plus {undated_decisions} undated "
                f"that may fall outside it ({len(rows)} indication-level actions in all), {scope}.")
    return (f"**{_count(dated_decisions + undated_decisions, 'regulatory decision')}** "
            f"({len(rows)} indication-level actions, "
            f"{len(undated)} of them with date unknown) {scope} match these parameters.")


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
