"""One quarterly extract -> typed, normalised Parquet tables, by DuckDB.

:func:`write_tables` has DuckDB's CSV reader read each table of an extract
(:mod:`il6analysis.faers.extract`), only the columns kept, and write it as
Parquet, so memory is bounded by one quarter whatever the history. Reading is
by header name (columns drift between quarters); legacy names are mapped
(``isr`` -> ``primaryid``, ``case`` -> ``caseid``, ``gndr_cod`` -> ``sex``,
...); CRLF or LF line ends.

What is stored, per quarter (normalised once here, so counting never cleans text):

``demo``   ``report`` (the report key: quarter code ``yyyyq`` x 10^12 +
           ``primaryid``, unique over the history), ``primaryid``, ``caseid``,
           ``caseversion`` (integer, missing in legacy AERS), ``sex`` (F, M or
           missing), ``age_years`` (from ``age``/``age_cod``; missing outside
           0-130), ``year`` (of ``fda_dt``), ``occp_cod``, ``reporter_country``,
           ``event_date`` (``event_dt`` when a full date) and ``event_precision``
           (``day``, ``month``, ``year`` or missing: FAERS gives partial dates);
``drug``   ``report``, ``drug_seq``, ``role_cod`` (upper case), ``name_id``;
``drug_names``  ``name_id`` -> ``prod_ai`` and ``drugname``, each upper case,
           whitespace collapsed, trailing ``.,;`` dropped, with the row count;
``reac``   ``report``, ``pt_id``, each pair once (a term listed twice in a
           report is one event); ``pt_names``: ``pt_id`` -> ``pt_key`` (the
           preferred term lower case, whitespace collapsed: legacy AERS's upper
           case and FAERS's mixed case meet here) and its spellings with counts;
``outc``   ``report``, ``outc_cod``; ``indi``: ``report``, ``drug_seq``, ``indi_pt``;
``ther``   ``report``, ``drug_seq`` (FAERS ``dsg_drug_seq``, legacy ``drug_seq``), ``start_date`` and
           ``start_precision`` (of ``start_dt``, as for the event date);
``deleted`` the quarter's deleted ``caseid``.

``name_id`` and ``pt_id`` are 63-bit hashes of the cleaned text, so the
counting joins and groups integers.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from il6analysis.errors import SourceError
from il6analysis.faers.extract import REQUIRED, TABLES, Extract, SourceFile, materialise, sha256_of

_ALIASES = {  # stored name <- header names, first found wins (legacy AERS and header drift)
    "demo": {"primaryid": ("primaryid", "isr"), "caseid": ("caseid", "case"), "caseversion": ("caseversion",),
             "sex": ("sex", "gndr_cod"), "age": ("age",), "age_cod": ("age_cod",), "fda_dt": ("fda_dt",),
             "occp_cod": ("occp_cod",), "reporter_country": ("reporter_country",), "event_dt": ("event_dt",)},
    "drug": {"primaryid": ("primaryid", "isr"), "drug_seq": ("drug_seq",), "role_cod": ("role_cod",),
             "drugname": ("drugname",), "prod_ai": ("prod_ai",)},
    "reac": {"primaryid": ("primaryid", "isr"), "pt": ("pt",)},
    "outc": {"primaryid": ("primaryid", "isr"), "outc_cod": ("outc_cod", "outc_code")},
    "indi": {"primaryid": ("primaryid", "isr"), "drug_seq": ("indi_drug_seq", "drug_seq"), "indi_pt": ("indi_pt",)},
    "ther": {"primaryid": ("primaryid", "isr"), "drug_seq": ("dsg_drug_seq", "drug_seq"), "start_dt": ("start_dt",)},
}
_MUST_HAVE = {"demo": ("primaryid", "caseid"), "drug": ("primaryid", "role_cod", "drugname"),
              "reac": ("primaryid", "pt"), "outc": ("primaryid", "outc_cod"), "indi": ("primaryid", "indi_pt"),
              "ther": ("primaryid", "start_dt")}
_NUMERIC = {"primaryid": "BIGINT", "caseid": "BIGINT"}
Reading = Callable[[int, int], None]
"""Called as ``reading(done, total)``, in bytes of an extract's table files, while they are read."""
_SETTINGS = "SET enable_progress_bar = true; SET enable_progress_bar_print = false"
"""DuckDB tracks each query's progress (read by :func:`_polling`) and draws no bar of its own."""
_POLL_SECONDS = 0.25
_CASEID = re.compile(r"[0-9]+")
_BOM = b"\xef\xbb\xbf"
_KEY_SPAN = 10**12

