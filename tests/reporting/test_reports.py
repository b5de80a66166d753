"""Executing the notebooks with papermill and checking the published HTML."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from conftest import NO_FAERS_STORE
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import ParameterError, ReportFailed
from il6analysis.paths import location
from il6analysis.reporting import execute
from il6analysis.reporting.manifest import read_manifest
from il6analysis.reporting.runner import run_report
from il6analysis.reporting.suite import load_suite

pytestmark = pytest.mark.notebooks
runner = CliRunner()

NON_DEFAULT = {"approvals": "approvals undated first", "cancer_types": "cancer_types non-default",
               "side_effects": "side_effects non-default"}
"""A gallery run (tests/conftest.py) of each notebook with other than default parameters; agent_profile's
is the grid's."""


def external_sources(html: str) -> list[str]:
    """src/href values of script, link and img tags that point to another host."""
    found = []
    for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html, flags=re.I):
        for url in re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', tag, flags=re.I):
            if re.match(r"^(https?:)?//", url):
                found.append(url)
    return found


def check_report_html(html: str, parameters: dict[str, str]) -> None:
    assert not re.search(r'class="[^"]*\b(jp-CodeMirrorEditor|hl-ipython3)\b', html), "code cells must be hidden"
    assert "import il6analysis" not in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 1, "figures must be embedded"
    assert external_sources(html) == []
    header = html.split('class="il6-parameters"', 1)[1].split("</table>", 1)[0]
    for name, value in parameters.items():
        assert f"<th>{name}</th>" in header
        assert value in header
    assert "Data curated" in html and "data hash" in html and "il6analysis 0." in html and "generated" in html
    assert "Traceback" not in html


def test_default_suite_declares_every_notebook_and_an_agent_profile_per_approved_agent():
    from il6analysis.analysis.agents import approved_agents
    from il6analysis.reporting.catalog import available_reports

    keys = {job.key for job in load_suite(location("suite"))}
    assert {f"{name}/default" for name in available_reports()} <= keys
    assert {f"agent_profile/{'default' if a == 'tocilizumab' else 'agent-' + a}" for a in approved_agents()} <= keys


def test_small_suite_renders_every_notebook_with_its_manifest(suite_dir):
    from conftest import GALLERY

    from il6analysis.reporting.catalog import available_reports

    manifest = read_manifest(suite_dir)
    assert set(manifest) == {job.key for job in load_suite(suite_dir.parent / "small-suite.toml")}
    assert {f"{name}/default" for name in available_reports()} | {"agent_profile/agent-siltuximab"} <= set(manifest)
    assert len(manifest) == len(available_reports()) + 1 + len(GALLERY)
    assert all(entry["status"] == "ok" for entry in manifest.values())
    for entry in manifest.values():
        assert (suite_dir / entry["html"]).is_file() and (suite_dir / entry["notebook"]).is_file()
    assert not list(suite_dir.rglob(".tmp-*")) and not list(suite_dir.rglob("*.failed.ipynb"))


@pytest.mark.parametrize("name", ["approvals", "cancer_types", "side_effects"])
def test_default_report_html(suite_dir, name):
    html = (suite_dir / name / "default.html").read_text()
    check_report_html(html, {"agents": "(all)"})


def test_agent_profile_html(suite_dir):
    html = (suite_dir / "agent_profile" / "agent-siltuximab.html").read_text()  # asked for as Sylvant
    check_report_html(html, {"agent": "siltuximab"})
    assert "Sylvant" in html


@pytest.mark.parametrize("name", sorted(NON_DEFAULT))
def test_non_default_parameters_are_used_and_shown(gallery, name):
    html = gallery(NON_DEFAULT[name]).html
    resolved = {"approvals": {"agents": "tocilizumab", "agencies": "MEDSAFE, MHLW, TGA"},
                "cancer_types": {"cancer_types": "Multiple myeloma, Prostate cancer"},
                "side_effects": {"agents": "sarilumab, tocilizumab", "min_pct": "3.0"}}[name]
    check_report_html(html, resolved)


