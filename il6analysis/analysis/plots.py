"""seaborn figures for the reports: one theme, one colour per thing (:mod:`il6analysis.analysis.palette`).

Every function takes the output of the matching analysis function and returns
a :class:`matplotlib.figure.Figure`. Given no data, it returns a small figure
that says so instead of raising, so a report whose parameters select nothing
still renders and tells the reader why it is empty. A chart that cannot show
some rows (undated actions, trials without a start year) says how many under
it. Counts get whole-number ticks; a single cell is said in a sentence, not
drawn as a heatmap.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from il6analysis.analysis import label_display, labels, palette
from il6analysis.analysis.approvals import DATE_UNKNOWN, ON_OR_BEFORE
from il6analysis.analysis.safety import WARNING_LEVELS
from il6analysis.analysis.trials import REGIMEN_ORDER
from il6analysis.curated import vocab

NO_DATA = "No data match the selected parameters."
AGENCY_COLORS = palette.AGENCY_COLORS


CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR", "Noto Sans CJK TC")
"""Fonts matplotlib falls back to for Chinese, Japanese and Korean text (Debian's fonts-noto-cjk)."""


def set_theme() -> None:
    """Apply the reports' seaborn theme (white grid, readable fonts), with the installed CJK fonts of
    :data:`CJK_FONTS` as fallbacks after DejaVu Sans, so that brand names in Chinese, Japanese or
    Korean script are drawn rather than shown as empty boxes."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    fonts = ["DejaVu Sans", *(f for f in CJK_FONTS if f in installed)]
    sns.set_theme(context="notebook", style="whitegrid", rc={"figure.dpi": 100, "savefig.dpi": 100})
    plt.rcParams["font.family"] = fonts  # a list of families: matplotlib falls back glyph by glyph


def message_figure(message: str = NO_DATA) -> Figure:
    """Return a small figure showing ``message`` in place of a chart."""
    fig, ax = figure_and_axes(7, 1.0)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, wrap=True)
    ax.set_axis_off()
    return fig


def bar_height(rows: int, per_row: float = 0.35, minimum: float = 2.5) -> float:
    """Return a figure height in inches for a chart of ``rows`` rows (at least ``minimum``)."""
    return max(minimum, per_row * rows + 1.5)


def heatmap_height(rows: int, per_row: float = 0.45) -> float:
    """Return a heatmap's figure height in inches: its rows plus room for the column labels on top and
    the legend below."""
    return per_row * rows + 3.2


def figure_and_axes(width: float, height: float):
    """Return ``(figure, axes)`` whose layout makes room for legends and notes outside the axes."""
    return plt.subplots(figsize=(width, height), layout="constrained")


def note_under(fig: Figure, text: str) -> None:
    """Write ``text`` under the chart (e.g. how many rows it cannot show), wrapped to the figure's width."""
    if text:
        fig.supxlabel(textwrap.fill(text, width=int(fig.get_figwidth() * 14)), fontsize=9, color="0.35")


def legend_outside(fig: Figure, ax, handles=None, columns: int = 4, where: str = "upper") -> None:
    """One legend outside the axes (above the chart, or below it for heatmaps, whose column
    labels are on top), never over data or labels."""
    handles = handles or ax.get_legend_handles_labels()[0]
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if handles:
        fig.legend(handles=handles, loc=f"outside {where} center", frameon=False, ncol=min(columns, len(handles)),
                   fontsize="small")


def finish_heatmap(fig: Figure, ax, title: str) -> Figure:
    """Column labels on top (so a legend below never meets them), upright and on two lines (name, then
    brand and marks), so that neighbouring labels never overlap; title above them."""
    ax.grid(False)
    ax.set(xlabel="", ylabel="")
    ax.set_title(title, pad=12)
    ax.xaxis.tick_top()
    ax.set_xticks(ax.get_xticks(), [t.get_text().replace(" (", "\n(", 1) for t in ax.get_xticklabels()])
    ax.tick_params(axis="x", labelrotation=90, length=0)
    plt.setp(ax.get_xticklabels(), ha="center", va="bottom", multialignment="left")
    return fig


def _single_cell(matrix: pd.DataFrame, what: str) -> Figure | None:
    if matrix.shape == (1, 1):
        row, column = matrix.index[0], matrix.columns[0]
        return message_figure(f"{what}: {matrix.iloc[0, 0]} ({labels.agent_label(str(column))}, {row}).")
    return None


# --- approvals -------------------------------------------------------------------------------


def approval_timeline(view: pd.DataFrame) -> Figure:
    """Regulatory actions per agent over time, coloured by agency, marker by outcome.

    A date known only to the month or year is drawn as a bar over the days it
    stands for; undated actions are counted under the chart.
    """
    dated = view.dropna(subset=["approval_date"])
    undated = len(view) - len(dated)
    if dated.empty:
        return message_figure(f"No dated regulatory action matches ({undated} with date unknown)." if undated
                              else "No regulatory action matches the selected parameters.")
    agents = sorted(dated["agent_id"].unique())
    position = {a: i for i, a in enumerate(agents)}
    fig, ax = figure_and_axes(11, bar_height(len(agents), 0.5))
    for row in dated.itertuples():
        y = position[row.agent_id]
        color = palette.AGENCY_COLORS.get(row.agency, palette.UNKNOWN_COLOR)
        if row.date_latest > row.date_earliest:
            ax.plot([row.date_earliest, row.date_latest], [y, y], color=color, linewidth=5, alpha=0.35,
                    solid_capstyle="butt")
        middle = row.date_earliest + (row.date_latest - row.date_earliest) / 2
        ax.scatter([middle], [y], color=color, marker=palette.OUTCOME_MARKERS.get(row.status, "o"), s=70, zorder=3,
                   edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(len(agents)), [labels.agent_label(a) for a in agents])
    ax.set(xlabel="action date (bars: known only to the month or year)", ylabel="", title="Regulatory actions per agent")
    agencies = [a for a in vocab.AGENCIES if a in set(dated["agency"])]
    outcomes = [s for s in vocab.APPROVAL_STATUSES if s in set(dated["status"])]
    handles = [Patch(color=palette.AGENCY_COLORS[a], label=a) for a in agencies] + [
        plt.Line2D([], [], color="0.3", marker=palette.OUTCOME_MARKERS[s], linestyle="", label=vocab.STATUS_LABELS[s])
        for s in outcomes]
    legend_outside(fig, ax, handles, columns=6)
    undated_authorisations = view["approval_date"].isna() & view["status"].isin(vocab.MARKETED_STATUSES)
    earlier = (" An undated authorisation may be earlier than the first dot of its agent and agency."
               if undated_authorisations.any() else "")
    note_under(fig, f"{undated} action(s) with date unknown are not on the time axis; they are listed in the tables."
               + earlier if undated else "")
    return fig


def approval_matrix_heatmap(matrix: pd.DataFrame, agency: str) -> Figure:
    """Indication x agent grid of ``agency``'s first authorisation ever (:func:`approvals.approval_matrix`):
    the year in blue, ``≤ year`` ("on or before": an undated authorisation may be earlier) in pale blue,
    ``?`` (date unknown) in grey; ``(EUA)`` marks an emergency-use authorisation, ``(IV)``/``(SC)`` a date
    that belongs to one route only."""
    if matrix.empty:
        return message_figure(f"No {agency} authorisation matches the selected parameters.")
    single = _single_cell(matrix, f"{agency} first authorisation")
    if single is not None:
        return single
    state = matrix.apply(lambda c: c.map(_matrix_state))
    annotations = matrix.apply(lambda c: c.map(
        lambda v: v.replace(DATE_UNKNOWN, "?").replace(f"{ON_OR_BEFORE} ", "≤").replace(" (", "\n(")
        .replace("; ", "\n")))
    fig, ax = figure_and_axes(max(6, 1.1 * matrix.shape[1] + 4), heatmap_height(matrix.shape[0], 0.55))
    colors = [palette.UNKNOWN_COLOR, MATRIX_BOUNDED_COLOR, MATRIX_DATED_COLOR]
    sns.heatmap(state, annot=annotations, fmt="", cmap=ListedColormap(colors), vmin=0, vmax=2, cbar=False,
                linewidths=0.5, linecolor="white", annot_kws={"fontsize": 9}, ax=ax)
    ax.set_xticks(ax.get_xticks(), [labels.agent_label(c) for c in matrix.columns])
    legend_outside(fig, ax, [Patch(color=MATRIX_DATED_COLOR, label="year of first authorisation"),
                       Patch(color=MATRIX_BOUNDED_COLOR,
                             label="≤ year: on or before (an undated one may be earlier)"),
                       Patch(color=palette.UNKNOWN_COLOR, label="? = authorised, date unknown"),
                       Patch(facecolor="white", edgecolor="0.8", label="empty = none recorded"),
                       Patch(facecolor="white", edgecolor="white", label="(EUA) = emergency use, not a licence")],
            columns=3, where="lower")
    return finish_heatmap(fig, ax, f"{vocab.AGENCY_NAMES.get(agency, agency)}: first authorisation")


MATRIX_DATED_COLOR = "#9ECAE1"
MATRIX_BOUNDED_COLOR = "#DEEBF7"


def _matrix_state(cell: str) -> float:
    if cell == "":
        return np.nan
    if cell.startswith(DATE_UNKNOWN):
        return 0.0
    return 1.0 if cell.startswith(ON_OR_BEFORE) else 2.0


def approvals_per_year_plot(counts: pd.DataFrame, undated: int = 0) -> Figure:
    """Stacked bars of marketing-authorisation decisions per year, one colour per agency;
    ``undated`` decisions are counted under the chart."""
    if counts.empty:
        return message_figure(f"No dated authorisation matches ({undated} decision(s) with date unknown)."
                              if undated else NO_DATA)
    table = counts.pivot_table(index="year", columns="agency", values="decisions", aggfunc="sum", observed=True)
    table = table.fillna(0).reindex(range(int(table.index.min()), int(table.index.max()) + 1), fill_value=0)
    table = table[[a for a in vocab.AGENCIES if a in table.columns]]
    fig, ax = figure_and_axes(11, 4.2)
    table.plot(kind="bar", stacked=True, color=[palette.AGENCY_COLORS[a] for a in table.columns], ax=ax, width=0.8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="", ylabel="decisions", title="Marketing-authorisation decisions per year")
    legend_outside(fig, ax, columns=8)
    unshown = f" {undated} decision(s) with date unknown are not shown." if undated else ""
    note_under(fig, "One decision covering several indications or routes counts once." + unshown)
    return fig


# --- trials ----------------------------------------------------------------------------------


def count_heatmap(matrix: pd.DataFrame, title: str) -> Figure:
    """Annotated heatmap of counts (e.g. trials per cancer type x agent); zero cells left blank."""
    if matrix.empty:
        return message_figure()
    single = _single_cell(matrix, title)
    if single is not None:
        return single
    fig, ax = figure_and_axes(max(6, 0.9 * matrix.shape[1] + 4), heatmap_height(matrix.shape[0]))
    top = int(matrix.to_numpy().max())
    sns.heatmap(matrix, annot=True, fmt="d", cmap="rocket_r", vmin=0, vmax=max(top, 1), linewidths=0.5, ax=ax,
                mask=matrix == 0, cbar_kws={"label": "trials", "ticks": MaxNLocator(integer=True)})
    ax.set_xticks(ax.get_xticks(), [labels.agent_label(str(c)) for c in matrix.columns])
    return finish_heatmap(fig, ax, title)


def stacked_counts(counts: pd.DataFrame, by: str, hue: str, title: str, colors: dict[str, str],
                   hue_labels: dict[str, str] | None = None) -> Figure:
    """Horizontal stacked bars of ``counts['trials']`` per ``by``, split by ``hue`` in the order
    and colours of ``colors``."""
    if counts.empty:
        return message_figure()
    table = counts.pivot_table(index=by, columns=hue, values="trials", aggfunc="sum", observed=True).fillna(0)
    table = table[[h for h in colors if h in table.columns]]
    table = table.loc[table.sum(axis=1).sort_values().index]
    fig, ax = figure_and_axes(11, bar_height(len(table), 0.4) + 0.6)
    table.rename(columns=hue_labels or {}).plot(kind="barh", stacked=True, ax=ax, width=0.8,
                                                 color=[colors[h] for h in table.columns])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="trials", ylabel="", title=title)
    legend_outside(fig, ax, columns=5)
    return fig


