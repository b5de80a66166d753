"""Hashes of everything that affects a report, so unchanged reports are not re-run.

Besides the notebook, its parameters, the curated data and the package, a report may read
inputs from outside: a FAERS store (``source`` faers or both; ``faers_db`` or the default
store) and an earlier dataset (``since``). Those are identified by content, so adding a
FAERS quarter or changing the earlier dataset makes the reports that read them run again.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from il6analysis.atomic import sha256 as _sha256
from il6analysis.curated.identity import content_hash
from il6analysis.errors import UsageError
from il6analysis.faers.store import CATALOG
from il6analysis.paths import absolute, location

FAERS_SOURCES = ("faers", "both")
"""Values of a report's ``source`` parameter that read the FAERS store."""


def store_identity(store: Path) -> str:
    """Return the hash of a FAERS store's catalog, which lists every quarter with its files'
    checksums (so it changes whenever a quarter is added, replaced or removed); ``"none"``
    when the store has no readable catalog."""
    try:
        return _sha256((store / CATALOG).read_bytes())
    except OSError:
        return "none"


def dataset_identity(folder: Path) -> str:
    """Return :func:`il6analysis.curated.identity.content_hash` of ``folder``, or ``"unreadable"``."""
    try:
        return content_hash(folder)
    except (OSError, UsageError):
        return "unreadable"


def outside_inputs(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Return the identity of what a report with these checked, canonical ``parameters`` reads
    besides its notebook and the curated data: ``faers_store`` and ``since``, where they apply."""
    found = {}
    if parameters.get("source") in FAERS_SOURCES:
        found["faers_store"] = store_identity(Path(parameters.get("faers_db") or location("faers")))
    if parameters.get("since"):
        found["since"] = dataset_identity(Path(parameters["since"]))
    return found


def report_inputs(code_hash: str, parameters: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, str]:
    """Return the hashes of everything that affects one report.

    ``data`` is :func:`il6analysis.curated.identity.dataset_info`'s result.
    """
    return {
        "notebook_sha256": code_hash,
        "parameters_sha256": _sha256(json.dumps(parameters, sort_keys=True, default=str).encode()),
        "data_sha256": data["sha256"],
        "outside_sha256": _sha256(json.dumps(outside_inputs(parameters), sort_keys=True).encode()),
        "package_version": data["version"],
    }


def _named_paths(suite_text: str, name: str) -> Iterator[str]:
    """Every value a suite gives parameter ``name``, in its entries' ``parameters`` and ``grid``."""
    try:
        entries = tomllib.loads(suite_text).get("report", [])
    except tomllib.TOMLDecodeError:
        return
    for entry in entries if isinstance(entries, list) else []:
        for table in (entry.get("parameters"), entry.get("grid")) if isinstance(entry, dict) else ():
            value = table.get(name) if isinstance(table, dict) else None
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item:
                    yield item


def suite_outside_inputs(suite_text: str) -> dict[str, str]:
    """Return the identity of every outside input a suite's reports may read, without checking the
    suite: the default FAERS store and each store (``faers_db``) and dataset (``since``) it names."""
    found = {"default faers_store": store_identity(location("faers"))}
    for given in _named_paths(suite_text, "faers_db"):
        found[f"faers_store {given}"] = store_identity(absolute(given))
    for given in _named_paths(suite_text, "since"):
        found[f"since {given}"] = dataset_identity(absolute(given))
    return found


def fingerprint(inputs: Mapping[str, str]) -> str:
    """One hash standing for all of a report's inputs."""
    return _sha256(json.dumps(inputs, sort_keys=True).encode())
