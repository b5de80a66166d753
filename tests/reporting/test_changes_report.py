"""The `changes` report, rendered: a digest of the shipped data against an edited copy."""

from __future__ import annotations

import pytest

from il6analysis.errors import ParameterError
from il6analysis.reporting.runner import run_report


@pytest.mark.notebooks
def test_changes_report_lists_the_change_with_both_sources_and_says_when_there_is_nothing(gallery, suite_dir):
    html = gallery("changes since an edited copy").html  # one originator was "Someone Else" in the copy
    assert "1 change(s) from" in html and "Someone Else" in html
    assert html.count(">agents<") >= 1 and "originator" in html
    assert "Old source" in html and "New source" in html
    assert "Nothing to compare" in (suite_dir / "changes" / "default.html").read_text()  # no `since`


def test_since_that_is_not_a_dataset_is_refused_before_any_kernel(tmp_path):
    (tmp_path / "notes").mkdir()
    for since, words in ((tmp_path / "nowhere", "does not exist"), (tmp_path / "notes", "is not a dataset folder")):
        with pytest.raises(ParameterError, match=words):
            run_report("changes", {"since": str(since)}, output_dir=tmp_path / "out")
    with pytest.raises(ParameterError, match="unknown table 'approval'"):
        run_report("changes", {"domains": "approval"}, output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
