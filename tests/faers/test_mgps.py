"""EBGM (gamma-Poisson shrinker) fit and posterior, and cross-checks against vigipy on identical counts."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from il6analysis.errors import UsageError
from il6analysis.faers import mgps
from il6analysis.faers import statistics as dp

PRIOR = dp.GammaMixture(0.5, 0.25, 4.0, 4.5, 0.15)


def one(frame, column):
    return float(frame[column].iloc[0])


# ---------------------------------------------------------------------------
# EBGM
# ---------------------------------------------------------------------------



def test_ebgm_single_pair_against_direct_formula():
    # Posterior weight of component 1 from the NB marginals (scipy.stats.nbinom: n=alpha, p=beta/(beta+E)),
    # EBGM = exp(Q(psi(a1+a) - log(b1+E)) + (1-Q)(psi(a2+a) - log(b2+E))), EB05 by brentq on the mixture CDF.
    a, e = 7, 2.5
    f1 = stats.nbinom.pmf(a, PRIOR.alpha1, PRIOR.beta1 / (PRIOR.beta1 + e))
    f2 = stats.nbinom.pmf(a, PRIOR.alpha2, PRIOR.beta2 / (PRIOR.beta2 + e))
    q = PRIOR.p * f1 / (PRIOR.p * f1 + (1 - PRIOR.p) * f2)
    g1 = stats.gamma(PRIOR.alpha1 + a, scale=1 / (PRIOR.beta1 + e))
    g2 = stats.gamma(PRIOR.alpha2 + a, scale=1 / (PRIOR.beta2 + e))
    mean_log = q * (special.digamma(PRIOR.alpha1 + a) - math.log(PRIOR.beta1 + e)) + (1 - q) * (
        special.digamma(PRIOR.alpha2 + a) - math.log(PRIOR.beta2 + e))

    def quantile(p):
        return optimize.brentq(lambda x: q * g1.cdf(x) + (1 - q) * g2.cdf(x) - p, 1e-9, 1e3, xtol=1e-14, rtol=1e-14)

    # n_drug=25, n_event=100, n=1000 -> E = 2.5
    out = dp.ebgm(pd.DataFrame({"a": [a], "n_drug": [25], "n_event": [100]}), 1000, prior=PRIOR)
    assert one(out, "expected") == pytest.approx(e)
    assert one(out, "ebgm") == pytest.approx(math.exp(mean_log), rel=1e-12)
    assert one(out, "eb05") == pytest.approx(quantile(0.05), rel=1e-9)
    assert one(out, "eb95") == pytest.approx(quantile(0.95), rel=1e-9)
    assert out.attrs["gamma_mixture"] is PRIOR


def test_ebgm_one_gamma_when_components_coincide():
    # identical components: posterior Gamma(alpha + a, beta + E), EBGM = exp(psi(alpha + a)) / (beta + E)
    counts = pd.DataFrame({"a": [0, 1, 3, 50], "n_drug": [10, 10, 30, 500], "n_event": [20, 40, 40, 400]})
    out = dp.ebgm(counts, 1000, prior=(2.0, 1.5, 2.0, 1.5, 0.3))
    e = counts.n_drug * counts.n_event / 1000
    s, r = 2.0 + counts.a, 1.5 + e
    np.testing.assert_allclose(out.ebgm, np.exp(special.digamma(s)) / r, rtol=1e-12)
    np.testing.assert_allclose(out.eb05, stats.gamma.ppf(0.05, s, scale=1 / r), rtol=1e-10)
    np.testing.assert_allclose(out.eb95, stats.gamma.ppf(0.95, s, scale=1 / r), rtol=1e-10)


def simulate(prior, m, seed):
    rng = np.random.default_rng(seed)
    e = rng.lognormal(0.0, 1.2, m)
    first = rng.random(m) < prior.p
    lam = np.where(first, rng.gamma(prior.alpha1, 1 / prior.beta1, m), rng.gamma(prior.alpha2, 1 / prior.beta2, m))
    return rng.poisson(lam * e).astype(float), e


def loglik(prior, a, e, zero_truncated=False):
    theta = np.r_[np.log(prior.as_tuple()[:4]), special.logit(prior.p)]
    return mgps._Marginal(a, e, zero_truncated)(theta)[0]


@pytest.mark.slow
def test_fit_recovers_simulated_parameters():
    # 50,000 pairs from the prior PRIOR (component 1: mean 2, wide; component 2: mean 0.89, tight; p = 0.15)
    a, e = simulate(PRIOR, 50_000, seed=20240601)
    fit = dp.fit_gamma_mixture(a, e)
    assert fit.converged and fit.n_pairs == 50_000 and not fit.zero_truncated
    for got, want in zip(fit.as_tuple()[:4], PRIOR.as_tuple()[:4]):
        assert got == pytest.approx(want, rel=0.15)
    assert fit.p == pytest.approx(PRIOR.p, abs=0.03)
    assert fit.alpha1 / fit.beta1 == pytest.approx(2.0, rel=0.1)
    # a maximum: at least as likely as the true parameters, and loglik reported correctly
    assert fit.loglik >= loglik(PRIOR, a, e)
    assert fit.loglik == pytest.approx(loglik(fit, a, e), rel=1e-12)
    # deterministic
    assert dp.fit_gamma_mixture(a, e) == fit
    # the zero-truncated fit on the a >= 1 pairs alone recovers them too (~27,600 pairs)
    trunc = dp.fit_gamma_mixture(a, e, zero_truncated=True)
    assert trunc.zero_truncated and trunc.n_pairs == int((a >= 1).sum())
    for got, want in zip(trunc.as_tuple()[:4], PRIOR.as_tuple()[:4]):
        assert got == pytest.approx(want, rel=0.2)
    assert trunc.p == pytest.approx(PRIOR.p, abs=0.03)


def test_squashed_start_selection_reaches_the_same_optimum(monkeypatch):
    # above _SQUASHED rows the starts are compared on squashed data and the best refined on all pairs
    a, e = simulate(PRIOR, 50_000, seed=20240601)
    full = dp.fit_gamma_mixture(a, e)
    monkeypatch.setattr(mgps, "_SQUASHED", 2_000)
    calls = []
    real = mgps._Marginal.__call__
    monkeypatch.setattr(mgps._Marginal, "__call__", lambda self, theta: calls.append(self.a.size) or real(self, theta))
    quick = dp.fit_gamma_mixture(a, e)
    assert quick.converged and quick.n_pairs == 50_000
    assert min(calls) <= 2_100 and max(calls) == 50_000  # both stages ran
    assert quick.loglik == pytest.approx(full.loglik, rel=1e-9)
    np.testing.assert_allclose(quick.as_tuple(), full.as_tuple(), rtol=1e-3)


def test_squash_keeps_weights_and_weighted_mean_per_count():
    a = np.array([1.0, 1, 1, 1, 1, 2, 2, 7])
    e = np.array([0.5, 0.1, 0.3, 0.2, 0.4, 1.0, 3.0, 2.0])
    w = np.array([1.0, 2, 1, 1, 1, 1, 3, 1])
    few_a, few_e, few_w = mgps._squash(a, e, w, rows=4)  # runs of ceil(8 / 4) = 2 rows within each a
    np.testing.assert_array_equal(few_a, [1, 1, 1, 2, 7])
    np.testing.assert_array_equal(few_w, [3, 2, 1, 4, 1])  # (0.1 x2, 0.2), (0.3, 0.4), (0.5), (1.0, 3.0 x3), (2.0)
    np.testing.assert_allclose(few_e, [(0.2 + 0.2) / 3, 0.35, 0.5, 10 / 4, 2.0])
    assert few_w.sum() == w.sum() and (few_w * few_e).sum() == pytest.approx((w * e).sum())


def test_weighted_rows_fit_as_the_pairs_they_stand_for():
    # distinct (a, E) with their number of pairs give the same likelihood and fit as every pair listed
    a, e = simulate(PRIOR, 3_000, seed=11)
    e = np.round(e, 1) + 0.1  # make many pairs share (a, E)
    frame = pd.DataFrame({"a": a, "e": e}).groupby(["a", "e"]).size().reset_index(name="w")
    assert len(frame) < len(a) / 2
    theta = np.r_[np.log(PRIOR.as_tuple()[:4]), special.logit(PRIOR.p)]
    for truncated in (False, True):
        keep = (a >= 1) if truncated else np.ones(a.size, bool)
        rows = (frame.a >= 1) if truncated else np.ones(len(frame), bool)
        listed = mgps._Marginal(a[keep], e[keep], truncated)(theta)
        grouped = mgps._Marginal(frame.a[rows].to_numpy(), frame.e[rows].to_numpy(), truncated,
                                 frame.w[rows].to_numpy("float64"))(theta)
        assert grouped[0] == pytest.approx(listed[0], rel=1e-12)
        np.testing.assert_allclose(grouped[1], listed[1], rtol=1e-9)
    every = dp.fit_gamma_mixture(a, e, zero_truncated=True)
    weighted = dp.fit_gamma_mixture(frame.a, frame.e, weights=frame.w, zero_truncated=True)
    assert weighted.n_pairs == every.n_pairs == int((a >= 1).sum())
    assert weighted.loglik == pytest.approx(every.loglik, rel=1e-9)
    np.testing.assert_allclose(weighted.as_tuple(), every.as_tuple(), rtol=1e-3)


@pytest.mark.parametrize("weights, message", [([1, 1], "differ in length"), ([1, 0, 1], "whole numbers of 1 or more"),
                                               ([1, 1.5, 1], "whole numbers"), (["x", 1, 1], "numeric")])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(UsageError, match=message):
        dp.fit_gamma_mixture([1, 2, 3], [1.0, 1.0, 1.0], weights=weights)


def test_loglik_matches_scipy_nbinom():
    a, e = simulate(PRIOR, 300, seed=3)
    direct = np.log(PRIOR.p * stats.nbinom.pmf(a, PRIOR.alpha1, PRIOR.beta1 / (PRIOR.beta1 + e))
                    + (1 - PRIOR.p) * stats.nbinom.pmf(a, PRIOR.alpha2, PRIOR.beta2 / (PRIOR.beta2 + e)))
    assert loglik(PRIOR, a, e) == pytest.approx(direct.sum(), rel=1e-12)
    keep = a >= 1
    p0 = PRIOR.p * stats.nbinom.pmf(0, PRIOR.alpha1, PRIOR.beta1 / (PRIOR.beta1 + e)) + (1 - PRIOR.p) * \
        stats.nbinom.pmf(0, PRIOR.alpha2, PRIOR.beta2 / (PRIOR.beta2 + e))
    want = (direct - np.log1p(-p0))[keep].sum()
    assert loglik(PRIOR, a[keep], e[keep], zero_truncated=True) == pytest.approx(want, rel=1e-12)


def test_ebgm_auto_truncation():
    a, e = simulate(PRIOR, 2000, seed=5)
    counts = pd.DataFrame({"a": a, "n_drug": np.ceil(e * 100) + a, "n_event": 10_000})
    # with zero rows present: plain likelihood; with only reported pairs: zero-truncated
    assert not dp.ebgm(counts, 10**6).attrs["gamma_mixture"].zero_truncated
    assert dp.ebgm(counts[counts.a > 0], 10**6).attrs["gamma_mixture"].zero_truncated


# ---------------------------------------------------------------------------
# Cross-check against vigipy on identical counts
# ---------------------------------------------------------------------------

def synthetic(seed, n, low, high, drugs=25, events=40, zero_b=True):
    """Drug x event counts with margins in [low, high) from a mixture of relative reporting rates.

    Adds (when zero_b) one drug whose every report names a single event, so b = 0 for that pair.
    """
    rng = np.random.default_rng(seed)
    nd, ne = rng.integers(low, high, drugs), rng.integers(low, high, events)
    d, v = (x.ravel() for x in np.meshgrid(np.arange(drugs), np.arange(events), indexing="ij"))
    e = nd[d] * ne[v] / n
    lam = np.where(rng.random(e.size) < 0.1, rng.gamma(1, 3, e.size), rng.gamma(20, 1 / 20, e.size))
    a = np.minimum(rng.poisson(lam * e), np.minimum(nd[d], ne[v]))
    counts = pd.DataFrame({"drug": [f"d{i}" for i in d], "event": [f"e{j}" for j in v],
                           "a": a, "n_drug": nd[d], "n_event": ne[v]})
    if zero_b:
        counts = pd.concat([counts, pd.DataFrame({"drug": ["only"], "event": ["e0"], "a": [7], "n_drug": [7],
                                                  "n_event": [int(ne[0])]})], ignore_index=True)
    return counts[counts.a > 0].reset_index(drop=True)


def vigipy_container(counts, n):
    vigipy = pytest.importorskip("vigipy")
    data = pd.DataFrame({"events": counts.a.astype(float), "product_aes": counts.n_drug.astype(float),
                         "count_across_brands": counts.n_event.astype(float),
                         "ae_name": counts.event, "product_name": counts.drug})
    return vigipy, vigipy.DataContainer(data=data, N=n)


def joined(mine, theirs):
    out = mine.merge(theirs, left_on=["drug", "event"], right_on=["Product", "Adverse Event"], validate="1:1")
    assert len(out) == len(mine)
    return out


@pytest.mark.slow
def test_vigipy_ror_prr():
    # vigipy builds the same 2x2 table (n11 = a, n10 = n_drug - a, n01 = n_event - a, n00 = N - ...)
    # and the same Woolf / log-PRR CIs. Like with like: without correction only on zero-free tables
    # (vigipy then puts 1e-7 in zero cells instead of giving NaN); with correction only on tables that
    # have a zero cell (vigipy adds 0.5 only to those, haldane=True adds it to every table).
    n = 200_000
    counts = synthetic(7, n, 200, 20_000)
    vigipy, box = vigipy_container(counts, n)
    mine = dp.signals(counts, n, methods=["ror", "prr"])
    mine_h = dp.signals(counts, n, methods=["ror", "prr"], haldane=True)
    zero = (mine[list("abcd")] == 0).any(axis=1).to_numpy()
    assert zero.sum() >= 1 and (~zero).sum() > 900
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method, col in (("ror", "ROR"), ("prr", "PRR")):
            raw = joined(mine, getattr(vigipy, method)(box, min_events=1, continuity_correction=False).all_signals)
            cor = joined(mine_h, getattr(vigipy, method)(box, min_events=1, continuity_correction=True).all_signals)
            raw_z = (raw[list("abcd")] == 0).any(axis=1)
            cor_z = (cor[list("abcd")] == 0).any(axis=1)
            for ours, theirs in ((method, col), (f"{method}_low", "CI Lower"), (f"{method}_high", "CI Upper")):
                np.testing.assert_allclose(raw.loc[~raw_z, ours], raw.loc[~raw_z, theirs], rtol=1e-12)
                np.testing.assert_allclose(cor.loc[cor_z, ours], cor.loc[cor_z, theirs], rtol=1e-12)
            np.testing.assert_allclose(raw["expected"], raw["Expected Count"], rtol=1e-12)


def test_vigipy_ic():
    # vigipy's BCPNN (non-MC) is a different IC: the Gould/Noren Dirichlet-prior estimate, whose lower bound
    # is a *normal* 2.5% quantile with variance ~ 1/a + 1/n_drug + 1/n_event (marginal uncertainty added),
    # and it reports only that bound ("quantile"), not the IC. Ours is log2 of the exact Gamma(a + 0.5,
    # E + 0.5) quantile. Both tend to log2(a/E) - 1.96/(ln 2 sqrt(a)), differing by O(1/a) (normal vs gamma
    # quantile, +0.5 vs Dirichlet priors) and by the marginal variance, which is negligible when the margins
    # are much larger than a (here a <= 5% of n_drug and n_event, as for most pharmacovigilance pairs).
    # Tolerance: |IC025_ours - IC025_vigipy| <= 2 / min(a, E) bits, for min(a, E) >= 5; expected counts
    # identical to 1e-12.
    n = 10_000_000
    counts = synthetic(7, n, 2000, 60_000, zero_b=False)
    vigipy, box = vigipy_container(counts, n)
    mine = dp.information_component(counts, n)
    both = joined(mine, vigipy.bcpnn(box, min_events=1).all_signals)
    np.testing.assert_allclose(both["expected"], both["Expected Count"], rtol=1e-12)
    assert (both.a / both["product margin"]).max() < 0.05
    k = np.minimum(both.a, both.expected)
    use = k >= 5
    assert use.sum() > 900
    gap = (both.ic025 - both["quantile"]).abs()
    assert (gap[use] <= 2 / k[use]).all()
    assert gap[k >= 100].max() < 0.02


@pytest.mark.slow
def test_vigipy_ebgm():
    # Same prior on both sides (ours fitted, passed to vigipy.gps as prior_param): EBGM compared at 1e-9;
    # EB05/EB95: vigipy stops its bisection when |F(x) - p| < 1e-5, so its quantiles must satisfy our mixture
    # CDF to 1e-5 and agree with ours to 1e-3 relative (ours solve F(x) = p to ~1e-12).
    # The fit: vigipy's zero-truncated likelihood (truncate=True, truncate_thres=1) evaluated at our estimate
    # equals our -loglik to 1e-10, and our maximum is at least as high as vigipy's own Nelder-Mead optimum.
    from vigipy.GPS.GPS import truncated_likelihood

    n = 200_000
    counts = synthetic(11, n, 200, 20_000)
    vigipy, box = vigipy_container(counts, n)
    mine = dp.ebgm(counts, n)  # no a = 0 rows -> zero-truncated fit
    prior = mine.attrs["gamma_mixture"]
    assert prior.zero_truncated and prior.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = vigipy.gps(box, min_events=1, prior_param=list(prior.as_tuple())).all_signals
        own = vigipy.gps(box, min_events=1, truncate=True, truncate_thres=1)
    both = joined(mine, theirs)
    np.testing.assert_allclose(both.ebgm, both.EBGM, rtol=1e-9)
    np.testing.assert_allclose(both.eb05, both.LowerBound, rtol=1e-3)
    np.testing.assert_allclose(both.eb95, both.UpperBound, rtol=1e-3)
    a1, b1, a2, b2, p = prior.as_tuple()
    for prob, col in ((0.05, "LowerBound"), (0.95, "UpperBound")):
        x = both[col].to_numpy()
        # our posterior weight, recomputed from the marginal likelihoods
        aa, ee = both.a.to_numpy(float), both.expected.to_numpy()
        l1 = stats.nbinom.logpmf(aa, a1, b1 / (b1 + ee))
        l2 = stats.nbinom.logpmf(aa, a2, b2 / (b2 + ee))
        q = special.expit(math.log(p / (1 - p)) + l1 - l2)
        cdf = q * special.gammainc(a1 + aa, (b1 + ee) * x) + (1 - q) * special.gammainc(a2 + aa, (b2 + ee) * x)
        assert np.abs(cdf - prob).max() < 1e-5
    a, e = counts.a.to_numpy(float), mine.expected.to_numpy()
    assert truncated_likelihood(np.array(prior.as_tuple()), a, e, 0) == pytest.approx(-prior.loglik, rel=1e-10)
    assert -truncated_likelihood(np.asarray(own.params["prior_param"], float), a, e, 0) <= prior.loglik + 1e-6
