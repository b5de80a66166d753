"""seaborn figures for the reports, one consistent theme, one call each.

Every function takes the output of the matching :mod:`il6analysis.analysis.approvals`
function and returns a :class:`matplotlib.figure.Figure`. Given no data, it
returns a small figure that says so instead of raising, so a report whose
parameters select nothing still renders and tells the reader why it is empty.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from il6analysis.analysis.safety import WARNING_LEVELS
from il6analysis.analysis.trials import REGIMEN_ORDER
from il6analysis.curated import vocab

AGENCY_COLORS: dict[str, tuple[float, float, float]] = dict(
    zip(vocab.AGENCIES, sns.color_palette("colorblind", len(vocab.AGENCIES)))
)
"""One colour per agency, the same in every figure."""

STATUS_MARKERS: dict[str, str] = {
    "approved": "o",
    "emergency_use": "D",
    "complete_response": "X",
    "application_withdrawn": "v",
    "refused": "X",
    "authorisation_withdrawn": "v",
}

NO_DATA = "No data match the selected parameters."


def set_theme() -> None:
    """Apply the reports' seaborn theme (white grid, colour-blind palette, readable fonts)."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", rc={"figure.dpi": 100, "savefig.dpi": 100})


def empty_figure(message: str = NO_DATA) -> Figure:
    """Return a small figure showing ``message`` in place of a chart."""
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12)
    ax.set_axis_off()
    return fig


def _height(rows: int, per_row: float = 0.35, minimum: float = 2.5) -> float:
    return max(minimum, per_row * rows + 1.5)


def _finish_heatmap(fig: Figure, ax, title: str, rotate: int = 45) -> Figure:
    ax.grid(False)
    ax.set(xlabel="", ylabel="", title=title)
    ax.tick_params(axis="x", labelrotation=rotate)
    plt.setp(ax.get_xticklabels(), ha="right")
    fig.tight_layout()
    return fig


def approval_timeline(view: pd.DataFrame) -> Figure:
    """Dated regulatory actions per agent over time, coloured by agency, marker by outcome."""
    dated = view.dropna(subset=["approval_date"])
    if dated.empty:
        return empty_figure()
    agents = sorted(dated["agent_id"].unique())
    fig, ax = plt.subplots(figsize=(11, _height(len(agents), 0.5)))
    sns.scatterplot(
        data=dated.assign(agency=dated["agency"].astype("str"), status=dated["status"].astype("str")),
        x="approval_date", y="agent_id", hue="agency", style="status", markers=STATUS_MARKERS,
        palette=AGENCY_COLORS, s=90, alpha=0.85, ax=ax,
        hue_order=[a for a in vocab.AGENCIES if a in set(dated["agency"])],
    )
    ax.set(xlabel="action date", ylabel="", title="Regulatory actions per agent")
    ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def approval_matrix_heatmap(matrix: pd.DataFrame, agency: str) -> Figure:
    """Indication x agent heatmap of the year of ``agency``'s first authorisation."""
    if matrix.empty:
        return empty_figure(f"No {agency} authorisations match the selected parameters.")
    values = matrix.astype("float64")
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * values.shape[1] + 4), _height(values.shape[0], 0.45)))
    sns.heatmap(values.notna().astype(float).where(values.notna()), annot=values, fmt=".0f", cmap="Blues", vmin=0, vmax=3,
                cbar=False, linewidths=0.5, linecolor="white", ax=ax)
    return _finish_heatmap(fig, ax, f"{agency}: year of first authorisation")


def approvals_per_year_plot(counts: pd.DataFrame) -> Figure:
    """Stacked bars of marketing authorisations per year, one colour per agency."""
    if counts.empty:
        return empty_figure()
    table = counts.pivot_table(index="year", columns="agency", values="approvals", aggfunc="sum", observed=True).fillna(0)
    table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1), fill_value=0)
    table = table[[a for a in vocab.AGENCIES if a in table.columns]]
    fig, ax = plt.subplots(figsize=(11, 3.8))
    table.plot(kind="bar", stacked=True, color=[AGENCY_COLORS[a] for a in table.columns], ax=ax, width=0.8)
    ax.set(xlabel="year", ylabel="authorisations", title="Marketing authorisations per year")
    ax.legend(title="agency", bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def count_heatmap(matrix: pd.DataFrame, title: str) -> Figure:
    """Annotated heatmap of counts (e.g. trials per cancer type x agent); zero cells left blank."""
    if matrix.empty:
        return empty_figure()
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * matrix.shape[1] + 3), _height(matrix.shape[0], 0.45)))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="rocket_r", cbar_kws={"label": "trials"}, linewidths=0.5, ax=ax,
                mask=matrix == 0)
    return _finish_heatmap(fig, ax, title)


