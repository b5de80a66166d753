"""openFDA drug labels: their boxed warnings and warnings, checked against the curated table.

* :func:`fetch_labels` calls openFDA, caches the raw answer and falls back to
  the cached copy when openFDA cannot be reached.
* :func:`parse_labels` turns a label answer into one row per label x section;
  :func:`label_warnings` finds the warning topics of
  :data:`il6analysis.curated.vocab.WARNING_TOPICS` in those sections and
  :func:`warning_changes` compares them with the curated ``warnings`` table
  as rows of the change model (:mod:`il6analysis.curated.changes`).

Label text is returned verbatim as data: whoever displays it must escape it.

Searches use an agent's INN and brand names from the ``agent_names`` table.
openFDA matches quoted names as phrases, so the search for a reference product
(``tocilizumab``) also finds biosimilar labels whose generic name is the bare
INN; the ``brand`` column tells them apart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pandas as pd

from il6analysis.curated import vocab
from il6analysis.curated.changes import diff_tables
from il6analysis.curated.loaders import load_agent_names
from il6analysis.curated.matching import closest
from il6analysis.errors import HttpStatusError, SourceError, UnknownNameError
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.http import HttpClient

LABEL_API = "https://api.fda.gov/drug/label.json"

log = logging.getLogger(__name__)

LABEL_FIELDS = ("openfda.generic_name", "openfda.brand_name")
LABEL_LIMIT = 100

LABEL_SECTIONS = ("boxed_warning", "indications_and_usage", "dosage_and_administration", "warnings_and_cautions",
                  "warnings", "adverse_reactions")
"""Label sections kept by :func:`parse_labels` (``warnings`` is the section of older labels)."""

WARNING_SECTIONS = ("boxed_warning", "warnings_and_cautions", "warnings")
"""Sections :func:`label_warnings` searches (not ``adverse_reactions``, which lists events, not warnings)."""

WARNING_KEYWORDS: dict[str, tuple[str, ...]] = {
    "serious_infections": ("serious infection",),
    "tuberculosis": ("tuberculosis",),
    "viral_reactivation": ("viral reactivation", "hepatitis b virus reactivation", "herpes zoster"),
    "gi_perforation": ("gastrointestinal perforation",),
    "hepatotoxicity": ("hepatotoxicity", "liver injury", "elevated liver enzymes", "liver enzyme elevation"),
    "hepatic_impairment": ("hepatic impairment", "active hepatic disease"),
    "neutropenia": ("neutropenia", "decreased neutrophil"),
    "thrombocytopenia": ("thrombocytopenia", "decreased platelet"),
    "lipid_elevations": ("lipid elevation", "lipid parameters", "lipid abnormalities", "cholesterol"),
    "hypersensitivity_anaphylaxis": ("hypersensitivity", "anaphylaxis", "anaphylactic"),
    "live_vaccines": ("live vaccine", "live attenuated vaccine"),
    "demyelinating_disorders": ("demyelinating",),
    "malignancies": ("malignancy", "malignancies"),
    "infusion_reactions": ("infusion-related reaction", "infusion related reaction", "infusion reaction"),
    "immunosuppression": ("immunosuppression",),
    "embryo_fetal": ("embryo-fetal", "embryofetal", "fetal harm"),
}
"""Warning topic -> lower-case phrases that identify it in label text.

A phrase matches at the start of a word, so ``"serious infection"`` also
finds "serious infections"."""

_TOPIC_PATTERNS = {
    warning_id: re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + ")")
    for warning_id, phrases in WARNING_KEYWORDS.items()
}

_LABEL_DTYPES = {
    "set_id": "str",
    "agent_id": "str",
    "brand": "str",
    "effective_time": "datetime64[ns]",
    "version": "str",
    "section": "str",
    "text": "str",
}
_WARNING_ID_DTYPE = pd.CategoricalDtype(vocab.WARNING_IDS)
_FOUND_DTYPES = {"agent_id": "str", "set_id": "str", "warning_id": _WARNING_ID_DTYPE, "boxed": "boolean"}


@dataclass(frozen=True)
class Fetched:
    """An openFDA answer and where it came from.

    Attributes:
        payload: the raw JSON answer (``results`` is empty when nothing matched).
        retrieved: when the cached copy was retrieved (UTC), or ``None`` when
            the payload was fetched just now.
        note: says that the payload comes from the cache, why, and when it was
            retrieved; ``None`` for a fresh answer.
    """

    payload: dict[str, Any]
    retrieved: datetime | None = None
    note: str | None = None

    @property
    def from_cache(self) -> bool:
        return self.retrieved is not None


def _frame(rows: list[tuple[Any, ...]], dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def search_names(agent_id: str) -> list[str]:
    """Return the INN and brand names of ``agent_id``.

    Raises:
        UnknownNameError: ``agent_id`` is not in the agents table.
    """
    names = load_agent_names()
    mine = names[(names["agent_id"] == agent_id) & names["name_type"].isin(["inn", "brand"])]
    if mine.empty:
        raise UnknownNameError("agent", agent_id, closest(agent_id, names["agent_id"].unique()))
    return list(dict.fromkeys(mine["name"]))


def search_expression(fields: Iterable[str], names: list[str]) -> str:
    """Return ``field:"name"`` for every field and name, joined by ``" OR "``.

    ``requests`` encodes the spaces as ``+``, giving the ``+OR+`` openFDA expects.
    """
    return " OR ".join(f'{field}:"{name}"' for field in fields for name in names)


def label_query(agent_id: str) -> dict[str, Any]:
    """Return the ``drug/label.json`` query parameters for the labels of ``agent_id``.

    Returns:
        ``{"search": ..., "limit": 100}`` searching ``openfda.generic_name`` and
        ``openfda.brand_name`` for each INN and brand name of the agent.

    Raises:
        UnknownNameError: ``agent_id`` is not in the agents table.
    """
    return {"search": search_expression(LABEL_FIELDS, search_names(agent_id)), "limit": LABEL_LIMIT}


def describe_value(value: Any) -> str:
    """Return what a JSON value is, for an error message: its keys, its length or its type."""
    if isinstance(value, dict):
        return "an object with keys " + (", ".join(map(repr, list(value)[:10])) or "(none)")
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return f"a {type(value).__name__}"


def results_of(payload: Any, what: str) -> list[Any]:
    """Return the ``results`` list of an openFDA answer.

    Raises:
        SourceError: ``payload`` is not an object with a ``results`` list.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise SourceError(
            f"expected an openFDA {what} answer (a JSON object with a 'results' list), got {describe_value(payload)}"
        )
    return payload["results"]


