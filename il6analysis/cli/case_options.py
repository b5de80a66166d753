"""The case-set filter options shared by ``il6 signals``, ``il6 cases`` and ``il6 changes --faers``.

Each command declares these options by their type aliases and passes the
values to :func:`case_filter`, so every command filters the same way
(:mod:`il6analysis.faers.filters`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from il6analysis.faers.filters import CaseFilter

Indication = Annotated[list[str] | None, typer.Option(
    "--indication", help="Only reports where a drug was given for this indication (INDI preferred term, any case); "
                         "repeatable or comma-separated.")]
HealthProfessionals = Annotated[bool, typer.Option(
    "--health-professionals", help="Only reports by physicians, pharmacists and other health professionals.")]
Country = Annotated[list[str] | None, typer.Option(
    "--country", help="Only reports from these reporter countries (two-letter codes, e.g. US); repeatable or "
                      "comma-separated.")]
Sex = Annotated[list[str] | None, typer.Option("--sex", help="Only patients of this sex (F or M).")]
AgeBand = Annotated[list[str] | None, typer.Option(
    "--age-band", help="Only patients in these age bands: 0-17, 18-44, 45-64, 65-74, 75+; repeatable or "
                       "comma-separated.")]
Years = Annotated[str, typer.Option(help="Only reports received in these years: 2018, 2015-2020, 2015- or -2020.")]
ExcludeDrug = Annotated[list[str] | None, typer.Option(
    "--exclude-drug", help="Leave out reports that name this drug as a suspect (active ingredient, e.g. METHOTREXATE, "
                           "or an IL-6 agent's name); repeatable.")]


def case_filter(indication: list[str] | None, health_professionals: bool, country: list[str] | None,
                sex: list[str] | None, age_band: list[str] | None, years: str,
                exclude_drug: list[str] | None) -> CaseFilter:
    """Return the checked filter of the options' values.

    Raises:
        UsageError: a value that is not valid (see :func:`il6analysis.faers.filters.case_filter`).
    """
    from il6analysis.faers.filters import case_filter as build

    return build(indications=indication, health_professionals=health_professionals, countries=country, sexes=sex,
                 age_bands=age_band, years=years or None, exclude_drugs=exclude_drug)
