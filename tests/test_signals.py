"""FAERS disproportionality on DuckDB, checked against a 2x2 table worked out by hand."""

from __future__ import annotations

import math
import pandas as pd
import pytest

from il6analysis.errors import SourceError
from il6analysis.signals import database_info, disproportionality, ingest


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
    with pytest.raises(SourceError, match="il6 refresh faers"):
        disproportionality(tmp_path / "none.duckdb")


def test_ingest_replaces_the_database_only_when_complete(tmp_path, database, hand_made_faers):
    broken = hand_made_faers
    broken.tables["reac"] = broken.tables["reac"].drop(columns=["primaryid"])
    with pytest.raises(SourceError, match="REAC"):
        ingest(broken, database)
    info = database_info(database)
    assert info["demo_rows"] == 10 and info["quarters"] == "2099Q1"
    assert not list(tmp_path.glob(".faers.duckdb*"))
