"""Time the default report suite three ways, side by side, in one run.

(a) plain: what a user does without this package: for every report of the
    suite, the papermill CLI, then ``jupyter nbconvert --to html --no-input``,
    one notebook after another;
(b) cold: ``il6 report --suite`` into an empty folder;
(c) no-op: the same command again, with nothing changed.

Prints the wall-clock times and the ratios against the targets
(b <= 0.5 x a; c < 1 s). Run from the repository root:

    .venv/bin/python benchmarks/bench_reports.py [--suite reports.toml] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from il6analysis.reporting.suite import load_suite

BIN = Path(sys.executable).parent


def timed(commands: list[list[str]], env: dict[str, str]) -> float:
    """Run ``commands`` one after another; return the total wall-clock seconds."""
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def plain_commands(suite: Path, out: Path) -> list[list[str]]:
    """papermill + nbconvert CLI calls for every report of ``suite``."""
    commands = []
    for number, job in enumerate(load_suite(suite)):
        executed = out / f"{number:03d}-{job.report.name}.ipynb"
        notebook = job.report.path
        commands.append([str(BIN / "papermill"), str(notebook), str(executed), "-k", "python3",
                         "-y", json.dumps(job.parameters), "--cwd", str(notebook.parent), "--no-progress-bar"])
        commands.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    return commands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, default=Path("reports.toml"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    reports = len(load_suite(args.suite))
    with tempfile.TemporaryDirectory(prefix="il6-bench-") as scratch:
        scratch = Path(scratch)
        (scratch / "plain").mkdir()
        il6 = [str(BIN / "il6"), "report", "--suite", str(args.suite), "--output-dir", str(scratch / "suite"),
               "--jobs", str(args.jobs)]
        plain = timed(plain_commands(args.suite, scratch / "plain"), env)
        cold = timed([il6], env)
        noop = timed([il6], env)
    print(f"suite: {args.suite} ({reports} reports), {os.cpu_count()} CPU cores, --jobs {args.jobs}")
    print(f"(a) papermill + nbconvert CLIs, sequential : {plain:8.1f} s")
    print(f"(b) il6 report --suite, cold               : {cold:8.1f} s   b/a = {cold / plain:.2f}  (target <= 0.50)")
    print(f"(c) il6 report --suite, nothing changed    : {noop:8.2f} s   c/a = {noop / plain:.4f} (target c < 1 s)")


if __name__ == "__main__":
    main()
