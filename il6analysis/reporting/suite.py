"""Report suites: which notebooks run with which parameters, declared in a TOML file.

A suite file lists ``[[report]]`` entries::

    [[report]]
    notebook = "approvals"                      # one report with its defaults

    [[report]]
    notebook = "approvals"
    parameters = { agencies = ["FDA"] }         # one report with these values

    [[report]]
    notebook = "side_effects"
    grid = { agents = "@approved_agents" }      # one report per approved agent

A grid value is a list, or the name of a set the data defines (see
:data:`GRID_SETS`); several grid keys give their cartesian product. For a
list parameter each grid value becomes a one-item list. A file with any
unknown notebook, key, parameter or bad value is rejected as a whole, with
every problem listed, before anything runs.
"""

from __future__ import annotations

import itertools
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from il6analysis.curated.matching import closest
from il6analysis.errors import ParameterError, SuiteError, UnknownNameError
from il6analysis.reporting.catalog import Report, available_reports, load_report

ENTRY_KEYS = {"notebook", "parameters", "grid"}


def _named_set(function: str) -> Callable[[], list[str]]:
    """A grid set computed by ``il6analysis.analysis.agents.<function>``, imported on first use."""

    def values() -> list[str]:
        from il6analysis.analysis import agents

        return getattr(agents, function)()

    return values


GRID_SETS: dict[str, Callable[[], list[str]]] = {
    "@approved_agents": _named_set("approved_agents"),
    "@agents": _named_set("all_agents"),
    "@labelled_agents": _named_set("labelled_agents"),
    "@cancer_types": _named_set("cancer_types"),
}
"""Named value sets a grid may use: agents authorised anywhere, all agents,
agents with label safety data, and every cancer type that has a trial."""


@dataclass(frozen=True)
class Job:
    """One report to produce: the report, its checked canonical parameter values, output slug."""

    report: Report
    parameters: dict[str, Any]
    slug: str

    @property
    def key(self) -> str:
        """The job's identity in the manifest: ``"<report>/<slug>"``."""
        return f"{self.report.name}/{self.slug}"


def _grid_values(where: str, key: str, value: Any, problems: list[str]) -> list[Any]:
    if isinstance(value, str) and value.startswith("@"):
        if value not in GRID_SETS:
            problems.append(f"{where}: grid {key!r}: unknown set {value!r}; valid: {', '.join(GRID_SETS)}")
            return []
        return GRID_SETS[value]()
    if isinstance(value, list) and value:
        return value
    problems.append(f"{where}: grid {key!r} must be a non-empty list or one of {', '.join(GRID_SETS)}")
    return []


def _expand(where: str, entry: dict[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    parameters = entry.get("parameters", {})
    grid = entry.get("grid", {})
    if not isinstance(parameters, dict) or not isinstance(grid, dict):
        problems.append(f"{where}: 'parameters' and 'grid' must be tables")
        return []
    overlap = set(parameters) & set(grid)
    if overlap:
        problems.append(f"{where}: {', '.join(sorted(overlap))} given both as parameter and grid")
    axes = {key: _grid_values(where, key, value, problems) for key, value in grid.items()}
    combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())] if axes else [{}]
    return [{**parameters, **combo} for combo in combos]


def read_suite_text(path: Path) -> str:
    """Return the text of the suite file at ``path``.

    Raises:
        SuiteError: the file is missing, unreadable or not UTF-8; the message says what a suite file is.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(path, ["no such file; give an existing TOML suite file (see reports.toml)"]) from None
    except UnicodeDecodeError as exc:
        raise SuiteError(path, [f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                "a suite file is UTF-8 TOML (see reports.toml)"]) from None
    except OSError as exc:
        raise SuiteError(path, [f"cannot read the suite: {exc.strerror or exc}; give a readable TOML suite file"]) from None


def load_suite(path: str | Path, folder: Path | None = None) -> list[Job]:
    """Read, expand and check the suite file at ``path``.

    Returns:
        One :class:`Job` per report to produce, in file order.

    Raises:
        SuiteError: a missing, non-UTF-8 or unreadable file, invalid TOML, unknown keys or notebooks, unknown
            parameters, bad values, duplicate reports: all listed at once.
    """
    from il6analysis.reporting.execute import parameter_slug
    from il6analysis.reporting.parameters import check_parameters

    path = Path(path)
    try:
        document = tomllib.loads(read_suite_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(path, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    unknown_top = set(document) - {"report"}
    if unknown_top:
        problems.append(f"unknown top-level key(s): {', '.join(sorted(unknown_top))}; only [[report]] entries are allowed")
    entries = document.get("report", [])
    if not isinstance(entries, list) or not entries:
        problems.append("the suite declares no [[report]] entry")
        entries = []
    notebooks = available_reports(folder)
    reports: dict[str, Report] = {}
    jobs: list[Job] = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        name = entry.get("notebook")
        where = f"report #{number} ({name})" if name in notebooks else f"report #{number}"
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; valid: {', '.join(sorted(ENTRY_KEYS))}")
        if name not in notebooks:
            error = UnknownNameError("notebook", str(name), closest(str(name), notebooks),
                                     valid_hint="valid: " + ", ".join(notebooks))
            problems.append(f"{where}: {error}")
            continue
        report = reports.get(name) or reports.setdefault(name, load_report(name, folder))
        for given in _expand(where, entry, problems):
            try:
                values = check_parameters(report, given)
            except ParameterError as exc:
                problems.extend(f"{where}: {p}" for p in exc.problems)
                continue
            job = Job(report, values, parameter_slug(values, report.defaults))
            if job.key in seen:
                problems.append(f"{where}: duplicates {seen[job.key]} (same parameters)")
                continue
            seen[job.key] = where
            jobs.append(job)
    if problems:
        raise SuiteError(path, counted(problems))
    return jobs


def counted(problems: list[str]) -> list[str]:
    """Return ``problems`` with each distinct one once, in first-seen order, followed by how many
    times it occurred when more than once (a 9,000-value grid of one bad value is one line)."""
    counts = Counter(problems)
    return [problem if counts[problem] == 1 else f"{problem} ({counts[problem]:,} times)" for problem in counts]
