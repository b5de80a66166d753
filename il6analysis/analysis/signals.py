"""Disproportionality analysis of FAERS reports on an embedded DuckDB database.

:mod:`il6analysis.sources.faers_store` writes de-duplicated FAERS quarters into a
DuckDB file; :func:`disproportionality`
computes, per agent x MedDRA preferred term, the 2x2 table of reports and the
reporting odds ratio (ROR) and proportional reporting ratio (PRR) with 95%
confidence intervals, against all other reports in the database.

For an agent and a term, over distinct reports (``primaryid``)::

                      term reported   term not reported
    agent suspect           a                 b
    all other reports       c                 d

    ROR = (a/b) / (c/d)       95% CI: exp(ln ROR +/- 1.96 sqrt(1/a + 1/b + 1/c + 1/d))
    PRR = (a/(a+b)) / (c/(c+d))  95% CI: exp(ln PRR +/- 1.96 sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)))

A ratio is missing when a cell it divides by is zero. A report counts for an
agent when one of its drug rows in the chosen suspect roles names the agent,
by active ingredient (``prod_ai``) or drug name, under any of its INNs,
brands or code names.

These are reporting statistics: they reflect what was reported, not how
often a reaction occurs, and they are subject to reporting biases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from il6analysis.errors import StoreError
from il6analysis.paths import location

SUSPECT_ROLES = {"PS": "primary suspect", "SS": "secondary suspect", "C": "concomitant", "I": "interacting"}
DEFAULT_ROLES: tuple[str, ...] = ("PS",)


def drug_name_agents(names: Iterable[str], agents: Sequence[str] = ()) -> pd.DataFrame:
    """Return ``field, agent_id``: which agents each distinct FAERS drug name or
    active ingredient refers to, by :func:`il6analysis.curated.names.agents_in_text`
    (the rule ClinicalTrials.gov interventions are matched by too), restricted
    to ``agents`` when given."""
    from il6analysis.curated.names import agents_in_text

    rows = [(name, agent) for name in names for agent in sorted(agents_in_text(name))
            if not agents or agent in agents]
    return pd.DataFrame(rows, columns=["field", "agent_id"], dtype="str")


_NAMED_SQL = """
CREATE TEMP VIEW named AS
SELECT DISTINCT d.primaryid, field
FROM drug d, (SELECT unnest([d.prod_ai, d.drugname]) AS field)
WHERE d.role_cod IN (SELECT role FROM roles) AND field IS NOT NULL
"""

_SIGNAL_SQL = """
WITH exposed AS (
    SELECT DISTINCT n.primaryid, m.agent_id
    FROM named n JOIN name_agents m USING (field)
    WHERE n.primaryid IN (SELECT primaryid FROM demo)
),
events AS (SELECT DISTINCT primaryid, pt FROM reac WHERE pt IS NOT NULL
           AND primaryid IN (SELECT primaryid FROM demo)),
total AS (SELECT count(DISTINCT primaryid) AS n FROM demo),
per_agent AS (SELECT agent_id, count(*) AS n_agent FROM exposed GROUP BY agent_id),
per_event AS (SELECT pt, count(*) AS n_event FROM events GROUP BY pt),
pairs AS (SELECT x.agent_id, e.pt, count(*) AS a FROM exposed x JOIN events e USING (primaryid) GROUP BY 1, 2)
SELECT p.agent_id, p.pt, p.a,
       g.n_agent - p.a AS b,
       v.n_event - p.a AS c,
       t.n - g.n_agent - v.n_event + p.a AS d
