"""Faults: signals (once and twice, SIGINT and SIGTERM), time limits and killed workers,
on a single report and on a suite, run as a user would with the `il6` command.

Each case checks: the exit code of il6analysis.errors, an `error:` line, no traceback,
previous good outputs byte-identical, no scratch folder, no worker or kernel left when
the lock is released (and after).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import test_runner
from test_runner import IL6, THREE_QUICK, left_when_lock_released, run_processes, wait_for

from il6analysis.errors import EXIT_FAILED, EXIT_INTERRUPTED
from il6analysis.reporting.manifest import read_manifest

pytestmark = [pytest.mark.notebooks, pytest.mark.faults]

lab = test_runner.lab  # the fixtures, shared
good_outputs = test_runner.good_outputs


def il6(lab, *args: str, **env: str) -> subprocess.Popen:
    """Start `il6 ARGS --output-dir OUT` in the background."""
    return subprocess.Popen([str(IL6), *args, "--output-dir", str(lab["out"])], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=300)
    return output


def published(out: Path) -> dict[str, bytes]:
    """Every published file (reports, notebooks, manifest, index) by relative path, with its bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".il6-report.lock"}


def scratch(out: Path) -> list[Path]:
    return list(out.rglob(".tmp-*")) + list(out.rglob("*.tmp"))


@pytest.mark.parametrize("signals", [(signal.SIGINT,), (signal.SIGTERM,), (signal.SIGINT, signal.SIGINT),
                                     (signal.SIGTERM, signal.SIGTERM), (signal.SIGINT, signal.SIGTERM)],
                         ids=["int", "term", "int-int", "term-term", "int-term"])
def test_signals_on_a_single_report_keep_the_previous_good_report(lab, good_outputs, signals):
    shutil.copytree(good_outputs, lab["out"])  # `il6 report quick` succeeded there
    before = published(lab["out"])

    process = il6(lab, "report", "quick", IL6_TEST_HANG="1")
    assert wait_for(lambda: (lab["started"] / "x").exists(), 120), "the kernel never started"
    for signum in signals:
        process.send_signal(signum)
        time.sleep(0.3)
    assert not left_when_lock_released(process, lab["out"], lab["token"]), "every worker and kernel exits first"
    output = finish(process)
    assert process.returncode == EXIT_INTERRUPTED, output
    assert f"error: interrupted by {signal.Signals(signals[0]).name}" in output
    assert "Traceback" not in output
    assert published(lab["out"]) == before, "report, notebook, manifest and index are byte-identical"
    assert read_manifest(lab["out"])["quick/default"]["html"] == "quick/default.html"
    assert not scratch(lab["out"])
    assert not run_processes(lab["token"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["int-int", "term-term"])
def test_a_double_signal_on_a_forced_suite_waits_for_every_worker_and_kernel(lab, good_outputs, signum):
    suite = lab["tmp"] / "suite.toml"
    suite.write_text(THREE_QUICK)
    shutil.copytree(good_outputs, lab["out"])  # this suite succeeded there
    before = published(lab["out"])

    process = il6(lab, "report", "--suite", str(suite), "--force", "-j", "2", IL6_TEST_HANG="1")
    assert wait_for(lambda: (lab["started"] / "a").exists() and (lab["started"] / "b").exists(), 120)
    process.send_signal(signum)
    time.sleep(0.3)
    process.send_signal(signum)
    assert not left_when_lock_released(process, lab["out"], lab["token"]), "every worker and kernel exits first"
    output = finish(process)
    assert process.returncode == EXIT_INTERRUPTED, output
    assert "error: interrupted" in output and "Traceback" not in output
    assert published(lab["out"]) == before, "no report finished, so nothing changed, byte for byte"
    assert not scratch(lab["out"])


def test_timeout_applies_to_a_single_report(lab):
    # The notebook hangs forever, so the limit is always reached: no race with the clock.
    process = il6(lab, "report", "slow", "--timeout", "5")
    assert not left_when_lock_released(process, lab["out"], lab["token"])
    output = finish(process)
    assert process.returncode == EXIT_FAILED, output
    assert "error: report 'slow' (default) failed in execution: time limit of 5 s exceeded" in output
    assert "FAILED  slow/default" in output and "Traceback" not in output
    entry = read_manifest(lab["out"])["slow/default"]
    assert entry["status"] == "failed" and entry["html"] is None
    assert not (lab["out"] / "slow" / "default.html").exists() and not scratch(lab["out"])


def _worker_of(token: str) -> int | None:
    for pid in run_processes(token):
        try:
            if b"il6analysis.reporting.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            pass
    return None


def test_a_killed_worker_fails_its_report_and_takes_its_kernel_along(lab):
    process = il6(lab, "report", "slow")
    assert wait_for(lambda: (lab["started"] / "slow").exists(), 120), "the kernel never started"
    worker = _worker_of(lab["token"])
    assert worker is not None
    os.kill(worker, signal.SIGKILL)
    assert not left_when_lock_released(process, lab["out"], lab["token"]), "the orphaned kernel is stopped too"
    output = finish(process)
    assert process.returncode == EXIT_FAILED, output
    assert "error: report 'slow' (default) failed in execution: worker process died" in output
    assert "Traceback" not in output and not scratch(lab["out"])
