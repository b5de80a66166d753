"""The run manifest: every report published in an output folder, and how it went.

``<output_dir>/manifest.json`` records, for every report ever published
there, its parameters, the hashes of everything that affects it (see
:mod:`il6analysis.reporting.fingerprints`), its status, times, output paths
and error. ``index.html`` (:mod:`il6analysis.reporting.index`) is rebuilt
from it after every change.

Kept free of pandas, papermill and nbconvert, so that a scheduled run with
nothing to do finishes in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from il6analysis.atomic import atomic_write_text

MANIFEST = "manifest.json"
INDEX = "index.html"
FINISHED = ("ok", "skipped")


@dataclass
class ReportRun:
    """One report's entry in the manifest: what ran, on which inputs, with what outcome.

    ``status`` is ``"ok"`` (rendered now), ``"skipped"`` (nothing changed; the
    published files are current) or ``"failed"``; ``generated`` is when the
    published HTML was produced.
    """

    report: str
    slug: str
    title: str
    parameters: dict[str, Any]
    status: str
    started: str
    finished: str = ""
    duration_s: float = 0.0
    html: str | None = None
    notebook: str | None = None
    generated: str | None = None
    error: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def key(self) -> str:
        return f"{self.report}/{self.slug}"


def now() -> str:
    """Current UTC time, ISO 8601, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def read_document(output_dir: str | Path) -> dict[str, Any]:
    """Return the whole manifest: ``{"generated", "reports": {key: entry}, "suites": {...}}``."""
    path = Path(output_dir) / MANIFEST
    if not path.exists():
        return {"generated": None, "reports": {}, "suites": {}}
    document = json.loads(path.read_text(encoding="utf-8"))
    document.setdefault("suites", {})
    return document


def read_manifest(output_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Return the manifest's report entries keyed ``"<report>/<slug>"`` (empty if none)."""
    return read_document(output_dir)["reports"]


def _write_document(output_dir: Path, document: dict[str, Any]) -> None:
    document["generated"] = now()
    document["reports"] = dict(sorted(document["reports"].items()))
    atomic_write_text(output_dir / MANIFEST, json.dumps(document, indent=2, default=str))
    from il6analysis.reporting.index import build_index

    build_index(output_dir)


def record_run(output_dir: Path, run: ReportRun) -> None:
    """Store ``run`` in the manifest and rebuild the index.

    A failed run keeps pointing at the last good HTML, if there is one (the
    index marks it stale); a skipped run keeps the published paths and time.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    document = read_document(output_dir)
    entry = asdict(run)
    previous = document["reports"].get(run.key)
    if run.status != "ok" and previous and previous.get("html") and (output_dir / previous["html"]).exists():
        for carried in ("html", "notebook", "generated"):
            entry[carried] = entry[carried] or previous.get(carried)
    document["reports"][run.key] = entry
    _write_document(output_dir, document)


def record_suite(output_dir: Path, suite_key: str, suite_fingerprint: str | None, keys: list[str]) -> None:
    """Remember the fingerprint of a suite run that left every report current
    (``None`` forgets it, e.g. after a failure)."""
    document = read_document(output_dir)
    if suite_fingerprint is None:
        document["suites"].pop(suite_key, None)
    else:
        document["suites"][suite_key] = {"fingerprint": suite_fingerprint, "reports": keys, "checked": now()}
    _write_document(output_dir, document)


def suite_is_current(output_dir: Path, suite_key: str, suite_fingerprint: str) -> bool:
    """True when the last complete run of this suite had the same fingerprint and
    all its reports are still published."""
    document = read_document(output_dir)
    record = document["suites"].get(suite_key)
    if not record or record["fingerprint"] != suite_fingerprint:
        return False
    entries = document["reports"]
    return all(
        key in entries and entries[key]["status"] in FINISHED and (output_dir / (entries[key]["html"] or "")).is_file()
        for key in record["reports"]
    )


