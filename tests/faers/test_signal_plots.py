"""FAERS figures: every method's interval per signal, reports per year; agent colours and labels."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from matplotlib.colors import to_hex

from il6analysis.analysis import palette
from il6analysis.analysis.labels import agent_label
from il6analysis.faers import plots, signals
from il6analysis.faers.ingest import add_quarter

matplotlib.use("Agg")
HAND_MADE = Path(__file__).parent.parent / "fixtures" / "faers" / "hand_made_2099q1"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plots") / "store"
    add_quarter(path, HAND_MADE)
    return path


def test_forest_draws_one_interval_per_method_and_row_in_the_agents_colours(store):
    table = signals.disproportionality(store, min_cases=1)
    fig = plots.method_forest(table)
    ax = fig.axes[0]
    intervals = [line for line in ax.get_lines() if len(line.get_xdata()) == 2 and line.get_linestyle() == "-"]
    drawn = sum(table[low].notna().sum() for _, _, low, _, _ in plots.INTERVALS.values())
    assert len(intervals) == drawn
    assert {to_hex(line.get_color()) for line in intervals} == {
        to_hex(palette.color_of("agent", a)) for a in table["agent_id"].unique()}
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert f"{agent_label('tocilizumab')}: Neutropenia" in labels
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 4


def test_forest_with_one_method_and_with_nothing(store):
    table = signals.disproportionality(store, min_cases=1, methods=["ror"])
    assert len(plots.method_forest(table).axes[0].get_legend().get_texts()) == 1
    empty = plots.method_forest(table.iloc[:0])
    assert "No FAERS signal" in empty.axes[0].texts[0].get_text()


def test_reports_per_year_chart(store):
    per = signals.reports_per_year(store)
    fig = plots.reports_per_year_chart(per)
    lines = fig.axes[0].get_lines()
    assert sorted(line.get_label() for line in lines) == sorted(agent_label(a) for a in per["agent_id"].unique())
    assert all(list(line.get_xdata()) == [2099] for line in lines)


def test_series_chart_draws_each_pair_year_by_year_in_its_agent_colour():
    import pandas as pd

    series = pd.DataFrame({"agent_id": ["tocilizumab"] * 3 + ["sarilumab"] * 3, "pt": ["Neutropenia"] * 3 + ["Rash"] * 3,
                           "year": [2019, 2020, 2021] * 2, "ic": [0.5, float("nan"), 1.0, -0.2, 0.1, 0.3],
                           "ic025": [-0.5, float("nan"), 0.2, -1.0, -0.6, -0.2],
                           "ic975": [1.5, float("nan"), 1.8, 0.6, 0.8, 0.8]})
    ax = plots.series_chart(series, "ic").axes[0]
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
    assert len(lines) == 2 and list(lines[0].get_xdata()) == [2019, 2020, 2021]
    assert {to_hex(line.get_color()) for line in lines} == {to_hex(palette.color_of("agent", "tocilizumab")),
                                                            to_hex(palette.color_of("agent", "sarilumab"))}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"{agent_label('sarilumab')}: Rash",
                                                                    f"{agent_label('tocilizumab')}: Neutropenia"]
    assert ax.get_yscale() == "linear" and "IC" in ax.get_ylabel() and ax.get_title() == "IC (IC025-IC975) year by year"
    assert plots.series_chart(series.assign(ror=2.0, ror_low=1.0, ror_high=4.0), "ror").axes[0].get_yscale() == "log"
    empty = plots.series_chart(series.iloc[:0])
    assert "No FAERS signal to follow" in empty.axes[0].texts[0].get_text()
