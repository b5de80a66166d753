"""Loading the curated tables: CSV package data -> typed, validated DataFrames.

The tables ship inside the package (``il6analysis/curated/data/*.csv``); a
folder of the same files can be read instead. Each CSV is read as text
(strictly, see :mod:`il6analysis.curated.csvtext`), every column is converted to the dtype its schema
declares with strict parsing (a value that does not parse is reported, never
turned into a missing value), and the result is validated against its
pandera schema. Every problem in a table is reported at once, with the CSV
line, column and rule.

Parsed tables are cached; every loader returns a fresh copy, so a caller that
mutates its frame cannot change what the next call returns.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from il6analysis.curated import coverage_schema, efficacy_schema, schemas
from il6analysis.curated.csvtext import read_csv_text
from il6analysis.curated.dates import parse_partial_dates
from il6analysis.curated.matching import closest
from il6analysis.curated.schema_problems import schema_problems
from il6analysis.curated.schemas import pa
from il6analysis.errors import DataValidationError, Problem, UnknownNameError, UsageError
from il6analysis.paths import data_folder

PRECISION_SUFFIX = "_precision"
_INTEGER = re.compile(r"^\d+$")
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Dataset:
    """A curated table: its name (and CSV file stem), schema and one-line description."""

    name: str
    schema: type[pa.DataFrameModel]
    description: str

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("agents", schemas.Agents, "IL-6 pathway agents: modality, target, mechanism, status, identifiers."),
        Dataset("agent_names", schemas.AgentNames, "Every INN, brand, code name and synonym of each agent."),
        Dataset("targets", schemas.Targets, "IL-6 pathway nodes: ligand, receptors, complex, downstream kinases."),
        Dataset("indications", schemas.Indications, "Approved indications and trial conditions, with cancer grouping."),
        Dataset("approvals", schemas.Approvals, "Regulatory actions per agent, agency, indication and route."),
        Dataset("trials", schemas.Trials, "Clinical trials per agent and condition (ClinicalTrials.gov)."),
        Dataset("trial_partners", schemas.TrialPartners, "Combination partners of the trials, with drug class."),
        Dataset("adverse_events", schemas.AdverseEvents, "Label adverse-reaction tables: % in drug and comparator arms."),
        Dataset("label_frequencies", schemas.LabelFrequencies, "Label adverse reactions by frequency category (EU SmPC 4.8)."),
        Dataset("warnings", schemas.Warnings, "Labelled warnings and precautions, boxed or not."),
        Dataset("label_coverage", coverage_schema.LabelCoverage, "How much of each agent's label sections the label tables hold."),
        Dataset("efficacy", efficacy_schema.Efficacy, "Pivotal-trial efficacy per arm, endpoint and week, beside its comparator."),
    )
}


def get_dataset(name: str) -> Dataset:
    """Return the :class:`Dataset` called ``name``.

    Raises:
        UnknownNameError: ``name`` is not a curated table (message lists close matches).
        UsageError: ``name`` is not text; the message lists the tables.
    """
    if not isinstance(name, str):
        raise UsageError(f"table name must be text (str), not {type(name).__name__} {name!r}; valid: {', '.join(DATASETS)}")
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError(
            "table", name, closest(name, DATASETS), valid_hint="valid: " + ", ".join(DATASETS)
        ) from None


def _table_path(name: str, folder: Path) -> Path:
    """Return table ``name``'s CSV file in ``folder``; raises UsageError (no such folder) or
    DataValidationError (the file is missing or is a folder)."""
    if not folder.is_dir():
        raise UsageError(f"data folder {folder} does not exist or is not a folder; give a folder holding the "
                         "tables' CSV files (--data-dir, $IL6_DATA_DIR or data_dir=), or none for the shipped tables; "
                         "loaders take no filter: select rows of the returned frame instead")
    path = folder / get_dataset(name).filename
    if path.is_dir():
        raise DataValidationError([Problem(name, None, None, f"{path} is a folder, not a CSV file")])
    if not path.is_file():
        raise DataValidationError([Problem(name, None, None, f"table file is missing: {path}")])
    return path


PROVENANCE_COLUMNS = ("source", "source_kind", "notes")


def _columns(dataset: Dataset) -> dict[str, pa.Column]:
    """The schema's columns in display order: the table's own, then provenance."""
    columns = dataset.schema.to_schema().columns
    order = [c for c in columns if c not in PROVENANCE_COLUMNS] + [c for c in PROVENANCE_COLUMNS if c in columns]
    return {c: columns[c] for c in order}


def column_order(name: str) -> list[str]:
    """Return the columns of table ``name`` in the order loaders return them."""
    return list(_columns(get_dataset(name)))


def column_dtypes(name: str) -> dict[str, Any]:
    """Return column -> pandas dtype of table ``name``, as its schema declares them.

    Raises:
        UnknownNameError: no such table.
    """
    return {column: spec.dtype.type for column, spec in _columns(get_dataset(name)).items()}


def _derived_columns(dataset: Dataset) -> set[str]:
    return {name + PRECISION_SUFFIX for name, col in _columns(dataset).items() if _is_datetime(col)}


def _is_datetime(column: pa.Column) -> bool:
    return str(column.dtype).startswith("datetime64")


def _convert(table: str, raw: pd.DataFrame, dataset: Dataset) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert text columns to the schema's dtypes, reporting every value that does not parse."""
    problems: list[Problem] = []
    out: dict[str, pd.Series] = {}

    def report(labels: Any, column: str, rule: str) -> None:
        for label in labels:
            problems.append(Problem(table, int(label) + 2, column, rule, str(raw.at[label, column])))

    for name, column in _columns(dataset).items():
        if name not in raw.columns:
            continue  # derived or missing: handled by the caller
        values = raw[name]
        dtype = str(column.dtype)
        present = values.notna()
        if dtype == "category":
            allowed = list(column.dtype.type.categories)
            invalid = present & ~values.isin(allowed)
            report(values.index[invalid], name, "not an allowed value; valid: " + ", ".join(allowed))
            out[name] = pd.Series(
                pd.Categorical(values.where(~invalid), categories=allowed, ordered=column.dtype.type.ordered),
                index=values.index,
            )
        elif _is_datetime(column):
            dates, precision, bad = parse_partial_dates(values)
            report(bad, name, "not a valid date; expected YYYY-MM-DD, YYYY-MM or YYYY")
            precision_column = _columns(dataset)[name + PRECISION_SUFFIX]
            out[name] = dates
            out[name + PRECISION_SUFFIX] = pd.Series(
                pd.Categorical(precision, categories=list(precision_column.dtype.type.categories)),
                index=values.index,
            )
        elif dtype == "Int64":
            invalid = present & ~values.str.fullmatch(_INTEGER.pattern).fillna(False).astype(bool)
            report(values.index[invalid], name, "not a whole number")
            out[name] = pd.Series(
                [int(v) if isinstance(v, str) and not bad else None for v, bad in zip(values, invalid)],
                index=values.index, dtype="Int64",
            )
        elif dtype.startswith("float"):
            numbers = pd.to_numeric(values, errors="coerce")
            invalid = present & numbers.isna()
            report(values.index[invalid], name, "not a number")
            out[name] = numbers.astype("float64")
        elif dtype == "boolean":
            lowered = values.str.lower()
            invalid = present & ~lowered.isin(list(_BOOLEANS))
            report(values.index[invalid], name, "not a boolean; valid: true, false")
            out[name] = pd.array([_BOOLEANS.get(v) if isinstance(v, str) else None for v in lowered], dtype="boolean")
        else:
            out[name] = values.astype("str")
    frame = pd.DataFrame(out, index=raw.index)
    ordered = [c for c in _columns(dataset) if c in frame.columns]
    return frame[ordered], problems


