"""The data set's identity (curation date, content hash, version), computed without pandas.

Kept free of heavy imports so that a scheduled run can tell in a fraction of
a second whether the data changed since the last one.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import metadata
from pathlib import Path

from il6analysis.paths import data_folder

RECORD = "DATASET.toml"
def dataset_info(data_dir: str | Path | None = None) -> dict[str, str]:
    """Return the data set's identity: curation date, content hash and package version.

    Returns:
        ``{"curated_on": "YYYY-MM-DD", "sha256": <hex digest of every table and
        the curation record>, "version": <package version>}``. The hash changes
        whenever any table or the curation record changes, so reports can be
        tied to the exact data.

    Raises:
        FileNotFoundError: the folder has no ``DATASET.toml``.
    """
    folder = data_folder(data_dir)
    digest = hashlib.sha256()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv") or entry.name == RECORD:
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    record = tomllib.loads((folder / RECORD).read_text(encoding="utf-8"))
    return {
        "curated_on": str(record["curated_on"]),
        "sha256": digest.hexdigest(),
        "version": metadata.version("il6analysis"),
    }
