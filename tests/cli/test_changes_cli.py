"""`il6 changes OLD [NEW]`, run as a user would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.curated.loaders import load_table

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def moved(data_copy: Path, edit, tmp_path: Path) -> tuple[Path, pd.Series, str]:
    """A second copy of the data with one approval (dated to the day, alone in its decision) a day later:
    the folder, the row as it was, and the new day."""
    new = tmp_path / "new"
    shutil.copytree(data_copy, new)
    approvals = load_table("approvals", data_copy)
    alone = approvals["decision_id"].map(approvals["decision_id"].value_counts()) == 1
    row = approvals[alone & (approvals["approval_date_precision"] == "day")].iloc[-1]
    new_day = (row["approval_date"] + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    edit(new, "approvals", lambda f: f.assign(approval_date=f["approval_date"].where(
        f["decision_id"] != row["decision_id"], new_day)))
    return new, row, new_day


def test_an_edited_approval_date_is_reported_exactly(data_copy, moved):
    new, row, new_day = moved
    old_day = row["approval_date"].strftime("%Y-%m-%d")
    result = run("changes", data_copy, new, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["counts"] == {"approvals": {"added": 0, "removed": 0, "changed": 1, "refined": 0, "total": 1}}
    [change] = document["changes"]
    key = " | ".join(str(row[c]) if isinstance(row[c], str) else "-" for c in
                     ["agent_id", "agency", "indication_id", "route", "status", "population"]) + f" | {old_day}"
    assert change == {"domain": "approvals", "key": key, "field": "approval_date", "old": old_day, "new": new_day,
                      "kind": "changed", "old_source": row["source"], "new_source": row["source"],
                      "old_precision": "day", "new_precision": "day"}
    summary = run("changes", data_copy, new)
    assert summary.exit_code == 0
    assert "1 change(s)" in summary.stdout and key in summary.stdout
    assert f"approval_date: {old_day} -> {new_day}  [changed]" in summary.stdout


def test_a_year_made_a_day_is_a_refinement(data_copy, edit, tmp_path):
    new = tmp_path / "new"
    shutil.copytree(data_copy, new)
    trials = load_table("trials", data_copy)
    trial = trials[trials["start_date_precision"] == "month"]["nct_id"].iloc[0]
    day = trials.loc[trials["nct_id"] == trial, "start_date"].iloc[0].strftime("%Y-%m-") + "15"
    edit(new, "trials", lambda f: f.assign(start_date=f["start_date"].where(f["nct_id"] != trial, day)))
    result = run("changes", data_copy, new, "--json")
    changes = json.loads(result.stdout)["changes"]
    assert changes and {(c["field"], c["new"], c["kind"], c["old_precision"], c["new_precision"]) for c in changes} == {
        ("start_date", day, "refined", "month", "day")}


def test_identical_folders_give_no_change_and_exit_0(data_copy):
    result = run("changes", data_copy, data_copy, "--fail-on-change")
    assert result.exit_code == 0
    assert result.stdout.startswith("no change from")


def test_new_defaults_to_the_package_data(data_copy, monkeypatch):
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    result = run("changes", data_copy, "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["new"] == str(data_copy) and document["changes"] == []


def test_fail_on_change_exits_3_after_printing(data_copy, moved):
    result = run("changes", data_copy, moved[0], "--fail-on-change")
    assert result.exit_code == 3
    assert "1 change(s)" in result.stdout and "--fail-on-change" in result.stderr


def test_csv_is_written_whole_and_never_overwritten_without_force(data_copy, moved, tmp_path):
    target = tmp_path / "changes.csv"
    assert run("changes", data_copy, moved[0], "--csv", target).exit_code == 0
    written = pd.read_csv(target)
    assert len(written) == 1 and written["field"].tolist() == ["approval_date"]
    target.write_text("keep me")
    refused = run("changes", data_copy, moved[0], "--csv", target)
    assert refused.exit_code == 2 and "add --force" in refused.stderr
    assert target.read_text() == "keep me"
    assert run("changes", data_copy, moved[0], "--csv", target, "--force").exit_code == 0
    assert target.read_text().startswith("domain,key,field")


def _bad_inputs(data_copy: Path, edit, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Folders that cannot be compared, with the words their error must contain."""
    def variant(name: str, change) -> Path:
        folder = tmp_path / name
        shutil.copytree(data_copy, folder)
        change(folder)
        return folder

    not_dataset = tmp_path / "notes"
    not_dataset.mkdir()
    (not_dataset / "readme.txt").write_text("hello")
    return {
        "missing folder": (tmp_path / "nowhere", "does not exist"),
        "not a dataset": (not_dataset, "is not a dataset folder"),
        "missing file": (variant("lacking", lambda f: (f / "trial_partners.csv").unlink()),
                         "trial_partners.csv is missing"),
        "schema version": (variant("older", lambda f: edit(f, "warnings", lambda w: w.drop(columns=["boxed"]))),
                           "warnings.csv is of another schema version"),
        "duplicated key": (variant("twice", lambda f: edit(f, "agents", lambda a: pd.concat([a, a.iloc[-1:]]))),
                           "agents.csv: duplicated key (agent_id="),
    }


def test_bad_input_is_one_line_exit_2_and_nothing_written(data_copy, edit, tmp_path):
    target = tmp_path / "out.csv"
    for case, (folder, words) in _bad_inputs(data_copy, edit, tmp_path).items():
        for args in (("changes", folder, data_copy, "--csv", target), ("changes", data_copy, folder, "--json")):
            result = run(*args)
            assert result.exit_code == 2, (case, result.output)
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, (case, result.stderr)
            assert words in result.stderr, (case, result.stderr)
            assert str(folder) in result.stderr, case
            assert "Traceback" not in result.output and result.stdout == ""
            assert not target.exists()


def test_unknown_domain_and_no_folder_are_usage_errors(data_copy):
    unknown = run("changes", data_copy, "--domain", "approval")
    assert unknown.exit_code == 2 and "did you mean: 'approvals'" in unknown.stderr
    nothing = run("changes")
    assert nothing.exit_code == 2 and "give OLD" in nothing.stderr


def test_domain_keeps_only_that_table(data_copy, moved):
    result = run("changes", data_copy, moved[0], "--domain", "trials", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["changes"] == []


def test_an_earlier_release_of_another_schema_needs_across_versions(data_copy, edit, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(data_copy, older)
    (older / "targets.csv").unlink()
    edit(older, "trials", lambda f: f.drop(columns=["title"]))
    refused = run("changes", older, data_copy)
    assert refused.exit_code == 2 and "--across-versions" in refused.stderr
    result = run("changes", older, data_copy, "--across-versions", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document["counts"]) == {"targets"} and document["counts"]["targets"]["added"] > 0
    assert "note: table targets added" in result.stderr and "note: trials: column title added" in result.stderr


def test_a_refreshed_folder_with_its_extra_files_reads_as_a_dataset(data_copy, tmp_path):
    refreshed = tmp_path / "refreshed"
    shutil.copytree(data_copy, refreshed)
    (refreshed / "trials.changes.csv").write_text("nct_id,change\nNCT00000000,added\n")
    (refreshed / "history" / "trials").mkdir(parents=True)
    result = run("changes", data_copy, refreshed, "--fail-on-change")
    assert result.exit_code == 0 and result.stdout.startswith("no change from")
