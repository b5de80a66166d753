"""Disproportionality statistics on aggregated drug x event report counts.

The input (``a``, ``n_drug``, ``n_event`` per pair and a total ``n``, or
per-stratum rows) is described in :mod:`il6analysis.faers.contingency`;
:func:`signals` runs every method at once and applies the common signal rules.

Methods
-------
ROR
    ``(a/b) / (c/d)``; Woolf 95% CI ``exp(ln ROR +/- 1.96 sqrt(1/a+1/b+1/c+1/d))``.
    With strata: the Mantel-Haenszel ROR with the Robins-Breslow-Greenland CI.
PRR
    ``(a/(a+b)) / (c/(c+d))``; 95% CI
    ``exp(ln PRR +/- 1.96 sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)))``.
chi2
    The 1-df Pearson chi-square of the 2x2 table *without* Yates'
    continuity correction, ``n (ad - bc)^2 / ((a+b)(c+d)(a+c)(b+d))``, the
    statistic of the Evans et al. (2001) rule ``PRR >= 2, chi2 >= 4, a >= 3``.
    Evans et al. used the uncorrected statistic; many later descriptions
    (and some tools) use Yates' corrected one,
    ``n (|ad - bc| - n/2)^2 / (...)``, which flags fewer pairs with small
    counts; ``yates=True`` gives that one instead.
IC
    BCPNN information component with the shrinkage of Noren et al. (2006):
    ``IC = log2((a + 0.5) / (E + 0.5))`` with ``E = n_drug n_event / n``. The
    credibility interval is that of the posterior ``Gamma(a + 0.5, rate E +
    0.5)`` of the observed-to-expected ratio: by default its *exact* 2.5% and
    97.5% quantiles (``interval="exact"``); ``interval="approx"`` gives the
    closed form of Noren, Hopstadius & Bate (2013).
EBGM
    DuMouchel's (1999) gamma-Poisson shrinker (:mod:`il6analysis.faers.mgps`).

Zero cells
----------
By default no correction is applied: a statistic whose formula divides by a
zero (or takes the log of one) is ``NaN``. The ROR needs ``b > 0`` and
``c > 0`` (it is 0 when ``a`` or ``d`` is 0) and its CI all four cells
``> 0``; the PRR needs ``a + b > 0`` and ``c > 0`` only, so it is defined
when ``b`` or ``d`` is 0, and its CI needs ``a > 0`` as well. With
``haldane=True`` 0.5 is added to *every* cell of *every* table (not only to
tables with a zero cell) before the crude ROR, the PRR and their CIs are
computed; the chi-square, IC, EBGM and the Mantel-Haenszel ROR always use the
observed counts.

These are reporting statistics: they describe what was reported, not how
often a reaction occurs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import special

from il6analysis.errors import UsageError
from il6analysis.faers.contingency import (
    COLUMNS,
    METHODS,
    RULE_COLUMNS,
    Tables,
    frame_of,
    int_cells,
    tables_of,
    two_by_two,
)
from il6analysis.faers.mgps import GammaMixture, ebgm, fit_gamma_mixture, posterior, resolve_prior

__all__ = [
    "COLUMNS", "METHODS", "RULE_COLUMNS", "GammaMixture", "ebgm", "fit_gamma_mixture", "information_component",
    "mantel_haenszel_ror", "prr", "ror", "signals", "two_by_two",
]

_Z95 = 1.959963984540054  # 97.5th percentile of the standard normal

def _ror(a, b, c, d, haldane: bool):
    if haldane:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where((b > 0) & (c > 0), (a * d) / (b * c), np.nan)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        ci = (a > 0) & (b > 0) & (c > 0) & (d > 0)
        low = np.where(ci, value * np.exp(-_Z95 * se), np.nan)
        high = np.where(ci, value * np.exp(_Z95 * se), np.nan)
    return value, low, high


def _prr(a, b, c, d, haldane: bool):
    if haldane:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where((a + b > 0) & (c > 0), (a / (a + b)) / (c / (c + d)), np.nan)
        var = np.maximum(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d), 0.0)
        se = np.sqrt(var)
        ci = (a > 0) & (c > 0)
        low = np.where(ci, value * np.exp(-_Z95 * se), np.nan)
        high = np.where(ci, value * np.exp(_Z95 * se), np.nan)
    return value, low, high


def _chi2(a, b, c, d, yates: bool):
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    diff = np.abs(a * d - b * c)
    if yates:
        diff = np.maximum(diff - n / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(margins > 0, n * diff**2 / margins, np.nan)


def ror(counts: pd.DataFrame, total=None, *, haldane: bool = False) -> pd.DataFrame:
    """Reporting odds ratio with its Woolf 95% confidence interval.

    Args:
        counts, total: see :func:`two_by_two` (unstratified counts only).
        haldane: add 0.5 to every cell of every table first.

    Returns:
        Identifier columns, ``a, b, c, d`` (observed, int64) and float columns
        ``ror, ror_low, ror_high`` on the input's index. Without Haldane the
        ROR is NaN when ``b`` or ``c`` is 0 and the CI is NaN when any cell is 0.

    Raises:
        UsageError: bad counts or total (see :func:`two_by_two`), or a stratum
            column (use :func:`mantel_haenszel_ror`).
    """
    t = tables_of(counts, total, allow_strata=False)
    value, low, high = _ror(t.a, t.b, t.c, t.d, haldane)
    return frame_of(t, {**int_cells(t), "ror": value, "ror_low": low, "ror_high": high})


def prr(counts: pd.DataFrame, total=None, *, haldane: bool = False, yates: bool = False) -> pd.DataFrame:
    """Proportional reporting ratio with 95% CI, and the 2x2 chi-square.

    Args:
        counts, total: see :func:`two_by_two` (unstratified counts only).
        haldane: add 0.5 to every cell of every table before the PRR and its
            CI (``chi2`` always uses the observed cells).
        yates: give Yates' continuity-corrected chi-square instead of the
            default uncorrected 1-df Pearson chi-square.

    Returns:
        Identifier columns, ``a, b, c, d`` (int64) and float columns ``prr,
        prr_low, prr_high, chi2`` on the input's index. The PRR is defined
        whenever ``a + b > 0`` and ``c > 0`` (so also when ``b`` or ``d`` is
        0); its CI also needs ``a > 0``; ``chi2`` is NaN when a margin is 0.

    Raises:
        UsageError: bad counts or total, or a stratum column.
    """
    t = tables_of(counts, total, allow_strata=False)
    value, low, high = _prr(t.a, t.b, t.c, t.d, haldane)
    chi2 = _chi2(t.a, t.b, t.c, t.d, yates)
    return frame_of(t, {**int_cells(t), "prr": value, "prr_low": low, "prr_high": high, "chi2": chi2})



def _mantel_haenszel(t: Tables):
    s = t.strata
    if s is None:  # every row is its own single-stratum pair
        code, k = np.arange(len(t.a)), len(t.a)
        a, b, c, d = t.a, t.b, t.c, t.d
        n = a + b + c + d
    else:
        code, k, a, b, c, d, n = s.code, s.n_pairs, s.a, s.b, s.c, s.d, s.n

    def total_of(x):
        return np.bincount(code, weights=x, minlength=k)

    r, q = a * d / n, b * c / n
    pp, qq = (a + d) / n, (b + c) / n
    sr, ss = total_of(r), total_of(q)
    spr, smix, sqs = total_of(pp * r), total_of(pp * q + qq * r), total_of(qq * q)
    n_strata = np.bincount(code, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ss > 0, sr / ss, np.nan)
        var = spr / (2 * sr**2) + smix / (2 * sr * ss) + sqs / (2 * ss**2)
        ok = (sr > 0) & (ss > 0)
        se = np.sqrt(var)
        low = np.where(ok, value * np.exp(-_Z95 * se), np.nan)
        high = np.where(ok, value * np.exp(_Z95 * se), np.nan)
    return value, low, high, n_strata


def mantel_haenszel_ror(strata_counts: pd.DataFrame, total=None, *, strata: str | None = None) -> pd.DataFrame:
    """Mantel-Haenszel ROR over strata with the Robins-Breslow-Greenland 95% CI.

    With per-stratum cells ``a_s, b_s, c_s, d_s`` and total ``n_s``,
    ``R_s = a_s d_s / n_s``, ``S_s = b_s c_s / n_s``, ``P_s = (a_s + d_s)/n_s``,
    ``Q_s = (b_s + c_s)/n_s``::

        ROR_MH = sum R / sum S
        Var(ln ROR_MH) = sum P R / (2 (sum R)^2) + sum (P S + Q R) / (2 sum R sum S)
                         + sum Q S / (2 (sum S)^2)

    No continuity correction is applied (strata with zero cells simply add
    nothing to the sums).

    Args:
        strata_counts: one row per drug x event x stratum (see the module
            docstring); without a stratum column every row is a one-stratum
            pair and the result equals the crude ROR.
        total: mapping ``{stratum: n_s}`` (or a number when unstratified);
            omit it when there is an ``n`` column.
        strata: name of the stratum column (default ``"stratum"`` when present).

    Returns:
        One row per pair: identifier columns, the summed ``a, b, c, d``
        (int64), ``n_strata`` and float ``ror, ror_low, ror_high``. ``ror`` is
        NaN when ``sum S = 0``; the CI is NaN unless ``sum R > 0`` and
        ``sum S > 0``.

    Raises:
        UsageError: bad counts or totals, duplicate rows for a pair in one
            stratum, or stratified counts without identifier columns.
    """
    t = tables_of(strata_counts, total, strata)
    value, low, high, n_strata = _mantel_haenszel(t)
    return frame_of(t, {**int_cells(t), "n_strata": n_strata, "ror": value, "ror_low": low, "ror_high": high})



def _ic(a, expected, interval: str):
    shape = a + 0.5
    rate = expected + 0.5
    ic = np.log2(shape / rate)
    if interval == "exact":
        low = np.log2(special.gammaincinv(shape, 0.025) / rate)
        high = np.log2(special.gammaincinv(shape, 0.975) / rate)
    elif interval == "approx":
        low = ic - 3.3 * shape**-0.5 - 2.0 * shape**-1.5
        high = ic + 2.4 * shape**-0.5 - 0.5 * shape**-1.5
    else:
        raise UsageError(f"interval must be 'exact' or 'approx', not {interval!r}")
    return ic, low, high


def information_component(counts: pd.DataFrame, total=None, *, interval: str = "exact",
                          strata: str | None = None) -> pd.DataFrame:
    """BCPNN information component with its 95% credibility interval.

    ``IC = log2((a + 0.5) / (E + 0.5))``, the log2 posterior mean of the
    observed-to-expected ratio under a ``Gamma(a + 0.5, rate E + 0.5)``
    posterior (Norén et al. 2006 shrinkage). ``E = n_drug n_event / n``, or
    for stratified counts ``E = sum_s n_drug_s n_event_s / n_s`` with ``a``
    summed over strata.

    Args:
        counts, total, strata: see :func:`two_by_two`.
        interval: ``"exact"`` (default): ``ic025``/``ic975`` are log2 of the
            exact 2.5%/97.5% gamma quantiles over ``E + 0.5``; ``"approx"``:
            the closed form of Norén, Hopstadius & Bate (2013),
            ``IC -3.3 x^-1/2 -2 x^-3/2`` and ``IC +2.4 x^-1/2 -0.5 x^-3/2``,
            ``x = a + 0.5`` (within 0.06 bits of the exact values for
            ``a >= 1``).

    Returns:
        Identifier columns, ``a`` (int64), ``expected``, ``ic, ic025, ic975``
        (always finite), one row per pair.

    Raises:
        UsageError: bad counts or total, or an unknown ``interval``.
    """
    t = tables_of(counts, total, strata)
    ic, low, high = _ic(t.a, t.expected, interval)
    return frame_of(t, {"a": t.a.astype("int64"), "expected": t.expected, "ic": ic, "ic025": low, "ic975": high})



def check_min_cases(min_cases: object) -> None:
    """Raise UsageError unless ``min_cases`` is a whole number, 0 or more (a count of reports)."""
    if isinstance(min_cases, bool) or not isinstance(min_cases, (int, np.integer)) or min_cases < 0:
        raise UsageError(f"min_cases must be a non-negative integer, not {min_cases!r}")


def signals(counts: pd.DataFrame, total=None, methods: Iterable[str] = METHODS, min_cases: int = 1,
            haldane: bool = False, strata: str | None = None, *, interval: str = "exact",
            prior: GammaMixture | Sequence[float] | None = None, zero_truncated: bool | None = None,
            yates: bool = False) -> pd.DataFrame:
    """Run the chosen disproportionality methods and apply the signal rules.

    With stratified counts (a stratum column, see the module docstring)
    ``a, b, c, d`` are summed over strata, ``ror`` is the Mantel-Haenszel ROR
    with the Robins-Breslow-Greenland CI (``haldane`` does not apply to it),
    ``prr``/``chi2`` are computed on the summed (crude) table and ``expected``
    (and so IC and EBGM) is the stratified ``sum_s n_drug_s n_event_s / n_s``.

    Args:
        counts, total: see :func:`two_by_two`.
        methods: any of ``"ror", "prr", "ic", "ebgm"``.
        min_cases: keep pairs with ``a >= min_cases``. The EBGM prior is
            fitted on all pairs before this filter.
        haldane: add 0.5 to every cell before the (crude) ROR and PRR.
        strata: name of the stratum column (default ``"stratum"`` when present).
        interval: IC interval, ``"exact"`` or ``"approx"`` (see
            :func:`information_component`).
        prior, zero_truncated: see :func:`ebgm`.
        yates: Yates-corrected ``chi2`` instead of the uncorrected Pearson one.

    Returns:
        The identifier columns, then always the columns :data:`COLUMNS`
        (``a, b, c, d`` int64, the rest float; NaN for methods not run or
        undefined) and the bool columns :data:`RULE_COLUMNS`:
        ``signal_prr`` = PRR >= 2 and chi2 >= 4 and a >= 3 (Evans et al. 2001),
        ``signal_ic`` = IC025 > 0, ``signal_ebgm`` = EB05 >= 2 and a >= 1; a rule whose
        statistic is NaN is False. Unstratified rows keep the input's index;
        stratified results have one row per pair on a fresh index. When EBGM
        ran, the prior is in ``.attrs["gamma_mixture"]``.

    Raises:
        UsageError: bad counts or total, an unknown method, a negative
            ``min_cases``, or an unknown ``interval``.
    """
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise UsageError(f"unknown method(s) {unknown}; choose from {list(METHODS)}")
    check_min_cases(min_cases)
    if interval not in ("exact", "approx"):
        raise UsageError(f"interval must be 'exact' or 'approx', not {interval!r}")
    t = tables_of(counts, total, strata)
    size = len(t.a)
    empty = np.full(size, np.nan)
    cols: dict[str, np.ndarray] = {**int_cells(t), "expected": t.expected}
    cols.update({name: empty for name in COLUMNS[5:]})
    prior_used = None
    if "ror" in methods:
        if t.strata is None:
            cols["ror"], cols["ror_low"], cols["ror_high"] = _ror(t.a, t.b, t.c, t.d, haldane)
        else:
            cols["ror"], cols["ror_low"], cols["ror_high"], _ = _mantel_haenszel(t)
    if "prr" in methods:
        cols["prr"], cols["prr_low"], cols["prr_high"] = _prr(t.a, t.b, t.c, t.d, haldane)
        cols["chi2"] = _chi2(t.a, t.b, t.c, t.d, yates)
    if "ic" in methods:
        cols["ic"], cols["ic025"], cols["ic975"] = _ic(t.a, t.expected, interval)
    if "ebgm" in methods:
        prior_used = resolve_prior(prior, t.a, t.expected, zero_truncated)
        cols["ebgm"], cols["eb05"], cols["eb95"] = posterior(t.a, t.expected, prior_used)
    with np.errstate(invalid="ignore"):
        cols["signal_prr"] = (cols["prr"] >= 2) & (cols["chi2"] >= 4) & (t.a >= 3)
        cols["signal_ic"] = cols["ic025"] > 0
        cols["signal_ebgm"] = (cols["eb05"] >= 2) & (t.a > 0)  # a prior alone never makes a signal
    out = frame_of(t, cols)
    out = out.loc[t.a >= min_cases]
    if prior_used is not None:
        out.attrs["gamma_mixture"] = prior_used
    return out