"""Report parameters: read from a notebook's ``parameters`` cell, checked before any kernel starts.

papermill only warns about a parameter the notebook does not declare and
passes values through untyped. Here every parameter is checked against the
notebook's declaration: unknown names are errors that name the valid ones,
values are converted to the declared type, and names of agents, indications
and cancer types go through the resolvers. All problems are reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from il6analysis.analysis.efficacy import resolve_population
from il6analysis.analysis.trials import REGIMEN_ORDER
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.matching import closest
from il6analysis.curated.names import resolve_agent, resolve_cancer_type, resolve_choice, resolve_indication
from il6analysis.errors import ParameterError, StoreError, UnknownNameError, UsageError
from il6analysis.paths import absolute
from il6analysis.reporting.catalog import Report


def _iso_date(value: str) -> str:
    if value == "":
        return value
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date as YYYY-MM-DD") from None


def _percentage(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"{value!r} is not a percentage between 0 and 100")
    return value


def _faers_database(value: str) -> str:
    """An explicitly given FAERS database: made absolute (the kernel runs elsewhere) and
    required to exist; ``""`` keeps the default location."""
    if not value:
        return value
    from il6analysis.faers.signals import database_exists

    path = absolute(value)
    if not database_exists(path):
        raise ValueError(f"no FAERS store at {path}; give a folder written by `il6 refresh faers --db PATH`, "
                         "or leave faers_db empty for the default ($IL6_FAERS_DB or data/faers)")
    return str(path)


def _faers_store_missing(values: Mapping[str, Any]) -> str | None:
    """The problem of a report asking for FAERS (``source`` faers or both) from the default location
    where there is no readable store, or None (an explicit ``faers_db`` is checked by :func:`_faers_database`)."""
    if values.get("source") not in ("faers", "both") or values.get("faers_db"):
        return None
    from il6analysis.faers.signals import database_path
    from il6analysis.faers.store import is_empty, read_catalog

    path = database_path()
    if is_empty(path):
        return (f"source={values['source']} needs a FAERS store and there is none at {path}; build one with "
                "`il6 refresh faers QUARTER.zip`, give faers_db, or use source=label")
    try:
        read_catalog(path)
    except StoreError as error:
        return f"source={values['source']} needs a FAERS store it can read: {error}; or use source=label"
    return None


def _dataset_folder(value: str) -> str:
    """An earlier dataset to compare with: made absolute (the kernel runs elsewhere) and required to
    hold table files (an earlier release may lack some tables); ``""`` means nothing to compare."""
    if not value:
        return value
    from il6analysis.curated.snapshots import table_files

    path = absolute(value)
    table_files(path, require_all=False)
    return str(path)


def _suspect_roles() -> dict[str, str]:
    from il6analysis.faers.signals import SUSPECT_ROLES

    return SUSPECT_ROLES


def _choice(kind: str, allowed: Callable[[], Any]) -> Callable[[str], str]:
    return lambda value: resolve_choice(kind, value, allowed())


DOMAINS: dict[str, Callable[[Any], Any]] = {
    "agent": resolve_agent,
    "agents": resolve_agent,
    "agencies": _choice("agency", lambda: vocab.AGENCIES),
    "indication_categories": _choice("indication category", lambda: vocab.INDICATION_CATEGORIES),
    "indications": resolve_indication,
    "indication": lambda value: value and resolve_indication(value),  # "" keeps the default: all
    "population": lambda value: value and resolve_population(value),
    "cancer_types": resolve_cancer_type,
    "phases": _choice("phase", lambda: vocab.TRIAL_PHASES),
    "statuses": _choice("status", lambda: vocab.TRIAL_STATUSES),
    "regimens": _choice("regimen", lambda: REGIMEN_ORDER),
    "socs": _choice("system organ class", lambda: datasets.load_adverse_events()["soc"].dropna().unique()),
    "terms": _choice("adverse event term", lambda: datasets.load_adverse_events()["term"].unique()),
    "date_from": _iso_date,
    "date_to": _iso_date,
    "min_pct": _percentage,
    "source": _choice("source", lambda: ("label", "faers", "both")),
    "faers_roles": _choice("FAERS drug role", lambda: tuple(_suspect_roles())),
    "faers_db": _faers_database,
    "since": _dataset_folder,
    "domains": _choice("table", lambda: tuple(datasets.DATASETS)),
}
"""Checks of parameter values by parameter name: each returns the canonical
value or raises ``ValueError`` (an :class:`UnknownNameError` lists close matches)."""

_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def _convert(value: Any, type_name: str) -> Any:
    """Convert a command-line string (or a Python value) to the declared type."""
    if type_name.startswith("list"):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"expected a comma-separated list, got {value!r}")
        return [_convert(item, type_name[5:-1] or "str") for item in items if not (isinstance(item, str) and not item.strip())]
    if type_name == "str":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        return value.strip()
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if type_name in {"int", "float"}:
        try:
            number = int(value) if type_name == "int" else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected {'a whole number' if type_name == 'int' else 'a number'}, got {value!r}") from None
        return number
    raise ValueError(f"unsupported parameter type {type_name!r}")


def _as_set(value: list[Any], default: Any) -> list[Any]:
    """Return a list parameter's values in one order whatever order they were given in: every list
    parameter is a selection (a set), so ``Kevzara,Actemra`` and ``Actemra,Kevzara`` must name one
    run. The default's own order when it is the same set, else sorted."""
    distinct = list(dict.fromkeys(value))
    if isinstance(default, list) and sorted(map(str, default)) == sorted(map(str, distinct)):
        return list(default)
    return sorted(distinct, key=str)


