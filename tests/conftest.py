"""Shared fixtures: a writable copy of the curated tables to break on purpose."""

from __future__ import annotations

import fcntl
import os
import shutil
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.startup import skip_unused_grammars

skip_unused_grammars()  # as the il6 command and the report workers do


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A folder holding a copy of every shipped table and the curation record."""
    source = resources.files("il6analysis.curated") / "data"
    target = tmp_path / "data"
    target.mkdir()
    for entry in source.iterdir():
        if entry.name.endswith((".csv", ".toml")):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def edit_csv(folder: Path, table: str, edit) -> None:
    """Read ``table`` from ``folder`` as text, replace it by ``edit(frame)`` and write it back."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame).to_csv(path, index=False)


@pytest.fixture
def edit():
    return edit_csv


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def small_suite_text() -> str:
    """A suite with one default run of every notebook and a one-value agent grid.

    Enough to exercise every notebook, the grid, the manifest and the index without the
    whole declared suite (which the suite tests expand but do not render).
    """
    from il6analysis.reporting.catalog import available_reports

    entries = [f'[[report]]\nnotebook = "{name}"\n' for name in sorted(available_reports())]
    entries.append('[[report]]\nnotebook = "agent_profile"\ngrid = { agent = ["sarilumab"] }\n')
    return "\n".join(entries)


def rendered_once(tmp_path_factory, name: str, render) -> Path:
    """Return the folder ``name`` that ``render(folder)`` fills, made once per test run.

    Under pytest-xdist every worker has its own session, so a session fixture alone would render
    once per worker. The folder lives beside the workers' own temporary folders; an exclusive
    lock makes the first worker render it and the others wait for it and reuse it.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    out = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{name}.done").exists():
            shutil.rmtree(out, ignore_errors=True)  # left by a worker that failed half-way
            out.mkdir()
            render(out)
            (root / f"{name}.done").touch()
    return out


@pytest.fixture(scope="session")
def suite_dir(tmp_path_factory) -> Path:
    """A small suite (:func:`small_suite_text`), rendered once per run by the CLI as `make reports` does."""

    def render(out: Path) -> None:
        suite = out.parent / "small-suite.toml"
        suite.write_text(small_suite_text())
        result = CliRunner().invoke(app, ["report", "--suite", str(suite), "--output-dir", str(out)])
        assert result.exit_code == 0, result.output

    return rendered_once(tmp_path_factory, "suite", render)


HAND_MADE_FAERS = Path(__file__).parent / "fixtures" / "faers" / "hand_made_2099q1"
"""Ten hand-made reports (see its PROVENANCE.md): tocilizumab primary suspect in four of them."""


@pytest.fixture
def faers_database(tmp_path) -> Path:
    """A FAERS store holding the hand-made quarter."""
    from il6analysis.faers.ingest import add_quarter

    store = tmp_path / "faers"
    add_quarter(store, HAND_MADE_FAERS)
    return store
