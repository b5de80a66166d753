"""The change model: field-level diffs of two versions of a table or a whole dataset."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from il6analysis.curated.changes import (
    CHANGE_COLUMNS,
    JSON_SCHEMA_VERSION,
    ChangeSchema,
    changes_frame,
    count_changes,
    diff_datasets,
    diff_tables,
    to_json,
)
from il6analysis.curated.loaders import DATASETS, load_table
from il6analysis.curated.snapshots import primary_key
from il6analysis.errors import DuplicateKeyError, UsageError


def _dates(texts: list[str | None]) -> tuple[pd.Series, pd.Series]:
    from il6analysis.curated.dates import parse_partial_dates

    dates, precisions, bad = parse_partial_dates(pd.Series(texts, dtype="object"))
    assert not bad
    return dates, pd.Series(pd.Categorical(precisions.where(precisions != "nan"), categories=["day", "month", "year"]))


def _table(rows: list[tuple[str, str | None, str]]) -> pd.DataFrame:
    """A tiny dated table keyed by (id, when): id, when, when_precision, value, source."""
    dates, precisions = _dates([r[1] for r in rows])
    return pd.DataFrame({"id": [r[0] for r in rows], "when": dates, "when_precision": precisions,
                         "value": [r[2] for r in rows], "source": [f"PMID:{i}" for i, _ in enumerate(rows, 1)]})


def test_every_table_declares_a_primary_key_that_is_unique_in_the_data():
    for name in DATASETS:
        key = primary_key(name)
        frame = load_table(name)
        assert key and set(key) <= set(frame.columns), name
        assert not frame.duplicated(key).any(), name


def test_year_made_a_day_inside_it_is_refined_and_a_date_outside_it_changed():
    old = _table([("a", "2017", "x"), ("b", "2017-05", "y"), ("c", "2019-03-01", "z"), ("d", None, "w")])
    new = _table([("a", "2017-05-22", "x"), ("b", "2017-06-01", "y"), ("c", "2019", "z"), ("d", "2020-01-01", "w")])
    changes = diff_tables("things", old, new, key=["id", "when"], source_column="source")
    assert len(changes) == 4 and set(changes["field"]) == {"when"}
    by_key = changes.set_index("key")
    assert by_key.loc["a | 2017", ["old", "new", "kind", "old_precision", "new_precision"]].tolist() == [
        "2017", "2017-05-22", "refined", "year", "day"]
    assert by_key.loc["b | 2017-05", "kind"] == "changed"  # moved outside May
    assert by_key.loc["c | 2019-03-01", "kind"] == "changed"  # less precise is not a refinement
    assert by_key.loc["d | -", ["old", "new", "kind"]].tolist()[1:] == ["2020-01-01", "changed"]
    assert pd.isna(by_key.loc["d | -", "old"])


def test_added_removed_and_changed_rows_carry_both_sources():
    old = _table([("a", "2017", "x"), ("b", "2018", "y")])
    new = _table([("a", "2017", "x2"), ("c", "2019", "z")])
    new.loc[0, "source"] = "PMID:99"
    changes = diff_tables("things", old, new, key=["id"], source_column="source")
    assert list(changes.columns) == CHANGE_COLUMNS
    assert changes[["key", "field", "old", "new", "kind", "old_source", "new_source"]].astype("object").where(
        changes[["key", "field", "old", "new", "kind", "old_source", "new_source"]].notna(), None).values.tolist() == [
        ["a", "value", "x", "x2", "changed", "PMID:1", "PMID:99"],
        ["a", "source", "PMID:1", "PMID:99", "changed", "PMID:1", "PMID:99"],
        ["b", None, None, None, "removed", "PMID:2", None],
        ["c", None, None, None, "added", None, "PMID:2"],
    ]
    ChangeSchema.validate(changes)


def test_dates_moved_in_a_key_are_paired_by_their_intervals_else_left_as_removed_and_added():
    old = _table([("a", "2017", "x"), ("a", "2018", "y"), ("b", "2019-01-01", "z"), ("b", "2019-01-05", "w")])
    new = _table([("a", "2017-02", "x"), ("a", "2018-03-04", "y"), ("b", "2019-02-01", "z"), ("b", "2019-03-01", "w")])
    changes = diff_tables("things", old, new, key=["id", "when"])
    refined = changes[changes["kind"] == "refined"]
    assert refined[["key", "old", "new"]].values.tolist() == [["a | 2017", "2017", "2017-02"],
                                                              ["a | 2018", "2018", "2018-03-04"]]
    rest = changes[changes["domain"] == "things"].drop(refined.index)
    assert sorted(rest["kind"].astype(str)) == ["added", "added", "removed", "removed"]  # which moved where is unknown


def test_duplicated_keys_are_refused_naming_the_table_side_and_key():
    old = _table([("a", "2017", "x"), ("a", "2018", "y")])
    with pytest.raises(DuplicateKeyError, match=r"things \(old\): duplicated key \(id='a'\)"):
        diff_tables("things", old, old.iloc[:1], key=["id"])


def test_tables_with_different_columns_are_refused():
    old = _table([("a", "2017", "x")])
    with pytest.raises(UsageError, match="only old: value"):
        diff_tables("things", old, old.drop(columns="value"), key=["id"])


def test_changes_frame_types_sorts_and_checks_rows():
    frame = changes_frame([
        {"domain": "trials", "key": "NCT2", "kind": "added", "new_source": "NCT2"},
        {"domain": "approvals", "key": "z", "field": "status", "old": "a", "new": "b", "kind": "changed"},
        {"domain": "approvals", "key": "z", "field": "brand", "old": "c", "new": "d", "kind": "changed"},
    ])
    assert frame["field"].tolist()[:2] == ["status", "brand"]  # stable within a key
    assert frame["domain"].tolist() == ["approvals", "approvals", "trials"]
    assert str(frame["kind"].dtype) == "category" and list(frame.columns) == CHANGE_COLUMNS
    assert changes_frame([]).empty
    with pytest.raises(UsageError, match="unknown change column"):
        changes_frame([{"domain": "x", "key": "k", "kind": "added", "colour": "red"}])
    with pytest.raises(UsageError, match="unknown change kind 'moved'"):
        changes_frame([{"domain": "x", "key": "k", "kind": "moved"}])
    with pytest.raises(UsageError, match="names its field"):
        changes_frame([{"domain": "x", "key": "k", "kind": "added", "field": "status"}])


def test_json_form_has_a_version_counts_keys_and_every_row():
    changes = diff_tables("approvals", _table([("a", "2017", "x")]), _table([("a", "2017-03", "x")]), key=["id"])
    document = json.loads(to_json(changes, old="before", new="after"))
    assert document["schema_version"] == JSON_SCHEMA_VERSION and document["format"] == "il6analysis-changes"
    assert (document["old"], document["new"]) == ("before", "after")
    assert document["counts"] == {"approvals": {"added": 0, "removed": 0, "changed": 0, "refined": 1, "total": 1}}
    assert document["keys"]["approvals"] == primary_key("approvals")
    assert document["changes"] == [{"domain": "approvals", "key": "a", "field": "when", "old": "2017", "new": "2017-03",
                                    "kind": "refined", "old_source": "PMID:1", "new_source": "PMID:1",
                                    "old_precision": "year", "new_precision": "month"}]
    assert json.loads(to_json(changes.iloc[:0]))["changes"] == []
    assert count_changes(changes.iloc[:0]).empty


def _pick_day_approval(folder) -> pd.Series:
    """An approval dated to the day that is the only row of its decision (so its date can move alone)."""
    approvals = load_table("approvals", folder)
    alone = approvals["decision_id"].map(approvals["decision_id"].value_counts()) == 1
    return approvals[alone & (approvals["approval_date_precision"] == "day")].iloc[0]


def test_one_edited_approval_date_is_exactly_one_change(data_copy, edit, tmp_path):
    new = tmp_path / "new"
    shutil.copytree(data_copy, new)
    row = _pick_day_approval(data_copy)
    old_day = row["approval_date"].strftime("%Y-%m-%d")
    new_day = (row["approval_date"] + pd.Timedelta(days=1)).strftime("%Y-%m-%d")

    def move(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["decision_id"] == row["decision_id"], "approval_date"] = new_day
        return frame

    edit(new, "approvals", move)
    changes = diff_datasets(data_copy, new)
    assert len(changes) == 1
    change = changes.iloc[0]
    assert (change["domain"], change["field"], change["old"], change["new"], change["kind"]) == (
        "approvals", "approval_date", old_day, new_day, "changed")
    assert change["key"].startswith(f"{row['agent_id']} | {row['agency']} | {row['indication_id']}")
    assert change["key"].endswith(old_day)
    assert change["old_source"] == change["new_source"] == row["source"]
    assert (change["old_precision"], change["new_precision"]) == ("day", "day")


def test_identical_folders_and_an_export_of_the_same_data_give_no_change(data_copy, tmp_path):
    from typer.testing import CliRunner

    from il6analysis.cli.app import app

    exported = tmp_path / "exported"
    result = CliRunner().invoke(app, ["data", "export", "--format", "csv", str(exported), "--data-dir", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert diff_datasets(data_copy, data_copy).empty
    assert diff_datasets(exported, data_copy).empty


def test_bad_folders_are_one_line_errors_naming_the_file(data_copy, edit, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "agents.parquet").write_bytes(b"")
    cases = {
        "does not exist": tmp_path / "nowhere",
        "is a file, not a dataset folder": data_copy / "agents.csv",
        "is not a dataset folder.*export with --format csv": empty,
    }
    for message, folder in cases.items():
        with pytest.raises(UsageError, match=message) as caught:
            diff_datasets(folder, data_copy)
        assert "\n" not in str(caught.value)
    broken = tmp_path / "broken"
    shutil.copytree(data_copy, broken)
    (broken / "warnings.csv").unlink()
    with pytest.raises(UsageError, match=r"broken/warnings.csv is missing"):
        diff_datasets(broken, data_copy)


def test_tables_of_another_schema_version_or_invalid_are_refused(data_copy, edit, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(data_copy, older)
    edit(older, "targets", lambda f: f.drop(columns=["uniprot_id"]))
    with pytest.raises(UsageError, match=r"older/targets.csv is of another schema version.*missing: uniprot_id"):
        diff_datasets(older, data_copy)
    invalid = tmp_path / "invalid"
    shutil.copytree(data_copy, invalid)
    edit(invalid, "agents", lambda f: f.assign(highest_status="famous"))
    with pytest.raises(UsageError, match=r"invalid/agents.csv is not a valid agents table: agents.csv line 2"):
        diff_datasets(data_copy, invalid)


def test_duplicated_keys_in_a_folder_name_the_file_and_the_key(data_copy, edit, tmp_path):
    twice = tmp_path / "twice"
    shutil.copytree(data_copy, twice)
    edit(twice, "targets", lambda f: pd.concat([f, f.iloc[:1]], ignore_index=True))
    with pytest.raises(DuplicateKeyError, match=r"twice/targets.csv: duplicated key \(target_id="):
        diff_datasets(data_copy, twice)
