"""Every ingredient x preferred term pair counted one partition of ingredients at a time, in bounded memory.

An ingredient's partition is a hash of its id (:func:`partition_of`), so all
of an ingredient's pairs are in one partition and the partitions are about
equally large whatever order the ids were given in. For each partition DuckDB
counts the pairs of that partition's ingredients alone (the join of their
reports with the reports' terms: the table that outgrows memory at full
history when counted at once) and writes their cells to one Parquet file
itself, without pandas; what stays in memory is the distribution of the
distinct ``(a, expected)`` the EBGM prior is fitted on, summed over the
partitions. Each cell is the one :func:`il6analysis.faers.counts.pair_rows`
gives without partitions (the margins ``n_event`` and ``n`` are over every
report; ``n_drug`` and ``a`` belong to the ingredient), so the counts, the
prior and every statistic are the same for any number of partitions.
"""

from __future__ import annotations

import math
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd

from il6analysis.errors import UsageError
from il6analysis.faers import counts, tables

PAIRS_PER_PARTITION = 1_000_000
"""Pairs per partition aimed at (about 0.7 GiB of statistics in pandas)."""
_MULTIPLIER = 2_654_435_761
"""Knuth's multiplicative hash constant (2^32 over the golden ratio, a prime)."""


def check_partitions(parts: int) -> int:
    """Return ``parts``; raises UsageError when it is below 1."""
    if parts < 1:
        raise UsageError(f"partitions must be 1 or more, not {parts}")
    return parts


def partition_of(ingredient_id: ir.IntegerValue, parts: int) -> ir.IntegerValue:
    """Return the partition, ``0 .. parts - 1``, of ``ingredient_id`` (a non-negative id): a multiplicative
    hash of the id modulo ``parts``, in integer arithmetic every engine computes alike.

    Raises:
        UsageError: ``parts`` below 1.
    """
    check_partitions(parts)
    return ingredient_id.cast("int64") * _MULTIPLIER % 2**32 % parts


def estimated_partitions(store: tables.Store, clean: dict[str, ir.Table]) -> int:
    """Return how many partitions give about :data:`PAIRS_PER_PARTITION` pairs each (at least 1), from
    DuckDB's HyperLogLog estimate of the distinct pairs (a pass over the report join that holds no table
    of the pairs; the estimate is within a few percent and only sets the partitions' size)."""
    joined = clean["exposed"].join(clean["events"], "report")
    key = joined.ingredient_id.cast("int64") * 2**32 + joined.pt_id.cast("int64")
    estimate = store.execute(joined.agg(pairs=key.approx_nunique()))["pairs"].iloc[0]
    return max(1, math.ceil(int(estimate or 0) / PAIRS_PER_PARTITION))


def partition_margins(clean: dict[str, ir.Table], parts: int, part: int) -> counts.Margins:
    """Return the :class:`~il6analysis.faers.counts.Margins` (no strata) of the ingredients of partition
    ``part`` of ``parts``: their ``n_drug`` and pairs, with ``n_event`` and ``n`` over every report."""
    exposed = clean["exposed"]
    return counts.margins({**clean, "exposed": exposed.filter(partition_of(exposed.ingredient_id, parts) == part)},
                          [])


def count_partitions(store: tables.Store, clean: dict[str, ir.Table], parts: int, folder: Path,
                     progress=None) -> tuple[list[Path], pd.DataFrame]:
    """Count every pair with ``a >= 1`` in ``parts`` partitions, each written by DuckDB to
    ``folder/counts-NNNNN.parquet`` (``ingredient_id, pt_id, a, n_drug, n_event, n``; a partition without
    pairs writes no file).

    Returns:
        The files written, and ``a, expected, pairs`` over every pair (as
        :func:`il6analysis.faers.counts.expected_distribution`, ordered by ``a`` and ``expected``).

    Raises:
        UsageError: ``parts`` below 1.
        OSError: ``folder`` cannot be written.
        StoreDamaged: a file of the store cannot be read.
    """
    progress = progress or (lambda message: None)
    files, spreads = [], []
    for part in range(parts):
        progress(f"counting partition {part + 1} of {parts}")
        m = partition_margins(clean, parts, part)
        m = counts.Margins(m.totals, m.n_drug, m.n_event, store.materialise("partition_pairs", m.pairs), False)
        spread = store.execute(counts.expected_distribution(m))
        if spread.empty:
            continue
        spreads.append(spread)
        files.append(folder / f"counts-{part:05d}.parquet")
        store.write_parquet(counts.pair_rows(m, None).drop("stratum"), files[-1])
    if not spreads:
        return files, pd.DataFrame({"a": pd.Series(dtype="int64"), "expected": pd.Series(dtype="float64"),
                                    "pairs": pd.Series(dtype="int64")})
    spread = pd.concat(spreads, ignore_index=True).groupby(["a", "expected"], as_index=False)["pairs"].sum()
    return files, spread.sort_values(["a", "expected"], ignore_index=True)
