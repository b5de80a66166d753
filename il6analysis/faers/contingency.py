"""Drug x event report counts -> 2x2 tables, checked, for :mod:`il6analysis.faers.statistics`.

Input is a :class:`pandas.DataFrame` with one row per drug x event and the
columns ``a`` (reports naming the drug and the event), ``n_drug`` (reports
naming the drug) and ``n_event`` (reports naming the event), and a total
``n`` (all reports), given as the ``total`` argument or as an ``n`` column.
Every other column (drug and event identifiers, say) is carried through
unchanged. The 2x2 table of a pair is::

                      event       not event
    drug              a           b = n_drug - a
    not drug          c           d = n - a - b - c
                      = n_event - a

Stratified counts (by sex, age band, report year, ...) have a ``stratum``
column (or another named by ``strata=``) and one row per drug x event x
stratum, where ``a``, ``n_drug`` and ``n_event`` count within the stratum
and each stratum has its own total ``n_s``, given as a mapping
``{stratum: n_s}`` or as an ``n`` column. The identifier columns (every
column that is not a count, ``n`` or the stratum) say which rows belong to
one pair. A pair needs a row in every stratum where its drug and its event
both occur, with ``a = 0`` where they never co-occur: a missing row
contributes nothing to the stratified expected count or the Mantel-Haenszel
sums.

Every check failure raises :class:`~il6analysis.errors.UsageError` (a
``ValueError``) naming the column, row or stratum at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from il6analysis.errors import UsageError

METHODS: tuple[str, ...] = ("ror", "prr", "ic", "ebgm")
"""The disproportionality methods, by the name of their main column."""
COLUMNS: tuple[str, ...] = (
    "a", "b", "c", "d", "expected",
    "ror", "ror_low", "ror_high",
    "prr", "prr_low", "prr_high", "chi2",
    "ic", "ic025", "ic975",
    "ebgm", "eb05", "eb95",
)
"""The stable output columns of :func:`il6analysis.faers.statistics.signals`."""
RULE_COLUMNS: tuple[str, ...] = ("signal_prr", "signal_ic", "signal_ebgm")
"""The signal-rule columns (bool) of the same output."""

_INPUTS = ("a", "n_drug", "n_event")
_RESERVED = frozenset(_INPUTS) | {"n", "n_strata"} | set(COLUMNS) | set(RULE_COLUMNS)

@dataclass(frozen=True)
class Strata:
    """Per-stratum cells of stratified counts; ``code`` maps a row to its pair."""

    code: np.ndarray
    n_pairs: int
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    n: np.ndarray
    expected: np.ndarray


@dataclass(frozen=True)
class Tables:
    """One row per pair: identifier columns, crude cells and expected count."""

    keys: pd.DataFrame
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    expected: np.ndarray
    strata: Strata | None


def _as_counts(frame: pd.DataFrame, column: str) -> np.ndarray:
    dtype = frame[column].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise UsageError(f"column {column!r} must be numeric counts, not {dtype}")
    try:
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise UsageError(f"column {column!r} must be numeric counts") from error
    if not np.all(np.isfinite(values)):
        raise UsageError(f"column {column!r} has missing or infinite values")
    if np.any(values < 0):
        raise UsageError(f"column {column!r} has negative counts")
    if np.any(values != np.floor(values)):
        raise UsageError(f"column {column!r} has non-integer counts")
    return values


def _stratum_column(counts: pd.DataFrame, strata: str | None) -> str | None:
    if strata is not None:
        if strata not in counts.columns:
            raise UsageError(f"no stratum column {strata!r} in counts")
        return strata
    return "stratum" if "stratum" in counts.columns else None


def _totals(counts: pd.DataFrame, total, stratum: str | None) -> np.ndarray:
    """Return ``n`` for every row of ``counts``."""
    has_column = "n" in counts.columns
    if total is not None and has_column:
        raise UsageError("give the total either as `total` or as an `n` column, not both")
    if total is None:
        if not has_column:
            raise UsageError("no total: pass `total` (a number, or a mapping stratum -> n) or add an `n` column")
        n = _as_counts(counts, "n")
        if stratum is None:
            if len(n) and np.any(n != n[0]):
                raise UsageError("column `n` differs between rows; per-stratum totals need a stratum column")
        else:
            spread = pd.Series(n, index=counts.index).groupby(counts[stratum], dropna=False).nunique()
            if np.any(spread.to_numpy() > 1):
                raise UsageError(f"column `n` differs within stratum {spread[spread > 1].index[0]!r}")
        return n
    if isinstance(total, pd.Series):
        total = total.to_dict()
    if isinstance(total, Mapping):
        if stratum is None:
            raise UsageError("a mapping of totals needs a stratum column in counts")
        mapped = counts[stratum].map(total)
        missing = counts.loc[mapped.isna(), stratum].unique()
        if len(missing):
            raise UsageError(f"no total for stratum {list(missing)[:5]!r}")
        n = mapped.to_numpy(dtype="float64")
    else:
        if stratum is not None:
            raise UsageError("stratified counts need a total per stratum: a mapping stratum -> n or an `n` column")
        try:
            scalar = float(total)
        except (TypeError, ValueError) as error:
            raise UsageError(f"total must be a number or a mapping, not {type(total).__name__}") from error
        n = np.full(len(counts), scalar)
    if not np.all(np.isfinite(n)) or np.any(n != np.floor(n)):
        raise UsageError("totals must be whole numbers")
    return n


def _cells(counts, total, strata: str | None):
    """Validate ``counts`` and return (stratum column, keys, a, b, c, d, n) per row."""
    if not isinstance(counts, pd.DataFrame):
        raise UsageError(f"counts must be a pandas DataFrame, not {type(counts).__name__}")
    missing = [c for c in _INPUTS if c not in counts.columns]
    if missing:
        raise UsageError(f"counts is missing column(s) {missing}; needs {list(_INPUTS)}")
    stratum = _stratum_column(counts, strata)
    n = _totals(counts, total, stratum)
    a, n_drug, n_event = (_as_counts(counts, c) for c in _INPUTS)
    if np.any(n <= 0):
        raise UsageError("the total number of reports n must be positive")
    for bad, what in ((a > n_drug, "a > n_drug"), (a > n_event, "a > n_event"),
                      (n_drug > n, "n_drug > n"), (n_event > n, "n_event > n"),
                      (n_drug + n_event - a > n, "n_drug + n_event - a > n (d < 0)")):
        if np.any(bad):
            row = counts.index[np.argmax(bad)]
            raise UsageError(f"inconsistent counts: {what} in row {row!r}")
    b = n_drug - a
    c = n_event - a
    d = n - a - b - c
    keys = [col for col in counts.columns if col not in _RESERVED and col != stratum]
    return stratum, keys, a, b, c, d, n


def tables_of(counts, total, strata: str | None = None, *, allow_strata: bool = True) -> Tables:
    """Check ``counts`` and return its pairs' 2x2 tables (see the module notes).

    Returns:
        One :class:`Tables` row per pair; for stratified counts the crude cells
        are summed over strata and the per-stratum cells kept in ``strata``.

    Raises:
        UsageError: bad counts or totals, a duplicate row for a pair in one
            stratum, stratified counts without identifier columns, or strata
            where ``allow_strata`` is false.
    """
    stratum, keys, a, b, c, d, n = _cells(counts, total, strata)
    expected = (a + b) * (a + c) / n
    if stratum is None:
        return Tables(counts[keys].copy(), a, b, c, d, expected, None)
    if not allow_strata:
        raise UsageError(
            f"counts are stratified by {stratum!r}; use mantel_haenszel_ror for the adjusted ROR, "
            "or sum the strata first for crude statistics"
        )
    if not keys:
        raise UsageError("stratified counts need identifier columns (e.g. drug, event) saying which rows form a pair")
    if counts.duplicated(subset=[*keys, stratum]).any():
        raise UsageError(f"counts has more than one row for a pair in one {stratum!r}")
    code = counts.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    n_pairs = int(code.max()) + 1 if len(code) else 0
    _, first = np.unique(code, return_index=True)
    frame = counts[keys].iloc[first].reset_index(drop=True)

    def total_of(x):
        return np.bincount(code, weights=x, minlength=n_pairs)

    layers = Strata(code, n_pairs, a, b, c, d, n, expected)
    return Tables(frame, total_of(a), total_of(b), total_of(c), total_of(d), total_of(expected), layers)


def frame_of(tables: Tables, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return the pairs' identifier columns followed by ``columns``."""
    out = tables.keys.copy()
    for name, values in columns.items():
        out[name] = values
    return out


