"""Faults at the command line: bad tables, bad suite files, unusable output folders,
a corrupt manifest, an unexpected error. Each gives an `error:` line naming what was
wrong and what is valid, its documented exit code, no traceback, and writes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import EXIT_CANNOT_WRITE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def out_of_range(frame):
    frame.loc[0, "drug_pct"] = "140"
    return frame


def clean(result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.output.count("error: ") == 1
    return result.output


@pytest.mark.parametrize("command", [["data", "show", "adverse_events"], ["data", "list"], ["data", "export", "X"]],
                         ids=["show", "list", "export"])
def test_data_commands_on_an_invalid_table(data_copy, edit, tmp_path, command):
    edit(data_copy, "adverse_events", out_of_range)
    command = [str(tmp_path / "export") if part == "X" else part for part in command]
    output = clean(run(*command, "--data-dir", str(data_copy)), EXIT_FAILED)
    assert "adverse_events.csv line 2, column 'drug_pct': out of range: must be <= 100 (value '140')" in output
    assert not (tmp_path / "export").exists(), "an export of invalid data writes nothing"


@pytest.mark.parametrize("command", [["data", "show", "targets"], ["data", "list"], ["data", "export", "X"]],
                         ids=["show", "list", "export"])
def test_data_commands_on_a_missing_table(data_copy, tmp_path, command):
    (data_copy / "targets.csv").unlink()
    command = [str(tmp_path / "export") if part == "X" else part for part in command]
    output = clean(run(*command, "--data-dir", str(data_copy)), EXIT_FAILED)
    assert "targets.csv" in output and "missing" in output
    assert not (tmp_path / "export").exists()


def test_data_commands_on_a_missing_folder(tmp_path):
    output = clean(run("data", "show", "approvals", "--data-dir", str(tmp_path / "nowhere")), EXIT_USAGE)
    assert str(tmp_path / "nowhere") in output and "give a folder holding the tables" in output


def test_a_missing_suite_file(tmp_path):
    output = clean(run("report", "--suite", str(tmp_path / "nowhere.toml"), "--output-dir", str(tmp_path / "out")),
                   EXIT_USAGE)
    assert f"suite {tmp_path / 'nowhere.toml'} rejected, nothing was run" in output
    assert "no such file; give an existing TOML suite file" in output
    assert not (tmp_path / "out").exists()


def test_a_suite_file_that_is_not_utf8(tmp_path, monkeypatch):
    suite = tmp_path / "suite.toml"
    suite.write_bytes('[[report]]\nnotebook = "approvals"  # caf\u00e9\n'.encode("latin-1"))
    monkeypatch.setenv("IL6_SUITE_FILE", str(suite))
    output = clean(run("report", "--all", "--output-dir", str(tmp_path / "out")), EXIT_USAGE)
    assert "not UTF-8 text (invalid continuation byte at byte 40)" in output and "UTF-8 TOML" in output
    assert not (tmp_path / "out").exists()


def test_a_corrupt_manifest_is_named_and_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{not json")
    suite = tmp_path / "suite.toml"
    suite.write_text('[[report]]\nnotebook = "approvals"\n')
    output = clean(run("report", "--suite", str(suite), "--output-dir", str(out)), EXIT_USAGE)
    assert f"{out / 'manifest.json'} is not a report manifest" in output and "Move it aside" in output
    assert (out / "manifest.json").read_text() == "{not json"


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody may write to: permissions for a normal user, a read-only tmpfs for root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not shutil.which("mount") or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                                                   capture_output=True).returncode != 0:
        pytest.skip("root cannot be refused a write here without mounting a read-only tmpfs")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_reports_into_a_read_only_folder(read_only_dir):
    output = clean(run("report", "approvals", "--output-dir", str(read_only_dir / "out")), EXIT_CANNOT_WRITE)
    assert f"cannot write to the output folder {read_only_dir / 'out'}" in output
    assert "Give a writable folder with --output-dir or $IL6_REPORTS_DIR" in output


def test_export_into_a_read_only_folder(read_only_dir):
    output = clean(run("data", "export", str(read_only_dir / "out")), EXIT_CANNOT_WRITE)
    assert f"cannot write {read_only_dir / 'out'}" in output and "unchanged" in output


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch):
    from il6analysis.curated import loaders

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(loaders, "list_datasets", broken)
    output = clean(run("data", "list"), EXIT_FAILED)
    assert "error: unexpected RuntimeError: something nobody expected" in output
    assert "re-run with --debug" in output
    with pytest.raises(RuntimeError, match="nobody expected"):
        runner.invoke(app, ["data", "list", "--debug"], catch_exceptions=False)


def test_ctrl_c_in_any_command_is_an_error_line_and_130(monkeypatch):
    from il6analysis.curated import loaders

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loaders, "list_datasets", interrupted)
    output = clean(run("data", "list"), EXIT_INTERRUPTED)
    assert "error: interrupted: work in progress was stopped" in output
