"""Display helpers for notebooks: one call per table, figure or message.

They keep the report notebooks thin and make every report say plainly when
its parameters select no data.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
from matplotlib.figure import Figure

NO_ROWS = "_No rows match the selected parameters._"


def say(markdown: str) -> None:
    """Display ``markdown`` as a rendered Markdown block."""
    display(Markdown(markdown))


def show_figure(figure: Figure) -> None:
    """Display ``figure`` once and release it (no duplicate from the inline backend)."""
    display(figure)
    plt.close(figure)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    text = html.escape(str(value))
    if text.startswith(("http://", "https://")):
        return f'<a href="{text}">{text}</a>'
    return text


def table_html(frame: pd.DataFrame, links: Mapping[str, str] | None = None, index: bool = False) -> str:
    """Return ``frame`` as an HTML table with every value escaped.

    Missing values are blank, timestamps show their date, URL values become
    links, and ``links`` maps a column to the column holding its URL: that
    column's text becomes the link and the URL column is not shown.
    """
    links = dict(links or {})
    shown = frame.reset_index() if index else frame
    cells = shown.apply(lambda column: column.map(_cell)).astype(object)
    for text_column, url_column in links.items():
        urls = shown[url_column].map(lambda u: html.escape(str(u)) if pd.notna(u) else "")
        cells[text_column] = [f'<a href="{u}">{t}</a>' if u else t for t, u in zip(cells[text_column], urls)]
    cells = cells.drop(columns=list(links.values()))
    return cells.to_html(index=False, escape=False, border=0, classes="il6-table")


def show_table(frame: pd.DataFrame, empty_message: str = NO_ROWS, links: Mapping[str, str] | None = None,
               index: bool = False) -> None:
    """Display ``frame`` with :func:`table_html`, or ``empty_message`` when it has no rows."""
    if frame.empty:
        say(empty_message)
        return
    display(HTML(table_html(frame, links, index)))