def phases_plot(counts: pd.DataFrame) -> Figure:
    """Trials per cancer type by phase (development order; unknown phase in grey)."""
    return stacked_counts(counts, "cancer_type", "phase", "Trials per cancer type by phase", palette.PHASE_COLORS,
                          labels.PHASE_LABELS)


def statuses_plot(counts: pd.DataFrame) -> Figure:
    """Trials per cancer type by overall status (unknown status in grey)."""
    return stacked_counts(counts, "cancer_type", "status", "Trials per cancer type by status",
                          palette.TRIAL_STATUS_COLORS, labels.TRIAL_STATUS_LABELS)


def regimens_plot(counts: pd.DataFrame) -> Figure:
    """Cancer type x regimen group (:func:`trials.regimens_by_cancer`): a dot per cell, sized by and
    labelled with its number of trials, coloured by regimen. Cells are not added up (a trial combining
    two groups is in both columns); each cancer type's label gives its number of trials."""
    if counts.empty:
        return message_figure()
    table = counts.pivot_table(index="cancer_type", columns="regimen", values="trials", aggfunc="sum",
                               observed=True).fillna(0)
    table = table[[r for r in REGIMEN_ORDER if r in table.columns]]
    totals = counts.groupby("cancer_type", observed=True)["cancer_trials"].first()
    table = table.loc[totals.reindex(table.index).sort_values(ascending=False, kind="stable").index]
    fig, ax = figure_and_axes(11, bar_height(len(table), 0.4) + 0.6)
    top = max(int(table.to_numpy().max()), 1)
    for x, regimen in enumerate(table.columns):
        column = table[regimen]
        rows = [y for y, value in enumerate(column) if value > 0]
        ax.scatter([x] * len(rows), rows, s=[120 + 480 * column.iloc[y] / top for y in rows],
                   color=palette.REGIMEN_COLORS[regimen], alpha=0.85, edgecolor="white")
        for y in rows:
            ax.text(x, y, str(int(column.iloc[y])), ha="center", va="center", fontsize=9, color="white",
                    fontweight="bold")
    ax.set_xticks(range(len(table.columns)), [r.replace(" ", "\n") for r in table.columns])
    ax.set_yticks(range(len(table)), [f"{c} ({totals[c]} trial{'s' if totals[c] != 1 else ''})" for c in table.index])
    ax.set_xlim(-0.6, len(table.columns) - 0.4)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.xaxis.tick_top()
    ax.set(xlabel="", ylabel="", title="Trials per cancer type with each regimen")
    note_under(fig, "Each number counts trials. A trial combining two kinds of partner is in two columns, so a row can "
               "add up to more than its trials.")
    return fig


