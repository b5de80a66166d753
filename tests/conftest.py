"""Shared fixtures: a writable copy of the curated tables to break on purpose."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.startup import skip_unused_grammars

skip_unused_grammars()  # as the il6 command and the report workers do


def copy_data(target: Path) -> Path:
    """Make ``target``, a folder holding a copy of every shipped table and the curation record."""
    source = resources.files("il6analysis.curated") / "data"
    target.mkdir()
    for entry in source.iterdir():
        if entry.name.endswith((".csv", ".toml")):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A folder holding a copy of every shipped table and the curation record."""
    return copy_data(tmp_path / "data")


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


GALLERY = {
    # label: (report, parameters as typed on the command line); "{faers_store}" is the hand-made
    # store, "{edited_data}" a copy of the shipped data with one agent's originator changed
    "approvals nothing in 2090": ("approvals", {"date_from": "2090-01-01"}),
    "approvals undated first": ("approvals", {"agents": "tocilizumab", "agencies": "MHLW,TGA,MEDSAFE"}),
    "approvals since 2020 with EUAs": ("approvals", {"date_from": "2020-01-01", "count_eua": "true"}),
    "cancer_types melanoma": ("cancer_types", {"cancer_types": "melanoma"}),
    "cancer_types non-default": ("cancer_types", {"cancer_types": "multiple myeloma,prostate cancer",
                                                  "regimens": "chemotherapy,monotherapy"}),
    "side_effects non-default": ("side_effects", {"agents": "Kevzara,Actemra", "min_pct": "3"}),
    "side_effects hand-made FAERS": ("side_effects", {"source": "faers", "faers_db": "{faers_store}"}),
    "benefit_risk NMOSD": ("benefit_risk", {"indication": "NMOSD"}),
    "benefit_risk RA after a TNF inhibitor": ("benefit_risk", {"indication": "RA", "population": "ra_tnfi_ir"}),
    "changes since an edited copy": ("changes", {"since": "{edited_data}"}),
}
"""Reports with chosen parameters that tests read; rendered with the small suite, in one run."""


def small_suite_text(places: dict[str, Path] | None = None) -> str:
    """A suite with one default run of every notebook and a one-value agent grid (siltuximab, by
    its brand name), then (given the ``places`` that :data:`GALLERY` names) every gallery run,
    in that order.

    Enough to exercise every notebook, the grid, the manifest and the index without the
    whole declared suite (which the suite tests expand but do not render).
    """
    from il6analysis.reporting.catalog import available_reports

    entries = [f'[[report]]\nnotebook = "{name}"\n' for name in sorted(available_reports())]
    entries.append('[[report]]\nnotebook = "agent_profile"\ngrid = { agent = ["Sylvant"] }\n')  # a brand name
    for report, parameters in GALLERY.values() if places else ():
        values = ", ".join(f"{key} = {json.dumps(value.format(**places))}"
                           for key, value in parameters.items())
        entries.append(f'[[report]]\nnotebook = "{report}"\nparameters = {{ {values} }}\n')
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
    """The small suite and the :data:`GALLERY` runs (:func:`small_suite_text`), rendered once per
    run by the CLI as `make reports` does, with no FAERS store at the default location."""

    def render(out: Path) -> None:
        from il6analysis.faers.ingest import add_quarter
        from il6analysis.reporting.suite import load_suite

        places = {"faers_store": out.parent / "gallery-faers", "edited_data": out.parent / "gallery-edited-data"}
        for place in places.values():
            shutil.rmtree(place, ignore_errors=True)
        add_quarter(places["faers_store"], HAND_MADE_FAERS)
        copy_data(places["edited_data"])
        edit_csv(places["edited_data"], "agents",
                 lambda f: f.assign(originator=f["originator"].where(f.index != 0, "Someone Else")))
        suite = out.parent / "small-suite.toml"
        suite.write_text(small_suite_text(places))
        result = CliRunner().invoke(app, ["report", "--suite", str(suite), "--output-dir", str(out)],
                                    env={"IL6_FAERS_DB": str(out.parent / NO_FAERS_STORE)})
        assert result.exit_code == 0, result.output
        keys = [job.key for job in load_suite(suite)][-len(GALLERY):]
        (out.parent / "gallery-keys.json").write_text(json.dumps(dict(zip(GALLERY, keys))))

    return rendered_once(tmp_path_factory, "suite", render)


NO_FAERS_STORE = "no-faers-store"
"""Where the suite's FAERS store would be, beside the suite folder: absent, so reports say there is none."""


@dataclass(frozen=True)
class Page:
    """One rendered report: the text of the executed notebook's outputs, and the published HTML."""

    outputs: str
    html: str


@pytest.fixture(scope="session")
def gallery(suite_dir):
    """``gallery(label)``: the :class:`Page` of a :data:`GALLERY` run."""
    import nbformat

    from il6analysis.reporting.manifest import read_manifest

    keys = json.loads((suite_dir.parent / "gallery-keys.json").read_text())
    manifest = read_manifest(suite_dir)

    @functools.cache
    def page(label: str) -> Page:
        entry = manifest[keys[label]]
        executed = nbformat.read(suite_dir / entry["notebook"], as_version=4)
        return Page(json.dumps([c.get("outputs") for c in executed.cells], ensure_ascii=False),
                    (suite_dir / entry["html"]).read_text())

    return page


HAND_MADE_FAERS = Path(__file__).parent / "fixtures" / "faers" / "hand_made_2099q1"
"""Ten hand-made reports (see its PROVENANCE.md): tocilizumab primary suspect in four of them."""


@pytest.fixture
def faers_database(tmp_path) -> Path:
    """A FAERS store holding the hand-made quarter."""
    from il6analysis.faers.ingest import add_quarter

    store = tmp_path / "faers"
    add_quarter(store, HAND_MADE_FAERS)
    return store
