"""FAERS quarter over quarter: what the newest quarter changed, counted once against counted twice.

Builds a store of N synthetic quarters (the generator of ``bench_faers.py``,
no real association) and, beside it, the same store without its newest
quarter. Then, each in a fresh child process (time and peak resident memory,
by ``wait4``):

* once: ``faers_signal_changes`` on the whole store, both sides (before and
  after the newest quarter) counted in one stratified pass;
* twice: ``disproportionality`` on the store without the newest quarter and
  again on the whole store, the route a user would take without it.

Both give the pairs of the IL-6 agents; the script checks that each side's
case counts agree between the two routes, then prints the ratio.

Run: ``python benchmarks/bench_faers_changes.py --quarters 16 --reports 40000``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_faers import generate, quarter_label, run_child, zip_folder  # noqa: E402

ROLES = ("PS", "SS")


def child(result: Path, action: str, *stores: str) -> None:
    """One measured step; writes its numbers as JSON to ``result``."""
    from il6analysis.faers import signals
    from il6analysis.faers.quarter_changes import quarter_comparison

    start = time.perf_counter()
    if action == "once":
        table = quarter_comparison(stores[0], roles=ROLES, min_cases=1)
        data = {"a_before": int(table["a_before"].sum()), "a_after": int(table["a_after"].sum())}
    else:
        before = signals.disproportionality(stores[0], roles=ROLES, min_cases=1)
        after = signals.disproportionality(stores[1], roles=ROLES, min_cases=1)
        data = {"a_before": int(before["a"].sum()), "a_after": int(after["a"].sum())}
    data["seconds"] = time.perf_counter() - start
    result.write_text(json.dumps(data))


def build(scratch: Path, quarters: int, reports: int) -> tuple[Path, Path]:
    """Return the whole store and the store without its newest quarter, both ingested from the same zips."""
    from il6analysis.faers.ingest import add_quarter

    whole, older = scratch / "whole", scratch / "older"
    for k in range(quarters):
        folder = scratch / "src" / quarter_label(k)
        generate(folder, k, reports)
        archive = zip_folder(folder)
        add_quarter(whole, archive)
        if k < quarters - 1:
            add_quarter(older, archive)
        archive.unlink()
        print(f"  ingested {quarter_label(k)}", flush=True)
    return whole, older


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quarters", type=int, default=16, help="quarters in the store (at least 2)")
    parser.add_argument("--reports", type=int, default=40_000, help="reports per quarter (real scale: 320000)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), *args.child[1:])
        return
    if args.quarters < 2:
        parser.error("--quarters must be at least 2: the newest quarter is compared with the ones before")
    scratch = Path(tempfile.mkdtemp(prefix="il6-bench-faers-changes-"))
    try:
        whole, older = build(scratch, args.quarters, args.reports)
        once, once_peak = run_child("once", str(whole), script=__file__)
        twice, twice_peak = run_child("twice", str(older), str(whole), script=__file__)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert (once["a_before"], once["a_after"]) == (twice["a_before"], twice["a_after"]), (once, twice)
    print(f"\n{args.quarters} quarters of {args.reports:,} reports; the IL-6 agents' pairs, case counts equal on both sides")
    print(f"  counted once (faers_signal_changes' comparison): {once['seconds']:.1f} s, peak {once_peak:.2f} GiB")
    print(f"  counted twice (disproportionality before and after): {twice['seconds']:.1f} s, peak {twice_peak:.2f} GiB")
    print(f"  ratio twice / once: {twice['seconds'] / once['seconds']:.2f}x time, {twice_peak / once_peak:.2f}x memory")


if __name__ == "__main__":
    main()