def parse_table(name: str, data: bytes) -> pd.DataFrame:
    """Parse and validate the CSV text ``data`` of table ``name``.

    The same text is parsed once per process (comparing releases reads one table's text many
    times); each call returns its own copy.

    Returns:
        The typed DataFrame, columns in schema order.

    Raises:
        UnknownNameError: ``name`` is not a curated table.
        DataValidationError: the text is empty, not UTF-8 or not CSV, a row has
            more or fewer fields than the header, a value does not parse or a
            schema rule fails; every problem is listed with its CSV line, column and rule.
    """
    return _parsed(name, bytes(data)).copy(deep=True)


@functools.lru_cache(maxsize=128)
def _parsed(name: str, data: bytes) -> pd.DataFrame:
    """The uncached work of :func:`parse_table` (same returns and errors)."""
    dataset = get_dataset(name)
    raw = read_csv_text(name, data)
    expected = [c for c in _columns(dataset) if c not in _derived_columns(dataset)]
    problems = [Problem(name, 1, c, "required column is missing") for c in expected if c not in raw.columns]
    problems += [Problem(name, 1, c, "unexpected column (not in the schema)") for c in raw.columns if c not in expected]
    if problems:
        raise DataValidationError(problems)
    frame, problems = _convert(name, raw, dataset)
    known = {(p.line, p.column) for p in problems}
    problems += schema_problems(name, frame, raw, dataset.schema, known)
    if problems:
        raise DataValidationError(problems)
    return frame


@functools.cache
def _load_cached(name: str, folder: str, stamp: int) -> pd.DataFrame:
    """Parse table ``name`` from ``folder``; ``stamp`` (the file's mtime) keys the cache."""
    return _parsed(name, (Path(folder) / get_dataset(name).filename).read_bytes())


