"""Partial dates: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, read, written and compared at their precision.

A source that gives only a year or a month says that the event happened at
some day of that period, not on its first day. A partial date is therefore
stored as the first day of its period plus a precision (``day``, ``month`` or
``year``), and every comparison uses the interval of days it stands for:
2017 is 2017-01-01..2017-12-31, 2017-09 is 2017-09-01..2017-09-30.
"""

from __future__ import annotations

import re

import pandas as pd

PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def parse_partial_date(value: str) -> tuple[pd.Timestamp, str]:
    """Return ``(first day of the period, precision)`` of a partial date.

    Raises:
        ValueError: ``value`` is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, is
            not a calendar date, or lies outside 1900-2100.
    """
    match = PARTIAL_DATE.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a date as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
        raise ValueError(f"{value!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}")
    try:
        date = pd.Timestamp(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return date, "day" if day else "month" if month else "year"


def parse_partial_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series, list]:
    """Parse a column of partial dates (missing values stay missing).

    Returns:
        ``(dates, precisions, bad_labels)``: the first day of each period
        (``datetime64[ns]``), its precision (``str``), and the index labels
        of the values that did not parse (left missing in both series).
    """
    dates: list[pd.Timestamp | None] = []
    precisions: list[str | None] = []
    bad: list = []
    for label, value in raw.items():
        date = precision = None
        if not pd.isna(value):
            try:
                date, precision = parse_partial_date(str(value))
            except ValueError:
                bad.append(label)
        dates.append(date)
        precisions.append(precision)
    return (
        pd.Series(dates, index=raw.index, dtype="datetime64[ns]"),
        pd.Series(precisions, index=raw.index, dtype="str"),
        bad,
    )


def format_partial_date(date: pd.Timestamp | None, precision: str | None) -> str:
    """Return ``date`` as text at its precision (``""`` when either is missing)."""
    if date is None or pd.isna(date) or not isinstance(precision, str):
        return ""
    return date.strftime(FORMATS[precision])


def partial_date_text(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """Return a column of dates as text at their precision: ``2010-01-08``, ``2010-01``
    or ``2010`` (``""`` where the date is missing)."""
    return pd.Series([format_partial_date(d, p) for d, p in zip(dates, precision)], index=dates.index, dtype="str")


def latest_day(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """Return the last day each partial date can stand for (missing stays missing):
    the date itself at day precision, the month's or the year's last day otherwise."""
    precision = precision.astype("str")
    month_end = dates + pd.offsets.MonthEnd(0)
    year_end = dates + pd.offsets.YearEnd(0)
    latest = dates.where(precision != "month", month_end)
    return latest.where(precision != "year", year_end).where(dates.notna())


def interval_order(earliest_a: pd.Timestamp, latest_a: pd.Timestamp,
                   earliest_b: pd.Timestamp, latest_b: pd.Timestamp) -> int | None:
    """Compare two date intervals: ``-1`` if A is surely before B, ``1`` if surely
    after, ``0`` if both are the same single day, ``None`` if the order is unknown
    (the intervals overlap, or a date is missing)."""
    if any(pd.isna(v) for v in (earliest_a, latest_a, earliest_b, latest_b)):
        return None
    if latest_a < earliest_b:
        return -1
    if latest_b < earliest_a:
        return 1
    if earliest_a == latest_a == earliest_b == latest_b:
        return 0
    return None
