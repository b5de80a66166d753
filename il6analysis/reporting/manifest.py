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
from il6analysis.errors import CannotWrite, UsageError

MANIFEST = "manifest.json"
INDEX = "index.html"
FINISHED = ("ok", "skipped")
RECORD_SLACK_S = 2.0
"""How much newer than its recorded ``generated`` time a published page may be: times are
kept to the second, and a run is recorded just after its worker published."""


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
    """Return the whole manifest: ``{"generated", "reports": {key: entry}, "suites": {...}}``
    (empty when the folder has none).

    Raises:
        UsageError: ``manifest.json`` exists but is not a manifest (not UTF-8 JSON with a
            ``reports`` table); the message says how to start afresh.
    """
    path = Path(output_dir) / MANIFEST
    if not path.exists():
        return {"generated": None, "reports": {}, "suites": {}}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or not isinstance(document.get("reports"), dict):
            raise ValueError("no 'reports' table")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not a report manifest ({exc}); it was left as it is. Move it aside "
                         "(the next run then starts a new one) or choose another --output-dir") from None
    document.setdefault("suites", {})
    return document


def read_manifest(output_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Return the manifest's report entries keyed ``"<report>/<slug>"`` (empty if none)."""
    return read_document(output_dir)["reports"]


def _write_document(output_dir: Path, document: dict[str, Any]) -> None:
    """Write the manifest, then the index built from it, each atomically.

    Raises:
        CannotWrite: either could not be written (full disk, read-only folder); the
            file that failed keeps its previous content, byte for byte.
    """
    from il6analysis.reporting.index import build_index

    document["generated"] = now()
    document["reports"] = dict(sorted(document["reports"].items()))
    path = output_dir / MANIFEST
    try:
        atomic_write_text(path, json.dumps(document, indent=2, default=str))
        path = output_dir / INDEX
        build_index(output_dir)
    except OSError as exc:
        raise CannotWrite(f"cannot write {path}: {exc.strerror or exc}; it keeps its previous content. "
                          "Free some space or make the folder writable, then run the reports again") from None


def record_run(output_dir: Path, run: ReportRun, forget_suite: str | None = None) -> None:
    """Store ``run`` in the manifest and rebuild the index; with ``forget_suite``, the same
    write forgets that suite's last complete run (a suite run under way is not complete).

    A failed run keeps pointing at the last good HTML, if there is one (the
    index marks it stale); a skipped run keeps the published paths and time.

    Raises:
        CannotWrite: the manifest or index could not be written (see :func:`_write_document`).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    document = read_document(output_dir)
    entry = asdict(run)
    previous = document["reports"].get(run.key)
    if run.status != "ok" and previous and previous.get("html") and (output_dir / previous["html"]).exists():
        for carried in ("html", "notebook", "generated"):
            entry[carried] = entry[carried] or previous.get(carried)
    document["reports"][run.key] = entry
    if forget_suite is not None:
        document["suites"].pop(forget_suite, None)
    _write_document(output_dir, document)


def record_suite(output_dir: Path, suite_key: str, suite_fingerprint: str, keys: list[str]) -> None:
    """Remember the fingerprint of a suite run that left every report current.

    Raises:
        CannotWrite: the manifest or index could not be written.
    """
    document = read_document(output_dir)
    document["suites"][suite_key] = {"fingerprint": suite_fingerprint, "reports": keys, "checked": now()}
    _write_document(output_dir, document)


def suite_is_current(output_dir: Path, suite_key: str, suite_fingerprint: str) -> bool:
    """True when the last complete run of this suite had the same fingerprint and
    all its reports are still published, none of them since (see :func:`reconcile`)."""
    document = read_document(output_dir)
    record = document["suites"].get(suite_key)
    if not record or record["fingerprint"] != suite_fingerprint:
        return False
    entries = document["reports"]
    return all(
        key in entries and entries[key]["status"] in FINISHED and (output_dir / (entries[key]["html"] or "")).is_file()
        and _unrecorded_publication(output_dir, entries[key]) is None
        for key in record["reports"]
    )


def _unrecorded_publication(output_dir: Path, entry: dict[str, Any]) -> float | None:
    """Return the modification time of ``entry``'s page when it was published after the manifest
    last recorded it (by a worker whose run was killed before recording), else ``None``."""
    page = output_dir / (entry.get("html") or f"{entry['report']}/{entry['slug']}.html")
    try:
        published = page.stat().st_mtime
    except OSError:
        return None
    generated = entry.get("generated")
    if generated and published <= dt.datetime.fromisoformat(generated).timestamp() + RECORD_SLACK_S:
        return None
    return published


def reconcile(output_dir: Path) -> list[str]:
    """Make the manifest agree with the pages on disk; call it holding the output lock.

    A page newer than its entry (a run killed after its worker published, before it was
    recorded) is recorded as it is: status ``ok``, ``generated`` its file time, and no
    fingerprint, because the inputs it was made from are unknown, so the next run renders
    it again; the suites that include it are no longer complete.

    Returns:
        The keys of the entries changed (none: the manifest is not rewritten).

    Raises:
        UsageError: ``manifest.json`` is not a manifest.
        CannotWrite: the manifest or index could not be written.
    """
    document = read_document(output_dir)
    changed = []
    for key, entry in document["reports"].items():
        published = _unrecorded_publication(output_dir, entry)
        if published is None:
            continue
        base = f"{entry['report']}/{entry['slug']}"
        notebook = entry.get("notebook") or (f"{base}.ipynb" if (output_dir / f"{base}.ipynb").is_file() else None)
        entry.update(status="ok", html=entry.get("html") or f"{base}.html", notebook=notebook, error=None, inputs={},
                     fingerprint="", generated=dt.datetime.fromtimestamp(int(published), dt.UTC).isoformat())
        changed.append(key)
    if changed:
        for suite_key in [k for k, record in document["suites"].items() if set(record["reports"]) & set(changed)]:
            del document["suites"][suite_key]
        _write_document(output_dir, document)
    return changed


