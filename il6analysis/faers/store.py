"""The FAERS store format, for the reader and the writer: the one place that says what a store is.

Layout::

    <store>/catalog.json                  format, format_version, and per quarter: its folder, rows, source files
    <store>/parts/2017Q2-<id>/*.parquet   one quarter's tables (:data:`OUTPUTS`, see il6analysis.faers.normalise)
    <store>/.lock                         held while a quarter is being added

Only the quarters the catalog names are part of the store: the writer
(:mod:`il6analysis.faers.ingest`) replaces the catalog last, atomically, and
the reader (:mod:`il6analysis.faers.tables`) reads nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

from il6analysis.errors import StoreError

FORMAT = "il6analysis-faers-store"
FORMAT_VERSION = 5
"""Version 1 was one DuckDB file (``data/faers.duckdb``); version 2 is this folder layout; version 3
stores each (report, preferred term) once; version 4 adds the therapy starts (``ther``) and each report's
event date; version 5 records every file's size and checksums (see :mod:`il6analysis.faers.integrity`)."""
CATALOG = "catalog.json"
OUTPUTS = ("demo", "drug", "drug_names", "reac", "pt_names", "outc", "indi", "ther", "deleted")
"""The Parquet files of every quarter."""
HOW_TO_INGEST = "ingest FAERS quarterly files with `il6 refresh faers PATH`"
_DUCKDB_MAGIC = b"DUCK"


def _own_leftover(entry: Path) -> bool:
    """True for what an add leaves before a store's first catalog: the lock, an empty ``parts/``, staging
    folders (a quarter's data is in ``parts/`` only once it is complete)."""
    if entry.name == "parts":
        return entry.is_dir() and not any(entry.iterdir())
    return entry.name == ".lock" or entry.name.startswith((".staging-", f".{CATALOG}."))


def is_empty(store: Path) -> bool:
    """True when ``store`` does not exist or is a folder holding nothing but what an unfinished first add left."""
    return not store.exists() or (store.is_dir() and all(_own_leftover(entry) for entry in store.iterdir()))


def quarter_folders(store: Path) -> list[Path]:
    """Return the folders of ``store/parts``, each one quarter's complete data, sorted by name."""
    parts = store / "parts"
    return sorted(p for p in parts.iterdir() if p.is_dir()) if parts.is_dir() else []


def read_catalog(store: Path, *, writing: bool = False) -> dict:
    """Return the catalog of the store at ``store``.

    Args:
        store: the store folder.
        writing: for an add: a missing or empty folder is a new store (an
            empty catalog is returned) and a store without quarters is fine.

    Returns:
        The catalog: ``format``, ``format_version``, ``quarters`` (label -> entry).

    Raises:
        StoreError: no store there (when reading; the message says to run
            ``il6 refresh faers PATH``), a DuckDB file of the earlier
            single-file format, another file, a folder that is not a store, an
            unreadable catalog, a store of another format version, or (when
            reading) a store without quarters.
    """
    if store.is_file():
        with open(store, "rb") as opened:
            magic = opened.read(12)[8:12]
        if magic == _DUCKDB_MAGIC:
            raise StoreError(f"{store} is a FAERS database of the earlier single-file format (version 1); "
                             "this version keeps a folder of Parquet files: ingest the quarterly files again with "
                             f"`il6 refresh faers PATH --db FOLDER` (a new folder); {store} was left as it is")
        raise StoreError(f"{store} is a file, not a FAERS store folder; give a store folder, or build one in a new "
                         "folder with `il6 refresh faers PATH --db FOLDER`")
    if is_empty(store):
        if writing:
            return {"format": FORMAT, "format_version": FORMAT_VERSION, "quarters": {}}
        raise StoreError(f"no FAERS store at {store}; {HOW_TO_INGEST}")
    catalog_file = store / CATALOG
    if not catalog_file.is_file() and quarter_folders(store):
        raise StoreError(f"{store} holds FAERS quarter data ({len(quarter_folders(store))} folder(s) in parts/) but "
                         f"no {CATALOG}; nothing was read or changed: rebuild the catalog from those folders with "
                         f"`il6 store rebuild-catalog --db {store}`, or move parts/ away to start an empty store")
    if not catalog_file.is_file():
        raise StoreError(f"{store} is a folder with other files in it, not a FAERS store (it has no {CATALOG}); "
                         "give a store folder, or a new or empty folder with --db")
    try:
        catalog = json.loads(catalog_file.read_text())
    except (ValueError, UnicodeDecodeError, OSError) as error:
        raise StoreError(f"{catalog_file}: not a readable FAERS store catalog ({error}); the store was left as it is"
                         ) from None
    if (not isinstance(catalog, dict) or catalog.get("format") != FORMAT
            or not isinstance(catalog.get("quarters"), dict)):
        raise StoreError(f"{catalog_file} is not a FAERS store catalog; give a store folder, or a new or empty "
                         "folder with --db")
    if catalog.get("format_version") != FORMAT_VERSION:
        raise StoreError(f"{store} is a FAERS store of format version {catalog.get('format_version')}, this version "
                         f"reads and writes version {FORMAT_VERSION}; ingest the quarterly files again into a new "
                         "folder; the store was left as it is")
    if not writing and not catalog["quarters"]:
        raise StoreError(f"the FAERS store at {store} holds no quarter; {HOW_TO_INGEST}")
    return catalog


def table_files(store: Path, catalog: dict, table: str) -> list[str]:
    """Return the absolute paths of ``table``'s Parquet file in every quarter of ``catalog``, oldest first."""
    return [str((store / entry["folder"] / f"{table}.parquet").resolve())
            for _, entry in sorted(catalog["quarters"].items())]