_SQUASH = "nullif(trim(regexp_replace({x}, '\\s+', ' ', 'g')), '')"
_DRUG_NAME = "nullif(rtrim(upper(" + _SQUASH + "), ' .,;'), '')"
_HASH = "(hash({x}) >> 1)::BIGINT"
_AGE_FACTORS = {"YR": 1, "DEC": 10, "MON": 1 / 12, "WK": 1 / 52, "DY": 1 / 365, "HR": 1 / 8760}
_PRECISION = ("CASE WHEN regexp_full_match(trim({x}), '[0-9]{{8}}') AND try_strptime(trim({x}), '%Y%m%d') IS NOT NULL "
              "THEN 'day' WHEN regexp_full_match(trim({x}), '[0-9]{{6}}') THEN 'month' "
              "WHEN regexp_full_match(trim({x}), '[0-9]{{4}}') THEN 'year' END")
_FULL_DATE = ("CASE WHEN regexp_full_match(trim({x}), '[0-9]{{8}}') THEN try_strptime(trim({x}), '%Y%m%d')::DATE END")


def _dated(column: str, name: str) -> str:
    """``name_date`` (the day, only for a full YYYYMMDD date) and ``name_precision`` (day, month, year or
    missing) of a FAERS date column."""
    return f"{_FULL_DATE.format(x=column)} AS {name}_date, {_PRECISION.format(x=column)} AS {name}_precision"


def _header(file: SourceFile, encoding: str) -> list[str]:
    with open(file.path, "rb") as opened:
        line = opened.readline()
    if not line.strip(b"\r\n"):
        raise SourceError(f"{file.label}: the file is empty (no header line)")
    text = line.removeprefix(_BOM).rstrip(b"\r\n").decode(encoding, errors="replace")
    return [name.strip().lower() for name in text.split("$")]


def _layout(table: str, names: list[str], label: str) -> dict[str, str]:
    """Stored column -> header name, for the columns present."""
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise SourceError(f"{label}: repeated column name(s) in the header: {', '.join(repeated)}")
    mapping = {stored: next(n for n in options if n in names)
               for stored, options in _ALIASES[table].items() if any(n in names for n in options)}
    missing = [c for c in _MUST_HAVE[table] if c not in mapping]
    if missing:
        raise SourceError(f"{label}: unknown header layout for {table.upper()}: no {', '.join(missing)} column "
                          f"(legacy AERS: isr, case); the header has: {'$'.join(names)}")
    return mapping


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _load(con: duckdb.DuckDBPyConnection, table: str, file: SourceFile, info: dict) -> None:
    """Read ``file`` into the temporary table ``src`` (stored names); every bad line is an error."""
    names = _header(file, info["encoding"])
    mapping = _layout(table, names, file.label)
    wanted = {header: stored for stored, header in mapping.items()}
    read_as = [n or f"unnamed_{i}" for i, n in enumerate(names)]
    columns = ", ".join(f"{_quoted(n)}: '{_NUMERIC.get(wanted.get(n), 'VARCHAR')}'" for n in read_as)
    reader = (f"read_csv({_quoted(str(file.path))}, delim='$', quote='', escape='', comment='', header=true, "
              f"auto_detect=false, columns={{{columns}}}, encoding={_quoted(info['encoding'])}, strict_mode=true, "
              f"null_padding=false, store_rejects=true, rejects_table='rejects', rejects_scan='scan', rejects_limit=0)")
    select = ", ".join(f'"{mapping[c]}" AS {c}' if c in mapping else f"NULL::VARCHAR AS {c}" for c in _ALIASES[table])
    con.execute(f"CREATE OR REPLACE TEMP TABLE src AS SELECT {select} FROM {reader}")
    bad = con.execute("SELECT count(*), min(line), arg_min(error_type, line), arg_min(error_message, line) "
                      "FROM rejects").fetchone()
    if bad[0]:
        kind = {"TOO MANY COLUMNS": "too many fields", "MISSING COLUMNS": "too few fields",
                "CAST": "not a number where an identifier is expected"}.get(bad[2], bad[2].lower())
        raise SourceError(f"{file.label} line {bad[1]}: {kind} ({bad[3].strip()}); the header has {len(names)} "
                          f"fields; {bad[0]} malformed line(s) in all, nothing was ingested")
    rows, no_key, too_big = con.execute(
        f"SELECT count(*), count(*) FILTER (primaryid IS NULL), count(*) FILTER (primaryid >= {_KEY_SPAN}) FROM src"
    ).fetchone()
    if rows == 0 and table in REQUIRED:
        raise SourceError(f"{file.label}: header only, no {table.upper()} rows; the quarter's reports would count "
                          "as unexposed or event-free, so nothing was ingested")
    if no_key or too_big:
        raise SourceError(f"{file.label}: {no_key + too_big} row(s) with an empty or out-of-range "
                          f"{mapping['primaryid']} (must be a whole number below {_KEY_SPAN})")
    info["rows"] = rows
    info["layout"] = "laers" if mapping["primaryid"] == "isr" else "faers"


