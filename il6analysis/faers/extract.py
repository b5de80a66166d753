"""One FAERS or legacy AERS quarterly extract: its files found, checked and unpacked one at a time.

The FDA publishes the FDA Adverse Event Reporting System (FAERS, from 2012Q4)
and its predecessor, legacy AERS (2004Q1-2012Q3), as one zip per quarter
holding ``$``-delimited tables (DEMO, DRUG, REAC, OUTC, THER, INDI, RPSR) and,
for FAERS, a list of deleted cases (``Deleted/DELETEyyQq.txt``). Its data
dictionary is ``ASC_NTS`` inside every quarterly zip.

:func:`open_extract` finds the files of one extract (a zip or an unpacked
folder; file names matched case-insensitively by their table prefix, in any
folder); :func:`materialise` puts one file on disk (a zip member is unpacked
into a scratch folder) and tells its checksum, size and encoding: UTF-8 when
it is valid UTF-8, else Latin-1 (which decodes every byte). The tables are
read by :mod:`il6analysis.faers.normalise`.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from il6analysis.errors import SourceError

TABLES = ("demo", "drug", "reac", "outc", "indi", "ther")
"""The tables read from an extract (RPSR is not needed by any analysis)."""
REQUIRED = ("demo", "drug", "reac")
"""Tables without which the quarter's reports would silently count as unexposed or event-free."""
_PREFIXES = {"DEMO": "demo", "DRUG": "drug", "REAC": "reac", "OUTC": "outc", "INDI": "indi", "THER": "ther",
             "DELETE": "deleted"}
_QUARTER_IN_NAME = re.compile(r"DEMO(\d{2})Q([1-4])", re.IGNORECASE)
QUARTER_LABEL = re.compile(r"(19|20)\d{2}Q[1-4]")
"""A quarter label such as ``2017Q2``."""
_CHUNK = 1 << 20
_LONE_CR = re.compile(rb"\r(?!\n)")

@dataclass
class SourceFile:
    """A table or deletion file of an extract: its own name, a label for messages, and where it is."""

    kind: str
    name: str
    label: str
    member: str | None = None
    path: Path | None = None
    size: int = 0


@dataclass
class Extract:
    """One quarterly extract, its files found and checked (see :func:`open_extract`).

    Attributes:
        path: the zip file or folder.
        quarter: its label, e.g. ``"2017Q2"``.
        files: table name (or ``"deleted"``) -> its files.
    """

    path: Path
    quarter: str
    files: dict[str, list[SourceFile]]

    @property
    def is_zip(self) -> bool:
        """True when the extract is a zip file."""
        return self.path.is_file()


def _kind_of(file_name: str) -> str | None:
    upper = file_name.upper()
    if not upper.endswith(".TXT"):
        return None
    return next((kind for prefix, kind in _PREFIXES.items() if upper.startswith(prefix)), None)


def open_extract(path: str | Path, quarter: str | None = None) -> Extract:
    """Find the table and deletion files of the quarterly extract at ``path``.

    Args:
        path: a downloaded zip, or a folder of its ``.txt`` files.
        quarter: the label (``"2017Q2"``); default from the DEMO file's name
            (``DEMO17Q2.txt`` -> ``2017Q2``).

    Returns:
        The :class:`Extract`.

    Raises:
        SourceError: ``path`` is neither a zip file nor a folder; the zip is
            truncated or corrupt; a DEMO, DRUG or REAC file is missing; a table
            has several files; the quarter cannot be told or is not like 2017Q2.
    """
    path = Path(path)
    if path.is_dir():
        files = [SourceFile(_kind_of(f.name), f.name, str(f), path=f, size=f.stat().st_size)
                 for f in sorted(path.rglob("*")) if f.is_file() and _kind_of(f.name)]
    elif path.is_file():
        try:
            with zipfile.ZipFile(path) as archive:
                members = [(info.filename, info.file_size) for info in archive.infolist() if not info.is_dir()]
        except (zipfile.BadZipFile, EOFError) as error:
            raise SourceError(f"{path}: not a readable zip file, truncated or corrupt ({error})") from None
        files = [SourceFile(_kind_of(PurePosixPath(m).name), PurePosixPath(m).name, f"{path}:{m}", member=m, size=size)
                 for m, size in members if _kind_of(PurePosixPath(m).name)]
    else:
        raise SourceError(f"{path} is neither a zip file nor a folder")
    grouped: dict[str, list[SourceFile]] = {}
    for file in files:
        grouped.setdefault(file.kind, []).append(file)
    for kind, group in grouped.items():
        if kind != "deleted" and len(group) > 1:
            raise SourceError(f"{path}: several {kind.upper()} files, cannot tell which to read: "
                              + ", ".join(f.label for f in group))
    missing = [t.upper() for t in REQUIRED if t not in grouped]
    if missing:
        raise SourceError(f"{path}: no {', '.join(missing)} file (looked for {', '.join(m + '*.txt' for m in missing)} "
                          "in every folder, any letter case); without it the quarter's reports would count as "
                          "unexposed or event-free, so nothing was ingested")
    if quarter is None:
        match = _QUARTER_IN_NAME.match(grouped["demo"][0].name)
        if not match:
            raise SourceError(f"{path}: cannot tell the quarter from {grouped['demo'][0].name} "
                              "(expected a name like DEMO17Q2.txt); give the quarter with --quarter, e.g. "
                              "--quarter 2017Q2 (in Python: quarter='2017Q2')")
        quarter = f"20{match[1]}Q{match[2]}"
    if not QUARTER_LABEL.fullmatch(quarter):
        raise SourceError(f"quarter {quarter!r} is not a quarter label like 2017Q2")
    return Extract(path, quarter, grouped)


