"""The FAERS database: de-duplicated quarters written into one DuckDB file.

:func:`ingest` writes the report, drug and reaction tables that
:mod:`il6analysis.analysis.signals` queries.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from il6analysis.errors import SourceError
from il6analysis.paths import location
from il6analysis.sources.faers import FaersData

_COLUMNS = {
    "demo": ("primaryid", "caseid"),
    "drug": ("primaryid", "role_cod", "drugname", "prod_ai"),
    "reac": ("primaryid", "pt"),
}


def _frame(faers: FaersData, table: str) -> pd.DataFrame:
    frame = faers.tables[table]
    columns = [c for c in _COLUMNS[table] if c in frame.columns]
    out = frame[columns].copy()
    for column in _COLUMNS[table]:
        if column not in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="str")
    return out[list(_COLUMNS[table])]


def ingest(faers: FaersData, database: str | Path | None = None) -> Path:
    """Write the report, drug and reaction tables of ``faers`` into a DuckDB file.

    The new database is built beside the old one and moved into place only
    when complete, so a failed ingest leaves the previous database untouched.

    Returns:
        The database path.

    Raises:
        SourceError: a required column is missing from the FAERS tables.
    """
    database = Path(database) if database is not None else location("faers")
    database.parent.mkdir(parents=True, exist_ok=True)
    for table in _COLUMNS:
        if "primaryid" not in faers.tables[table].columns:
            raise SourceError(f"FAERS {table.upper()} table has no primaryid column; cannot ingest")
    fd, staging = tempfile.mkstemp(dir=database.parent, prefix=f".{database.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(staging)  # DuckDB creates the file itself
    try:
        with duckdb.connect(staging) as connection:
            for table in _COLUMNS:
                connection.register("incoming", _frame(faers, table))
                connection.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
                connection.unregister("incoming")
            connection.execute("CREATE TABLE ingest_info (quarters VARCHAR, ingested_at TIMESTAMP)")
            connection.execute("INSERT INTO ingest_info VALUES (?, ?)",
                               [", ".join(faers.quarters), dt.datetime.now(dt.UTC).replace(tzinfo=None)])
        os.replace(staging, database)
    finally:
        Path(staging).unlink(missing_ok=True)
        Path(staging + ".wal").unlink(missing_ok=True)
    return database


