"""``il6 labels history``: the openFDA label versions a refreshed data folder's history holds.

Two versions are compared with ``il6 changes --label SET_ID`` (:mod:`il6analysis.cli.changes`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from il6analysis.cli.app import labels_app
from il6analysis.cli.output import echo_frame


@labels_app.command("history")
def labels_history(
    set_id: Annotated[str | None, typer.Argument(help="Only this label (its openFDA set_id).")] = None,
    agent: Annotated[str | None, typer.Option(help="Only this agent's labels (any name of the agent).")] = None,
    refreshed: Annotated[Path | None, typer.Option(help="The refreshed data folder holding the history "
                                                        "(default: data/refreshed, or $IL6_REFRESHED_DIR).")] = None,
) -> None:
    """List each label version held: set_id, version, effective time, agent, brand, sections, first and last seen.

    Each `il6 refresh labels` adds the versions it sees; compare two with
    `il6 changes --label SET_ID [--from V] [--to V]`.
    """
    from il6analysis.curated.names import resolve_agent
    from il6analysis.paths import location
    from il6analysis.sources.label_history import label_versions

    folder = location("refreshed", refreshed)
    versions = label_versions(folder, set_id)
    if agent is not None:
        versions = versions[versions["agent_id"] == resolve_agent(agent)]
    if versions.empty:
        typer.echo(f"no label version held in {folder / 'history'}" + (f" for {agent}" if agent else "")
                   + ": run `il6 refresh labels` to start the history")
        return
    versions = versions.assign(effective_time=versions["effective_time"].dt.strftime("%Y-%m-%d"))
    echo_frame(versions)