def trial_starts_plot(counts: pd.DataFrame, unknown: int = 0) -> Figure:
    """Trials started per year, stacked by agent; ``unknown`` trials without a start are counted under it."""
    if counts.empty:
        return message_figure(f"No trial with a recorded start matches ({unknown} with start unknown)."
                              if unknown else NO_DATA)
    table = counts.pivot_table(index="start_year", columns="agent_id", values="trials", aggfunc="sum").fillna(0)
    table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1), fill_value=0)
    fig, ax = figure_and_axes(11, 4.2)
    table.rename(columns=labels.agent_label).plot(kind="bar", stacked=True, ax=ax, width=0.8,
                                                   color=[palette.color_of("agent", a) for a in table.columns])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="", ylabel="trials", title="Trial starts per year")
    legend_outside(fig, ax, columns=4)
    note_under(fig, f"{unknown} trial(s) with start date unknown are not shown." if unknown else "")
    return fig


# --- side effects ----------------------------------------------------------------------------


def frequency_heatmap(matrix: pd.DataFrame) -> Figure:
    """Term x agent heatmap of label adverse-reaction frequencies (% of patients), with what a blank
    cell and a ``[partial]`` column mean written under it."""
    if matrix.empty:
        return message_figure()
    single = _single_cell(matrix, "Label frequency (%)")
    if single is not None:
        return single
    fig, ax = figure_and_axes(max(5, 1.4 * matrix.shape[1] + 4), heatmap_height(matrix.shape[0], 0.32))
    sns.heatmap(matrix, annot=True, fmt=".0f", cmap="flare", cbar_kws={"label": "% of patients (drug arm)"},
                linewidths=0.5, ax=ax)
    ax.set_xticks(ax.get_xticks(), [labels.agent_label(str(c)) for c in matrix.columns])
    note_under(fig, f"{label_display.BLANK_MEANS.capitalize()}. [partial]: the curated table holds only part of the "
               "label's table.")
    return finish_heatmap(fig, ax, "Label adverse-reaction frequency (highest arm)")


