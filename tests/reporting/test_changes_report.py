"""The `changes` report, rendered: a digest of an edited copy of the data against the original."""

from __future__ import annotations

import shutil

import pytest

from il6analysis.reporting.runner import run_report

pytestmark = pytest.mark.notebooks


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