def _selects(quarter: str) -> dict[str, str]:
    """The SQL writing each output from ``src`` (see the module notes)."""
    report = f"{int(quarter[:4]) * 10 + int(quarter[-1])}::BIGINT * {_KEY_SPAN} + primaryid"
    unit = "upper(trim(age_cod))"
    factor = "CASE " + " ".join(f"WHEN {unit} = '{u}' THEN {f!r}" for u, f in _AGE_FACTORS.items()) + " END"
    age = f"TRY_CAST(trim(age) AS DOUBLE) * {factor}"
    year = "TRY_CAST(substr(trim(fda_dt), 1, 4) AS INTEGER)"
    pt_key = "lower(" + _SQUASH.format(x="pt") + ")"
    names = f"{_DRUG_NAME.format(x='prod_ai')} AS prod_ai, {_DRUG_NAME.format(x='drugname')} AS drugname"
    return {
        "demo": f"SELECT {report} AS report, primaryid, caseid, TRY_CAST(trim(caseversion) AS INTEGER) AS caseversion, "
                "CASE upper(trim(sex)) WHEN 'F' THEN 'F' WHEN 'M' THEN 'M' END AS sex, "
                f"CASE WHEN {age} >= 0 AND {age} < 130 THEN {age} END AS age_years, "
                f"CASE WHEN {year} BETWEEN 1960 AND 2100 THEN {year} END AS year, "
                "nullif(upper(trim(occp_cod)), '') AS occp_cod, "
                "nullif(upper(trim(reporter_country)), '') AS reporter_country, "
                f"{_dated('event_dt', 'event')} FROM src",
        "drug": f"SELECT {report} AS report, trim(drug_seq) AS drug_seq, nullif(upper(trim(role_cod)), '') AS role_cod, "
                f"{_HASH.format(x='concat_ws(chr(31), coalesce(prod_ai, chr(0)), coalesce(drugname, chr(0)))')} "
                f"AS name_id FROM (SELECT primaryid, drug_seq, role_cod, {names} FROM src)",
        "drug_names": f"SELECT {_HASH.format(x='concat_ws(chr(31), coalesce(prod_ai, chr(0)), coalesce(drugname, chr(0)))')} "
                      f"AS name_id, prod_ai, drugname, count(*) AS rows FROM (SELECT {names} FROM src) "
                      "GROUP BY ALL ORDER BY name_id",
        "reac": f"SELECT DISTINCT {report} AS report, {_HASH.format(x=pt_key)} AS pt_id FROM src "
                f"WHERE {pt_key} IS NOT NULL",
        "pt_names": f"SELECT {_HASH.format(x='pt_key')} AS pt_id, pt_key, pt, count(*) AS rows FROM "
                    f"(SELECT {pt_key} AS pt_key, {_SQUASH.format(x='pt')} AS pt FROM src) WHERE pt_key IS NOT NULL "
                    "GROUP BY ALL ORDER BY pt_id, pt",
        "outc": f"SELECT {report} AS report, nullif(upper(trim(outc_cod)), '') AS outc_cod FROM src",
        "indi": f"SELECT {report} AS report, trim(drug_seq) AS drug_seq, {_SQUASH.format(x='indi_pt')} AS indi_pt "
                "FROM src",
        "ther": f"SELECT {report} AS report, trim(drug_seq) AS drug_seq, {_dated('start_dt', 'start')} FROM src",
    }


_EMPTY = {"outc": "report BIGINT, outc_cod VARCHAR", "indi": "report BIGINT, drug_seq VARCHAR, indi_pt VARCHAR",
          "ther": "report BIGINT, drug_seq VARCHAR, start_date DATE, start_precision VARCHAR"}
_WRITES = {"demo": ("demo",), "drug": ("drug", "drug_names"), "reac": ("reac", "pt_names"),
           "outc": ("outc",), "indi": ("indi",), "ther": ("ther",)}


