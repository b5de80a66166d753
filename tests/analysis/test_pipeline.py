"""The pipeline: highest phase per agent x indication over every indication, with the evidence.

Crafted copies of the trials table pin what counts as development.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import il6analysis as il6  # noqa: E402
from il6analysis.analysis import pipeline, pipeline_plots  # noqa: E402

OLOKIZUMAB_RA = ("olokizumab", "Rheumatoid arthritis")


@pytest.fixture
def trials_copy(data_copy, edit, monkeypatch):
    """Edit the trials table of a data copy with ``change(frame)`` and point the package at it."""
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))

    def change(edit_frame):
        edit(data_copy, "trials", edit_frame)

    return change


def _row(table, agent, indication):
    return table[(table["agent_id"] == agent) & (table["indication"] == indication)].iloc[0]


def test_every_indication_and_every_agent_is_in_the_pipeline():
    table = pipeline.pipeline_table()
    assert {"oncology", "autoimmune_inflammatory", "cardiovascular_renal"} <= set(table["category"])
    assert set(table["agent_id"]) == set(il6.load_agents()["agent_id"])
    ra = _row(table, *OLOKIZUMAB_RA)
    assert (ra["highest_phase"], ra["trials"], ra["authorised_by"]) == ("PHASE3", 2, "MOH-RU")
    assert ra["nct_ids"] == "NCT02760368, NCT02760433"
    assert _row(table, "gerilimzumab", pipeline.NO_TRIAL)["trials"] == 0


def test_each_agent_once_with_its_developer_and_furthest_phase():
    summary = pipeline.agent_summary(pipeline.pipeline_table()).set_index("agent_id")
    assert summary.loc["olokizumab", ["highest_phase", "indications", "trials", "authorised_for"]].tolist() == [
        "PHASE3", 1, 2, 1]
    assert summary.loc["olokizumab", "developer"].startswith("UCB")
    assert summary.loc["gerilimzumab", ["development_status", "highest_phase", "trials"]].tolist() == ["phase1", "", 0]
    assert summary.index[0] != "gerilimzumab" and summary.index.is_unique


def test_a_withdrawn_trial_that_never_enrolled_does_not_count_towards_the_highest_phase(trials_copy):
    def withdraw_one(frame):
        first = frame.index[frame["nct_id"] == "NCT02760368"]
        second = frame.index[frame["nct_id"] == "NCT02760433"]
        frame.loc[first, ["status", "enrollment"]] = ["WITHDRAWN", "0"]
        frame.loc[second, "phase"] = "PHASE2"
        return frame

    trials_copy(withdraw_one)
    ra = _row(pipeline.pipeline_table(agents=["olokizumab"]), *OLOKIZUMAB_RA)
    assert (ra["highest_phase"], ra["never_enrolled"], ra["trials"]) == ("PHASE2", 1, 2)


def test_no_enrolled_trial_is_said_not_guessed(trials_copy):
    trials_copy(lambda f: f.assign(status=f["status"].where(f["agent_id"] != "olokizumab", "WITHDRAWN")))
    ra = _row(pipeline.pipeline_table(agents=["olokizumab"]), *OLOKIZUMAB_RA)
    assert ra["highest_phase"] == pipeline.NONE_ENROLLED and ra["never_enrolled"] == 2


def test_phase_matrix_and_figures():
    table = pipeline.pipeline_table(agents=["ziltivekimab", "olamkicept"])
    matrix = pipeline.phase_matrix(table)
    assert matrix.loc["Ulcerative colitis", "olamkicept"] == "PHASE2"
    assert matrix.loc["Ulcerative colitis", "ziltivekimab"] == ""
    figure = pipeline_plots.pipeline_heatmap(matrix)
    assert figure.axes[0].get_title() == "Highest phase reached per indication"
    starts = pipeline_plots.phase_by_year(pipeline.pipeline_trials(agents=["ziltivekimab"]))
    undated = pipeline.pipeline_trials(agents=["ziltivekimab"]).drop_duplicates("nct_id")["start_date"].isna().sum()
    assert any(f"{undated} trial(s) with start date unknown" in t.get_text() for t in starts.texts)


def test_an_empty_selection_says_so_first():
    table = pipeline.pipeline_table(agents=["gerilimzumab"], indication_categories=["oncology"])
    assert pipeline.pipeline_sentence(table).startswith("**No agent or trial matches")
    figure = pipeline_plots.pipeline_heatmap(pipeline.phase_matrix(table))
    assert "No curated trial" in figure.axes[0].texts[0].get_text()


def test_each_cell_names_the_lead_sponsors_of_its_trials():
    table = pipeline.pipeline_table()
    assert _row(table, *OLOKIZUMAB_RA)["sponsors"] == "R-Pharm International, LLC (2)"
    assert _row(table, "sarilumab", "Rheumatoid arthritis")["sponsors"] == "Sanofi (2), not recorded (2)"
    assert _row(table, "gerilimzumab", pipeline.NO_TRIAL)["sponsors"] == ""


def test_a_trial_without_a_recorded_sponsor_is_counted_not_dropped(trials_copy):
    def forget_one(frame):
        frame.loc[frame["nct_id"] == "NCT02760433", "lead_sponsor"] = ""
        return frame

    trials_copy(forget_one)
    ra = _row(pipeline.pipeline_table(agents=["olokizumab"]), *OLOKIZUMAB_RA)
    assert ra["sponsors"] == "R-Pharm International, LLC (1), not recorded (1)"
