"""The FAERS signal table as a reader sees it: readable headers, the rule behind each signal, nothing hidden.

:func:`signal_view` turns the table of
:func:`il6analysis.faers.signals.disproportionality` into the rows shown on a
terminal or a page: each agent's strongest terms, with readable headers, a
"Flagged by" column naming the rules each pair meets (:data:`RULES`), the
indication flag, the outcomes and onset when present, and the notes to print
beside it: how many pairs could not be ranked because a zero cell leaves the
ranking method without an interval (they are left out, and counted), and a
warning when the EBGM prior fit did not converge.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

RULES = {"signal_ror": ("ROR", "ROR lower 95% bound > 1 and a >= 3"),
         "signal_prr": ("PRR", "PRR >= 2, chi-square >= 4 and a >= 3 (Evans et al. 2001)"),
         "signal_ic": ("IC", "IC025 > 0"),
         "signal_ebgm": ("EBGM", "EB05 >= 2 and a >= 1")}
"""Rule column -> its short name and what it requires."""
_BOUND = {"ror": "ror_low", "prr": "prr_low", "ic": "ic025", "ebgm": "eb05"}
_INTERVAL = {"ror": "ROR interval", "prr": "PRR interval", "ic": "IC interval", "ebgm": "EBGM interval"}
_SHOWN = {"ror": [("ror", "ROR"), ("ror_low", "ROR low"), ("ror_high", "ROR high")],
          "prr": [("prr", "PRR"), ("prr_low", "PRR low"), ("prr_high", "PRR high"), ("chi2", "Chi-square")],
          "ic": [("ic", "IC"), ("ic025", "IC025"), ("ic975", "IC975")],
          "ebgm": [("ebgm", "EBGM"), ("eb05", "EB05"), ("eb95", "EB95")]}
_DEPTH = [("share_serious", "Serious %"), ("share_death", "Death %"), ("share_hospitalisation", "Hospitalised %"),
          ("onset_median", "Onset median (days)"), ("onset_used", "Onsets used"),
          ("onset_not_usable", "Onsets not usable")]


def flagged_by(table: pd.DataFrame) -> pd.Series:
    """Return, per row, the short names of the rules it meets (``"ROR, PRR"``), or ``""`` for none."""
    present = [column for column in RULES if column in table.columns]
    return pd.Series([", ".join(RULES[c][0] for c, met in zip(present, flags) if met is True)
                      for flags in table[present].itertuples(index=False, name=None)],
                     index=table.index, dtype="str")


def signal_view(table: pd.DataFrame, methods: Sequence[str], per_agent: int = 10) -> tuple[pd.DataFrame, list[str]]:
    """Return each agent's ``per_agent`` terms with the highest lower bound of ``methods[0]``, readable,
    and the notes to print with them.

    Args:
        table: from :func:`il6analysis.faers.signals.disproportionality`.
        methods: the methods run; the first ranks the terms.

    Returns:
        ``(rows, notes)``: ``rows`` has readable headers (Agent, Preferred term, Reports (a), Expected,
        each method's estimate and interval, Flagged by, Indication, outcome shares in %, onset) and
        values rounded for reading; ``notes`` are sentences: the rules' legend, the pairs left out
        for a zero cell, a prior that did not converge.
    """
    bound = _BOUND[methods[0]]
    unranked = table[table[bound].isna()]
    ranked = table.dropna(subset=[bound]).sort_values([bound, "pt"], ascending=[False, True])
    top = ranked.groupby("agent_id", sort=True).head(per_agent)
    rows = pd.DataFrame({"Agent": top["agent_id"], "Preferred term": top["pt"], "Reports (a)": top["a"],
                         "Expected": top["expected"].round(2)})
    for method in methods:
        for column, header in _SHOWN[method]:
            rows[header] = top[column].round(3)
    rows["Flagged by"] = flagged_by(top).replace("", "-")
    if "indication" in top.columns:
        rows["Indication"] = top["indication"].map(lambda text: "yes" if text else "")
    for column, header in _DEPTH:
        if column in top.columns:
            rows[header] = (top[column] * 100).round(0) if header.endswith("%") else top[column]
    notes = ["Flagged by: " + "; ".join(f"{short} = {rule}" for short, rule in RULES.values()) + "."]
    if len(unranked):
        agents = ", ".join(f"{agent} {n}" for agent, n in unranked.groupby("agent_id").size().items())
        notes.append(f"{len(unranked)} pair(s) with a zero cell have no {_INTERVAL[methods[0]]} and were left out "
                     f"of the ranking ({agents}); --csv lists every pair.")
    prior = table.attrs.get("gamma_mixture")
    if prior is not None and not prior.converged:
        notes.append("the EBGM prior fit did not converge: EBGM, EB05 and EB95 are uncertain.")
    if "indication" in top.columns and (top["indication"] != "").any():
        notes.append("Indication = yes: the term is the agent's own indication, not a side effect.")
    return rows.reset_index(drop=True), notes


def series_view(series: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    """Return the year-by-year rows of :func:`il6analysis.faers.signals.signal_series` with readable headers,
    each method's estimate and interval, and the rules each year's table meets ("Flagged by")."""
    rows = pd.DataFrame({"Agent": series["agent_id"], "Preferred term": series["pt"], "Year": series["year"],
                         "Reports (a)": series["a"], "Expected": series["expected"].round(2)})
    for method in methods:
        for column, header in _SHOWN[method]:
            rows[header] = series[column].round(3)
    rows["Flagged by"] = flagged_by(series).replace("", "-")
    return rows.reset_index(drop=True)