def int_cells(tables: Tables) -> dict[str, np.ndarray]:
    """Return the crude cells ``a, b, c, d`` as int64 arrays."""
    return {k: getattr(tables, k).astype("int64") for k in "abcd"}


def two_by_two(counts: pd.DataFrame, total=None, *, strata: str | None = None) -> pd.DataFrame:
    """Return the 2x2 cells of every row of ``counts``.

    Args:
        counts: one row per drug x event (x stratum) with ``a``, ``n_drug``,
            ``n_event``; other columns are identifiers and are kept.
        total: all reports ``n``: a number, or for stratified counts a mapping
            ``{stratum: n_s}``; omit it when counts has an ``n`` column.
        strata: name of the stratum column (default ``"stratum"`` when present).

    Returns:
        The identifier (and stratum) columns followed by int64 columns ``a, b,
        c, d``, one row per input row, on the input's index. Stratified rows
        are not summed.

    Raises:
        ValueError: a required column is missing, a count is negative,
            missing or not whole, the counts are inconsistent (``a > n_drug``,
            ``a > n_event``, ``d < 0``, ...), or the total is missing or
            ill-formed.
    """
    stratum, keys, a, b, c, d, _ = _cells(counts, total, strata)
    out = counts[keys + ([stratum] if stratum else [])].copy()
    for name, values in zip("abcd", (a, b, c, d)):
        out[name] = values.astype("int64")
    return out

