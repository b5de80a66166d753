"""Faults: a full disk at each write of a report run.

Injected ``OSError(ENOSPC)`` at the manifest, index, executed-notebook and HTML
writes (fast, no kernel), and a real, tiny tmpfs filled up under a suite run
where the machine allows mounting one. Each checks the error names the file,
nothing partial is left, and the previous good outputs are byte-identical.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess

import pytest
import test_runner
from test_faults_signals import published, scratch
from test_runner import IL6, left_when_lock_released, run_processes

import il6analysis.atomic
from il6analysis.errors import EXIT_CANNOT_WRITE, CannotWrite, ReportFailed
from il6analysis.reporting import execute
from il6analysis.reporting.catalog import load_report
from il6analysis.reporting.manifest import ReportRun, record_run

FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
DATA = {"curated_on": "2026-01-01", "sha256": "0" * 64, "version": "0"}

lab = test_runner.lab  # the fixtures, shared
good_outputs = test_runner.good_outputs


def full_disk(*args, **kwargs):
    raise FULL


class _FullDiskFor:
    """Stands for ``os`` inside il6analysis.atomic: ``fsync`` of a temporary file for
    ``name`` fails with ENOSPC (where a full disk shows on a real volume); the rest is ``os``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fsync(self, fd: int) -> None:
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(f".{self.name}."):
            raise FULL
        os.fsync(fd)

    def __getattr__(self, attribute: str):
        return getattr(os, attribute)


def disk_full_for(monkeypatch, name: str) -> None:
    monkeypatch.setattr(il6analysis.atomic, "os", _FullDiskFor(name))


def entry(status: str = "ok", html: str | None = "quick/default.html") -> ReportRun:
    return ReportRun("quick", "default", "Quick", {"label": "x"}, status, "2026-01-01T00:00:00+00:00", html=html)


@pytest.fixture
def good_output(tmp_path):
    """An output folder with a published report, its manifest and index."""
    out = tmp_path / "out"
    (out / "quick").mkdir(parents=True)
    (out / "quick" / "default.html").write_text("<p>good</p>")
    (out / "quick" / "default.ipynb").write_text("{}")
    record_run(out, entry())
    return out


def test_manifest_write_on_a_full_disk_is_an_error_and_keeps_manifest_and_index(good_output, monkeypatch):
    before = published(good_output)
    disk_full_for(monkeypatch, "manifest.json")
    with pytest.raises(CannotWrite) as info:
        record_run(good_output, entry("failed", None))
    assert f"cannot write {good_output / 'manifest.json'}: No space left on device" in str(info.value)
    assert "keeps its previous content" in str(info.value) and info.value.exit_code == EXIT_CANNOT_WRITE
    assert published(good_output) == before and not scratch(good_output)


def test_index_write_on_a_full_disk_names_the_index(good_output, monkeypatch):
    index = (good_output / "index.html").read_bytes()
    disk_full_for(monkeypatch, "index.html")
    with pytest.raises(CannotWrite, match="index.html: No space left on device"):
        record_run(good_output, entry("failed", None))
    assert (good_output / "index.html").read_bytes() == index and not scratch(good_output)


def fake_papermill(write):
    """A papermill.execute_notebook that writes the output with ``write(path, source)`` and
    does not start a kernel."""
    def execute_notebook(source, output, **kwargs):
        write(output, open(source).read())
    return execute_notebook


def cut_short(output, text):
    with open(output, "w") as handle:
        handle.write(text[: len(text) // 2])
    raise FULL


@pytest.mark.parametrize("where", ["executed notebook", "html"])
def test_a_full_disk_while_publishing_leaves_no_partial_file(lab, good_output, monkeypatch, where):
    import papermill

    report = load_report("quick", lab["folder"])
    if where == "executed notebook":  # papermill's own write is cut short by the full disk
        monkeypatch.setattr(papermill, "execute_notebook", fake_papermill(cut_short))
    else:  # the notebook was written whole; the HTML write fails
        monkeypatch.setattr(papermill, "execute_notebook", fake_papermill(lambda p, t: open(p, "w").write(t)))
        monkeypatch.setattr(execute, "atomic_write_text", full_disk)
    before = published(good_output)
    with pytest.raises(ReportFailed) as info:
        execute.execute_report(report, {"label": "x"}, "default", good_output, DATA)
    assert "No space left on device" in info.value.error
    assert info.value.notebook is None, "a notebook cut short is not kept"
    assert published(good_output) == before and not scratch(good_output)
    assert not list(good_output.rglob("*.failed.ipynb"))


@pytest.fixture
def tiny_disk(tmp_path):
    """A 16 MB tmpfs, or a skip where this machine cannot mount one (the injected-ENOSPC
    tests above cover the same writes)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = shutil.which("mount") and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                                                       capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a tmpfs here (needs root); injected ENOSPC tests cover the writes")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk) -> None:
    """Fill ``disk`` to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    chunk = 1 << 20
    while chunk:
        try:
            os.write(fd, b"\0" * chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            chunk //= 2
    os.close(fd)


@pytest.mark.notebooks
@pytest.mark.faults
def test_a_full_disk_during_a_forced_suite(lab, good_outputs, tiny_disk):
    lab["out"] = out = tiny_disk / "out"
    suite = lab["tmp"] / "suite.toml"
    suite.write_text('[[report]]\nnotebook = "quick"\ngrid = { label = ["a", "b"] }\n')
    command = [str(IL6), "report", "--suite", str(suite), "--output-dir", str(out), "-j", "2"]
    shutil.copytree(good_outputs, out)  # these reports succeeded there
    before = published(out)

    fill(tiny_disk)
    process = subprocess.Popen([*command, "--force"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert not left_when_lock_released(process, out, lab["token"])
    output = process.stdout.read()
    assert process.returncode == EXIT_CANNOT_WRITE, output
    assert f"error: cannot write {out / 'manifest.json'}: No space left on device" in output
    assert "Traceback" not in output
    assert published(out) == before, "reports, notebooks, manifest and index are byte-identical"
    assert not scratch(out) and not list(out.rglob("*.failed.ipynb"))
    for path in out.rglob("*.ipynb"):
        json.loads(path.read_text())

    (tiny_disk / "filler").unlink()
    assert subprocess.run([*command, "--force"], capture_output=True).returncode == 0, "room again: it recovers"
    assert not run_processes(lab["token"])
