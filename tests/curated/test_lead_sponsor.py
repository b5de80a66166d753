"""Trial lead sponsors: copied from registry records that were seen, one per trial, never inferred."""

from __future__ import annotations

import pytest

import il6analysis as il6

HAND_CHECKED = {
    "NCT02760368": "R-Pharm International, LLC",
    "NCT01484275": "Janssen Research & Development, LLC",
    "NCT02028884": "Hoffmann-La Roche",
    "NCT01061736": "Sanofi",
    "NCT05021835": "Novo Nordisk A/S",
}


def _messages(folder) -> list[str]:
    return [str(p) for p in il6.validate(folder).problems]


@pytest.mark.parametrize(("nct_id", "sponsor"), sorted(HAND_CHECKED.items()))
def test_hand_checked_sponsors(nct_id, sponsor):
    trials = il6.load_trials()
    assert set(trials.loc[trials["nct_id"] == nct_id, "lead_sponsor"]) == {sponsor}


def test_every_recorded_sponsor_names_the_record_it_was_read_from():
    trials = il6.load_trials()
    recorded = trials[trials["lead_sponsor"].notna()]
    assert not recorded.empty
    assert recorded["notes"].str.contains("lead sponsor: ", regex=False).all()


def test_a_sponsor_not_seen_is_left_empty():
    trials = il6.load_trials()
    # siltuximab's Castleman trial: no stored registry record showing its sponsor was found
    assert trials.loc[trials["nct_id"] == "NCT01024036", "lead_sponsor"].isna().all()
