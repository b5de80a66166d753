"""Every schema rule, fed a deliberately broken table, fails with table, line, column and rule."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated.loaders import parse_table


def _problems(folder) -> list[str]:
    report = il6.validate(folder)
    assert not report.ok
    return [str(p) for p in report.problems]


def _set(table_row: int, column: str, value: str):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[table_row, column] = value
        return frame

    return edit


# (table, column, bad value, words the message must contain)
BROKEN_VALUES = [
    ("approvals", "approval_date", "2010-13-45", "not a valid date"),
    ("approvals", "agency", "FDAA", "not an allowed value; valid: FDA"),
    ("approvals", "status", "approvd", "not an allowed value"),
    ("approvals", "source", "see label", "wrong format"),
    ("adverse_events", "drug_pct", "140", "out of range"),
    ("adverse_events", "comparator_pct", "-1", "out of range"),
    ("adverse_events", "drug_pct", "12%", "not a number"),
    ("adverse_events", "drug_n", "2.5", "not a whole number"),
    ("trials", "nct_id", "NCT123", "wrong format"),
    ("trials", "phase", "Phase 2", "not an allowed value"),
    ("trials", "enrollment", "many", "not a whole number"),
    ("targets", "uniprot_id", "P0523", "wrong format"),
    ("agents", "agent_id", "Tocilizumab", "wrong format"),
    ("agents", "drugbank_id", "DB6273", "wrong format"),
    ("agents", "chembl_id", "CHEMBL", "wrong format"),
    ("agents", "cas_number", "375823419", "wrong format"),
    ("agents", "mechanism", "blocks everything", "not an allowed value"),
    ("warnings", "boxed", "yes", "not a boolean"),
    ("warnings", "warning_id", "bad_luck", "not an allowed value"),
    ("indications", "mesh_id", "12345", "wrong format"),
    ("agent_names", "name_type", "nickname", "not an allowed value"),
    ("trial_partners", "partner_class", "magic", "not an allowed value"),
    ("approvals", "decision_id", "FDA 2010", "wrong format"),
    ("approvals", "status", "revoked", "emergency_use_revoked, authorisation_lapsed"),
    ("trials", "intent", "cancer", "not an allowed value; valid: antitumour"),
    ("label_frequencies", "frequency_category", "often", "not an allowed value; valid: very_common"),
]


@pytest.mark.parametrize(("table", "column", "value", "words"), BROKEN_VALUES)
def test_bad_value_is_reported_with_table_line_column_and_rule(data_copy, edit, table, column, value, words):
    edit(data_copy, table, _set(2, column, value))
    messages = _problems(data_copy)
    expected_prefix = f"{table}.csv line 4, column {column!r}"
    matching = [m for m in messages if m.startswith(expected_prefix)]
    assert matching, messages
    assert words in matching[0]
    assert repr(value) in matching[0]


def test_required_value_missing(data_copy, edit):
    edit(data_copy, "approvals", _set(0, "agent_id", ""))
    assert any("approvals.csv line 2, column 'agent_id': missing value" in m for m in _problems(data_copy))


def test_missing_source_is_a_problem(data_copy, edit):
    edit(data_copy, "trials", _set(0, "source", ""))
    assert any("trials.csv line 2, column 'source': missing value" in m for m in _problems(data_copy))


def test_duplicate_key(data_copy, edit):
    edit(data_copy, "agents", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    assert any("agents.csv" in m and "duplicate key" in m for m in _problems(data_copy))


def test_duplicate_compound_key(data_copy, edit):
    edit(data_copy, "warnings", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    assert any("warnings.csv" in m and "duplicate key" in m for m in _problems(data_copy))


def test_cancer_type_required_for_oncology_only(data_copy, edit):
    def drop_cancer_type(frame):
        frame.loc[frame["category"] == "oncology", "cancer_type"] = ""
        return frame

    edit(data_copy, "indications", drop_cancer_type)
    assert any("cancer_type is required for oncology" in m for m in _problems(data_copy))


def test_missing_and_unexpected_columns(data_copy, edit):
    edit(data_copy, "targets", lambda f: f.drop(columns=["role"]).assign(colour="red"))
    messages = _problems(data_copy)
    assert "targets.csv line 1, column 'role': required column is missing" in messages
    assert "targets.csv line 1, column 'colour': unexpected column (not in the schema)" in messages


def test_every_problem_is_reported_at_once(data_copy, edit):
    edit(data_copy, "approvals", _set(0, "approval_date", "yesterday"))
    edit(data_copy, "approvals", _set(1, "agency", "XYZ"))
    edit(data_copy, "adverse_events", _set(0, "drug_pct", "140"))
    edit(data_copy, "trials", _set(0, "agent_id", "unknownumab"))
    messages = _problems(data_copy)
    assert len(messages) >= 4
    assert {m.split(".csv")[0] for m in messages} >= {"approvals", "adverse_events", "trials"}


def test_a_bad_value_is_never_silently_turned_into_missing(data_copy, edit):
    edit(data_copy, "approvals", _set(0, "approval_date", "2010-02-30"))
    with pytest.raises(il6.DataValidationError, match="not a valid date"):
        il6.load_approvals(data_copy)


def test_unreadable_csv_is_a_clear_error():
    with pytest.raises(il6.DataValidationError, match="unreadable CSV"):
        parse_table("targets", b'target_id,"gene\n\xff\xfe')


@pytest.mark.parametrize("first", ["il6analysis.curated.efficacy_schema", "il6analysis.curated.coverage_schema"])
def test_no_pyspark_warning_whichever_schema_is_imported_first(first):
    # pandera imports PySpark's pandas API, which warns about pandas 3 unless schemas silenced it first
    import subprocess
    import sys

    script = f"import {first}; import il6analysis as il6; il6.load_efficacy(); il6.load_label_coverage()"
    result = subprocess.run([sys.executable, "-W", "default", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "PySpark" not in result.stderr