class _LoneCr:
    """Fed a file chunk by chunk, returns each chunk with every CR that does not end a line (not followed by
    LF) replaced by a space, and counts them. DuckDB's CSV reader takes any CR for a line end, so a CR inside
    a field would split its line; as a space it is whitespace, which the stored text collapses anyway."""

    def __init__(self) -> None:
        self.count = 0
        self._carry = b""

    def __call__(self, chunk: bytes, final: bool = False) -> bytes:
        if not self._carry and b"\r" not in chunk:  # most chunks of LF files: nothing to look at
            return chunk
        data, self._carry = self._carry + chunk, b""
        if data.endswith(b"\r") and not final:  # its LF may start the next chunk
            data, self._carry = data[:-1], b"\r"
        lone = data.count(b"\r") - data.count(b"\r\n")
        if lone:
            self.count += lone
            data = _LONE_CR.sub(b" ", data)
        return data


def _copy(file: SourceFile, scratch: Path, chunks, feed) -> int:
    """Write ``chunks`` (each first given to ``feed``) into a new file of ``scratch``, lone CRs as spaces,
    point ``file`` at it and return how many lone CRs there were."""
    file.path, fix = scratch / f"{uuid.uuid4().hex[:8]}-{file.name}", _LoneCr()
    with open(file.path, "wb") as out:
        for chunk in chunks:
            feed(chunk)
            out.write(fix(chunk))
        out.write(fix(b"", final=True))
    return fix.count


def _chunks(reader):
    while chunk := reader.read(_CHUNK):
        yield chunk


def materialise(file: SourceFile, archive: Path, scratch: Path) -> dict:
    """Put ``file`` on disk to be read: a zip member unpacked into ``scratch``, a file with a CR inside a
    field copied there with that CR as a space (see :class:`_LoneCr`).

    Returns:
        ``name``, ``sha256`` and ``bytes`` of the file as given, its ``encoding`` (``utf-8`` when valid,
        else ``latin-1``) and ``lone_cr``, how many CRs inside fields became spaces.

    Raises:
        SourceError: a zip member cannot be decompressed.
    """
    sha, size = hashlib.sha256(), 0
    utf8, valid = codecs.getincrementaldecoder("utf-8")("strict"), True

    def feed(chunk: bytes) -> None:
        nonlocal size, valid
        sha.update(chunk)
        size += len(chunk)
        if valid and not chunk.isascii():
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                valid = False

    if file.member is not None:
        try:
            with zipfile.ZipFile(archive) as opened, opened.open(file.member) as reader:
                lone = _copy(file, scratch, _chunks(reader), feed)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise SourceError(f"{file.label}: cannot be decompressed, zip truncated or corrupt ({error})") from None
    else:
        counter = _LoneCr()
        with open(file.path, "rb") as reader:
            for chunk in _chunks(reader):
                feed(chunk)
                counter(chunk)
        counter(b"", final=True)
        lone = counter.count
        if lone:
            with open(file.path, "rb") as reader:
                _copy(file, scratch, _chunks(reader), lambda chunk: None)
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        valid = False
    return {"name": file.name, "sha256": sha.hexdigest(), "bytes": size, "encoding": "utf-8" if valid else "latin-1",
            "lone_cr": lone}


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``, read in chunks."""
    sha = hashlib.sha256()
    with open(path, "rb") as opened:
        while chunk := opened.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()
