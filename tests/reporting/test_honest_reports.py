"""The rendered reports never mislead: what "first" means, what a selection holds, the pipeline.

Each test renders one report with papermill and reads what the reader sees: the
executed notebook's outputs (text, tables) and the published HTML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from il6analysis.reporting.runner import run_report

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _render(name: str, parameters: dict[str, str], out: Path) -> tuple[str, str]:
    """Return (the outputs' text, the HTML) of one rendered report."""
    run_report(name, parameters, output_dir=out)
    executed = nbformat.read(next((out / name).glob("*.ipynb")), as_version=4)
    text = json.dumps([c.get("outputs") for c in executed.cells], ensure_ascii=False)
    return text, next((out / name).glob("*.html")).read_text()


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|¶", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)]


def test_approvals_report_times_nothing_from_a_later_licence_when_an_earlier_one_is_undated(tmp_path):
    text, html = _render("approvals", {"agents": "tocilizumab", "agencies": "MHLW,TGA,MEDSAFE"}, tmp_path)
    assert "on or before 2016-01-19" in text and "on or before 2013-03-05" in text
    assert not re.search(r"\d+ days after MHLW", text)  # TGA and Medsafe may have been earlier
    assert _headings(html)[0] == "Agents and agencies at a glance"


def test_approvals_report_counts_undated_decisions_apart_from_the_window(tmp_path):
    text, _ = _render("approvals", {"date_from": "2020-01-01", "count_eua": "true"}, tmp_path)
    assert re.search(r"dated regulatory decisions? in the window\*\*, plus \d+ undated that may fall outside it",
                     text)
    assert "Emergency-use authorisations count as first authorisations here." in text


def test_an_empty_cancer_selection_says_so_first_and_draws_no_empty_section(tmp_path):
    text, html = _render("cancer_types", {"cancer_types": "melanoma"}, tmp_path)
    first = re.search(r'"text/markdown": \[?"([^"]*)', text).group(1)
    assert first.startswith("**No trial with the counted purpose matches these parameters**")
    assert _headings(html) == ["Cancer trials with another purpose"]


def test_pipeline_report_shows_every_agent_with_its_highest_phase(tmp_path):
    text, html = _render("pipeline", {}, tmp_path)
    assert _headings(html) == ["Agents", "Highest phase per agent and indication",
                               "Agents and indications with the evidence", "Phase by year", "The trials"]
    assert "ziltivekimab" in text and "gerilimzumab" in text and "no curated trial" in text
    assert "NCT03926117" in html
