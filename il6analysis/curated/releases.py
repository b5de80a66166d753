"""Comparing two releases of the data whose schemas may differ: what a data changelog needs.

:func:`il6analysis.curated.changes.diff_datasets` refuses folders of another
schema version, because a field-by-field comparison of different columns is
not defined. Between releases the schema does change (a table or a column is
added), so :func:`diff_releases` compares what the two releases share and says
what they do not:

- a table only in the new release: each of its rows is ``added`` (and only in
  the old: ``removed``);
- a column only in one release is left out of the comparison of its table;
- both are listed as schema notes, one sentence each.

When both files of a table have this package's columns they are read typed
and validated (as ``diff_datasets`` does); otherwise both are read as text,
with only their dates parsed, so both sides are compared the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.curated.changes import concat_changes, diff_tables
from il6analysis.curated.loaders import DATASETS, PRECISION_SUFFIX
from il6analysis.curated.snapshots import (
    expected_columns,
    primary_key,
    raw_table,
    read_table_file,
    read_table_text,
    table_files,
)


def _columns(path: Path, name: str) -> set[str]:
    """The columns of a table file in the package's layout (an export's precision columns folded)."""
    return set(raw_table(name, path).columns)


def _read_pair(name: str, old: Path | None, new: Path | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Both versions of table ``name``: typed when every present file has this package's columns, else as
    text with parsed dates; ``None`` for a side without the file."""
    key = primary_key(name)
    paths = [p for p in (old, new) if p is not None]
    current = all(_columns(p, name) == set(expected_columns(name)) for p in paths)
    read = read_table_file if current else read_table_text
    return tuple(read(name, p, key) if p is not None else None for p in (old, new))  # type: ignore[return-value]


def _schema_notes(name: str, old: pd.DataFrame | None, new: pd.DataFrame | None) -> list[str]:
    """Sentences for a table or columns present in one release only."""
    if old is None:
        return [f"table `{name}` added ({len(new)} rows)"]
    if new is None:
        return [f"table `{name}` removed ({len(old)} rows)"]
    visible = [c for c in [*old.columns, *new.columns] if not c.endswith(PRECISION_SUFFIX)]
    added = [c for c in dict.fromkeys(visible) if c in new.columns and c not in old.columns]
    removed = [c for c in dict.fromkeys(visible) if c in old.columns and c not in new.columns]
    return ([f"`{name}`: column `{c}` added (not compared)" for c in added]
            + [f"`{name}`: column `{c}` removed (not compared)" for c in removed])


def diff_releases(old_folder: str | Path, new_folder: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Compare two dataset folders that may be of different schema versions.

    Returns:
        ``(changes, notes)``: the change frame over every table and the columns both releases have
        (see the module docstring), and one sentence per table or column in one release only.

    Raises:
        UsageError: a folder is missing or is not a dataset, a file is unreadable, lacks its key
            columns or holds a date that does not parse (one line naming the file).
        DuplicateKeyError: a table has a duplicated primary key.
    """
    old_files = table_files(Path(old_folder), require_all=False)
    new_files = table_files(Path(new_folder), require_all=False)
    parts, notes = [], []
    for name in DATASETS:
        if name not in old_files and name not in new_files:
            continue
        old, new = _read_pair(name, old_files.get(name), new_files.get(name))
        notes += _schema_notes(name, old, new)
        old = new.iloc[:0] if old is None else old
        new = old.iloc[:0] if new is None else new
        common = [c for c in new.columns if c in old.columns]
        parts.append(diff_tables(name, old[common], new[common], primary_key(name)))
    return concat_changes(parts), notes