def stacked_counts(counts: pd.DataFrame, by: str, hue: str, title: str, hue_order: list[str] | None = None) -> Figure:
    """Horizontal stacked bars of ``counts['trials']`` per ``by``, split by ``hue``."""
    if counts.empty:
        return empty_figure()
    table = counts.pivot_table(index=by, columns=hue, values="trials", aggfunc="sum", observed=True).fillna(0)
    if hue_order:
        table = table[[h for h in hue_order if h in table.columns]]
    table = table.loc[table.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(11, _height(len(table), 0.4)))
    table.plot(kind="barh", stacked=True, ax=ax, width=0.8, color=sns.color_palette("colorblind", table.shape[1]))
    ax.set(xlabel="trials", ylabel="", title=title)
    ax.legend(title=hue, bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def phases_plot(counts: pd.DataFrame) -> Figure:
    """Trials per cancer type by phase (development order)."""
    return stacked_counts(counts, "cancer_type", "phase", "Trials per cancer type by phase",
                          [*vocab.TRIAL_PHASES, "not recorded"])


def statuses_plot(counts: pd.DataFrame) -> Figure:
    """Trials per cancer type by overall status."""
    return stacked_counts(counts, "cancer_type", "status", "Trials per cancer type by status",
                          [*vocab.TRIAL_STATUSES, "not recorded"])


def regimens_plot(counts: pd.DataFrame) -> Figure:
    """Trials per cancer type: monotherapy vs combination partner groups."""
    return stacked_counts(counts, "cancer_type", "regimen", "Monotherapy and combinations per cancer type",
                          list(REGIMEN_ORDER))


def trial_starts_plot(counts: pd.DataFrame) -> Figure:
    """Trials started per year, stacked by agent."""
    if counts.empty:
        return empty_figure("No trial with a recorded start date matches the selected parameters.")
    table = counts.pivot_table(index="start_year", columns="agent_id", values="trials", aggfunc="sum").fillna(0)
    table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1), fill_value=0)
    fig, ax = plt.subplots(figsize=(11, 3.8))
    table.plot(kind="bar", stacked=True, ax=ax, width=0.8, color=sns.color_palette("colorblind", table.shape[1]))
    ax.set(xlabel="start year", ylabel="trials", title="Trial starts per year")
    ax.legend(title="agent", bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def frequency_heatmap(matrix: pd.DataFrame) -> Figure:
    """Term x agent heatmap of label adverse-reaction frequencies (% of patients)."""
    if matrix.empty:
        return empty_figure()
    fig, ax = plt.subplots(figsize=(max(5, 1.3 * matrix.shape[1] + 4), _height(matrix.shape[0], 0.32)))
    sns.heatmap(matrix, annot=True, fmt=".0f", cmap="flare", cbar_kws={"label": "% of patients (drug arm)"},
                linewidths=0.5, ax=ax)
    return _finish_heatmap(fig, ax, "Label adverse-reaction frequency (highest arm)", rotate=30)


def excess_dotplot(frame: pd.DataFrame) -> Figure:
    """Dot plot of drug % minus comparator % per term, one colour per agent and dose."""
    if frame.empty:
        return empty_figure("No adverse reaction with both a drug and a comparator percentage matches.")
    order = frame.groupby("term")["excess_pct"].max().sort_values(ascending=False).index
    fig, ax = plt.subplots(figsize=(11, _height(len(order), 0.32)))
    sns.stripplot(data=frame, x="excess_pct", y="term", hue="arm", order=order, size=8, jitter=False,
                  dodge=False, ax=ax, palette="colorblind")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set(xlabel="percentage points above comparator", ylabel="", title="Excess over comparator")
    ax.legend(title="arm", bbox_to_anchor=(0.5, -0.12), loc="upper center", frameon=False, ncol=1, fontsize="small")
    fig.tight_layout()
    return fig


def warnings_heatmap(matrix: pd.DataFrame) -> Figure:
    """Warning topic x agent grid: boxed warning, warning, or not recorded."""
    if matrix.empty:
        return empty_figure()
    codes = matrix.apply(lambda column: column.map({level: i for i, level in enumerate(WARNING_LEVELS)})).astype(float)
    colors = ["#f0f0f0", "#f4a261", "#c0392b"]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * matrix.shape[1] + 5), _height(matrix.shape[0], 0.38)))
    sns.heatmap(codes, cmap=ListedColormap(colors), vmin=-0.5, vmax=2.5, cbar=False, linewidths=1, linecolor="white", ax=ax)
    ax.legend(handles=[Patch(color=c, label=lbl) for c, lbl in zip(colors, WARNING_LEVELS)],
              bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    return _finish_heatmap(fig, ax, "Labelled warnings", rotate=30)



def signal_forest(signals: pd.DataFrame) -> Figure:
    """Forest plot of reporting odds ratios with 95% CIs, one panel row per agent and term (log scale)."""
    if signals.empty:
        return empty_figure("No FAERS signal matches the selected parameters.")
    rows = signals.sort_values(["agent_id", "ror_lower"], ascending=[True, True]).reset_index(drop=True)
    labels = rows["agent_id"] + ": " + rows["pt"]
    fig, ax = plt.subplots(figsize=(10, _height(len(rows), 0.3)))
    colors = dict(zip(sorted(rows["agent_id"].unique()), sns.color_palette("colorblind")))
    for position, row in rows.iterrows():
        color = colors[row["agent_id"]]
        ax.plot([row["ror_lower"], row["ror_upper"]], [position, position], color=color, linewidth=1.5)
        ax.plot(row["ror"], position, "o", color=color, markersize=5)
    ax.axvline(1, color="0.3", linewidth=1, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), labels)
    ax.set(xlabel="reporting odds ratio (95% CI, log scale)", ylabel="", title="Strongest FAERS reporting signals")
    fig.tight_layout()
    return fig
