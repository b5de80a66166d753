"""ClinicalTrials.gov API v2 studies -> rows shaped like the curated trials table.

The refresh reads the registry in three steps, then
:mod:`il6analysis.sources.refresh` merges the rows into the curated tables and
lists the changes::

    terms = search_terms()
    result = fetch_studies(get_json, terms)          # raw v2 study objects
    trials, partners, unmapped = studies_to_tables(result.studies)

:func:`fetch_studies` does no HTTP itself: it calls any
``get_json(url, params) -> dict`` it is given, so it runs offline in tests and
can be wired to :mod:`il6analysis.sources.http` later.

Every module and every leaf of a v2 study is treated as optional: responses
restricted with ``fields=`` hold only the requested leaves (a ``startDateStruct``
without ``type``, interventions without ``type``), and observational studies
have no ``phases``. A missing value becomes ``None``; only a missing NCT ID and
an enrolment count no trial can have are errors of the record.
:func:`parse_studies` skips such a record with a warning naming it and reads the
rest, so one bad record never aborts a refresh (its curated rows stay as they were).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from il6analysis.curated import vocab
from il6analysis.curated.dates import parse_partial_date
from il6analysis.curated.matching import normalise
from il6analysis.curated.names import MIN_WORD_ALIAS, agent_aliases
from il6analysis.errors import SourceError

API = "https://clinicaltrials.gov/api/v2/studies"

MIN_ALIAS_LENGTH = MIN_WORD_ALIAS
"""Aliases shorter than this are not searched for: ``"MRA"`` (tocilizumab's
code, but also magnetic resonance angiography) and the bare biosimilar
suffixes ``"bavi"``, ``"aazg"`` and ``"anoh"`` would flood the search with
unrelated studies. They still match an intervention whose whole name they are."""


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}

GetJson = Callable[[str, dict[str, Any]], Any]

MAX_ENROLLMENT = 10**10
"""Larger than the world's population: an enrolment count above it (``10**20``, ``2**63``) is a
corrupt record, and would not even fit the table's 64-bit integers."""

log = logging.getLogger(__name__)


# --- search -----------------------------------------------------------------


