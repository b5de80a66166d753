"""Reading a whole dataset folder to compare it with another: either layout, every table checked.

Two layouts are read:

- the package's own (the shipped tables, a refreshed data folder, a copy):
  partial dates as written (``2017``, ``2017-05``, ``2017-05-22``);
- ``il6 data export --format csv``: every date written as a day, with its
  precision in a ``<date>_precision`` column beside it.

Each table is turned back into the package layout and parsed by the loaders'
strict reader, so both sides are typed and validated the same way. Every
problem is a one-line :class:`~il6analysis.errors.UsageError` naming the file
and what is valid; a duplicated primary key is a
:class:`~il6analysis.errors.DuplicateKeyError` naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from il6analysis.curated.csvtext import read_csv_text
from il6analysis.curated.dates import format_partial_date, parse_partial_dates
from il6analysis.curated.loaders import DATASETS, PRECISION_SUFFIX, column_dtypes, get_dataset, parse_table
from il6analysis.errors import DataValidationError, DuplicateKeyError, UsageError

_VALID = ("give a folder written by `il6 data export --format csv`, a refreshed data folder "
          "or a copy of the package's tables")


def primary_key(table: str) -> list[str]:
    """Return the primary-key columns of curated table ``table``: its schema's
    ``Config.metadata["primary_key"]``, else its multi-column uniqueness (``Config.unique``), else its
    one column declared unique.

    Raises:
        UnknownNameError: no such table.
        UsageError: the schema declares none of these (or several unique columns and no key).
    """
    model = get_dataset(table).schema
    schema = model.to_schema()
    declared = (getattr(model.Config, "metadata", None) or {}).get("primary_key")
    unique_columns = [name for name, column in schema.columns.items() if column.unique]
    key = declared or schema.unique or (unique_columns if len(unique_columns) == 1 else None)
    if not key:
        raise UsageError(f"table {table!r} declares no primary key; give its schema "
                         'Config.metadata = {"primary_key": [columns]}')
    return list(key)


def table_files(folder: Path, require_all: bool = True) -> dict[str, Path]:
    """Return each table's CSV file in ``folder`` by table name (only those present unless
    ``require_all``).

    Raises:
        UsageError: the folder is missing, is not a dataset (holds no table file), lacks a table's
            file (when ``require_all``), or holds a folder in place of one.
    """
    if not folder.exists():
        raise UsageError(f"{folder} does not exist; {_VALID}")
    if not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a dataset folder; {_VALID}")
    files = {name: folder / dataset.filename for name, dataset in DATASETS.items()}
    present = {name: path for name, path in files.items() if path.exists()}
    if not present:
        other = sorted({p.suffix for p in folder.iterdir() if p.suffix in {".parquet", ".xlsx"}})
        hint = f" (it holds {', '.join(other)} files: export with --format csv)" if other else ""
        raise UsageError(f"{folder} is not a dataset folder: it holds none of the tables' files "
                         f"({', '.join(d.filename for d in DATASETS.values())}){hint}; {_VALID}")
    missing = [str(path) for name, path in files.items() if name not in present]
    if missing and require_all:
        more = f" (and {len(missing) - 1} more table files)" if len(missing) > 1 else ""
        raise UsageError(f"{missing[0]} is missing{more}; "
                         f"a dataset folder holds every table: {', '.join(d.filename for d in DATASETS.values())} "
                         "(an earlier release without some of them: `il6 changes --across-versions`)")
    for path in present.values():
        if not path.is_file():
            raise UsageError(f"{path} is a folder, not a CSV file; {_VALID}")
    return present


def _date_columns(name: str) -> list[str]:
    return [c for c, t in column_dtypes(name).items() if str(t).startswith("datetime64")]


def expected_columns(name: str) -> list[str]:
    """Return the columns of table ``name``'s CSV file in the package's layout (no derived precision columns)."""
    dates = _date_columns(name)
    derived = {f"{c}{PRECISION_SUFFIX}" for c in dates}
    return [c for c in column_dtypes(name) if c not in derived]


def raw_table(name: str, path: Path) -> pd.DataFrame:
    """Return the CSV file ``path`` of table ``name`` as text in the package's layout: where an export
    wrote a date as a day beside its ``<date>_precision``, the partial date again.

    Raises:
        DataValidationError: the file is empty, not UTF-8 or not CSV, or a row's field count is wrong.
        ValueError: an exported date is not a date.
    """
    raw = read_csv_text(name, path.read_bytes())
    exported = [c for c in _date_columns(name) if c in raw.columns and f"{c}{PRECISION_SUFFIX}" in raw.columns]
    for column in exported:
        precision = raw[f"{column}{PRECISION_SUFFIX}"]
        raw[column] = [None if pd.isna(d) or pd.isna(p) else format_partial_date(pd.Timestamp(d), p)
                       for d, p in zip(raw[column], precision)]
    return raw.drop(columns=[f"{c}{PRECISION_SUFFIX}" for c in exported])


def _check_version(name: str, path: Path, raw: pd.DataFrame) -> None:
    """Raise UsageError when ``raw``'s columns are not this package's layout of table ``name``."""
    expected, columns = expected_columns(name), list(raw.columns)
    if set(columns) != set(expected):
        missing = [c for c in expected if c not in columns]
        extra = [c for c in columns if c not in expected]
        raise UsageError(f"{path} is of another schema version than this package's {name} table "
                         f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'}); "
                         f"compare folders of one schema version, with the columns {', '.join(expected)} "
                         "(or compare what both have: `il6 changes --across-versions`)")


def _check_key(path: Path, raw: pd.DataFrame, key: list[str]) -> None:
    absent = [c for c in key if c not in raw.columns]
    if absent:
        raise UsageError(f"{path} has no key column {', '.join(absent)}; "
                         f"its rows cannot be matched by ({', '.join(key)})")
    duplicated = raw.duplicated(key, keep=False)
    if duplicated.any():
        raise DuplicateKeyError(str(path), key, raw.loc[duplicated, key].iloc[0].fillna("").tolist())


def _invalid(name: str, path: Path, exc: Exception) -> UsageError:
    """The one-line error of a file that cannot be read as table ``name``."""
    if isinstance(exc, DataValidationError):
        problems = exc.problems
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        return UsageError(f"{path} is not a valid {name} table: {problems[0]}{more}; "
                          f"check it with `il6 data validate --data-dir {path.parent}`")
    return UsageError(f"{path} is not a valid {name} table: {exc}")


def read_table_file(name: str, path: Path, key: list[str]) -> pd.DataFrame:
    """Return table ``name`` read from ``path`` (either layout), typed and validated.

    Raises:
        UsageError: the file is unreadable, of another schema version, or breaks the table's schema
            (the first problem and how many there are).
        DuplicateKeyError: two rows share the primary key ``key``.
    """
    try:
        raw = raw_table(name, path)
        _check_version(name, path, raw)
        _check_key(path, raw, key)
        return parse_table(name, raw.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    except UsageError:
        raise
    except (DataValidationError, ValueError) as exc:
        raise _invalid(name, path, exc) from None


def read_table_text(name: str, path: Path, key: list[str]) -> pd.DataFrame:
    """Return table ``name`` read from ``path`` as text, whatever columns it has (a file of another
    schema version): each value as written, except the dates this package's schema knows, which are
    parsed into the date and its ``<date>_precision``. Nothing else is checked.

    Raises:
        UsageError: the file is unreadable, lacks a key column, or holds a date that does not parse.
        DuplicateKeyError: two rows share the primary key ``key``.
    """
    try:
        raw = raw_table(name, path)
        _check_key(path, raw, key)
        for column in [c for c in _date_columns(name) if c in raw.columns]:
            dates, precisions, bad = parse_partial_dates(raw[column])
            if bad:
                raise ValueError(f"line {bad[0] + 2}, column {column!r}: {raw.at[bad[0], column]!r} is not a date")
            raw[column], raw[f"{column}{PRECISION_SUFFIX}"] = dates, precisions.where(dates.notna())
        return raw
    except UsageError:
        raise
    except (DataValidationError, ValueError) as exc:
        raise _invalid(name, path, exc) from None


def read_dataset(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Return every curated table of ``folder`` (either layout), typed and validated, by table name.

    Raises:
        UsageError: the folder is missing or not a dataset, a table file is missing, of another
            schema version, or invalid (one line naming the file and what is valid).
        DuplicateKeyError: a table has a duplicated primary key.
    """
    folder = Path(folder)
    return {name: read_table_file(name, path, primary_key(name)) for name, path in table_files(folder).items()}