FROM pairs p JOIN per_agent g USING (agent_id) JOIN per_event v USING (pt), total t
WHERE p.a >= $min_cases
"""


def _ratios(table: pd.DataFrame) -> pd.DataFrame:
    a, b, c, d = (table[k].astype("float64") for k in "abcd")
    defined = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    ror = ((a / b) / (c / d)).where(defined)
    ror_se = (1 / a + 1 / b + 1 / c + 1 / d) ** 0.5
    prr = ((a / (a + b)) / (c / (c + d))).where(defined)
    prr_se = (1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)).clip(lower=0) ** 0.5
    z = 1.959963984540054  # 97.5th percentile of the standard normal
    return table.assign(
        ror=ror, ror_lower=ror * np.exp(-z * ror_se), ror_upper=ror * np.exp(z * ror_se),
        prr=prr, prr_lower=prr * np.exp(-z * prr_se), prr_upper=prr * np.exp(z * prr_se),
    )


def disproportionality(
    database: str | Path | None = None,
    agents: Sequence[str] | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    min_cases: int = 3,
) -> pd.DataFrame:
    """Return ROR and PRR with 95% CIs per agent x preferred term.

    Args:
        database: the DuckDB file written by :func:`ingest` (default:
            the ``faers`` location of :mod:`il6analysis.paths`).
        agents: agent names to analyse (any INN, brand or code name); all when empty.
        roles: drug roles that count as exposure: ``("PS",)`` for primary
            suspect only, ``("PS", "SS")`` to add secondary suspects.
        min_cases: keep pairs with at least this many reports (``a``).

    Returns:
        ``agent_id, pt, a, b, c, d, ror, ror_lower, ror_upper, prr, prr_lower,
        prr_upper, signal`` sorted by agent and descending lower ROR bound;
        ``signal`` is True when ``a >= 3`` and the lower ROR bound exceeds 1.

    Raises:
        StoreError: no database at that path (run ``il6 refresh faers`` first).
        ValueError: an unknown suspect role.
        UnknownNameError: an unknown agent name.
    """
    from il6analysis.analysis.selection import resolve_agents

    database = Path(database) if database is not None else location("faers")
    if not database.is_file():
        raise StoreError(f"no FAERS database at {database}; ingest quarterly files with `il6 refresh faers PATH`")
    unknown = [r for r in roles if r not in SUSPECT_ROLES]
    if unknown or not roles:
        raise ValueError(f"unknown drug role(s) {unknown}; valid: {', '.join(SUSPECT_ROLES)}")
    wanted = resolve_agents(agents)
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.register("roles", pd.DataFrame({"role": list(roles)}))
        connection.execute(_NAMED_SQL)
        names = [row[0] for row in connection.execute("SELECT DISTINCT field FROM named").fetchall()]
        connection.register("name_agents", drug_name_agents(names, wanted))
        table = connection.execute(_SIGNAL_SQL, {"min_cases": int(min_cases)}).df()
    table = _ratios(table.astype({k: "int64" for k in "abcd"}))
    table["signal"] = (table["a"] >= 3) & (table["ror_lower"] > 1)
    table = table.astype({"agent_id": "str", "pt": "str"})
    return table.sort_values(["agent_id", "ror_lower"], ascending=[True, False], na_position="last").reset_index(drop=True)


def database_path(database: str | Path | None = None) -> Path:
    """Return the FAERS database a query reads: ``database`` made absolute, else the
    ``faers`` location of :mod:`il6analysis.paths`."""
    return location("faers", database)


def database_info(database: str | Path | None = None) -> dict[str, object]:
    """Return what a FAERS database holds: quarters, ingestion time and row counts.

    Raises:
        StoreError: no database at that path.
    """
    database = Path(database) if database is not None else location("faers")
    if not database.is_file():
        raise StoreError(f"no FAERS database at {database}; ingest quarterly files with `il6 refresh faers PATH`")
    with duckdb.connect(str(database), read_only=True) as connection:
        quarters, ingested = connection.execute("SELECT quarters, ingested_at FROM ingest_info").fetchone()
        counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("demo", "drug", "reac")}
    return {"database": str(database), "quarters": quarters, "ingested_at": str(ingested), **{f"{t}_rows": n for t, n in counts.items()}}


def top_signals(table: pd.DataFrame, per_agent: int = 10) -> pd.DataFrame:
    """Return each agent's ``per_agent`` terms with the highest lower ROR bound."""
    ranked = table.dropna(subset=["ror_lower"]).sort_values("ror_lower", ascending=False)
    return ranked.groupby("agent_id", sort=True).head(per_agent).reset_index(drop=True)


def database_exists(database: str | Path | None = None) -> bool:
    """True when a FAERS database file exists at ``database`` (default: the ``faers`` location of :mod:`il6analysis.paths`)."""
    return (Path(database) if database is not None else location("faers")).is_file()