def excess_dotplot(frame: pd.DataFrame) -> Figure:
    """Dot plot of drug % minus comparator % per term: colour = agent, marker = dose arm."""
    if frame.empty:
        return message_figure("No adverse reaction with both a drug and a comparator percentage matches.")
    order = frame.groupby("term")["excess_pct"].max().sort_values(ascending=False).index
    fig, ax = figure_and_axes(11, bar_height(len(order), 0.32) + 1.0)
    rows = {term: i for i, term in enumerate(order)}
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    handles = []
    for (agent, arm), group in frame.groupby(["agent_id", "arm"], sort=True):
        arms = sorted(frame.loc[frame["agent_id"] == agent, "arm"].unique())
        marker = markers[arms.index(arm) % len(markers)]
        color = palette.color_of("agent", agent)
        ax.scatter(group["excess_pct"], group["term"].map(rows), color=color, marker=marker, s=45, alpha=0.85)
        active = [c for c in dict.fromkeys(group["comparator"].map(label_display.comparator_label))
                  if c.startswith("active")]
        handles.append(plt.Line2D([], [], color=color, marker=marker, linestyle="",
                                  label=f"{labels.agent_label(agent)}: {arm.split(': ', 1)[-1]}"
                                        + "".join(f" (vs {c})" for c in active)))
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set(xlabel="percentage points above comparator", ylabel="", title="Excess over comparator")
    legend_outside(fig, ax, handles, columns=1)
    return fig


