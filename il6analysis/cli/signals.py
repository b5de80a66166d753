"""``il6 signals``: FAERS disproportionality per agent x preferred term, by the chosen methods."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli import case_options as opt
from il6analysis.cli.app import app
from il6analysis.cli.output import echo_frame, note
from il6analysis.errors import UsageError
from il6analysis.paths import location


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@app.command("signals")
def signals_command(
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Agent (any name); repeatable. Default: all.")] = None,
    method: Annotated[str, typer.Option(help="Methods, comma-separated: ror, prr (with chi2), ic, ebgm. "
                                             "The first ranks the terms.")] = "ror,prr,ic,ebgm",
    roles: Annotated[str, typer.Option(help="Drug roles counted as exposure, comma-separated: PS, SS, C, I.")] = "PS",
    min_cases: Annotated[int, typer.Option(min=0, help="Minimum reports (a) for a term to be listed.")] = 3,
    strata: Annotated[str, typer.Option(help="Stratify by any of sex, age_band, year, comma-separated "
                                             "(Mantel-Haenszel ROR, stratified expected counts).")] = "",
    haldane: Annotated[bool, typer.Option("--haldane", help="Add 0.5 to every cell before the crude ROR and PRR.")] = False,
    yates: Annotated[bool, typer.Option("--yates", help="Yates-corrected chi-square (default: Pearson, uncorrected).")] = False,
    engine: Annotated[str, typer.Option(help="Counting engine: duckdb (in-process) or spark (PySpark local mode).")] = "duckdb",
    top: Annotated[int, typer.Option(min=1, help="Terms per agent, by the lower bound of the first method.")] = 10,
    db: Annotated[Path | None, typer.Option(help="FAERS store folder (default: the faers location, or $IL6_FAERS_DB).")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print every pair as CSV instead of the top terms.")] = False,
    by_year: Annotated[bool, typer.Option("--by-year", help="Each term's statistics year by year (cumulative "
                                                            "to each FDA receipt year), for the --term terms.")] = False,
    term: Annotated[list[str] | None, typer.Option("--term", "-t", help="Preferred term to follow with --by-year "
                                                                         "(any case); repeatable. Default: all.")] = None,
    all_pairs: Annotated[Path | None, typer.Option(
        "--all-pairs", help="Write every ingredient x term pair (not only the agents') as Parquet files into this "
                            "new folder, in partitions of bounded memory.")] = None,
    indication: opt.Indication = None,
    health_professionals: opt.HealthProfessionals = False,
    country: opt.Country = None,
    sex: opt.Sex = None,
    age_band: opt.AgeBand = None,
    years: opt.Years = "",
    exclude_drug: opt.ExcludeDrug = None,
) -> None:
    """FAERS disproportionality: ROR, PRR, IC and EBGM with their intervals per agent x preferred term,
    with each signal's outcomes and time to onset; the case-set options narrow every count."""
    from il6analysis.faers.display import series_view, signal_view
    from il6analysis.faers.signals import disproportionality, signal_series

    methods = _listed(method)
    filters = opt.case_filter(indication, health_professionals, country, sex, age_band, years, exclude_drug)
    if all_pairs is not None:
        from il6analysis.faers.all_pairs import write_all_pairs

        done = write_all_pairs(location("faers", db), all_pairs, _listed(roles), max(min_cases, 1), methods=methods,
                               filters=filters, progress=note)
        typer.echo(f"wrote {done['rows']:,} pairs in {done['partitions']} partition(s) to {done['output']}")
        return
    if by_year:
        if strata.strip() or haldane or yates:
            raise UsageError("--by-year takes no --strata, --haldane or --yates (each year is its own crude table)")
        series = signal_series(location("faers", db), agents=agent, terms=term, roles=_listed(roles),
                               min_cases=min_cases, methods=methods, engine=engine.strip().lower(), filters=filters,
                               progress=note)
        if csv:
            typer.echo(series.to_csv(index=False), nl=False)
            return
        echo_frame(series_view(series, methods))
        return
    if term:
        raise UsageError("--term selects the terms followed with --by-year; add --by-year")
    table = disproportionality(location("faers", db), agents=agent, roles=_listed(roles), min_cases=min_cases,
                               methods=methods, strata=_listed(strata), haldane=haldane, yates=yates,
                               engine=engine.strip().lower(), filters=filters, progress=note)
    if csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    rows, notes = signal_view(table, methods, top)
    if filters.active:
        note(f"case set: {filters.describe()}")
    echo_frame(rows)
    for line in notes:
        note(line)
