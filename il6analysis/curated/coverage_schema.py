"""pandera schema of the ``label_coverage`` table: how much of each label section the curated rows hold.

Kept apart from :mod:`il6analysis.curated.schemas` (which it extends) so that each module stays small;
the data dictionary (``il6 data describe label_coverage``) is read from its field descriptions.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.curated import vocab

# pandera is imported through schemas, which first silences PySpark's pandas-3 warning
from il6analysis.curated.schemas import Series, Sourced, _categories, pa


class LabelCoverage(Sourced):
    """Coverage of a label section by the curated rows: one row per agent x label x curated table."""

    agent_id: Series[str] = pa.Field(description="The agent whose label it is (agents.agent_id).")
    label: Series[str] = pa.Field(
        description="Which label: 'US PI' (FDA prescribing information), 'EU SmPC', or the market's label "
                    "(e.g. 'RU label'); must equal the label column of label_frequencies rows and begin the "
                    "label_table of adverse_events rows it covers.",
    )
    section: Series[str] = pa.Field(description="The label section, as the label numbers and names it.")
    curated_table: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(tuple(vocab.COVERAGE_TABLES)),
        description="The curated table that holds the section's rows: "
                    + "; ".join(f"{k} = {v}" for k, v in vocab.COVERAGE_TABLES.items()) + ".",
    )
    coverage: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.LABEL_COVERAGE_IDS),
        description="How much of the section is curated: "
                    + "; ".join(f"{k} = {v}" for k, v in vocab.LABEL_COVERAGE.items()) + ".",
    )
    missing: Series[str] = pa.Field(
        nullable=True, description="What the curated rows lack (entries, sub-tables, populations); empty when complete.",
    )

    class Config:
        unique = ["agent_id", "label", "curated_table"]
        metadata = {"primary_key": unique}

    @pa.dataframe_check(error="missing must say what is not curated unless coverage is complete, and be empty when it is")
    def missing_iff_incomplete(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["coverage"] == "complete") == df["missing"].isna()
