"""Everything the side-effects report shows of FAERS, from one call that opens the store once.

:func:`analyse` returns a :class:`FaersOverview`: the signal table of the
chosen agents, each agent's strongest terms, the signals the label does not
name, the first of those per agent followed year by year, and each agent's
reports per year. :func:`store_sentence` is what a report says instead when
there is no store to read (the command that builds one, and no path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from il6analysis.faers import depth, signals
from il6analysis.faers.filters import CaseFilter
from il6analysis.faers.store import is_empty

NO_STORE = ("No FAERS store has been built on this machine: `il6 refresh faers QUARTER.zip` builds one from the "
            "FDA's quarterly files, and `-p source=both` then adds its reporting signals to this report.")
"""What a report says when there is no FAERS store (one sentence, no machine path)."""
UNREADABLE = ("The FAERS store on this machine cannot be read as it is: `il6 store check` says why and how to "
              "repair it.")
"""What a report says when a FAERS store is there but cannot be read (one sentence, no machine path)."""
RANKED_BY = "ic"
"""The method whose lower interval bound ranks each agent's strongest terms."""
TOP_COLUMNS = ["agent_id", "pt", "a", "expected", "ror", "ror_low", "ror_high", "prr", "chi2", "ic025", "eb05",
               "signal_prr", "signal_ic", "signal_ebgm"]
"""The columns of :attr:`FaersOverview.top_table`."""
UNLABELLED_COLUMNS = ["agent_id", "pt", "a", "ic025", "eb05"]
"""The columns of :attr:`FaersOverview.unlabelled_table`."""


@dataclass(frozen=True)
class FaersOverview:
    """What :func:`analyse` found.

    Attributes:
        quarters: the store's quarters, oldest first.
        roles: the drug roles counted as exposure.
        signals: every agent x term with enough reports, all four methods (:func:`signals.disproportionality`).
        top: each agent's strongest terms by the lower IC bound.
        unlabelled: the signals (IC025 > 0 or EB05 >= 2) whose term the agent's label does not name and
            that are not the agent's own indication.
        followed: ``agent_id, pt``: each agent's first unlabelled signal.
        series: those terms' IC and interval year by year, cumulative (:func:`signals.signal_series`).
        reports_per_year: each agent's reports per FDA receipt year (:func:`signals.reports_per_year`).
    """

    quarters: list[str]
    roles: tuple[str, ...]
    signals: pd.DataFrame
    top: pd.DataFrame
    unlabelled: pd.DataFrame
    followed: pd.DataFrame
    series: pd.DataFrame
    reports_per_year: pd.DataFrame

    @property
    def summary(self) -> str:
        """One sentence: the quarters read, the roles counted and the methods."""
        return (f"FAERS quarters: {', '.join(self.quarters)}; drug roles counted: {', '.join(self.roles)}. Methods: "
                "reporting odds ratio (ROR), proportional reporting ratio (PRR) with chi-square, information "
                "component (IC, BCPNN) and empirical-Bayes geometric mean (EBGM, MGPS).")

    @property
    def top_table(self) -> pd.DataFrame:
        """:attr:`top` with the columns a reader compares, rounded to two decimals."""
        return self.top[TOP_COLUMNS].round(2)

    @property
    def depth_table(self) -> pd.DataFrame:
        """:attr:`top` with how serious its cases were and how soon they began (:func:`depth.depth_view`)."""
        return depth.depth_view(self.top)

    @property
    def prior_converged(self) -> bool | None:
        """Whether the EBGM prior fit converged (None when EBGM was not run)."""
        return self.signals.attrs.get("prior_converged")

    @property
    def unlabelled_table(self) -> pd.DataFrame:
        """:attr:`unlabelled` with its counts and lower bounds, rounded to two decimals."""
        return self.unlabelled[UNLABELLED_COLUMNS].round(2)


def store_sentence(database: str | Path | None = None) -> str | None:
    """Return None when a readable store with quarters is at ``database`` (default: the ``faers`` location),
    else the one sentence a report shows instead of its FAERS sections: :data:`NO_STORE` when there is no
    store, :data:`UNREADABLE` when there is one it cannot read."""
    if is_empty(signals.database_path(database)):
        return NO_STORE
    return None if signals.database_exists(database) else UNREADABLE


def analyse(database: str | Path | None = None, agents: Sequence[str] | None = None,
            roles: Sequence[str] = signals.DEFAULT_ROLES, *, per_agent: int = 10, min_cases: int = 3,
            engine: str = "duckdb", progress: signals.Progress | None = None,
            filters: CaseFilter | dict | None = None) -> FaersOverview:
    """Open the FAERS store once and compute everything the side-effects report shows of it.

    Args:
        database: the store folder (default: the ``faers`` location of :mod:`il6analysis.paths`).
        agents: agent names (any INN, brand or code name); all IL-6 agents when empty.
        roles: drug roles counted as exposure (``PS``, ``SS``, ``C``, ``I``).
        per_agent: how many strongest terms per agent :attr:`FaersOverview.top` keeps.
        min_cases: keep pairs with at least this many reports.
        engine: ``duckdb`` (default) or ``spark``.
        progress: called with a short message before each long step.
        filters: a case-set filter narrowing every count (:mod:`il6analysis.faers.filters`).

    Returns:
        The :class:`FaersOverview`.

    Raises:
        StoreError: no store (run ``il6 refresh faers PATH``), or not a store of this version.
        UsageError: an unknown role or engine, or a negative ``min_cases``.
        UnknownNameError: an unknown agent name.
    """
    opened = signals.open_signals(database, roles, engine=engine, progress=progress, filters=filters)
    found = signals.disproportionality(opened, agents=agents, roles=opened.roles, min_cases=min_cases,
                                       engine=engine, progress=progress)
    flagged = found[found["signal_ic"] | found["signal_ebgm"]]
    marked = signals.unlabelled_signals(flagged, agents)
    unlabelled = marked[marked["unlabelled"]].reset_index(drop=True)
    followed = unlabelled.groupby("agent_id", sort=True).head(1)[["agent_id", "pt"]].reset_index(drop=True)
    series = signals.empty_series()
    if not followed.empty:
        series = signals.signal_series(opened, agents=followed["agent_id"].tolist(), terms=followed["pt"].tolist(),
                                       roles=opened.roles, min_cases=min_cases, methods=["ic"], engine=engine,
                                       progress=progress)
        series = series.merge(followed, on=["agent_id", "pt"])
    per_year = signals.reports_per_year(opened, agents, opened.roles, engine=engine)
    return FaersOverview(quarters=opened.quarters, roles=opened.roles, signals=found,
                         top=signals.top_signals(found, per_agent=per_agent, method=RANKED_BY),
                         unlabelled=unlabelled, followed=followed, series=series, reports_per_year=per_year)
