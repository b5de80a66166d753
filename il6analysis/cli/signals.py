"""``il6 signals``: FAERS disproportionality per agent x preferred term."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import app
from il6analysis.cli.output import echo_frame
from il6analysis.paths import location


@app.command("signals")
def signals_command(
    agent: Annotated[list[str] | None, typer.Option("--agent", "-a", help="Agent (any name); repeatable. Default: all.")] = None,
    roles: Annotated[str, typer.Option(help="Drug roles counted as exposure, comma-separated: PS, or PS,SS.")] = "PS",
    min_cases: Annotated[int, typer.Option(min=1, help="Minimum reports for a term to be listed.")] = 3,
    top: Annotated[int, typer.Option(min=1, help="Terms per agent, by lower ROR bound.")] = 10,
    db: Annotated[Path | None, typer.Option(help="FAERS DuckDB file (default: data/faers.duckdb, or $IL6_FAERS_DB).")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print every pair as CSV instead of the top terms.")] = False,
) -> None:
    """FAERS disproportionality: ROR and PRR with 95% CIs per agent x preferred term."""
    from il6analysis.analysis.signals import disproportionality, top_signals

    table = disproportionality(location("faers", db), agents=agent,
                               roles=[r.strip().upper() for r in roles.split(",")], min_cases=min_cases)
    if csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    echo_frame(top_signals(table, top).round(2))
