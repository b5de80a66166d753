"""Figures of the pipeline report: highest phase per agent x indication, and trial starts by phase and year.

Same conventions as :mod:`il6analysis.analysis.plots`: one palette, a figure
that says so when there is no data, and what a chart cannot show counted
under it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from il6analysis.analysis import labels, palette
from il6analysis.analysis.pipeline import NONE_ENROLLED, NOT_RECORDED
from il6analysis.analysis.plots import (
    bar_height,
    figure_and_axes,
    finish_heatmap,
    heatmap_height,
    legend_outside,
    message_figure,
    note_under,
)
from il6analysis.curated import vocab

PHASE_SHORT: dict[str, str] = {
    "EARLY_PHASE1": "early 1", "PHASE1": "1", "PHASE1/PHASE2": "1/2", "PHASE2": "2", "PHASE2/PHASE3": "2/3",
    "PHASE3": "3", "PHASE4": "4", "NA": "n/a", NOT_RECORDED: "?", NONE_ENROLLED: "none",
}
"""Phase -> the short text written in a heatmap cell."""
STAGES: tuple[str, ...] = (*vocab.TRIAL_PHASES, NOT_RECORDED, NONE_ENROLLED)
STAGE_COLORS: dict[str, str] = {**palette.PHASE_COLORS, NONE_ENROLLED: "#FFFFFF"}
DARK_PHASES = {"PHASE2", "PHASE2/PHASE3", "PHASE3", "PHASE4", "NA"}


def pipeline_heatmap(matrix: pd.DataFrame) -> Figure:
    """Indication x agent grid of the highest phase reached (:func:`pipeline.phase_matrix`), coloured
    light to dark in development order; ``?`` = phase not recorded, ``none`` = no trial enrolled anyone."""
    if matrix.empty:
        return message_figure("No curated trial matches the selected parameters.")
    present = [s for s in STAGES if s in set(matrix.to_numpy().ravel())]
    codes = matrix.apply(lambda c: c.map(lambda v: present.index(v) if v in present else np.nan)).astype(float)
    text = matrix.apply(lambda c: c.map(lambda v: PHASE_SHORT.get(v, v)))
    fig, ax = figure_and_axes(max(7, 0.9 * matrix.shape[1] + 6), heatmap_height(matrix.shape[0], 0.36))
    sns.heatmap(codes, annot=text, fmt="", cmap=ListedColormap([STAGE_COLORS[s] for s in present]),
                vmin=-0.5, vmax=len(present) - 0.5, cbar=False, linewidths=0.5, linecolor="0.9", ax=ax,
                annot_kws={"fontsize": 8})
    for annotation, value in zip(ax.texts, matrix.to_numpy().ravel()[~np.isnan(codes.to_numpy().ravel())]):
        annotation.set_color("white" if value in DARK_PHASES else "black")
    ax.set_xticks(ax.get_xticks(), [labels.agent_label(str(c)) for c in matrix.columns])
    handles = [Patch(facecolor=STAGE_COLORS[s], edgecolor="0.7",
                     label=f"{PHASE_SHORT[s]} = {labels.PHASE_LABELS.get(s, s)}") for s in present]
    legend_outside(fig, ax, handles, columns=5, where="lower")
    return finish_heatmap(fig, ax, "Highest phase reached per indication")


def phase_by_year(trials: pd.DataFrame) -> Figure:
    """Each trial (:func:`pipeline.pipeline_trials`) as a dot at its start year on its agent's row,
    coloured by phase; a trial that never enrolled is drawn hollow. Trials without a start year are
    counted under the chart."""
    distinct = trials.drop_duplicates(["nct_id", "agent_id"])
    dated = distinct.dropna(subset=["start_year"])
    undated = len(distinct) - len(dated)
    if dated.empty:
        return message_figure(f"No trial with a recorded start matches ({undated} with start unknown)."
                              if undated else "No curated trial matches the selected parameters.")
    agents = sorted(dated["agent_id"].unique())
    fig, ax = figure_and_axes(11, bar_height(len(agents), 0.55))
    phases = dated["phase"].astype("str").where(dated["phase"].notna(), NOT_RECORDED)
    same_year = dated.groupby(["agent_id", "start_year"])
    offsets = same_year.cumcount() - (same_year["nct_id"].transform("size") - 1) / 2
    for (row, phase, offset) in zip(dated.itertuples(), phases, offsets):
        color = palette.PHASE_COLORS.get(phase, palette.UNKNOWN_COLOR)
        y = agents.index(row.agent_id) + offset * 0.12
        ax.scatter([int(row.start_year)], [y], s=55, color=color if row.enrolled else "white",
                   edgecolor=color if not row.enrolled else "0.3", linewidth=1.2, zorder=3)
    ax.set_yticks(range(len(agents)), [labels.agent_label(a) for a in agents])
    ax.set_ylim(len(agents) - 0.5, -0.5)
    ax.set(xlabel="start year", ylabel="", title="Trials by start year and phase")
    shown = [p for p in STAGES if p in set(phases)]
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=palette.PHASE_COLORS.get(p, palette.UNKNOWN_COLOR),
                          markeredgecolor="0.3", label=labels.PHASE_LABELS.get(p, p)) for p in shown]
    handles.append(plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="0.3",
                              label="never enrolled"))
    legend_outside(fig, ax, handles, columns=5)
    note_under(fig, f"{undated} trial(s) with start date unknown are not shown." if undated else "")
    return fig
