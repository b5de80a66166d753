"""Run the report notebooks and publish them as self-contained HTML.

A run checks the parameters before any kernel starts
(:mod:`il6analysis.reporting.parameters`), executes the notebook with papermill on a
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
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from il6analysis.curated.identity import dataset_info
from il6analysis.errors import ReportFailed
from il6analysis.paths import pinned_environment
from il6analysis.reporting.catalog import Report, load_report
from il6analysis.reporting.fingerprints import fingerprint, report_inputs
from il6analysis.reporting.index import display_parameters
from il6analysis.reporting.lock import output_lock
from il6analysis.reporting.manifest import ReportRun, now, record_run
from il6analysis.reporting.parameters import check_parameters

if TYPE_CHECKING:
    import nbformat

KERNEL_NAME = "il6analysis-python"
DEFAULT_CELL_TIMEOUT = 600
SCRATCH_PREFIX = ".tmp-"
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._+]+")


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


@contextlib.contextmanager
def this_python_kernel() -> Iterator[str]:
    """Make a kernel of the running Python available under :data:`KERNEL_NAME`.

    The kernelspec is written to a temporary folder put first on
    ``JUPYTER_PATH`` for the duration, so a notebook's stored kernel name and
    whatever kernels the machine has installed do not matter.
    """
    from ipykernel.kernelspec import write_kernel_spec

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


def render_html(notebook: nbformat.NotebookNode, header: Mapping[str, Any]) -> str:
    """Render an executed notebook to one self-contained HTML page.

    No code cells or prompts are shown, standard-error output (warnings) is
    dropped, images are embedded, and no script, style or font is loaded from
    another host. ``header`` fills the page header: ``title``, ``parameters``,
    ``curated_on``, ``data_hash``, ``version`` and ``generated``.
    """
    from nbconvert import HTMLExporter

    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(
        template_name="il6report",
        extra_template_basedirs=[str(resources.files("il6analysis.reporting") / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    notebook.metadata["title"] = header["title"]
    body, _ = exporter.from_notebook_node(notebook, resources={"il6": dict(header)})
    return body


def execute_report(
    report: Report,
    values: Mapping[str, Any],
    slug: str,
    output_dir: Path,
    data: Mapping[str, str],
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
) -> tuple[Path, Path]:
    """Execute and render ``report`` with already-checked, canonical ``values``
    (``data``: the data set's identity, :func:`dataset_info`).

    Returns:
        The published HTML and executed-notebook paths.

    Raises:
        ReportFailed: the notebook raised, timed out or could not be rendered;
            nothing was published and the previous outputs are untouched.
    """
    import nbformat
    import papermill

    name, notebook = report.name, report.path
    target = output_dir / name
    target.mkdir(parents=True, exist_ok=True)
    failed = target / f"{slug}.failed.ipynb"
    with tempfile.TemporaryDirectory(dir=target, prefix=f"{SCRATCH_PREFIX}{slug}-") as scratch:
        executed = Path(scratch) / f"{slug}.ipynb"
        try:
            with this_python_kernel() as kernel, pinned_environment():
                papermill.execute_notebook(
                    str(notebook), str(executed), parameters=dict(values), kernel_name=kernel,
                    execution_timeout=cell_timeout, progress_bar=False, cwd=str(notebook.parent),
                    request_save_on_cell_execute=False,
                )
            header = {
                "title": report.title,
                "parameters": display_parameters(values),
                "curated_on": data["curated_on"],
                "data_hash": data["sha256"],
                "version": data["version"],
                "generated": now(),
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


def new_run(report: Report, values: Mapping[str, Any], slug: str, data: Mapping[str, str]) -> ReportRun:
    """Return a not-yet-finished :class:`ReportRun` with the report's input hashes filled in
    (``data``: :func:`dataset_info`'s result)."""
    inputs = report_inputs(report.code_hash, values, data)
    return ReportRun(report.name, slug, report.title, dict(values), "ok", now(),
                     inputs=inputs, fingerprint=fingerprint(inputs))


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
        OutputLocked: another run is writing to ``output_dir``.
        ReportFailed: the notebook failed; the run is recorded as failed, the
            failed notebook kept, the previous HTML left in place.
    """
    report = load_report(name, folder)
    values = check_parameters(report, parameters or {})
    slug = parameter_slug(values, report.defaults)
    output_dir = Path(output_dir)
    data = dataset_info()
    run = new_run(report, values, slug, data)
    with output_lock(output_dir):
        clock = time.monotonic()
        try:
            html, executed = execute_report(report, values, slug, output_dir, data, cell_timeout)
            run.html, run.notebook = str(html.relative_to(output_dir)), str(executed.relative_to(output_dir))
            run.generated = now()
        except ReportFailed as exc:
            run.status, run.error = "failed", str(exc)
            raise
        finally:
            run.finished, run.duration_s = now(), round(time.monotonic() - clock, 2)
            record_run(output_dir, run)
    return run
