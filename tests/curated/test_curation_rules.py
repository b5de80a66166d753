"""The rules added with the regional approvals, biosimilar labels and trial intents, fed broken frames."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated import vocab
from il6analysis.curated.loaders import load_label_frequencies
from il6analysis.curated.names import resolve_choice
from il6analysis.curated.validation import TRIAL_LEVEL_COLUMNS
from il6analysis.errors import UnknownNameError


def _messages(folder) -> list[str]:
    report = il6.validate(folder)
    assert not report.ok
    return [str(p) for p in report.problems]


def _row_where(frame: pd.DataFrame, **values) -> int:
    mask = pd.Series(True, index=frame.index)
    for column, value in values.items():
        mask &= frame[column] == value
    return int(frame.index[mask][0])


def test_source_kind_mismatch_is_one_problem_per_row(data_copy, edit):
    def press_called_regulator(frame):
        frame.loc[0, "source_kind"] = "regulator"  # row 0 cites trade press
        return frame

    edit(data_copy, "approvals", press_called_regulator)
    messages = _messages(data_copy)
    assert messages == ["approvals.csv line 2: source_kind must match the source: registry = an NCT ID, literature = "
                        "PMID or DOI, regulator = a URL on a regulator's site (vocab.REGULATOR_HOSTS)"]


def test_rows_of_one_decision_must_agree(data_copy, edit):
    def split_decision(frame):
        row = _row_where(frame, decision_id="ec-tocilizumab-aazg-2023-09-15", indication_id="covid-19")
        frame.loc[row, "approval_date"] = "2023-09-16"
        return frame

    edit(data_copy, "approvals", split_decision)
    messages = _messages(data_copy)
    rule = "rows sharing a decision_id must agree on agent_id, agency, approval_date and status"
    assert messages and all(rule in m for m in messages)
    assert len(messages) == 7  # every row of the broken decision is named


def test_decision_id_is_required(data_copy, edit):
    def drop_id(frame):
        frame.loc[3, "decision_id"] = ""
        return frame

    edit(data_copy, "approvals", drop_id)
    assert "approvals.csv line 5, column 'decision_id': missing value in a required column" in _messages(data_copy)


def test_cancer_trial_without_intent(data_copy, edit):
    def drop_intent(frame):
        frame.loc[frame["nct_id"] == "NCT00911859", "intent"] = ""
        return frame

    edit(data_copy, "trials", drop_intent)
    messages = _messages(data_copy)
    assert any(m.startswith("trials.csv line 2, column 'intent': missing: a trial in a cancer indication needs an intent; "
                            "valid: antitumour") and "NCT00911859" in m for m in messages)


def test_antitumour_intent_needs_a_cancer_indication(data_copy, edit):
    def mark_ra_trial(frame):
        trials = il6.load_trials()
        ra = trials.loc[trials["indication_id"] == "rheumatoid-arthritis", "nct_id"].iloc[0]
        frame.loc[frame["nct_id"] == ra, "intent"] = "antitumour"
        return frame

    edit(data_copy, "trials", mark_ra_trial)
    assert any("only a trial with a cancer (oncology) indication can have this intent" in m for m in _messages(data_copy))


TRIAL_LEVEL_EDITS = {"title": "Another title", "enrollment": "1", "intent": "supportive_other",
                     "registry_checked": "2020-01-01", "lead_sponsor": "Sponsor On One Row Only"}
"""A valid value for one row of a trial, different from its other rows'."""


@pytest.mark.parametrize("column", sorted(TRIAL_LEVEL_EDITS))
def test_trial_level_columns_agree_between_rows_of_one_trial(data_copy, edit, column):
    assert column in TRIAL_LEVEL_COLUMNS
    nct_id = "NCT03601611"  # two rows: two indications

    def disagree(frame):
        frame.loc[frame.index[frame["nct_id"] == nct_id][0], column] = TRIAL_LEVEL_EDITS[column]
        return frame

    edit(data_copy, "trials", disagree)
    problems = [m for m in _messages(data_copy) if "differs between rows of the same trial" in m]
    assert problems and all(f"column '{column}'" in m and nct_id in m for m in problems), problems


