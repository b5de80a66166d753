"""Every ingredient x preferred term of a FAERS store, computed and written in partitions, in bounded memory.

Held in pandas at once, the table of every pair costs about 0.67 GiB per
million pairs and outgrows a machine near the full FAERS history. Here each
partition of ingredients is counted by DuckDB and written to Parquet
(:mod:`il6analysis.faers.partitions`), the EBGM prior is fitted once on the
distinct (a, E) summed over the partitions, and the statistics are then
computed and written one partition at a time: memory holds one partition's
rows, whose number is kept near
:data:`il6analysis.faers.partitions.PAIRS_PER_PARTITION` whatever the
history length.

The output is a folder of Parquet files ``part-00000.parquet`` ... (one per
partition that has pairs) with the columns of
:func:`il6analysis.faers.signals.disproportionality`; it is written into a
staging folder beside it and renamed into place last, so a failed run leaves
no half-written folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from il6analysis.errors import CannotWrite, UsageError
from il6analysis.faers import partitions as partitioned
from il6analysis.faers import signals, statistics, tables
from il6analysis.faers.filters import CaseFilter

ENGINE_MEMORY = "2GB"
"""DuckDB's memory limit from the opening of the store on (it spills to disk beyond it)."""


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
        partitions: how many partitions (default: enough for about
            :data:`il6analysis.faers.partitions.PAIRS_PER_PARTITION` pairs each).

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
    if partitions is not None:
        partitioned.check_partitions(partitions)
    methods = signals.check_methods(methods)
    opened = signals.open_signals(database, roles, progress=progress, filters=filters, memory_limit=ENGINE_MEMORY)
    store = opened.store
    parts = partitions or partitioned.estimated_partitions(store, opened.clean)
    terms = tables.pt_names(store)
    staging = output.parent / f".{output.name}.{uuid.uuid4().hex[:8]}.tmp"
    written = 0
    try:
        staging.mkdir(parents=False)
        (staging / ".counts").mkdir()
        files, spread = partitioned.count_partitions(store, opened.clean, parts, staging / ".counts", progress)
        prior = signals.prior_of(spread, progress) if "ebgm" in methods and len(spread) else None
        for done, file in enumerate(files):
            progress(f"statistics of partition {done + 1} of {len(files)}")
            rows = pd.read_parquet(file).astype({"a": "int64", "n_drug": "int64", "n_event": "int64", "n": "int64"})
            table = statistics.signals(rows, methods=methods, min_cases=min_cases, prior=prior)
            table = signals.with_ror_rule(table.merge(opened.names, on="ingredient_id").merge(terms, on="pt_id"))
            first = ["agent_id", "ingredient", "pt"]
            table = table[first + [c for c in table.columns if c not in first + ["ingredient_id", "pt_id"]]]
            if len(table):
                table.to_parquet(staging / file.name.replace("counts-", "part-"), index=False)
            written += len(table)
            file.unlink()
            del rows, table
        (staging / ".counts").rmdir()
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
    return {"output": str(output), "pairs": int(spread["pairs"].sum()), "rows": written, "partitions": parts}
