"""Disproportionality statistics: hand-worked 2x2 tables, textbook Mantel-Haenszel, signal rules, bad input."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from il6analysis.faers import statistics as dp

Z = 1.959963984540054
PRIOR = dp.GammaMixture(0.5, 0.25, 4.0, 4.5, 0.15)


def table(a, b, c, d, **extra):
    """One-row counts frame for the 2x2 table a, b, c, d (n = a + b + c + d)."""
    return pd.DataFrame({"a": [a], "n_drug": [a + b], "n_event": [a + c], **{k: [v] for k, v in extra.items()}})


def one(frame, column):
    return float(frame[column].iloc[0])


# ---------------------------------------------------------------------------
# Hand-worked 2x2 tables
# ---------------------------------------------------------------------------

# Table T1: a=10, n_drug=100, n_event=50, n=1000  ->  b=90, c=40, d=1000-10-90-40=860
T1 = dict(a=10, b=90, c=40, d=860)


def test_two_by_two_cells():
    counts = pd.DataFrame({"drug": ["x", "y"], "a": [10, 5], "n_drug": [100, 5], "n_event": [50, 25]})
    out = dp.two_by_two(counts, 1000)
    assert list(out.columns) == ["drug", "a", "b", "c", "d"]
    # y: b = 5-5 = 0, c = 25-5 = 20, d = 1000-5-0-20 = 975
    assert out[list("abcd")].to_numpy().tolist() == [[10, 90, 40, 860], [5, 0, 20, 975]]
    assert (out.dtypes[list("abcd")] == "int64").all()


def test_ror_hand_worked():
    # ROR = (a d)/(b c) = (10*860)/(90*40) = 8600/3600 = 2.388889
    # SE(ln ROR) = sqrt(1/10 + 1/90 + 1/40 + 1/860) = sqrt(0.1 + 0.011111 + 0.025 + 0.0011628)
    #            = sqrt(0.1372739) = 0.370505;  1.959964 * 0.370505 = 0.726177
    # CI = 2.388889 * exp(-/+0.726177) = 2.388889 * (0.483758, 2.067194) = (1.155637, 4.938219)
    out = dp.ror(table(**T1), 1000)
    assert one(out, "ror") == pytest.approx(2.388889, rel=1e-6)
    assert one(out, "ror_low") == pytest.approx(1.155637, rel=1e-6)
    assert one(out, "ror_high") == pytest.approx(4.938219, rel=1e-6)


def test_prr_and_chi2_hand_worked():
    # PRR = (a/(a+b)) / (c/(c+d)) = (10/100)/(40/900) = 0.1/0.0444444 = 2.25
    # Var(ln PRR) = 1/10 - 1/100 + 1/40 - 1/900 = 0.1 - 0.01 + 0.025 - 0.0011111 = 0.1138889
    # SE = 0.337474; 1.959964*SE = 0.661437; CI = 2.25 * exp(-/+0.661437) = (1.161245, 4.359545)
    # chi2 (Pearson, no Yates) = n (ad - bc)^2 / ((a+b)(c+d)(a+c)(b+d))
    #      = 1000 (8600 - 3600)^2 / (100 * 900 * 50 * 950) = 2.5e10 / 4.275e9 = 5.847953
    # Yates: n (|ad - bc| - n/2)^2 / ... = 1000 (5000 - 500)^2 / 4.275e9 = 2.025e10 / 4.275e9 = 4.736842
    out = dp.prr(table(**T1), 1000)
    assert one(out, "prr") == pytest.approx(2.25, rel=1e-12)
    assert one(out, "prr_low") == pytest.approx(1.161245, rel=1e-6)
    assert one(out, "prr_high") == pytest.approx(4.359545, rel=1e-6)
    assert one(out, "chi2") == pytest.approx(5.847953, rel=1e-6)
    assert one(dp.prr(table(**T1), 1000, yates=True), "chi2") == pytest.approx(4.736842, rel=1e-6)
    # and scipy's chi2_contingency agrees on both versions
    obs = np.array([[10, 90], [40, 860]])
    assert one(out, "chi2") == pytest.approx(stats.chi2_contingency(obs, correction=False)[0], rel=1e-12)
    assert one(dp.prr(table(**T1), 1000, yates=True), "chi2") == pytest.approx(
        stats.chi2_contingency(obs, correction=True)[0], rel=1e-12)


def test_prr_defined_when_b_is_zero_and_ror_is_not():
    # a=5, b=0, c=20, d=975 (n_drug = 5 = a, n_event = 25, n = 1000)
    # PRR = (5/5)/(20/995) = 49.75; Var = 1/5 - 1/5 + 1/20 - 1/995 = 0.05 - 0.001005 = 0.048995
    # SE = 0.221348; CI = 49.75 * exp(-/+1.959964*0.221348) = (32.238977, 76.772365)
    # ROR = a d/(b c) divides by b = 0 -> NaN without correction.
    # chi2 = 1000 (5*975 - 0*20)^2 / (5 * 995 * 25 * 975) = 195.979899
    t = table(5, 0, 20, 975)
    p = dp.prr(t, 1000)
    assert one(p, "prr") == pytest.approx(49.75, rel=1e-12)
    assert one(p, "prr_low") == pytest.approx(32.238977, rel=1e-6)
    assert one(p, "prr_high") == pytest.approx(76.772365, rel=1e-6)
    assert one(p, "chi2") == pytest.approx(195.979899, rel=1e-6)
    r = dp.ror(t, 1000)
    assert math.isnan(one(r, "ror")) and math.isnan(one(r, "ror_low")) and math.isnan(one(r, "ror_high"))


def test_prr_defined_when_d_is_zero():
    # a=2, b=3, c=5, d=0, n=10: PRR = (2/5)/(5/5) = 0.4; Var = 1/2 - 1/5 + 1/5 - 1/5 = 0.3
    # ROR = a d/(b c) = 0/15 = 0 (defined), but its CI needs d > 0 -> NaN
    t = table(2, 3, 5, 0)
    p = dp.prr(t, 10)
    assert one(p, "prr") == pytest.approx(0.4)
    assert one(p, "prr_low") == pytest.approx(0.4 * math.exp(-Z * math.sqrt(0.3)))
    r = dp.ror(t, 10)
    assert one(r, "ror") == 0.0 and math.isnan(one(r, "ror_low"))


def test_zero_cells_with_haldane():
    # a=5, b=0, c=20, d=975 + 0.5 everywhere -> 5.5, 0.5, 20.5, 975.5
    # ROR = 5.5*975.5/(0.5*20.5) = 5365.25/10.25 = 523.439024
    # SE = sqrt(1/5.5 + 1/0.5 + 1/20.5 + 1/975.5) = sqrt(0.181818 + 2 + 0.048780 + 0.001025) = 1.493862
    # CI = 523.439024 * exp(-/+2.927915) = (28.008408, 9782.362876)
    # PRR = (5.5/6)/(20.5/996) = 44.536585; SE = sqrt(1/5.5 - 1/6 + 1/20.5 - 1/996) = 0.250855
    t = table(5, 0, 20, 975)
    r = dp.ror(t, 1000, haldane=True)
    assert one(r, "ror") == pytest.approx(523.439024, rel=1e-6)
    assert one(r, "ror_low") == pytest.approx(28.008408, rel=1e-6)
    assert one(r, "ror_high") == pytest.approx(9782.362876, rel=1e-6)
    p = dp.prr(t, 1000, haldane=True)
    assert one(p, "prr") == pytest.approx(44.536585, rel=1e-6)
    assert one(p, "prr_low") == pytest.approx(27.238875, rel=1e-6)
    assert one(p, "prr_high") == pytest.approx(72.818992, rel=1e-6)
    # reported cells stay the observed ones, and chi2 uses them
    assert (r[list("abcd")].to_numpy() == [[5, 0, 20, 975]]).all()
    assert one(p, "chi2") == pytest.approx(195.979899, rel=1e-6)


def test_a_zero_with_and_without_haldane():
    # a=0, b=50, c=30, d=920: ROR = 0*920/(50*30) = 0, PRR = 0/(30/950) = 0, both CIs NaN (log 0).
    # Haldane: ROR = 0.5*920.5/(50.5*30.5) = 460.25/1540.25 = 0.298815
    #          PRR = (0.5/51)/(30.5/951) = 0.305689
    t = table(0, 50, 30, 920)
    r, p = dp.ror(t, 1000), dp.prr(t, 1000)
    assert one(r, "ror") == 0.0 and math.isnan(one(r, "ror_low"))
    assert one(p, "prr") == 0.0 and math.isnan(one(p, "prr_high"))
    assert one(dp.ror(t, 1000, haldane=True), "ror") == pytest.approx(0.298815, rel=1e-5)
    assert one(dp.prr(t, 1000, haldane=True), "prr") == pytest.approx(0.305689, rel=1e-5)


def test_haldane_applies_to_every_table():
    # A table without zeros is corrected too: ROR = 10.5*860.5/(90.5*40.5) = 9035.25/3665.25 = 2.465111
    assert one(dp.ror(table(**T1), 1000, haldane=True), "ror") == pytest.approx(9035.25 / 3665.25, rel=1e-12)


# ---------------------------------------------------------------------------
# Information component
# ---------------------------------------------------------------------------

def test_ic_hand_worked():
    # T1: E = n_drug n_event / n = 100*50/1000 = 5
    # IC = log2((10 + 0.5)/(5 + 0.5)) = log2(1.909091) = 0.932886
    # approx interval, x = 10.5: x^-1/2 = 0.308607, x^-3/2 = 0.029391
    #   IC025 = 0.932886 - 3.3*0.308607 - 2*0.029391 = -0.144299
    #   IC975 = 0.932886 + 2.4*0.308607 - 0.5*0.029391 = 1.658846
    # exact interval: Gamma(10.5, rate 5.5) quantiles = chi2(21 df) quantiles / (2*5.5)
    out = dp.information_component(table(**T1), 1000, interval="approx")
    assert one(out, "expected") == pytest.approx(5.0)
    assert one(out, "ic") == pytest.approx(0.932886, abs=1e-6)
    assert one(out, "ic025") == pytest.approx(-0.144299, abs=1e-6)
    assert one(out, "ic975") == pytest.approx(1.658846, abs=1e-6)
    exact = dp.information_component(table(**T1), 1000)
    assert one(exact, "ic025") == pytest.approx(math.log2(stats.chi2.ppf(0.025, 21) / 11), abs=1e-10)
    assert one(exact, "ic975") == pytest.approx(math.log2(stats.chi2.ppf(0.975, 21) / 11), abs=1e-10)


def test_ic_a_zero_is_finite_and_approx_close_to_exact():
    # a=0, E=0.5: IC = log2(0.5/1) = -1
    out = dp.information_component(table(0, 10, 50, 940), 1000)
    assert one(out, "ic") == pytest.approx(-1.0)
    assert np.isfinite(out[["ic025", "ic975"]].to_numpy()).all()
    # the closed form tracks the exact gamma quantiles within 0.06 bits for a >= 1
    a = np.arange(1, 400)
    counts = pd.DataFrame({"a": a, "n_drug": a + 1000, "n_event": a + 500})
    ex = dp.information_component(counts, 10**6)
    ap = dp.information_component(counts, 10**6, interval="approx")
    assert np.abs(ex[["ic025", "ic975"]].to_numpy() - ap[["ic025", "ic975"]].to_numpy()).max() < 0.06


# ---------------------------------------------------------------------------
# Mantel-Haenszel
# ---------------------------------------------------------------------------

def test_mh_equals_crude_with_one_stratum():
    # One stratum: Var_RGB = P/(2R)*2 + Q/(2S)*2 = (a+d)/(ad) + (b+c)/(bc) = 1/a+1/b+1/c+1/d (Woolf)
    counts = table(**T1, drug="x", event="e", stratum="all")
    mh = dp.mantel_haenszel_ror(counts, {"all": 1000})
    crude = dp.ror(table(**T1), 1000)
    for col in ("ror", "ror_low", "ror_high"):
        assert one(mh, col) == pytest.approx(one(crude, col), rel=1e-12)
    # without a stratum column every row is its own one-stratum pair
    plain = dp.mantel_haenszel_ror(table(**T1), 1000)
    assert one(plain, "ror_low") == pytest.approx(one(crude, "ror_low"), rel=1e-12)


PENICILLIN = [  # (level, a, b, c, d): immediate/delayed x cured/died, Agresti CDA Table 6.7 (Mantel 1963)
    ("1/8", 0, 6, 0, 5), ("1/4", 3, 3, 0, 6), ("1/2", 6, 0, 2, 4), ("1", 5, 1, 6, 0), ("4", 2, 0, 5, 0)]


def test_mh_textbook_penicillin():
    # R = ad/n, S = bc/n per stratum:
    #   1/8: R=0,          S=0      1/4: R=18/12=1.5, S=0     1/2: R=24/12=2, S=0
    #   1:   R=0,          S=6/12=0.5                         4:   R=0,        S=0
    # ROR_MH = 3.5 / 0.5 = 7.0 (the textbook value)
    # RGB: sum PR = 0.75*1.5 + (10/12)*2 = 2.791667; sum(PS+QR) = 0.25*1.5 + (2/12)*2 + (5/12)*0.5 = 0.916667;
    #      sum QS = (7/12)*0.5 = 0.291667
    #      Var = 2.791667/(2*3.5^2) + 0.916667/(2*3.5*0.5) + 0.291667/(2*0.5^2)
    #          = 0.113946 + 0.261905 + 0.583333 = 0.959184; SE = 0.979379
    #      CI = 7 * exp(-/+1.959964*0.979379) = (1.026713, 47.725133)
    rows = [dict(pair="pen", stratum=s, a=a, n_drug=a + b, n_event=a + c) for s, a, b, c, d in PENICILLIN]
    totals = {s: a + b + c + d for s, a, b, c, d in PENICILLIN}
    out = dp.mantel_haenszel_ror(pd.DataFrame(rows), totals)
    assert len(out) == 1 and one(out, "n_strata") == 5
    assert one(out, "ror") == pytest.approx(7.0, rel=1e-12)
    assert one(out, "ror_low") == pytest.approx(1.026713, rel=1e-6)
    assert one(out, "ror_high") == pytest.approx(47.725133, rel=1e-6)
    # independent implementation: statsmodels' StratifiedTable (installed with vigipy)
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    st = sm.StratifiedTable([np.array([[a, b], [c, d]]) for _, a, b, c, d in PENICILLIN])
    assert one(out, "ror") == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    low, high = st.oddsratio_pooled_confint()
    assert (one(out, "ror_low"), one(out, "ror_high")) == (pytest.approx(low, rel=1e-10), pytest.approx(high, rel=1e-10))


def test_stratified_expected_and_signals():
    # pair (x, e) in two strata:
    #   F: a=4, n_drug=40, n_event=100, n=1000 -> E_F = 40*100/1000 = 4.0;  b=36, c=96, d=864
    #   M: a=6, n_drug=10, n_event=300, n=2000 -> E_M = 10*300/2000 = 1.5;  b=4, c=294, d=1696
    # E = 5.5; crude a,b,c,d = 10, 40, 390, 2560; IC = log2(10.5/6.0) = 0.807355
    # MH: R = 4*864/1000 + 6*1696/2000 = 3.456 + 5.088 = 8.544; S = 36*96/1000 + 4*294/2000 = 3.456 + 0.588
    #     = 4.044; ROR_MH = 8.544/4.044 = 2.112760
    counts = pd.DataFrame({"drug": ["x", "x"], "event": ["e", "e"], "stratum": ["F", "M"],
                           "a": [4, 6], "n_drug": [40, 10], "n_event": [100, 300]})
    totals = {"F": 1000, "M": 2000}
    with pytest.raises(ValueError, match="at least 5 pairs"):  # one pair cannot fit the EBGM prior
        dp.signals(counts, totals)
    out = dp.signals(counts, totals, prior=PRIOR)
    assert list(out.columns) == ["drug", "event", *dp.COLUMNS, *dp.RULE_COLUMNS]
    assert out[list("abcd")].to_numpy().tolist() == [[10, 40, 390, 2560]]
    assert one(out, "expected") == pytest.approx(5.5)
    assert one(out, "ic") == pytest.approx(math.log2(10.5 / 6.0))
    assert one(out, "ror") == pytest.approx(8.544 / 4.044, rel=1e-12)
    # crude PRR on the summed table: (10/50)/(390/2950)
    assert one(out, "prr") == pytest.approx((10 / 50) / (390 / 2950), rel=1e-12)
    # totals as an `n` column give the same
    with_n = counts.assign(n=[1000, 2000])
    pd.testing.assert_frame_equal(dp.signals(with_n, prior=PRIOR), out)
    assert one(dp.ebgm(counts, totals, prior=(0.2, 0.1, 2, 4, 1 / 3)), "expected") == pytest.approx(5.5)


# ---------------------------------------------------------------------------
# signals() and input validation
# ---------------------------------------------------------------------------

def test_signals_columns_rules_and_filter():
    counts = pd.DataFrame({"drug": ["x", "x", "y", "z"], "event": ["e", "f", "e", "e"],
                           "a": [10, 0, 2, 30], "n_drug": [100, 100, 20, 60], "n_event": [50, 30, 50, 100]})
    out = dp.signals(counts, 1000, prior=PRIOR)
    assert list(out.columns) == ["drug", "event", *dp.COLUMNS, *dp.RULE_COLUMNS]
    assert list(out.index) == [0, 2, 3]  # min_cases=1 drops a = 0; index kept
    assert out.signal_prr.dtype == bool
    # x/e is T1: PRR 2.25, chi2 5.85, a=10 -> Evans signal; y/e has a=2 < 3 -> no PRR signal
    assert out.loc[0, "signal_prr"] and not out.loc[2, "signal_prr"]
    assert (out.signal_ic == (out.ic025 > 0)).all() and (out.signal_ebgm == (out.eb05 >= 2)).all()
    only = dp.signals(counts, 1000, methods=["prr"], min_cases=3)
    assert list(only.columns) == list(out.columns) and list(only.index) == [0, 3]
    assert only.ror.isna().all() and only.ebgm.isna().all() and not only.signal_ic.any()
    pd.testing.assert_series_equal(only.prr, out.prr.loc[[0, 3]])


def test_signals_agrees_with_single_functions():
    counts = pd.DataFrame({"a": [10, 3, 5], "n_drug": [100, 20, 20], "n_event": [50, 50, 30]})
    out = dp.signals(counts, 1000, haldane=True, prior=PRIOR)
    pd.testing.assert_series_equal(out.ror, dp.ror(counts, 1000, haldane=True).ror)
    pd.testing.assert_series_equal(out.prr_low, dp.prr(counts, 1000, haldane=True).prr_low)
    pd.testing.assert_series_equal(out.ic025, dp.information_component(counts, 1000).ic025)
    pd.testing.assert_series_equal(out.eb05, dp.ebgm(counts, 1000, prior=PRIOR).eb05)


@pytest.mark.parametrize("counts, total, message", [
    (pd.DataFrame({"a": [1], "n_drug": [5]}), 100, "missing column"),
    (pd.DataFrame({"a": [-1], "n_drug": [5], "n_event": [5]}), 100, "negative"),
    (pd.DataFrame({"a": [6], "n_drug": [5], "n_event": [9]}), 100, "a > n_drug"),
    (pd.DataFrame({"a": [6], "n_drug": [9], "n_event": [5]}), 100, "a > n_event"),
    (pd.DataFrame({"a": [1], "n_drug": [60], "n_event": [60]}), 100, "d < 0"),
    (pd.DataFrame({"a": [1.5], "n_drug": [5], "n_event": [5]}), 100, "non-integer"),
    (pd.DataFrame({"a": [np.nan], "n_drug": [5], "n_event": [5]}), 100, "missing or infinite"),
    (pd.DataFrame({"a": ["1"], "n_drug": [5], "n_event": [5]}), 100, "numeric"),
    (pd.DataFrame({"a": [1], "n_drug": [5], "n_event": [5]}), None, "no total"),
    (pd.DataFrame({"a": [1], "n_drug": [5], "n_event": [5], "n": [100]}), 100, "not both"),
    (pd.DataFrame({"a": [1, 1], "n_drug": [5, 5], "n_event": [5, 5], "n": [100, 200]}), None, "differs"),
    (pd.DataFrame({"a": [1], "n_drug": [5], "n_event": [5]}), 0, "positive"),
    (pd.DataFrame({"a": [1], "n_drug": [5], "n_event": [5]}), {"F": 10}, "stratum column"),
    (pd.DataFrame({"k": [1], "stratum": ["F"], "a": [1], "n_drug": [5], "n_event": [5]}), 100, "per stratum"),
    (pd.DataFrame({"k": [1], "stratum": ["F"], "a": [1], "n_drug": [5], "n_event": [5]}), {"M": 10}, "no total"),
    ("not a frame", 100, "DataFrame"),
])
def test_bad_input_raises(counts, total, message):
    with pytest.raises(ValueError, match=message):
        dp.signals(counts, total)


def test_more_bad_input():
    t = table(**T1)
    with pytest.raises(ValueError, match="unknown method"):
        dp.signals(t, 1000, methods=["ror", "gps"])
    with pytest.raises(ValueError, match="min_cases"):
        dp.signals(t, 1000, min_cases=-1)
    with pytest.raises(ValueError, match="interval"):
        dp.information_component(t, 1000, interval="normal")
    strat = pd.DataFrame({"pair": ["p", "p"], "stratum": ["F", "F"], "a": [1, 1], "n_drug": [5, 5], "n_event": [5, 5]})
    with pytest.raises(ValueError, match="more than one row"):
        dp.mantel_haenszel_ror(strat, {"F": 100})
    with pytest.raises(ValueError, match="identifier"):
        dp.signals(strat.drop(columns="pair"), {"F": 100})
    with pytest.raises(ValueError, match="mantel_haenszel_ror"):
        dp.ror(strat.iloc[:1], {"F": 100})
    with pytest.raises(ValueError, match="prior"):
        dp.ebgm(t, 1000, prior=(1, 1, 1, 1, 1.5))
    with pytest.raises(ValueError, match="at least 5"):
        dp.fit_gamma_mixture([1, 2], [1.0, 1.0])
    with pytest.raises(ValueError, match="differ in length"):
        dp.fit_gamma_mixture([1, 2, 3], [1.0, 1.0])
    with pytest.raises(ValueError, match="expected count 0"):
        dp.fit_gamma_mixture([1] * 6, [0.0] * 6)


def test_gamma_mixture_is_frozen():
    with pytest.raises(AttributeError):
        PRIOR.alpha1 = 3.0


