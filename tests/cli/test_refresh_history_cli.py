"""`il6 refresh labels|drugsfda`, `il6 labels history` and `il6 changes --label`, run as a user would
(openFDA answered by recorded and constructed answers, never the network)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.sources.http import HttpClient

FIXTURES = Path(__file__).parent.parent / "fixtures"
SILICEA = "0000025c-6dbf-4af7-a741-5cbacaed519a"

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def answering(monkeypatch, fixture: str) -> None:
    """Every openFDA request is answered with one fixture file."""
    payload = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    monkeypatch.setattr(HttpClient, "get_json", lambda self, url, params=None: payload)


@pytest.fixture
def refreshed(tmp_path, monkeypatch) -> Path:
    """A refreshed folder after two label refreshes: the recorded label, then its edited second version."""
    folder = tmp_path / "refreshed"
    for fixture in ("openfda/label_limit1_2018-04-04_silicea.json", "openfda/label_silicea_v2_edited.json"):
        answering(monkeypatch, fixture)
        result = run("refresh", "labels", "--out", folder, "--cache-dir", tmp_path / "cache")
        assert result.exit_code == 0, result.output
    assert "has a new version 2" in result.output
    return folder


def test_label_history_lists_the_versions_held(refreshed):
    result = run("labels", "history", "--refreshed", refreshed)
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith(SILICEA)]
    assert [(row[1], row[2]) for row in rows] == [("1", "2015-11-02"), ("2", "2018-03-01")]
    assert run("labels", "history", SILICEA, "--agent", "Actemra", "--refreshed", refreshed).exit_code == 0


def test_changes_label_shows_the_removed_and_added_sentences(refreshed, tmp_path):
    result = run("changes", "--label", SILICEA, "--refreshed", refreshed)
    assert result.exit_code == 0, result.output
    assert f"3 change(s) from label {SILICEA} version 1 to version 2" in result.output
    assert "        - Children 2 years and older- take 1/2 the adult dose." in result.output
    assert "        + Stop use and ask a doctor if a rash appears." in result.output
    assert "not improve in 7 days, or worsen, discontinue use and seek assistance of health professional." in (
        result.output), "sentences are shown whole"
    as_json = json.loads(run("changes", "--label", SILICEA, "--refreshed", refreshed, "--json").output)
    assert as_json["schema_version"] == 1 and as_json["counts"] == {
        "labels": {"added": 0, "removed": 0, "changed": 3, "refined": 0, "total": 3}}
    csv = tmp_path / "label.csv"
    assert run("changes", "--label", SILICEA, "--from", "2", "--to", "1", "--refreshed", refreshed,
               "--csv", csv, "--fail-on-change").exit_code == 3
    assert list(pd.read_csv(csv).columns) == CHANGE_COLUMNS


@pytest.mark.parametrize(("args", "message"), [
    (["--label", SILICEA, "--from", "7"], "no version '7' in the history; held: 1, 2"),
    (["--label", "0000025c"], f"unknown label set_id '0000025c'; did you mean: '{SILICEA}'"),
    (["--from", "1"], "give --label SET_ID"),
    (["--label", SILICEA, "some-folder"], "give no OLD or NEW folder with it"),
])
def test_bad_label_options_are_one_line_errors(refreshed, args, message):
    result = run("changes", *args, "--refreshed", refreshed)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_label_history_of_an_empty_folder_says_how_to_start_it(tmp_path):
    result = run("labels", "history", "--refreshed", tmp_path)
    assert result.exit_code == 0 and "run `il6 refresh labels` to start the history" in result.output


def test_refresh_drugsfda_writes_proposals_and_warns_about_a_malformed_record(tmp_path, monkeypatch):
    answering(monkeypatch, "drugsfda/drugsfda_il6_constructed.json")
    target = tmp_path / "review" / "fda.csv"
    result = run("refresh", "drugsfda", "--out", tmp_path / "refreshed", "--cache-dir", tmp_path / "cache",
                 "--proposals", target)
    assert result.exit_code == 0, result.output
    assert "Drugs@FDA BLA761149 ORIG-1: status date '2020-08-14' is not YYYYMMDD" in result.output
    assert f"wrote {target}" in result.output
    assert list(pd.read_csv(target).columns) == CHANGE_COLUMNS
    assert not (tmp_path / "refreshed").exists(), "only the proposals file is written"


def test_refresh_drugsfda_refuses_a_folder_as_the_proposals_file(tmp_path):
    result = run("refresh", "drugsfda", "--proposals", tmp_path)
    assert result.exit_code == 2 and "is a folder; give a file name" in result.output


def test_changes_history_compares_the_last_two_refreshes(refreshed):
    result = run("changes", "--history", "labels", "--refreshed", refreshed)
    assert result.exit_code == 0, result.output
    assert "3 change(s) from the labels refresh of " in result.output
    assert "        + Stop use and ask a doctor if a rash appears." in result.output
    stamps = sorted(path.stem for path in (refreshed / "history" / "labels").iterdir())
    same = run("changes", "--history", "labels", "--from", stamps[1], "--to", stamps[1], "--refreshed", refreshed,
               "--fail-on-change")
    assert same.exit_code == 0 and "no change from" in same.output


@pytest.mark.parametrize(("args", "message"), [
    (["--history", "warnings"], "unknown domain 'warnings'"),
    (["--history", "trials"], "no trials history in"),
    (["--history", "labels", "--from", "2020"], "no labels snapshot '2020'"),
    (["--history", "labels", "--label", SILICEA], "not both"),
])
def test_bad_history_options_are_one_line_errors(refreshed, args, message):
    result = run("changes", *args, "--refreshed", refreshed)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
