"""Writing curated tables back as the CSV their loaders read (the inverse of parsing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.atomic import atomic_write_text
from il6analysis.curated import loaders as datasets
from il6analysis.curated.dates import partial_date_text


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """One column as CSV text: partial dates at their precision, booleans lower-case."""
    values = frame[column]
    precision = f"{column}{datasets.PRECISION_SUFFIX}"
    if pd.api.types.is_datetime64_any_dtype(values) and precision in frame.columns:
        return partial_date_text(values, frame[precision])
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "true", False: "false"}).astype("str")
    return values.astype("str").where(values.notna(), "")


def write_table(frame: pd.DataFrame, name: str, folder: Path) -> Path:
    """Write table ``name`` as the CSV its loader reads back (derived columns dropped).

    Returns:
        The file written.
    """
    columns = [c for c in datasets.column_order(name) if not c.endswith(datasets.PRECISION_SUFFIX)]
    text = pd.DataFrame({c: _text_column(frame, c) for c in columns})
    path = folder / datasets.get_dataset(name).filename
    return atomic_write_text(path, text.to_csv(index=False, lineterminator="\n"))