def test_label_frequency_with_unknown_agent(data_copy, edit):
    def unknown(frame):
        frame.loc[0, "agent_id"] = "nosuchumab"
        return frame

    edit(data_copy, "label_frequencies", unknown)
    assert ("label_frequencies.csv line 2, column 'agent_id': refers to an unknown agents.agent_id (value 'nosuchumab')"
            in _messages(data_copy))


@pytest.mark.parametrize(
    ("typed", "code"),
    [("EMA", "EC"), ("ema", "EC"), ("PMDA", "MHLW"), ("Health Canada", "HC"), ("health-canada", "HC"),
     ("European Medicines Agency", "EC"), ("Therapeutic Goods Administration", "TGA"), ("fda", "FDA"), ("Korea", "MFDS")],
)
def test_agency_aliases_resolve_case_insensitively(typed, code):
    assert resolve_choice("agency", typed, vocab.AGENCIES) == code


def test_unknown_agency_suggests_close_names_and_aliases():
    with pytest.raises(UnknownNameError, match=r"unknown agency 'Helth Canada'; did you mean: 'Health Canada'"):
        resolve_choice("agency", "Helth Canada", vocab.AGENCIES)
    with pytest.raises(UnknownNameError, match=r"unknown agency 'xyzzy'; valid: FDA, EC, MHLW"):
        resolve_choice("agency", "xyzzy", vocab.AGENCIES)


def test_an_alias_outside_the_allowed_choices_is_refused():
    with pytest.raises(UnknownNameError, match="unknown agency 'EMA'"):
        resolve_choice("agency", "EMA", ["FDA", "HC"])


# The shipped data answers the questions the new rules exist for.

def test_one_multi_indication_decision_counts_once():
    approvals = il6.load_approvals()
    tyenne_ec = approvals[(approvals["agent_id"] == "tocilizumab-aazg") & (approvals["agency"] == "EC")]
    assert len(tyenne_ec) == 7 and tyenne_ec["decision_id"].nunique() == 1


def test_ended_authorisation_is_a_dated_action():
    approvals = il6.load_approvals()
    revoked = approvals[approvals["status"] == "emergency_use_revoked"]
    assert list(zip(revoked["agent_id"], revoked["agency"], revoked["approval_date"].dt.strftime("%Y-%m-%d"))) == [
        ("tocilizumab", "FDA", "2025-08-08")
    ]


def test_every_agency_row_uses_a_known_agency_and_new_regulators_have_rows():
    agencies = set(il6.load_approvals()["agency"].astype(str))
    assert {"HC", "NMPA", "MFDS", "TFDA", "TGA", "MEDSAFE", "SWISSMEDIC", "CDSCO"} <= agencies <= set(vocab.AGENCIES)


def test_copy_products_are_agents_and_filed_ones_have_no_approval():
    agents = il6.load_agents().set_index("agent_id")
    for agent in ("lzm008", "hs628", "rgb-19", "tocilizumab-hetero"):
        assert agents.at[agent, "reference_agent_id"] == "tocilizumab"
    assert agents.at["rgb-19", "highest_status"] == "filed"
    assert "rgb-19" not in set(il6.load_approvals()["agent_id"])


def test_biosimilars_carry_the_boxed_infection_warning_marked_as_reference_text():
    warnings = il6.load_warnings()
    boxed = warnings[(warnings["warning_id"] == "serious_infections") & warnings["boxed"]]
    for agent in ("tocilizumab-aazg", "tocilizumab-bavi", "tocilizumab-anoh"):
        notes = boxed.loc[boxed["agent_id"] == agent, "notes"]
        assert len(notes) == 1 and "Reference text" in notes.iloc[0]


def test_siltuximab_can_be_compared_by_frequency_category():
    frequencies = load_label_frequencies()
    siltuximab = frequencies[frequencies["agent_id"] == "siltuximab"]
    assert len(siltuximab) and set(siltuximab["frequency_category"]) <= set(vocab.FREQUENCY_IDS)


def test_sarilumab_dose_arm_split_is_marked_unverified():
    events = il6.load_adverse_events()
    notes = events.loc[events["agent_id"] == "sarilumab", "notes"]
    assert len(notes) and notes.str.contains("UNVERIFIED").all()
