"""Dated snapshots that every refresh appends to the history of a refreshed data folder.

Layout: ``<refreshed>/history/<domain>/<stamp>.parquet`` (the folder is
:func:`il6analysis.paths.history_dir`), where ``stamp`` is the UTC time of the
refresh as ``YYYYMMDDTHHMMSSZ``; a second snapshot within the same second
gets ``-2``, ``-3`` ... appended, so stamps sort in the order they were taken.

A refresh adds exactly one file per domain, written atomically
(:mod:`il6analysis.atomic`) after everything else it computes: a refresh that
fails at any point, including while writing the snapshot, leaves the history
as it was. Snapshots are never rewritten.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from il6analysis.atomic import atomic_write_bytes
from il6analysis.errors import UnknownNameError, UsageError
from il6analysis.paths import history_dir

DOMAINS = ("trials", "labels")
"""Domains with a history: what ``il6 refresh trials`` and ``il6 refresh labels`` snapshot."""

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
SUFFIX = ".parquet"


def domain_dir(folder: str | Path, domain: str) -> Path:
    """Return the history folder of ``domain`` in the refreshed data folder ``folder``.

    Raises:
        UnknownNameError: ``domain`` is not one of :data:`DOMAINS`.
    """
    if domain not in DOMAINS:
        raise UnknownNameError("history domain", domain, [], "valid: " + ", ".join(DOMAINS))
    return history_dir(folder) / domain


def stamps(folder: str | Path, domain: str) -> list[str]:
    """Return the stamps of the snapshots of ``domain``, oldest first (empty when there is none).

    Raises:
        UnknownNameError: ``domain`` is not one of :data:`DOMAINS`.
    """
    where = domain_dir(folder, domain)
    if not where.is_dir():
        return []
    names = [path.name[: -len(SUFFIX)] for path in where.iterdir()
             if path.name.endswith(SUFFIX) and not path.name.startswith(".")]
    return sorted(names, key=_order)


def _order(stamp: str) -> tuple[str, int]:
    base, _, count = stamp.partition("-")
    return base, int(count) if count.isdigit() else 1


def _new_stamp(taken: list[str], now: datetime | None) -> str:
    base = (now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP_FORMAT)
    stamp, count = base, 1
    while stamp in taken:
        count += 1
        stamp = f"{base}-{count}"
    return stamp


def append_snapshot(folder: str | Path, domain: str, frame: pd.DataFrame, now: datetime | None = None) -> Path:
    """Add ``frame`` to the history of ``domain`` as a new dated snapshot.

    Args:
        folder: the refreshed data folder.
        domain: one of :data:`DOMAINS`.
        frame: the rows to keep (written as Parquet with their dtypes, without the index).
        now: the time of the refresh (default: the current time); gives the stamp.

    Returns:
        The file written.

    Raises:
        UnknownNameError: ``domain`` is not one of :data:`DOMAINS`.
        OSError: the snapshot could not be written (full disk, read-only folder);
            the history is unchanged and no temporary file is left.
    """
    where = domain_dir(folder, domain)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{_new_stamp(stamps(folder, domain), now)}{SUFFIX}"
    return atomic_write_bytes(path, buffer.getvalue())


def _held(folder: str | Path, domain: str, stamp: str | None) -> str:
    """Return ``stamp`` (default: the newest) once it is known to be held.

    Raises:
        UsageError: there is no snapshot at all, or none with that stamp.
    """
    held = stamps(folder, domain)
    if not held:
        raise UsageError(f"no {domain} history in {history_dir(folder)}: run `il6 refresh {domain}` first")
    if stamp is not None and stamp not in held:
        raise UsageError(f"no {domain} snapshot {stamp!r} in {domain_dir(folder, domain)}; held: {', '.join(held)}")
    return held[-1] if stamp is None else stamp


def load_snapshot(folder: str | Path, domain: str, stamp: str | None = None) -> pd.DataFrame:
    """Return the snapshot ``stamp`` of ``domain`` (default: the newest), with its dtypes.

    Raises:
        UnknownNameError: ``domain`` is not one of :data:`DOMAINS`.
        UsageError: there is no snapshot at all, or none with that stamp (the
            message lists the stamps held).
    """
    stamp = _held(folder, domain, stamp)
    return pd.read_parquet(domain_dir(folder, domain) / f"{stamp}{SUFFIX}")


def compared_stamps(folder: str | Path, domain: str, old: str | None = None,
                    new: str | None = None) -> tuple[str, str]:
    """Return the two snapshots of ``domain`` to compare: ``new`` (default the newest) and ``old``
    (default the one taken before ``new``).

    Raises:
        UnknownNameError: ``domain`` is not one of :data:`DOMAINS`.
        UsageError: there is no history, a stamp is not held, or no snapshot was taken before ``new``.
    """
    new = _held(folder, domain, new)
    if old is None:
        earlier = stamps(folder, domain)[: stamps(folder, domain).index(new)]
        if not earlier:
            raise UsageError(f"no {domain} snapshot before {new} in {domain_dir(folder, domain)}; "
                             "refresh again to have two")
        return earlier[-1], new
    return _held(folder, domain, old), new
