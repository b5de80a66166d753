"""Time ``il6 data validate`` on approvals tables of growing size, side by side, in one run.

Each size is a copy of the shipped tables whose ``approvals.csv`` repeats its
rows until the file reaches that many megabytes (so every repeated row is a
duplicate key: the worst case for listing problems). Prints the wall-clock time
of the whole command (start-up included) per size and the ratio of each time
to the previous one against the ratio of the sizes: linear work keeps the time
ratio at or below the size ratio. Run from the repository root:

    .venv/bin/python benchmarks/bench_validate.py [--sizes 2 20 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

BIN = Path(sys.executable).parent


def make_data(folder: Path, megabytes: float) -> int:
    """Copy the shipped tables into ``folder`` with ``approvals.csv`` grown to ``megabytes``
    by repeating its rows; return the number of approvals rows written."""
    folder.mkdir(parents=True)
    source = resources.files("il6analysis.curated") / "data"
    for entry in source.iterdir():
        if entry.name.endswith((".csv", ".toml")):
            (folder / entry.name).write_bytes(entry.read_bytes())
    header, *rows = (folder / "approvals.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    body = "".join(rows)
    copies = max(1, round(megabytes * 1e6 / len(body.encode("utf-8"))))
    (folder / "approvals.csv").write_text(header + body * copies, encoding="utf-8")
    return copies * len(rows)


def timed_validate(folder: Path) -> float:
    """Run ``il6 data validate`` on ``folder`` (its problem list discarded); return wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([str(BIN / "il6"), "data", "validate", "--data-dir", str(folder)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[2.0, 20.0, 200.0], help="sizes in MB")
    args = parser.parse_args()
    print(f"{'size':>8} {'rows':>9} {'seconds':>8} {'x time':>7} {'x size':>7}")
    previous: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory(prefix="il6-bench-validate-") as scratch:
        for megabytes in args.sizes:
            folder = Path(scratch) / f"{megabytes:g}mb"
            rows = make_data(folder, megabytes)
            seconds = timed_validate(folder)
            ratios = (f"{seconds / previous[1]:7.1f} {megabytes / previous[0]:7.1f}" if previous else f"{'':>7} {'':>7}")
            print(f"{megabytes:>6g}MB {rows:>9} {seconds:>8.1f} {ratios}")
            previous = (megabytes, seconds)


if __name__ == "__main__":
    main()
