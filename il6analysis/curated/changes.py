"""The one change model: what changed between two versions of the data, field by field, with both sources.

Every producer of changes (two dataset folders, a refresh against the curated
tables, two versions of a label, two FAERS quarters) speaks this model, so one
command, one report and one changelog read them all.

Contract (stable; other modules rely on it):

- A change is one row of a frame with the columns :data:`CHANGE_COLUMNS`, in
  that order:

  ``domain``
      what was compared: a curated table name (``approvals``, ``trials`` ...)
      or another producer's domain (``labels``, ``faers_signal`` ...);
      lower-case letters, digits and ``_``.
  ``key``
      the changed row's primary key as readable text: the key columns' values
      joined by :data:`KEY_SEPARATOR` (dates at their precision, a missing
      value as :data:`MISSING_KEY`), e.g.
      ``tocilizumab | FDA | rheumatoid-arthritis | IV | approved | adult | 2010-01-08``.
      A changed row is named by its *old* key, an added row by its new one.
  ``field``
      the changed column (missing for an added or removed row).
  ``old``, ``new``
      the values as text (dates at their precision: ``2017``, ``2017-05``,
      ``2017-05-22``; missing when the value is missing, and both missing for
      an added or removed row).
  ``kind``
      ``added`` (a row only in the new version), ``removed`` (only in the
      old), ``changed`` (a field's value differs), ``refined`` (a date whose
      precision increased inside its old interval: ``2017`` -> ``2017-05-22``;
      a date that moves outside its old interval, loses precision, appears or
      disappears is ``changed``).
  ``old_source``, ``new_source``
      the row's source in each version (missing on the side where the row
      does not exist).
  ``old_precision``, ``new_precision``
      for a date field, each side's precision (``day``, ``month``, ``year``);
      missing otherwise.

- :func:`changes_frame` builds a typed, validated (:class:`ChangeSchema`),
  sorted frame from rows, :func:`concat_changes` joins change frames and
  :func:`date_change_kinds` tells ``refined`` from ``changed``; :func:`diff_tables`
  compares two versions of one table by its primary key; :func:`diff_datasets`
  compares every curated table of two dataset folders, each keyed by its schema's
  ``Config.metadata["primary_key"]`` (:func:`primary_key`).
- A row whose key holds a date (approvals) and whose date was corrected gets a new
  key; removed and added rows that agree on every other key column are the same
  row, its date reported as a field, when a new date lies inside exactly one old
  date's period, or when one row of each is left; else they stay removed and added.
- :func:`to_json` writes the JSON form: ``{"schema_version": 1, "format":
  "il6analysis-changes", ...context, "keys": {domain: [key columns]},
  "counts": {domain: {kind: n}}, "changes": [{column: value or null}]}``.
  :data:`JSON_SCHEMA_VERSION` changes only when that layout does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from il6analysis.curated import vocab
from il6analysis.curated.dates import latest_day, partial_date_text
from il6analysis.curated.loaders import DATASETS, PRECISION_SUFFIX
from il6analysis.curated.schemas import pa
from il6analysis.curated.snapshots import primary_key, read_dataset
from il6analysis.errors import DuplicateKeyError, UsageError
from il6analysis.paths import data_folder

CHANGE_COLUMNS = ["domain", "key", "field", "old", "new", "kind", "old_source", "new_source",
                  "old_precision", "new_precision"]
"""The columns of a change frame, in order."""
KINDS = ("added", "removed", "changed", "refined")
"""The kinds of change."""
JSON_SCHEMA_VERSION = 1
"""Version of the JSON layout written by :func:`to_json`."""
JSON_FORMAT = "il6analysis-changes"
KEY_SEPARATOR = " | "
MISSING_KEY = "-"
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


class ChangeSchema(pa.DataFrameModel):
    """A change frame: one row per added or removed row, or per changed field."""

    domain: pa.typing.Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="What was compared.")
    key: pa.typing.Series[str] = pa.Field(description="The row's primary key, readable.")
    field: pa.typing.Series[str] = pa.Field(nullable=True, description="The changed column.")
    old: pa.typing.Series[str] = pa.Field(nullable=True, description="The old value as text.")
    new: pa.typing.Series[str] = pa.Field(nullable=True, description="The new value as text.")
    kind: pa.typing.Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs={"categories": list(KINDS), "ordered": False}, description="added, removed, changed or refined."
    )
    old_source: pa.typing.Series[str] = pa.Field(nullable=True, description="The row's source in the old version.")
    new_source: pa.typing.Series[str] = pa.Field(nullable=True, description="The row's source in the new version.")
    old_precision: pa.typing.Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs={"categories": list(vocab.DATE_PRECISIONS), "ordered": False}, nullable=True,
        description="Precision of the old date.",
    )
    new_precision: pa.typing.Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs={"categories": list(vocab.DATE_PRECISIONS), "ordered": False}, nullable=True,
        description="Precision of the new date.",
    )

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check(error="a changed or refined row names its field; an added or removed row has none")
    def field_iff_field_change(cls, df: pd.DataFrame) -> pa.typing.Series[bool]:
        return df["kind"].isin(["changed", "refined"]) == df["field"].notna()

    @pa.dataframe_check(error="a refined date has both precisions")
    def refined_has_precisions(cls, df: pd.DataFrame) -> pa.typing.Series[bool]:
        return (df["kind"] != "refined") | (df["old_precision"].notna() & df["new_precision"].notna())


def _typed(frame: pd.DataFrame, validate: bool = True) -> pd.DataFrame:
    """``frame`` (columns :data:`CHANGE_COLUMNS`) with the schema's dtypes, validated (unless ``validate`` is
    false: rows this module built itself) and stably sorted by domain and key; raises UsageError naming the
    first broken rule."""
    unknown = frame["kind"].notna() & ~frame["kind"].isin(KINDS)
    if unknown.any():
        raise UsageError(f"unknown change kind {frame['kind'][unknown].iloc[0]!r}; valid: {', '.join(KINDS)}")
    out = pd.DataFrame(index=frame.index)
    for column in CHANGE_COLUMNS:
        values = frame[column].astype("object").where(frame[column].notna(), None)
        if column == "kind":
            out[column] = pd.Categorical(values, categories=list(KINDS))
        elif column.endswith("_precision"):
            out[column] = pd.Categorical(values, categories=list(vocab.DATE_PRECISIONS))
        else:
            out[column] = values.astype("str")
    try:
        if validate:
            ChangeSchema.validate(out)
    except pa.errors.SchemaError as exc:
        raise UsageError(f"not a valid change row: {str(exc).splitlines()[0]}") from None
    return out.sort_values(["domain", "key"], kind="stable").reset_index(drop=True)


@functools.cache
def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=CHANGE_COLUMNS))


def _no_change() -> pd.DataFrame:
    """An empty change frame (a fresh copy)."""
    return _empty().copy()


def changes_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Return the change frame of ``rows`` (mappings with some of :data:`CHANGE_COLUMNS`; absent ones
    are missing): typed, columns in order, validated by :class:`ChangeSchema`, sorted stably by domain
    and key (rows of one key keep their order).

    Raises:
        UsageError: a row has a column that is not a change column, an unknown kind, or breaks a rule
            of :class:`ChangeSchema` (a field on an added row, a refined date without precisions ...).
    """
    rows = [dict(row) for row in rows]
    unknown = sorted({name for row in rows for name in row} - set(CHANGE_COLUMNS))
    if unknown:
        raise UsageError(f"unknown change column(s) {', '.join(unknown)}; valid: {', '.join(CHANGE_COLUMNS)}")
    return _typed(pd.DataFrame(rows, columns=CHANGE_COLUMNS))


