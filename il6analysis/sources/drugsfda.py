"""Drugs@FDA through openFDA's ``drug/drugsfda`` endpoint: the FDA's own record of each
application's submissions, turned into proposed changes to the curated approvals.

* :func:`fetch_applications` calls openFDA for one agent's names, caches the raw
  answer and falls back to the cached copy when openFDA cannot be reached
  (entry ``openfda-drugsfda-<agent_id>``), as the label connector does.
* :func:`parse_applications` reads the submissions of the biologics licence
  applications (BLAs) in an answer. A malformed record is skipped with a
  warning naming it; the others are kept.
* :func:`approval_proposals` compares the approvals among them (original
  applications and efficacy supplements with status AP, dated to the day) with
  the curated FDA approvals and returns rows of the change model (domain
  ``approvals``), which a person reviews: nothing is merged into the tables.

An answer holds ``results[]``, each with ``application_number`` (``BLA125276``),
``products[]`` (``brand_name``, ``active_ingredients[].name``), ``openfda``
(``brand_name``, ``generic_name``) and ``submissions[]`` (``submission_type``
``ORIG`` or ``SUPPL``, ``submission_number``, ``submission_status`` such as
``AP``, ``submission_status_date`` ``YYYYMMDD``, ``submission_class_code`` such
as ``EFFICACY``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import pandas as pd

from il6analysis.curated.changes import diff_tables, primary_key
from il6analysis.curated.dates import latest_day
from il6analysis.curated.loaders import load_agent_names
from il6analysis.curated.names import agents_in_text
from il6analysis.errors import SourceError
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.http import HttpClient
from il6analysis.sources.openfda import (
    Fetched,
    describe_value,
    fetch_cached,
    results_of,
    search_expression,
    search_names,
)

DRUGSFDA_API = "https://api.fda.gov/drug/drugsfda.json"
DRUGSFDA_FIELDS = ("openfda.generic_name", "openfda.brand_name", "products.brand_name")
DRUGSFDA_LIMIT = 100
APPROVED = "AP"
ORIGINAL, SUPPLEMENT, EFFICACY = "ORIG", "SUPPL", "EFFICACY"

SUBMISSION_COLUMNS = ["application_number", "agent_id", "brand", "submission", "submission_class", "status",
                      "status_date", "source"]
"""Columns of :func:`parse_applications`: one row per submission."""

log = logging.getLogger(__name__)


def drugsfda_query(agent_id: str) -> dict[str, Any]:
    """Return the ``drug/drugsfda.json`` query parameters for the applications of ``agent_id``
    (its INN and brand names in the openFDA names and the product brand names).

    Raises:
        UnknownNameError: ``agent_id`` is not in the agents table.
    """
    return {"search": search_expression(DRUGSFDA_FIELDS, search_names(agent_id)), "limit": DRUGSFDA_LIMIT}


def searched_agents() -> list[str]:
    """Return the agents with an INN or brand name of their own, the names :func:`drugsfda_query`
    searches (a copy product known by a code name only is found by its reference product's INN)."""
    names = load_agent_names()
    return sorted(names.loc[names["name_type"].isin(["inn", "brand"]), "agent_id"].unique())


def record_url(application_number: str) -> str:
    """Return the openFDA Drugs@FDA record of one application (a URL on the FDA's site)."""
    search = quote('application_number:"' + application_number + '"', safe="")
    return f"{DRUGSFDA_API}?search={search}"


def fetch_applications(client: HttpClient, agent_id: str, cache: ResponseCache | None = None) -> Fetched:
    """Fetch the Drugs@FDA applications matching the names of ``agent_id``.

    Returns:
        The answer (empty ``results`` when nothing matches); when openFDA fails
        and ``cache`` holds a copy, that copy, with ``note`` saying so.

    Raises:
        UnknownNameError: ``agent_id`` is not in the agents table.
        SourceError: openFDA failed and there is no cached copy.
    """
    name = f"openfda-drugsfda-{agent_id}"
    return fetch_cached(client, DRUGSFDA_API, drugsfda_query(agent_id), name, cache, "Drugs@FDA")


def _text(value: Any, where: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourceError(f"{where} is not a text: {value!r:.60}")
    return value.strip()


def _names(record: dict[str, Any], application: str) -> list[str]:
    """The brand and ingredient names a record gives (products and ``openfda``)."""
    products = record.get("products") or []
    openfda = record.get("openfda") or {}
    if not (isinstance(products, list) and all(isinstance(p, dict) for p in products) and isinstance(openfda, dict)):
        raise SourceError(f"Drugs@FDA {application}: 'products' is not a list of objects or 'openfda' not an object")
    names = [p.get("brand_name") for p in products]
    names += [i.get("name") for p in products for i in (p.get("active_ingredients") or []) if isinstance(i, dict)]
    names += [*(openfda.get("brand_name") or []), *(openfda.get("generic_name") or [])]
    return [name for name in names if isinstance(name, str)]


def _submission_row(submission: Any, application: str) -> tuple[str, str | None, str | None, pd.Timestamp | None]:
    """``(submission, class, status, status date)`` of one submission, e.g. ``("SUPPL-8", "EFFICACY", "AP", ...)``.

    Raises:
        SourceError: the submission is not an object, lacks its type or number, or has a
            status date that is not ``YYYYMMDD``.
    """
    if not isinstance(submission, dict):
        raise SourceError(f"Drugs@FDA {application}: a submission is {describe_value(submission)}, not an object")
    kind = _text(submission.get("submission_type"), f"Drugs@FDA {application} submission_type")
    number = _text(submission.get("submission_number"), f"Drugs@FDA {application} {kind} submission_number")
    name = f"{kind}-{number}"
    day = _text(submission.get("submission_status_date"), f"Drugs@FDA {application} {name} status date", False)
    try:
        date = None if day is None else pd.to_datetime(day, format="%Y%m%d")
    except ValueError:
        raise SourceError(f"Drugs@FDA {application} {name}: status date {day!r} is not YYYYMMDD") from None
    return (name, _text(submission.get("submission_class_code"), f"{application} {name} class", False),
            _text(submission.get("submission_status"), f"{application} {name} status", False), date)


def _record_rows(record: Any, position: int, agent_id: str) -> list[tuple[Any, ...]]:
    """One row per submission of a BLA record (no row for another kind of application).

    Raises:
        SourceError: the record, or one of its submissions, is malformed.
    """
    if not isinstance(record, dict):
        raise SourceError(f"Drugs@FDA result {position} is {describe_value(record)}, not an object")
    application = _text(record.get("application_number"), f"Drugs@FDA result {position} application_number")
    if not application.startswith("BLA"):
        return []
    submissions = record.get("submissions")
    if not isinstance(submissions, list):
        raise SourceError(f"Drugs@FDA {application}: 'submissions' is {describe_value(submissions)}, not a list")
    names = _names(record, application)
    named = set().union(*(agents_in_text(name) for name in names)) if names else set()
    agent = next(iter(named)) if len(named) == 1 else agent_id
    brand = next((p.get("brand_name") for p in record.get("products") or [] if p.get("brand_name")), None)
    url = record_url(application)
    return [(application, agent, brand, *_submission_row(submission, application), url) for submission in submissions]


def parse_applications(payload: Any, agent_id: str, skipped: list[str] | None = None) -> pd.DataFrame:
    """Return the submissions of the BLAs in a ``drug/drugsfda.json`` answer.

    Args:
        payload: the answer.
        agent_id: the agent whose names were searched; an application is given
            to the one agent its product and openFDA names name (a biosimilar's
            application found by the reference product's search is the
            biosimilar's), else to ``agent_id``.
        skipped: when given, the warning of each skipped record is appended to it too.

    Returns:
        One row per submission: :data:`SUBMISSION_COLUMNS` (``submission`` such as
        ``ORIG-1`` or ``SUPPL-8``, ``status_date`` a datetime, ``source`` the
        application's Drugs@FDA record, :func:`record_url`). Applications other
        than BLAs give no row. A malformed record is skipped with a warning that
        names it and says what was wrong; the others are kept.

    Raises:
        SourceError: ``payload`` is not an object with a ``results`` list.
    """
    rows: list[tuple[Any, ...]] = []
    for position, record in enumerate(results_of(payload, "Drugs@FDA")):
        try:
            rows += _record_rows(record, position, agent_id)
        except SourceError as exc:
            log.warning("Drugs@FDA record skipped, the others are kept: %s", exc)
            if skipped is not None:
                skipped.append(f"Drugs@FDA record skipped, the others are kept: {exc}")
    frame = pd.DataFrame(rows, columns=SUBMISSION_COLUMNS)
    return frame.astype({c: "str" for c in SUBMISSION_COLUMNS if c != "status_date"}).astype(
        {"status_date": "datetime64[ns]"})


def approvals_among(submissions: pd.DataFrame) -> pd.DataFrame:
    """Return the submissions that approved an application or an efficacy supplement:
    status ``AP`` with a date, and type ``ORIG`` or class ``EFFICACY``; one row per
    application and submission, by agent and date."""
    approved = submissions[(submissions["status"] == APPROVED) & submissions["status_date"].notna()]
    kind = approved["submission"].str.split("-").str[0]
    approved = approved[(kind == ORIGINAL) | ((kind == SUPPLEMENT) & (approved["submission_class"] == EFFICACY))]
    approved = approved.drop_duplicates(["application_number", "submission"])
    return approved.sort_values(["agent_id", "status_date", "application_number"], ignore_index=True)


def _compared(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [*primary_key("approvals"), "approval_date_precision", "source", "source_kind"]
    return frame[columns].astype({c: "object" for c in columns if c != "approval_date"}).reset_index(drop=True)


def approval_proposals(approved: pd.DataFrame, curated: pd.DataFrame) -> pd.DataFrame:
    """Compare Drugs@FDA approvals with the curated FDA approvals, as proposed changes.

    Each approval (a row of :func:`approvals_among`) is matched with the curated
    rows of the same agent with status ``approved`` at the FDA:

    * the rows dated that day: they are confirmed; a row whose source is not a
      regulator's gets the Drugs@FDA record as its source;
    * else the rows dated to a month or year that contains the day, when no
      other approval of the agent falls in that period: the date is ``refined``
      to the day, citing the record;
    * else, for an original application, the rows of the application's first
      curated approval when that is dated to another day: the date is ``changed``;
    * else the approval is ``added``: a row with the agent, the agency, status
      ``approved`` and the day, and the indication, route and population left
      for the reviewer to fill from the approval letter (one row per agent and day).

    Args:
        approved: Drugs@FDA approvals (:func:`approvals_among`).
        curated: the curated approvals table (:func:`il6analysis.curated.loaders.load_approvals`).

    Returns:
        Rows of the change model (:func:`il6analysis.curated.changes.diff_tables`, domain
        ``approvals``, keyed by the table's primary key) on the date, its precision, the
        source and the source kind; no row for an approval the table already has
        with a regulator's source.
    """
    fda = curated[(curated["agency"] == "FDA") & (curated["status"] == "approved")]
    old = _compared(fda)
    new = old.copy()
    applications = fda["application_number"].fillna("").reset_index(drop=True)
    latest = latest_day(old["approval_date"], old["approval_date_precision"])
    taken = pd.Series(False, index=old.index)
    added = []
    for approval in approved.itertuples(index=False):
        mine = (old["agent_id"] == approval.agent_id) & ~taken
        day = approval.status_date
        same_day = mine & (old["approval_date"] == day) & (old["approval_date_precision"] == "day")
        if same_day.any():
            taken |= same_day
            new.loc[same_day & (old["source_kind"] != "regulator"), ["source", "source_kind"]] = [
                approval.source, "regulator"]
            continue
        rows = mine & _period_of(old, latest, day, approved[approved["agent_id"] == approval.agent_id])
        if not rows.any() and approval.submission.startswith(ORIGINAL):
            rows = mine & _first_approval(old, applications, approval)
        if rows.any():
            taken |= rows
            new.loc[rows, ["approval_date", "approval_date_precision", "source", "source_kind"]] = [
                day, "day", approval.source, "regulator"]
        else:
            added.append({"agent_id": approval.agent_id, "agency": "FDA", "status": "approved", "approval_date": day,
                          "approval_date_precision": "day", "source": approval.source, "source_kind": "regulator"})
    proposed = pd.DataFrame(added, columns=list(old.columns)).drop_duplicates(["agent_id", "approval_date"])
    new = pd.concat([new, _compared(proposed)], ignore_index=True)
    return diff_tables("approvals", old, new, primary_key("approvals"), "source")


def _period_of(old: pd.DataFrame, latest: pd.Series, day: pd.Timestamp, agent_approvals: pd.DataFrame) -> pd.Series:
    """The rows dated to a month or year that contains ``day`` and no other approval day of the agent."""
    def contains(when: pd.Timestamp) -> pd.Series:
        return (old["approval_date_precision"] != "day") & (old["approval_date"] <= when) & (latest >= when)

    rows = contains(day)
    for other in set(agent_approvals["status_date"]) - {day}:
        rows &= ~contains(other)
    return rows


def _first_approval(old: pd.DataFrame, applications: pd.Series, approval: Any) -> pd.Series:
    """The rows of the earliest curated approval of ``approval``'s application, when it is dated to
    the day (a coarser date is refined, not contradicted); none when the table has none."""
    mine = (applications.str.split(" ").str[0] == approval.application_number) & (old["agent_id"] == approval.agent_id)
    first = mine & (old["approval_date"] == old.loc[mine, "approval_date"].min())
    return first & (old.loc[first, "approval_date_precision"] == "day").all()
