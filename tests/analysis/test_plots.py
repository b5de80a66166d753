"""Every figure function returns a figure for real data and says so when there is none."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from il6analysis.analysis import approvals, plots, safety, trials  # noqa: E402

APPROVALS = approvals.approvals_view()
TRIALS = trials.trials_view()
EVENTS = safety.adverse_events_view()

FIGURES = {
    "timeline": lambda v: plots.approval_timeline(v),
    "matrix": lambda v: plots.approval_matrix_heatmap(approvals.approval_matrix(v, "FDA"), "FDA"),
    "per_year": lambda v: plots.approvals_per_year_plot(approvals.approvals_per_year(v)),
}
TRIAL_FIGURES = {
    "heatmap": lambda v: plots.count_heatmap(trials.trials_by_agent_and_cancer(v), "t"),
    "phases": lambda v: plots.phases_plot(trials.phases_by_cancer(v)),
    "statuses": lambda v: plots.statuses_plot(trials.statuses_by_cancer(v)),
    "regimens": lambda v: plots.regimens_plot(trials.regimens_by_cancer(v)),
    "starts": lambda v: plots.trial_starts_plot(trials.trial_starts_by_year(v)),
}
EVENT_FIGURES = {
    "frequency": lambda v: plots.frequency_heatmap(safety.frequency_matrix(v)),
    "excess": lambda v: plots.excess_dotplot(safety.excess_over_comparator(v)),
}
CASES = [(FIGURES, APPROVALS), (TRIAL_FIGURES, TRIALS), (EVENT_FIGURES, EVENTS)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(figure: Figure) -> list[str]:
    return [t.get_text() for ax in figure.axes for t in ax.texts]


@pytest.mark.parametrize(("make", "view"), [(f, v) for group, v in CASES for f in group.values()])
def test_figure_draws_data(make, view):
    figure = make(view)
    assert isinstance(figure, Figure)
    assert figure.axes and figure.axes[0].get_title()


@pytest.mark.parametrize(("make", "view"), [(f, v) for group, v in CASES for f in group.values()])
def test_figure_says_when_there_is_no_data(make, view):
    figure = make(view.iloc[:0])
    assert any("No " in text for text in _texts(figure))


def test_warnings_heatmap_and_empty_warnings():
    assert plots.warnings_heatmap(safety.warnings_matrix()).axes[0].get_title() == "Labelled warnings"
    assert any("No " in t for t in _texts(plots.warnings_heatmap(safety.warnings_matrix(["clazakizumab"]))))


def test_agency_colours_are_stable_across_figures():
    assert list(plots.AGENCY_COLORS)[:3] == ["FDA", "EC", "MHLW"]
