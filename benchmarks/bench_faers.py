"""FAERS at the scale of one quarter: DuckDB against plain pandas, side by side in one run.

Generates a FAERS-shaped quarter (by default 400,000 reports, 1.5 million
drug rows, 1.2 million reaction rows, written as ``$``-delimited files with
the real 2026Q2 headers), then, each in a fresh child process so that peak
memory is measured separately:

(duckdb) read the quarter, ingest it into a DuckDB file, compute ROR/PRR for
         every agent x preferred term (``il6analysis.analysis.signals``);
(pandas) read the quarter, compute the same table with plain pandas joins.

Prints wall-clock time and peak resident memory of each, their ratio, and
checks that both give the same 2x2 counts. Targets on a 2-core machine: the
DuckDB path under 60 s and under 2 GiB for one quarter.

    .venv/bin/python benchmarks/bench_faers.py [--reports 400000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADERS = {
    "DEMO": "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num"
            "$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country"
            "$occr_country",
    "DRUG": "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr"
            "$cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq",
    "REAC": "primaryid$caseid$pt$drug_rec_act",
}
IL6_PRODUCTS = [("ACTEMRA", "TOCILIZUMAB"), ("TOCILIZUMAB", "TOCILIZUMAB"), ("KEVZARA", "SARILUMAB"),
                ("SYLVANT", "SILTUXIMAB"), ("ENSPRYNG", "SATRALIZUMAB"), ("TYENNE", "TOCILIZUMAB-AAZG")]


def generate(folder: Path, reports: int, seed: int = 6) -> None:
    """Write DEMO, DRUG and REAC files of a synthetic quarter into ``folder``."""
    rng = np.random.default_rng(seed)
    ids = np.arange(10_000_000, 10_000_000 + reports).astype(str)
    demo = pd.DataFrame({c: "" for c in HEADERS["DEMO"].split("$")}, index=range(reports))
    demo["primaryid"], demo["caseid"], demo["caseversion"] = ids, ids, "1"
    demo["sex"] = rng.choice(["F", "M", ""], reports)
    demo["age"] = rng.integers(1, 95, reports).astype(str)
    demo["fda_dt"] = "20260415"
    demo["reporter_country"] = rng.choice(["US", "JP", "DE", "FR", "GB"], reports)

    drug_rows = int(reports * 3.75)
    owner = np.sort(rng.integers(0, reports, drug_rows))
    names = np.array([f"DRUG{n:04d}" for n in range(3000)])
    drugname = names[np.minimum(rng.zipf(1.4, drug_rows), 3000) - 1]
    prod_ai = drugname.copy()
    il6 = rng.random(drug_rows) < 0.004
    picks = rng.integers(0, len(IL6_PRODUCTS), il6.sum())
    drugname[il6] = [IL6_PRODUCTS[p][0] for p in picks]
    prod_ai[il6] = [IL6_PRODUCTS[p][1] for p in picks]
    drug = pd.DataFrame({c: "" for c in HEADERS["DRUG"].split("$")}, index=range(drug_rows))
    drug["primaryid"], drug["caseid"] = ids[owner], ids[owner]
    drug["drug_seq"] = pd.Series(owner).groupby(owner).cumcount().add(1).astype(str).to_numpy()
    drug["role_cod"] = np.where(drug["drug_seq"] == "1", "PS", rng.choice(["SS", "C", "C", "I"], drug_rows))
    drug["drugname"], drug["prod_ai"] = drugname, prod_ai
    drug["route"] = rng.choice(["Oral", "Intravenous", "Subcutaneous"], drug_rows)

    reac_rows = int(reports * 3.0)
    terms = np.array([f"Preferred term {n:04d}" for n in range(6000)])
    reac = pd.DataFrame({c: "" for c in HEADERS["REAC"].split("$")}, index=range(reac_rows))
    owner = np.sort(rng.integers(0, reports, reac_rows))
    reac["primaryid"], reac["caseid"] = ids[owner], ids[owner]
    reac["pt"] = terms[np.minimum(rng.zipf(1.3, reac_rows), 6000) - 1]
    for table, frame in (("DEMO", demo), ("DRUG", drug), ("REAC", reac)):
        frame.to_csv(folder / f"{table}26Q2.txt", sep="$", index=False, lineterminator="\r\n")


def pandas_disproportionality(faers, roles=("PS",)) -> pd.DataFrame:
    """The 2x2 counts of ``il6analysis.analysis.signals`` computed with plain pandas
    (same name-to-agent rule, ``signals.drug_name_agents``)."""
    from il6analysis.analysis.signals import drug_name_agents

    drug = faers.drug[faers.drug["role_cod"].isin(roles)]
    fields = pd.concat([drug[["primaryid", "prod_ai"]].rename(columns={"prod_ai": "field"}),
                        drug[["primaryid", "drugname"]].rename(columns={"drugname": "field"})]).dropna()
    fields = fields.drop_duplicates()
    exposed = fields.merge(drug_name_agents(fields["field"].unique()), on="field")[["primaryid", "agent_id"]]
    kept = set(faers.demo["primaryid"])
    exposed = exposed.drop_duplicates()
    exposed = exposed[exposed["primaryid"].isin(kept)]
    events = faers.reac[["primaryid", "pt"]].dropna().drop_duplicates()
    events = events[events["primaryid"].isin(kept)]
    total = faers.demo["primaryid"].nunique()
    pairs = exposed.merge(events, on="primaryid").groupby(["agent_id", "pt"]).size().rename("a").reset_index()
    pairs = pairs.merge(exposed.groupby("agent_id").size().rename("n_agent").reset_index(), on="agent_id")
    pairs = pairs.merge(events.groupby("pt").size().rename("n_event").reset_index(), on="pt")
    pairs = pairs[pairs["a"] >= 3]
    return pairs.assign(b=pairs["n_agent"] - pairs["a"], c=pairs["n_event"] - pairs["a"],
                        d=total - pairs["n_agent"] - pairs["n_event"] + pairs["a"])[["agent_id", "pt", "a", "b", "c", "d"]]


def child(engine: str, folder: Path, result_file: Path) -> None:
    """Run one engine end to end; write its time, peak memory and 2x2 counts."""
    from il6analysis.analysis.signals import disproportionality
    from il6analysis.sources.faers import read_quarter
    from il6analysis.sources.faers_store import ingest

    start = time.perf_counter()
    faers = read_quarter(folder)
    read_s = time.perf_counter() - start
    if engine == "duckdb":
        database = ingest(faers, folder / "faers.duckdb")
        del faers
        table = disproportionality(database)[["agent_id", "pt", "a", "b", "c", "d"]]
    else:
        table = pandas_disproportionality(faers)
    seconds = time.perf_counter() - start
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    table.sort_values(["agent_id", "pt"]).to_csv(result_file.with_suffix(".csv"), index=False)
    result_file.write_text(json.dumps({"seconds": seconds, "read_seconds": read_s, "peak_gib": peak_gib,
                                       "pairs": len(table)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=400_000)
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "FOLDER", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="il6-faers-bench-") as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        generate(folder, args.reports)
        sizes = {f.name: sum(1 for _ in f.open("rb")) - 1 for f in sorted(folder.glob("*.txt"))}
        print(f"generated in {time.perf_counter() - start:.1f} s: " + ", ".join(f"{k} {v:,} rows" for k, v in sizes.items()))
        results = {}
        for engine in ("duckdb", "pandas"):
            result = folder / f"{engine}.json"
            subprocess.run([sys.executable, __file__, "--child", engine, str(folder), str(result)], check=True)
            results[engine] = json.loads(result.read_text())
        same = pd.read_csv(folder / "duckdb.csv").equals(pd.read_csv(folder / "pandas.csv"))
    for engine, r in results.items():
        print(f"{engine:7s}: {r['seconds']:6.1f} s in all (reading the files {r['read_seconds']:.1f} s), "
              f"peak memory {r['peak_gib']:.2f} GiB, {r['pairs']:,} agent x term pairs")
    ratio = results["duckdb"]["seconds"] / results["pandas"]["seconds"]
    after = {e: r["seconds"] - r["read_seconds"] for e, r in results.items()}
    print(f"duckdb / pandas time: {ratio:.2f} in all; {after['duckdb'] / after['pandas']:.2f} after reading "
          f"({after['duckdb']:.1f} s ingest + query vs {after['pandas']:.1f} s); same 2x2 counts: {same}")
    print(f"targets: duckdb < 60 s ({'met' if results['duckdb']['seconds'] < 60 else 'MISSED'}), "
          f"< 2 GiB ({'met' if results['duckdb']['peak_gib'] < 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
