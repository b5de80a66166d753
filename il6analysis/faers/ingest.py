"""Adding quarters to a FAERS store: one quarter at a time into Parquet, atomically, under a lock.

The layout and the catalog are those of :mod:`il6analysis.faers.store`.

:func:`add_quarters` reads each extract on its own (memory bounded by one
quarter) and adds it; other quarters are never re-read. Re-adding a quarter
replaces it, so adding is idempotent.

Nothing already in the store is ever modified in place. A quarter is written
into a new folder ``.staging-<id>``; every file is fsynced and read back (each
Parquet file's row count must match); the folder is renamed into ``parts/``
under a name no other quarter uses; then a new catalog is written to a
temporary file, fsynced, parsed back and renamed over ``catalog.json``, the
one step that makes the quarter visible. Only then is the replaced quarter's
folder removed. A failure at any step (a bad file, a full disk, an
interruption) removes what this add wrote, and the catalog, the one file
readers trust, is the previous one, byte for byte. What a killed add leaves
(staging folders, a superseded copy of a quarter the catalog names) is removed
by the next add; before anything is written the catalog and the folders must
agree, so quarter data no catalog names is never removed (see
:func:`rebuild_catalog`).

De-duplication (latest ``caseversion`` per ``caseid`` over all quarters, and
every quarter's deletion list applied to all) is done when the store is read,
by :mod:`il6analysis.faers.tables`, so adding an old quarter late
gives the same result as adding it in order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb

from il6analysis.errors import CannotWrite, OutputLocked, SourceError, StoreDamaged, StoreError, UsageError
from il6analysis.faers.extract import open_extract
from il6analysis.faers.integrity import part_checksums
from il6analysis.faers.normalise import Reading, write_tables
from il6analysis.faers.store import (
    CATALOG,
    FORMAT,
    FORMAT_VERSION,
    HOW_TO_INGEST,
    OUTPUTS,
    quarter_folders,
    read_catalog,
)

_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}
_REFUSALS = ("No space left on device", "Read-only file system", "Permission denied", "Disk quota exceeded")


@contextlib.contextmanager
def _writable(store: Path) -> Iterator[None]:
    """Turn a refused write into :class:`CannotWrite` naming the store and saying it is unchanged."""
    try:
        yield
    except (OSError, duckdb.IOException) as error:
        refused = (error.errno in _WRITE_ERRNOS if isinstance(error, OSError)
                   else any(text in str(error) for text in _REFUSALS))
        if not refused:
            raise
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise CannotWrite(f"cannot write the FAERS store {store}: {reason}; "
                          "the store is unchanged (free some space or choose another --db)") from None


@contextlib.contextmanager
def _locked(store: Path) -> Iterator[None]:
    with open(store / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(f"{store}: another `il6 refresh faers` is adding a quarter; try again later") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_written(part: Path, entry: dict) -> None:
    """Fsync every file of ``part`` and read each Parquet file's row count back."""
    with duckdb.connect() as con:
        for output in OUTPUTS:
            file = part / f"{output}.parquet"
            rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(file)]).fetchone()[0]
            if rows != entry["rows"][output]:
                raise SourceError(f"{file}: {rows} rows read back, {entry['rows'][output]} written; "
                                  "the quarter was not added")
            _fsync(file)
    _fsync(part)


def _write_catalog(store: Path, catalog: dict) -> None:
    """Replace ``catalog.json`` atomically (temporary file, fsync, read back, rename)."""
    temporary = store / f".{CATALOG}.{uuid.uuid4().hex[:8]}.tmp"
    text = json.dumps(catalog, indent=2, sort_keys=True) + "\n"
    try:
        with open(temporary, "w") as opened:
            opened.write(text)
            opened.flush()
            os.fsync(opened.fileno())
        if json.loads(temporary.read_text()) != catalog:
            raise SourceError(f"{temporary}: the catalog read back differs from the one written; store unchanged")
        os.replace(temporary, store / CATALOG)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync(store)


def _remove_orphans(store: Path, catalog: dict) -> None:
    """Remove what no catalog names (left by an interrupted add): part and staging folders, temporary catalogs."""
    named = {entry["folder"] for entry in catalog["quarters"].values()}
    for folder in [*store.glob(".staging-*"), *(store / "parts").glob("*")]:
        if folder.relative_to(store).as_posix() not in named:
            shutil.rmtree(folder, ignore_errors=True)
    for temporary in store.glob(f".{CATALOG}.*.tmp"):
        temporary.unlink(missing_ok=True)


