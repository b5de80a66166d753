"""Honest signal tables: no EBGM signal without a report, the rule behind each signal named, zero-cell pairs
counted, a prior that did not converge reported."""

from pathlib import Path

import pandas as pd

from il6analysis.faers import display
from il6analysis.faers import statistics as dp

# a prior whose first component alone has a high, tight mean (alpha 50 / beta 10 = 5): with no report and a
# tiny expected count the posterior is the prior, whose 5% quantile is far above 2
HIGH_PRIOR = dp.GammaMixture(50.0, 10.0, 1.0, 1.0, 0.99)


def test_signal_ebgm_needs_a_report():
    counts = pd.DataFrame({"pair": ["none", "one"], "a": [0, 1], "n_drug": [1, 1], "n_event": [1, 2]})
    found = dp.signals(counts, 10_000, methods=["ebgm"], prior=HIGH_PRIOR, min_cases=0).set_index("pair")
    assert found.loc["none", "eb05"] >= 2 and found.loc["one", "eb05"] >= 2  # the prior alone is "strong"
    assert not found.loc["none", "signal_ebgm"] and found.loc["one", "signal_ebgm"]


def frame(**columns):
    base = {"agent_id": ["tocilizumab"] * 3, "pt": ["Alpha", "Beta", "Gamma"], "a": [5, 4, 3],
            "expected": [1.0, 1.0, 1.0], "ror": [9.0, 4.0, float("nan")], "ror_low": [2.5, 0.8, float("nan")],
            "ror_high": [30.0, 20.0, float("nan")], "signal_ror": [True, False, False],
            "signal_prr": [True, False, True], "signal_ic": [False, False, False], "signal_ebgm": [False] * 3}
    return pd.DataFrame({**base, **columns})


def test_terminal_table_names_the_rules_and_counts_zero_cell_pairs():
    rows, notes = display.signal_view(frame(), ["ror"])
    assert list(rows.columns[:7]) == ["Agent", "Preferred term", "Reports (a)", "Expected", "ROR", "ROR low",
                                      "ROR high"]
    assert rows["Preferred term"].tolist() == ["Alpha", "Beta"]  # Gamma has no ROR interval (a zero cell)
    assert rows["Flagged by"].tolist() == ["ROR, PRR", "-"]
    assert notes[0].startswith("Flagged by: ROR = ROR lower 95% bound > 1 and a >= 3; PRR = PRR >= 2")
    assert notes[1].startswith("1 pair(s) with a zero cell have no ROR interval and were left out of the ranking "
                               "(tocilizumab 1)")


def test_a_prior_that_did_not_converge_is_said():
    table = frame()
    table.attrs["gamma_mixture"] = dp.GammaMixture(1, 1, 1, 1, 0.5, converged=False)
    _, notes = display.signal_view(table, ["ror"])
    assert notes[-1] == "the EBGM prior fit did not converge: EBGM, EB05 and EB95 are uncertain."
    table.attrs["gamma_mixture"] = dp.GammaMixture(1, 1, 1, 1, 0.5)
    assert not any("converge" in note for note in display.signal_view(table, ["ror"])[1])


def test_indication_and_case_depth_columns_are_shown_when_present():
    rows, notes = display.signal_view(frame(indication=["curated indication: Alpha", "", ""],
                                            share_serious=[0.5, 1.0, 0.0], onset_median=[12.0, None, None]),
                                      ["ror"])
    assert rows["Indication"].tolist() == ["yes", ""] and rows["Serious %"].tolist() == [50.0, 100.0]
    assert rows["Onset median (days)"].iloc[0] == 12.0
    assert notes[-1] == "Indication = yes: the term is the agent's own indication, not a side effect."


def test_a_by_year_row_before_the_first_report_is_no_ebgm_signal(tmp_path, monkeypatch):
    """Sarilumab is first reported with neutropenia in 2100: its 2099 row has a = 0 and, under a prior whose
    mass sits far above 2, an EB05 above 2 all the same; only the 2100 row is a signal."""
    from il6analysis.faers import signals
    from il6analysis.faers.ingest import add_quarter

    fixtures = Path(__file__).parent.parent / "fixtures" / "faers"
    add_quarter(tmp_path / "s", fixtures / "hand_made_2099q1")
    later = tmp_path / "q"
    later.mkdir()
    (later / "DEMO99Q4.txt").write_text("primaryid$caseid$caseversion$sex$fda_dt\n500$500$1$M$21000115\n")
    (later / "DRUG99Q4.txt").write_text("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai\n500$500$1$PS$KEVZARA$\n")
    (later / "REAC99Q4.txt").write_text("primaryid$caseid$pt\n500$500$Neutropenia\n")
    add_quarter(tmp_path / "s", later)  # quarter 2099Q4, received in 2100
    both_high = dp.GammaMixture(50.0, 10.0, 80.0, 10.0, 0.5)  # every ratio near 5 or 8 before any report
    monkeypatch.setattr(signals, "fit_gamma_mixture", lambda *args, **options: both_high)
    series = signals.signal_series(tmp_path / "s", agents=["sarilumab"], terms=["neutropenia"], min_cases=1,
                                   methods=["ebgm"]).set_index("year")
    assert series["a"].tolist() == [0, 1] and (series["eb05"] >= 2).all()
    assert series["signal_ebgm"].tolist() == [False, True]