def concat_changes(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Return one change frame holding the rows of every change frame in ``frames`` (typed, validated and
    sorted as :func:`changes_frame` does).

    Raises:
        UsageError: a row breaks a rule of :class:`ChangeSchema`.
    """
    frames = [frame[CHANGE_COLUMNS] for frame in frames]
    return _typed(pd.concat(frames, ignore_index=True)) if frames else changes_frame([])


def date_change_kinds(old_dates: pd.Series, old_precisions: pd.Series,
                      new_dates: pd.Series, new_precisions: pd.Series) -> pd.Series:
    """Return ``"refined"`` where the new date is more precise than the old and lies inside the old
    date's interval, else ``"changed"`` (aligned series; a missing date or precision is ``changed``)."""
    old_precisions, new_precisions = old_precisions.astype("object"), new_precisions.astype("object")
    finer = new_precisions.map(_PRECISION_RANK) < old_precisions.map(_PRECISION_RANK)
    inside = (new_dates >= old_dates) & (latest_day(new_dates, new_precisions) <= latest_day(old_dates, old_precisions))
    refined = (finer & inside).fillna(False).astype(bool)
    return pd.Series(["refined" if r else "changed" for r in refined], index=old_dates.index, dtype="str")


def _date_columns(frame: pd.DataFrame) -> list[str]:
    """The date columns of ``frame``: datetime columns with a ``<name>_precision`` beside them."""
    return [c for c in frame.columns
            if pd.api.types.is_datetime64_any_dtype(frame[c]) and f"{c}{PRECISION_SUFFIX}" in frame.columns]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every compared column of ``frame`` as text (dates at their precision), missing stays missing;
    the precision columns of dates are folded into their dates."""
    dates = _date_columns(frame)
    folded = {f"{c}{PRECISION_SUFFIX}" for c in dates}
    shown = [c for c in frame.columns if c not in folded]
    plain = frame[[c for c in shown if c not in dates]]
    text = plain.astype("str").where(plain.notna())
    for column in dates:
        written = partial_date_text(frame[column], frame[f"{column}{PRECISION_SUFFIX}"])
        text[column] = written.where(written != "")
    return text[shown].reset_index(drop=True)


def _key_text(text: pd.DataFrame, key: Sequence[str]) -> pd.Series:
    """Each row's key as readable text (see the module docstring)."""
    parts = [text[column].fillna(MISSING_KEY).astype("str") for column in key]
    return parts[0].str.cat(parts[1:], sep=KEY_SEPARATOR) if len(parts) > 1 else parts[0]


def _check_duplicates(domain: str, side: str, text: pd.DataFrame, key: Sequence[str]) -> None:
    duplicated = text.duplicated(list(key), keep=False)
    if duplicated.any():
        values = text.loc[duplicated, list(key)].iloc[0].fillna(MISSING_KEY).tolist()
        raise DuplicateKeyError(f"{domain} ({side})", key, values)


def _moved_pairs(old: pd.DataFrame, new: pd.DataFrame, old_text: pd.DataFrame, new_text: pd.DataFrame,
                 removed: list[int], added: list[int], key: Sequence[str],
                 dates: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (old row, new row) among removed and added rows whose keys differ only in dates: within each group
    agreeing on the other key columns, first a new row whose dates lie inside exactly one old row's date
    intervals (and the other way round), then a last old and new row left alone in their group."""
    identity = [c for c in key if c not in dates]
    if len(identity) == len(key) or not removed or not added:
        return []
    old, new = old.reset_index(drop=True), new.reset_index(drop=True)

    def interval(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
        precision = frame[f"{column}{PRECISION_SUFFIX}"].astype("object")
        return frame[column], latest_day(frame[column], precision)

    spans = {c: (interval(old, c), interval(new, c)) for c in dates}

    def inside(i: int, j: int) -> bool:
        return all(spans[c][0][0][i] <= spans[c][1][0][j] and spans[c][1][1][j] <= spans[c][0][1][i] for c in dates)

    groups: dict[tuple, tuple[list[int], list[int]]] = {}
    for side, text, rows in ((0, old_text, removed), (1, new_text, added)):
        for row, value in zip(rows, text.loc[rows, identity].fillna(MISSING_KEY).itertuples(index=False)):
            groups.setdefault(tuple(value), ([], []))[side].append(row)
    pairs = []
    for olds, news in groups.values():
        matches = [(i, j) for i in olds for j in news if inside(i, j)]
        for i, j in matches:
            if sum(a == i for a, _ in matches) == 1 and sum(b == j for _, b in matches) == 1:
                pairs.append((i, j))
        left_old = [i for i in olds if i not in {a for a, _ in pairs}]
        left_new = [j for j in news if j not in {b for _, b in pairs}]
        if len(left_old) == 1 and len(left_new) == 1:
            pairs.append((left_old[0], left_new[0]))
    return pairs


def diff_tables(domain: str, old: pd.DataFrame, new: pd.DataFrame, key: list[str],
                source_column: str | None = "source") -> pd.DataFrame:
    """Compare two versions of one table row by row, keyed by ``key``.

    Columns are compared as text (dates at their precision, with ``<date>_precision`` columns folded
    into their dates, so a precision change is a change of the date). Rows in ``old`` only are
    ``removed``, rows in ``new`` only ``added``; each differing field of a row in both is ``changed``,
    or ``refined`` for a date made more precise inside its old interval.

    Returns:
        The change frame (see the module docstring); empty when the versions are the same.

    Raises:
        DuplicateKeyError: ``key`` is duplicated in ``old`` or ``new`` (names the domain, side and key).
        UsageError: the two versions have different columns, or lack a key or source column.
    """
    if set(old.columns) != set(new.columns):
        only_old, only_new = sorted(set(old.columns) - set(new.columns)), sorted(set(new.columns) - set(old.columns))
        raise UsageError(f"{domain}: the two versions have different columns "
                         f"(only old: {', '.join(only_old) or 'none'}; "
                         f"only new: {', '.join(only_new) or 'none'}); compare tables of one schema version")
    needed = list(key) + ([source_column] if source_column else [])
    missing = [c for c in needed if c not in old.columns]
    if missing:
        raise UsageError(f"{domain}: no column {', '.join(missing)}; valid: {', '.join(map(str, old.columns))}")
    dates = _date_columns(old)
    old_text, new_text = _as_text(old), _as_text(new[list(old.columns)])
    _check_duplicates(domain, "old", old_text, key)
    _check_duplicates(domain, "new", new_text, key)
    old_keys, new_keys = _key_text(old_text, key), _key_text(new_text, key)
    new_position = {k: i for i, k in new_keys.items()}
    old_set = set(old_keys)
    pairs = [(i, new_position[k]) for i, k in old_keys.items() if k in new_position]
    removed = [i for i, k in old_keys.items() if k not in new_position]
    added = [i for i, k in new_keys.items() if k not in old_set]
    moved = _moved_pairs(old, new, old_text, new_text, removed, added, key, dates)
    removed = sorted(set(removed) - {i for i, _ in moved})
    added = sorted(set(added) - {j for _, j in moved})
    pairs += moved

    fields = _field_changes(domain, old, new, old_text, new_text, old_keys, pairs, dates, source_column)
    if not removed and not added and fields.empty:
        return _no_change()

    def sources(text: pd.DataFrame, rows: list[int]) -> list:
        return text[source_column].iloc[rows].tolist() if source_column else [None] * len(rows)

    parts = [
        pd.DataFrame({"domain": domain, "key": old_keys.iloc[removed].tolist(), "kind": "removed",
                      "old_source": sources(old_text, removed)}),
        pd.DataFrame({"domain": domain, "key": new_keys.iloc[added].tolist(), "kind": "added",
                      "new_source": sources(new_text, added)}),
        fields,
    ]
    return _typed(pd.concat([p.reindex(columns=CHANGE_COLUMNS) for p in parts], ignore_index=True), validate=False)


def _field_changes(domain: str, old: pd.DataFrame, new: pd.DataFrame, old_text: pd.DataFrame,
                   new_text: pd.DataFrame, old_keys: pd.Series, pairs: list[tuple[int, int]],
                   dates: Sequence[str], source_column: str | None) -> pd.DataFrame:
    """One row per differing field of each (old row, new row) pair, in pair then column order."""
    old_rows, new_rows = [i for i, _ in pairs], [j for _, j in pairs]
    before = old_text.iloc[old_rows].reset_index(drop=True)
    after = new_text.iloc[new_rows].reset_index(drop=True)
    differs = before.fillna("\0") != after.fillna("\0")
    pair_index, column_index = differs.to_numpy().nonzero()
    order = sorted(zip(pair_index, column_index))
    pair_index, column_index = [p for p, _ in order], [c for _, c in order]
    fields = [before.columns[c] for c in column_index]
    frame = pd.DataFrame({
        "domain": domain,
        "key": old_keys.iloc[[old_rows[p] for p in pair_index]].tolist(),
        "field": fields,
        "old": [before.iat[p, c] for p, c in zip(pair_index, column_index)],
        "new": [after.iat[p, c] for p, c in zip(pair_index, column_index)],
        "kind": "changed",
        "old_source": before[source_column].iloc[pair_index].tolist() if source_column else None,
        "new_source": after[source_column].iloc[pair_index].tolist() if source_column else None,
    })
    for column in dates:
        at = [i for i, f in enumerate(fields) if f == column]
        if not at:
            continue
        precision = f"{column}{PRECISION_SUFFIX}"
        o = old.iloc[[old_rows[pair_index[i]] for i in at]].reset_index(drop=True)
        n = new.iloc[[new_rows[pair_index[i]] for i in at]].reset_index(drop=True)
        frame.loc[at, "kind"] = date_change_kinds(o[column], o[precision], n[column], n[precision]).tolist()
        frame.loc[at, "old_precision"] = o[precision].astype("object").tolist()
        frame.loc[at, "new_precision"] = n[precision].astype("object").tolist()
    return frame


def diff_datasets(old_folder: str | Path, new_folder: str | Path | None = None) -> pd.DataFrame:
    """Compare every curated table of two dataset folders.

    Args:
        old_folder: a dataset folder: the package's layout (a refreshed data folder, a copy of the
            tables) or one written by ``il6 data export --format csv``.
        new_folder: another; by default the package's data (``$IL6_DATA_DIR`` or the shipped tables).

    Returns:
        The change frame of every table, each keyed by :func:`primary_key`.

    Raises:
        UsageError: a folder is missing, is not a dataset, lacks a table's file, holds a table of
            another schema version or one that breaks its schema (one line naming the file).
        DuplicateKeyError: a table has a duplicated primary key (names the file and the key).
    """
    old, new = read_dataset(old_folder), read_dataset(data_folder(new_folder))
    return concat_changes(diff_tables(name, old[name], new[name], primary_key(name)) for name in DATASETS)


def count_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Return the number of changes per domain and kind: one row per domain with a change, one column
    per kind (in :data:`KINDS` order) and ``total``."""
    counts = pd.crosstab(changes["domain"], changes["kind"]).reindex(columns=list(KINDS), fill_value=0)
    counts.columns = list(KINDS)
    counts["total"] = counts.sum(axis=1)
    return counts.rename_axis("domain").reset_index()


def to_json(changes: pd.DataFrame, **context: object) -> str:
    """Return the JSON form of ``changes`` (see the module docstring); ``context`` (e.g. ``old=``,
    ``new=`` folders) is written beside the schema version, as text."""
    records = [{c: (None if pd.isna(v) else str(v)) for c, v in row.items()}
               for row in changes[CHANGE_COLUMNS].astype("object").to_dict("records")]
    counts = {row["domain"]: {k: int(row[k]) for k in (*KINDS, "total")}
              for row in count_changes(changes).to_dict("records")}
    keys = {d: primary_key(d) for d in sorted(set(changes["domain"])) if d in DATASETS}
    document = {"schema_version": JSON_SCHEMA_VERSION, "format": JSON_FORMAT,
                **{k: str(v) for k, v in context.items()}, "keys": keys, "counts": counts, "changes": records}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