def check_parameters(report: Report, given: Mapping[str, Any]) -> dict[str, Any]:
    """Return the full parameter set of ``report``: defaults overridden by ``given``,
    converted to their declared types and resolved to canonical names (paths made
    absolute), list values distinct and in one order (:func:`_as_set`), ready to pass
    to the notebook unchanged.

    Raises:
        ParameterError: any unknown name, unconvertible value or unknown entity,
            all listed at once.
    """
    specs = report.parameters
    problems: list[str] = []
    values = report.defaults
    for name, raw in given.items():
        spec = specs.get(name)
        if spec is None:
            suggestion = closest(name, specs, n=1)
            hint = f"did you mean {suggestion[0]!r}? " if suggestion else ""
            problems.append(f"unknown parameter {name!r}; {hint}valid: {', '.join(specs)}")
            continue
        try:
            value = _convert(raw, spec.type_name)
        except ValueError as exc:
            problems.append(f"parameter {name!r} ({spec.type_name}): {exc}")
            continue
        check = DOMAINS.get(name)
        if check is not None:
            items = list(dict.fromkeys(value)) if isinstance(value, list) else [value]  # a value repeated: checked once
            checked = []
            for item in items:
                try:
                    checked.append(check(item))
                except (UnknownNameError, ValueError) as exc:
                    problems.append(f"parameter {name!r}: {exc}")
            value = list(dict.fromkeys(checked)) if isinstance(value, list) else (checked[0] if checked else value)
        values[name] = _as_set(value, values[name]) if isinstance(value, list) else value
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        problems.append(f"date_from {values['date_from']} is after date_to {values['date_to']}; "
                        "give a window whose start is on or before its end")
    if (missing := _faers_store_missing(values)) is not None:
        problems.append(missing)
    if problems:
        raise ParameterError(report.name, problems)
    return values


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """Turn ``["key=value", ...]`` (the CLI's ``-p``) into a dict.

    Raises:
        UsageError: an item without ``=`` or with an empty key.
    """
    parsed = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"parameter {item!r} is not of the form key=value")
        parsed[key.strip()] = value
    return parsed
