"""The index page of an output folder, built from its manifest."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from il6analysis.atomic import atomic_write_text
from il6analysis.reporting.manifest import INDEX, now, read_manifest


def _display_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(all)"
    return "(none)" if value == "" else str(value)


def display_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Parameters as shown to readers: lists comma-joined, empty values as (all)/(none)."""
    return {k: _display_value(v) for k, v in parameters.items()}


_STATUS_TEXT = {"ok": "ok", "skipped": "ok (unchanged)", "failed": "failed"}


def build_index(output_dir: str | Path) -> Path:
    """Write ``index.html`` linking every report in the manifest with its
    parameters, status and time; return its path."""
    import jinja2

    output_dir = Path(output_dir)
    rows = []
    for entry in read_manifest(output_dir).values():
        stale = entry["status"] == "failed" and entry.get("html")
        rows.append(
            {
                "title": f"{entry['title']} ({entry['slug']})",
                "html": entry.get("html"),
                "parameters": display_parameters(entry["parameters"]),
                "status_class": "stale" if stale else {"skipped": "ok"}.get(entry["status"], entry["status"]),
                "status_text": "failed: showing last good report (stale)" if stale else _STATUS_TEXT[entry["status"]],
                "error": entry.get("error"),
                "finished": entry.get("generated") or entry["finished"],
                "duration": f"{entry['duration_s']:.1f} s",
            }
        )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("il6analysis.reporting") / "templates")), autoescape=True
    )
    html = environment.get_template("index.html.j2").render(entries=rows, built=now())
    path = output_dir / INDEX
    atomic_write_text(path, html)
    return path
