"""The report catalog: which notebooks are reports, each loaded once as a :class:`Report`.

A :class:`Report` carries everything a run needs to know about its notebook
(path, title, declared parameters, code hash), read from one parse of the file,
so a run never looks the notebook up or reads it twice.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from il6analysis.curated.matching import closest
from il6analysis.errors import UnknownNameError, UsageError
from il6analysis.paths import location


@dataclass(frozen=True)
class ParameterSpec:
    """One declared notebook parameter: name, type (as written), default value and help text."""

    name: str
    type_name: str
    default: Any
    help: str


@dataclass(frozen=True)
class Report:
    """A report notebook, read once.

    Attributes:
        name: the notebook's file stem, e.g. ``"approvals"``.
        path: the notebook file (absolute).
        title: its first Markdown heading (the stem when it has none).
        code_hash: SHA-256 of its cells' types and sources (outputs and metadata do not count).
        parameter_cell: the source of its cell tagged ``parameters`` (``""`` if none).
    """

    name: str
    path: Path
    title: str
    code_hash: str
    parameter_cell: str

    @functools.cached_property
    def parameters(self) -> dict[str, ParameterSpec]:
        """The parameters the ``parameters`` cell declares, in order (parsed on first use).

        Raises:
            UsageError: a default value is not a Python literal.
        """
        return _parameters(self.parameter_cell, self.path)

    @property
    def defaults(self) -> dict[str, Any]:
        """Parameter name -> default value."""
        return {name: spec.default for name, spec in self.parameters.items()}


def available_reports(folder: Path | None = None) -> dict[str, Path]:
    """Return report name -> notebook path for every ``*.ipynb`` in the notebook folder."""
    folder = folder or location("notebooks")
    return {path.stem: path for path in sorted(folder.glob("*.ipynb"))}


def load_report(name: str, folder: Path | None = None) -> Report:
    """Return report ``name`` from the notebook folder, read and parsed once.

    Raises:
        UnknownNameError: no such report; the message lists close matches.
        UsageError: the notebook is not valid JSON, or a parameter default is not a literal.
    """
    reports = available_reports(folder)
    if name not in reports:
        raise UnknownNameError("report", name, closest(name, reports), valid_hint="valid: " + ", ".join(reports))
    path = reports[name].resolve()
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise UsageError(f"notebook {path} is not a readable notebook: {exc}") from None
    sources = [(c["cell_type"], _source(c)) for c in cells]
    code_hash = hashlib.sha256(json.dumps(sources).encode()).hexdigest()
    tagged = [_source(c) for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    return Report(name, path, _title(sources, name), code_hash, tagged[0] if tagged else "")


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _title(sources: list[tuple[str, str]], fallback: str) -> str:
    for kind, source in sources:
        if kind == "markdown":
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _parameters(cell: str, path: Path) -> dict[str, ParameterSpec]:
    """Parse a ``parameters`` cell with papermill's Python translator."""
    from papermill.translators import PythonTranslator

    specs = {}
    for parameter in PythonTranslator.inspect({"source": cell}):
        try:
            default = ast.literal_eval(parameter.default)
        except (ValueError, SyntaxError):
            raise UsageError(f"{path.name}: default of parameter {parameter.name!r} is not a literal: "
                             f"{parameter.default}") from None
        specs[parameter.name] = ParameterSpec(parameter.name, parameter.inferred_type_name or "str", default,
                                              parameter.help or "")
    return specs
