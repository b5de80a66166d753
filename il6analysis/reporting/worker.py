"""A report worker: ``python -m il6analysis.reporting.worker`` (started by :mod:`il6analysis.reporting.runner`).

Reads one JSON request per line on standard input (report, checked
parameters, slug, output folder, cell timeout), executes and publishes that
report, and answers one JSON line on standard output: ``{"status": "ok",
"html": ..., "notebook": ...}`` or ``{"status": "failed", "error": ...}``.
SIGTERM ends it cleanly: its kernel is shut down and its scratch files removed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from il6analysis.errors import ReportFailed


def _stop(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


def handle(request: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """Run one request; return the answer line's content."""
    from il6analysis.reporting.catalog import load_report
    from il6analysis.reporting.execute import execute_report

    output_dir = Path(request["output_dir"])
    try:
        report = load_report(request["report"], folder)
        html, notebook = execute_report(report, request["parameters"], request["slug"], output_dir,
                                        request["data"], request["cell_timeout"])
    except ReportFailed as exc:
        return {"status": "failed", "error": str(exc)}
    except Exception as exc:  # anything else still answers, so the run goes on
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "html": str(html.relative_to(output_dir)), "notebook": str(notebook.relative_to(output_dir))}


def main(argv: list[str] | None = None) -> None:
    """Serve requests until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebook-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers may reach the parent's channel
    import il6analysis.reporting.execute  # noqa: F401  (pay the import cost before the first request)

    for line in sys.stdin:
        answers.write(json.dumps(handle(json.loads(line), args.notebook_dir)) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