def warnings_heatmap(matrix: pd.DataFrame) -> Figure:
    """Warning topic x agent grid: boxed warning, warning, or not recorded; columns marked ``[partial]``
    or ``[not curated]`` (:func:`label_display.marked_columns`) get a note saying what that means."""
    if matrix.empty:
        return message_figure("No labelled warning is recorded for the selected agents.")
    codes = matrix.apply(lambda column: column.map({level: i for i, level in enumerate(WARNING_LEVELS)})).astype(float)
    colors = [palette.WARNING_LEVEL_COLORS[level] for level in WARNING_LEVELS]
    fig, ax = figure_and_axes(max(6, 1.2 * matrix.shape[1] + 5), heatmap_height(matrix.shape[0], 0.38))
    sns.heatmap(codes, cmap=ListedColormap(colors), vmin=-0.5, vmax=2.5, cbar=False, linewidths=1, linecolor="white",
                ax=ax)
    ax.set_xticks(ax.get_xticks(), [labels.agent_label(str(c)) for c in matrix.columns])
    handles = [Patch(facecolor=c, edgecolor="0.8", label=lbl) for c, lbl in zip(colors, WARNING_LEVELS)]
    if any("[" in str(c) for c in matrix.columns):
        handles.append(Patch(facecolor="white", edgecolor="white", label="[partial] / [not curated]: only part of "
                             "the label's warnings curated, so \"not recorded\" may be a warning it carries"))
    legend_outside(fig, ax, handles, columns=2, where="lower")
    return finish_heatmap(fig, ax, "Labelled warnings")
