"""Suite files: expansion of grids, and rejection of a bad file as a whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from il6analysis.analysis.agents import approved_agents
from il6analysis.cli.app import app
from il6analysis.errors import SuiteError
from il6analysis.paths import location
from il6analysis.reporting.suite import load_suite


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_default_suite_is_declared_in_the_repository():
    jobs = load_suite(location("suite"))
    keys = {job.key for job in jobs}
    assert {"approvals/default", "cancer_types/default", "side_effects/default"} <= keys
    profiles = [job for job in jobs if job.report.name == "agent_profile"]
    assert sorted(job.parameters["agent"] for job in profiles) == approved_agents()


def test_grid_gives_one_report_per_value_and_parameters_apply_to_each(tmp_path):
    jobs = load_suite(write(tmp_path, """
[[report]]
notebook = "approvals"
parameters = { date_from = "2015-01-01" }
grid = { agencies = ["FDA", "EC"] }
"""))
    assert [job.parameters["agencies"] for job in jobs] == [["FDA"], ["EC"]]
    assert all(job.parameters["date_from"] == "2015-01-01" for job in jobs)
    assert len({job.slug for job in jobs}) == 2


def test_named_set_grid(tmp_path):
    jobs = load_suite(write(tmp_path, '[[report]]\nnotebook = "cancer_types"\ngrid = { cancer_types = "@cancer_types" }\n'))
    assert len(jobs) >= 10
    assert all(len(job.parameters["cancer_types"]) == 1 for job in jobs)


def test_values_are_resolved_like_on_the_command_line(tmp_path):
    jobs = load_suite(write(tmp_path, '[[report]]\nnotebook = "agent_profile"\nparameters = { agent = "Actemra" }\n'))
    assert jobs[0].parameters == {"agent": "tocilizumab"}


BAD_SUITE = """
title = "mine"

[[report]]
notebook = "aprovals"

[[report]]
notebook = "approvals"
parameters = { agencie = ["FDA"] }

[[report]]
notebook = "side_effects"
parameters = { min_pct = "lots", agents = ["Actemr"] }

[[report]]
notebook = "agent_profile"
grid = { agent = "@everyone" }
colour = "red"

[[report]]
notebook = "approvals"

[[report]]
notebook = "approvals"
"""


def test_bad_suite_is_rejected_as_a_whole_with_every_problem(tmp_path):
    with pytest.raises(SuiteError) as info:
        load_suite(write(tmp_path, BAD_SUITE))
    problems = "\n".join(info.value.problems)
    assert "unknown top-level key(s): title" in problems
    assert "report #1: unknown notebook 'aprovals'; did you mean: 'approvals'?" in problems
    assert "report #2 (approvals): unknown parameter 'agencie'; did you mean 'agencies'?" in problems
    assert "report #3 (side_effects): parameter 'min_pct' (float): expected a number, got 'lots'" in problems
    assert "unknown agent 'Actemr'; did you mean: 'Actemra'" in problems
    assert "report #4 (agent_profile): unknown key(s) colour" in problems
    assert "unknown set '@everyone'" in problems
    assert "report #6 (approvals): duplicates report #5" in problems
    assert len(info.value.problems) == 8


def test_unreadable_suite(tmp_path):
    with pytest.raises(SuiteError, match="not valid TOML"):
        load_suite(write(tmp_path, "[[report]\nnotebook ="))
    with pytest.raises(SuiteError, match="declares no"):
        load_suite(write(tmp_path, ""))


def test_cli_rejects_a_bad_suite_before_running_anything(tmp_path):
    result = CliRunner().invoke(app, ["report", "--suite", str(write(tmp_path, BAD_SUITE)),
                                      "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "nothing was run" in result.output and "did you mean 'agencies'" in result.output
    assert not (tmp_path / "out").exists()


def test_a_problem_repeated_across_a_grid_is_listed_once_with_its_count(tmp_path):
    agencies = ", ".join(['"XYZ"'] * 1000)
    agents = ", ".join(['"Actemra"'] * 3)
    with pytest.raises(SuiteError) as caught:
        load_suite(write(tmp_path, f"""
[[report]]
notebook = "approvals"
grid = {{ agencies = [{agencies}] }}

[[report]]
notebook = "agent_profile"
grid = {{ agent = [{agents}] }}
"""))
    first, second = caught.value.problems
    assert first.startswith("report #1 (approvals): parameter 'agencies': unknown agency 'XYZ'; valid: FDA, EC")
    assert first.endswith(" (1,000 times)")
    assert second == "report #2 (agent_profile): duplicates report #2 (agent_profile) (same parameters) (2 times)"
    assert len(str(caught.value).splitlines()) == 3