def search_terms() -> list[str]:
    """Return the intervention search terms: every name of every agent.

    Names are taken from :func:`il6analysis.curated.names.agent_aliases`; spellings
    that normalise alike (``"RO-4877533"``, ``"RO4877533"``) are searched once,
    and names shorter than :data:`MIN_ALIAS_LENGTH` are skipped.

    Returns:
        The terms, each as first spelled in the curated tables, in table order.
    """
    terms: dict[str, str] = {}
    for alias, _ in agent_aliases():
        key = normalise(alias)
        if len(key) >= MIN_ALIAS_LENGTH:
            terms.setdefault(key, alias)
    return list(terms.values())


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_studies` found.

    Attributes:
        studies: raw v2 study objects, one per NCT ID, in first-seen order.
        truncated_terms: terms that still had a next page after ``max_pages``
            pages; the studies of these terms are incomplete.
    """

    studies: list[dict]
    truncated_terms: list[str]


def fetch_studies(get_json: GetJson, terms: Iterable[str], page_size: int = 100, max_pages: int = 20) -> FetchResult:
    """Search ClinicalTrials.gov for studies whose interventions mention each term.

    Each term is queried as ``query.intr=<term>&pageSize=<page_size>``; the
    ``nextPageToken`` of a page is passed back as ``pageToken`` until a page has
    none or ``max_pages`` pages were read, in which case the term is recorded
    in ``truncated_terms`` and logged as a warning. Studies found by several
    terms are kept once.

    Returns:
        A :class:`FetchResult`.

    Raises:
        ValueError: ``max_pages`` is smaller than 1.
        SourceError: a payload is not a JSON object with a ``studies`` list,
            has a non-text ``nextPageToken``, or holds a study without an NCT ID
            (or that is not an object); the message names the request. Errors raised by
            ``get_json`` propagate unchanged.
    """
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, not {max_pages}")
    found: dict[str, dict] = {}
    truncated: list[str] = []
    for term in terms:
        studies, complete = _fetch_term(get_json, term, page_size, max_pages)
        for nct_id, study in studies:
            found.setdefault(nct_id, study)
        if not complete:
            log.warning("ClinicalTrials.gov search for %r stopped after %d pages; results are incomplete", term, max_pages)
            truncated.append(term)
    return FetchResult(list(found.values()), truncated)


def _fetch_term(get_json: GetJson, term: str, page_size: int, max_pages: int) -> tuple[list[tuple[str, dict]], bool]:
    """Read up to ``max_pages`` pages of one term's results.

    Returns:
        The ``(nct_id, study)`` pairs read, and whether the last page was reached.

    Raises:
        SourceError: a page is malformed (see :func:`fetch_studies`).
    """
    studies: list[tuple[str, dict]] = []
    token: str | None = None
    for _ in range(max_pages):
        params: dict[str, Any] = {"query.intr": term, "pageSize": page_size}
        if token:
            params["pageToken"] = token
        page, token = _read_page(get_json(API, params), params)
        studies += page
        if not token:
            return studies, True
    return studies, False


def _read_page(payload: Any, params: dict[str, Any]) -> tuple[list[tuple[str, dict]], str | None]:
    """Check one search page and take its studies and next-page token apart.

    Returns:
        The page's ``(nct_id, study)`` pairs and its ``nextPageToken`` (``None`` on the last page).

    Raises:
        SourceError: the payload is malformed; the message names the request.
    """
    request = f"GET {API}?{urlencode(params)}"
    if not isinstance(payload, dict) or not isinstance(payload.get("studies"), list):
        raise SourceError(f"{request}: expected a JSON object with a 'studies' list, got {_shape(payload)}")
    token = payload.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise SourceError(f"{request}: 'nextPageToken' is {_shape(token)}, not text")
    studies = []
    for position, study in enumerate(payload["studies"]):
        nct_id = _get(study, "protocolSection", "identificationModule", "nctId")
        if not isinstance(nct_id, str) or not nct_id:
            raise SourceError(f"{request}: study {position} has no protocolSection.identificationModule.nctId")
        studies.append((nct_id, study))
    return studies, token


def _shape(value: Any) -> str:
    """Describe a JSON value for an error message: its type, and its keys if an object."""
    if isinstance(value, dict):
        return "an object with keys " + (", ".join(map(repr, value)) or "(none)")
    return "JSON " + _JSON_TYPES.get(type(value), type(value).__name__)


# --- one study ----------------------------------------------------------------


def parse_study(study: dict, index: int | None = None) -> dict:
    """Flatten one v2 study object into the fields the trials table needs.

    ``phases`` lists are joined into the vocabulary's values (``["PHASE1",
    "PHASE2"]`` -> ``"PHASE1/PHASE2"``); a study without ``phases``
    (observational) has no phase. A partial start date keeps its precision
    (``"2010-05"`` -> 2010-05-01, ``"month"``). A value outside the vocabulary,
    or that does not parse, is left missing and explained in ``notes``, which
    also records whether the enrollment is ACTUAL or ESTIMATED.

    Args:
        study: one element of a search page's ``studies`` list, or a single-study response.
        index: the study's position in its list, used in the error message.

    Returns:
        ``{"nct_id", "title", "phase", "status", "start_date" (Timestamp),
        "start_date_precision", "enrollment" (int), "conditions" (list of str),
        "interventions" (list of ``{"name", "type", "otherNames"}``),
        "registry_version" (the API's data version, ``derivedSection.miscInfoModule.versionHolder``,
        a ``YYYY-MM-DD`` text), "lead_sponsor" (``sponsorCollaboratorsModule.leadSponsor.name``),
        "notes" (list of str)}``; any value but ``nct_id`` may be ``None``.

    Raises:
        SourceError: the study has no ``protocolSection.identificationModule.nctId``, or
            an enrolment count above :data:`MAX_ENROLLMENT`.
    """
    protocol = _get(study, "protocolSection")
    nct_id = _get(protocol, "identificationModule", "nctId")
    if not isinstance(nct_id, str) or not nct_id:
        where = "study" if index is None else f"study {index}"
        raise SourceError(f"{where} has no protocolSection.identificationModule.nctId")
    phase, phase_note = _phase(_get(protocol, "designModule", "phases"))
    status, status_note = _status(_get(protocol, "statusModule", "overallStatus"))
    start_date, precision, date_note = _partial_date(_get(protocol, "statusModule", "startDateStruct", "date"))
    enrollment, enrollment_note = _enrollment(_get(protocol, "designModule", "enrollmentInfo"))
    if enrollment is not None and enrollment > MAX_ENROLLMENT:
        raise SourceError(f"study {nct_id}: enrollment count {enrollment} is more than any trial can enrol "
                          f"(at most {MAX_ENROLLMENT:.0e}); the record is corrupt")
    return {
        "nct_id": nct_id,
        "title": _text(_get(protocol, "identificationModule", "briefTitle")),
        "phase": phase,
        "status": status,
        "start_date": start_date,
        "start_date_precision": precision,
        "enrollment": enrollment,
        "conditions": _texts(_get(protocol, "conditionsModule", "conditions")),
        "interventions": _interventions(_get(protocol, "armsInterventionsModule", "interventions")),
        "registry_version": _text(_get(study, "derivedSection", "miscInfoModule", "versionHolder")),
        "lead_sponsor": _text(_get(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name")),
        "notes": [note for note in (phase_note, status_note, date_note, enrollment_note) if note],
    }


def parse_studies(studies: Iterable[dict]) -> Iterator[dict]:
    """Parse each study with :func:`parse_study`, skipping a bad one.

    Returns:
        An iterator of the parsed records of the good studies, in order. A study
        :func:`parse_study` refuses (no NCT ID, an impossible enrolment) is logged as a
        warning that names it (its NCT ID, else its position) and why, and skipped.
    """
    for index, study in enumerate(studies):
        try:
            yield parse_study(study, index)
        except SourceError as exc:
            log.warning("ClinicalTrials.gov record skipped, the others are kept: %s", exc)


def _get(value: Any, *keys: str) -> Any:
    """Return ``value[k1][k2]...``, or ``None`` as soon as a level is absent or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _texts(value: Any) -> list[str]:
    """Return the non-empty strings of a JSON array (an absent or malformed array gives ``[]``)."""
    return [item for item in value if _text(item)] if isinstance(value, list) else []


def _phase(phases: Any) -> tuple[str | None, str | None]:
    """Map a v2 ``phases`` list to one :data:`~il6analysis.curated.vocab.TRIAL_PHASES` value.

    Returns:
        ``(phase, note)``: the phase or ``None`` (absent, empty, or not in the
        vocabulary), and a note when a value was present but not understood.
    """
    if phases is None or phases == []:
        return None, None
    joined = "/".join(phases) if _texts(phases) == phases else None
    if joined in vocab.TRIAL_PHASES:
        return joined, None
    return None, f"phases {phases!r} not in the phase vocabulary, left empty"


def _status(value: Any) -> tuple[str | None, str | None]:
    """Return ``(status, note)``; a status outside :data:`~il6analysis.curated.vocab.TRIAL_STATUSES` is left empty with a note."""
    if value is None:
        return None, None
    if value in vocab.TRIAL_STATUSES:
        return value, None
    return None, f"overallStatus {value!r} not in the status vocabulary, left empty"


def _partial_date(value: Any) -> tuple[pd.Timestamp | None, str | None, str | None]:
    """Return ``(date, precision, note)`` of a registry date; the note says why a value was left empty."""
    if value is None:
        return None, None, None
    try:
        date, precision = parse_partial_date(value if isinstance(value, str) else "")
    except ValueError:
        return None, None, f"start date {value!r} not understood, left empty"
    return date, precision, None


def _enrollment(info: Any) -> tuple[int | None, str | None]:
    """Return ``(count, note)`` from ``enrollmentInfo``; the note gives the count's type (ACTUAL or ESTIMATED)."""
    count = _get(info, "count")
    kind = _text(_get(info, "type"))
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        return None, f"enrollment count {count!r} not a whole number, left empty"
    if count is None or kind is None:
        return count, None
    return count, f"enrollment type {kind}"


def _interventions(value: Any) -> list[dict]:
    """Return ``{"name", "type", "otherNames"}`` for each intervention object (absent leaves -> ``None`` / ``[]``)."""
    if not isinstance(value, list):
        return []
    return [
        {"name": _text(item.get("name")), "type": _text(item.get("type")), "otherNames": _texts(item.get("otherNames"))}
        for item in value
        if isinstance(item, dict)
    ]
