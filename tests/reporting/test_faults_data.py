"""Faults: reports on data that fails validation, and relative paths given by the user.

Invalid data is refused once, before any worker or kernel starts, with a message that
says to run `il6 data validate`. Relative paths (``$IL6_DATA_DIR``, ``-p faers_db``,
``$IL6_FAERS_DB``) mean the same to the kernel, which runs in ``notebooks/``, as to the
command that was typed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import EXIT_FAILED
from il6analysis.reporting import worker

IL6 = Path(sys.executable).parent / "il6"


@pytest.fixture
def no_worker(monkeypatch):
    """Fail the test if a run starts a worker (and so a kernel)."""
    def refuse(*args, **kwargs):
        raise AssertionError("a worker was started")

    monkeypatch.setattr(worker.WorkerProcess, "__init__", refuse)


def unknown_agent(frame):
    frame.loc[0, "agent_id"] = "tocilizumabX"
    return frame


@pytest.mark.parametrize("command", [["report", "approvals"], ["report", "--all"]], ids=["single", "all"])
def test_reports_refuse_data_that_fails_validation(data_copy, edit, monkeypatch, tmp_path, no_worker, command):
    edit(data_copy, "approvals", unknown_agent)
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    result = CliRunner().invoke(app, [*command, "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == EXIT_FAILED
    assert f"error: the data in {data_copy} fails validation (1 problem(s)), so no report was run" in result.output
    assert f"il6 data validate --data-dir {data_copy}" in result.output
    assert "approvals.csv line 2, column 'agent_id': refers to an unknown agents.agent_id (value 'tocilizumabX')" \
        in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists(), "nothing written"


def test_reports_refuse_a_data_folder_without_its_curation_record(data_copy, monkeypatch, tmp_path, no_worker):
    (data_copy / "DATASET.toml").unlink()
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    result = CliRunner().invoke(app, ["report", "approvals", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == EXIT_FAILED
    assert "fails validation" in result.output and "DATASET.toml" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def il6_in(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(IL6), *args], cwd=folder, env={**os.environ, **env}, capture_output=True, text=True)


@pytest.mark.notebooks
def test_a_relative_data_folder_reaches_the_kernel(data_copy):
    # cwd holds data/; the kernel runs in notebooks/, where data/ would not be found
    result = il6_in(data_copy.parent, "report", "pipeline", "--output-dir", "out", IL6_DATA_DIR="data")
    assert result.returncode == 0, result.stdout + result.stderr  # the pipeline report reads trials and approvals
    assert f"-> {data_copy.parent / 'out' / 'pipeline' / 'default.html'}" in result.stdout


@pytest.mark.notebooks
def test_a_relative_faers_database_reaches_the_kernel(faers_database):
    folder = faers_database.parent
    given = il6_in(folder, "report", "side_effects", "-p", "source=faers", "-p", "faers_db=faers",
                   "--output-dir", "out")
    assert given.returncode == 0, given.stdout + given.stderr
    from_environment = il6_in(folder, "report", "side_effects", "-p", "source=faers", "--output-dir", "out",
                              IL6_FAERS_DB="faers")
    assert from_environment.returncode == 0, from_environment.stdout + from_environment.stderr
    pages = [p.read_text() for p in (folder / "out" / "side_effects").glob("*.html")]
    assert len(pages) == 2
    for html in pages:
        assert "Neutropenia" in html and "2099Q1" in html, "the hand-made database was read"
        assert "No FAERS store has been built" not in html


def test_a_missing_relative_faers_database_is_named_before_anything_runs(tmp_path, monkeypatch, no_worker):
    monkeypatch.chdir(tmp_path)  # the command's own process: refused before any worker, so no real process is needed
    result = CliRunner().invoke(app, ["report", "side_effects", "-p", "faers_db=faers/x.duckdb", "--output-dir", "out"])
    assert result.exit_code == 2
    assert f"no FAERS store at {tmp_path / 'faers' / 'x.duckdb'}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
