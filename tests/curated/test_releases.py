"""Comparing releases of different schema versions, as the data changelog does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from il6analysis.curated.loaders import load_table
from il6analysis.curated.releases import diff_releases
from il6analysis.errors import UsageError


@pytest.fixture
def older(data_copy: Path, edit, tmp_path: Path) -> Path:
    """An 'earlier release' made from a copy of the data: no targets table, no trials title column, one
    warning fewer, one agent's originator different, one trial's start date only to the year."""
    folder = tmp_path / "older"
    shutil.copytree(data_copy, folder)
    (folder / "targets.csv").unlink()
    edit(folder, "trials", lambda f: f.drop(columns=["title"]))
    edit(folder, "warnings", lambda f: f.iloc[1:])
    edit(folder, "agents", lambda f: f.assign(originator=f["originator"].where(f.index != 0, "Earlier Pharma")))
    return folder


def test_releases_of_different_schemas_compare_what_they_share(older, data_copy):
    changes, notes = diff_releases(older, data_copy)
    targets = load_table("targets", data_copy)
    assert notes == [f"table `targets` added ({len(targets)} rows)", "`trials`: column `title` added (not compared)"]
    kinds = changes.groupby(["domain", "kind"], observed=True).size().to_dict()
    assert kinds == {("agents", "changed"): 1, ("targets", "added"): len(targets), ("warnings", "added"): 1}
    agent = load_table("agents", data_copy).iloc[0]
    [changed] = changes[changes["domain"] == "agents"].to_dict("records")
    assert (changed["key"], changed["field"], changed["old"], changed["new"]) == (
        agent["agent_id"], "originator", "Earlier Pharma", agent["originator"])


def test_a_date_refined_between_releases_of_different_schemas(older, data_copy, edit):
    trials = load_table("trials", data_copy)
    row = trials[trials["start_date_precision"] == "day"].iloc[0]
    year = str(row["start_date"].year)
    edit(older, "trials", lambda f: f.assign(start_date=f["start_date"].where(f["nct_id"] != row["nct_id"], year)))
    changes, _ = diff_releases(older, data_copy)
    refined = changes[changes["domain"] == "trials"]
    assert set(refined["kind"].astype(str)) == {"refined"} and set(refined["old"]) == {year}
    assert set(refined["old_precision"].astype(str)) == {"year"}
    assert set(refined["new_precision"].astype(str)) == {"day"}
    assert (refined["key"].str.split(" | ", regex=False).str[0] == row["nct_id"]).all()


def test_identical_releases_give_nothing(data_copy):
    changes, notes = diff_releases(data_copy, data_copy)
    assert changes.empty and notes == []


def test_a_release_that_is_not_a_dataset_or_has_a_bad_date_is_refused(older, data_copy, edit, tmp_path):
    with pytest.raises(UsageError, match="is not a dataset folder"):
        diff_releases(tmp_path, data_copy)
    edit(older, "trials", lambda f: f.assign(start_date="someday"))
    with pytest.raises(UsageError, match=r"older/trials.csv is not a valid trials table: line 2, column 'start_date'"):
        diff_releases(older, data_copy)
