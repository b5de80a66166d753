"""One call for the report: analyse() opens the store once and gives every table the side-effects report shows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import ParameterError, StoreError, UsageError
from il6analysis.faers import overview, signals, tables
from il6analysis.faers.ingest import add_quarter
from il6analysis.reporting.catalog import load_report
from il6analysis.reporting.parameters import check_parameters

HAND_MADE = Path(__file__).parent.parent / "fixtures" / "faers" / "hand_made_2099q1"


@pytest.fixture
def store(tmp_path) -> Path:
    """Thirty reports: 1-10 ACTEMRA with Hiccups (not in its label) and, 1-6, Neutropenia (a labelled warning);
    11-30 ASPIRIN with Headache, Nausea or Dizziness; 1-5 received in 2099, the rest in 2100."""
    folder = tmp_path / "q"
    folder.mkdir()
    demo, drug, reac = ["primaryid$caseid$caseversion$sex$fda_dt"], ["primaryid$caseid$drug_seq$role_cod$drugname"], \
        ["primaryid$caseid$pt"]
    for report in range(1, 31):
        demo.append(f"{report}${report}$1$F${2099 if report <= 5 else 2100}0301")
        drug.append(f"{report}${report}$1$PS${'ACTEMRA' if report <= 10 else 'ASPIRIN'}")
        reac += ([f"{report}${report}$Hiccups"] + [f"{report}${report}$Neutropenia"] * (report <= 6)
                 if report <= 10 else [f"{report}${report}${('Headache', 'Nausea', 'Dizziness')[report % 3]}"])
    for name, lines in (("DEMO99Q3.txt", demo), ("DRUG99Q3.txt", drug), ("REAC99Q3.txt", reac)):
        (folder / name).write_text("\n".join(lines) + "\n")
    add_quarter(tmp_path / "store", folder)
    return tmp_path / "store"


def test_analyse_gives_every_table_of_the_report_from_one_opening(store, monkeypatch):
    opened = []
    real = tables.open_store
    monkeypatch.setattr(tables, "open_store", lambda *args, **kwargs: opened.append(args) or real(*args, **kwargs))
    result = overview.analyse(store, agents=["Actemra"], min_cases=3)
    assert len(opened) == 1
    assert result.quarters == ["2099Q3"] and result.roles == ("PS",)
    # the same numbers as the separate queries
    alone = signals.disproportionality(store, agents=["Actemra"], min_cases=3)
    pd.testing.assert_frame_equal(result.signals, alone)
    assert set(result.signals["pt"]) == {"Hiccups", "Neutropenia"}
    # Hiccups: a = 10 of 10 tocilizumab reports, E = 10 x 10 / 30; flagged by IC and not named in the label
    hiccups = result.signals.set_index("pt").loc["Hiccups"]
    assert (hiccups["a"], hiccups["expected"]) == (10, pytest.approx(10 / 3)) and hiccups["signal_ic"]
    assert result.unlabelled["pt"].tolist() == ["Hiccups"]
    assert result.followed.to_dict("records") == [{"agent_id": "tocilizumab", "pt": "Hiccups"}]
    # followed year by year: 5 of 5 reports by 2099, 10 of 30 by 2100
    assert result.series["year"].tolist() == [2099, 2100] and result.series["a"].tolist() == [5, 10]
    assert result.reports_per_year[["year", "reports", "all_reports"]].values.tolist() == [["2099", 5, 5],
                                                                                            ["2100", 5, 25]]
    assert result.top_table.columns.tolist() == overview.TOP_COLUMNS and len(result.top_table) == 2
    assert result.unlabelled_table.columns.tolist() == overview.UNLABELLED_COLUMNS
    assert "2099Q3" in result.summary and "drug roles counted: PS" in result.summary


def test_analyse_without_an_unlabelled_signal_has_an_empty_series(store):
    result = overview.analyse(store, agents=["sarilumab"])
    assert result.signals.empty and result.unlabelled.empty and result.followed.empty
    assert result.series.empty and {"agent_id", "pt", "year", "ic", "ic025"} <= set(result.series.columns)


def test_an_opened_store_serves_only_the_roles_and_engine_it_was_opened_for(store):
    opened = signals.open_signals(store, ["PS"])
    assert signals.reports_per_year(opened, ["Actemra"])["reports"].sum() == 10
    with pytest.raises(UsageError, match="opened for roles PS on duckdb, not PS, SS on duckdb"):
        signals.disproportionality(opened, roles=["PS", "SS"])


def test_no_store_is_an_error_and_the_report_sentence_names_the_command_and_no_path(tmp_path):
    with pytest.raises(StoreError, match="no FAERS store at"):
        overview.analyse(tmp_path / "none")
    assert "il6 refresh faers" in overview.NO_STORE and "/" not in overview.NO_STORE


@pytest.mark.parametrize("source", ["faers", "both"])
def test_a_report_asking_for_faers_without_a_store_exits_2_before_anything_runs(tmp_path, monkeypatch, source):
    monkeypatch.setenv("IL6_FAERS_DB", str(tmp_path / "absent"))
    result = CliRunner().invoke(app, ["report", "side_effects", "-p", f"source={source}",
                                      "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"source={source} needs a FAERS store" in result.output and "il6 refresh faers QUARTER.zip" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out" / "side_effects").exists()
    assert check_parameters(load_report("side_effects"), {"source": "label"})["source"] == "label"


def test_a_report_asking_for_faers_reads_the_default_store_when_there_is_one(store, monkeypatch):
    monkeypatch.setenv("IL6_FAERS_DB", str(store))
    assert check_parameters(load_report("side_effects"), {"source": "both"})["faers_db"] == ""


def test_a_report_asking_for_faers_from_an_unreadable_store_says_why(store, monkeypatch):
    written = json.loads((store / "catalog.json").read_text())
    (store / "catalog.json").write_text(json.dumps({**written, "format_version": written["format_version"] - 1}))
    monkeypatch.setenv("IL6_FAERS_DB", str(store))
    with pytest.raises(ParameterError, match=r"source=faers needs a FAERS store it can read: .* format version "
                                             r".*ingest the quarterly files again"):
        check_parameters(load_report("side_effects"), {"source": "faers"})


def test_the_sentence_a_report_shows_instead_of_its_faers_sections(store, tmp_path):
    assert overview.store_sentence(store) is None
    assert overview.store_sentence(tmp_path / "none") == overview.NO_STORE
    (store / "catalog.json").unlink()  # quarter data without a catalog
    assert overview.store_sentence(store) == overview.UNREADABLE
    assert "il6 store check" in overview.UNREADABLE and "/" not in overview.UNREADABLE
