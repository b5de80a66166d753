"""The index page of an output folder, built from its manifest."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from il6analysis.atomic import atomic_write_text
from il6analysis.reporting.manifest import INDEX, now


def _display_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(all)"
    return "(none)" if value == "" else str(value)


def display_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Parameters as shown to readers: lists comma-joined, empty values as (all)/(none)."""
    return {k: _display_value(v) for k, v in parameters.items()}


_STATUS_TEXT = {"ok": "ok", "skipped": "ok (unchanged)", "failed": "failed"}


def _what(parameters: Mapping[str, Any]) -> str:
    """The parameters that select something, as one line (``"all data, default parameters"`` when none)."""
    chosen = [f"{k.replace('_', ' ')}: {_display_value(v)}" for k, v in parameters.items() if v not in ("", [], None)]
    return "; ".join(chosen) or "all data"


def _suite_keys(document: Mapping[str, Any]) -> set[str]:
    return {key for record in document.get("suites", {}).values() for key in record.get("reports", [])}


def index_groups(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the manifest's runs for the index page: one group per report (by title), each with
    its declared-suite runs first, then one-off runs; every run with its human title, what it
    selects, status, generation time and duration."""
    suite = _suite_keys(document)
    groups: dict[str, dict[str, Any]] = {}
    for key, entry in sorted(document["reports"].items()):
        stale = entry["status"] == "failed" and entry.get("html")
        group = groups.setdefault(entry["report"], {"report": entry["report"], "title": entry["title"].split(":")[0],
                                                    "suite": [], "one_off": []})
        group["suite" if key in suite else "one_off"].append({
            "title": entry["title"],
            "what": _what(entry["parameters"]),
            "html": entry.get("html"),
            "status_class": "stale" if stale else {"skipped": "ok"}.get(entry["status"], entry["status"]),
            "status_text": "failed: showing the last good report (stale)" if stale else _STATUS_TEXT[entry["status"]],
            "error": entry.get("error"),
            "generated": (entry.get("generated") or entry["finished"] or "").replace("T", " ").replace("+00:00", " UTC"),
            "duration": f"{entry['duration_s']:.1f} s",
        })
    return sorted(groups.values(), key=lambda g: g["title"])


def build_index(output_dir: str | Path) -> Path:
    """Write ``index.html`` linking every report in the manifest, grouped by report, with what
    each run selects, its status and time; return its path.

    Raises:
        OSError: the page could not be written; the previous index is unchanged.
    """
    import jinja2

    from il6analysis.reporting.manifest import read_document

    output_dir = Path(output_dir)
    document = read_document(output_dir)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("il6analysis.reporting") / "templates")), autoescape=True
    )
    groups = index_groups(document)
    html = environment.get_template("index.html.j2").render(groups=groups, built=now(),
                                                            total=len(document["reports"]))
    return atomic_write_text(output_dir / INDEX, html)