def _check_folders(store: Path, catalog: dict, replacing: str) -> None:
    """Refuse to write unless the catalog and the quarter folders agree: a folder the catalog names must be
    there (``replacing``'s may be missing), and a folder it does not name must be a superseded copy of a
    quarter it names (left by an interrupted replace). Otherwise the add would remove real data as leftovers."""
    missing = {quarter: entry["folder"] for quarter, entry in catalog["quarters"].items()
               if quarter != replacing and not (store / entry["folder"]).is_dir()}
    named = {entry["folder"] for entry in catalog["quarters"].values()}
    strays = [folder.relative_to(store).as_posix() for folder in quarter_folders(store)
              if folder.relative_to(store).as_posix() not in named
              and folder.name.split("-")[0] not in catalog["quarters"]]
    remedy = (f"nothing was changed: rebuild the catalog from the folders there with `il6 store rebuild-catalog "
              f"--db {store}`")
    if missing:
        listed = ", ".join(f"{folder} (quarter {quarter})" for quarter, folder in sorted(missing.items()))
        raise StoreDamaged(f"{store / CATALOG} names {listed}, which is not there (renamed or moved?); {remedy}, "
                           "or put the folder back")
    if strays:
        raise StoreDamaged(f"{store} holds {', '.join(strays)}, quarter data that {CATALOG} does not name; "
                           f"{remedy}, or move those folders out of parts/")


