"""Display helpers for notebooks: one call per table, figure or message.

They keep the report notebooks thin and make every report say plainly when
its parameters select no data.
"""

from __future__ import annotations

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


def show_table(frame: pd.DataFrame, empty_message: str = NO_ROWS, index: bool = False) -> None:
    """Display ``frame`` as an HTML table (URLs become links, text is escaped),
    or ``empty_message`` when it has no rows."""
    if frame.empty:
        say(empty_message)
        return
    html = frame.to_html(index=index, render_links=True, escape=True, na_rep="", border=0, classes="il6-table")
    display(HTML(html))
