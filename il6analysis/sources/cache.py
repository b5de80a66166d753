"""Raw source responses cached on disk, each with its request and retrieval time.

A cache entry is ``<folder>/<name>.json`` holding
``{"retrieved": <ISO 8601 UTC time>, "request": {...}, "payload": <the raw response>}``.
Entries are written atomically (a temporary file in the same folder, then
:func:`os.replace`), so an interrupted or failed write never replaces a good entry.

The default folder is ``$IL6_CACHE_DIR`` when that variable is set, else
``data/cache`` under the current working directory.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from il6analysis.atomic import atomic_write_text
from il6analysis.errors import SourceError
from il6analysis.paths import location

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ENTRY_KEYS = ("retrieved", "request", "payload")


class ResponseCache:
    """A folder of cached responses.

    Args:
        folder: where entries live (default: the ``cache`` location of
            :mod:`il6analysis.paths`). Created on first save.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = location("cache", folder)

    def path(self, name: str) -> Path:
        """Return the file of entry ``name``.

        Raises:
            ValueError: ``name`` is not a safe file name (letters, digits,
                ``-``, ``_`` and ``.``, starting with a letter or digit).
        """
        if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
            raise ValueError(
                f"cache entry name {name!r} is not a safe file name: use letters, digits, '-', '_' and '.', "
                "starting with a letter or digit"
            )
        return self.folder / f"{name}.json"

    def save(self, name: str, payload: dict[str, Any] | list[Any], request: dict[str, Any]) -> Path:
        """Store ``payload`` as entry ``name`` with ``request`` and the current UTC time.

        Returns:
            The path of the entry.

        Raises:
            ValueError: ``name`` is not a safe file name.
            OSError, TypeError: the entry could not be written; any previous
                entry of that name is left unchanged.
        """
        target = self.path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = {"retrieved": datetime.now(UTC).isoformat(timespec="seconds"), "request": request, "payload": payload}
        atomic_write_text(target, json.dumps(entry, ensure_ascii=False, indent=1))
        return target

    def load(self, name: str) -> dict[str, Any] | None:
        """Return entry ``name`` as ``{"retrieved", "request", "payload"}``, or ``None`` if absent.

        Raises:
            ValueError: ``name`` is not a safe file name.
            SourceError: the file is not valid JSON or not a cache entry; the
                message names the file (and the line of a JSON error).
        """
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            entry = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"cache file {path} is corrupt: {exc.msg} at line {exc.lineno}; delete it") from None
        if not isinstance(entry, dict) or any(key not in entry for key in _ENTRY_KEYS):
            raise SourceError(f"cache file {path} is not a cache entry (expected keys {', '.join(_ENTRY_KEYS)})")
        return entry

    def retrieved(self, name: str) -> datetime | None:
        """Return when entry ``name`` was retrieved (timezone-aware UTC), or ``None`` if absent.

        Raises:
            ValueError: ``name`` is not a safe file name.
            SourceError: the file is corrupt or its time is not ISO 8601.
        """
        entry = self.load(name)
        if entry is None:
            return None
        try:
            return datetime.fromisoformat(entry["retrieved"])
        except (TypeError, ValueError):
            raise SourceError(
                f"cache file {self.path(name)} has no valid retrieval time: {entry['retrieved']!r}"
            ) from None
