"""Suite runs: incremental skips, failure isolation, time limit, lock, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import OutputLocked
from il6analysis.reporting.lock import output_lock
from il6analysis.reporting.manifest import read_document, read_manifest
from il6analysis.reporting.runner import run_suite

pytestmark = pytest.mark.notebooks
IL6 = Path(sys.executable).parent / "il6"


def notebook(title: str, parameters: str, *code: str) -> str:
    cells = [{"cell_type": "markdown", "id": "m0", "metadata": {}, "source": f"# {title}"},
             {"cell_type": "code", "id": "p0", "metadata": {"tags": ["parameters"]}, "execution_count": None,
              "outputs": [], "source": parameters}]
    cells += [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
               "source": source} for i, source in enumerate(code)]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "x",
                                                                   "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A notebook folder with quick, breakable and slow notebooks, and a place for output."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "quick.ipynb").write_text(notebook(
        "Quick", 'label: str = "x"  # what to print',
        "import os\nif os.environ.get('IL6_TEST_FAIL'):\n    raise RuntimeError('failing on request')\nprint(label)"))
    (folder / "broken.ipynb").write_text(notebook("Broken", "x: int = 1  # unused", "1 / 0"))
    (folder / "slow.ipynb").write_text(notebook("Slow", "seconds: float = 600  # how long to hang",
                                                "import time\ntime.sleep(seconds)"))
    monkeypatch.setenv("IL6_NOTEBOOK_DIR", str(folder))
    return {"folder": folder, "out": tmp_path / "out", "tmp": tmp_path}


def suite(lab, text: str) -> Path:
    path = lab["tmp"] / "suite.toml"
    path.write_text(text)
    return path


QUICK_SUITE = '[[report]]\nnotebook = "quick"\ngrid = { label = ["a", "b"] }\n'


def statuses(result) -> dict[str, str]:
    return {run.key: run.status for run in result.runs}


def kernels() -> set[int]:
    """PIDs of running IPython kernels."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"ipykernel_launcher" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                pass
    return found


