"""The ``label_coverage`` table: its loader and the rules that tie it to the label tables.

Each coverage row says how much of one label section of one agent the curated rows
hold: ``complete``, ``partial`` (with what is missing) or ``not_curated``. A row
covers the curated rows of its agent in its ``curated_table`` that come from its
label: ``label_frequencies`` rows whose ``label`` equals it, ``adverse_events``
rows whose ``label_table`` begins with it, and ``warnings`` rows, which hold US PI
sections (their ``label_section`` numbers), for the label ``US PI``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.curated.loaders import load_table
from il6analysis.errors import Problem

WARNINGS_LABEL = "US PI"
"""The label whose sections the ``warnings`` table holds."""


def load_label_coverage(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Coverage of each agent's label sections by the curated rows: ``agent_id, label, section,
    curated_table, coverage`` (``complete``, ``partial``, ``not_curated``), ``missing`` (what the
    curated rows lack), with source and notes (see ``describe("label_coverage")``).

    Raises:
        UsageError: the data folder does not exist.
        DataValidationError: ``label_coverage.csv`` is missing or breaks its schema.
    """
    return load_table("label_coverage", data_dir)


def _from_label(table: str, rows: pd.DataFrame, label: str) -> pd.Series:
    """True for the rows of curated ``table`` that come from ``label``."""
    if table == "label_frequencies":
        return rows["label"] == label
    if table == "adverse_events":
        return rows["label_table"].str.startswith(label + " ")
    return pd.Series(label == WARNINGS_LABEL, index=rows.index)


def covered_rows(coverage: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Return, for each coverage row, how many curated rows it covers (0 when its table is absent).

    Args:
        coverage: the ``label_coverage`` table.
        tables: curated tables by name (``warnings``, ``adverse_events``, ``label_frequencies``).

    Returns:
        Integer counts on ``coverage``'s index.
    """
    counts = []
    for row in coverage.itertuples():
        rows = tables.get(str(row.curated_table))
        if rows is None:
            counts.append(0)
            continue
        own = rows[rows["agent_id"] == row.agent_id]
        counts.append(int(_from_label(str(row.curated_table), own, row.label).sum()))
    return pd.Series(counts, index=coverage.index, dtype="int64")


def coverage_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return the cross-table problems of the coverage marks (empty when the tables agree).

    A ``complete`` or ``partial`` mark must cover at least one curated row, a
    ``not_curated`` mark none, and every curated row of a label table must be
    covered by a mark of its agent, label and table.
    """
    if "label_coverage" not in tables:
        return []
    coverage = tables["label_coverage"]
    problems = []
    for label, count, row in zip(coverage.index, covered_rows(coverage, tables), coverage.itertuples()):
        curated = row.coverage != "not_curated"
        if curated and count == 0:
            problems.append(Problem("label_coverage", int(label) + 2, "coverage",
                                    f"marked {row.coverage} but {row.curated_table} holds no row of this agent and label",
                                    row.agent_id))
        elif not curated and count:
            problems.append(Problem("label_coverage", int(label) + 2, "coverage",
                                    f"marked not_curated but {row.curated_table} holds {count} row(s) of this agent and label",
                                    row.agent_id))
    for table in coverage["curated_table"].cat.categories:
        if table not in tables:
            continue
        rows = tables[table]
        covered = pd.Series(False, index=rows.index)
        for mark in coverage[coverage["curated_table"] == table].itertuples():
            covered |= (rows["agent_id"] == mark.agent_id) & _from_label(table, rows, mark.label)
        problems += [Problem(table, int(label) + 2, "agent_id",
                             "no label_coverage row says how much of this row's label section is curated", agent)
                     for label, agent in rows.loc[~covered, "agent_id"].items()]
    return problems
