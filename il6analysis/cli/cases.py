"""``il6 cases``: the de-duplicated FAERS reports behind one agent x preferred term."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli import case_options as opt
from il6analysis.cli.app import app
from il6analysis.cli.output import echo_frame, note
from il6analysis.errors import UsageError
from il6analysis.paths import location


@app.command("cases")
def cases_command(
    agent: Annotated[str, typer.Option("--agent", "-a", help="The agent (any INN, brand or code name).")],
    term: Annotated[str, typer.Option("--term", "-t", help="The MedDRA preferred term (any case).")],
    roles: Annotated[str, typer.Option(help="Drug roles counted as exposure, comma-separated: PS, SS, C, I.")] = "PS",
    db: Annotated[Path | None, typer.Option(help="FAERS store folder (default: the faers location, "
                                                 "or $IL6_FAERS_DB).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the listing to this CSV file (a new "
                                                                       "file) instead of printing it.")] = None,
    indication: opt.Indication = None,
    health_professionals: opt.HealthProfessionals = False,
    country: opt.Country = None,
    sex: opt.Sex = None,
    age_band: opt.AgeBand = None,
    years: opt.Years = "",
    exclude_drug: opt.ExcludeDrug = None,
) -> None:
    """List the FAERS reports behind a signal: report, quarter, age, sex, country, reporter, serious outcomes,
    time to onset, other suspect drugs and indications, one row per de-duplicated case."""
    from il6analysis.faers.cases import case_listing, readable

    if output is not None:
        if output.exists():
            raise UsageError(f"--output {output} exists; give a new file")
        if not output.parent.is_dir():
            raise UsageError(f"--output {output}: the folder {output.parent} does not exist")
    chosen = opt.case_filter(indication, health_professionals, country, sex, age_band, years, exclude_drug)
    listing = case_listing(location("faers", db), agent, term, [r.strip() for r in roles.split(",") if r.strip()],
                           filters=chosen, progress=note)
    if output is not None:
        from il6analysis.atomic import atomic_write_text

        atomic_write_text(output, listing.to_csv(index=False, lineterminator="\n"))
        typer.echo(f"wrote {len(listing)} report(s) to {output}")
        return
    within = f" ({chosen.describe()})" if chosen.active else ""
    if listing.empty:
        typer.echo(f"no report names {agent} with {term}{within}")
        return
    typer.echo(f"{len(listing)} report(s) name {agent} with {term}{within}:")
    echo_frame(readable(listing))
