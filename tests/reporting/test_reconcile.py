"""The manifest agrees with the pages on disk: a page published by a run killed before it
was recorded is recorded by the next run, with its real time, and rendered again."""

from __future__ import annotations

import calendar
import os
import time
from pathlib import Path

from il6analysis.reporting.manifest import (
    ReportRun,
    read_document,
    reconcile,
    record_run,
    record_suite,
    suite_is_current,
)


def publish(out: Path, key: str, text: str, at: float) -> None:
    page = out / f"{key}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    page.with_suffix(".ipynb").write_text("{}")
    os.utime(page, (at, at))


def recorded(out: Path, report: str, slug: str, status: str = "ok") -> ReportRun:
    run = ReportRun(report, slug, report.title(), {}, status, "2026-01-01T00:00:00+00:00", fingerprint="abc",
                    inputs={"code": "x"})
    if status == "ok":
        run.html, run.notebook, run.generated = f"{report}/{slug}.html", f"{report}/{slug}.ipynb", "2026-01-01T00:00:00+00:00"
    else:
        run.error = "failed in cell 1"
    record_run(out, run)
    return run


def test_a_page_newer_than_its_record_is_recorded_with_its_time_and_no_fingerprint(tmp_path):
    out = tmp_path / "out"
    old = calendar.timegm((2026, 1, 1, 0, 0, 0))
    publish(out, "a/default", "recorded page", old)
    publish(out, "b/default", "page of a killed run", old)
    publish(out, "c/default", "first page of a killed run", old)
    for report in ("a", "b"):
        recorded(out, report, "default")
    recorded(out, "c", "default", status="failed")
    record_suite(out, "suite-ab", "whole", ["a/default", "b/default"])
    record_suite(out, "suite-a", "whole", ["a/default"])
    assert suite_is_current(out, "suite-ab", "whole")

    later = time.time() - 60
    os.utime(out / "b/default.html", (later, later))
    os.utime(out / "c/default.html", (later, later))
    assert not suite_is_current(out, "suite-ab", "whole"), "a page published since the record is not current"
    assert suite_is_current(out, "suite-a", "whole")

    assert reconcile(out) == ["b/default", "c/default"]
    document = read_document(out)
    for key in ("b/default", "c/default"):
        entry = document["reports"][key]
        assert entry["status"] == "ok" and entry["fingerprint"] == "" and entry["error"] is None
        assert (entry["html"], entry["notebook"]) == (f"{key}.html", f"{key}.ipynb")
        assert entry["generated"] == time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(later)))
    assert document["reports"]["a/default"]["fingerprint"] == "abc"
    assert set(document["suites"]) == {"suite-a"}, "a suite holding a reconciled page is no longer complete"
    assert reconcile(out) == [], "reconciling twice changes nothing"


def test_nothing_to_reconcile_leaves_the_manifest_untouched(tmp_path):
    out = tmp_path / "out"
    recorded_at = calendar.timegm((2026, 1, 1, 0, 0, 0))
    publish(out, "a/default", "page", recorded_at + 1.5)  # published just before the run was recorded (slack)
    recorded(out, "a", "default")
    manifest = out / "manifest.json"
    before = manifest.read_bytes(), manifest.stat().st_mtime_ns
    assert reconcile(out) == []
    assert (manifest.read_bytes(), manifest.stat().st_mtime_ns) == before
