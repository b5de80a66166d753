"""The ``il6`` application: its sub-command groups and the console-script entry point.

Built on Typer (Click underneath): sub-commands, ``--help`` pages and shell
completion come from the command functions' signatures. Heavy libraries are
imported inside the commands that need them, so a scheduled ``il6 report
--suite`` with nothing to do returns in well under a second. Exit codes are
chosen in one place, :mod:`il6analysis.cli.handler`.
"""

from __future__ import annotations

import typer

from il6analysis.cli import handler
from il6analysis.startup import skip_unused_grammars

app = typer.Typer(help="IL-6 pathway therapeutics: curated data and reports. "
                       "Add --debug to see the traceback of an unexpected error.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=handler.HandledGroup)
data_app = typer.Typer(help="Browse, check and export the curated tables.", no_args_is_help=True)
refresh_app = typer.Typer(help="Fetch or ingest public sources: ClinicalTrials.gov, openFDA, Drugs@FDA, FAERS.",
                          no_args_is_help=True)
labels_app = typer.Typer(help="The openFDA label versions kept by `il6 refresh labels`.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(refresh_app, name="refresh")
store_app = typer.Typer(help="Check the FAERS store against its catalog, or rebuild a lost catalog.",
                        no_args_is_help=True)
app.add_typer(labels_app, name="labels")
app.add_typer(store_app, name="store")


def main() -> None:
    """Entry point of the ``il6`` console script."""
    skip_unused_grammars()
    app()


from il6analysis.cli import cases, changes, data, labels, refresh, report, signals, store  # noqa: E402,F401  (each registers its commands)
