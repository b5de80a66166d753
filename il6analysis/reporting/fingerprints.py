"""Hashes of everything that affects a report, so unchanged reports are not re-run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from il6analysis.atomic import sha256 as _sha256


def report_inputs(code_hash: str, parameters: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, str]:
    """Return the hashes of everything that affects one report.

    ``data`` is :func:`il6analysis.curated.identity.dataset_info`'s result.
    """
    return {
        "notebook_sha256": code_hash,
        "parameters_sha256": _sha256(json.dumps(parameters, sort_keys=True, default=str).encode()),
        "data_sha256": data["sha256"],
        "package_version": data["version"],
    }


def fingerprint(inputs: Mapping[str, str]) -> str:
    """One hash standing for all of a report's inputs."""
    return _sha256(json.dumps(inputs, sort_keys=True).encode())