def _strings(value: Any, where: str) -> list[str]:
    """Return ``value`` (an openFDA list-of-strings field), ``[]`` when absent.

    Raises:
        SourceError: ``value`` is present but not a list of strings.
    """
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SourceError(f"{where} is not a list of strings: {value!r:.100}")
    return value


def _effective_time(value: Any, set_id: str) -> pd.Timestamp | None:
    """Parse a label's ``YYYYMMDD`` effective time (``None`` when absent).

    Raises:
        SourceError: the value is not a ``YYYYMMDD`` date.
    """
    if value is None:
        return None
    try:
        return pd.to_datetime(value, format="%Y%m%d")
    except (TypeError, ValueError):
        raise SourceError(f"label {set_id}: effective_time {value!r} is not a YYYYMMDD date") from None


def _label_rows(record: Any, position: int, agent_id: str) -> list[tuple[Any, ...]]:
    """Return one row per non-empty section of label ``record``.

    Raises:
        SourceError: the record has no ``set_id`` or a field of the wrong type.
    """
    if not isinstance(record, dict) or not isinstance(record.get("set_id"), str):
        raise SourceError(f"label result {position} has no set_id (got {describe_value(record)})")
    set_id = record["set_id"]
    openfda = record.get("openfda") or {}
    if not isinstance(openfda, dict):
        raise SourceError(f"label {set_id} field 'openfda' is not an object: {openfda!r:.100}")
    brands = _strings(openfda.get("brand_name"), f"label {set_id} field 'openfda.brand_name'")
    brand = brands[0] if brands else None
    effective = _effective_time(record.get("effective_time"), set_id)
    version = record.get("version")
    if version is not None and not isinstance(version, str):
        raise SourceError(f"label {set_id} field 'version' is not a string: {version!r:.100}")
    rows = []
    for section in LABEL_SECTIONS:
        paragraphs = _strings(record.get(section), f"label {set_id} field {section!r}")
        if paragraphs:
            rows.append((set_id, agent_id, brand, effective, version, section, "\n".join(paragraphs)))
    return rows


def parse_labels(payload: Any, agent_id: str) -> pd.DataFrame:
    """Return the sections of the labels in a ``drug/label.json`` answer that the package reads.

    Returns:
        One row per label x section present (:data:`LABEL_SECTIONS`):
        ``set_id`` (the label's stable key), ``agent_id``, ``brand`` (first
        ``openfda.brand_name``, missing if none), ``effective_time`` (datetime,
        NaT if absent), ``version`` (the label version, text such as ``"3"``,
        missing if absent), ``section`` and ``text`` (the section's paragraphs
        joined with newlines). A label with none of the sections gives no row. A label
        without ``set_id`` or with a malformed field (``openfda`` a list, a section that
        is not a list of strings) is skipped with a warning naming it and what was
        wrong; the other labels are kept.

    Raises:
        SourceError: ``payload`` is not an object with a ``results`` list; the
            message says what was received.
    """
    rows = []
    for position, record in enumerate(results_of(payload, "label")):
        try:
            rows += _label_rows(record, position, agent_id)
        except SourceError as exc:
            log.warning("openFDA label skipped, the others are kept: %s", exc)
    return _frame(rows, _LABEL_DTYPES)


def warning_topics(text: str) -> list[str]:
    """Return the warning topics whose :data:`WARNING_KEYWORDS` occur in ``text`` (any case)."""
    normalised = " ".join(text.lower().split())
    return [warning_id for warning_id, pattern in _TOPIC_PATTERNS.items() if pattern.search(normalised)]


