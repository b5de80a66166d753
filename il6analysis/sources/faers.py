"""FAERS quarterly ASCII extracts -> de-duplicated case tables.

The FDA publishes the FDA Adverse Event Reporting System (FAERS, from 2012Q4)
and its predecessor, legacy AERS (2004Q1-2012Q3), as one zip per quarter
holding seven ``$``-delimited tables (DEMO, DRUG, REAC, OUTC, THER, INDI,
RPSR) and, for FAERS, a list of deleted cases (``Deleted/DELETEyyQq.txt``).
Its data dictionary is ``ASC_NTS`` inside every quarterly zip.

Reading is by header name, because columns drift between quarters:

* names are stripped of a byte-order mark and spaces and lower-cased;
* every value stays text (identifiers such as ``primaryid``, ``caseid`` or
  ``nda_num`` keep their leading zeros); empty fields become missing;
* a placeholder column is dropped when it is entirely empty: one with no name
  (the extra field of the legacy files' trailing ``$``) or named like ``v23``
  (the same field after re-serialisation by other tools);
* file names are matched case-insensitively by their table prefix
  (``DEMO17Q2.txt``, ``DEMO04Q1.TXT``, ``ASCII/DEMO26Q2.txt``), in any folder
  of the zip or directory; files are decoded as latin-1, which reads every
  byte, and may end lines with CRLF or LF.

Cases are then cleaned: only the latest version of a case is kept (highest
``caseversion`` per ``caseid``, compared as numbers; ties go to the highest
``primaryid``), cases listed in a deletion file of any quarter read are
dropped, and the other six tables keep only the rows of kept DEMO reports.

Legacy AERS is keyed by ISR, one number per report received, and has no case
version: ``isr`` is renamed ``primaryid`` and ``case`` ``caseid``, and the
latest report of a case is taken to be the one with the highest ISR, on the
assumption that ISRs are numbered in the order the FDA received the reports.
When legacy and FAERS quarters are combined, a FAERS version of a case always
wins over its legacy reports.

Every file is read whole into memory before it is parsed.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from il6analysis.errors import SourceError

TABLES = ("demo", "drug", "reac", "outc", "ther", "indi", "rpsr")
_DELETED = "deleted"
_FILE_PREFIXES = {table.upper(): table for table in TABLES} | {"DELETE": _DELETED}
_LEGACY_KEYS = {"isr": "primaryid", "case": "caseid"}
_REQUIRED_COLUMNS = {table: ("primaryid",) for table in TABLES} | {"demo": ("primaryid", "caseid")}
_UTF8_BOM_AS_LATIN1 = "\xef\xbb\xbf"
_PLACEHOLDER_NAME = re.compile(r"(v\d+)?")
_QUARTER_IN_DEMO_NAME = re.compile(r"DEMO(\d{2})Q([1-4])", re.IGNORECASE)
_CASEID = re.compile(r"[0-9]+")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@dataclass
class FaersData:
    """Tables of one or more FAERS quarters, keyed by lower-case table name.

    Attributes:
        tables: one DataFrame per name in :data:`TABLES`, every column text
            (missing values for empty fields); a table absent from the
            extract is an empty frame with only ``primaryid``.
        deleted: the caseids listed in the deletion files that were read.
        quarters: the quarters read, e.g. ``["2026Q2"]``, in reading order.
    """

    tables: dict[str, pd.DataFrame]
    deleted: set[str]
    quarters: list[str]

    def __getattr__(self, name: str) -> pd.DataFrame:
        """``data.demo``, ``data.drug``, ... : the table of that name (see :data:`TABLES`).

        Raises:
            AttributeError: ``name`` is not a FAERS table.
        """
        if name in TABLES:
            return self.tables[name]
        raise AttributeError(f"FaersData has no attribute {name!r}; tables: {', '.join(TABLES)}")


def read_quarter(path: str | Path) -> FaersData:
    """Read one quarterly extract, a downloaded zip or an unpacked folder.

    Keeps the latest version of each case and drops the cases in the
    quarter's deletion file (see the module notes). The quarter label comes
    from the DEMO file name (``DEMO26Q2.txt`` -> ``"2026Q2"``), else it is the
    name of ``path``.

    Returns:
        The quarter's cleaned tables.

    Raises:
        SourceError: ``path`` is neither a zip file nor a folder; the zip is
            truncated or corrupt; there is no DEMO file, or several files for
            one table; a table lacks its key column (``primaryid``, or legacy
            ``isr``; DEMO also ``caseid`` or ``case``); a file is empty or a
            line has more or fewer fields than its header (the message names
            the file and line).
    """
    path = Path(path)
    files = _files_by_kind(_source_files(path))
    if not files.get("demo"):
        raise SourceError(f"{path}: no DEMO file (looked for DEMO*.txt in every folder, any letter case)")
    tables = {table: _read_table(table, files.get(table, []), path) for table in TABLES}
    deleted = set().union(*(_read_deletions(file) for file in files.get(_DELETED, [])))
    quarter = _quarter_label(files["demo"][0].name) or path.name
    return _current_cases(FaersData(tables, deleted, [quarter]))


def read_quarters(paths: Iterable[str | Path]) -> FaersData:
    """Read several quarterly extracts (zips or folders) as one data set.

    Each case keeps only its latest version across all quarters, and a case
    listed in the deletion file of any quarter is removed from every table.

    Returns:
        The combined, cleaned tables; ``quarters`` lists each path's quarter
        in the order given.

    Raises:
        ValueError: ``paths`` is empty.
        SourceError: as :func:`read_quarter`, for the first path that fails.
    """
    parts = [read_quarter(path) for path in paths]
    if not parts:
        raise ValueError("read_quarters needs at least one zip file or folder")
    return _current_cases(_combine(parts))


@dataclass(frozen=True)
class _SourceFile:
    """A table or deletion file inside an extract.

    Attributes:
        name: the file's own name, e.g. ``DEMO26Q2.txt``.
        label: where it is, for messages: its path, or ``archive.zip:member``.
        read: returns the file's bytes.
    """

    name: str
    label: str
    read: Callable[[], bytes]


def _source_files(path: Path) -> list[_SourceFile]:
    """The table and deletion files of the zip file or folder at ``path``."""
    if path.is_dir():
        return _folder_files(path)
    if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        return _zip_files(path)
    raise SourceError(f"{path} is neither a zip file nor a folder")


def _folder_files(folder: Path) -> list[_SourceFile]:
    """The table and deletion files anywhere below ``folder``."""
    return [
        _SourceFile(file.name, str(file), file.read_bytes)
        for file in sorted(folder.rglob("*"))
        if file.is_file() and _kind_of(file.name)
    ]


def _zip_files(archive: Path) -> list[_SourceFile]:
    """The table and deletion files anywhere in the zip ``archive``."""
    try:
        with zipfile.ZipFile(archive) as opened:
            members = [info.filename for info in opened.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as error:
        raise SourceError(f"{archive}: not a readable zip file, truncated or corrupt ({error})") from None
    return [
        _SourceFile(PurePosixPath(member).name, f"{archive}:{member}",
                    functools.partial(_read_zip_member, archive, member))
        for member in members
        if _kind_of(PurePosixPath(member).name)
    ]


def _read_zip_member(archive: Path, member: str) -> bytes:
    """The uncompressed bytes of ``member`` of ``archive``."""
    try:
        with zipfile.ZipFile(archive) as opened:
            return opened.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SourceError(f"{archive}:{member}: cannot be decompressed, zip truncated or corrupt ({error})") from None


def _kind_of(file_name: str) -> str | None:
    """The table name (or ``"deleted"``) a ``.txt`` file holds, judged by its name's prefix."""
    upper = file_name.upper()
    if not upper.endswith(".TXT"):
        return None
    return next((kind for prefix, kind in _FILE_PREFIXES.items() if upper.startswith(prefix)), None)