def wait_for(condition, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_skips_when_unchanged_and_reruns_what_changed(lab, data_copy, edit, monkeypatch):
    path = suite(lab, QUICK_SUITE)
    run = lambda **kw: run_suite(path, lab["out"], jobs=2, folder=lab["folder"], **kw)  # noqa: E731
    assert statuses(run()) == {"quick/label-a": "ok", "quick/label-b": "ok"}
    assert run().up_to_date

    assert set(statuses(run(force=True)).values()) == {"ok"}

    quick = lab["folder"] / "quick.ipynb"
    quick.write_text(quick.read_text().replace("print(label)", "print(label.upper())"))
    assert set(statuses(run()).values()) == {"ok"}, "a notebook change re-runs its reports"

    path.write_text(QUICK_SUITE.replace('"b"', '"c"'))
    assert statuses(run()) == {"quick/label-a": "skipped", "quick/label-c": "ok"}, "only the new parameter set runs"

    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    assert run().up_to_date, "the same data in another folder is the same data"
    edit(data_copy, "targets", lambda f: f.iloc[:-1])
    assert set(statuses(run()).values()) == {"ok"}, "a data change re-runs everything"

    entry = read_manifest(lab["out"])["quick/label-a"]
    assert set(entry["inputs"]) == {"notebook_sha256", "parameters_sha256", "data_sha256", "package_version"}
    assert entry["fingerprint"] and entry["html"] == "quick/label-a.html" and entry["duration_s"] > 0
    assert str(path.resolve()) in read_document(lab["out"])["suites"]


def test_one_failure_does_not_stop_the_others_and_keeps_the_old_html(lab, monkeypatch):
    path = suite(lab, QUICK_SUITE + '\n[[report]]\nnotebook = "broken"\n')
    result = run_suite(path, lab["out"], jobs=2, folder=lab["folder"])
    assert statuses(result) == {"quick/label-a": "ok", "quick/label-b": "ok", "broken/default": "failed"}
    failure = result.failed[0]
    assert "broken" in failure.error and "cell" in failure.error and "ZeroDivisionError" in failure.error
    assert (lab["out"] / "broken" / "default.failed.ipynb").exists()
    assert not read_document(lab["out"])["suites"], "a failed suite run is never taken as current"

    good = (lab["out"] / "quick" / "label-a.html").read_text()
    monkeypatch.setenv("IL6_TEST_FAIL", "1")
    result = run_suite(path, lab["out"], jobs=2, folder=lab["folder"], force=True)
    assert set(statuses(result).values()) == {"failed"}
    assert (lab["out"] / "quick" / "label-a.html").read_text() == good
    entry = read_manifest(lab["out"])["quick/label-a"]
    assert entry["status"] == "failed" and entry["html"] == "quick/label-a.html" and "failing on request" in entry["error"]
    assert "stale" in (lab["out"] / "index.html").read_text()


def test_cli_summary_and_exit_status(lab):
    path = suite(lab, QUICK_SUITE + '\n[[report]]\nnotebook = "broken"\n')
    result = CliRunner().invoke(app, ["report", "--suite", str(path), "--output-dir", str(lab["out"]), "-j", "2"])
    assert result.exit_code == 1
    assert "3 report(s) in the suite" in result.output
    assert "ok      quick/label-a ->" in result.output and "FAILED  broken/default" in result.output
    assert "2 rendered, 0 unchanged, 1 failed" in result.output
    assert "ZeroDivisionError" in result.output
    again = CliRunner().invoke(app, ["report", "--suite", str(path), "--output-dir", str(lab["out"])])
    assert "skipped quick/label-a" in again.output


def test_time_limit_kills_a_hung_notebook_and_its_kernel(lab):
    before = kernels()
    path = suite(lab, '[[report]]\nnotebook = "slow"\n\n[[report]]\nnotebook = "quick"\n')
    started = time.monotonic()
    result = run_suite(path, lab["out"], jobs=1, folder=lab["folder"], report_timeout=4)
    assert time.monotonic() - started < 60
    assert statuses(result) == {"slow/default": "failed", "quick/default": "ok"}, "the next report still runs"
    assert "time limit of 4 s exceeded" in result.failed[0].error
    assert wait_for(lambda: not (kernels() - before)), "no orphan kernel"
    assert not list(lab["out"].rglob(".tmp-*"))
    assert not (lab["out"] / "slow" / "default.html").exists()


def test_a_second_run_on_the_same_output_is_refused(lab):
    path = suite(lab, QUICK_SUITE)
    with output_lock(lab["out"]):
        with pytest.raises(OutputLocked, match=f"pid {os.getpid()}"):
            run_suite(path, lab["out"], folder=lab["folder"])
        result = CliRunner().invoke(app, ["report", "--suite", str(path), "--output-dir", str(lab["out"])])
        assert result.exit_code == 75
        assert "another il6 report run" in result.output and "try again" in result.output
    assert not read_manifest(lab["out"]), "the refused run wrote nothing"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_no_partial_files_and_no_kernels(lab, signum):
    before = kernels()
    path = suite(lab, '[[report]]\nnotebook = "slow"\n\n[[report]]\nnotebook = "quick"\n')
    process = subprocess.Popen([str(IL6), "report", "--suite", str(path), "--output-dir", str(lab["out"]), "-j", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_for(lambda: list((lab["out"] / "slow").glob(".tmp-*")) and
                    (lab["out"] / "quick" / "default.html").exists(), 60), "the run never got going"
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert not list(lab["out"].rglob(".tmp-*")) and not list(lab["out"].rglob("*.tmp"))
    assert not (lab["out"] / "slow" / "default.html").exists()
    assert read_manifest(lab["out"])["quick/default"]["status"] == "ok", "finished reports stay published"
    assert wait_for(lambda: not (kernels() - before)), "no orphan kernel"
    with output_lock(lab["out"]):
        pass  # the lock was released
