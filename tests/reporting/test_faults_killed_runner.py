"""Faults: the runner itself killed with SIGKILL while a worker renders. Its workers die with it,
stop their kernels and publish nothing (what the next run does with a page published behind
the manifest's back is in test_reconcile.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import test_runner
from test_runner import IL6, notebook, run_processes, wait_for

from il6analysis.reporting.manifest import read_manifest

pytestmark = [pytest.mark.notebooks, pytest.mark.faults]

lab = test_runner.lab  # the fixture, shared

GATED = ("import os, pathlib, time\n"
         "started = pathlib.Path(os.environ['IL6_TEST_STARTED'])\n"
         "(started / label).touch()  # tell the test the kernel runs\n"
         "while os.environ.get('IL6_TEST_GATE') and not (started / 'go').exists():\n    time.sleep(0.1)\n"
         "print(label)")


def il6(lab, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([str(IL6), *args, "--output-dir", str(lab["out"])], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_runner_killed_with_sigkill_takes_its_workers_along_and_they_publish_nothing(lab):
    (lab["folder"] / "gated.ipynb").write_text(notebook("Gated", 'label: str = "g"  # marker name', GATED))
    good = il6(lab, "report", "gated")
    assert good.wait(timeout=300) == 0, good.communicate()[0]
    page = lab["out"] / "gated" / "default.html"
    before, entry = page.read_bytes(), read_manifest(lab["out"])["gated/default"]

    runner = il6(lab, "report", "gated", IL6_TEST_GATE="1")
    assert wait_for(lambda: (lab["started"] / "g").stat().st_mtime > page.stat().st_mtime, 120), "no kernel started"
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=30)
    (lab["started"] / "go").touch()  # the kernel may now finish: a surviving worker would publish
    assert wait_for(lambda: not run_processes(lab["token"]), 60), "workers and kernels die with their runner"
    time.sleep(1)
    assert page.read_bytes() == before, "nothing published once the runner is gone"
    assert read_manifest(lab["out"])["gated/default"] == entry

    assert not list(lab["out"].rglob(".tmp-*")), "the worker removed its scratch folder as it stopped"
