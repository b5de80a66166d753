"""Every trial says when its registry values were last compared with the registry."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated.identity import dataset_info


def _messages(folder) -> list[str]:
    return [str(p) for p in il6.validate(folder).problems]


def test_every_trial_has_a_check_day_no_later_than_the_curation():
    trials = il6.load_trials()
    checked = pd.to_datetime(trials["registry_checked"], format="%Y-%m-%d")
    assert checked.notna().all()
    assert (checked <= pd.Timestamp(dataset_info()["curated_on"])).all()


def test_a_trial_without_a_check_day_is_refused(data_copy, edit):
    def drop(frame):
        frame.loc[0, "registry_checked"] = ""
        return frame

    edit(data_copy, "trials", drop)
    assert "trials.csv line 2, column 'registry_checked': missing value in a required column" in _messages(data_copy)


@pytest.mark.parametrize("value", ["2026-12", "03/12/2026", "2026-13-01"])
def test_a_check_day_must_be_a_whole_iso_day(data_copy, edit, value):
    def garble(frame):
        frame.loc[0, "registry_checked"] = value
        return frame

    edit(data_copy, "trials", garble)
    assert any(m.startswith("trials.csv line 2, column 'registry_checked': wrong format") for m in _messages(data_copy))
