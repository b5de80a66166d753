"""The run manifest, the index page built from it, input fingerprints and the output lock.

``<output_dir>/manifest.json`` records, for every report ever published
there, its parameters, the hashes of everything that affects it (notebook
code, parameters, data, package version), its status, times, output paths
and error. ``index.html`` is rebuilt from it after every change. Only one
run may write to an output folder at a time (:func:`output_lock`).

Kept free of pandas, papermill and nbconvert, so that a scheduled run with
nothing to do finishes in well under a second.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
INDEX = "index.html"
LOCK = ".il6-report.lock"
FINISHED = ("ok", "skipped")


class OutputLocked(RuntimeError):
    """Another run is writing to the same output folder."""


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def notebook_code_hash(notebook: Path) -> str:
    """Hash of a notebook's cells (type and source only): outputs and metadata do not count."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in cells]
    return _sha256(json.dumps(sources).encode())


def report_inputs(notebook: Path, parameters: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, str]:
    """Return the hashes of everything that affects one report.

    ``data`` is :func:`il6analysis.provenance.dataset_info`'s result.
    """
    return {
        "notebook_sha256": notebook_code_hash(notebook),
        "parameters_sha256": _sha256(json.dumps(parameters, sort_keys=True, default=str).encode()),
        "data_sha256": data["sha256"],
        "package_version": data["version"],
    }


def fingerprint(inputs: Mapping[str, str]) -> str:
    """One hash standing for all of a report's inputs."""
    return _sha256(json.dumps(inputs, sort_keys=True).encode())


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    atomic_write(output_dir / MANIFEST, json.dumps(document, indent=2, default=str))
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
        loader=jinja2.FileSystemLoader(str(resources.files("il6analysis") / "templates")), autoescape=True
    )
    html = environment.get_template("index.html.j2").render(entries=rows, built=now())
    path = output_dir / INDEX
    atomic_write(path, html)
    return path


@contextlib.contextmanager
def output_lock(output_dir: str | Path) -> Iterator[None]:
    """Hold the output folder's lock for the duration of a run.

    Raises:
        OutputLocked: another process holds it; the message says which and since when.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(output_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise OutputLocked(
            f"another il6 report run ({holder}) is writing to {output_dir}; wait for it to finish and try again"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {now()}".encode())
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
