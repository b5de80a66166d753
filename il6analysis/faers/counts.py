"""Ingredient x preferred-term report counts over a FAERS store, written once in Ibis for every engine.

Over the de-duplicated reports of :mod:`il6analysis.faers.tables`,
optionally within strata (any of sex, age band, report year)::

    a        distinct reports naming the ingredient (in the chosen roles) AND the term
    n_drug   distinct reports naming the ingredient (in the chosen roles)
    n_event  distinct reports with the term (whatever the drugs)
    n        distinct reports in all

:func:`all_pairs` gives, for every pair with ``a >= 1``, the crude ``a`` and the
expected count ``E`` (``n_drug n_event / n``, or summed over strata): what the
EBGM prior is fitted on, which :func:`expected_distribution` gives as the
distinct ``(a, E)`` with their number of pairs. :func:`pair_rows` gives the cells of the chosen
ingredients' pairs, one row per pair and stratum (zeros included, as the
Mantel-Haenszel sums and the crude table need).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from il6analysis.errors import UsageError
from il6analysis.faers.tables import STRATA

SEPARATOR = " | "


def check_strata(strata: Sequence[str]) -> list[str]:
    """Return ``strata`` as a list.

    Raises:
        UsageError: an unknown or repeated stratum.
    """
    bad = [s for s in strata if s not in STRATA]
    if bad or len(set(strata)) != len(strata):
        raise UsageError(f"unknown or repeated stratum {', '.join(bad) or ', '.join(strata)}; valid: {', '.join(STRATA)}")
    return list(strata)


@dataclass(frozen=True)
class Margins:
    """The per-stratum counts: ``totals`` (stratum, n), ``n_drug`` (ingredient_id, stratum, n_drug),
    ``n_event`` (pt_id, stratum, n_event) and ``pairs`` (ingredient_id, pt_id, stratum, a >= 1);
    without strata the one stratum is ``"all"``."""

    totals: ir.Table
    n_drug: ir.Table
    n_event: ir.Table
    pairs: ir.Table
    stratified: bool


def margins(clean: dict[str, ir.Table], strata: Sequence[str]) -> Margins:
    """Return the :class:`Margins` of the clean tables within ``strata`` (none: one stratum, added
    after counting, so the counts group by the identifiers alone)."""
    reports, exposed, events = clean["reports"], clean["exposed"], clean["events"]
    by: list[str] = []
    if strata:
        reports = reports.select("report", stratum=ibis.literal(SEPARATOR).join([reports[s] for s in strata]))
        exposed, events = exposed.join(reports, "report"), events.join(reports.view(), "report")
        by = ["stratum"]

    def count(table: ir.Table, keys: list[str], name: str) -> ir.Table:
        keys = keys + by
        counted = table.group_by(keys).agg(**{name: ibis._.count()}) if keys else table.agg(**{name: ibis._.count()})
        return counted if strata else counted.mutate(stratum=ibis.literal("all"))

    return Margins(totals=count(reports, [], "n"), n_drug=count(exposed, ["ingredient_id"], "n_drug"),
                   n_event=count(events, ["pt_id"], "n_event"),
                   pairs=count(exposed.join(events, ["report", *by]), ["ingredient_id", "pt_id"], "a"),
                   stratified=bool(strata))


def all_pairs(m: Margins) -> ir.Table:
    """Return ``ingredient_id, pt_id, a, expected`` for every pair with ``a >= 1`` (``m`` from :func:`margins`)."""
    if not m.stratified:
        cells = m.pairs.join(m.n_drug, ["ingredient_id", "stratum"]).join(m.n_event, ["pt_id", "stratum"]).join(
            m.totals, "stratum")
        return cells.select("ingredient_id", "pt_id", "a", expected=cells.n_drug.cast("float64") * cells.n_event / cells.n)
    crude = m.pairs.group_by(["ingredient_id", "pt_id"]).agg(a=m.pairs.a.sum())
    cells = (crude.select("ingredient_id", "pt_id").join(m.n_drug, "ingredient_id")
             .join(m.n_event, ["pt_id", "stratum"]).join(m.totals, "stratum"))
    expected = cells.group_by(["ingredient_id", "pt_id"]).agg(
        expected=(cells.n_drug.cast("float64") * cells.n_event / cells.n).sum())
    return crude.join(expected, ["ingredient_id", "pt_id"])


def expected_distribution(m: Margins) -> ir.Table:
    """Return ``a, expected, pairs``: how many pairs with ``a >= 1`` share each observed and expected
    count, ordered by both; the EBGM prior fitted to these rows, weighted by ``pairs``, is the one fitted
    to every pair of :func:`all_pairs`, for less work."""
    every = all_pairs(m)
    return every.group_by(["a", "expected"]).agg(pairs=ibis._.count()).order_by(["a", "expected"])


def pair_rows(m: Margins, ingredient_ids: Sequence[int] | None, min_cases: int = 1) -> ir.Table:
    """Return ``ingredient_id, pt_id, stratum, a, n_drug, n_event, n`` for the pairs of ``ingredient_ids``
    (all when None) whose crude ``a`` is at least ``min_cases``: one row per pair and stratum, every
    stratum included (zeros where the ingredient or the term does not occur in it), so that the rows
    sum to the crude 2x2 table."""
    chosen = m.pairs
    if ingredient_ids is not None:
        chosen = chosen.filter(chosen.ingredient_id.isin(list(ingredient_ids)))
    crude = chosen.group_by(["ingredient_id", "pt_id"]).agg(total=chosen.a.sum())
    crude = crude.filter(crude.total >= min_cases).select("ingredient_id", "pt_id")
    grid = crude.cross_join(m.totals)
    grid = grid.left_join(m.n_drug, ["ingredient_id", "stratum"]).select(
        "ingredient_id", "pt_id", "stratum", "n", "n_drug")
    grid = grid.left_join(m.n_event, ["pt_id", "stratum"]).select(
        "ingredient_id", "pt_id", "stratum", "n", "n_drug", "n_event")
    found = chosen.select("ingredient_id", "pt_id", "stratum", found=chosen.a)
    rows = grid.left_join(found, ["ingredient_id", "pt_id", "stratum"])
    return rows.select("ingredient_id", "pt_id", "stratum", a=rows.found.fill_null(0),
                       n_drug=rows.n_drug.fill_null(0), n_event=rows.n_event.fill_null(0), n="n")


def reports_per_year(clean: dict[str, ir.Table], ingredient_ids: Sequence[int]) -> ir.Table:
    """Return ``ingredient_id, year, reports`` for ``ingredient_ids`` and ``year, all_reports`` joined on it."""
    reports = clean["reports"].select("report", "year")
    exposed = clean["exposed"].filter(clean["exposed"].ingredient_id.isin(list(ingredient_ids)))
    per = exposed.join(reports, "report").group_by(["ingredient_id", "year"]).agg(reports=ibis._.count())
    everything = reports.group_by("year").agg(all_reports=ibis._.count())
    return per.join(everything, "year")
