"""The rendered reports never mislead: what "first" means, what a selection holds, the pipeline.

Each test reads what the reader sees of one report rendered with the test run's small suite
(``gallery`` and ``suite_dir`` in tests/conftest.py): the executed notebook's outputs (text,
tables) and the published HTML.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|¶", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)]


def test_approvals_report_times_nothing_from_a_later_licence_when_an_earlier_one_is_undated(gallery):
    page = gallery("approvals undated first")
    text, html = page.outputs, page.html
    assert "on or before 2016-01-19" in text and "on or before 2013-03-05" in text
    assert not re.search(r"\d+ days after MHLW", text)  # TGA and Medsafe may have been earlier
    assert _headings(html)[0] == "Agents and agencies at a glance"


def test_approvals_report_counts_undated_decisions_apart_from_the_window(gallery):
    text = gallery("approvals since 2020 with EUAs").outputs
    assert re.search(r"dated regulatory decisions? in the window\*\*, plus \d+ undated that may fall outside it",
                     text)
    assert "Emergency-use authorisations count as first authorisations here." in text


def test_an_empty_cancer_selection_says_so_first_and_draws_no_empty_section(gallery):
    page = gallery("cancer_types melanoma")
    text, html = page.outputs, page.html
    first = re.search(r'"text/markdown": \[?"([^"]*)', text).group(1)
    assert first.startswith("**No trial with the counted purpose matches these parameters**")
    assert _headings(html) == ["Cancer trials with another purpose"]


def test_pipeline_report_shows_every_agent_with_its_highest_phase(suite_dir):
    executed = nbformat.read(suite_dir / "pipeline" / "default.ipynb", as_version=4)
    text = json.dumps([c.get("outputs") for c in executed.cells], ensure_ascii=False)
    html = (suite_dir / "pipeline" / "default.html").read_text()
    assert _headings(html) == ["Agents", "Highest phase per agent and indication",
                               "Agents and indications with the evidence", "Phase by year", "The trials"]
    assert "ziltivekimab" in text and "gerilimzumab" in text and "no curated trial" in text
    assert "NCT03926117" in html
