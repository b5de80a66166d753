"""Run the report notebooks and publish them as self-contained HTML.

A run checks the parameters before any kernel starts
(:mod:`il6analysis.reporting.parameters`), executes the notebook with papermill on a
kernel of *this* Python (not whatever kernel name the notebook stores),
renders it with nbconvert without code cells and with figures embedded, and
moves the results into place only when everything succeeded (each file
written whole and fsynced first). A failure leaves the previous good HTML
untouched and keeps the failed executed notebook (``<slug>.failed.ipynb``)
for debugging, if it is a whole notebook (a full disk may cut it short: then
none is kept). Runs, one report or a suite, go through :mod:`il6analysis.reporting.runner`,
whose worker processes call :func:`execute_report`.

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
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from il6analysis.atomic import atomic_write_text, replace_checked
from il6analysis.errors import ReportFailed
from il6analysis.paths import pinned_environment
from il6analysis.reporting.catalog import Report
from il6analysis.reporting.fingerprints import fingerprint, report_inputs
from il6analysis.reporting.index import display_parameters
from il6analysis.reporting.manifest import ReportRun, now

if TYPE_CHECKING:
    import nbformat

KERNEL_NAME = "il6analysis-python"
DEFAULT_CELL_TIMEOUT = 600
SCRATCH_PREFIX = ".tmp-"
MAX_TEXT_OUTPUT = 100_000
"""Characters of one text output (printed text, a plain value) a report page shows."""
PAGE_TEXT_BUDGET = 1_000_000
"""Characters of text output a whole report page shows; what is beyond is cut with a note."""
MAX_RICH_OUTPUT = 5_000_000
"""Characters of one rich output (HTML, JSON ...) a page embeds; a larger one is replaced by a note.
Figures are not limited: they are what a report is for."""
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._+]+")
_SLUG_PLAIN = re.compile(r"[a-z0-9._+ -]*")


def parameter_slug(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """Return a file-name-safe slug of the parameters that differ from their defaults.

    ``"default"`` when none differ. Values made only of letters, digits, spaces
    and ``. _ + -`` are spelled out (case folded, spaces as ``-``; canonical
    names never differ only in those). A value with any other character (a
    path's ``/``, a comma) and a slug longer than 80 characters end with a
    short hash of the full parameter set, so two such sets never share a file.
    """
    changed = {k: v for k, v in values.items() if v != defaults.get(k)}
    if not changed:
        return "default"
    parts = []
    for key, value in changed.items():
        shown = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}-{shown}")
    text = "__".join(parts).lower()
    slug = _SLUG_UNSAFE.sub("-", text).strip("-") or "params"
    if len(slug) > 80 or not _SLUG_PLAIN.fullmatch(text):
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


def _cut(text: str, limit: int) -> str:
    """Return ``text`` whole if it fits ``limit`` characters, else its start and a note saying how much was cut."""
    if len(text) <= limit:
        return text
    return (f"{text[:limit]}\n[output truncated: the first {limit:,} of {len(text):,} characters are shown; "
            "the whole output is in the executed notebook beside this page]\n")


def cap_outputs(notebook: nbformat.NotebookNode) -> None:
    """Limit, in place, what the outputs of ``notebook`` put on a page: each text output to
    :data:`MAX_TEXT_OUTPUT` characters and all of them to :data:`PAGE_TEXT_BUDGET`, each cut
    with a note; a rich output (HTML, JSON) over :data:`MAX_RICH_OUTPUT` is replaced by a note.
    Images are kept. A notebook printing 100 MB so gives a page of about a megabyte."""
    budget = PAGE_TEXT_BUDGET
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "stream":
                output.text = _cut(output.text, max(0, min(MAX_TEXT_OUTPUT, budget)))
                budget -= len(output.text)
                continue
            data = output.get("data", {})
            oversized = [m for m, v in data.items() if isinstance(v, str) and len(v) > MAX_RICH_OUTPUT
                         and m != "text/plain" and not m.startswith("image/")]
            for mime in oversized:
                data["text/plain"] = (f"[an output of {len(data.pop(mime)):,} characters ({mime}) is left out of this "
                                      "page; the whole output is in the executed notebook beside it]")
            if set(data) == {"text/plain"} and not oversized:  # plain text is shown only when nothing richer is there
                data["text/plain"] = _cut(data["text/plain"], max(0, min(MAX_TEXT_OUTPUT, budget)))
                budget -= len(data["text/plain"])


def render_html(notebook: nbformat.NotebookNode, header: Mapping[str, Any]) -> str:
    """Render an executed notebook to one self-contained HTML page.

    No code cells or prompts are shown, standard-error output (warnings) is
    dropped, long outputs are cut with a note (:func:`cap_outputs`), images are
    embedded, and no script, style or font is loaded from another host.
    ``header`` fills the page header: ``title``, ``parameters``,
    ``curated_on``, ``data_hash``, ``version`` and ``generated``.

    Returns:
        The page's HTML.
    """
    from nbconvert import HTMLExporter

    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")]
    cap_outputs(notebook)
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
    may_publish: Callable[[], bool] | None = None,
) -> tuple[Path, Path]:
    """Execute and render ``report`` with already-checked, canonical ``values``
    (``data``: the data set's identity, :func:`dataset_info`); ``may_publish``, if
    given, is asked right before anything is published (a worker: is my runner alive?).

    Returns:
        The published HTML and executed-notebook paths.

    Raises:
        ReportFailed: the notebook raised, timed out or could not be rendered, or
            ``may_publish`` said no; nothing was published and the previous outputs are untouched.
    """
    import nbformat
    import papermill

    from il6analysis.reporting.titles import run_title

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
                "title": run_title(report, values),
                "parameters": display_parameters(values),
                "curated_on": data["curated_on"],
                "data_hash": data["sha256"],
                "version": data["version"],
                "generated": now(),
            }
            html = render_html(nbformat.read(executed, as_version=4), header)
        except papermill.PapermillExecutionError as exc:
            kept = _keep_failed(executed, failed)
            raise ReportFailed(name, slug, f"{exc.ename}: {exc.evalue}", cell=exc.cell_index, notebook=kept) from None
        except Exception as exc:  # kernel death, cell timeout, rendering error, a full disk
            kept = _keep_failed(executed, failed)
            raise ReportFailed(name, slug, _describe(exc), notebook=kept) from None
        if may_publish is not None and not may_publish():
            raise ReportFailed(name, slug, "the run that asked for this report has ended; nothing was published")
        html_path, notebook_path = target / f"{slug}.html", target / f"{slug}.ipynb"
        staged = Path(scratch) / f"{slug}.html"
        try:
            atomic_write_text(staged, html)  # written whole and fsynced before anything is replaced
            replace_checked(executed, notebook_path, lambda path: nbformat.read(path, as_version=4))
            os.replace(staged, html_path)
        except OSError as exc:
            raise ReportFailed(name, slug, f"cannot publish into {target}: {_describe(exc)}; "
                               "the previous report is unchanged") from None
    failed.unlink(missing_ok=True)
    return html_path, notebook_path


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


def _keep_failed(executed: Path, failed: Path) -> Path | None:
    """Keep the failed executed notebook as ``failed`` if it is a whole, readable notebook
    (a write cut short by a full disk is not); return where it is kept, or ``None``."""
    import nbformat

    try:
        nbformat.read(executed, as_version=4)
        os.replace(executed, failed)
    except Exception:  # missing, truncated or unwritable: keep nothing rather than a broken file
        executed.unlink(missing_ok=True)
        return None
    return failed


def new_run(report: Report, values: Mapping[str, Any], slug: str, data: Mapping[str, str]) -> ReportRun:
    """Return a not-yet-finished :class:`ReportRun` with the report's input hashes filled in
    (``data``: :func:`dataset_info`'s result)."""
    from il6analysis.reporting.titles import run_title

    inputs = report_inputs(report.code_hash, values, data)
    return ReportRun(report.name, slug, run_title(report, values), dict(values), "ok", now(),
                     inputs=inputs, fingerprint=fingerprint(inputs))
