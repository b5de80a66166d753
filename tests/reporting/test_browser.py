"""Reports load in a real headless browser and their figures render.

Needs Debian's ``chromium`` (installed by ``.ci/run``); without it the tests
skip and say why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PROBE = """
<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const drawn = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-il6-images", drawn + "/" + images.length);
});
</script>
"""


def render_in_browser(html_file: Path) -> str:
    """Return the DOM chromium builds for ``html_file`` after its load event."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
             html_file.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
@pytest.mark.parametrize("report", ["approvals/default", "cancer_types/default", "side_effects/default",
                                    "agent_profile/agent-sarilumab"])
def test_report_renders_its_figures_in_chromium(suite_dir, tmp_path, report):
    html = (suite_dir / f"{report}.html").read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))
    dom = render_in_browser(probed)
    match = re.search(r'data-il6-images="(\d+)/(\d+)"', dom)
    assert match, "the page did not finish loading"
    drawn, total = map(int, match.groups())
    assert total >= 1 and drawn == total
    assert "il6analysis report" in dom.lower()
