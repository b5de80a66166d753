"""label_coverage: what reports say beside a label table."""

from __future__ import annotations

import pytest

from il6analysis.analysis import safety
from il6analysis.errors import UnknownNameError


def test_coverage_of_one_agent_by_any_name_with_row_counts():
    table = safety.label_coverage(["Sylvant"])
    assert set(table["agent_id"]) == {"siltuximab"}
    assert list(table.columns) == ["agent_id", "label", "section", "curated_table", "coverage", "curated_rows",
                                   "missing", "source", "source_kind"]
    counts = table.set_index(["label", "curated_table"])["curated_rows"].to_dict()
    assert counts == {("EU SmPC", "label_frequencies"): 28, ("US PI", "warnings"): 5, ("US PI", "adverse_events"): 0}


def test_not_curated_marks_cover_no_rows_and_curated_ones_some():
    table = safety.label_coverage()
    assert (table.loc[table["coverage"] == "not_curated", "curated_rows"] == 0).all()
    assert (table.loc[table["coverage"] != "not_curated", "curated_rows"] > 0).all()


def test_unknown_agent_is_refused():
    with pytest.raises(UnknownNameError):
        safety.label_coverage(["nosuchumab"])
