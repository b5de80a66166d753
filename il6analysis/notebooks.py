"""Where the report notebooks are and what they are called (no heavy imports)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from il6analysis.errors import UnknownNameError
from il6analysis.matching import closest


def notebook_dir() -> Path:
    """Return the folder of report notebooks: ``$IL6_NOTEBOOK_DIR`` if set, else the
    ``notebooks/`` folder of the checkout the package runs from, else ``./notebooks``."""
    if os.environ.get("IL6_NOTEBOOK_DIR"):
        return Path(os.environ["IL6_NOTEBOOK_DIR"])
    beside_package = Path(__file__).resolve().parent.parent / "notebooks"
    return beside_package if beside_package.is_dir() else Path.cwd() / "notebooks"


def available_reports(folder: Path | None = None) -> dict[str, Path]:
    """Return report name -> notebook path for every ``*.ipynb`` in the notebook folder."""
    folder = folder or notebook_dir()
    return {path.stem: path for path in sorted(folder.glob("*.ipynb"))}


def get_report(name: str, folder: Path | None = None) -> Path:
    """Return the notebook of report ``name``.

    Raises:
        UnknownNameError: no such report; the message lists close matches.
    """
    reports = available_reports(folder)
    if name not in reports:
        raise UnknownNameError("report", name, closest(name, reports), valid_hint="valid: " + ", ".join(reports))
    return reports[name]


def report_title(notebook: Path) -> str:
    """Return the first Markdown heading of ``notebook`` (its file stem if it has none)."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem
