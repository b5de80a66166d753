"""The ``efficacy`` table: its loader and the rules that tie it to the trials table.

Each row is one arm of one pivotal trial on one endpoint at one week, beside the
value of the comparator *in the same trial*. A trial that is in the trials table
carries its NCT ID, and that trial must list the same agent and indication there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.curated.loaders import load_table
from il6analysis.errors import Problem


def load_efficacy(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Pivotal-trial efficacy: one row per trial x arm x endpoint x timepoint (weeks), with the
    comparator's value and arm size where the source gives them (see ``describe("efficacy")``).

    Raises:
        UsageError: the data folder does not exist.
        DataValidationError: ``efficacy.csv`` is missing or breaks its schema.
    """
    return load_table("efficacy", data_dir)


def efficacy_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return the cross-table problems of the efficacy rows (empty when the tables agree).

    Every ``nct_id`` must be a trial of the trials table listing the row's agent and
    indication, and one trial name must always carry the same ``nct_id``.
    """
    if "efficacy" not in tables or "trials" not in tables:
        return []
    efficacy, trials = tables["efficacy"], tables["trials"]
    listed = set(zip(trials["nct_id"], trials["agent_id"], trials["indication_id"]))
    problems = []
    for label, row in efficacy[efficacy["nct_id"].notna()].iterrows():
        if (row["nct_id"], row["agent_id"], row["indication_id"]) not in listed:
            problems.append(Problem(
                "efficacy", int(label) + 2, "nct_id",
                f"no trials row for this trial with agent {row['agent_id']} and indication {row['indication_id']}; "
                "add the trial to the trials table or leave nct_id empty", row["nct_id"]))
    ids = efficacy.groupby("trial")["nct_id"].nunique(dropna=False)
    for trial in ids[ids > 1].index:
        line = int(efficacy.index[efficacy["trial"] == trial][0]) + 2
        problems.append(Problem("efficacy", line, "nct_id", "differs between rows of the same trial", trial))
    return problems
