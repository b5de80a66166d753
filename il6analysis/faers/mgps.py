"""DuMouchel's (1999) multi-item gamma-Poisson shrinker: the EBGM with EB05 and EB95.

Each drug x event pair has ``a ~ Poisson(lambda E)`` with ``E`` its expected
count (``n_drug n_event / n``, or summed over strata). ``lambda`` has a
two-component gamma mixture prior fitted by maximum likelihood of the
negative-binomial mixture marginal over *all* pairs (:func:`fit_gamma_mixture`);
a pair's posterior is again a mixture of two gammas, whose geometric mean is
the EBGM and whose 5% and 95% quantiles are EB05 and EB95 (:func:`ebgm`).

Counts that list only the reported pairs (``a >= 1``, as a store query gives)
are fitted with the zero-truncated likelihood, conditional on ``a >= 1``, by
default: fitting the plain likelihood to them alone would ignore the zero
cells and bias the prior upwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from il6analysis.errors import UsageError
from il6analysis.faers.contingency import frame_of, tables_of


@dataclass(frozen=True)
class GammaMixture:
    """Two-component gamma mixture prior of DuMouchel (1999).

    ``lambda ~ p Gamma(alpha1, rate beta1) + (1 - p) Gamma(alpha2, rate beta2)``;
    component 1 is the one with the larger prior mean ``alpha/beta`` (as in
    DuMouchel's published fit, where it is the smaller, wide "signal"
    component). ``loglik`` is the maximised log-likelihood (including the
    ``-log a!`` terms; conditional on ``a >= 1`` when ``zero_truncated``),
    ``n_pairs`` the number of pairs it was fitted on.
    """

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float
    loglik: float = math.nan
    n_pairs: int = 0
    zero_truncated: bool = False
    converged: bool = True

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        """``(alpha1, beta1, alpha2, beta2, p)``."""
        return (self.alpha1, self.beta1, self.alpha2, self.beta2, self.p)


# log-space box for alpha, beta and logit box for p used by the fit
_LOG_BOUND = (math.log(1e-4), math.log(1e4))
_LOGIT_BOUND = (-math.log(1e4), math.log(1e4))
# starting points (alpha1, beta1, alpha2, beta2, p): DuMouchel's (1999) published
# estimates, a common default, and a diffuse signal component over a tight null
# L-BFGS-B stops when an iteration improves the mean log-likelihood by less than ftol of it; on all of a
# large table that is kept above the rounding noise of the sum (~1e-11 of it), which would otherwise
# make it search on without end
_FTOL, _FTOL_REFINE = 1e-12, 1e-10
_SQUASHED = 50_000  # rows of the squashed data on which the starting points are compared
_STARTS = (
    (0.204, 0.058, 1.415, 1.838, 0.097),
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (1.0, 0.2, 5.0, 5.0, 0.05),
)


class _Marginal:
    """Negative-binomial mixture log-likelihood with its gradient in
    theta = (log a1, log b1, log a2, log b2, logit p), each pair counted ``weight`` times."""

    def __init__(self, a: np.ndarray, expected: np.ndarray, zero_truncated: bool, weights: np.ndarray | None = None):
        self.values, self.index = np.unique(a, return_inverse=True)
        self.a = a
        self.expected = expected
        self.weights = np.ones_like(a) if weights is None else weights
        self.total = float(np.sum(self.weights))
        self.zero_truncated = zero_truncated
        # terms free of the parameters: -log a! + a log E (summed once, not per evaluation)
        self.constant = float(np.sum(self.weights * (special.xlogy(a, expected) - special.gammaln(a + 1))))

    def _component(self, alpha, beta):
        """Per pair: log NB(a) without the constant terms, its theta-gradient pieces and E/(beta+E)."""
        a, u, i = self.a, self.values, self.index
        share = beta / (beta + self.expected)
        log_share = np.log(share)  # log(beta / (beta + E))
        ell = (special.gammaln(alpha + u) - special.gammaln(alpha))[i] + (alpha + a) * log_share - a * math.log(beta)
        d_alpha = alpha * ((special.digamma(alpha + u) - special.digamma(alpha))[i] + log_share)
        d_beta = alpha - (alpha + a) * share
        return ell, d_alpha, d_beta, alpha * log_share, 1.0 - share

    def __call__(self, theta):
        a1, b1, a2, b2 = np.exp(theta[:4])
        p = float(special.expit(theta[4]))
        log_p, log_q = math.log(p), math.log1p(-p)
        l1, ga1, gb1, z1, out1 = self._component(a1, b1)
        l2, ga2, gb2, z2, out2 = self._component(a2, b2)
        # log f = log(p e^l1 + (1-p) e^l2) and r = the posterior weight of component 1, both stably
        l1 += log_p
        l2 += log_q
        log_f = np.logaddexp(l1, l2)
        w = self.weights
        value = float(np.sum(w * log_f))
        r = np.exp(l1 - log_f)
        rw = r * w
        sw = w - rw
        # plain sums, not `@`: a BLAS dot may spin up threads, which stall on a busy machine
        grad = np.array([np.sum(rw * ga1), np.sum(rw * gb1), np.sum(sw * ga2), np.sum(sw * gb2),
                         float(np.sum(rw)) - p * self.total])
        if self.zero_truncated:
            # subtract log P(a >= 1) = log(1 - P0), P0 = p e^{z1} + (1 - p) e^{z2}
            m1, m2 = np.expm1(z1), np.expm1(z2)
            positive = np.maximum(-(p * m1 + (1 - p) * m2), 1e-300)
            value -= float(np.sum(w * np.log(positive)))
            inv = w / positive
            w1, w2 = (m1 + 1.0) * inv, (m2 + 1.0) * inv
            grad += np.array([p * np.sum(w1 * z1), p * a1 * np.sum(w1 * out1), (1 - p) * np.sum(w2 * z2),
                              (1 - p) * a2 * np.sum(w2 * out2), p * (1 - p) * (np.sum(w1) - np.sum(w2))])
        return value + self.constant, grad


def _check_pairs(a, expected) -> tuple[np.ndarray, np.ndarray]:
    try:
        a = np.asarray(a, dtype="float64").ravel()
        expected = np.asarray(expected, dtype="float64").ravel()
    except (TypeError, ValueError) as error:
        raise UsageError("a and expected must be numeric") from error
    if a.shape != expected.shape:
        raise UsageError(f"a and expected differ in length ({a.size} vs {expected.size})")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(expected))):
        raise UsageError("a and expected must be finite")
    if np.any(a < 0) or np.any(a != np.floor(a)):
        raise UsageError("a must be non-negative whole numbers")
    if np.any(expected < 0):
        raise UsageError("expected counts must be non-negative")
    if np.any((expected == 0) & (a > 0)):
        raise UsageError("a pair with expected count 0 has a > 0")
    return a, expected


def _check_weights(weights, size: int) -> np.ndarray | None:
    if weights is None:
        return None
    try:
        weights = np.asarray(weights, dtype="float64").ravel()
    except (TypeError, ValueError) as error:
        raise UsageError("weights must be numeric") from error
    if weights.size != size:
        raise UsageError(f"weights and a differ in length ({weights.size} vs {size})")
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0) or np.any(weights != np.floor(weights)):
        raise UsageError("weights must be whole numbers of 1 or more (how many pairs share each a and expected)")
    return weights


def _squash(a: np.ndarray, expected: np.ndarray, weights: np.ndarray | None, rows: int):
    """Return ``(a, expected, weights)`` squashed to about ``rows`` rows, for choosing a starting point.

    Within each value of ``a``, the rows sorted by ``expected`` are merged in
    runs of equal size into one row with their summed weight and their
    weighted mean ``expected`` (the data squashing of DuMouchel & Pregibon,
    2001); values of ``a`` with few rows keep them all.
    """
    weights = np.ones_like(a) if weights is None else weights
    order = np.lexsort((expected, a))
    a, expected, weights = a[order], expected[order], weights[order]
    run = max(1, -(-a.size // rows))
    first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    position = np.arange(a.size) - np.repeat(first, np.diff(np.r_[first, a.size]))
    starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (position[1:] // run != position[:-1] // run)])
    total = np.add.reduceat(weights, starts)
    mean = np.add.reduceat(weights * expected, starts) / total
    return a[starts], mean, total


def fit_gamma_mixture(a, expected, *, weights=None, zero_truncated: bool = False,
                      start: Sequence[float] | None = None) -> GammaMixture:
    """Fit DuMouchel's (1999) two-gamma mixture prior by maximum likelihood.

    Under ``a_i ~ Poisson(lambda_i E_i)`` and the mixture prior, ``a_i`` has
    the marginal ``p NB(alpha1, beta1/(beta1 + E_i)) + (1 - p) NB(alpha2,
    beta2/(beta2 + E_i))``; its log-likelihood summed over all pairs given is
    maximised with L-BFGS-B and the analytic gradient, over ``log alpha``,
    ``log beta`` in ``[log 1e-4, log 1e4]`` and ``logit p`` in
    ``[-log 1e4, log 1e4]``, from three fixed starting points (or from
    ``start``), keeping the best optimum. The objective is the mean
    log-likelihood per pair, and a run stops when an iteration improves it by
    less than 1e-12 of its value or the projected gradient is below 1e-9 (per
    pair): finer than any difference the data can resolve. With more than
    50,000 rows the starts are compared on a squashed copy of about 50,000
    rows (runs of pairs with the same ``a`` and neighbouring ``E`` merged,
    as DuMouchel & Pregibon 2001) and only the best is then refined on all
    rows. The result is deterministic.

    Args:
        a: observed counts per pair.
        expected: expected counts ``E`` per pair (same length).
        weights: how many pairs each row stands for (whole numbers >= 1;
            default 1): the rows may be the distinct ``(a, E)`` with their
            number of pairs, which gives the same fit as every pair listed
            (the likelihood is a sum over pairs) for less work.
        zero_truncated: fit the likelihood conditional on ``a >= 1`` to the
            pairs with ``a >= 1`` only. Use it when the counts list only the
            pairs that were reported (a sparse table): fitting the plain
            likelihood to those alone would ignore the zero cells and bias the
            prior upwards.
        start: one starting point ``(alpha1, beta1, alpha2, beta2, p)``
            instead of the defaults.

    Returns:
        A frozen :class:`GammaMixture`; ``n_pairs`` counts pairs (the sum of the weights).

    Raises:
        UsageError: lengths differ, values are negative, missing or not whole,
            weights are not whole numbers of 1 or more, or fewer than 5 pairs are
            left to fit.
    """
    a, expected = _check_pairs(a, expected)
    weights = _check_weights(weights, a.size)
    if zero_truncated:
        keep = a >= 1
        a, expected = a[keep], expected[keep]
        weights = None if weights is None else weights[keep]
    n_pairs = int(a.size if weights is None else np.sum(weights))
    if n_pairs < 5:
        raise UsageError(f"need at least 5 pairs to fit the gamma mixture prior, got {n_pairs}; "
                         "pass a prior (e.g. to ebgm or signals) or leave out 'ebgm'")
    bounds = [_LOG_BOUND] * 4 + [_LOGIT_BOUND]
    low, high = [b[0] for b in bounds], [b[1] for b in bounds]
    starts = [tuple(start)] if start is not None else list(_STARTS)
    for s in starts:
        if len(s) != 5 or min(s[:4]) <= 0 or not 0 < s[4] < 1:
            raise UsageError(f"start must be (alpha1, beta1, alpha2, beta2, p) with positive alphas and betas "
                             f"and 0 < p < 1, got {s!r}")

    def run(marginal, x0, ftol):
        def objective(theta):
            value, grad = marginal(theta)
            return -value / marginal.total, -grad / marginal.total

        with np.errstate(over="ignore", under="ignore"):
            return optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                     options={"maxiter": 1000, "ftol": ftol, "gtol": 1e-9})

    # every start is run on (a squashed copy of at most about _SQUASHED rows of) the data, and the best
    # optimum refined on all rows
    full = _Marginal(a, expected, zero_truncated, weights)
    if a.size <= _SQUASHED:
        stage = full
    else:
        few_a, few_expected, few_weights = _squash(a, expected, weights, _SQUASHED)
        stage = _Marginal(few_a, few_expected, zero_truncated, few_weights)
    trials = [run(stage, np.clip(np.r_[np.log(s[:4]), special.logit(s[4])], low, high), _FTOL) for s in starts]
    best = min(trials, key=lambda r: r.fun)
    if stage is not full:
        best = run(full, best.x, _FTOL_REFINE)
    # converged: L-BFGS-B reported convergence, or (it can end a converged run with an "abnormal" line
    # search when the objective's rounding noise exceeds ftol) the projected gradient is negligible
    # relative to the mean log-likelihood
    grad = np.asarray(best.jac, dtype="float64").copy()
    grad[(best.x <= np.array(low) + 1e-10) & (grad > 0)] = 0.0
    grad[(best.x >= np.array(high) - 1e-10) & (grad < 0)] = 0.0
    converged = bool(best.success) or float(np.max(np.abs(grad))) <= 1e-6 * max(1.0, abs(best.fun))
    a1, b1, a2, b2 = np.exp(best.x[:4])
    p = float(special.expit(best.x[4]))
    if a1 / b1 < a2 / b2:  # label component 1 as the one with the larger prior mean
        a1, b1, a2, b2, p = a2, b2, a1, b1, 1 - p
    return GammaMixture(float(a1), float(b1), float(a2), float(b2), p, loglik=float(-best.fun * full.total),
                        n_pairs=n_pairs, zero_truncated=zero_truncated, converged=bool(converged))


def _mixture_quantile(prob: float, q, s1, r1, s2, r2, *, max_iter: int = 100):
    """Quantile of ``q Gamma(s1, rate r1) + (1-q) Gamma(s2, rate r2)``.

    The root lies between the two component quantiles; it is found by a
    Newton iteration on ``log x`` safeguarded by bisection of that bracket.
    """
    x1 = special.gammaincinv(s1, prob) / r1
    x2 = special.gammaincinv(s2, prob) / r2
    tiny = np.finfo("float64").tiny
    lo = np.log(np.maximum(np.minimum(x1, x2), tiny))
    hi = np.log(np.maximum(np.maximum(x1, x2), tiny))
    t = np.where(q >= 0.5, np.log(np.maximum(x1, tiny)), np.log(np.maximum(x2, tiny)))
    out = t.copy()
    active = np.flatnonzero(hi - lo > 1e-13 * (1 + np.abs(hi)))
    lgs1, lgs2 = special.gammaln(s1), special.gammaln(s2)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ta, la, ha = out[active], lo[active], hi[active]
        qa, a1, b1, a2, b2 = q[active], s1[active], r1[active], s2[active], r2[active]
        x = np.exp(ta)
        f = qa * special.gammainc(a1, b1 * x) + (1 - qa) * special.gammainc(a2, b2 * x) - prob
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            slope = (qa * np.exp(special.xlogy(a1, b1 * x) - b1 * x - lgs1[active])
                     + (1 - qa) * np.exp(special.xlogy(a2, b2 * x) - b2 * x - lgs2[active]))
            la = np.where(f < 0, ta, la)
            ha = np.where(f > 0, ta, ha)
            step = ta - f / slope
        bad = ~np.isfinite(step) | (step <= la) | (step >= ha)
        new = np.where(bad, 0.5 * (la + ha), step)
        lo[active], hi[active] = la, ha
        done = (np.abs(new - ta) <= 1e-12 * (1 + np.abs(ta))) | (f == 0) | (ha - la <= 1e-13 * (1 + np.abs(ha)))
        out[active] = np.where(f == 0, ta, new)
        active = active[~done]
    return np.exp(out)


def posterior(a, expected, prior: GammaMixture):
    """Return ``(ebgm, eb05, eb95)`` arrays for observed ``a`` and expected ``E`` under ``prior``."""
    a1, b1, a2, b2, p = prior.as_tuple()

    def log_nb(alpha, beta):
        return (special.gammaln(alpha + a) - special.gammaln(alpha) - special.gammaln(a + 1)
                + alpha * (np.log(beta) - np.log(beta + expected))
                + special.xlogy(a, expected) - special.xlogy(a, beta + expected))

    q = special.expit(math.log(p) - math.log1p(-p) + log_nb(a1, b1) - log_nb(a2, b2))
    s1, r1, s2, r2 = a1 + a, b1 + expected, a2 + a, b2 + expected
    mean_log = q * (special.digamma(s1) - np.log(r1)) + (1 - q) * (special.digamma(s2) - np.log(r2))
    eb05 = _mixture_quantile(0.05, q, s1, r1, s2, r2)
    eb95 = _mixture_quantile(0.95, q, s1, r1, s2, r2)
    return np.exp(mean_log), eb05, eb95


def _resolve_truncation(zero_truncated: bool | None, a: np.ndarray) -> bool:
    if zero_truncated is None:
        return bool(a.size) and not np.any(a == 0)
    return bool(zero_truncated)


def ebgm(counts: pd.DataFrame, total=None, *, prior: GammaMixture | Sequence[float] | None = None,
         zero_truncated: bool | None = None, strata: str | None = None) -> pd.DataFrame:
    """Empirical Bayes geometric mean (DuMouchel 1999) with EB05 and EB95.

    For each pair the posterior of ``lambda`` is the mixture ``Q_i Gamma(alpha1 +
    a, rate beta1 + E) + (1 - Q_i) Gamma(alpha2 + a, rate beta2 + E)``, ``Q_i``
    the posterior weight of component 1. ``EBGM = exp(E[log lambda | a])``;
    ``eb05``/``eb95`` are the 5%/95% quantiles of that mixture, found by a
    safeguarded Newton root search on its CDF (relative accuracy ~1e-12).
    ``E`` is ``n_drug n_event / n`` or, with strata, ``sum_s n_drug_s n_event_s / n_s``.

    Args:
        counts, total, strata: see :func:`two_by_two`.
        prior: the gamma mixture (a :class:`GammaMixture` or ``(alpha1, beta1,
            alpha2, beta2, p)``); fitted to all pairs of ``counts`` by
            :func:`fit_gamma_mixture` when omitted.
        zero_truncated: passed to the fit; ``None`` (default) fits the zero-
            truncated likelihood when no pair has ``a = 0`` (counts that list
            only reported pairs) and the plain one otherwise.

    Returns:
        Identifier columns, ``a`` (int64), ``expected``, ``ebgm, eb05, eb95``,
        one row per pair; the prior used is in ``.attrs["gamma_mixture"]``.

    Raises:
        UsageError: bad counts or total, a malformed prior, or too few pairs
            to fit.
    """
    t = tables_of(counts, total, strata)
    prior = resolve_prior(prior, t.a, t.expected, zero_truncated)
    mean, low, high = posterior(t.a, t.expected, prior)
    out = frame_of(t, {"a": t.a.astype("int64"), "expected": t.expected, "ebgm": mean, "eb05": low, "eb95": high})
    out.attrs["gamma_mixture"] = prior
    return out


def resolve_prior(prior, a, expected, zero_truncated) -> GammaMixture:
    """Return ``prior`` as a :class:`GammaMixture`, fitted to ``a`` and ``expected`` when it is None.

    Raises:
        UsageError: a malformed prior, or too few pairs to fit one.
    """
    if prior is None:
        return fit_gamma_mixture(a, expected, zero_truncated=_resolve_truncation(zero_truncated, a))
    if isinstance(prior, GammaMixture):
        return prior
    values = tuple(float(v) for v in prior)
    if len(values) != 5 or min(values[:4]) <= 0 or not 0 < values[4] < 1:
        raise UsageError(f"prior must be (alpha1, beta1, alpha2, beta2, p) with positive alphas and betas "
                         f"and 0 < p < 1, got {prior!r}")
    return GammaMixture(*values)

