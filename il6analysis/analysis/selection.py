"""Filters shared by the analysis views: names as people type them, resolved once.

Every view takes names such as ``agents=["Actemra"]`` and resolves them, so
the same calls work in a notebook, a report and a script. An empty or
``None`` filter means "all".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from il6analysis.curated.names import resolve_agent


def resolve_names(names: Iterable[str] | str | None, resolver) -> list[str]:
    """Return ``resolver(name)`` of each name, duplicates dropped, order kept (``[]`` for ``None``)."""
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    return list(dict.fromkeys(resolver(n) for n in names))


def resolve_agents(names: Iterable[str] | str | None) -> list[str]:
    """Return the ``agent_id`` of each name (duplicates dropped, order kept)."""
    return resolve_names(names, resolve_agent)


def keep_values(frame: pd.DataFrame, column: str, values: Sequence[str]) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``column`` is one of ``values`` (all rows when ``values`` is empty)."""
    return frame[frame[column].isin(values)] if values else frame


def parse_date_bound(value: str | None, name: str) -> pd.Timestamp | None:
    """Return a report window's bound as a timestamp (``None`` when not given).

    Raises:
        ValueError: ``value`` is not a date as ``YYYY-MM-DD``.
    """
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