def add_quarter(store: str | Path, path: str | Path, quarter: str | None = None, *,
                memory_limit: str = "1GB", threads: int | None = None, reading: Reading | None = None) -> dict:
    """Add one quarterly extract (zip or folder) to the store, replacing that quarter if present.

    Args:
        store: the store folder (created when missing).
        path: a FAERS or legacy AERS quarterly zip, or a folder of its files.
        quarter: the label, e.g. ``"2017Q2"`` (default: from the DEMO file name).
        memory_limit, threads: for DuckDB while reading.
        reading: called as ``reading(done, total)`` in bytes of the extract's tables while they are read.

    Returns:
        The quarter's catalog entry, with ``replaced``: the ``quarter``, ``folder`` and ``ingested_at`` of
        the copy of that quarter it replaced, or None.

    Raises:
        SourceError: the extract cannot be read (see
            :func:`il6analysis.faers.extract.open_extract` and
            :func:`il6analysis.faers.normalise.write_tables`).
        StoreError: ``store`` is not a store, or one of another format version, or a folder holding
            quarter data without a catalog.
        StoreDamaged: the catalog names a folder that is not there (another quarter's), or a folder of
            quarter data is in no catalog entry.
        OutputLocked: another process is adding to the same store.
        CannotWrite: the store cannot be written (read-only, disk full).
        In every case the store is as it was before.
    """
    store, path = Path(store), Path(path)
    read_catalog(store, writing=True)  # refuse a path that is not a store before reading anything
    extract = open_extract(path, quarter)
    with _writable(store):
        (store / "parts").mkdir(parents=True, exist_ok=True)
        with _locked(store):
            catalog = read_catalog(store, writing=True)
            _check_folders(store, catalog, extract.quarter)
            _remove_orphans(store, catalog)
            name = uuid.uuid4().hex[:12]
            staging = store / f".staging-{name}"
            part = store / "parts" / f"{extract.quarter}-{name}"
            staging.mkdir()
            try:
                entry = write_tables(extract, staging, memory_limit=memory_limit, threads=threads, reading=reading)
                _check_written(staging, entry)
                entry["checksums"] = part_checksums(staging)
                os.rename(staging, part)
                _fsync(part.parent)
                entry |= {"folder": part.relative_to(store).as_posix(),
                          "ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
                previous = catalog["quarters"].get(extract.quarter)
                quarters = dict(sorted({**catalog["quarters"], extract.quarter: entry}.items()))
                _write_catalog(store, {**catalog, "quarters": quarters,
                                       "updated_at": entry["ingested_at"]})
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                shutil.rmtree(part, ignore_errors=True)
                raise
            if previous:
                shutil.rmtree(store / previous["folder"], ignore_errors=True)
    replaced = previous and {key: previous.get(key) for key in ("quarter", "folder", "ingested_at")}
    return {**entry, "replaced": replaced or None}


def add_quarters(store: str | Path, paths: Iterable[str | Path], *, quarter: str | None = None,
                 memory_limit: str = "1GB", threads: int | None = None,
                 progress: Callable[[int, int, str], None] | None = None, reading: Reading | None = None) -> list[dict]:
    """Add several quarterly extracts, one at a time (see :func:`add_quarter`).

    A failing extract stops the run; the quarters added before it stay added
    (each is complete), and the message names the extract that failed.

    Args:
        quarter: the label of the one extract given, when its DEMO file's name does not show it.
        progress: called as ``progress(done, total, path)`` before each extract.
        reading: passed to :func:`add_quarter`.

    Returns:
        The catalog entry of each quarter added, in order.

    Raises:
        As :func:`add_quarter`; a ``SourceError`` message also says how many
        extracts were added before the failing one.
        UsageError: ``quarter`` given with more than one extract.
    """
    paths = [Path(p) for p in paths]
    if quarter is not None and len(paths) != 1:
        raise UsageError(f"a quarter label ({quarter}) names one extract, and {len(paths)} were given; "
                         "add the others separately")
    entries = []
    for number, path in enumerate(paths):
        if progress:
            progress(number, len(paths), str(path))
        try:
            entries.append(add_quarter(store, path, quarter, memory_limit=memory_limit, threads=threads,
                                       reading=reading))
        except SourceError as error:
            done = f"; the {number} extract(s) before it were added" if number else ""
            raise SourceError(f"{error}{done}") from None
    return entries


def _rebuilt_entry(store: Path, folder: Path, known: dict[str, dict]) -> dict:
    """The catalog entry of one quarter folder, its quarter read from its report keys.

    Raises:
        ValueError: a file is missing or unreadable, or the reports are not of one quarter (the reason).
    """
    missing = [f"{output}.parquet" for output in OUTPUTS if not (folder / f"{output}.parquet").is_file()]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    with duckdb.connect() as con:
        try:
            rows = {output: con.execute("SELECT count(*) FROM (SELECT hash(t) FROM read_parquet(?) t)",
                                        [str(folder / f"{output}.parquet")]).fetchone()[0] for output in OUTPUTS}
            codes, versions = con.execute("SELECT list(DISTINCT report // 1000000000000), count(caseversion) "
                                          "FROM read_parquet(?)", [str(folder / "demo.parquet")]).fetchone()
        except duckdb.Error as error:
            raise ValueError(f"a file cannot be read ({str(error).splitlines()[0]})") from None
    if len(codes or []) != 1:
        raise ValueError("its reports are not of one quarter")
    quarter = f"{codes[0] // 10}Q{codes[0] % 10}"
    checksums = part_checksums(folder)
    same = known.get(quarter, {})
    if same.get("checksums") != checksums:  # not the files the old catalog describes: what is known afresh
        same = {"source": {"kind": "unknown"}, "files": {}, "layout": "faers" if versions else "laers",
                "ingested_at": dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")}
    return {**same, "quarter": quarter, "folder": folder.relative_to(store).as_posix(), "rows": rows,
            "checksums": checksums}


def rebuild_catalog(store: str | Path) -> dict:
    """Write a new ``catalog.json`` from the quarter folders in ``store/parts`` (a catalog lost or
    hand-edited, a quarter's folder renamed).

    Each folder's quarter is read from its reports' keys, not from its name; every file is read through
    by DuckDB and its checksums recorded. Where a readable catalog of this version describes the same
    files, its source and ingest time are kept. A folder that lacks a file or cannot be read, and the
    older of two folders of one quarter, are left out of the catalog (never deleted here; the next add
    removes what no catalog names).

    Returns:
        ``quarters`` (the labels now in the catalog) and ``left_out`` (folder -> why).

    Raises:
        StoreError: no quarter folder in ``store/parts``.
        StoreDamaged: no folder is usable (the reasons, and the quarters to re-add).
        OutputLocked, CannotWrite: as :func:`add_quarter`.
    """
    store = Path(store)
    folders = quarter_folders(store)
    if not folders:
        raise StoreError(f"{store} has no quarter folder in parts/ to rebuild a catalog from; {HOW_TO_INGEST}")
    with _writable(store), _locked(store):
        try:
            known = read_catalog(store)["quarters"]
        except (StoreError, KeyError):
            known = {}
        found: dict[str, dict] = {}
        left_out: dict[str, str] = {}
        for folder in sorted(folders, key=lambda f: f.stat().st_mtime_ns, reverse=True):
            name = folder.relative_to(store).as_posix()
            try:
                entry = _rebuilt_entry(store, folder, known)
            except ValueError as reason:
                left_out[name] = f"{reason}; re-add its quarter"
                continue
            if entry["quarter"] in found:
                left_out[name] = f"an older copy of quarter {entry['quarter']} than {found[entry['quarter']]['folder']}"
                continue
            found[entry["quarter"]] = entry
        if not found:
            raise StoreDamaged(f"no folder of {store / 'parts'} can be used: "
                               + "; ".join(f"{name}: {why}" for name, why in left_out.items()))
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        _write_catalog(store, {"format": FORMAT, "format_version": FORMAT_VERSION, "updated_at": now,
                               "rebuilt_at": now, "quarters": dict(sorted(found.items()))})
    return {"quarters": sorted(found), "left_out": left_out}
