"""FAERS benchmark: ingest and signals for 1, 2, 4, 8 and 16 synthetic quarters, vigipy and Spark beside them.

Synthetic FAERS-shaped quarters, written with DuckDB so that generating real-
size quarters takes seconds: by default 320,000 reports a quarter (about the
real scale), ~3.75 drug rows, ~3 reaction rows, 0.8 outcome and 2 indication
rows per report, the real 2026Q2 headers, CRLF line ends, zipped as FDA ships
them; from the second quarter on, 20% of a quarter's reports are follow-ups
(a higher caseversion) of cases of the previous quarter and 0.3% of the
previous quarter's cases are deleted. About 3,000 ingredients (0.4% of drug
rows name an IL-6 agent, by brand or ingredient) and 6,000 preferred terms
(5% spelled in upper case, as legacy AERS does); no real association.

Measured, each step in a fresh child process (peak resident memory is that
child's own, by ``wait4``):

* ingest: ``add_quarter`` of each zip (time, peak memory), then the store size;
* signals: ``disproportionality`` for the IL-6 agents with all four methods
  (ROR, PRR, IC, EBGM, the prior fitted on every pair), and, in another
  child, with all ingredients held in memory at once, at each checkpoint;
* all pairs in partitions: ``write_all_pairs`` (every ingredient x term, the
  four methods, each partition of ingredients counted by DuckDB into Parquet,
  then its statistics written) at each checkpoint, its time and peak memory
  beside the in-memory table's; each route's peak is extrapolated to 90
  quarters (linearly in the quarters, from the last two checkpoints) and to
  35 million pairs (about the real full history; linearly in the pairs);
* the pandas + vigipy route (at the 8-quarter checkpoint, ``--route-at``):
  pandas reads the same zips whole, de-duplicates and counts every
  ingredient x term pair, and vigipy computes ror, prr, bcpnn and gps; set
  against this package's ingest + signals for all ingredients, and this
  package's statistics timed on the route's own counts;
* Spark: the same ``disproportionality`` (agents) on the Spark engine, at the
  smallest checkpoint (``--spark-at`` to choose).

Prints one table and the ratios from the same run.

    .venv/bin/python benchmarks/bench_faers.py [--reports 320000] [--quarters 1,2,4,8,16] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

HEADERS = {
    "DEMO": "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num"
            "$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country"
            "$occr_country",
    "DRUG": "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr"
            "$cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq",
    "REAC": "primaryid$caseid$pt$drug_rec_act",
    "OUTC": "primaryid$caseid$outc_cod",
    "INDI": "primaryid$caseid$indi_drug_seq$indi_pt",
}
FILLED = {"DEMO": {"primaryid", "caseid", "caseversion", "i_f_code", "fda_dt", "age", "age_cod", "sex",
                   "occp_cod", "reporter_country", "rept_cod"},
          "DRUG": {"primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "route"},
          }
#: filler text for columns the store does not keep, so files are about as large as FDA's (~550 MB a quarter)
FILLER = {"DEMO": {"event_dt": "'20170105'", "mfr_dt": "'20170301'", "init_fda_dt": "'20161201'",
                   "mfr_num": "'US-PHARMACO-2017' || lpad(primaryid, 12, '0')", "mfr_sndr": "'PHARMACO INC'",
                   "e_sub": "'Y'", "wt": "'70'", "wt_cod": "'KG'", "rept_dt": "'20170310'",
                   "occr_country": "reporter_country"},
          "DRUG": {"val_vbm": "'1'", "dose_vbm": "'10 MG, QD'", "dechal": "'U'", "rechal": "'U'",
                   "lot_num": "'LOT' || drug_seq || 'A'", "nda_num": "'020702'", "dose_amt": "'10'",
                   "dose_unit": "'MG'", "dose_form": "'FILM-COATED TABLET'", "dose_freq": "'QD'"},
          "REAC": {}, "OUTC": {}, "INDI": {}}
FILLED |= {
          "REAC": {"primaryid", "caseid", "pt"}, "OUTC": {"primaryid", "caseid", "outc_cod"},
          "INDI": {"primaryid", "caseid", "indi_drug_seq", "indi_pt"}}


def quarter_label(k: int) -> str:
    return f"{2017 + k // 4}Q{k % 4 + 1}"


def generate(folder: Path, k: int, reports: int, seed: float = 0.6) -> None:
    """Write quarter number ``k`` (0 = 2017Q1) into ``folder``: DEMO, DRUG, REAC, OUTC, INDI, DELETE."""
    folder.mkdir(parents=True, exist_ok=True)
    label = quarter_label(k)
    yy, q = label[2:4], label[-1]
    base = 10_000_000
    follow = int(reports * 0.2) if k else 0
    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB"})
    con.execute(f"SELECT setseed({seed + k / 100})")
    con.execute(f"""
        CREATE TABLE rep AS
        SELECT r,
               CASE WHEN r < {follow} THEN {base} + {k - 1} * {reports} + r + {follow}
                    ELSE {base} + {k} * {reports} + r END AS caseid,
               CASE WHEN r < {follow} THEN {k + 2} ELSE 1 END AS version
        FROM range({reports}) t(r)""")
    con.execute("ALTER TABLE rep ADD COLUMN primaryid VARCHAR")
    con.execute("UPDATE rep SET primaryid = caseid::VARCHAR || version::VARCHAR")

    def write(table: str, select: str) -> None:
        names = HEADERS[table].split("$")
        cols = ", ".join(c if c in FILLED[table] else f"{FILLER[table].get(c, repr(''))} AS {c}" for c in names)
        # the CSV writer uses LF; FAERS often ships CRLF: keep the CR in the last field's text
        con.execute(f"COPY (SELECT {cols} FROM ({select})) TO '{folder / f'{table}{yy}Q{q}.txt'}' "
                    "(DELIMITER '$', HEADER true, QUOTE '', ESCAPE '', NEW_LINE '\\r\\n')")

    write("DEMO", f"""
        SELECT primaryid, caseid::VARCHAR AS caseid, version::VARCHAR AS caseversion,
               CASE WHEN version = 1 THEN 'I' ELSE 'F' END AS i_f_code,
               '{label[:4]}' || lpad(({int(q) * 3 - 2} + r % 3)::VARCHAR, 2, '0') || '15' AS fda_dt,
               CASE WHEN random() < 0.15 THEN '' ELSE (1 + floor(random() * 94))::INT::VARCHAR END AS age,
               CASE WHEN random() < 0.97 THEN 'YR' ELSE 'MON' END AS age_cod,
               ['F', 'M', 'F', ''][1 + floor(random() * 4)::INT] AS sex,
               ['MD', 'CN', 'HP', 'PH', 'OT'][1 + floor(random() * 5)::INT] AS occp_cod,
               ['US', 'JP', 'DE', 'FR', 'GB'][1 + floor(random() * 5)::INT] AS reporter_country,
               'EXP' AS rept_cod
        FROM rep""")
    con.execute("""
        CREATE TABLE drug AS
        SELECT primaryid, caseid::VARCHAR AS caseid, (seq + 1)::VARCHAR AS drug_seq,
               CASE WHEN seq = 0 THEN 'PS' ELSE ['SS', 'C', 'C', 'I'][1 + floor(random() * 4)::INT] END AS role_cod,
               x AS pick, random() AS il6, random() AS noai
        FROM (SELECT primaryid, caseid, unnest(range(1 + floor(-ln(1 - random()) * 2.75)::INT)) AS seq,
                     floor(3000 * pow(random(), 3))::INT AS x FROM rep)""")
    write("DRUG", """
        SELECT primaryid, caseid, drug_seq, role_cod,
               CASE WHEN il6 < 0.004 THEN ['ACTEMRA', 'KEVZARA', 'SYLVANT'][1 + (pick % 3)]
                    ELSE 'DRUG' || lpad(pick::VARCHAR, 4, '0') END AS drugname,
               CASE WHEN noai < 0.1 THEN ''
                    WHEN il6 < 0.004 THEN ['TOCILIZUMAB', 'SARILUMAB', 'SILTUXIMAB'][1 + (pick % 3)]
                    ELSE 'INGREDIENT ' || lpad(pick::VARCHAR, 4, '0') END AS prod_ai,
               ['Oral', 'Intravenous', 'Subcutaneous'][1 + (pick % 3)] AS route
        FROM drug""")
    write("REAC", """
        SELECT primaryid, caseid::VARCHAR AS caseid,
               CASE WHEN random() < 0.05 THEN upper('Preferred term ' || lpad(x::VARCHAR, 4, '0'))
                    ELSE 'Preferred term ' || lpad(x::VARCHAR, 4, '0') END AS pt
        FROM (SELECT primaryid, caseid, unnest(range(1 + floor(-ln(1 - random()) * 2.0)::INT)) AS seq,
                     floor(6000 * pow(random(), 4))::INT AS x FROM rep)""")
    write("OUTC", """
        SELECT primaryid, caseid::VARCHAR AS caseid, ['OT', 'HO', 'DE', 'LT', 'DS'][1 + floor(random() * 5)::INT] AS outc_cod
        FROM rep, range(2) t(i) WHERE random() < 0.4""")
    write("INDI", """
        SELECT primaryid, caseid::VARCHAR AS caseid, (seq + 1)::VARCHAR AS indi_drug_seq,
               'Indication ' || floor(500 * pow(random(), 3))::INT::VARCHAR AS indi_pt
        FROM (SELECT primaryid, caseid, unnest(range(1 + floor(-ln(1 - random()) * 1.0)::INT)) AS seq FROM rep)""")
    if k:
        deleted = con.execute(f"SELECT ({base} + {k - 1} * {reports} + {follow} + r)::VARCHAR FROM range({reports}) t(r) "
                              f"WHERE random() < 0.003").fetchall()
        (folder / f"DELETE{yy}Q{q}.txt").write_text("\n".join(c for (c,) in deleted) + "\n")
    con.close()


def zip_folder(folder: Path) -> Path:
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, ("ASCII/" if not f.name.startswith("DELETE") else "Deleted/") + f.name)
    shutil.rmtree(folder)
    return archive




def run_child(*args: str, script: str = __file__) -> tuple[dict, float]:
    """Run ``script`` (this one by default) as ``--child ARGS``; return its JSON result and peak RSS in GiB
    (that child alone)."""
    result = Path(tempfile.mktemp(suffix=".json"))
    process = subprocess.Popen([sys.executable, script, "--child", str(result), *args])
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {args} failed")
    data = json.loads(result.read_text())
    result.unlink()
    return data, usage.ru_maxrss / 1024**2


def _timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def child(result: Path, action: str, store: str, *args: str) -> None:
    """One measured step (see the module notes); writes its numbers as JSON to ``result``."""
    from il6analysis.faers import signals

    roles = ("PS", "SS")
    if action == "add":
        from il6analysis.faers.ingest import add_quarter

        entry, seconds = _timed(lambda: add_quarter(store, args[0]))
        data = {"seconds": seconds, "rows": entry["rows"]}
    elif action == "signals":
        table, seconds = _timed(lambda: signals.disproportionality(store, roles=roles))
        data = {"seconds": seconds, "pairs": len(table), "prior_pairs": table.attrs["gamma_mixture"].n_pairs,
                "a_sum": int(table["a"].sum())}
    elif action == "everything":
        everything, all_seconds = _timed(lambda: signals.disproportionality(store, roles=roles, min_cases=1,
                                                                             all_ingredients=True))
        data = {"all_seconds": all_seconds, "all_pairs": len(everything), "all_a_sum": int(everything["a"].sum()),
                "flags": {rule: int(everything[rule].sum()) for rule in
                          ("signal_ror", "signal_prr", "signal_ic", "signal_ebgm")}}
    elif action == "spark":
        from il6analysis.faers.tables import spark_session

        _, startup = _timed(spark_session)
        table, seconds = _timed(lambda: signals.disproportionality(store, roles=roles, engine="spark"))
        data = {"seconds": seconds, "startup": startup, "pairs": len(table), "a_sum": int(table["a"].sum())}
    elif action == "allpairs":
        from il6analysis.faers.all_pairs import write_all_pairs

        done, seconds = _timed(lambda: write_all_pairs(store, args[0], roles, min_cases=1))
        shutil.rmtree(args[0])
        data = {"seconds": seconds, "pairs": done["pairs"], "rows": done["rows"], "partitions": done["partitions"]}
    else:
        data = _versus_pandas_and_vigipy(list(args), roles)
    result.write_text(json.dumps(data))


def _read_member(archive: Path, prefix: str, columns: list[str]):
    import pandas as pd

    with zipfile.ZipFile(archive) as z:
        name = next(n for n in z.namelist() if Path(n).name.upper().startswith(prefix))
        with z.open(name) as member:
            if prefix == "DELETE":
                return pd.read_csv(member, header=None, names=["caseid"], dtype="int64")
            return pd.read_csv(member, sep="$", encoding="latin-1", usecols=columns, dtype=str, keep_default_na=False)


def _pandas_route(archives: list[str], roles) -> tuple[object, float]:
    """The plain route: pandas reads every quarter whole, de-duplicates as FDA advises and counts every
    ingredient x term pair (the same rules as the store, written directly in pandas)."""
    import pandas as pd

    start = time.perf_counter()
    demo, drug, reac, deleted = [], [], [], []
    for archive in map(Path, archives):
        d = _read_member(archive, "DEMO", ["primaryid", "caseid", "caseversion"])
        demo.append(d.astype({"primaryid": "int64", "caseid": "int64", "caseversion": "int64"}))
        g = _read_member(archive, "DRUG", ["primaryid", "role_cod", "drugname", "prod_ai"])
        g = g[g["role_cod"].str.strip().str.upper().isin(roles)]
        name = g["prod_ai"].str.strip().str.upper().where(lambda x: x != "", g["drugname"].str.strip().str.upper())
        drug.append(pd.DataFrame({"primaryid": g["primaryid"].astype("int64"), "ingredient": name}))
        r = _read_member(archive, "REAC", ["primaryid", "pt"])
        reac.append(pd.DataFrame({"primaryid": r["primaryid"].astype("int64"),
                                  "pt": r["pt"].str.strip().str.lower()}))
        with zipfile.ZipFile(archive) as z:
            if any(Path(n).name.upper().startswith("DELETE") for n in z.namelist()):
                deleted.append(_read_member(archive, "DELETE", []))
    demo = pd.concat(demo, ignore_index=True)
    latest = demo.sort_values(["caseid", "caseversion", "primaryid"]).drop_duplicates("caseid", keep="last")
    if deleted:
        latest = latest[~latest["caseid"].isin(pd.concat(deleted)["caseid"])]
    keep = latest["primaryid"]
    exposed = pd.concat(drug, ignore_index=True).drop_duplicates()
    exposed = exposed[exposed["primaryid"].isin(keep) & exposed["ingredient"].ne("")]
    events = pd.concat(reac, ignore_index=True).drop_duplicates()
    events = events[events["primaryid"].isin(keep)]
    pairs = exposed.merge(events, on="primaryid").groupby(["ingredient", "pt"]).size().rename("a").reset_index()
    pairs = pairs.merge(exposed.groupby("ingredient").size().rename("n_drug").reset_index(), on="ingredient")
    pairs = pairs.merge(events.groupby("pt").size().rename("n_event").reset_index(), on="pt")
    return pairs.assign(n=len(keep)), time.perf_counter() - start


def _versus_pandas_and_vigipy(archives: list[str], roles) -> dict:
    """The pandas + vigipy route on the same quarters, and this package's statistics on the same counts."""
    import warnings

    import numpy as np
    import pandas as pd
    import vigipy

    from il6analysis.faers.statistics import signals as statistics

    counts, count_s = _pandas_route(archives, roles)
    ours, ours_s = _timed(lambda: statistics(counts))
    n = int(counts["n"].iloc[0])
    box = vigipy.DataContainer(data=pd.DataFrame({
        "events": counts.a.astype(float), "product_aes": counts.n_drug.astype(float),
        "count_across_brands": counts.n_event.astype(float), "ae_name": counts.pt.astype(str),
        "product_name": counts.ingredient.astype(str)}), N=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, theirs_s = _timed(lambda: [getattr(vigipy, m)(box, min_events=1) for m in ("ror", "prr", "bcpnn", "gps")])
    ror = theirs[0].all_signals.rename(columns={"Product": "ingredient", "Adverse Event": "pt"})
    both = ours.merge(ror, on=["ingredient", "pt"])
    finite = np.isfinite(both["ror"]) & (both[["b", "c", "d"]] > 0).all(axis=1)
    gap = float(np.max(np.abs(both.loc[finite, "ror"] / both.loc[finite, "ROR"] - 1)))
    return {"pairs": len(counts), "a_sum": int(counts["a"].sum()), "count_s": count_s, "ours_s": ours_s,
            "vigipy_s": theirs_s, "ror_max_rel_gap": gap}


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=320_000, help="reports per quarter (real scale: 320000)")
    parser.add_argument("--quarters", default="1,2,4,8,16", help="store sizes at which signals are measured")
    parser.add_argument("--spark-at", type=int, default=None, help="checkpoint for the Spark run (default: the first)")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    parser.add_argument("--route-at", type=int, default=8,
                        help="checkpoint for the pandas + vigipy route (default 8, or the largest below it)")
    parser.add_argument("--scratch", default=None, help="work folder (default: a temporary folder)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), *args.child[1:])
        return
    checkpoints = sorted({int(x) for x in args.quarters.split(",")})
    spark_at = None if args.no_spark else (args.spark_at or checkpoints[0])
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="il6-bench-faers-"))
    store = scratch / "store"
    shutil.rmtree(store, ignore_errors=True)
    print(f"{args.reports:,} reports per quarter, checkpoints {checkpoints}, {os.cpu_count()} CPUs", flush=True)
    route_at = max([c for c in checkpoints if c <= args.route_at] or checkpoints[:1])
    adds, rows, spark, versus, kept = [], [], None, None, []
    for k in range(max(checkpoints)):
        source = zip_folder(generate_folder(scratch, k, args.reports))
        os.sync()
        added, peak = run_child("add", str(store), str(source))
        if k + 1 <= route_at:
            kept.append(source)  # the pandas route reads them
        else:
            source.unlink()
        adds.append((added["seconds"], peak))
        print(f"  add {quarter_label(k)}: {added['seconds']:.1f} s, peak {peak:.2f} GiB", flush=True)
        if k + 1 not in checkpoints:
            continue
        found, signals_peak = run_child("signals", str(store))
        everything, all_peak = run_child("everything", str(store))
        found |= everything
        parted, parted_peak = run_child("allpairs", str(store), str(scratch / f"pairs-{k + 1}"))
        assert parted["rows"] == found["all_pairs"], (parted, found)
        rows.append({"quarters": k + 1, "ingest_s": sum(a for a, _ in adds), "ingest_peak": max(p for _, p in adds),
                     "store_mib": size_of(store) / 2**20, "peak": signals_peak, "all_peak": all_peak, **found,
                     "parted_s": parted["seconds"], "parted_peak": parted_peak, "partitions": parted["partitions"]})
        print(f"  -> {k + 1} quarter(s): signals {found['seconds']:.1f} s (agents), {found['all_seconds']:.1f} s "
              f"(all ingredients), peak {signals_peak:.2f} GiB (agents), {all_peak:.2f} GiB (all in memory), flags {found['flags']}; all pairs in "
              f"{parted['partitions']} partition(s) {parted['seconds']:.1f} s, peak {parted_peak:.2f} GiB", flush=True)
        if k + 1 == spark_at:
            spark, spark_peak = run_child("spark", str(store))
            assert (spark["pairs"], spark["a_sum"]) == (found["pairs"], found["a_sum"]), (spark, found)
            print(f"  -> Spark: {spark['seconds']:.1f} s + {spark['startup']:.1f} s start-up, same counts", flush=True)
        if k + 1 == route_at:
            versus, versus_peak = run_child("route", str(store), *map(str, kept))
            versus |= {"quarters": route_at, "peak": versus_peak, "ours_total": rows[-1]["ingest_s"] + rows[-1]["all_seconds"],
                       "our_pairs": rows[-1]["all_pairs"], "our_a_sum": rows[-1]["all_a_sum"]}
            print(f"  -> pandas + vigipy: {versus['count_s']:.1f} s counting + {versus['vigipy_s']:.1f} s statistics, "
                  f"peak {versus_peak:.2f} GiB", flush=True)
            for source in kept:
                source.unlink()
    report(rows, spark, spark_at, versus)
    if not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)


