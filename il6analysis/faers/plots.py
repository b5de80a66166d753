"""FAERS figures: a forest plot with every method's interval per signal, a signal year by year, and reports per year.

Each takes the output of :mod:`il6analysis.faers.signals` and returns a
:class:`matplotlib.figure.Figure`; given no data they return the reports'
small "no data" figure. Colours are the agents' fixed colours
(:func:`il6analysis.analysis.palette.color_of`), names their display labels.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from il6analysis.analysis import palette
from il6analysis.analysis.labels import agent_label
from il6analysis.analysis.plots import message_figure

INTERVALS = {  # method -> (label, point, low, high, marker); IC is log2 of a ratio, so shown as 2**IC
    "ror": ("ROR (95% CI)", "ror", "ror_low", "ror_high", "o"),
    "prr": ("PRR (95% CI)", "prr", "prr_low", "prr_high", "s"),
    "ic": ("2^IC (IC025-IC975)", "ic", "ic025", "ic975", "D"),
    "ebgm": ("EBGM (EB05-EB95)", "ebgm", "eb05", "eb95", "^"),
}


def method_forest(table: pd.DataFrame, methods: tuple[str, ...] = tuple(INTERVALS)) -> Figure:
    """Return a forest plot: one row per agent x term of ``table``, one interval per method in ``methods``
    (those with values), on one log-scaled ratio axis with the null value 1 marked."""
    shown = [m for m in methods if m in INTERVALS and table.get(INTERVALS[m][1], pd.Series(dtype=float)).notna().any()]
    if table.empty or not shown:
        return message_figure("No FAERS signal matches the selected parameters.")
    rows = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, max(2.0, 0.45 * len(rows) + 1.2)), layout="constrained")
    step = 0.6 / max(len(shown), 1)
    for position, row in rows.iterrows():
        color = palette.color_of("agent", str(row["agent_id"]))
        for k, method in enumerate(shown):
            _, point, low, high, marker = INTERVALS[method]
            values = [row[point], row[low], row[high]]
            if method == "ic":
                values = [2.0 ** v for v in values]
            if pd.isna(values[0]):
                continue
            y = position - 0.3 + step * (k + 0.5)
            ax.plot([values[1], values[2]], [y, y], color=color, linewidth=1.3)
            ax.plot(values[0], y, marker, color=color, markersize=5)
    ax.axvline(1, color="0.3", linewidth=1, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [f"{agent_label(str(a))}: {p}" for a, p in zip(rows["agent_id"], rows["pt"])])
    ax.invert_yaxis()
    handles = [Line2D([], [], color="0.3", marker=INTERVALS[m][4], linestyle="-", label=INTERVALS[m][0]) for m in shown]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(shown), frameon=False)
    ax.set(xlabel="observed / expected reporting (log scale); 1 = no disproportion", ylabel="",
           title="FAERS reporting signals, every method's interval")
    return fig


def reports_per_year_chart(per_year: pd.DataFrame) -> Figure:
    """Return a line chart of each agent's FAERS reports per FDA receipt year (from
    :func:`il6analysis.faers.signals.reports_per_year`); reports of unknown year are counted below it."""
    dated = per_year[per_year["year"] != "unknown"] if not per_year.empty else per_year
    if dated.empty:
        return message_figure("No FAERS report of the selected agents has a known year.")
    fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    for agent, rows in dated.groupby("agent_id", sort=True):
        rows = rows.assign(year=rows["year"].astype(int)).sort_values("year")
        ax.plot(rows["year"], rows["reports"], marker="o", color=palette.color_of("agent", str(agent)),
                label=agent_label(str(agent)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="year the FDA received the report", ylabel="reports (de-duplicated cases)",
           title="FAERS reports per year")
    ax.legend(frameon=False)
    unknown = int(per_year.loc[per_year["year"] == "unknown", "reports"].sum())
    if unknown:
        fig.supxlabel(f"{unknown} report(s) without a receipt year are not shown.", fontsize=9)
    return fig


def series_chart(series: pd.DataFrame, method: str = "ic") -> Figure:
    """Return a line chart of ``method``'s estimate and interval year by year for each agent x term of
    ``series`` (from :func:`il6analysis.faers.signals.signal_series`): IC on its own log2 axis with
    0 marked, the ratios on a log axis with 1 marked; years where the statistic is undefined are gaps.

    Raises:
        KeyError: an unknown method.
    """
    label, point, low, high, marker = INTERVALS[method]
    dated = series.dropna(subset=[point]) if not series.empty else series
    if dated.empty:
        return message_figure("No FAERS signal to follow year by year for the selected parameters.")
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    styles = ("-", "--", ":", "-.")
    for k, ((agent, pt), rows) in enumerate(series.groupby(["agent_id", "pt"], sort=True)):
        rows = rows.sort_values("year")
        color = palette.color_of("agent", str(agent))
        ax.fill_between(rows["year"], rows[low], rows[high], color=color, alpha=0.15, linewidth=0)
        ax.plot(rows["year"], rows[point], marker=marker, linestyle=styles[k % len(styles)], color=color,
                label=f"{agent_label(str(agent))}: {pt}")
    if method == "ic":
        ax.axhline(0, color="0.3", linewidth=1, linestyle="--")
        ylabel = "IC (log2 observed / expected); 0 = no disproportion"
    else:
        ax.set_yscale("log")
        ax.axhline(1, color="0.3", linewidth=1, linestyle="--")
        ylabel = f"{point.upper()} (log scale); 1 = no disproportion"
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = "IC (IC025-IC975)" if method == "ic" else label
    ax.set(xlabel="reports received up to the end of the year", ylabel=ylabel, title=f"{title} year by year")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    return fig
