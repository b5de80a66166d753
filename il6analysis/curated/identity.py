"""The data set's identity (curation date, content hash, version), computed without pandas.

Kept free of heavy imports so that a scheduled run can tell in a fraction of
a second whether the data changed since the last one.
"""

from __future__ import annotations

import datetime
import hashlib
import tomllib
from importlib import metadata
from pathlib import Path

from il6analysis.errors import UsageError
from il6analysis.paths import data_folder

RECORD = "DATASET.toml"


def _record(folder: Path) -> dict:
    """The folder's curation record, checked to name a curation date.

    Raises:
        UsageError: ``folder`` or its ``DATASET.toml`` is missing, or the record is not TOML
            or has no ``curated_on`` date.
    """
    path = folder / RECORD
    if not folder.is_dir():
        raise UsageError(f"data folder {folder} does not exist or is not a folder")
    if not path.is_file():
        raise UsageError(f"{path} is missing: a data folder needs its curation record {RECORD} "
                         "(name, curated_on = YYYY-MM-DD, curated_by, method)")
    try:
        record = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not a valid TOML curation record: {exc}") from None
    if not isinstance(record.get("curated_on"), datetime.date):
        raise UsageError(f"{path} has no curated_on date; expected a line curated_on = YYYY-MM-DD")
    return record


def dataset_info(data_dir: str | Path | None = None) -> dict[str, str]:
    """Return the data set's identity: curation date, content hash and package version.

    Returns:
        ``{"curated_on": "YYYY-MM-DD", "sha256": <hex digest of every table and
        the curation record>, "version": <package version>}``. The hash changes
        whenever any table or the curation record changes, so reports can be
        tied to the exact data.

    Raises:
        UsageError: the folder, or its ``DATASET.toml``, is missing or unreadable, the
            record names no curation date, or a ``*.csv`` entry is a folder.
    """
    folder = data_folder(data_dir)
    record = _record(folder)
    return {
        "curated_on": str(record["curated_on"]),
        "sha256": content_hash(folder),
        "version": metadata.version("il6analysis"),
    }


def content_hash(folder: Path) -> str:
    """Return the hex SHA-256 of a data folder's tables and curation record (names and bytes), the
    ``sha256`` of :func:`dataset_info`; a folder without a record (an old release) is hashed all the same.

    Raises:
        UsageError: a ``*.csv`` entry is a folder.
        OSError: the folder or a file cannot be read.
    """
    digest = hashlib.sha256()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv") or entry.name == RECORD:
            if not entry.is_file():
                raise UsageError(f"{entry} is not a file; a data folder holds one CSV file per table")
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()
