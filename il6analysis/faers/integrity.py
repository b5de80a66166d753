"""A FAERS store's files checked against its catalog: cheaply whenever a store is opened, fully on demand.

Each quarter's catalog entry records, for every Parquet file, its size in
bytes, the sha256 of the whole file and the sha256 of its last 64 KiB, where
Parquet keeps its footer (the schema and where every row group starts).
:func:`verify` with ``full=False`` (every time a store is opened) checks that
each folder and file is there with its size and footer checksum, reading at
most 64 KiB a file; with ``full=True`` (``il6 store check``) it reads every
byte. Every problem names its quarter, and the way out is to re-add it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from il6analysis.errors import StoreDamaged
from il6analysis.faers.store import OUTPUTS

TAIL = 1 << 16
"""Bytes at the end of a file covered by the cheap checksum."""
_CHUNK = 1 << 20


def _tail_sha256(path: Path, size: int) -> str:
    with open(path, "rb") as opened:
        opened.seek(max(0, size - TAIL))
        return hashlib.sha256(opened.read()).hexdigest()


def checksums(path: Path) -> dict:
    """Return ``bytes``, ``sha256`` and ``tail_sha256`` (of the last :data:`TAIL` bytes) of the file at ``path``."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as opened:
        while chunk := opened.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": sha.hexdigest(), "tail_sha256": _tail_sha256(path, size)}


def part_checksums(folder: Path) -> dict[str, dict]:
    """Return the :func:`checksums` of every Parquet file of one quarter's folder, by output name."""
    return {output: checksums(folder / f"{output}.parquet") for output in OUTPUTS}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one quarter of a store."""

    quarter: str
    text: str


def _quarter_problems(store: Path, quarter: str, entry: dict, full: bool) -> list[Problem]:
    folder = store / entry["folder"]
    if not folder.is_dir():
        return [Problem(quarter, f"its folder {entry['folder']} is missing (renamed or moved?)")]
    found = []
    for output, expected in sorted(entry["checksums"].items()):
        file, name = folder / f"{output}.parquet", f"{entry['folder']}/{output}.parquet"
        if not file.is_file():
            found.append(Problem(quarter, f"{name} is missing"))
            continue
        size = file.stat().st_size
        if size != expected["bytes"]:
            found.append(Problem(quarter, f"{name} has {size} bytes, {expected['bytes']} were written"))
        elif (_tail_sha256(file, size) != expected["tail_sha256"]
              or (full and checksums(file)["sha256"] != expected["sha256"])):
            found.append(Problem(quarter, f"{name} is not the file that was written (its checksum differs)"))
    return found


def problems(store: Path, catalog: dict, *, full: bool = False) -> list[Problem]:
    """Return every problem of the quarters ``catalog`` names, oldest quarter first (see the module notes)."""
    return [problem for quarter, entry in sorted(catalog["quarters"].items())
            for problem in _quarter_problems(store, quarter, entry, full)]


def damaged(store: Path, found: list[Problem]) -> StoreDamaged:
    """Return the error for the problems ``found`` in ``store``: each named, and the quarters to re-add."""
    quarters = sorted({problem.quarter for problem in found})
    shown = "; ".join(f"quarter {problem.quarter}: {problem.text}" for problem in found[:5])
    more = (f" (and {len(found) - 5} more problem(s): `il6 store check --db {store}` lists them)"
            if len(found) > 5 else "")
    return StoreDamaged(f"the FAERS store {store} is damaged: {shown}{more}; re-add "
                        + ", ".join(f"quarter {quarter}" for quarter in quarters)
                        + f" with `il6 refresh faers PATH --db {store}`")


def verify(store: Path, catalog: dict, *, full: bool = False) -> None:
    """Check the files of every quarter of ``catalog`` (see the module notes).

    Raises:
        StoreDamaged: a folder or file is missing, or a file's size or checksum differs; the message
            names each quarter and says to re-add it.
    """
    found = problems(store, catalog, full=full)
    if found:
        raise damaged(store, found)
