"""Whole-data-set validation: every table's schema plus the rules between tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from il6analysis.curated import vocab
from il6analysis.curated.coverage import coverage_problems
from il6analysis.curated.efficacy import efficacy_problems
from il6analysis.curated.loaders import DATASETS, load_table
from il6analysis.curated.matching import normalise
from il6analysis.errors import DataValidationError, Problem

FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    # (table, column, referenced table, referenced column)
    ("agents", "target_id", "targets", "target_id"),
    ("agents", "reference_agent_id", "agents", "agent_id"),
    ("agent_names", "agent_id", "agents", "agent_id"),
    ("approvals", "agent_id", "agents", "agent_id"),
    ("approvals", "indication_id", "indications", "indication_id"),
    ("trials", "agent_id", "agents", "agent_id"),
    ("trials", "indication_id", "indications", "indication_id"),
    ("trial_partners", "nct_id", "trials", "nct_id"),
    ("adverse_events", "agent_id", "agents", "agent_id"),
    ("adverse_events", "indication_id", "indications", "indication_id"),
    ("label_frequencies", "agent_id", "agents", "agent_id"),
    ("warnings", "agent_id", "agents", "agent_id"),
    ("label_coverage", "agent_id", "agents", "agent_id"),
    ("efficacy", "agent_id", "agents", "agent_id"),
    ("efficacy", "indication_id", "indications", "indication_id"),
)
"""Every reference from one table to another's key."""

TRIAL_LEVEL_COLUMNS = ("title", "phase", "status", "start_date", "enrollment", "intent", "registry_checked",
                       "lead_sponsor")


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: every problem found, in every table."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a DataFrame: ``table, line, column, rule, value``."""
        return pd.DataFrame(
            [(p.table, p.line, p.column, p.rule, p.value) for p in self.problems],
            columns=["table", "line", "column", "rule", "value"],
        ).astype({"line": "Int64"})

    def raise_if_problems(self) -> None:
        """Raise :class:`DataValidationError` listing every problem, if there is any."""
        if self.problems:
            raise DataValidationError(self.problems)

    def __str__(self) -> str:
        if self.ok:
            return f"all {len(DATASETS)} tables valid"
        return str(DataValidationError(self.problems))


def _reference_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    for table, column, ref_table, ref_column in FOREIGN_KEYS:
        if table not in tables or ref_table not in tables:
            continue
        values = tables[table][column]
        known = set(tables[ref_table][ref_column])
        for label, value in values.items():
            if pd.notna(value) and value not in known:
                problems.append(
                    Problem(table, int(label) + 2, column, f"refers to an unknown {ref_table}.{ref_column}", value)
                )
    return problems


def _alias_clashes(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Two agents answering to the same name would make name resolution ambiguous."""
    if "agent_names" not in tables:
        return []
    names = tables["agent_names"]
    owners = names.assign(key=names["name"].map(normalise)).groupby("key")["agent_id"].unique()
    problems = []
    for label, row in names.iterrows():
        agents = owners[normalise(row["name"])]
        if len(agents) > 1:
            problems.append(
                Problem("agent_names", int(label) + 2, "name", "name shared by several agents: " + ", ".join(agents), row["name"])
            )
    return problems


def _trial_consistency(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A trial's phase, status, dates and enrolment must agree on all its rows."""
    if "trials" not in tables:
        return []
    trials = tables["trials"]
    problems = []
    for column in TRIAL_LEVEL_COLUMNS:
        counts = trials.groupby("nct_id", observed=True)[column].nunique(dropna=False)
        for nct_id in counts[counts > 1].index:
            line = int(trials.index[trials["nct_id"] == nct_id][0]) + 2
            problems.append(Problem("trials", line, column, "differs between rows of the same trial", nct_id))
    return problems


def _intent_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A trial in a cancer indication has an intent; an antitumour (or unknown) intent needs one."""
    if "trials" not in tables or "indications" not in tables:
        return []
    trials = tables["trials"]
    oncology = set(tables["indications"].loc[tables["indications"]["category"] == "oncology", "indication_id"])
    in_cancer = trials["indication_id"].isin(oncology)
    cancer_trials = set(trials.loc[in_cancer, "nct_id"])
    problems = [
        Problem("trials", int(label) + 2, "intent",
                "missing: a trial in a cancer indication needs an intent; valid: " + ", ".join(vocab.TRIAL_INTENT_IDS),
                row["nct_id"])
        for label, row in trials[in_cancer & trials["intent"].isna()].iterrows()
    ]
    not_supportive = trials["intent"].notna() & ~trials["intent"].isin(vocab.SUPPORTIVE_INTENTS)
    for label, row in trials[not_supportive & ~trials["nct_id"].isin(cancer_trials)].iterrows():
        problems.append(Problem(
            "trials", int(label) + 2, "intent",
            "only a trial with a cancer (oncology) indication can have this intent; supportive care in patients "
            "with cancer outside an oncology indication is one of " + ", ".join(vocab.SUPPORTIVE_INTENTS),
            row["intent"],
        ))
    return problems


def validate(data_dir: str | Path | None = None) -> ValidationReport:
    """Check every curated table against its schema and against each other.

    Args:
        data_dir: a folder of CSVs to check instead of the shipped tables.

    Returns:
        A :class:`ValidationReport` listing every problem at once (``report.ok``
        is True when there is none). It never stops at the first problem.

    Raises:
        UsageError: the data folder does not exist.
    """
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in DATASETS:
        try:
            tables[name] = load_table(name, data_dir)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    problems += _reference_problems(tables)
    problems += _alias_clashes(tables)
    problems += _trial_consistency(tables)
    problems += _intent_problems(tables)
    problems += efficacy_problems(tables)
    problems += coverage_problems(tables)
    return ValidationReport(problems)
