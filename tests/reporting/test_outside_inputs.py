"""Reports that read a FAERS store or an earlier dataset run again when that input changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_runner
from test_runner import notebook

from il6analysis.faers.ingest import add_quarter
from il6analysis.reporting.fingerprints import outside_inputs, report_inputs, store_identity, suite_outside_inputs
from il6analysis.reporting.runner import run_suite

SECOND_QUARTER = Path(__file__).parent.parent / "fixtures" / "faers" / "faers_2026q2_head25"
DATA = {"sha256": "0" * 64, "version": "0"}

lab = test_runner.lab  # the fixture, shared


def test_only_reports_that_read_faers_or_an_earlier_dataset_have_outside_inputs(faers_database, data_copy):
    assert outside_inputs({"source": "label", "faers_db": str(faers_database)}) == {}
    assert outside_inputs({"agents": ["tocilizumab"]}) == {}
    found = outside_inputs({"source": "both", "faers_db": str(faers_database), "since": str(data_copy)})
    assert set(found) == {"faers_store", "since"}
    assert found["faers_store"] == store_identity(faers_database) != "none"


def test_the_default_store_counts_when_no_faers_db_is_given(faers_database, monkeypatch):
    monkeypatch.setenv("IL6_FAERS_DB", str(faers_database))
    assert outside_inputs({"source": "faers", "faers_db": ""}) == {"faers_store": store_identity(faers_database)}


def test_a_new_quarter_or_an_edited_dataset_changes_the_inputs(faers_database, data_copy, edit):
    parameters = {"source": "faers", "faers_db": str(faers_database), "since": str(data_copy)}
    before = report_inputs("code", parameters, DATA)
    add_quarter(faers_database, SECOND_QUARTER)
    after_quarter = report_inputs("code", parameters, DATA)
    assert after_quarter["outside_sha256"] != before["outside_sha256"]
    edit(data_copy, "targets", lambda f: f.iloc[:-1])
    assert report_inputs("code", parameters, DATA)["outside_sha256"] != after_quarter["outside_sha256"]
    assert {k: v for k, v in before.items() if k != "outside_sha256"} == \
        {k: v for k, v in report_inputs("code", parameters, DATA).items() if k != "outside_sha256"}


def test_a_suite_names_its_stores_and_datasets_and_always_the_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("IL6_FAERS_DB", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    text = ('[[report]]\nnotebook = "a"\nparameters = { faers_db = "store" }\n'
            '[[report]]\nnotebook = "b"\ngrid = { since = ["old", "older"] }\n')
    assert set(suite_outside_inputs(text)) == {"default faers_store", "faers_store store", "since old", "since older"}
    assert suite_outside_inputs("not [ toml") == {"default faers_store": "none"}


@pytest.mark.notebooks
def test_a_suite_reruns_a_report_when_its_store_or_earlier_dataset_changes(lab, faers_database, data_copy, edit):
    (lab["folder"] / "reader.ipynb").write_text(notebook(
        "Reader", 'source: str = "label"  # where side effects come from\n'
                  'faers_db: str = ""  # the FAERS store\nsince: str = ""  # an earlier dataset', "print(source)"))
    suite = lab["tmp"] / "suite.toml"
    suite.write_text(f'[[report]]\nnotebook = "reader"\nparameters = {{ source = "faers", '
                     f'faers_db = "{faers_database}", since = "{data_copy}" }}\n')
    run = lambda: run_suite(suite, lab["out"], jobs=1, folder=lab["folder"])  # noqa: E731
    assert [r.status for r in run().runs] == ["ok"]
    assert run().up_to_date

    add_quarter(faers_database, SECOND_QUARTER)
    assert [r.status for r in run().runs] == ["ok"], "a new quarter re-runs the report"
    assert run().up_to_date

    edit(data_copy, "targets", lambda f: f.iloc[:-1])
    assert [r.status for r in run().runs] == ["ok"], "a changed earlier dataset re-runs the report"
    assert run().up_to_date
