"""Run the report notebooks and publish them as self-contained HTML.

A run checks the parameters before any kernel starts
(:mod:`il6analysis.parameters`), executes the notebook with papermill on a
kernel of *this* Python (not whatever kernel name the notebook stores),
renders it with nbconvert without code cells and with figures embedded, and
moves the results into place only when everything succeeded. A failure
leaves the previous good HTML untouched and keeps the failed executed
notebook (``<slug>.failed.ipynb``) for debugging.

Output layout::

    <output_dir>/<report>/<parameter-slug>.html      the report
    <output_dir>/<report>/<parameter-slug>.ipynb     the executed notebook
    <output_dir>/manifest.json                       every run: parameters, status, times, error
    <output_dir>/index.html                          links to every report, built from the manifest
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import papermill
from ipykernel.kernelspec import write_kernel_spec
from nbconvert import HTMLExporter

from il6analysis import datasets
from il6analysis.compare import approved_agents
from il6analysis.errors import UnknownNameError
from il6analysis.matching import closest
from il6analysis.parameters import ParameterSpec, check_parameters, read_parameters

__all__ = [
    "ReportFailed", "ReportRun", "available_reports", "build_index", "check_parameters", "default_suite",
    "execute_report", "get_report", "parameter_slug", "read_manifest", "render_html", "report_parameters",
    "report_title", "run_report",
]

KERNEL_NAME = "il6analysis-python"
DEFAULT_CELL_TIMEOUT = 600
MANIFEST = "manifest.json"
INDEX = "index.html"
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._+]+")


class ReportFailed(RuntimeError):
    """A report notebook failed while running or rendering.

    Attributes:
        report: the report name.
        slug: its parameter slug.
        cell: index of the failing cell in the executed notebook, if known.
        error: the error's type and message.
        notebook: where the failed executed notebook was kept, if it exists.
    """

    def __init__(self, report: str, slug: str, error: str, cell: int | None = None, notebook: Path | None = None) -> None:
        self.report, self.slug, self.error, self.cell, self.notebook = report, slug, error, cell, notebook
        where = f"cell {cell}" if cell is not None else "execution"
        kept = f"; failed notebook kept at {notebook}" if notebook else ""
        super().__init__(f"report {report!r} ({slug}) failed in {where}: {error}{kept}")


@dataclass
class ReportRun:
    """What one run of one report produced (one entry of the manifest)."""

    report: str
    slug: str
    title: str
    parameters: dict[str, Any]
    status: str  # "ok" or "failed"
    started: str
    finished: str
    duration_s: float
    html: str | None = None
    notebook: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- finding notebooks ------------------------------------------------------------------


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
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def report_parameters(name: str, folder: Path | None = None) -> dict[str, ParameterSpec]:
    """Return the parameters report ``name`` declares, with types, defaults and help."""
    return read_parameters(get_report(name, folder))


def parameter_slug(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """Return a file-name-safe slug of the parameters that differ from their defaults.

    ``"default"`` when none differ; long slugs are cut and end with a short hash
    of the full parameter set, so different parameter sets never share a file.
    """
    changed = {k: v for k, v in values.items() if v != defaults.get(k)}
    if not changed:
        return "default"
    parts = []
    for key, value in changed.items():
        shown = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}-{shown}")
    slug = _SLUG_UNSAFE.sub("-", "__".join(parts).lower()).strip("-") or "params"
    if len(slug) > 80:
        digest = hashlib.sha1(json.dumps(changed, sort_keys=True, default=str).encode()).hexdigest()[:8]
        slug = f"{slug[:70].rstrip('-_')}-{digest}"
    return slug


# --- executing ------------------------------------------------------------------------------


@contextlib.contextmanager
def this_python_kernel() -> Iterator[str]:
    """Make a kernel of the running Python available under :data:`KERNEL_NAME`.

    The kernelspec is written to a temporary folder put first on
    ``JUPYTER_PATH`` for the duration, so a notebook's stored kernel name and
    whatever kernels the machine has installed do not matter.
    """
    with tempfile.TemporaryDirectory(prefix="il6-kernel-") as folder:
        write_kernel_spec(
            Path(folder) / "kernels" / KERNEL_NAME,
            overrides={"display_name": "il6analysis"},
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # no kernel chatter in report logs
        )
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, previous] if previous else [folder])
        try:
            yield KERNEL_NAME
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = previous


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _display_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(all)"
    return "(none)" if value == "" else str(value)


def render_html(notebook: nbformat.NotebookNode, header: Mapping[str, Any]) -> str:
    """Render an executed notebook to one self-contained HTML page.

    No code cells or prompts are shown, standard-error output (warnings) is
    dropped, images are embedded, and no script, style or font is loaded from
    another host. ``header`` fills the page header: ``title``, ``parameters``,
    ``curated_on``, ``data_hash``, ``version`` and ``generated``.
    """
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(
        template_name="il6report",
        extra_template_basedirs=[str(resources.files("il6analysis") / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    notebook.metadata["title"] = header["title"]
    body, _ = exporter.from_notebook_node(notebook, resources={"il6": dict(header)})
    return body


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def execute_report(
    name: str,
    values: Mapping[str, Any],
    slug: str,
    output_dir: Path,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    folder: Path | None = None,
) -> tuple[Path, Path]:
    """Execute and render report ``name`` with already-checked ``values``.

    Returns:
        The published HTML and executed-notebook paths.

    Raises:
        ReportFailed: the notebook raised, timed out or could not be rendered;
            nothing was published and the previous outputs are untouched.
    """
    notebook = get_report(name, folder)
    target = output_dir / name
    target.mkdir(parents=True, exist_ok=True)
    failed = target / f"{slug}.failed.ipynb"
    info = datasets.dataset_info()
    with tempfile.TemporaryDirectory(dir=target, prefix=".tmp-") as scratch:
        executed = Path(scratch) / f"{slug}.ipynb"
        try:
            with this_python_kernel() as kernel:
                papermill.execute_notebook(
                    str(notebook), str(executed), parameters=dict(values), kernel_name=kernel,
                    execution_timeout=cell_timeout, progress_bar=False, cwd=str(notebook.parent),
                    request_save_on_cell_execute=False,
                )
            header = {
                "title": report_title(notebook),
                "parameters": {k: _display_value(v) for k, v in values.items()},
                "curated_on": info["curated_on"],
                "data_hash": info["sha256"],
                "version": info["version"],
                "generated": _now().isoformat(),
            }
            html = render_html(nbformat.read(executed, as_version=4), header)
        except papermill.PapermillExecutionError as exc:
            os.replace(executed, failed)
            raise ReportFailed(name, slug, f"{exc.ename}: {exc.evalue}", cell=exc.cell_index, notebook=failed) from None
        except Exception as exc:  # kernel death, cell timeout, rendering error
            kept = None
            if executed.exists():
                os.replace(executed, failed)
                kept = failed
            raise ReportFailed(name, slug, f"{type(exc).__name__}: {exc}", notebook=kept) from None
        html_path, notebook_path = target / f"{slug}.html", target / f"{slug}.ipynb"
        staged = Path(scratch) / f"{slug}.html"
        staged.write_text(html, encoding="utf-8")
        os.replace(executed, notebook_path)
        os.replace(staged, html_path)
    failed.unlink(missing_ok=True)
    return html_path, notebook_path


def run_report(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    output_dir: str | Path = "reports",
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    folder: Path | None = None,
) -> ReportRun:
    """Check parameters, run report ``name`` and publish it; record the run in the manifest.

    Args:
        name: a notebook in the notebook folder (see :func:`available_reports`).
        parameters: values by parameter name; strings are converted to the
            declared type (lists as comma-separated text).
        output_dir: where reports, ``manifest.json`` and ``index.html`` go.
        cell_timeout: seconds any one cell may run.

    Returns:
        The :class:`ReportRun` (status ``"ok"``).

    Raises:
        UnknownNameError: unknown report name.
        ParameterError: bad parameters; raised before any kernel starts, nothing written.
        ReportFailed: the notebook failed; the run is recorded as failed, the
            failed notebook kept, the previous HTML left in place.
    """
    notebook = get_report(name, folder)
    specs = read_parameters(notebook)
    values = check_parameters(name, specs, parameters or {})
    slug = parameter_slug(values, {k: s.default for k, s in specs.items()})
    output_dir = Path(output_dir)
    started, clock = _now(), time.monotonic()
    run = ReportRun(name, slug, report_title(notebook), values, "ok", started.isoformat(), "", 0.0)
    try:
        html, executed = execute_report(name, values, slug, output_dir, cell_timeout, folder)
        run.html, run.notebook = str(html.relative_to(output_dir)), str(executed.relative_to(output_dir))
    except ReportFailed as exc:
        run.status, run.error = "failed", str(exc)
        raise
    finally:
        run.finished, run.duration_s = _now().isoformat(), round(time.monotonic() - clock, 2)
        record_run(output_dir, run)
    return run


def default_suite() -> list[tuple[str, dict[str, Any]]]:
    """Return the default suite: every report with its defaults, plus one
    ``agent_profile`` per agent authorised by at least one agency."""
    suite = [(name, {}) for name in available_reports() if name != "agent_profile"]
    suite += [("agent_profile", {"agent": agent}) for agent in approved_agents()]
    return suite


# --- manifest and index ---------------------------------------------------------------------


def read_manifest(output_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Return the manifest's entries keyed ``"<report>/<slug>"`` (empty if there is none)."""
    path = Path(output_dir) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["reports"]


