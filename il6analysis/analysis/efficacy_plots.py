"""seaborn figures of the efficacy table: each arm against its own comparator, one panel per group.

A panel holds the trials of one population against one kind of comparator
(placebo, an active drug, the reference product), so bars of unlike trials never
share an axis; each bar is one arm of one trial, labelled with the trial. Every
function takes the output of :func:`il6analysis.analysis.efficacy.arm_differences`
and returns a :class:`matplotlib.figure.Figure` (a figure saying so when nothing matches).
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from il6analysis.analysis import labels, palette
from il6analysis.analysis.plots import message_figure
from il6analysis.curated import vocab

TITLE_WIDTH = 60
"""Characters per line of a panel title."""

HAZARD_TICKS: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0)
"""Ticks (and limits) of the hazard-ratio axis."""


def _bar_labels(part: pd.DataFrame) -> pd.Series:
    """One label per row: trial, arm and week, plus the comparator where an arm has several."""
    week = part["timepoint_weeks"].map(lambda w: "" if pd.isna(w) else f", week {int(w)}")
    labels_ = part["trial"] + ": " + part["arm"] + week
    repeated = labels_.duplicated(keep=False)
    return labels_.where(~repeated, labels_ + " vs " + part["comparator"])


def _sizes(row) -> str:
    """" (n 286 vs 284)" when the source gives both arm sizes, else "" (a bar never shows how many patients it rests on)."""
    if pd.isna(row.n_arm) or pd.isna(row.comparator_n):
        return ""
    return f" (n {int(row.n_arm)} vs {int(row.comparator_n)})"


def _title(ax, group: str) -> None:
    """The panel's group as its title, wrapped so that a long population name stays inside the figure."""
    ax.set_title(textwrap.fill(group, TITLE_WIDTH), loc="left", fontsize=10)


def _panels(rows: pd.DataFrame, per_bar: float, width: float = 12):
    """One axes per group (population x kind of comparator), heights proportional to their rows."""
    groups = list(dict.fromkeys(rows["group"]))
    sizes = [int((rows["group"] == g).sum()) for g in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(width, per_bar * sum(sizes) + 1.3 * len(groups) + 1.2),
                             layout="constrained", sharex=True, gridspec_kw={"height_ratios": sizes}, squeeze=False)
    return fig, [(g, rows[rows["group"] == g], ax) for g, ax in zip(groups, axes[:, 0])]


def _agent_legend(fig: Figure, rows: pd.DataFrame) -> None:
    colors = palette.agent_colors()
    agents = list(dict.fromkeys(rows["agent_id"]))
    handles = [Patch(color=colors.get(a, palette.UNKNOWN_COLOR), label=labels.agent_label(a)) for a in agents]
    fig.legend(handles=handles, loc="outside lower center", frameon=False, ncol=min(4, len(handles)), fontsize="small")


def difference_chart(diffs: pd.DataFrame, endpoint: str) -> Figure:
    """Horizontal bars of ``benefit`` (the arm's difference against its own comparator, positive
    when it favours the arm) for one endpoint, one panel per population and kind of comparator,
    each bar annotated with the two values it comes from.

    Raises:
        KeyError: ``endpoint`` is not an efficacy endpoint.
    """
    name, unit, higher_better = vocab.EFFICACY_ENDPOINTS[endpoint]
    rows = diffs[(diffs["endpoint"] == endpoint) & diffs["benefit"].notna()]
    if rows.empty:
        return message_figure(f"No arm with both its own and its comparator's {name} matches.")
    fig, panels = _panels(rows, per_bar=0.42)
    colors = palette.agent_colors()
    for group, part, ax in panels:
        part = part.assign(label=_bar_labels(part))
        sns.barplot(part, x="benefit", y="label", hue="agent_id", palette=colors, dodge=False, legend=False,
                    errorbar=None, ax=ax)
        for bar_index, row in enumerate(part.itertuples()):
            ax.annotate(f" {row.value:g} vs {row.comparator_value:g}{_sizes(row)}", (max(row.benefit, 0), bar_index),
                        va="center", fontsize=8, color="0.25")
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set(ylabel="", xlabel="")
        _title(ax, group)
    low, high = min(0.0, rows["benefit"].min()), max(0.0, rows["benefit"].max())
    panels[0][2].set_xlim(low - 0.05 * (high - low), high + 0.4 * (high - low))  # room for the values beside the bars
    unit_words = "percentage points" if unit == "percent" else "points"
    sign = "arm minus comparator" if higher_better else "comparator minus arm, as lower is better"
    panels[-1][2].set_xlabel(f"Difference against the trial's own comparator, {unit_words}\n"
                             f"({sign}; positive favours the arm)")
    fig.suptitle(f"{name}: each arm against its own comparator (not head to head)", fontsize=12)
    _agent_legend(fig, rows)
    return fig


def hazard_ratio_chart(diffs: pd.DataFrame) -> Figure:
    """Dots at each arm's hazard ratio against its own comparator (log scale, 1 = no difference),
    one panel per population and kind of comparator."""
    rows = diffs[diffs["unit"] == "hazard_ratio"]
    if rows.empty:
        return message_figure("No hazard ratio matches.")
    fig, panels = _panels(rows, per_bar=0.5)
    colors = palette.agent_colors()
    for group, part, ax in panels:
        part = part.assign(label=_bar_labels(part))
        sns.scatterplot(part, x="value", y="label", hue="agent_id", palette=colors, s=80, legend=False, ax=ax)
        for row in part.itertuples():
            ax.annotate(f"  HR {row.value:g}{_sizes(row)}", (row.value, row.label), va="center", fontsize=8, color="0.25")
        ax.axvline(1, color="0.3", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xticks(HAZARD_TICKS, [f"{t:g}" for t in HAZARD_TICKS])
        ax.set_xlim(HAZARD_TICKS[0], HAZARD_TICKS[-1])
        ax.minorticks_off()
        ax.set(ylabel="", xlabel="")
        _title(ax, group)
    panels[-1][2].set_xlabel("Hazard ratio against the trial's own comparator\n(log scale; below 1 favours the arm)")
    fig.suptitle("Hazard ratios: each trial against its own comparator (not head to head)", fontsize=12)
    _agent_legend(fig, rows)
    return fig
