"""Case-set filters: which de-duplicated FAERS reports every statistic, outcome, onset and listing counts.

A :class:`CaseFilter` narrows the clean reports of :mod:`il6analysis.faers.tables`
*before* anything is counted, so the 2x2 tables (every cell, the background
included), the EBGM prior, the outcomes, the onsets and the case listings all
describe the same case set. One implementation serves the Python functions
(``filters=`` of :func:`il6analysis.faers.signals.disproportionality` and the
others) and the ``il6`` options (:mod:`il6analysis.cli.case_options`).

Each criterion keeps a report when:

``indications``          one of its drugs was given for one of these indications (INDI preferred terms,
                         any case);
``health_professionals`` its latest version was reported by a physician, pharmacist or other health
                         professional (DEMO ``occp_cod`` MD, PH or OT; a standard sensitivity analysis);
``countries``            the reporter's country is one of these (two-letter codes, as FAERS writes them);
``sexes``                the patient's sex is one of these (F, M);
``age_bands``            the patient's age is in one of these bands (:data:`il6analysis.faers.tables.AGE_BANDS`);
``years``                the FDA received it in this span of years, both ends included (a report without
                         a receipt year is left out when a span is given);
``exclude_drugs``        it does *not* name any of these drugs as a suspect (primary or secondary suspect,
                         or interacting), by any name the store gives the drug's ingredient.

Criteria combine with "and"; values within a criterion with "or". An empty
criterion keeps every report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from il6analysis.errors import UsageError
from il6analysis.faers.tables import AGE_BANDS, UNKNOWN

HEALTH_PROFESSIONALS = {"MD": "physician", "PH": "pharmacist", "OT": "other health professional"}
"""DEMO ``occp_cod`` values of health professionals (FDA's data dictionary, ASC_NTS)."""
OCCUPATIONS = {**HEALTH_PROFESSIONALS, "LW": "lawyer", "CN": "consumer"}
"""Every DEMO ``occp_cod`` value with its meaning."""
SUSPECT_ROLES = ("PS", "SS", "I")
"""Drug roles under which a report names a drug as a suspect, for ``exclude_drugs``."""
SEXES = ("F", "M")
_COUNTRY = re.compile(r"[A-Z]{2}")
_YEARS = re.compile(r"\s*(\d{4})?\s*(?:(-)\s*(\d{4})?)?\s*")


@dataclass(frozen=True)
class CaseFilter:
    """A checked case-set filter (build it with :func:`case_filter`); see the module notes."""

    indications: tuple[str, ...] = ()
    health_professionals: bool = False
    countries: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    exclude_drugs: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """True when the filter leaves out any report."""
        return self != CaseFilter()

    def describe(self) -> str:
        """Return the filter as one readable phrase ("all reports" when it keeps every report)."""
        parts = []
        if self.indications:
            parts.append("given for " + " or ".join(self.indications))
        if self.health_professionals:
            parts.append("by health professionals")
        if self.countries:
            parts.append("from " + ", ".join(self.countries))
        if self.sexes:
            parts.append("sex " + " or ".join(self.sexes))
        if self.age_bands:
            parts.append("aged " + " or ".join(self.age_bands))
        first, last = self.years
        if first is not None or last is not None:
            parts.append(f"received {first or '...'}-{last or '...'}")
        if self.exclude_drugs:
            parts.append("not naming " + " or ".join(self.exclude_drugs) + " as a suspect")
        return "reports " + "; ".join(parts) if parts else "all reports"


def _values(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def parse_years(years: str | Sequence[int | None] | None) -> tuple[int | None, int | None]:
    """Return ``(first, last)`` from ``"2015-2020"``, ``"2015-"``, ``"-2020"``, ``"2018"`` or a pair.

    Raises:
        UsageError: not a year or a span of years, or a span that ends before it starts.
    """
    if years is None or years == "":
        return (None, None)
    if isinstance(years, str):
        match = _YEARS.fullmatch(years)
        if not match or not (match[1] or match[3]):
            raise UsageError(f"years must be a year or a span such as 2015-2020, 2015- or -2020, not {years!r}")
        first = int(match[1]) if match[1] else None
        last = int(match[3]) if match[3] else (None if match[2] else first)
    else:
        pair = list(years)
        if len(pair) != 2 or any(y is not None and (isinstance(y, bool) or not isinstance(y, int)) for y in pair):
            raise UsageError(f"years must be (first, last), each a whole year or None, not {years!r}")
        first, last = pair
    if first is not None and last is not None and last < first:
        raise UsageError(f"the span of years ends ({last}) before it starts ({first})")
    return (first, last)


def case_filter(
    indications: str | Iterable[str] | None = None,
    health_professionals: bool = False,
    countries: str | Iterable[str] | None = None,
    sexes: str | Iterable[str] | None = None,
    age_bands: str | Iterable[str] | None = None,
    years: str | Sequence[int | None] | None = None,
    exclude_drugs: str | Iterable[str] | None = None,
) -> CaseFilter:
    """Return the checked :class:`CaseFilter` (each list also accepted as comma-separated text).

    Raises:
        UsageError: a country that is not two letters, a sex other than F or M,
            an unknown age band, or years that are not a year or a span.
    """
    countries_ = [c.upper() for c in _values(countries)]
    bad = [c for c in countries_ if not _COUNTRY.fullmatch(c)]
    if bad:
        raise UsageError(f"reporter country {', '.join(bad)}: give two-letter codes as FAERS writes them, "
                         "e.g. US, FR, JP")
    sexes_ = [s.upper()[:1] if s.lower() in ("female", "male") else s.upper() for s in _values(sexes)]
    bad = [s for s in sexes_ if s not in SEXES]
    if bad:
        raise UsageError(f"unknown sex {', '.join(bad)}; valid: F, M")
    bands = [label for _, _, label in AGE_BANDS]
    bad = [b for b in _values(age_bands) if b not in bands]
    if bad:
        raise UsageError(f"unknown age band {', '.join(bad)}; valid: {', '.join(bands)}")
    return CaseFilter(indications=tuple(dict.fromkeys(i.lower() for i in _values(indications))),
                      health_professionals=bool(health_professionals), countries=tuple(dict.fromkeys(countries_)),
                      sexes=tuple(dict.fromkeys(sexes_)), age_bands=tuple(dict.fromkeys(_values(age_bands))),
                      years=parse_years(years), exclude_drugs=tuple(dict.fromkeys(_values(exclude_drugs))))


def as_filter(filters: CaseFilter | dict | None) -> CaseFilter:
    """Return ``filters`` as a :class:`CaseFilter` (a dict is passed to :func:`case_filter`; None keeps all).

    Raises:
        UsageError: as :func:`case_filter`, or an unknown key in the dict.
    """
    if filters is None:
        return CaseFilter()
    if isinstance(filters, CaseFilter):
        return filters
    known = set(CaseFilter.__dataclass_fields__)
    unknown = sorted(set(filters) - known)
    if unknown:
        raise UsageError(f"unknown case filter {', '.join(unknown)}; valid: {', '.join(sorted(known))}")
    return case_filter(**filters)


def excluded_ingredients(names: pd.DataFrame, drugs: Sequence[str]) -> list[int]:
    """Return the ingredient ids of ``drugs``: an IL-6 agent by any of its names, or another drug by its
    ingredient as the store spells it (case and spacing ignored).

    Args:
        names: ``ingredient_id, ingredient, agent_id`` (from :func:`il6analysis.faers.tables.ingredients`).

    Raises:
        UsageError: a drug the store does not name (no report would be left out: a misspelling).
    """
    from il6analysis.curated.names import resolve_agent
    from il6analysis.errors import UnknownNameError

    ids: list[int] = []
    spelt = names["ingredient"].str.upper().str.split().str.join(" ")
    for drug in drugs:
        wanted = names["ingredient_id"][spelt == " ".join(drug.upper().split())]
        if wanted.empty:
            try:
                agent = resolve_agent(drug)
            except UnknownNameError:
                agent = None
            wanted = names["ingredient_id"][names["agent_id"] == agent] if agent else wanted
        if wanted.empty:
            raise UsageError(f"no drug named {drug!r} in the FAERS store, so no report would be excluded; give "
                             "the active ingredient as FAERS spells it (e.g. METHOTREXATE) or an IL-6 agent's name")
        ids += [int(i) for i in wanted]
    return ids


def narrow(raw: dict[str, ir.Table], reports: ir.Table, lookup: ir.Table, names: pd.DataFrame,
           chosen: CaseFilter) -> ir.Table:
    """Return the rows of ``reports`` (``report, sex, age_band, year`` ...) that ``chosen`` keeps.

    Args:
        raw: the store's raw tables (``demo``, ``indi``, ``drug``).
        lookup: the engine table ``name_id -> ingredient_id``; ``names`` its ingredients.

    Raises:
        UsageError: an excluded drug the store does not name.
    """
    if chosen.sexes:
        reports = reports.filter(reports.sex.isin(list(chosen.sexes)))
    if chosen.age_bands:
        reports = reports.filter(reports.age_band.isin(list(chosen.age_bands)))
    first, last = chosen.years
    if first is not None or last is not None:
        year = reports.year.nullif(UNKNOWN).cast("int64")
        known = year.notnull()
        if first is not None:
            known &= year >= first
        if last is not None:
            known &= year <= last
        reports = reports.filter(known)
    demo = raw["demo"]
    if chosen.health_professionals or chosen.countries:
        kept = demo
        if chosen.health_professionals:
            kept = kept.filter(kept.occp_cod.isin(list(HEALTH_PROFESSIONALS)))
        if chosen.countries:
            kept = kept.filter(kept.reporter_country.isin(list(chosen.countries)))
        reports = reports.semi_join(kept.select("report"), "report")
    if chosen.indications:
        indi = raw["indi"]
        given = indi.filter(indi.indi_pt.lower().isin(list(chosen.indications))).select("report")
        reports = reports.semi_join(given, "report")
    if chosen.exclude_drugs:
        ids = excluded_ingredients(names, chosen.exclude_drugs)
        drug = raw["drug"]
        named = (drug.filter(drug.role_cod.isin(list(SUSPECT_ROLES))).join(lookup, "name_id")
                 .filter(lambda t: t.ingredient_id.isin(ids)).select("report"))
        reports = reports.anti_join(named, "report")
    return reports
