"""Time ``il6 changes`` on two full releases: the package data against an edited copy of it.

The edited copy refines some approval dates (month or year -> a day inside),
moves other decisions' dates by a day, changes the status of some trials,
removes warnings and adds names, so every kind of change occurs. Printed, each
the median of ``--repeats`` runs:

- the whole command (``il6 changes OLD NEW --json``, process start-up included);
- ``diff_datasets`` on the two folders, each run in a fresh process with the
  imports done before the clock starts (a process parses a text once, so a
  second call in one process would time the cache), split into reading and
  validating both folders and comparing the typed tables (in process, on tables
  read beforehand); the same on two identical folders;
- the comparison alone (``diff_tables`` over every table) on the tables
  repeated x1, x10 and x100 (keys made unique), with the ratio of each time
  to the previous one against the ratio of the sizes.

Run from the repository root:

    .venv/bin/python benchmarks/bench_changes.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd

from il6analysis.curated.changes import diff_datasets, diff_tables
from il6analysis.curated.loaders import DATASETS
from il6analysis.curated.snapshots import primary_key, read_dataset

BIN = Path(sys.executable).parent


def copy_release(folder: Path) -> Path:
    """Copy the package's tables and curation record into ``folder``; return it."""
    folder.mkdir(parents=True)
    for entry in (resources.files("il6analysis.curated") / "data").iterdir():
        if entry.name.endswith((".csv", ".toml")):
            (folder / entry.name).write_bytes(entry.read_bytes())
    return folder


def _edit(folder: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / f"{table}.csv"
    change(pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Refine the first five month- or year-dated decisions to a day inside, move five day-dated ones by a day."""
    by_decision = frame.groupby("decision_id")["approval_date"].first()
    coarse = [d for d, v in by_decision.items() if len(v) in (4, 7)][:5]
    exact = [d for d, v in by_decision.items() if len(v) == 10][:5]
    for decision in coarse:
        value = by_decision[decision]
        frame.loc[frame["decision_id"] == decision, "approval_date"] = value + ("-06-15" if len(value) == 4 else "-15")
    for decision in exact:
        day = (pd.Timestamp(by_decision[decision]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        frame.loc[frame["decision_id"] == decision, "approval_date"] = day
    return frame


def edited_release(folder: Path) -> Path:
    """A copy of the package data with changes of every kind (see the module docstring)."""
    copy_release(folder)
    _edit(folder, "approvals", _dates)
    _edit(folder, "trials", lambda f: f.assign(status=f["status"].where(~f["nct_id"].isin(f["nct_id"].unique()[:5]),
                                                                         "COMPLETED")))
    _edit(folder, "warnings", lambda f: f.iloc[3:])
    _edit(folder, "agent_names", lambda f: pd.concat(
        [f, f.iloc[:2].assign(name=["Bench name 1", "Bench name 2"], name_type="synonym")], ignore_index=True))
    return folder


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """The median wall-clock seconds of ``repeats`` calls of ``run``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_process_seconds(statement: str, repeats: int) -> float:
    """The median seconds ``statement`` takes in ``repeats`` fresh Python processes (imports excluded);
    ``statement`` may use ``diff_datasets`` and ``read_dataset``."""
    code = ("import sys, time\n"
            "from il6analysis.curated.changes import diff_datasets\n"
            "from il6analysis.curated.snapshots import read_dataset\n"
            f"start = time.perf_counter()\n{statement}\nprint(time.perf_counter() - start)\n")
    runs = [float(subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,
                                 check=True).stdout.split()[-1]) for _ in range(repeats)]
    return statistics.median(runs)


def repeated(tables: dict[str, pd.DataFrame], times: int) -> dict[str, pd.DataFrame]:
    """Each table repeated ``times`` times, the first key column suffixed so every key stays unique."""
    out = {}
    for name, frame in tables.items():
        first = primary_key(name)[0]
        copies = [frame.assign(**{first: frame[first].astype("str") + f"~{i}"}) for i in range(times)]
        out[name] = pd.concat(copies, ignore_index=True)
    return out


def compare_all(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> int:
    """Compare every table; return the number of changes."""
    return sum(len(diff_tables(name, old[name], new[name], primary_key(name))) for name in DATASETS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement (the median is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="il6-bench-changes-") as scratch:
        release, edited = copy_release(Path(scratch) / "release"), edited_release(Path(scratch) / "edited")
        changes = diff_datasets(release, edited)
        rows = sum(len(frame) for frame in read_dataset(release).values())
        print(f"two releases of {len(DATASETS)} tables, {rows} rows each; {len(changes)} changes: "
              + ", ".join(f"{k} {v}" for k, v in changes["kind"].value_counts().items()))
        command = median_seconds(lambda: subprocess.run(
            [str(BIN / "il6"), "changes", str(release), str(edited), "--json"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, check=True), args.repeats)
        whole = fresh_process_seconds(f"diff_datasets({str(release)!r}, {str(edited)!r})", args.repeats)
        same = fresh_process_seconds(f"diff_datasets({str(release)!r}, {str(release)!r})", args.repeats)
        reading = fresh_process_seconds(f"read_dataset({str(release)!r}); read_dataset({str(edited)!r})",
                                        args.repeats)
        old, new = read_dataset(release), read_dataset(edited)
        comparing = median_seconds(lambda: compare_all(old, new), args.repeats)
        print(f"il6 changes --json (process):        {command:7.2f} s")
        print(f"diff_datasets, edited copy (fresh):  {whole:7.2f} s")
        print(f"diff_datasets, identical (fresh):    {same:7.2f} s  ({same / whole:.2f}x the edited)")
        print(f"  reading and validating both:       {reading:7.2f} s  (fresh)")
        print(f"  comparing the typed tables:        {comparing:7.2f} s  (in process)")
        print(f"\n{'tables':>8} {'rows':>9} {'compare s':>10} {'x time':>7} {'x size':>7}")
        previous: tuple[int, float] | None = None
        for times in (1, 10, 100):
            old_n, new_n = repeated(old, times), repeated(new, times)
            seconds = median_seconds(lambda: compare_all(old_n, new_n), max(1, args.repeats // times or 1))
            ratios = f"{seconds / previous[1]:7.1f} {times / previous[0]:7.1f}" if previous else f"{'':>7} {'':>7}"
            print(f"{'x' + str(times):>8} {rows * times:>9} {seconds:>10.2f} {ratios}")
            previous = (times, seconds)


if __name__ == "__main__":
    main()
