"""The `changes` report, rendered: a digest of an edited copy of the data against the original."""

from __future__ import annotations

import shutil

import pytest

from il6analysis.errors import ParameterError
from il6analysis.reporting.runner import run_report


@pytest.mark.notebooks
def test_changes_report_lists_the_change_with_both_sources_and_says_when_there_is_nothing(
        data_copy, edit, tmp_path, monkeypatch):
    new = tmp_path / "new"
    shutil.copytree(data_copy, new)
    edit(new, "agents", lambda f: f.assign(originator=f["originator"].where(f.index != 0, "Someone Else")))
    monkeypatch.setenv("IL6_DATA_DIR", str(new))
    run = run_report("changes", {"since": str(data_copy)}, output_dir=tmp_path / "out")
    html = (tmp_path / "out" / run.html).read_text()
    assert "1 change(s) from" in html and "Someone Else" in html
    assert html.count(">agents<") >= 1 and "originator" in html
    assert "Old source" in html and "New source" in html
    nothing = run_report("changes", {}, output_dir=tmp_path / "out")
    assert "Nothing to compare" in (tmp_path / "out" / nothing.html).read_text()


def test_since_that_is_not_a_dataset_is_refused_before_any_kernel(tmp_path):
    (tmp_path / "notes").mkdir()
    for since, words in ((tmp_path / "nowhere", "does not exist"), (tmp_path / "notes", "is not a dataset folder")):
        with pytest.raises(ParameterError, match=words):
            run_report("changes", {"since": str(since)}, output_dir=tmp_path / "out")
    with pytest.raises(ParameterError, match="unknown table 'approval'"):
        run_report("changes", {"domains": "approval"}, output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
