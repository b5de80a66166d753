"""Whole-data-set validation: the shipped data is valid; broken references are caught."""

from __future__ import annotations

import pandas as pd

import il6analysis as il6
from il6analysis.curated.validation import FOREIGN_KEYS


def test_shipped_data_is_valid():
    report = il6.validate()
    assert report.ok, str(report)
    assert report.to_frame().empty


def _first_row_set(column: str, value: str):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, column] = value
        return frame

    return edit


def test_every_foreign_key_is_checked(data_copy, edit):
    for table, column, ref_table, ref_column in FOREIGN_KEYS:
        missing = "NCT99999999" if column == "nct_id" else "no-such-thing"  # well-formed, but absent
        edit(data_copy, table, _first_row_set(column, missing))
    report = il6.validate(data_copy)
    found = {(p.table, p.column) for p in report.problems if "refers to an unknown" in p.rule}
    assert found == {(t, c) for t, c, _, _ in FOREIGN_KEYS}
    frame = report.to_frame()
    assert {"table", "line", "column", "rule", "value"} == set(frame.columns)


def test_unknown_agent_in_approvals_names_row_and_rule(data_copy, edit):
    edit(data_copy, "approvals", _first_row_set("agent_id", "unknownumab"))
    report = il6.validate(data_copy)
    assert [str(p) for p in report.problems] == [
        "approvals.csv line 2, column 'agent_id': refers to an unknown agents.agent_id (value 'unknownumab')"
    ]


def test_name_shared_by_two_agents_is_a_problem(data_copy, edit):
    def add_clash(frame: pd.DataFrame) -> pd.DataFrame:
        clash = frame.iloc[[0]].assign(agent_id="sarilumab", name="ACTEMRA")
        return pd.concat([frame, clash], ignore_index=True)

    edit(data_copy, "agent_names", add_clash)
    rules = [p.rule for p in il6.validate(data_copy).problems]
    assert any(r.startswith("name shared by several agents") for r in rules)


def test_trial_rows_must_agree_on_trial_level_values(data_copy, edit):
    def conflicting_copy(frame: pd.DataFrame) -> pd.DataFrame:
        extra = frame.iloc[[0]].assign(indication_id="solid-tumors", phase="PHASE3" if frame.loc[0, "phase"] != "PHASE3" else "PHASE1")
        return pd.concat([frame, extra], ignore_index=True)

    edit(data_copy, "trials", conflicting_copy)
    problems = il6.validate(data_copy).problems
    assert any(p.table == "trials" and p.column == "phase" and "differs" in p.rule for p in problems)


def test_missing_table_file_is_reported(data_copy):
    (data_copy / "warnings.csv").unlink()
    assert any(p.table == "warnings" and "missing" in p.rule for p in il6.validate(data_copy).problems)


def test_raise_if_problems(data_copy, edit):
    edit(data_copy, "approvals", _first_row_set("agent_id", "unknownumab"))
    report = il6.validate(data_copy)
    try:
        report.raise_if_problems()
    except il6.DataValidationError as exc:
        assert exc.problems == report.problems
    else:
        raise AssertionError("expected DataValidationError")
    il6.validate().raise_if_problems()


def test_row_rule_failures_are_collected_in_linear_work(data_copy, monkeypatch):
    """A file made by repeating its rows fails the key rule on every repeated row; collecting
    those problems must compare each one a bounded number of times, not with every earlier one
    (that made `il6 data validate` quadratic: 20 MB took minutes)."""
    from il6analysis.errors import Problem

    path = data_copy / "approvals.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(header + "".join(rows) * 12, encoding="utf-8")
    comparisons = 0
    original = Problem.__eq__

    def counted(self, other):
        nonlocal comparisons
        comparisons += 1
        return original(self, other)

    monkeypatch.setattr(Problem, "__eq__", counted)
    report = il6.validate(data_copy)
    duplicates = [p for p in report.problems if p.table == "approvals" and p.rule == "duplicate key"]
    assert len(duplicates) == 12 * len(rows)  # every copy of a repeated key, the first too
    assert comparisons <= 10 * len(duplicates)  # a few per failure case (one per key column); a list made it ~10^7
