"""Every default location of il6analysis, decided by one rule.

The rule, for each location in :data:`LOCATIONS`:

1. a path given explicitly (a function argument or a command-line option) wins;
2. else the location's environment variable, if set and not empty;
3. else the location's default, under the *project folder*: ``$IL6_PROJECT_DIR``
   if set, else the checkout the package runs from (the folder holding
   ``il6analysis/`` and ``notebooks/``), else the current directory.

Relative paths from 1 and 2 are made absolute against the current directory
at that moment, once, at the edge: a report's kernel (which runs inside
``notebooks/``) and the suite's worker processes only ever see absolute paths.

The curated tables are the exception to 3: by default they are the ones
shipped inside the package (``il6analysis/curated/data``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from il6analysis.errors import UsageError

PROJECT_VARIABLE = "IL6_PROJECT_DIR"
PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DATA_DIR = PACKAGE_DIR / "curated" / "data"


@dataclass(frozen=True)
class Location:
    """One configurable location: its environment variable, default and meaning."""

    variable: str
    default: str
    meaning: str


LOCATIONS: dict[str, Location] = {
    "data": Location("IL6_DATA_DIR", "", "curated tables read by loaders, notebooks and reports "
                     "(default: the tables shipped in the package)"),
    "notebooks": Location("IL6_NOTEBOOK_DIR", "notebooks", "report notebooks"),
    "suite": Location("IL6_SUITE_FILE", "reports.toml", "the default report suite"),
    "reports": Location("IL6_REPORTS_DIR", "reports", "rendered reports, manifest.json and index.html"),
    "faers": Location("IL6_FAERS_DB", "data/faers", "the FAERS store (a folder) written by `il6 refresh faers`"),
    "cache": Location("IL6_CACHE_DIR", "data/cache", "raw responses of ClinicalTrials.gov and openFDA"),
    "refreshed": Location("IL6_REFRESHED_DIR", "data/refreshed", "data folder written by `il6 refresh`"),
    "changelog": Location("IL6_CHANGELOG_FILE", "CHANGELOG-data.md",
                          "the curated data's changelog, one entry per release, written by `il6 data changelog`"),
}
"""Location name -> environment variable, default under the project folder, meaning."""


def project_dir() -> Path:
    """Return the project folder (absolute): ``$IL6_PROJECT_DIR``, else the checkout
    the package runs from, else the current directory."""
    if os.environ.get(PROJECT_VARIABLE):
        return absolute(os.environ[PROJECT_VARIABLE])
    checkout = PACKAGE_DIR.parent
    if (checkout / "notebooks").is_dir():
        return checkout
    return Path.cwd()


def absolute(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` made absolute against the current directory (``~`` expanded)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def location(name: str, given: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute path of location ``name`` by the module's rule.

    Raises:
        KeyError: ``name`` is not in :data:`LOCATIONS`.
        UsageError: ``given`` is neither a path (``str`` or ``os.PathLike``) nor ``None``.
    """
    spec = LOCATIONS[name]
    if given is not None and not isinstance(given, (str, os.PathLike)):
        raise UsageError(f"the {name} location must be a path (str or pathlib.Path), or None for its default; "
                         f"got {type(given).__name__} {given!r}")
    if given is not None and str(given) != "":
        return absolute(given)
    if os.environ.get(spec.variable):
        return absolute(os.environ[spec.variable])
    if name == "data":
        return SHIPPED_DATA_DIR
    return project_dir() / spec.default


HISTORY_FOLDER = "history"
"""Sub-folder of a refreshed data folder where every refresh appends its dated snapshot."""

DRUGSFDA_PROPOSALS = "approvals.proposals.csv"
"""File of a refreshed data folder where ``il6 refresh drugsfda`` writes its proposed approval changes."""


def history_dir(refreshed: str | os.PathLike[str] | None = None) -> Path:
    """Return the history folder of the refreshed data folder ``refreshed`` (by default the
    ``refreshed`` location): ``<refreshed>/history``."""
    return location("refreshed", refreshed) / HISTORY_FOLDER


def data_folder(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder of curated tables: ``data_dir``, ``$IL6_DATA_DIR`` or the shipped tables."""
    return location("data", data_dir)


def pinned_variables() -> dict[str, str]:
    """Return the project folder and every location variable that is set, each as
    an absolute path (relative values resolved against the current directory now)."""
    pinned = {PROJECT_VARIABLE: str(project_dir())}
    for spec in LOCATIONS.values():
        if os.environ.get(spec.variable):
            pinned[spec.variable] = str(absolute(os.environ[spec.variable]))
    return pinned


def pinned_environ() -> dict[str, str]:
    """Return a copy of the environment with :func:`pinned_variables` applied: what a
    child process started in another folder (a worker, a kernel) should get."""
    return {**os.environ, **pinned_variables()}


@contextlib.contextmanager
def pinned_environment() -> Iterator[dict[str, str]]:
    """Within the block, every location variable that is set (and the project folder)
    holds an absolute path, so a child process started in another folder (a report
    kernel runs in ``notebooks/``) finds the same files; the old values come back after.

    Yields:
        The variables that were pinned, with their absolute values.
    """
    pinned = pinned_variables()
    previous = {name: os.environ.get(name) for name in pinned}
    os.environ.update(pinned)
    try:
        yield pinned
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
