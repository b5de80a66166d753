"""Coverage marks of the label sections: pinned marks and the rules that tie them to the label tables."""

from __future__ import annotations

import pytest

import il6analysis as il6
from il6analysis.curated import vocab


def _messages(folder) -> list[str]:
    return [str(p) for p in il6.validate(folder).problems]


def _mark(agent: str, table: str, label: str) -> str:
    coverage = il6.load_label_coverage()
    row = coverage[(coverage["agent_id"] == agent) & (coverage["curated_table"] == table) & (coverage["label"] == label)]
    assert len(row) == 1
    return row["coverage"].iloc[0]


@pytest.mark.parametrize(("agent", "table", "label", "mark"), [
    ("siltuximab", "label_frequencies", "EU SmPC", "complete"),
    ("siltuximab", "adverse_events", "US PI", "not_curated"),
    ("tocilizumab", "warnings", "US PI", "complete"),
    ("tocilizumab", "label_frequencies", "EU SmPC", "not_curated"),
    ("tocilizumab-aazg", "warnings", "US PI", "partial"),
    ("tocilizumab-bavi", "warnings", "US PI", "partial"),
    ("tocilizumab-anoh", "warnings", "US PI", "partial"),
    ("olokizumab", "warnings", "RU label", "not_curated"),
])
def test_pinned_coverage_marks(agent, table, label, mark):
    assert _mark(agent, table, label) == mark


def test_every_incomplete_mark_says_what_is_missing():
    coverage = il6.load_label_coverage()
    incomplete = coverage[coverage["coverage"] != "complete"]
    assert len(incomplete) and incomplete["missing"].str.len().gt(10).all()
    assert set(coverage["coverage"]) == set(vocab.LABEL_COVERAGE_IDS)


def test_siltuximab_smpc_table_holds_its_very_common_and_common_reactions():
    rows = il6.load_label_frequencies().query("agent_id == 'siltuximab'")
    counts = rows["frequency_category"].astype("str").value_counts().to_dict()
    assert counts == {"very_common": 26, "common": 2}
    assert {"Renal impairment", "Weight increased", "Pruritus", "Hypertension"} <= set(rows["term"])


def test_tyenne_warnings_from_its_own_label():
    warnings = il6.load_warnings().query("agent_id == 'tocilizumab-aazg'")
    assert set(warnings["warning_id"]) >= {"tuberculosis", "hepatotoxicity", "immunosuppression",
                                           "hypersensitivity_anaphylaxis", "demyelinating_disorders",
                                           "hepatic_impairment"}
    assert warnings["notes"].str.contains("Own label|Reference text").all()


def _set(agent, table, column, value):
    def change(frame):
        rows = (frame["agent_id"] == agent) & (frame["curated_table"] == table)
        assert rows.sum() >= 1
        frame.loc[rows, column] = value
        return frame
    return change


def test_not_curated_mark_on_curated_rows_is_refused(data_copy, edit):
    edit(data_copy, "label_coverage", _set("siltuximab", "warnings", "coverage", "not_curated"))
    assert any("label_coverage.csv" in m and "marked not_curated but warnings holds 5 row(s)" in m
               for m in _messages(data_copy))


def test_curated_mark_without_rows_is_refused(data_copy, edit):
    edit(data_copy, "label_coverage", _set("tocilizumab-anoh", "adverse_events", "coverage", "partial"))
    assert any("marked partial but adverse_events holds no row of this agent and label" in m for m in _messages(data_copy))


def test_label_rows_without_a_mark_are_named(data_copy, edit):
    def drop(frame):
        return frame[~((frame["agent_id"] == "siltuximab") & (frame["curated_table"] == "label_frequencies"))]

    edit(data_copy, "label_coverage", drop)
    unmarked = [m for m in _messages(data_copy) if "no label_coverage row" in m]
    assert len(unmarked) == 28 and all(m.startswith("label_frequencies.csv line ") for m in unmarked)


def test_partial_mark_must_say_what_is_missing(data_copy, edit):
    edit(data_copy, "label_coverage", _set("sarilumab", "warnings", "missing", ""))
    assert any("missing must say what is not curated" in m for m in _messages(data_copy))