def load_table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Return curated table ``name`` as a typed, validated DataFrame (a fresh copy).

    Args:
        name: one of :data:`DATASETS` (see :func:`list_datasets`).
        data_dir: a folder holding ``<name>.csv`` to read instead of the
            tables shipped with the package (default: ``$IL6_DATA_DIR`` if
            set, else the shipped tables).

    Raises:
        UnknownNameError: ``name`` is not a curated table.
        UsageError: the data folder does not exist.
        DataValidationError: ``<name>.csv`` is missing, is a folder, or breaks its schema.
    """
    folder = data_folder(data_dir)
    path = _table_path(name, folder)
    return _load_cached(name, str(folder.resolve()), path.stat().st_mtime_ns).copy(deep=True)


def load_agents(data_dir: str | Path | None = None) -> pd.DataFrame:
    """IL-6 pathway agents, one row per agent (a biosimilar is its own agent).

    Returns the ``agents`` table (see ``describe("agents")``) plus two display
    columns derived from ``agent_names``: ``brand_names`` and ``code_names``,
    each the agent's names of that type joined with ``"; "`` (empty when none).
    """
    agents = load_table("agents", data_dir)
    names = load_table("agent_names", data_dir)
    for name_type, column in (("brand", "brand_names"), ("code", "code_names")):
        joined = names[names["name_type"] == name_type].groupby("agent_id")["name"].agg("; ".join)
        agents[column] = agents["agent_id"].map(joined).astype("str")
    return agents


def load_agent_names(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every name of every agent: ``agent_id, name, name_type, source, notes``."""
    return load_table("agent_names", data_dir)


def load_targets(data_dir: str | Path | None = None) -> pd.DataFrame:
    """IL-6 pathway targets: IL-6, IL-6R, gp130, the IL-6:sIL-6R complex, JAK1/JAK2/STAT3."""
    return load_table("targets", data_dir)


def load_indications(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Indications and trial conditions with category, MeSH ID and cancer type."""
    return load_table("indications", data_dir)


def load_approvals(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Regulatory actions: one row per agent x agency x indication x route x outcome.

    ``approval_date`` is the regulator's action date, as a datetime; its
    precision (``day``, ``month``, ``year``) is in ``approval_date_precision``.
    """
    return load_table("approvals", data_dir)


def load_trials(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Clinical trials, one row per trial x IL-6 agent x condition.

    Trial-level columns (title, phase, status, start date, enrolment) repeat
    on each row of a trial: count trials with ``nunique("nct_id")`` and sum
    enrolment over ``drop_duplicates("nct_id")``. Combination partners are in
    :func:`load_trial_partners`.
    """
    return load_table("trials", data_dir)


def load_trial_partners(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Combination partners per trial: ``nct_id, partner, partner_class``."""
    return load_table("trial_partners", data_dir)


def load_adverse_events(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Label adverse-reaction tables: % of patients in the drug and comparator arms."""
    return load_table("adverse_events", data_dir)


def load_label_frequencies(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Label adverse reactions with their frequency category (``very_common`` ... ``not_known``,
    an ordered categorical), one row per agent x label x population x term."""
    return load_table("label_frequencies", data_dir)


def load_warnings(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Labelled warnings and precautions per agent, with ``boxed`` True for boxed warnings."""
    return load_table("warnings", data_dir)


PRIMARY_SOURCE_KINDS = ("regulator", "registry")
"""Source kinds that are the primary record: the regulator's own, or the trial registry's."""


def list_datasets(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Return one row per curated table: ``table, description, rows, columns, primary_sources``.

    ``primary_sources`` is the share of rows whose ``source_kind`` is a primary
    record (:data:`PRIMARY_SOURCE_KINDS`), as a percentage rounded to a whole number.

    Raises:
        DataValidationError: a table is missing or breaks its schema.
    """
    rows = []
    for dataset in DATASETS.values():
        frame = load_table(dataset.name, data_dir)
        primary = round(100 * frame["source_kind"].isin(PRIMARY_SOURCE_KINDS).mean()) if len(frame) else 0
        rows.append((dataset.name, dataset.description, len(frame), frame.shape[1], f"{primary}%"))
    return pd.DataFrame(rows, columns=["table", "description", "rows", "columns", "primary_sources"])


def describe(name: str) -> pd.DataFrame:
    """Return the data dictionary of table ``name``.

    One row per column: ``column, dtype, required, description, allowed``
    (the allowed values of a categorical column, or the format rule of an
    identifier column).

    Raises:
        UnknownNameError: ``name`` is not a curated table.
    """
    rows = []
    for column_name, column in _columns(get_dataset(name)).items():
        dtype = str(column.dtype)
        if dtype == "category":
            allowed = ", ".join(column.dtype.type.categories)
        else:
            allowed = "; ".join(
                str(check.statistics.get("pattern", "")) for check in column.checks if "pattern" in check.statistics
            )
        rows.append((column_name, dtype, not column.nullable, column.description or "", allowed))
    return pd.DataFrame(rows, columns=["column", "dtype", "required", "description", "allowed"])