def label_warnings(labels: pd.DataFrame) -> pd.DataFrame:
    """Return the warning topics found in the warning sections of parsed labels.

    Args:
        labels: a frame from :func:`parse_labels`.

    Returns:
        One row per agent x label x topic: ``agent_id``, ``set_id``,
        ``warning_id`` (categorical, vocabulary order) and ``boxed`` (True when
        the topic is in the label's boxed warning).
    """
    rows = [
        (row.agent_id, row.set_id, warning_id, row.section == "boxed_warning")
        for row in labels[labels["section"].isin(WARNING_SECTIONS)].itertuples(index=False)
        for warning_id in warning_topics(row.text)
    ]
    found = _frame(rows, _FOUND_DTYPES)
    grouped = found.groupby(["agent_id", "set_id", "warning_id"], observed=True, as_index=False)["boxed"].any()
    return grouped.astype(_FOUND_DTYPES)


def label_url(set_id: str, version: str | None) -> str:
    """Return the openFDA query for one version of one label (the source of its text);
    without a version, the query for the label."""
    search = f'set_id:"{set_id}"' + (f' AND version:"{version}"' if isinstance(version, str) else "")
    return f"{LABEL_API}?search={quote(search, safe='')}"


def warning_changes(found: pd.DataFrame, labels: pd.DataFrame, curated: pd.DataFrame) -> pd.DataFrame:
    """Compare the warning topics found in labels with the curated ``warnings`` table, as changes.

    Pass the curated rows of the agents whose labels were fetched: every other
    curated row comes out as removed.

    Args:
        found: a frame from :func:`label_warnings` (a topic is boxed when it is
            boxed in any of the agent's labels).
        labels: the parsed labels ``found`` comes from (:func:`parse_labels`), for their versions.
        curated: the curated table (:func:`il6analysis.curated.loaders.load_warnings`)
            or any frame with ``agent_id``, ``warning_id``, ``boxed`` and ``source``.

    Returns:
        Rows of the change model (:func:`il6analysis.curated.changes.diff_tables`,
        domain ``warnings``, key ``agent_id | warning_id``): ``added`` for a topic
        found in a label but not curated (a candidate to curate), ``removed`` for
        a curated topic no label names (the keywords of :data:`WARNING_KEYWORDS`
        did not find it: a person checks), ``changed`` field ``boxed`` when the
        label and the curated row disagree on it. The new source is the openFDA
        query of the label version that names the topic (boxed, where one does);
        no row where they agree (a label is never the curated row's source, so
        the sources are not compared).
    """
    versions = labels.drop_duplicates("set_id").set_index("set_id")["version"]
    ranked = found.sort_values("boxed", ascending=False, kind="stable")
    topics = ranked.groupby(["agent_id", "warning_id"], observed=True, as_index=False).agg(
        boxed=("boxed", "any"), set_id=("set_id", "first"))
    topics["source"] = [label_url(set_id, versions.get(set_id)) for set_id in topics["set_id"]]
    columns = ["agent_id", "warning_id", "boxed", "source"]
    changes = diff_tables("warnings", curated[columns], topics[columns], ["agent_id", "warning_id"], "source")
    return changes[changes["field"].fillna("") != "source"].reset_index(drop=True)


def _get_or_no_matches(client: HttpClient, url: str, params: dict[str, Any]) -> dict[str, Any]:
    """Return the answer, turning openFDA's 404 "no matches" into an empty ``results`` list.

    Raises:
        SourceError: any other failure of the client.
    """
    try:
        return client.get_json(url, params)
    except HttpStatusError as exc:
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        if exc.status == 404 and isinstance(error, dict) and error.get("code") == "NOT_FOUND":
            return {**exc.body, "results": []}
        raise


def fetch_cached(
    client: HttpClient, url: str, params: dict[str, Any], name: str, cache: ResponseCache | None, what: str
) -> Fetched:
    """Fetch and cache an answer; on failure return the cached copy when there is one.

    Raises:
        SourceError: the request failed and there is no cached copy.
    """
    try:
        payload = _get_or_no_matches(client, url, params)
        results_of(payload, what)
    except SourceError as exc:
        entry = cache.load(name) if cache is not None else None
        if entry is None:
            raise
        retrieved = cache.retrieved(name)
        note = f"{exc}; using the cached copy {cache.path(name)} retrieved {retrieved.isoformat()}"
        return Fetched(entry["payload"], retrieved=retrieved, note=note)
    if cache is not None:
        cache.save(name, payload, {"url": url, "params": params})
    return Fetched(payload)


def fetch_labels(client: HttpClient, agent_id: str, cache: ResponseCache | None = None) -> Fetched:
    """Fetch the openFDA labels of ``agent_id`` (cache entry ``openfda-label-<agent_id>``).

    Returns:
        The answer (empty ``results`` when nothing matches); when openFDA fails
        and ``cache`` holds a copy, that copy, with ``note`` saying so.

    Raises:
        UnknownNameError: ``agent_id`` is not in the agents table.
        SourceError: openFDA failed and there is no cached copy.
    """
    return fetch_cached(client, LABEL_API, label_query(agent_id), f"openfda-label-{agent_id}", cache, "label")
