"""FAERS disproportionality on DuckDB, checked against a 2x2 table worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from il6analysis.analysis.signals import database_info, disproportionality, drug_name_agents
from il6analysis.errors import SourceError, StoreError
from il6analysis.sources.faers_store import ingest


def row(table: pd.DataFrame, agent: str, pt: str) -> pd.Series:
    return table[(table["agent_id"] == agent) & (table["pt"] == pt)].iloc[0]


@pytest.fixture
def database(faers_database):
    return faers_database


def test_two_by_two_table_ror_and_prr_worked_by_hand(database):
    result = disproportionality(database, agents=["tocilizumab"], min_cases=1)
    neutropenia = row(result, "tocilizumab", "Neutropenia")
    assert (neutropenia["a"], neutropenia["b"], neutropenia["c"], neutropenia["d"]) == (3, 1, 3, 3)
    ror = (3 / 1) / (3 / 3)
    ror_se = math.sqrt(1 / 3 + 1 / 1 + 1 / 3 + 1 / 3)
    prr = (3 / 4) / (3 / 6)
    prr_se = math.sqrt(1 / 3 - 1 / 4 + 1 / 3 - 1 / 6)
    assert neutropenia["ror"] == pytest.approx(3.0)
    assert neutropenia["ror_lower"] == pytest.approx(ror * math.exp(-1.959964 * ror_se), rel=1e-5)
    assert neutropenia["ror_upper"] == pytest.approx(ror * math.exp(1.959964 * ror_se), rel=1e-5)
    assert neutropenia["prr"] == pytest.approx(1.5)
    assert neutropenia["prr_lower"] == pytest.approx(prr * math.exp(-1.959964 * prr_se), rel=1e-5)
    assert neutropenia["prr_upper"] == pytest.approx(prr * math.exp(1.959964 * prr_se), rel=1e-5)
    assert not neutropenia["signal"]  # lower ROR bound below 1


def test_secondary_suspects_count_when_asked(database):
    both = disproportionality(database, agents=["tocilizumab"], roles=("PS", "SS"), min_cases=1)
    neutropenia = row(both, "tocilizumab", "Neutropenia")
    assert (neutropenia["a"], neutropenia["b"], neutropenia["c"], neutropenia["d"]) == (4, 1, 2, 3)


def test_brand_and_ingredient_match_but_short_alias_is_not_a_word_match(database):
    result = disproportionality(database, min_cases=1)
    exposed = result.groupby("agent_id")[["a", "b"]].first().sum(axis=1).to_dict()
    assert exposed["tocilizumab"] == 4  # ACTEMRA 162 MG, Actemra, TOCILIZUMAB., prod_ai TOCILIZUMAB; not "MRA VACCINE"
    assert exposed["sarilumab"] == 1


def test_zero_cell_gives_missing_ratio_not_infinity(database):
    result = disproportionality(database, agents=["sarilumab"], min_cases=1)
    rash = row(result, "sarilumab", "Rash")
    assert (rash["a"], rash["b"]) == (1, 0)
    assert pd.isna(rash["ror"]) and pd.isna(rash["prr"])


def test_min_cases_filters(database):
    assert (disproportionality(database, min_cases=3)["a"] >= 3).all()
    assert disproportionality(database, agents=["sarilumab"], min_cases=3).empty


def test_bad_arguments_and_missing_database(tmp_path, database):
    with pytest.raises(ValueError, match="unknown drug role"):
        disproportionality(database, roles=("XX",))
    with pytest.raises(StoreError, match="il6 refresh faers"):
        disproportionality(tmp_path / "none.duckdb")


def test_ingest_replaces_the_database_only_when_complete(tmp_path, database, hand_made_faers):
    broken = hand_made_faers
    broken.tables["reac"] = broken.tables["reac"].drop(columns=["primaryid"])
    with pytest.raises(SourceError, match="REAC"):
        ingest(broken, database)
    info = database_info(database)
    assert info["demo_rows"] == 10 and info["quarters"] == "2099Q1"
    assert not list(tmp_path.glob(".faers.duckdb*"))


def test_cli_ingests_real_faers_files_and_lists_signals(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from il6analysis.cli.app import app

    sample = Path(__file__).parent.parent / "fixtures" / "faers" / "faers_2020q3_il6_subset"
    database = tmp_path / "faers.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["refresh", "faers", str(sample), "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert "ingested 2020Q3" in result.output and "20 reports" in result.output
    every_role = disproportionality(database, agents=["Actemra"], roles=("PS", "SS", "I", "C"), min_cases=1)
    assert (every_role["a"] + every_role["b"]).max() == 19  # the 19 tocilizumab reports of the subset
    listed = runner.invoke(app, ["signals", "--db", str(database), "--agent", "tocilizumab", "--roles", "PS,SS",
                                 "--min-cases", "1", "--csv"])
    assert listed.exit_code == 0 and listed.output.startswith("agent_id,pt,a,b,c,d,ror")
    missing = runner.invoke(app, ["signals", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "il6 refresh faers" in missing.output


def test_cli_reports_a_malformed_faers_file_clearly(tmp_path):
    from typer.testing import CliRunner

    from il6analysis.cli.app import app

    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "DEMO26Q1.txt").write_text("primaryid$caseid$caseversion\n1$1$1\n2$2\n", encoding="latin-1")
    result = CliRunner().invoke(app, ["refresh", "faers", str(folder), "--db", str(tmp_path / "f.duckdb")])
    assert result.exit_code == 1
    assert "DEMO26Q1.txt" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "f.duckdb").exists()


def test_biosimilar_reports_are_not_also_counted_for_the_reference_agent():
    mapping = drug_name_agents(["TOCILIZUMAB-BAVI", "ACTEMRA", "ASPIRIN"])
    assert mapping.values.tolist() == [["TOCILIZUMAB-BAVI", "tocilizumab-bavi"], ["ACTEMRA", "tocilizumab"]]
    assert drug_name_agents(["TOCILIZUMAB-BAVI", "ACTEMRA"], agents=["tocilizumab"]).values.tolist() == [
        ["ACTEMRA", "tocilizumab"]]