def record_run(output_dir: Path, run: ReportRun) -> None:
    """Store ``run`` in the manifest (keeping the last good HTML of a failed
    report, marked stale) and rebuild the index."""
    output_dir.mkdir(parents=True, exist_ok=True)
    entries = read_manifest(output_dir)
    key = f"{run.report}/{run.slug}"
    entry = asdict(run)
    previous = entries.get(key)
    if run.status == "failed" and previous and previous.get("html") and (output_dir / previous["html"]).exists():
        entry["html"] = previous["html"]
        entry["last_good"] = previous.get("finished") if previous.get("status") == "ok" else previous.get("last_good")
    entries[key] = entry
    document = {"generated": _now().isoformat(), "reports": dict(sorted(entries.items()))}
    _atomic_write(output_dir / MANIFEST, json.dumps(document, indent=2, default=str))
    build_index(output_dir)


def build_index(output_dir: str | Path) -> Path:
    """Write ``index.html`` linking every report in the manifest with its
    parameters, status and time; return its path."""
    output_dir = Path(output_dir)
    rows = []
    for entry in read_manifest(output_dir).values():
        stale = entry["status"] == "failed" and entry.get("html")
        rows.append(
            {
                "title": f"{entry['title']} ({entry['slug']})",
                "html": entry.get("html"),
                "parameters": {k: _display_value(v) for k, v in entry["parameters"].items()},
                "status_class": "stale" if stale else entry["status"],
                "status_text": "failed: showing last good report (stale)" if stale else entry["status"],
                "error": entry.get("error"),
                "finished": entry["finished"],
                "duration": f"{entry['duration_s']:.1f} s",
            }
        )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("il6analysis") / "templates")), autoescape=True
    )
    html = environment.get_template("index.html.j2").render(entries=rows, built=_now().isoformat())
    path = output_dir / INDEX
    _atomic_write(path, html)
    return path

