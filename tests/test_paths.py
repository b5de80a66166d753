"""Locations: relative values are made absolute once, at the edge, for child processes."""

from __future__ import annotations

import os

from il6analysis import paths


def test_set_location_variables_are_pinned_absolute_for_children(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IL6_DATA_DIR", "data/refreshed")
    monkeypatch.setenv("IL6_FAERS_DB", "faers/x.duckdb")
    monkeypatch.delenv("IL6_CACHE_DIR", raising=False)
    child = paths.pinned_environ()
    assert child["IL6_DATA_DIR"] == str(tmp_path / "data" / "refreshed")
    assert child["IL6_FAERS_DB"] == str(tmp_path / "faers" / "x.duckdb")
    assert "IL6_CACHE_DIR" not in child, "an unset location stays unset"
    assert os.path.isabs(child[paths.PROJECT_VARIABLE])
    assert os.environ["IL6_DATA_DIR"] == "data/refreshed", "the parent's own environment is not changed"


def test_pinned_environment_restores_the_previous_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IL6_DATA_DIR", "data")
    monkeypatch.delenv(paths.PROJECT_VARIABLE, raising=False)
    with paths.pinned_environment() as pinned:
        assert os.environ["IL6_DATA_DIR"] == str(tmp_path / "data") == pinned["IL6_DATA_DIR"]
    assert os.environ["IL6_DATA_DIR"] == "data"
    assert paths.PROJECT_VARIABLE not in os.environ
