"""Printing tables and outcomes on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import pandas as pd


def echo_frame(frame: pd.DataFrame) -> None:
    """Print ``frame`` as an aligned table, every row and column shown."""
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 60):
        typer.echo(frame.to_string(index=False))


def note(message: str) -> None:
    """Print a ``note:`` line on standard error."""
    typer.secho(f"note: {message}", err=True, fg=typer.colors.YELLOW)
