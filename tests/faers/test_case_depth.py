"""Case depth on the hand-made quarter (see its PROVENANCE.md): event dates and therapy starts at ingest,
outcome shares and time to onset beside each signal, case-set filters on every cell, the case listing."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import UsageError
from il6analysis.faers import cases, filters, signals
from il6analysis.faers.ingest import add_quarter
from il6analysis.faers.store import read_catalog

DATA = Path(__file__).parent.parent / "fixtures" / "faers"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("depth") / "store"
    add_quarter(path, DATA / "hand_made_2099q1")
    return path


def cells(table: pd.DataFrame, pt: str = "Neutropenia") -> tuple[int, int, int, int]:
    found = table[(table["agent_id"] == "tocilizumab") & (table["pt"] == pt)].iloc[0]
    return tuple(int(found[k]) for k in "abcd")


def test_event_dates_and_therapy_starts_are_stored_with_their_precision(store):
    folder = store / next(iter(read_catalog(store)["quarters"].values()))["folder"]
    demo = duckdb.sql(f"SELECT primaryid, event_date, event_precision FROM '{folder}/demo.parquet' "
                      "WHERE primaryid IN (1, 3, 5) ORDER BY primaryid").fetchall()
    assert [(p, str(d) if d else None, q) for p, d, q in demo] == [
        (1, "2099-01-15", "day"), (3, None, "month"), (5, None, None)]
    ther = duckdb.sql(f"SELECT report % 1000, drug_seq, start_date, start_precision FROM '{folder}/ther.parquet' "
                      "WHERE report % 1000 = 4").fetchall()
    assert ther == [(4, "1", None, "month")]


def test_outcome_shares_and_time_to_onset_beside_each_signal(store):
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, methods=["ror"])
    row = table[table["pt"] == "Neutropenia"].iloc[0]  # reports 1, 2, 3
    assert row["share_serious"] == 1.0 and row["share_death"] == pytest.approx(1 / 3)
    assert row["share_life_threatening"] == pytest.approx(1 / 3)
    assert row["share_hospitalisation"] == pytest.approx(2 / 3)
    assert row["share_disability"] == row["share_congenital_anomaly"] == row["share_other_serious"] == 0
    # onsets 10 days (report 1: the first of two starts) and 40 days (report 2); report 3's event date is partial
    assert (row["onset_median"], row["onset_q1"], row["onset_q3"]) == (25.0, 17.5, 32.5)
    assert (row["onset_used"], row["onset_not_usable"]) == (2, 1)
    both = signals.disproportionality(store, agents=["tocilizumab"], roles=("PS", "SS"), min_cases=1, methods=["ror"])
    row = both[both["pt"] == "Neutropenia"].iloc[0]  # report 7 (secondary suspect) started after its event
    assert (row["onset_used"], row["onset_not_usable"], row["share_serious"]) == (2, 2, 0.75)


@pytest.mark.parametrize("chosen, expected", [
    (dict(health_professionals=True), (2, 1, 1, 1)),  # MD 1, 6, 8; PH 3; OT 4
    (dict(indications="rheumatoid ARTHRITIS"), (2, 0, 0, 1)),  # INDI of reports 1, 2, 8
    (dict(exclude_drugs=["methotrexate"]), (3, 1, 2, 3)),  # report 6 names it as primary suspect
    (dict(countries="us"), (2, 0, 2, 2)),  # 1, 2, 5, 6, 8, 10
    (dict(sexes=["F"]), (2, 0, 2, 1)),  # 1, 3, 5, 7, 9
    (dict(age_bands=["45-64"]), (1, 1, 2, 0)),  # 3, 4, 5, 6
    (dict(years="2099"), (3, 1, 3, 3)),
    (dict(sexes="female", health_professionals=True), (2, 0, 0, 0)),  # 1 and 3
])
def test_case_set_filters_change_every_cell(store, chosen, expected):
    table = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, methods=["ror"], filters=chosen)
    assert cells(table) == expected


def test_filters_on_the_command_line_are_the_same_filters(store):
    result = CliRunner().invoke(app, ["signals", "--db", str(store), "--agent", "Actemra", "--min-cases", "1",
                                      "--method", "ror", "--health-professionals", "--country", "US,FR", "--csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert cells(table) == (2, 0, 1, 1)  # reports 1, 3, 6, 8: tocilizumab in 1, 3; neutropenia in 1, 3, 6


@pytest.mark.parametrize("chosen, message", [
    (dict(countries="USA"), "two-letter codes"), (dict(sexes="X"), "unknown sex X; valid: F, M"),
    (dict(age_bands="30-40"), "unknown age band 30-40; valid: 0-17, 18-44"),
    (dict(years="2020-2010"), "ends (2010) before it starts (2020)"), (dict(years="recent"), "years must be"),
    (dict(colour="red"), "unknown case filter colour"),
])
def test_bad_filters_are_refused_with_what_is_valid(chosen, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        filters.as_filter(chosen)


def test_a_drug_the_store_does_not_name_cannot_be_excluded(store):
    with pytest.raises(UsageError, match="no drug named 'nosuchdrug' in the FAERS store"):
        signals.disproportionality(store, agents=["tocilizumab"], methods=["ror"],
                                   filters={"exclude_drugs": "nosuchdrug"})


def test_case_listing_worked_by_hand(store):
    listing = cases.case_listing(store, "Actemra", "NEUTROPENIA")
    assert listing["report"].tolist() == [1, 2, 3] and set(listing["quarter"]) == {"2099Q1"}
    assert listing["age"].tolist() == [35.0, 40.0, 45.0] and listing["sex"].tolist() == ["F", "M", "F"]
    assert listing["country"].tolist() == ["US", "US", "FR"]
    assert listing["reporter"].tolist() == ["physician", "consumer", "pharmacist"]
    assert listing["outcomes"].tolist() == ["hospitalisation; life-threatening", "hospitalisation", "death"]
    assert listing["onset_days"].tolist()[:2] == [10, 40] and pd.isna(listing["onset_days"].iloc[2])
    assert listing["onset_note"].tolist() == ["", "", "event date partial"]
    assert listing["indications"].tolist() == ["Rheumatoid arthritis", "Rheumatoid arthritis", "Giant cell arteritis"]
    assert listing["other_suspects"].tolist() == ["", "", ""]
    hp = cases.case_listing(store, "tocilizumab", "Neutropenia", filters={"health_professionals": True})
    assert hp["report"].tolist() == [1, 3]


def test_case_listing_names_other_suspects(tmp_path):
    add_quarter(tmp_path / "s", DATA / "hand_made_2099q2")
    listing = cases.case_listing(tmp_path / "s", "tocilizumab", "Nausea")
    assert listing["report"].tolist() == [105] and listing["other_suspects"].tolist() == ["METHOTREXATE"]
    assert listing["onset_note"].tolist() == ["no event date"]


def test_il6_cases_prints_a_table_and_writes_csv(store, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(app, ["cases", "--db", str(store), "--agent", "Actemra", "--term", "Neutropenia"])
    assert shown.exit_code == 0, shown.output
    assert "Serious outcomes" in shown.stdout and "Onset (days)" in shown.stdout
    assert "event date partial" in shown.stdout
    target = tmp_path / "cases.csv"
    written = runner.invoke(app, ["cases", "--db", str(store), "-a", "Actemra", "-t", "Neutropenia", "--output",
                                  str(target)])
    assert written.exit_code == 0, written.output
    assert pd.read_csv(target)["report"].tolist() == [1, 2, 3]
    again = runner.invoke(app, ["cases", "--db", str(store), "-a", "Actemra", "-t", "Neutropenia", "--output",
                                str(target)])
    assert again.exit_code == 2 and "exists" in again.output


def test_il6_cases_refuses_an_unknown_term_with_close_spellings(store):
    result = CliRunner().invoke(app, ["cases", "--db", str(store), "--agent", "Actemra", "--term", "Neutropnia"])
    assert result.exit_code == 2 and "no report in the FAERS store has the preferred term 'Neutropnia'" in result.output
    assert "close: Neutropenia" in result.output and "Traceback" not in result.output


def test_legacy_aers_therapy_starts_join_its_drug_rows(tmp_path):
    """Legacy AERS THER is keyed by ISR and the global drug_seq (no dsg_drug_seq); its starts join DRUG."""
    add_quarter(tmp_path / "s", DATA / "aers_2004q1_sample100")
    folder = tmp_path / "s" / next(iter(read_catalog(tmp_path / "s")["quarters"].values()))["folder"]
    joined = duckdb.sql(f"SELECT count(*), count(t.start_date) FROM '{folder}/ther.parquet' t "
                        f"JOIN '{folder}/drug.parquet' d USING (report, drug_seq)").fetchall()[0]
    rows = duckdb.sql(f"SELECT count(*) FROM '{folder}/ther.parquet'").fetchall()[0][0]
    assert joined[0] == rows > 0 and joined[1] > 0
    first = duckdb.sql(f"SELECT start_date, start_precision FROM '{folder}/ther.parquet' "
                       "WHERE report % 10000000000 = 4263742 AND drug_seq = '1004492716'").fetchall()[0]
    assert (str(first[0]), first[1]) == ("2003-11-15", "day")  # THER04Q1.TXT: 4263742$1004492716$20031115


def test_the_report_overview_takes_the_same_filters(store):
    from il6analysis.faers import overview

    found = overview.analyse(store, min_cases=1, filters={"health_professionals": True})
    assert cells(found.signals) == (2, 1, 1, 1)