def _files_by_kind(files: list[_SourceFile]) -> dict[str, list[_SourceFile]]:
    """``files`` grouped by the table (or ``"deleted"``) they hold."""
    grouped: dict[str, list[_SourceFile]] = {}
    for file in files:
        grouped.setdefault(_kind_of(file.name), []).append(file)
    return grouped


def _quarter_label(demo_file_name: str) -> str | None:
    """``"2026Q2"`` for ``DEMO26Q2.txt``; ``None`` when the name holds no quarter."""
    match = _QUARTER_IN_DEMO_NAME.match(demo_file_name)
    return f"20{match[1]}Q{match[2]}" if match else None


def _read_table(table: str, files: list[_SourceFile], path: Path) -> pd.DataFrame:
    """The one file of ``table`` in the extract at ``path`` as a frame; empty if there is none."""
    if not files:
        return pd.DataFrame({"primaryid": pd.Series(dtype="str")})
    if len(files) > 1:
        shown = ", ".join(file.label for file in files)
        raise SourceError(f"{path}: several {table.upper()} files, cannot tell which to read: {shown}")
    return _parse_table(files[0], _REQUIRED_COLUMNS[table])


def _parse_table(file: _SourceFile, required: tuple[str, ...]) -> pd.DataFrame:
    """The rows of a ``$``-delimited table file, columns named by its cleaned header."""
    fields = _split_fields(file.read(), file.label)
    names = [_clean_column_name(name) for name in fields.iloc[0]]
    table = fields.iloc[1:].set_axis(names, axis="columns").reset_index(drop=True)
    table = _drop_placeholder_columns(table.mask(table.eq("")))
    if "primaryid" not in table.columns:
        table = table.rename(columns=_LEGACY_KEYS)
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise SourceError(
            f"{file.label}: no {' or '.join(missing)} column (legacy: isr, case); "
            f"the header has: {', '.join(names)}"
        )
    return table


