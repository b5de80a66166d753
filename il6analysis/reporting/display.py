"""Display helpers for notebooks: one call per table, figure or message.

They keep the report notebooks thin and make every report say plainly when
its parameters select no data. Tables show human labels (agents by INN and
brand, "Phase 1/2", "Active, not recruiting") from :mod:`il6analysis.analysis.labels`;
long tables become sortable, searchable, filterable tables (itables, with its
scripts embedded in the page, so they work with no network) and every table
of more than a few rows offers its rows as a CSV download.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
from matplotlib.figure import Figure

from il6analysis.analysis import labels, plots

NO_ROWS = "_No rows match the selected parameters._"
INTERACTIVE_ROWS = 10
"""Tables with more rows than this are interactive (sort, search, column filters, pages)."""


def setup() -> None:
    """Prepare a report or interactive notebook: the seaborn theme, and interactive tables
    whose library is embedded in the notebook (offline; nothing is loaded from the network)."""
    import itables

    plots.set_theme()
    itables.init_notebook_mode(connected=False)


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
        host = urllib.parse.urlsplit(str(value)).hostname or text
        return f'<a href="{text}" title="{text}">{html.escape(host.removeprefix("www."))}</a>'
    return text


def _cells(frame: pd.DataFrame, links: Mapping[str, str]) -> pd.DataFrame:
    """Escape every value; a column in ``links`` becomes a link to the URL in its partner column."""
    cells = frame.apply(lambda column: column.map(_cell)).astype(object)
    for text_column, url_column in links.items():
        urls = frame[url_column].map(lambda u: html.escape(str(u)) if pd.notna(u) else "")
        cells[text_column] = [f'<a href="{u}">{t}</a>' if u else t for t, u in zip(cells[text_column], urls)]
    return cells.drop(columns=list(links.values()))


def table_html(frame: pd.DataFrame, links: Mapping[str, str] | None = None, index: bool = False) -> str:
    """Return ``frame`` as a static HTML table with human labels and every value escaped.

    Missing values are blank, timestamps show their date, URL values become
    links named by their host (the full address in the link and its tooltip), and ``links`` maps a column to the column holding its URL: that
    column's text becomes the link and the URL column is not shown.
    """
    links = dict(links or {})
    shown = frame.reset_index() if index else frame
    cells = labels.relabel_columns(_cells(labels.relabel_values(shown), links))
    return cells.to_html(index=False, escape=False, border=0, classes="il6-table")


def csv_link(frame: pd.DataFrame, name: str = "table") -> str:
    """Return an HTML link that downloads ``frame`` (all rows, human labels) as ``<name>.csv``,
    with the data inside the link itself, so it works offline."""
    data = urllib.parse.quote(labels.humanize(frame).to_csv(index=False))
    safe = html.escape(name)
    return (f'<p class="il6-download"><a download="{safe}.csv" href="data:text/csv;charset=utf-8,{data}">'
            f"Download these {len(frame)} rows as CSV</a></p>")


def show_table(frame: pd.DataFrame, empty_message: str = NO_ROWS, links: Mapping[str, str] | None = None,
               index: bool = False, name: str = "table", interactive: bool | None = None) -> None:
    """Display ``frame`` for readers, or ``empty_message`` when it has no rows.

    Up to :data:`INTERACTIVE_ROWS` rows (or ``interactive=False``): a static table.
    More (or ``interactive=True``): an interactive table (sort by any column, search,
    per-column filters, pages) with a CSV download of every row; no row is ever
    dropped or sampled.
    """
    if frame.empty:
        say(empty_message)
        return
    links = dict(links or {})
    shown = frame.reset_index() if index else frame
    if not (interactive if interactive is not None else len(shown) > INTERACTIVE_ROWS):
        display(HTML(table_html(shown, links)))
        return
    import itables

    cells = labels.relabel_columns(_cells(labels.relabel_values(shown), links))
    download = shown.drop(columns=list(links.values()))
    display(HTML(csv_link(download, name)))
    itables.show(cells, allow_html=True, showIndex=False, maxBytes=0, maxRows=0, maxColumns=0,
                 classes="display compact cell-border il6-interactive", column_filters="footer",
                 pageLength=25, lengthMenu=[10, 25, 100, -1], autoWidth=False,
                 layout={"topStart": "pageLength", "topEnd": "search", "bottomStart": "info",
                         "bottomEnd": "paging"})
