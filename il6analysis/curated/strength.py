"""How strong the approvals' sources are, regulator by regulator."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.curated.loaders import load_approvals


def regulator_source_share(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Return one row per agency with approval rows: ``agency, rows, regulator_rows, regulator_share``.

    ``regulator_rows`` counts the rows whose ``source_kind`` is ``regulator`` (the
    regulator's own record); ``regulator_share`` is their share of ``rows`` as a
    percentage rounded to a whole number, written ``"38%"``. Agencies are sorted by
    rows, most first, then by code.

    Raises:
        UsageError: the data folder does not exist.
        DataValidationError: ``approvals.csv`` is missing or breaks its schema.
    """
    approvals = load_approvals(data_dir)
    own = approvals["source_kind"] == "regulator"
    table = pd.DataFrame({
        "rows": approvals.groupby("agency", observed=True).size(),
        "regulator_rows": own.groupby(approvals["agency"], observed=True).sum(),
    }).astype("int64")
    table["regulator_share"] = (100 * table["regulator_rows"] / table["rows"]).round().astype("int64").astype("str") + "%"
    table = table.reset_index().assign(agency=lambda t: t["agency"].astype("str"))
    return table.sort_values(["rows", "agency"], ascending=[False, True], ignore_index=True)
