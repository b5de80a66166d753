"""Ingredient x preferred-term report counts over a FAERS store, written once in Ibis for every engine.

Over the de-duplicated reports of :mod:`il6analysis.analysis.faers_tables`,
optionally within strata (any of sex, age band, report year)::

    a        distinct reports naming the ingredient (in the chosen roles) AND the term
    n_drug   distinct reports naming the ingredient (in the chosen roles)
    n_event  distinct reports with the term (whatever the drugs)
    n        distinct reports in all

:func:`all_pairs` gives, for every pair with ``a >= 1``, the crude ``a`` and the
expected count ``E`` (``n_drug n_event / n``, or summed over strata): what the
EBGM prior is fitted on. :func:`pair_rows` gives the cells of the chosen
ingredients' pairs, one row per pair and stratum (zeros included, as the
Mantel-Haenszel sums and the crude table need).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from il6analysis.analysis.faers_tables import STRATA
from il6analysis.errors import UsageError

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


def _with_stratum(clean: dict[str, ir.Table], strata: Sequence[str]) -> dict[str, ir.Table]:
    """The clean tables with a ``stratum`` column (one constant value without strata)."""
    reports = clean["reports"]
    if strata:
        label = ibis.literal(SEPARATOR).join([reports[s] for s in strata])
    else:
        label = ibis.literal("all")
    keyed = reports.select("report", stratum=label)
    return {"reports": keyed, "exposed": clean["exposed"].join(keyed, "report"),
            "events": clean["events"].join(keyed.view(), "report")}


def margins(clean: dict[str, ir.Table], strata: Sequence[str]) -> dict[str, ir.Table]:
    """Return the per-stratum tables ``totals`` (n), ``n_drug``, ``n_event`` and ``pairs`` (a >= 1)."""
    t = _with_stratum(clean, strata)
    exposed, events = t["exposed"], t["events"]
    pairs = (exposed.join(events, ["report", "stratum"])
             .group_by(["ingredient_id", "pt_id", "stratum"]).agg(a=ibis._.count()))
    return {"totals": t["reports"].group_by("stratum").agg(n=ibis._.count()),
            "n_drug": exposed.group_by(["ingredient_id", "stratum"]).agg(n_drug=ibis._.count()),
            "n_event": events.group_by(["pt_id", "stratum"]).agg(n_event=ibis._.count()),
            "pairs": pairs}


def all_pairs(m: dict[str, ir.Table]) -> ir.Table:
    """Return ``ingredient_id, pt_id, a, expected`` for every pair with ``a >= 1`` (``m`` from :func:`margins`)."""
    crude = m["pairs"].group_by(["ingredient_id", "pt_id"]).agg(a=m["pairs"].a.sum())
    cells = (crude.select("ingredient_id", "pt_id").join(m["n_drug"], "ingredient_id")
             .join(m["n_event"], ["pt_id", "stratum"]).join(m["totals"], "stratum"))
    expected = cells.group_by(["ingredient_id", "pt_id"]).agg(
        expected=(cells.n_drug.cast("float64") * cells.n_event / cells.n).sum())
    return crude.join(expected, ["ingredient_id", "pt_id"])


def pair_rows(m: dict[str, ir.Table], ingredient_ids: Sequence[int] | None, min_cases: int = 1) -> ir.Table:
    """Return ``ingredient_id, pt_id, stratum, a, n_drug, n_event, n`` for the pairs of ``ingredient_ids``
    (all when None) whose crude ``a`` is at least ``min_cases``: one row per pair and stratum, every
    stratum included (zeros where the ingredient or the term does not occur in it), so that the rows
    sum to the crude 2x2 table."""
    chosen = m["pairs"]
    if ingredient_ids is not None:
        chosen = chosen.filter(chosen.ingredient_id.isin(list(ingredient_ids)))
    crude = chosen.group_by(["ingredient_id", "pt_id"]).agg(total=chosen.a.sum())
    crude = crude.filter(crude.total >= min_cases).select("ingredient_id", "pt_id")
    grid = crude.cross_join(m["totals"])
    grid = grid.left_join(m["n_drug"], ["ingredient_id", "stratum"]).select(
        "ingredient_id", "pt_id", "stratum", "n", "n_drug")
    grid = grid.left_join(m["n_event"], ["pt_id", "stratum"]).select(
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