def _read_deletions(files: list[SourceFile]) -> list[int]:
    caseids: set[int] = set()
    for file in files:
        with open(file.path, "rb") as opened:
            for number, raw in enumerate(opened, start=1):
                value = raw.decode("latin-1").strip().removeprefix("\xef\xbb\xbf")
                if _CASEID.fullmatch(value):
                    caseids.add(int(value))
                elif value:
                    raise SourceError(f"{file.label} line {number}: {value!r} is not a caseid")
    return sorted(caseids)


@contextlib.contextmanager
def _polling(con: duckdb.DuckDBPyConnection, share_done: Callable[[float], None]) -> Iterator[None]:
    """Within the block, pass the share (0-1) of the running query that DuckDB has done to ``share_done``,
    a few times a second, from a thread of its own."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(_POLL_SECONDS):
            percent = con.query_progress()
            if percent >= 0:
                share_done(min(percent, 100.0) / 100)

    thread = threading.Thread(target=poll, name="duckdb-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def write_tables(extract: Extract, folder: Path, *, memory_limit: str = "1GB", threads: int | None = None,
                 reading: Reading | None = None) -> dict:
    """Read every table of ``extract`` and write its Parquet files into ``folder``
    (:data:`il6analysis.faers.store.OUTPUTS`).

    Args:
        extract: from :func:`open_extract`.
        folder: an empty folder (a zip's members are unpacked into a scratch
            folder inside it, one at a time, and removed).
        memory_limit: DuckDB's memory limit (it spills to disk beyond it).
        threads: DuckDB threads (default: DuckDB's choice).
        reading: called as ``reading(done, total)`` in bytes of the table files, as DuckDB reads them.

    Returns:
        The quarter's catalog entry: ``quarter``, ``source`` (path, sha256 of a
        zip), ``files`` (per table: name, sha256, bytes, encoding, rows,
        layout), ``rows`` (rows stored per output).

    Raises:
        SourceError: a file is empty, header-only (DEMO, DRUG, REAC), has an
            unknown header layout, a line with too many or too few fields, an
            identifier that is not a number (the message names file and line),
            or a deletion line that is not a caseid; a zip member is corrupt.
        OSError: the folder cannot be written (e.g. the disk is full).
    """
    scratch = folder / "scratch"
    scratch.mkdir()
    config = {"memory_limit": memory_limit, "temp_directory": str(scratch / "spill")}
    if threads:
        config["threads"] = threads
    entry: dict = {"quarter": extract.quarter, "files": {}, "rows": {},
                   "source": {"path": str(extract.path.resolve()), "kind": "zip" if extract.is_zip else "folder"}}
    selects = _selects(extract.quarter)
    report = reading or (lambda done, total: None)
    chosen = [files[0] for table in TABLES if (files := extract.files.get(table))]
    done, total = 0, sum(file.size for file in chosen)
    with duckdb.connect(config=config) as con:
        con.execute(_SETTINGS)
        for table in TABLES:
            file = (extract.files.get(table) or [None])[0]
            if file is None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE out ({_EMPTY[table]})")
                con.execute(f"COPY out TO {_quoted(str(folder / (table + '.parquet')))} (FORMAT parquet)")
                entry["rows"][table] = 0
                continue
            info = materialise(file, extract.path, scratch)
            with _polling(con, lambda share: report(done + int(share * file.size), total)):
                _load(con, table, file, info)
            entry["files"][table] = info
            for output in _WRITES[table]:
                target = _quoted(str(folder / f"{output}.parquet"))
                entry["rows"][output] = con.execute(
                    f"COPY ({selects[output]}) TO {target} (FORMAT parquet, COMPRESSION zstd)").fetchone()[0]
            if file.path.parent == scratch:
                file.path.unlink()
            done += file.size
            report(done, total)
        deletions = extract.files.get("deleted", [])
        entry["files"]["deleted"] = [materialise(f, extract.path, scratch) for f in deletions]
        caseids = _read_deletions(deletions)
        con.execute("CREATE OR REPLACE TEMP TABLE deleted (caseid BIGINT)")
        if caseids:
            con.executemany("INSERT INTO deleted VALUES (?)", [(c,) for c in caseids])
        con.execute(f"COPY deleted TO {_quoted(str(folder / 'deleted.parquet'))} (FORMAT parquet)")
        entry["rows"]["deleted"] = len(caseids)
    shutil.rmtree(scratch)
    if extract.is_zip:
        entry["source"]["sha256"] = sha256_of(extract.path)
    entry["layout"] = entry["files"]["demo"]["layout"]
    return entry
