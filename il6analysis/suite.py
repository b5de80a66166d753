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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from il6analysis.errors import UnknownNameError
from il6analysis.matching import closest

ENTRY_KEYS = {"notebook", "parameters", "grid"}


def _approved_agents() -> list[str]:
    from il6analysis.compare import approved_agents

    return approved_agents()


def _agents() -> list[str]:
    from il6analysis.datasets import load_agents

    return sorted(load_agents()["agent_id"])


def _labelled_agents() -> list[str]:
    from il6analysis.datasets import load_adverse_events, load_warnings

    return sorted(set(load_adverse_events()["agent_id"]) | set(load_warnings()["agent_id"]))


def _cancer_types() -> list[str]:
    from il6analysis.datasets import load_indications, load_trials

    trials = load_trials().merge(load_indications(), on="indication_id")
    return sorted(trials["cancer_type"].dropna().unique())


GRID_SETS: dict[str, Callable[[], list[str]]] = {
    "@approved_agents": _approved_agents,
    "@agents": _agents,
    "@labelled_agents": _labelled_agents,
    "@cancer_types": _cancer_types,
}
"""Named value sets a grid may use: agents authorised anywhere, all agents,
agents with label safety data, and every cancer type that has a trial."""


@dataclass(frozen=True)
class Job:
    """One report to produce: notebook name, checked parameter values, output slug."""

    report: str
    parameters: dict[str, Any]
    slug: str

    @property
    def key(self) -> str:
        """The job's identity in the manifest: ``"<report>/<slug>"``."""
        return f"{self.report}/{self.slug}"


class SuiteError(ValueError):
    """A suite file that cannot be run; ``problems`` lists every one."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"suite {path} rejected, nothing was run:\n" + "\n".join(f"  - {p}" for p in problems))


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


def load_suite(path: str | Path, folder: Path | None = None) -> list[Job]:
    """Read, expand and check the suite file at ``path``.

    Returns:
        One :class:`Job` per report to produce, in file order.

    Raises:
        SuiteError: unreadable TOML, unknown keys or notebooks, unknown
            parameters, bad values, duplicate reports: all listed at once.
    """
    from il6analysis.parameters import ParameterError, check_parameters, read_parameters
    from il6analysis.reports import available_reports, parameter_slug

    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(path, [f"cannot read the suite: {exc}"]) from None
    problems: list[str] = []
    unknown_top = set(document) - {"report"}
    if unknown_top:
        problems.append(f"unknown top-level key(s): {', '.join(sorted(unknown_top))}; only [[report]] entries are allowed")
    entries = document.get("report", [])
    if not isinstance(entries, list) or not entries:
        problems.append("the suite declares no [[report]] entry")
        entries = []
    notebooks = available_reports(folder)
    specs_by_report = {}
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
        specs = specs_by_report.setdefault(name, read_parameters(notebooks[name]))
        for given in _expand(where, entry, problems):
            try:
                values = check_parameters(name, specs, given)
            except ParameterError as exc:
                problems.extend(f"{where}: {p}" for p in exc.problems)
                continue
            job = Job(name, values, parameter_slug(values, {k: s.default for k, s in specs.items()}))
            if job.key in seen:
                problems.append(f"{where}: duplicates {seen[job.key]} (same parameters)")
                continue
            seen[job.key] = where
            jobs.append(job)
    if problems:
        raise SuiteError(path, problems)
    return jobs
