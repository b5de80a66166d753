"""Fuzzy matching of names typed by people against the names the data knows."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def words(name: str | None) -> list[str]:
    """Return ``name``'s case-folded runs of letters and digits (``[]`` for no name)."""
    return [word for word in _NOT_ALNUM.split(name.casefold()) if word] if name else []


def normalise(name: str) -> str:
    """Return ``name`` case-folded with everything but letters and digits removed.

    ``"CNTO-328"``, ``"cnto 328"`` and ``"Cnto328"`` all normalise to ``"cnto328"``.
    """
    return "".join(words(name))


def closest(name: str, candidates: Iterable[str], n: int = 5) -> list[str]:
    """Return up to ``n`` of ``candidates`` closest to ``name``, best first.

    Comparison is on normalised forms; a candidate that contains the typed
    name (or is contained in it) counts as close even when short.
    """
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(normalise(candidate), candidate)
    key = normalise(name)
    ranked = difflib.get_close_matches(key, list(by_key), n=n, cutoff=0.6)
    if key and len(ranked) < n:
        ranked += [k for k in by_key if k not in ranked and len(k) > 2 and (key in k or k in key)][: n - len(ranked)]
    return [by_key[k] for k in ranked]
