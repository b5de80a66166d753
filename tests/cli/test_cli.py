"""The `il6 data ...` commands, run as a user would."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import il6analysis as il6
from il6analysis.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_data_list_names_every_table():
    result = run("data", "list")
    assert result.exit_code == 0
    for name in il6.list_datasets()["table"]:
        assert name in result.output


def test_data_show_filters_by_any_agent_name():
    result = run("data", "show", "approvals", "--agent", "Kevzara", "--csv")
    assert result.exit_code == 0
    from io import StringIO

    shown = pd.read_csv(StringIO(result.output))
    assert set(shown["agent_id"]) == {"sarilumab"}
    assert len(shown) == (il6.load_approvals()["agent_id"] == "sarilumab").sum()


def test_data_show_unknown_agent_suggests_close_matches():
    result = run("data", "show", "approvals", "--agent", "Kevzra")
    assert result.exit_code == 2
    assert "unknown agent 'Kevzra'" in result.output and "Kevzara" in result.output
    assert "Traceback" not in result.output


def test_data_show_unknown_table_suggests_close_matches():
    result = run("data", "show", "aproval")
    assert result.exit_code == 2
    assert "approvals" in result.output


def test_data_show_agent_filter_on_table_without_agents():
    result = run("data", "show", "targets", "--agent", "Actemra")
    assert result.exit_code == 2
    assert "no agent_id column" in result.output


def test_data_describe_prints_the_dictionary():
    result = run("data", "describe", "approvals")
    assert result.exit_code == 0
    assert "approval_date" in result.output and "regulator's action" in result.output


def test_data_validate_passes_on_shipped_data():
    result = run("data", "validate")
    assert result.exit_code == 0
    from il6analysis.curated.loaders import DATASETS

    assert f"all {len(DATASETS)} tables valid" in result.output


def test_data_validate_fails_and_lists_problems(data_copy, edit):
    def break_it(frame):
        frame.loc[0, "drug_pct"] = "140"
        return frame

    edit(data_copy, "adverse_events", break_it)
    result = run("data", "validate", "--data-dir", str(data_copy))
    assert result.exit_code == 1
    assert "adverse_events.csv line 2, column 'drug_pct': out of range: must be <= 100 (value '140')" in result.output


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", ".csv"), ("parquet", ".parquet")])
def test_data_export_writes_every_table(tmp_path, fmt, suffix):
    result = run("data", "export", "--format", fmt, str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{name}{suffix}" for name in il6.list_datasets()["table"])
    if fmt == "parquet":
        back = pd.read_parquet(tmp_path / "out" / "approvals.parquet")
        assert len(back) == len(il6.load_approvals())


def test_data_export_xlsx_has_a_sheet_per_table(tmp_path):
    result = run("data", "export", "--format", "xlsx", str(tmp_path))
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel(tmp_path / "il6analysis.xlsx", sheet_name=None)
    assert list(sheets) == list(il6.list_datasets()["table"])
    assert len(sheets["trials"]) == len(il6.load_trials())


def test_data_export_rejects_unknown_format(tmp_path):
    result = run("data", "export", "--format", "json", str(tmp_path))
    assert result.exit_code == 2
    assert "csv" in result.output and "parquet" in result.output


def test_data_export_refuses_an_existing_file_unless_forced(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("mine")
    result = run("data", "export", str(target))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {target} is an existing file")
    assert "--force" in result.output and "Traceback" not in result.output
    assert target.read_text() == "mine"
    result = run("data", "export", "--force", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "approvals.csv").is_file()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_data_export_refuses_a_non_empty_folder_unless_forced(tmp_path, fmt):
    (tmp_path / "approvals.csv").write_text("the user's own file")
    (tmp_path / "notes.txt").write_text("keep")
    result = run("data", "export", "--format", fmt, str(tmp_path))
    assert result.exit_code == 2
    assert "is not empty (it holds approvals.csv, notes.txt)" in result.output and "--force" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["approvals.csv", "notes.txt"]
    assert (tmp_path / "approvals.csv").read_text() == "the user's own file"
    result = run("data", "export", "--format", fmt, "--force", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes.txt").read_text() == "keep"
    assert (tmp_path / ("approvals.csv" if fmt == "csv" else "il6analysis.xlsx")).stat().st_size > 100
