"""FAERS disproportionality over a store, checked against 2x2 tables worked out by hand."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import StoreError, UsageError
from il6analysis.faers import counts, signals, tables
from il6analysis.faers.ingest import add_quarter
from il6analysis.faers.statistics import ebgm

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
HAND_MADE = DATA / "hand_made_2099q1"  # ten reports; see its PROVENANCE.md
Z = 1.959963984540054


def row(table: pd.DataFrame, agent: str, pt: str) -> pd.Series:
    return table[(table["agent_id"] == agent) & (table["pt"] == pt)].iloc[0]


def cells(found: pd.Series) -> tuple[int, int, int, int]:
    return tuple(int(found[k]) for k in "abcd")


@pytest.fixture
def store(tmp_path) -> Path:
    add_quarter(tmp_path / "store", HAND_MADE)
    return tmp_path / "store"


@pytest.fixture
def followed_up(store, tmp_path) -> Path:
    """The hand-made quarter plus 2099Q2: case 5 follows up as report 52 (now ACTEMRA, NEUTROPENIA in upper
    case with a stray space), and case 6 is deleted."""
    folder = tmp_path / "q2"
    folder.mkdir()
    (folder / "DEMO99Q2.txt").write_text("primaryid$caseid$caseversion$sex$fda_dt\n52$5$2$F$20990501\n")
    (folder / "DRUG99Q2.txt").write_text("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai\n52$5$1$PS$ACTEMRA$\n")
    (folder / "REAC99Q2.txt").write_text("primaryid$caseid$pt\n52$5$NEUTROPENIA \n")
    (folder / "DELETE99Q2.txt").write_text("6\n")
    add_quarter(store, folder)
    return store


def test_two_by_two_ror_and_prr_worked_by_hand(store):
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1)
    found = row(table, "tocilizumab", "Neutropenia")
    assert cells(found) == (3, 1, 3, 3)  # primary suspect in 1-4; neutropenia in 1, 2, 3, 5, 6, 7
    ror_se = math.sqrt(1 / 3 + 1 / 1 + 1 / 3 + 1 / 3)
    prr_se = math.sqrt(1 / 3 - 1 / 4 + 1 / 3 - 1 / 6)
    assert found["ror"] == pytest.approx(3.0) and found["prr"] == pytest.approx(1.5)
    assert found["ror_low"] == pytest.approx(3.0 * math.exp(-Z * ror_se), rel=1e-9)
    assert found["ror_high"] == pytest.approx(3.0 * math.exp(Z * ror_se), rel=1e-9)
    assert found["prr_low"] == pytest.approx(1.5 * math.exp(-Z * prr_se), rel=1e-9)
    assert found["chi2"] == pytest.approx(10 * (3 * 3 - 1 * 3) ** 2 / (4 * 6 * 6 * 4))
    assert found["expected"] == pytest.approx(4 * 6 / 10)
    assert found["ic"] == pytest.approx(math.log2(3.5 / 2.9))
    assert not found["signal_ror"] and not found["signal_prr"]
    assert found["eb05"] <= found["ebgm"] <= found["eb95"]


def test_ebgm_uses_the_prior_fitted_on_every_pair(store):
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, methods=["ebgm"])
    prior = table.attrs["gamma_mixture"]
    assert prior.zero_truncated and prior.n_pairs == 8  # every ingredient x term pair with a >= 1
    counts = table[["a", "b", "c", "d"]].assign(n_drug=table.a + table.b, n_event=table.a + table.c, n=10)
    again = ebgm(counts[["a", "n_drug", "n_event", "n"]], prior=prior)
    assert again["ebgm"].to_numpy() == pytest.approx(table["ebgm"].to_numpy(), rel=1e-12)
    assert table["ror"].isna().all()  # a method not asked for is NaN


def test_secondary_suspects_count_when_asked(store):
    both = signals.disproportionality(store, agents=["tocilizumab"], roles=("PS", "SS"), min_cases=1)
    assert cells(row(both, "tocilizumab", "Neutropenia")) == (4, 1, 2, 3)


def test_brand_and_ingredient_match_but_a_short_code_name_is_not_a_word_match(store):
    table = signals.disproportionality(store, min_cases=1, methods=["ror"])
    exposed = (table["a"] + table["b"]).groupby(table["agent_id"]).first().to_dict()
    assert exposed == {"sarilumab": 1, "tocilizumab": 4}  # ACTEMRA 162 MG, Actemra, TOCILIZUMAB.; not MRA VACCINE
    everything = signals.disproportionality(store, min_cases=1, methods=["ror"], all_ingredients=True)
    assert {"MRA VACCINE", "METHOTREXATE", "ASPIRIN", "tocilizumab"} <= set(everything["ingredient"])


def test_zero_cell_conventions(store):
    plain = row(signals.disproportionality(store, agents=["sarilumab"], min_cases=1), "sarilumab", "Rash")
    assert cells(plain) == (1, 0, 2, 7)
    assert pd.isna(plain["ror"]) and plain["prr"] == pytest.approx((1 / 1) / (2 / 9))  # PRR is defined at b = 0
    haldane = row(signals.disproportionality(store, agents=["sarilumab"], min_cases=1, haldane=True), "sarilumab", "Rash")
    assert haldane["ror"] == pytest.approx((1.5 * 7.5) / (0.5 * 2.5))


def test_min_cases_filters(store):
    assert (signals.disproportionality(store, min_cases=3)["a"] >= 3).all()
    assert signals.disproportionality(store, agents=["sarilumab"], min_cases=3).empty


def test_mantel_haenszel_by_sex_worked_by_hand(store):
    # F (odd ids): a=2, b=0, c=2, d=1, n=5; M: a=1, b=1, c=1, d=2, n=5
    # R = 2*1/5 + 1*2/5 = 0.8, S = 0 + 1*1/5 = 0.2 -> ROR_MH = 4; E = 2*4/5 + 2*2/5 = 2.4
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, strata=["sex"])
    found = row(table, "tocilizumab", "Neutropenia")
    assert found["ror"] == pytest.approx(4.0) and found["expected"] == pytest.approx(2.4)
    assert cells(found) == (3, 1, 3, 3) and found["prr"] == pytest.approx(1.5)  # crude
    by_year = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, strata=["year", "age_band"])
    assert cells(row(by_year, "tocilizumab", "Neutropenia")) == (3, 1, 3, 3)


def test_latest_version_and_deletions_apply_across_quarters(followed_up):
    table = signals.disproportionality(followed_up, agents=["tocilizumab"], min_cases=1)
    # tocilizumab: 1-4 and 52 (case 5's follow-up); neutropenia: 1, 2, 3, 7, 52 (case 6 deleted); n = 9
    assert cells(row(table, "tocilizumab", "Neutropenia")) == (4, 1, 1, 3)
    assert (table["pt"] == "Neutropenia").sum() == 1  # "NEUTROPENIA " is the same term
    info = signals.database_info(followed_up)
    assert info["quarters"] == "2099Q1, 2099Q2" and info["demo_rows"] == 11


def test_bad_arguments(store):
    for options, message in ((dict(roles=("XX",)), "unknown drug role"), (dict(methods=["gps"]), "unknown method"),
                             (dict(strata=["country"]), "unknown or repeated stratum"),
                             (dict(engine="sqlite"), "unknown engine")):
        with pytest.raises(UsageError, match=message):
            signals.disproportionality(store, **options)


def test_missing_store_says_what_to_run(tmp_path):
    for call in (signals.disproportionality, signals.database_info, signals.reports_per_year):
        with pytest.raises(StoreError, match=r"no FAERS store at .*none.*il6 refresh faers PATH"):
            call(tmp_path / "none")
    assert not signals.database_exists(tmp_path / "none")


def test_store_location_and_info(store):
    assert signals.database_exists(store) and signals.database_path(store) == store
    info = signals.database_info(store)
    assert info["quarters"] == "2099Q1" and (info["demo_rows"], info["drug_rows"], info["reac_rows"]) == (10, 10, 13)


def test_reports_per_year(store):
    per = signals.reports_per_year(store, ["tocilizumab"])
    assert per.to_dict("records") == [{"agent_id": "tocilizumab", "year": "2099", "reports": 4, "all_reports": 10,
                                       "share": 0.4}]


def test_unlabelled_signals_match_label_terms_and_warnings(store):
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1)
    marked = signals.unlabelled_signals(table, ["tocilizumab"]).set_index("pt")
    assert marked.loc["Neutropenia", "label_match"] == "warning: Neutropenia"
    assert marked.loc["Rash", "label_match"] == "adverse reaction: Rash"
    assert not marked.loc["<b>Bold</b> reaction", "in_label"]
    assert list(marked["in_label"]) == sorted(marked["in_label"])  # unlabelled first


def test_top_signals_rank_by_the_chosen_method(store):
    table = signals.disproportionality(store, min_cases=1)
    top = signals.top_signals(table, per_agent=1, method="ic")
    assert top.groupby("agent_id").size().max() == 1
    best = table[table.agent_id == "tocilizumab"]["ic025"].max()
    assert top.set_index("agent_id").loc["tocilizumab", "ic025"] == best


def test_real_subset_counts_every_tocilizumab_report_with_every_role(tmp_path):
    add_quarter(tmp_path / "s", DATA / "faers_2020q3_il6_subset")
    table = signals.disproportionality(tmp_path / "s", agents=["Actemra"], roles=("PS", "SS", "I", "C"), min_cases=1)
    assert (table["a"] + table["b"]).max() == 19  # the 19 tocilizumab reports of the subset


def test_cli_lists_signals_and_reports_a_missing_store(store, tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["signals", "--db", str(store), "--agent", "tocilizumab", "--roles", "PS,SS",
                                 "--min-cases", "1", "--csv"])
    assert listed.exit_code == 0, listed.output
    assert "agent_id,ingredient,pt,a,b,c,d,expected,ror,ror_low,ror_high,prr" in listed.output
    shown = runner.invoke(app, ["signals", "--db", str(store), "--min-cases", "1", "--method", "ic,ror",
                                "--strata", "sex", "--haldane"])
    assert shown.exit_code == 0 and "IC025" in shown.output and "note: fitting" not in shown.output
    missing = runner.invoke(app, ["signals", "--db", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "error: no FAERS store at" in missing.output
    assert "il6 refresh faers PATH" in missing.output and "Traceback" not in missing.output
    bad = runner.invoke(app, ["signals", "--db", str(store), "--method", "gps"])
    assert bad.exit_code == 2 and "unknown method(s) gps; valid: ror, prr, ic, ebgm" in bad.output


@pytest.mark.parametrize("strata", [[], ["sex"], ["sex", "year"]])
def test_kept_tables_count_as_the_plain_expressions(followed_up, strata):
    # disproportionality computes the clean tables and the pair counts once into temporary tables
    opened = tables.open_store(followed_up)
    lookup, _ = tables.ingredients(opened)
    name_lookup = opened.table("name_lookup", lookup)
    plain = counts.margins(tables.clean_tables(opened, name_lookup, ["PS", "SS"]), strata)
    kept = counts.margins(tables.clean_tables(opened, name_lookup, ["PS", "SS"], keep=True), strata)
    kept = dataclasses.replace(kept, pairs=opened.materialise("pair_counts", kept.pairs))
    assert kept.stratified == bool(strata)
    assert opened.execute(kept.pairs).shape[0] > 0  # a table of the engine now, read without recomputing

    def every(m):
        return opened.execute(counts.all_pairs(m)).sort_values(["ingredient_id", "pt_id"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(every(kept), every(plain))
    spread = opened.execute(counts.expected_distribution(kept))
    want = every(plain).groupby(["a", "expected"]).size().reset_index(name="pairs")
    pd.testing.assert_frame_equal(spread.astype({"a": "int64", "pairs": "int64"}), want.astype({"a": "int64"}),
                                  check_dtype=False)
    assert spread["pairs"].sum() == len(every(plain))


@pytest.fixture
def two_years(store, tmp_path) -> Path:
    """The hand-made quarter (2099) plus reports 11 (ACTEMRA, Neutropenia) and 12 (ASPIRIN, Rash) received in
    2100, and 13 (ACTEMRA, Neutropenia) with no receipt date."""
    folder = tmp_path / "q2"
    folder.mkdir()
    (folder / "DEMO99Q2.txt").write_text("primaryid$caseid$caseversion$sex$fda_dt\n11$11$1$F$21000115\n"
                                         "12$12$1$M$21000220\n13$13$1$F$\n")
    (folder / "DRUG99Q2.txt").write_text("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai\n11$11$1$PS$ACTEMRA$\n"
                                         "12$12$1$PS$ASPIRIN$\n13$13$1$PS$ACTEMRA$\n")
    (folder / "REAC99Q2.txt").write_text("primaryid$caseid$pt\n11$11$Neutropenia\n12$12$Rash\n13$13$Neutropenia\n")
    add_quarter(store, folder)
    return store


def test_signal_series_year_by_year_worked_by_hand(two_years):
    series = signals.signal_series(two_years, agents=["Actemra"], terms=["NEUTROPENIA"], min_cases=1,
                                   methods=["ror", "ic"])
    assert series["year"].tolist() == [2099, 2100] and set(series["pt"]) == {"Neutropenia"}
    assert series["year"].dtype == "int64"
    first, through_2100 = series.iloc[0], series.iloc[1]
    assert cells(first) == (3, 1, 3, 3) and first["ror"] == pytest.approx(3.0)
    # cumulative: every report up to the end of 2100; report 13 has no receipt year and is in no year's row
    assert cells(through_2100) == (4, 1, 3, 4) and through_2100["ror"] == pytest.approx(16 / 3)
    assert through_2100["expected"] == pytest.approx(5 * 7 / 12)
    assert through_2100["ic"] == pytest.approx(math.log2(4.5 / (35 / 12 + 0.5)))
    assert series["ebgm"].isna().all()
    # each year's own reports: 2100 has reports 11 and 12 only
    alone = signals.signal_series(two_years, agents=["tocilizumab"], terms=["neutropenia"], min_cases=1,
                                  cumulative=False)
    assert cells(alone.iloc[1]) == (1, 0, 0, 1)
    # the whole-history table counts report 13 too
    whole = signals.disproportionality(two_years, agents=["tocilizumab"], min_cases=1)
    assert cells(row(whole, "tocilizumab", "Neutropenia")) == (5, 1, 3, 4)


def test_signal_series_ebgm_uses_the_whole_history_prior(two_years):
    series = signals.signal_series(two_years, agents=["tocilizumab"], min_cases=1, methods=["ebgm"])
    assert series["ebgm"].notna().all() and (series["eb05"] <= series["ebgm"]).all()
    assert set(series["pt"]) >= {"Neutropenia", "Rash"}


def test_signal_series_of_nothing_is_an_empty_typed_table(two_years):
    empty = signals.signal_series(two_years, agents=["sarilumab"], terms=["no such term"])
    assert empty.empty and {"agent_id", "pt", "year", "ror", "ic025"} <= set(empty.columns)
    with pytest.raises(UsageError, match="unknown method"):
        signals.signal_series(two_years, methods=["xyz"])


def test_cli_by_year_prints_the_series_and_refuses_options_that_do_not_apply(two_years):
    runner = CliRunner()
    shown = runner.invoke(app, ["signals", "--db", str(two_years), "--agent", "tocilizumab", "--by-year",
                                "--term", "neutropenia", "--min-cases", "1", "--method", "ror"])
    assert shown.exit_code == 0, shown.output
    lines = [line.split() for line in shown.output.splitlines() if line.startswith("tocilizumab")]
    assert [(line[2], line[3]) for line in lines] == [("2099", "3"), ("2100", "4")]
    listed = runner.invoke(app, ["signals", "--db", str(two_years), "--by-year", "--csv", "--min-cases", "1"])
    assert listed.exit_code == 0 and listed.stdout.startswith("agent_id,ingredient,pt,year,a,b,c,d,expected")
    for extra, message in ((["--by-year", "--strata", "sex"], "--by-year takes no --strata"),
                           (["--term", "Rash"], "--term selects the terms followed with --by-year")):
        refused = runner.invoke(app, ["signals", "--db", str(two_years), *extra])
        assert refused.exit_code == 2 and f"error: {message}" in refused.output and "Traceback" not in refused.output


def test_duckdb_draws_no_progress_bar_of_its_own(store):
    # long queries would otherwise draw DuckDB's bar on the terminal between the command's own notes
    opened = tables.open_store(store)
    assert opened.con.con.execute("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]


@pytest.mark.parametrize("min_cases", ["a", 2.5, None, True, -1])
def test_min_cases_that_is_not_a_whole_number_is_a_usage_error(tmp_path, min_cases):
    store = tmp_path / "no-store"  # arguments are checked before any store is opened
    for query in (signals.disproportionality, signals.signal_series):
        with pytest.raises(UsageError, match=rf"^min_cases must be a non-negative integer, not {re.escape(repr(min_cases))}$"):
            query(store, min_cases=min_cases)
