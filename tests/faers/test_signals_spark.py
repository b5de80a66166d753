"""The same Ibis counting on Spark (local mode) gives DuckDB's counts, on a small store of real samples.

Spark starts a JVM (several seconds) and runs each query for seconds, so this is one small store and
one test (so one JVM); skipped when PySpark or Java is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from il6analysis.faers import counts, signals, tables
from il6analysis.faers.ingest import add_quarters

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.spark,
              pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17 or later)")]

DATA = Path(__file__).parent.parent / "fixtures" / "faers"


QUICK_JVM = "--driver-java-options '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' pyspark-shell"
"""PySpark's own way to pass JVM options: for a JVM that lives half a minute, the quick (C1) compiler
alone and the serial collector take about a third off (same results; the product keeps Java's defaults)."""


@pytest.fixture
def store(tmp_path, monkeypatch) -> Iterator[Path]:
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", QUICK_JVM)  # read when this process starts its JVM
    path = tmp_path / "store"
    add_quarters(path, [DATA / "hand_made_2099q1", DATA / "aers_2004q1_sample100", DATA / "faers_2017q2_sample100",
                        DATA / "faers_2020q3_il6_subset", DATA / "faers_2026q2_head25"])
    yield path
    tables.stop_spark_session()  # the JVM would otherwise live as long as this test process


def counted(store: Path, engine: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    opened = tables.open_store(store, engine)
    lookup, names = tables.ingredients(opened)
    clean = tables.clean_tables(opened, opened.table("name_lookup", lookup), ["PS", "SS"])
    m = counts.margins(clean, ["sex"])
    pairs = opened.execute(counts.all_pairs(m)).sort_values(["ingredient_id", "pt_id"]).reset_index(drop=True)
    agents = names.loc[names["agent_id"].notna(), "ingredient_id"].tolist()
    rows = opened.execute(counts.pair_rows(m, agents)).sort_values(
        ["ingredient_id", "pt_id", "stratum"]).reset_index(drop=True)
    return pairs.astype({"a": "int64"}), rows.astype({c: "int64" for c in ("a", "n_drug", "n_event", "n")})


def test_spark_gives_duckdbs_counts_and_signals(store):
    """One test, so one worker starts one JVM (xdist may send two tests of a module to two workers)."""
    duck_pairs, duck_rows = counted(store, "duckdb")
    spark_pairs, spark_rows = counted(store, "spark")
    assert len(duck_pairs) > 1000 and len(duck_rows) > 100
    pd.testing.assert_frame_equal(spark_pairs[["ingredient_id", "pt_id", "a"]], duck_pairs[["ingredient_id", "pt_id", "a"]],
                                  check_dtype=False)
    assert spark_pairs["expected"].to_numpy() == pytest.approx(duck_pairs["expected"].to_numpy(), rel=1e-12)
    pd.testing.assert_frame_equal(spark_rows, duck_rows, check_dtype=False)

    options = dict(agents=["tocilizumab"], roles=("PS", "SS"), min_cases=1, methods=["ror", "prr", "ic"])
    duck = signals.disproportionality(store, **options)
    spark = signals.disproportionality(store, engine="spark", **options)
    pd.testing.assert_frame_equal(spark, duck)

    from pyspark import SparkContext

    tables.stop_spark_session()
    assert SparkContext._active_spark_context is None, "the session and its JVM are stopped"
