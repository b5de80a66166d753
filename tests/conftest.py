"""Shared fixtures: a writable copy of the curated tables to break on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app


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


@pytest.fixture(scope="session")
def suite_dir(tmp_path_factory) -> Path:
    """The default suite, rendered once by the CLI as `make reports` does."""
    out = tmp_path_factory.mktemp("suite")
    result = CliRunner().invoke(app, ["report", "--all", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    return out


@dataclass
class Quarter:
    """The part of a FAERS read that ingestion uses."""

    tables: dict[str, pd.DataFrame]
    quarters: list[str] = field(default_factory=lambda: ["2099Q1"])


def _hand_made() -> Quarter:
    """Ten reports. Tocilizumab is primary suspect in 1-4 (as ACTEMRA in 1-2, by
    active ingredient in 3-4) and secondary suspect in 7; neutropenia is reported
    in 1, 2, 3, 5, 6 and 7. So, primary suspect only, a=3, b=1, c=3, d=3. A term
    written as markup is reported with tocilizumab only, to test escaping."""
    ids = [str(i) for i in range(1, 11)]
    drug = pd.DataFrame(
        [("1", "PS", "ACTEMRA 162 MG", ""), ("2", "PS", "Actemra", ""), ("3", "PS", "TOCILIZUMAB.", "TOCILIZUMAB"),
         ("4", "PS", "UNKNOWN", "TOCILIZUMAB"), ("7", "SS", "ACTEMRA", "TOCILIZUMAB"),
         ("5", "PS", "MRA VACCINE", ""), ("6", "PS", "METHOTREXATE", "METHOTREXATE"),
         ("8", "PS", "KEVZARA", "SARILUMAB"), ("9", "PS", "ASPIRIN", ""), ("10", "PS", "ASPIRIN", "")],
        columns=["primaryid", "role_cod", "drugname", "prod_ai"], dtype="str",
    )
    reac = pd.DataFrame(
        [(i, "Neutropenia") for i in ["1", "2", "3", "5", "6", "7"]] + [("1", "Rash"), ("8", "Rash"), ("9", "Rash")]
        + [(i, "<b>Bold</b> reaction") for i in ["1", "2", "3", "9"]],
        columns=["primaryid", "pt"], dtype="str",
    )
    demo = pd.DataFrame({"primaryid": ids, "caseid": ids}, dtype="str")
    return Quarter({"demo": demo, "drug": drug, "reac": reac})


@pytest.fixture
def hand_made_faers() -> Quarter:
    return _hand_made()


@pytest.fixture
def faers_database(tmp_path, hand_made_faers) -> Path:
    """A FAERS DuckDB file built from the hand-made reports."""
    from il6analysis.sources.faers_store import ingest

    return ingest(hand_made_faers, tmp_path / "faers.duckdb")
