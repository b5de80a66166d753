"""Reading a FAERS store (written by ``il6 refresh faers``) as clean Ibis tables, on DuckDB or Spark.

A store is a folder with ``catalog.json`` and one set of Parquet files per
quarter; only the quarters the catalog names are read, so a store being
written by another process is seen before or after an add, never half-way.
Reading never writes to the store (a read-only store is fine).

The cleaning is written once, as Ibis expressions (:func:`clean_tables`), so
the same rules run on every engine:

``reports``  one row per case: its latest version across *all* quarters
             (highest ``caseversion``, then highest ``primaryid``, then latest
             quarter; legacy AERS reports have no version, so they rank by ISR
             and lose to any FAERS version of the case), minus every case in
             *any* quarter's deletion list; with ``sex`` (F, M, unknown),
             ``age_band`` and ``year`` (of the FDA receipt date, or unknown);
``exposed``  distinct (report, ingredient) of those reports' drug rows in the
             chosen roles, the ingredient from the name lookup of :func:`ingredients`;
``events``   distinct (report, preferred term) of those reports.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from il6analysis.errors import StoreDamaged, UsageError
from il6analysis.faers.integrity import verify
from il6analysis.faers.store import read_catalog, table_files

TABLES = ("demo", "drug", "drug_names", "reac", "pt_names", "outc", "indi", "ther", "deleted")
ENGINES = ("duckdb", "spark")
ROLES = {"PS": "primary suspect", "SS": "secondary suspect", "C": "concomitant", "I": "interacting"}
STRATA = ("sex", "age_band", "year")
AGE_BANDS = ((0, 18, "0-17"), (18, 45, "18-44"), (45, 65, "45-64"), (65, 75, "65-74"), (75, 130, "75+"))
UNKNOWN = "unknown"


@contextlib.contextmanager
def quiet_ibis():
    """Within the block, silence the deprecation warnings Ibis 12 and PySpark raise inside themselves
    with DuckDB 2 and pandas 3 (``fetch_arrow_table``, ``future.infer_string``, PySpark's pandas check
    and its use of ``copy=``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated")
        warnings.filterwarnings("ignore", message=r"The 'future.infer_string' option is deprecated")
        warnings.filterwarnings("ignore", message=r"PySpark does not yet fully support pandas")
        warnings.filterwarnings("ignore", message=r"The copy keyword is deprecated")
        yield


@dataclass
class Store:
    """A store opened on one engine: its catalog, Ibis connection and raw tables."""

    path: Path
    catalog: dict
    engine: str
    con: object
    raw: dict[str, ir.Table]

    @contextlib.contextmanager
    def _reading(self):
        """Turn DuckDB's failure to read a file of the store (a damaged Parquet file) into
        :class:`StoreDamaged` naming the quarter when the message shows it."""
        try:
            yield
        except duckdb.Error as error:
            unreadable = isinstance(error, (duckdb.IOException, duckdb.InvalidInputException))
            if not unreadable and type(error) is not duckdb.Error:  # a query's own mistake, not the files
                raise
            reason = str(error).splitlines()[0]
            quarter = re.search(r"parts/((?:19|20)\d{2}Q[1-4])-", str(error))
            repair = (f"re-add quarter {quarter[1]} with `il6 refresh faers PATH --db {self.path}`" if quarter else
                      f"`il6 store check --db {self.path}` names the quarter to re-add")
            raise StoreDamaged(f"the FAERS store {self.path} cannot be read ({reason}); {repair}") from None

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Run ``expr`` on the store's engine and return the result as pandas (on DuckDB, the
        expression's SQL is run by DuckDB itself).

        Raises:
            StoreDamaged: a file of the store cannot be read.
        """
        with quiet_ibis(), self._reading():
            if self.engine == "duckdb":
                return self.con.con.execute(ibis.to_sql(expr, dialect="duckdb")).df()
            return self.con.execute(expr)

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute ``expr`` once into the engine's temporary table ``name`` (replacing one of that name)
        and return it, so that later queries read the result instead of computing it again."""
        with quiet_ibis(), self._reading():
            if self.engine == "duckdb":
                self.con.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {ibis.to_sql(expr, dialect='duckdb')}"
                                     ).fetchall()
            else:
                session = spark_session()
                session.sql(f"UNCACHE TABLE IF EXISTS {name}")
                session.sql(f"DROP VIEW IF EXISTS {name}")
                session.sql(f"CACHE TABLE {name} AS {ibis.to_sql(expr, dialect='pyspark')}")
            return self.con.table(name)

    def write_parquet(self, expr: ir.Table, path: Path) -> None:
        """Write ``expr`` to the Parquet file ``path`` straight from DuckDB, without passing through pandas.

        Raises:
            StoreDamaged: a file of the store cannot be read.
            OSError: ``path`` cannot be written.
            UsageError: the store is open on another engine.
        """
        if self.engine != "duckdb":
            raise UsageError(f"writing Parquet straight from the engine needs DuckDB, not {self.engine}")
        with quiet_ibis(), self._reading():
            sql = ibis.to_sql(expr, dialect="duckdb")
            try:
                self.con.con.execute(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            except duckdb.IOException as error:
                if str(path) not in str(error):
                    raise
                raise OSError(f"{path}: {str(error).splitlines()[0]}") from None

    def table(self, name: str, frame: pd.DataFrame) -> ir.Table:
        """``frame`` as the engine's table ``name``, to be joined with the store's tables."""
        if self.engine == "duckdb":
            self.con.con.register("incoming_frame", frame)
            self.con.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM incoming_frame")
            self.con.con.unregister("incoming_frame")
        with quiet_ibis():
            if self.engine != "duckdb":
                spark_session().createDataFrame(frame).createOrReplaceTempView(name)
            return self.con.table(name)


_SPARK = None


def spark_session(cores: int = 2, memory: str = "2g"):
    """Return the process's Spark local-mode session, started on first use (that takes seconds).

    Raises:
        UsageError: PySpark is not installed (``pip install il6analysis[spark]``).
    """
    global _SPARK
    if _SPARK is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise UsageError("the spark engine needs PySpark: pip install 'il6analysis[spark]' "
                             "(and Java 17 or later); or use --engine duckdb") from None
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        _SPARK = (SparkSession.builder.master(f"local[{cores}]").appName("il6-faers")
                  .config("spark.driver.memory", memory).config("spark.sql.shuffle.partitions", str(cores * 4))
                  .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                  .config("spark.sql.session.timeZone", "UTC").getOrCreate())
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def stop_spark_session() -> None:
    """Stop the process's Spark session, if one was started, and so its JVM (it would live as long
    as this process); the next Spark query starts a new one."""
    global _SPARK
    if _SPARK is not None:
        _SPARK.stop()
        _SPARK = None


def open_store(store: Path, engine: str = "duckdb", *, memory_limit: str = "4GB") -> Store:
    """Open ``store`` on ``engine`` (``"duckdb"``, in-process, or ``"spark"``, PySpark local mode).

    Raises:
        StoreError: as :func:`il6analysis.faers.store.read_catalog`.
        StoreDamaged: a quarter's folder or file is missing, or its size or footer checksum differs
            (:func:`il6analysis.faers.integrity.verify`).
        UsageError: an unknown engine, or PySpark missing for ``"spark"``.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    catalog = read_catalog(store)
    verify(store, catalog)
    files = {table: table_files(store, catalog, table) for table in TABLES}
    with quiet_ibis():
        con, raw = _connect(engine, files, memory_limit)
    return Store(store, catalog, engine, con, raw)


def _connect(engine: str, files: dict[str, list[str]], memory_limit: str) -> tuple[object, dict[str, ir.Table]]:
    if engine == "duckdb":
        con = ibis.duckdb.connect(memory_limit=memory_limit, preserve_insertion_order=False)
        with contextlib.suppress(duckdb.InvalidInputException):
            # the callers report progress in their own words; in Jupyter without ipywidgets DuckDB draws
            # no bar and refuses to change the setting
            con.con.execute("SET enable_progress_bar = false").fetchall()
        raw = {t: con.read_parquet(f, table_name=f"store_{t}") for t, f in files.items()}
    else:
        session = spark_session()
        for table, paths in files.items():
            session.read.parquet(*paths).createOrReplaceTempView(f"store_{table}")
        con = ibis.pyspark.connect(session)
        raw = {t: con.table(f"store_{t}") for t in files}
    return con, raw


def _age_band(years: ir.FloatingValue) -> ir.StringValue:
    return ibis.cases(*[((years >= low) & (years < high), label) for low, high, label in AGE_BANDS], else_=UNKNOWN)


def clean_reports(raw: dict[str, ir.Table]) -> ir.Table:
    """Return ``report, caseid, sex, age_band, year``: the latest version of every undeleted case."""
    demo = raw["demo"]
    gone = raw["deleted"].select("caseid").distinct()
    order = [ibis.desc(demo.caseversion.fill_null(-1)), ibis.desc(demo.primaryid), ibis.desc(demo.report)]
    ranked = demo.mutate(rank=ibis.row_number().over(ibis.window(group_by="caseid", order_by=order)))
    latest = ranked.filter(_.rank == 0).anti_join(gone, "caseid")
    return latest.select("report", "caseid", sex=latest.sex.fill_null(UNKNOWN), age_band=_age_band(latest.age_years),
                         year=latest.year.cast("string").fill_null(UNKNOWN))


def clean_tables(store: Store, lookup: ir.Table, roles: Sequence[str], *, keep: bool = False,
                 select: Callable[[ir.Table], ir.Table] | None = None) -> dict[str, ir.Table]:
    """Return ``reports``, ``exposed`` (report, ingredient_id) and ``events`` (report, pt_id).

    Args:
        lookup: ``name_id -> ingredient_id`` (see :func:`ingredients`).
        roles: drug roles that count as exposure.
        keep: compute each table once into a temporary table of the engine
            (:meth:`Store.materialise`), for several queries over them.
        select: narrows the clean reports before anything else is derived from them (a case-set
            filter, :mod:`il6analysis.faers.filters`).

    Raises:
        UsageError: an unknown or empty list of roles.
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise UsageError(f"unknown drug role(s) {', '.join(unknown) or '(none given)'}; valid: {', '.join(ROLES)}")
    reports = clean_reports(store.raw)
    if select is not None:
        reports = select(reports)
    if keep:
        reports = store.materialise("clean_reports", reports)
    keys = reports.select("report")
    drug = store.raw["drug"]
    exposed = (drug.filter(drug.role_cod.isin(list(roles))).join(lookup, "name_id")
               .select("report", "ingredient_id").distinct().semi_join(keys, "report"))
    events = store.raw["reac"].select("report", "pt_id").semi_join(keys.view(), "report")  # distinct at ingest
    if keep:
        exposed, events = store.materialise("clean_exposed", exposed), store.materialise("clean_events", events)
    return {"reports": reports, "exposed": exposed, "events": events}


def _agent_finder():
    """Return a function name -> set of agent ids, with a fast pre-filter on the aliases' text."""
    from il6analysis.curated.matching import normalise
    from il6analysis.curated.names import agent_aliases, agents_in_text

    keys = sorted({normalise(alias) for alias, _ in agent_aliases() if normalise(alias)}, key=len, reverse=True)
    maybe = re.compile("|".join(map(re.escape, keys)))

    def find(name: str | None) -> set[str]:
        if not name or not maybe.search(normalise(name)):
            return set()
        return agents_in_text(name)

    return find


def ingredients(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise every distinct drug name of the store to an ingredient.

    A name names an IL-6 pathway agent when its active ingredient
    (``prod_ai``) or its drug name does, by
    :func:`il6analysis.curated.names.agents_in_text` (INNs, brands and code
    names, e.g. ``ACTEMRA 162 MG`` -> tocilizumab); its ingredient is then the
    agent. Any other name's ingredient is its ``prod_ai`` (FDA's active
    ingredient), else its cleaned drug name (legacy AERS has no ``prod_ai``).

    Returns:
        ``(lookup, names)``: ``lookup`` has ``name_id, ingredient_id`` (a name
        naming two agents has two rows); ``names`` has ``ingredient_id,
        ingredient, agent_id`` (``agent_id`` missing for non-agents).
    """
    raw = store.raw["drug_names"]
    distinct = store.execute(raw.group_by("name_id").agg(prod_ai=raw.prod_ai.arbitrary(),
                                                         drugname=raw.drugname.arbitrary()))
    find = _agent_finder()
    rows: list[tuple[int, str, str | None]] = []
    for name_id, prod_ai, drugname in distinct[["name_id", "prod_ai", "drugname"]].itertuples(index=False):
        prod_ai, drugname = (None if pd.isna(v) else v for v in (prod_ai, drugname))
        agents = find(prod_ai) | find(drugname)
        if agents:
            rows += [(name_id, agent, agent) for agent in sorted(agents)]
        elif prod_ai or drugname:
            rows.append((name_id, prod_ai or drugname, None))
    table = pd.DataFrame(rows, columns=["name_id", "ingredient", "agent_id"])
    codes, uniques = pd.factorize(table["ingredient"], sort=True)
    lookup = pd.DataFrame({"name_id": table["name_id"].astype("int64"), "ingredient_id": codes.astype("int64")})
    names = (table.assign(ingredient_id=codes.astype("int64")).drop_duplicates("ingredient_id")
             [["ingredient_id", "ingredient", "agent_id"]].reset_index(drop=True))
    return lookup, names.astype({"ingredient": "str", "agent_id": "str"})


def pt_names(store: Store) -> pd.DataFrame:
    """Return ``pt_id, pt``: one display spelling per preferred term, whatever its case in each quarter.

    The spelling is a mixed-case (FAERS) one over an all-upper-case (legacy
    AERS) one, then the most frequent, then the first alphabetically.
    """
    raw = store.raw["pt_names"]
    spellings = store.execute(raw.group_by(["pt_id", "pt"]).agg(rows=raw.rows.sum()))
    spellings["upper"] = spellings["pt"].str.upper() == spellings["pt"]
    ranked = spellings.sort_values(["pt_id", "upper", "rows", "pt"], ascending=[True, True, False, True])
    return ranked.drop_duplicates("pt_id")[["pt_id", "pt"]].reset_index(drop=True)