def _split_fields(content: bytes, label: str) -> pd.DataFrame:
    """Every line of ``content`` (header included) split at ``$``, as text.

    Raises:
        SourceError: the file is empty, or a line has another number of fields
            than the header.
    """
    try:
        fields = pd.read_csv(
            io.BytesIO(content), sep="$", header=None, dtype=str, keep_default_na=False,
            quoting=csv.QUOTE_NONE, encoding="latin-1",
        )
    except pd.errors.EmptyDataError:
        raise SourceError(f"{label}: the file is empty") from None
    except pd.errors.ParserError as error:
        raise _malformed(content, label, str(error)) from None
    # The parser pads short lines silently; their missing separators give them away.
    if content.count(b"$") != (fields.shape[1] - 1) * len(fields):
        raise _malformed(content, label, "some lines have fewer fields than the header")
    return fields


def _malformed(content: bytes, label: str, detail: str) -> SourceError:
    """The error for a file whose lines disagree with its header, naming the first such line.

    Lines are counted as the parser splits them: at CRLF, LF or a lone CR.
    """
    lines = _LINE_BREAK.split(content)
    expected = lines[0].count(b"$") + 1
    for number, line in enumerate(lines, start=1):
        found = line.count(b"$") + 1
        if line and found != expected:
            return SourceError(f"{label} line {number}: {found} fields, but the header has {expected}")
    return SourceError(f"{label}: malformed file ({detail})")


def _clean_column_name(name: str) -> str:
    """A header name without byte-order mark or surrounding spaces, in lower case."""
    return name.removeprefix(_UTF8_BOM_AS_LATIN1).strip().lower()


def _drop_placeholder_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the columns that are unnamed or named like ``v23`` and entirely empty."""
    keep = [
        position
        for position, name in enumerate(table.columns)
        if not (_PLACEHOLDER_NAME.fullmatch(name) and table.iloc[:, position].isna().all())
    ]
    return table.iloc[:, keep]


def _read_deletions(file: _SourceFile) -> set[str]:
    """The caseids of a deletion file, one per line; blank lines are skipped.

    Raises:
        SourceError: a line is neither blank nor a caseid.
    """
    caseids = set()
    for number, line in enumerate(file.read().decode("latin-1").split("\n"), start=1):
        value = line.strip()
        if _CASEID.fullmatch(value):
            caseids.add(value)
        elif value:
            raise SourceError(f"{file.label} line {number}: {value!r} is not a caseid")
    return caseids


def _combine(parts: list[FaersData]) -> FaersData:
    """The tables of ``parts`` stacked, their deletions and quarters joined; not yet cleaned."""
    tables = {
        table: pd.concat([part.tables[table] for part in parts], ignore_index=True)
        for table in TABLES
    }
    deleted = set().union(*(part.deleted for part in parts))
    quarters = [quarter for part in parts for quarter in part.quarters]
    return FaersData(tables, deleted, quarters)


def _current_cases(data: FaersData) -> FaersData:
    """``data`` with the latest version of each undeleted case, and only those reports' rows."""
    demo = _latest_versions(data.demo)
    demo = demo[~demo["caseid"].isin(data.deleted)].reset_index(drop=True)
    tables = {"demo": demo} | {
        table: frame[frame["primaryid"].isin(demo["primaryid"])].reset_index(drop=True)
        for table, frame in data.tables.items()
        if table != "demo"
    }
    return FaersData(tables, data.deleted, data.quarters)


def _latest_versions(demo: pd.DataFrame) -> pd.DataFrame:
    """The DEMO rows holding the latest version of their case, in their original order.

    Latest means highest ``caseversion``, then highest ``primaryid``, both as
    numbers; a missing or non-numeric value ranks lowest, so legacy reports
    (no ``caseversion``) are ranked by ISR alone and lose to any FAERS version.
    """
    ranks = pd.DataFrame({
        "caseid": demo["caseid"],
        "version": _as_number(demo.get("caseversion", pd.Series(index=demo.index, dtype="str"))),
        "report": _as_number(demo["primaryid"]),
    })
    ranked = ranks.sort_values(["version", "report"], na_position="first", kind="stable")
    latest = ranked.drop_duplicates("caseid", keep="last").index
    return demo[demo.index.isin(latest)]


def _as_number(values: pd.Series) -> pd.Series:
    """``values`` as floats; missing or non-numeric text becomes NaN."""
    return pd.to_numeric(values, errors="coerce")
