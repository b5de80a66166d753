"""pandera schema of the ``efficacy`` table: pivotal-trial results per arm against the trial's own comparator.

Kept apart from :mod:`il6analysis.curated.schemas` (which it extends) so that each module stays small;
the data dictionary (``il6 data describe efficacy``) is read from its field descriptions.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.curated import vocab

# pandera is imported through schemas, which first silences PySpark's pandas-3 warning
from il6analysis.curated.schemas import NCT_ID, Series, Sourced, _categories, pa


class Efficacy(Sourced):
    """Efficacy of pivotal trials: one row per trial x arm x endpoint x timepoint, with the comparator's value."""

    agent_id: Series[str] = pa.Field(description="The agent of the arm (agents.agent_id).")
    trial: Series[str] = pa.Field(description="The trial's name as its label or publication gives it (OPTION, GiACTA).")
    nct_id: Series[str] = pa.Field(
        str_matches=NCT_ID, nullable=True,
        description="ClinicalTrials.gov ID when the trial is in the trials table with this agent and indication.",
    )
    indication_id: Series[str] = pa.Field(description="The indication studied (indications.indication_id).")
    population: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.EFFICACY_POPULATION_IDS),
        description="Trial population: " + "; ".join(f"{k} = {v}" for k, v in vocab.EFFICACY_POPULATIONS.items()) + ".",
    )
    arm: Series[str] = pa.Field(description="Dose and schedule of the arm, as the source gives them.")
    route: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.ROUTES), nullable=True, description="IV or SC."
    )
    background_therapy: Series[str] = pa.Field(
        nullable=True, description="Therapy every arm received (methotrexate, csDMARDs, standard care, none).",
    )
    comparator: Series[str] = pa.Field(description="The arm it is compared with, as the source names it.")
    comparator_type: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.COMPARATOR_TYPE_IDS),
        description="Kind of comparator: " + "; ".join(f"{k} = {v}" for k, v in vocab.COMPARATOR_TYPES.items()) + ".",
    )
    endpoint: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.EFFICACY_ENDPOINT_IDS),
        description="Endpoint: " + "; ".join(f"{k} = {v[0]} ({v[1]})" for k, v in vocab.EFFICACY_ENDPOINTS.items()) + ".",
    )
    timepoint_weeks: Series[pd.Int64Dtype] = pa.Field(
        ge=1, nullable=True, description="Week of the assessment; empty for time-to-event and durable-response endpoints.",
    )
    value: Series[float] = pa.Field(description="The arm's result, in unit.")
    unit: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.EFFICACY_UNIT_IDS),
        description="Unit of value and comparator_value: " + "; ".join(f"{k} = {v}" for k, v in vocab.EFFICACY_UNITS.items()) + ".",
    )
    n_arm: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Patients in the arm's analysis.")
    comparator_value: Series[float] = pa.Field(
        nullable=True, description="The comparator's result in the same trial, where the source gives it.",
    )
    comparator_n: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Patients in the comparator's analysis.")

    class Config:
        unique = ["agent_id", "trial", "population", "arm", "comparator", "endpoint", "timepoint_weeks"]
        metadata = {"primary_key": unique}

    @pa.dataframe_check(error="unit must be the endpoint's unit (vocab.EFFICACY_ENDPOINTS)")
    def unit_fits_endpoint(cls, df: pd.DataFrame) -> Series[bool]:
        expected = df["endpoint"].astype("object").map(lambda e: vocab.EFFICACY_ENDPOINTS.get(e, (None, None))[1])
        return df["endpoint"].isna() | df["unit"].isna() | (expected == df["unit"].astype("object"))

    @pa.dataframe_check(error="out of range: a percent is between 0 and 100, a hazard ratio above 0")
    def values_in_range(cls, df: pd.DataFrame) -> Series[bool]:
        unit = df["unit"].astype("object")
        ok = pd.Series(True, index=df.index)
        for column in ("value", "comparator_value"):
            values = df[column]
            ok &= ~((unit == "percent") & ~values.between(0, 100) & values.notna())
            ok &= ~((unit == "hazard_ratio") & (values <= 0))
        return ok
