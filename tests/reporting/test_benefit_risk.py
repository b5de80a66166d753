"""The benefit_risk report, rendered: efficacy per arm beside the labels' harm, with the caveat."""

from __future__ import annotations

import re

import pytest

from il6analysis.errors import ParameterError
from il6analysis.reporting.runner import run_report

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def test_nmosd_report_shows_hazard_ratios_harm_and_the_caveat(gallery):
    html = gallery("benefit_risk NMOSD").html
    assert "these are not head-to-head comparisons" in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 3, "relapse-free, hazard ratio, harm"
    assert "SAkuraSky" in html and "SAkuraStar" in html and "HR 0.21 against" in html
    assert "NMOSD, AQP4-IgG seropositive" in html
    assert "Nasopharyngitis +16 points (31% vs 15%)" in html  # satralizumab's own label excess
    assert "Traceback" not in html and "import il6analysis" not in html


def test_a_population_selects_its_trials_only(gallery):
    html = gallery("benefit_risk RA after a TNF inhibitor").html
    assert "RADIATE" in html and "TARGET" in html and "SIRROUND-T" in html
    assert "OPTION" not in html and "MOBILITY" not in html


def test_an_unknown_population_is_refused_before_any_kernel(tmp_path):
    with pytest.raises(ParameterError, match="valid: ra_mtx_naive"):
        run_report("benefit_risk", {"population": "everyone"}, output_dir=tmp_path)
    assert not (tmp_path / "benefit_risk").exists()
