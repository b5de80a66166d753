"""Suite runs: incremental skips, failure isolation, time limit, lock, interruption.

Also the shared tools of the fault tests (``test_faults_*.py``): the ``lab`` notebook
folder, processes started by a run, and the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import rendered_once
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import OutputLocked
from il6analysis.reporting import runner
from il6analysis.reporting.lock import LOCK, output_lock
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


HANG_FOREVER = ("import os, pathlib, time\n"
                "pathlib.Path(os.environ['IL6_TEST_STARTED'], label).touch()  # tell the test the kernel runs\n"
                "while True:\n    time.sleep(1)")


def write_lab_notebooks(folder: Path) -> None:
    """Write the :func:`lab` notebooks into ``folder``."""
    folder.mkdir()
    hang = HANG_FOREVER.replace("\n", "\n    ")
    (folder / "quick.ipynb").write_text(notebook(
        "Quick", 'label: str = "x"  # what to print',
        "import os\nif os.environ.get('IL6_TEST_FAIL'):\n    raise RuntimeError('failing on request')\n"
        f"if os.environ.get('IL6_TEST_HANG'):\n    {hang}\nprint(label)"))
    (folder / "broken.ipynb").write_text(notebook("Broken", "x: int = 1  # unused", "1 / 0"))
    (folder / "slow.ipynb").write_text(notebook("Slow", 'label: str = "slow"  # marker name', HANG_FOREVER))


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A notebook folder with quick, breakable and hanging notebooks, and a place for output.

    ``quick`` fails when ``$IL6_TEST_FAIL`` is set and hangs forever when ``$IL6_TEST_HANG``
    is; ``slow`` always hangs forever. A hanging kernel first touches
    ``<started>/<label>``. Every process a run starts inherits ``IL6_TEST_TOKEN``, so
    :func:`run_processes` finds them even after their parent died.
    """
    folder = tmp_path / "notebooks"
    write_lab_notebooks(folder)
    started = tmp_path / "started"
    started.mkdir()
    token = f"{os.getpid()}-{tmp_path.name}"
    monkeypatch.setenv("IL6_NOTEBOOK_DIR", str(folder))
    monkeypatch.setenv("IL6_TEST_STARTED", str(started))
    monkeypatch.setenv("IL6_TEST_TOKEN", token)
    return {"folder": folder, "out": tmp_path / "out", "tmp": tmp_path, "started": started, "token": token}


def suite(lab, text: str) -> Path:
    path = lab["tmp"] / "suite.toml"
    path.write_text(text)
    return path


QUICK_SUITE = '[[report]]\nnotebook = "quick"\ngrid = { label = ["a", "b"] }\n'
THREE_QUICK = '[[report]]\nnotebook = "quick"\ngrid = { label = ["a", "b", "c"] }\n'


@pytest.fixture(scope="session")
def good_outputs(tmp_path_factory) -> Path:
    """An output folder where `il6 report quick` and a suite of :data:`THREE_QUICK` succeeded,
    made once per test run with the lab notebooks: the previous good outputs that fault tests
    copy into their own output folder before they break a run."""

    def render(out: Path) -> None:
        folder = out.parent / "good-notebooks"
        shutil.rmtree(folder, ignore_errors=True)
        write_lab_notebooks(folder)
        suite = out.parent / "good-suite.toml"
        suite.write_text(THREE_QUICK)
        environment = {**os.environ, "IL6_NOTEBOOK_DIR": str(folder)}
        for args in (["report", "quick"], ["report", "--suite", str(suite), "-j", "2"]):
            result = subprocess.run([str(IL6), *args, "--output-dir", str(out)], env=environment,
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr

    return rendered_once(tmp_path_factory, "good-outputs", render)


def statuses(result) -> dict[str, str]:
    return {run.key: run.status for run in result.runs}


def run_processes(token: str, exclude: int | None = None) -> set[int]:
    """PIDs of live processes (workers, kernels) whose environment carries ``IL6_TEST_TOKEN=token``,
    other than this test's own and ``exclude``."""
    import psutil

    marker = f"IL6_TEST_TOKEN={token}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in {os.getpid(), exclude}:
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0") and \
                        psutil.Process(int(entry.name)).status() != psutil.STATUS_ZOMBIE:
                    found.add(int(entry.name))
            except (OSError, psutil.Error):
                pass
    return found


def lock_is_free(out: Path) -> bool:
    """True when nobody holds the output folder's lock (taken and released at once)."""
    if not (out / LOCK).exists():
        return True
    fd = os.open(out / LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def left_when_lock_released(process: subprocess.Popen, out: Path, token: str) -> set[int]:
    """Wait (generously) for ``process`` to release the lock of ``out`` and exit; return the run's
    processes that were still alive at the moment the lock was seen free."""
    end = time.monotonic() + 120
    while not lock_is_free(out) and time.monotonic() < end:
        time.sleep(0.02)
    left = run_processes(token, exclude=process.pid)
    process.wait(timeout=120)
    return left


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
    assert set(entry["inputs"]) == {"notebook_sha256", "parameters_sha256", "data_sha256", "outside_sha256",
                                   "package_version"}
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


def test_time_limit_kills_a_hung_notebook_and_its_kernel(lab, monkeypatch):
    # No race with the wall clock: the limit is generous, and the runner's clock jumps past
    # it only once the hanging notebook is running; the next report has its whole limit.
    real = runner.monotonic
    monkeypatch.setattr(runner, "monotonic",
                        lambda: real() + (10_000 if (lab["started"] / "slow").exists() else 0))
    path = suite(lab, '[[report]]\nnotebook = "slow"\n\n[[report]]\nnotebook = "quick"\n')
    result = run_suite(path, lab["out"], jobs=1, folder=lab["folder"], report_timeout=3600)
    assert statuses(result) == {"slow/default": "failed", "quick/default": "ok"}, "the next report still runs"
    assert "time limit of 3600 s exceeded" in result.failed[0].error
    assert not run_processes(lab["token"]), "no worker or kernel left"
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


@pytest.mark.faults
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_no_partial_files_and_no_kernels(lab, signum):
    path = suite(lab, '[[report]]\nnotebook = "slow"\n\n[[report]]\nnotebook = "quick"\n')
    process = subprocess.Popen([str(IL6), "report", "--suite", str(path), "--output-dir", str(lab["out"]), "-j", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_for(lambda: (lab["started"] / "slow").exists() and
                    (lab["out"] / "quick" / "default.html").exists(), 120), "the run never got going"
    process.send_signal(signum)
    assert not left_when_lock_released(process, lab["out"], lab["token"]), "the lock is released last"
    output = process.stdout.read()
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert not list(lab["out"].rglob(".tmp-*")) and not list(lab["out"].rglob("*.tmp"))
    assert not (lab["out"] / "slow" / "default.html").exists()
    assert read_manifest(lab["out"])["quick/default"]["status"] == "ok", "finished reports stay published"
    assert "slow/default" not in read_manifest(lab["out"]), "the stopped report is not recorded"
    assert not run_processes(lab["token"]), "no worker or kernel left"
