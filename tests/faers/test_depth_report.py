"""The side-effects report shows the case depth of the strongest FAERS signals (hand-made quarter)."""

import re

import pytest

pytestmark = pytest.mark.notebooks


def test_side_effects_report_shows_outcomes_and_onset(gallery):
    html = gallery("side_effects hand-made FAERS").html  # rendered on the hand-made store (tests/conftest.py)
    assert "How serious, and how soon" in html and "Onsets not usable" in html
    assert "Onset interquartile range (days)" in html
    assert "il6 cases --agent A --term T" in html
    # tocilizumab x Neutropenia: reports 1-3, onsets 10 and 40 days (median 25, IQR 17.5-32.5), one not usable
    assert re.search(r"Neutropenia.{0,2000}?17\.5-32\.5", html, re.S)
    assert "did not converge" not in html
