"""Every ingredient x preferred term of a FAERS store, computed and written in partitions, in bounded memory.

Held in pandas at once, the table of every pair costs about 0.67 GiB per
million pairs and outgrows a machine near the full FAERS history. Here the
pair counts are computed once by the engine (spilling to disk beyond its
memory limit), the EBGM prior is fitted once on their distinct (a, E), and
the statistics are then computed and written one partition of ingredients at
a time (``ingredient_id`` modulo the number of partitions, so every pair of an
ingredient is in one file): memory holds one partition's rows, whose number
is kept near :data:`PAIRS_PER_PARTITION` whatever the history length.

The output is a folder of Parquet files ``part-00000.parquet`` ... with the
columns of :func:`il6analysis.faers.signals.disproportionality`; it is written
into a staging folder beside it and renamed into place last, so a failed run
leaves no half-written folder.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from il6analysis.errors import CannotWrite, UsageError
from il6analysis.faers import counts, signals, statistics, tables
from il6analysis.faers.filters import CaseFilter

PAIRS_PER_PARTITION = 1_000_000
"""Pairs per partition aimed at (about 0.7 GiB of statistics in pandas)."""
ENGINE_MEMORY = "2GB"
"""DuckDB's memory limit while counting (it spills to disk beyond it)."""


def write_all_pairs(
    database: str | Path | None,
    output: str | Path,
    roles: Sequence[str] = signals.DEFAULT_ROLES,
    min_cases: int = 1,
    *,
    methods: Sequence[str] = statistics.METHODS,
    filters: CaseFilter | dict | None = None,
    partitions: int | None = None,
    progress: signals.Progress | None = None,
) -> dict[str, object]:
    """Compute every ingredient x term pair with at least ``min_cases`` reports and write it as Parquet.

    Args:
        database: the store folder (default location).
        output: the folder to write; it must not exist yet.
        roles, methods, filters, progress: as :func:`il6analysis.faers.signals.disproportionality`.
        min_cases: keep pairs with at least this many reports (the prior is fitted on every pair).
        partitions: how many partitions (default: enough for :data:`PAIRS_PER_PARTITION` pairs each).

    Returns:
        ``output`` (path), ``pairs`` (pairs with a >= 1), ``rows`` (written), ``partitions``.

    Raises:
        UsageError: ``output`` exists, ``partitions`` below 1, or as ``disproportionality``.
        CannotWrite: the folder cannot be written (nothing is left behind).
        StoreError: no store there.
    """
    progress = progress or (lambda message: None)
    output = Path(output).absolute()
    if output.exists():
        raise UsageError(f"{output} exists; give a new folder for the table of every pair")
    if partitions is not None and partitions < 1:
        raise UsageError(f"partitions must be 1 or more, not {partitions}")
    methods = signals.check_methods(methods)
    opened, _, _ = signals.open_for(database, "duckdb", None, roles, (), progress, filters)
    store = opened.store
    store.con.con.execute(f"SET memory_limit = '{ENGINE_MEMORY}'").fetchall()
    progress("counting every ingredient x term pair")
    m = counts.margins(opened.clean, [])
    m = dataclasses.replace(m, pairs=store.materialise("pair_counts", m.pairs))
    pairs = int(store.execute(m.pairs.agg(n=m.pairs.count()))["n"].iloc[0])
    prior = signals.fitted_prior(store, m, progress) if "ebgm" in methods else None
    parts = partitions or max(1, math.ceil(pairs / PAIRS_PER_PARTITION))
    terms = tables.pt_names(store)
    staging = output.parent / f".{output.name}.{uuid.uuid4().hex[:8]}.tmp"
    written = 0
    try:
        staging.mkdir(parents=False)
        for part in range(parts):
            progress(f"partition {part + 1} of {parts}")
            chosen = dataclasses.replace(m, pairs=m.pairs.filter(m.pairs.ingredient_id % parts == part))
            rows = store.execute(counts.pair_rows(chosen, None, max(min_cases, 1)))
            rows = rows.astype({"a": "int64", "n_drug": "int64", "n_event": "int64", "n": "int64"}).drop(
                columns="stratum")
            table = statistics.signals(rows, methods=methods, min_cases=min_cases, prior=prior)
            table = signals.with_ror_rule(table.merge(opened.names, on="ingredient_id").merge(terms, on="pt_id"))
            first = ["agent_id", "ingredient", "pt"]
            table = table[first + [c for c in table.columns if c not in first + ["ingredient_id", "pt_id"]]]
            table.to_parquet(staging / f"part-{part:05d}.parquet", index=False)
            written += len(table)
            del rows, table
        for file in staging.iterdir():
            with open(file, "rb") as opened_file:
                os.fsync(opened_file.fileno())
        os.rename(staging, output)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise CannotWrite(f"cannot write {output}: {error.strerror or error}; nothing was written") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"output": str(output), "pairs": pairs, "rows": written, "partitions": parts}