def test_non_default_selection_changes_the_content(gallery):
    text = gallery("cancer_types non-default").outputs
    assert "Multiple myeloma" in text and "Melanoma" not in text


def test_index_links_every_report_with_parameters_and_status(suite_dir):
    index = (suite_dir / "index.html").read_text()
    for entry in read_manifest(suite_dir).values():
        assert f'href="{entry["html"]}"' in index
    assert "agent: siltuximab" in index and ">ok<" in index
    assert "Declared suite" in index
    assert external_sources(index) == []


def test_reports_have_contents_a_back_link_and_are_readable_by_others(suite_dir):
    html = (suite_dir / "approvals" / "default.html").read_text()
    assert 'href="../index.html"' in html and 'id="il6-toc"' in html
    umask = os.umask(0)
    os.umask(umask)
    for written in (suite_dir / "index.html", suite_dir / "manifest.json", suite_dir / "approvals" / "default.html"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o644 & ~umask, written


def test_an_agent_profile_is_titled_by_its_agent(suite_dir):
    html = (suite_dir / "agent_profile" / "agent-siltuximab.html").read_text()
    assert "<title>Agent profile: siltuximab (Sylvant)</title>" in html
    assert "Agent profile: siltuximab (Sylvant)" in (suite_dir / "index.html").read_text()


def test_parameters_selecting_no_data_give_a_plain_report(gallery):
    html = gallery("approvals nothing in 2090").html
    text = re.sub(r"<[^>]+>", "", html)
    shown = re.search(r"(\d+) dated regulatory decisions in the window, plus (\d+) undated that may fall outside it", text)
    assert shown and shown.group(1) == "0" and shown.group(2) != "0", "only undated actions can lie in 2090, and they are kept"


def test_bad_parameters_fail_before_any_kernel_and_write_nothing(tmp_path, monkeypatch):
    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    for bad in ({"agencie": "FDA"}, {"agents": "Actemra,foo"}, {"date_from": "soon"}):
        with pytest.raises(ParameterError):
            run_report("approvals", bad, output_dir=tmp_path / "out")
    with pytest.raises(ParameterError):
        run_report("side_effects", {"min_pct": "many"}, output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["approvals", "-p", "agencie=FDA"], "did you mean 'agencies'"),
        (["approvals", "-p", "agents=Actemra,foo"], "unknown agent 'foo'"),
        (["side_effects", "-p", "min_pct=lots"], "parameter 'min_pct' (float): expected a number"),
        (["aprovals"], "did you mean: 'approvals'"),
        (["approvals", "-p", "agents"], "key=value"),
    ],
)
def test_cli_bad_input_exits_2_and_leaves_nothing(tmp_path, args, words):
    result = runner.invoke(app, ["report", *args, "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_list_shows_parameters_with_defaults():
    result = runner.invoke(app, ["report", "--list"])
    assert result.exit_code == 0
    assert "approvals: Regulatory approvals of IL-6 pathway agents" in result.output
    assert "-p agencies=...  (list[str], default [])" in result.output
    assert "-p agent=...  (str, default 'tocilizumab')" in result.output


def test_cli_needs_exactly_one_of_name_or_all():
    assert runner.invoke(app, ["report"]).exit_code == 2
    assert runner.invoke(app, ["report", "approvals", "--all"]).exit_code == 2


FLAKY_NOTEBOOK = """
{"cells": [
 {"cell_type": "markdown", "id": "c0", "metadata": {}, "source": "# Flaky report"},
 {"cell_type": "code", "id": "c1", "metadata": {"tags": ["parameters"]}, "execution_count": null, "outputs": [],
  "source": "fail: bool = False  # raise on purpose"},
 {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": null, "outputs": [],
  "source": "import matplotlib.pyplot as plt\\nfig, ax = plt.subplots()\\nax.plot([1, 2])\\nplt.show()"},
 {"cell_type": "code", "id": "c3", "metadata": {}, "execution_count": null, "outputs": [],
  "source": "if fail:\\n    raise RuntimeError('deliberate failure')"}
],
 "metadata": {"kernelspec": {"name": "no-such-kernel", "display_name": "x", "language": "python"}},
 "nbformat": 4, "nbformat_minor": 5}
"""


@pytest.fixture
def flaky_folder(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "flaky.ipynb").write_text(FLAKY_NOTEBOOK)
    return folder


def test_failure_keeps_previous_html_and_failed_notebook(tmp_path, flaky_folder):
    out = tmp_path / "out"
    good = run_report("flaky", {"fail": "false"}, output_dir=out, folder=flaky_folder)
    assert good.status == "ok"  # also shows the notebook's stored kernel name is not used
    html_path = out / good.html
    good_html = html_path.read_text()
    reports_dir = out / "flaky"
    # the same slug, failing: run a copy of the notebook whose default makes it fail
    (flaky_folder / "flaky.ipynb").write_text(FLAKY_NOTEBOOK.replace("fail: bool = False", "fail: bool = True"))
    with pytest.raises(ReportFailed) as info:
        run_report("flaky", {}, output_dir=out, folder=flaky_folder)
    failure = info.value
    assert failure.cell is not None and "RuntimeError: deliberate failure" in failure.error
    assert "flaky" in str(failure) and f"cell {failure.cell}" in str(failure)
    assert failure.notebook == reports_dir / "default.failed.ipynb" and failure.notebook.exists()
    assert html_path.read_text() == good_html
    assert not list(reports_dir.glob(".tmp-*"))
    entry = read_manifest(out)["flaky/default"]
    assert entry["status"] == "failed" and "deliberate failure" in entry["error"]
    assert entry["html"] == good.html
    assert "stale" in (out / "index.html").read_text()


def test_failure_without_previous_report_leaves_no_html(tmp_path, flaky_folder):
    out = tmp_path / "out"
    with pytest.raises(ReportFailed):
        run_report("flaky", {"fail": "true"}, output_dir=out, folder=flaky_folder)
    assert not list((out / "flaky").glob("*.html"))
    assert list((out / "flaky").glob("*.failed.ipynb"))


def test_cli_report_failure_exits_1(tmp_path, flaky_folder, monkeypatch):
    monkeypatch.setenv("IL6_NOTEBOOK_DIR", str(flaky_folder))
    result = runner.invoke(app, ["report", "flaky", "-p", "fail=true", "--output-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAILED  flaky" in result.output and "deliberate failure" in result.output


def test_parameter_slug_is_stable_safe_and_bounded():
    defaults = {"agents": [], "date_from": ""}
    assert execute.parameter_slug(defaults, defaults) == "default"
    assert execute.parameter_slug({"agents": ["tocilizumab", "sarilumab"], "date_from": ""}, defaults) == \
        "agents-tocilizumab+sarilumab"
    long = execute.parameter_slug({"agents": ["x" * 200], "date_from": ""}, defaults)
    assert len(long) <= 80 and re.fullmatch(r"[a-z0-9._+-]+", long)
    assert long != execute.parameter_slug({"agents": ["x" * 199], "date_from": ""}, defaults)


def test_side_effects_faers_section_shows_signals_and_escapes_source_text(gallery):
    html = gallery("side_effects hand-made FAERS").html
    assert "Real-world reporting (FAERS)" in html and "reports are not incidence" in html
    assert "Neutropenia" in html and "2099Q1" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; reaction" in html and "<b>Bold</b>" not in html
    assert "Label data not selected" in html


def test_side_effects_without_a_faers_store_says_so_in_one_sentence_without_a_path(suite_dir, tmp_path,
                                                                                     monkeypatch):
    html = (suite_dir / "side_effects" / "default.html").read_text()  # rendered with no store at $IL6_FAERS_DB
    assert "No FAERS store has been built on this machine" in html and "il6 refresh faers QUARTER.zip" in html
    assert str(suite_dir.parent) not in html and NO_FAERS_STORE not in html
    monkeypatch.setenv("IL6_FAERS_DB", str(tmp_path / "absent"))
    with pytest.raises(ParameterError, match="source=both needs a FAERS store and there is none at"):
        run_report("side_effects", {"source": "both"}, output_dir=tmp_path / "out")