def generate_folder(scratch: Path, k: int, reports: int) -> Path:
    folder = scratch / "src" / quarter_label(k)
    generate(folder, k, reports)
    return folder


def report(rows: list[dict], spark: dict | None, spark_at: int | None, versus: dict) -> None:
    """Print the table and the ratios."""
    print("\n| quarters | ingest s | ingest s/quarter | ingest peak GiB | store MiB | signals s (agents, 4 methods) "
          "| signals s (all ingredients) | signals peak GiB (agents) | pairs in prior |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['quarters']} | {r['ingest_s']:.1f} | {r['ingest_s'] / r['quarters']:.1f} | {r['ingest_peak']:.2f} "
              f"| {r['store_mib']:.0f} | {r['seconds']:.1f} | {r['all_seconds']:.1f} | {r['peak']:.2f} "
              f"| {r['prior_pairs']:,} |")
    first, last = rows[0], rows[-1]
    print(f"\nratios, {last['quarters']} vs {first['quarters']} quarter(s): ingest peak "
          f"{last['ingest_peak'] / first['ingest_peak']:.2f}x, ingest time per quarter "
          f"{last['ingest_s'] / last['quarters'] / (first['ingest_s'] / first['quarters']):.2f}x, signals time "
          f"{last['seconds'] / first['seconds']:.2f}x for {last['quarters'] / first['quarters']:.0f}x the data")
    per_quarter = last["ingest_s"] / last["quarters"]
    print(f"extrapolated ingest of 90 quarters: {90 * per_quarter / 60:.0f} min")
    route = versus["count_s"] + versus["vigipy_s"]
    print(f"all ingredients at {versus['quarters']} quarter(s): il6analysis ingest + signals {versus['ours_total']:.1f} s "
          f"(signals peak {next(r for r in rows if r['quarters'] == versus['quarters'])['all_peak']:.2f} GiB) vs pandas + "
          f"vigipy {route:.1f} s ({versus['count_s']:.1f} s counting, {versus['vigipy_s']:.1f} s ror, prr, bcpnn, gps; "
          f"peak {versus['peak']:.2f} GiB): {route / versus['ours_total']:.1f}x")
    print(f"  pairs: il6analysis {versus['our_pairs']:,} (a total {versus['our_a_sum']:,}), pandas {versus['pairs']:,} "
          f"(a total {versus['a_sum']:,}); the store also maps brand names without an active ingredient to it")
    print(f"statistics on the pandas route's {versus['pairs']:,} pairs: il6analysis {versus['ours_s']:.2f} s (EBGM prior "
          f"fitted), vigipy {versus['vigipy_s']:.2f} s, ratio {versus['vigipy_s'] / versus['ours_s']:.1f}x; ROR agrees to "
          f"{versus['ror_max_rel_gap']:.1e} (relative)")
    print("\n| quarters | pairs | agents: peak GiB | all pairs in memory: s | peak GiB "
          "| all pairs in partitions: s | partitions | peak GiB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['quarters']} | {r['all_pairs']:,} | {r['peak']:.2f} | {r['all_seconds']:.1f} | {r['all_peak']:.2f} "
              f"| {r['parted_s']:.1f} | {r['partitions']} | {r['parted_peak']:.2f} |")
    print(f"pandas + vigipy at {versus['quarters']} quarter(s): {versus['pairs']:,} pairs, peak {versus['peak']:.2f} GiB")
    before = rows[-2] if len(rows) > 1 else first
    span = max(last["quarters"] - before["quarters"], 1)
    at_90 = last["all_pairs"] + (last["all_pairs"] - before["all_pairs"]) / span * (90 - last["quarters"])
    print(f"extrapolated linearly from {before['quarters']} and {last['quarters']} quarters to 90 quarters "
          f"({at_90 / 1e6:.1f} million pairs) and, by the pairs, to 35 million pairs (about the real history):")
    for label, key in (("agents", "peak"), ("all pairs in memory", "all_peak"), ("all pairs in partitions", "parted_peak")):
        by_quarter = last[key] + (last[key] - before[key]) / span * (90 - last["quarters"])
        per_million = (last[key] - before[key]) / max(last["all_pairs"] - before["all_pairs"], 1) * 1e6
        at_35m = last[key] + per_million * (35e6 - last["all_pairs"]) / 1e6
        print(f"  {label}: {last[key]:.2f} GiB at {last['quarters']} quarters, {per_million:.3f} GiB per million "
              f"pairs; {by_quarter:.1f} GiB at 90 quarters, {at_35m:.1f} GiB at 35 million pairs")
    if spark:
        base = next(r for r in rows if r["quarters"] == spark_at)
        print(f"Spark at {spark_at} quarter(s): {spark['seconds']:.1f} s (+ {spark['startup']:.1f} s start-up) vs "
              f"DuckDB {base['seconds']:.1f} s: {spark['seconds'] / base['seconds']:.1f}x; identical counts")
    print(f"signal flags at {last['quarters']} quarter(s), all ingredients (synthetic data, no real association): "
          + ", ".join(f"{k} {v}" for k, v in last["flags"].items()))


if __name__ == "__main__":
    main()
