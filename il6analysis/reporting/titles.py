"""Titles that name what a report run shows: "Agent profile: tocilizumab (Actemra)"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from il6analysis.analysis.labels import agent_label
from il6analysis.reporting.catalog import Report

AGENT_PARAMETERS = ("agent", "agents")


def _value_text(name: str, value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    if name in AGENT_PARAMETERS:
        return ", ".join(agent_label(str(v)) for v in values)
    return ", ".join(map(str, values))


def run_title(report: Report, values: Mapping[str, Any]) -> str:
    """Return the title of one run of ``report``: its own title, followed by the values of the
    parameters that differ from their defaults (agents by INN and brand); the plain title
    when every parameter has its default value."""
    defaults = report.defaults
    changed = {k: v for k, v in values.items() if v != defaults.get(k) and v not in ("", [])}
    if not changed:
        return report.title
    if list(changed) == ["agent"] or list(changed) == ["agents"]:
        return f"{report.title}: {_value_text(next(iter(changed)), next(iter(changed.values())))}"
    shown = "; ".join(f"{name.replace('_', ' ')} {_value_text(name, value)}" for name, value in changed.items())
    return f"{report.title}: {shown}"
