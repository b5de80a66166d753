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


OFFLINE_FLAGS = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9"]
"""Every host unresolvable and every request sent to a closed port: the page gets no network at all."""

TABLE_PROBE = """
<script>
window.addEventListener("load", () => {
  const attempt = (tries) => {
    const tables = Array.from(document.querySelectorAll("table.dataTable"));
    if (!tables.length) {
      if (tries > 0) { setTimeout(() => attempt(tries - 1), 200); return; }
      document.body.setAttribute("data-il6-tables", "0");
      return;
    }
    const table = tables[tables.length - 1];
    const container = table.closest(".dt-container");
    const rows = () => Array.from(table.querySelectorAll("tbody tr"));
    const firstCells = () => rows().slice(0, 5).map(r => r.cells[0].textContent.trim());
    const before = firstCells();
    table.querySelector("thead th .dt-column-order").click();
    setTimeout(() => {
      const sorted = firstCells();
      const search = container.querySelector("input[type=search]");
      search.value = "Kevzara";
      search.dispatchEvent(new Event("input", {bubbles: true}));
      setTimeout(() => {
        document.body.setAttribute("data-il6-tables", String(tables.length));
        document.body.setAttribute("data-il6-before", before.join("|"));
        document.body.setAttribute("data-il6-sorted", sorted.join("|"));
        const kept = rows();
        document.body.setAttribute("data-il6-filtered",
          kept.length + ":" + kept.every(r => r.textContent.includes("Kevzara")));
      }, 500);
    }, 500);
  };
  attempt(50);
});
</script>
"""


def render_in_browser(html_file: Path, offline: bool = False) -> str:
    """Return the DOM chromium builds for ``html_file`` after its load event (with no network at
    all when ``offline``)."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, *(OFFLINE_FLAGS if offline else []), f"--user-data-dir={profile}",
             "--virtual-time-budget=15000", "--dump-dom", html_file.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
@pytest.mark.parametrize("report", ["approvals/default", "cancer_types/default", "side_effects/default",
                                    "agent_profile/agent-siltuximab"])
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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_a_long_table_sorts_and_filters_with_the_network_blocked(suite_dir, tmp_path):
    html = (suite_dir / "approvals/default.html").read_text()
    assert "https://cdn" not in html and "<script src=" not in html
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", TABLE_PROBE + "</body>"))
    dom = render_in_browser(probed, offline=True)
    attributes = dict(re.findall(r'data-il6-([a-z]+)="([^"]*)"', dom))
    assert int(attributes.get("tables", "0")) >= 1, "no interactive table was initialised offline"
    sorted_cells = attributes["sorted"].split("|")
    assert sorted_cells == sorted(sorted_cells) and sorted_cells != attributes["before"].split("|")
    count, all_match = attributes["filtered"].split(":")
    assert int(count) >= 1 and all_match == "true"


CSP_PROBE = """
<script>
const violations = [];
document.addEventListener("securitypolicyviolation", e => violations.push(e.effectiveDirective));
window.addEventListener("load", () => {
  const own = violations.length;
  const image = document.createElement("img"); image.src = "https://example.com/pixel.png"; document.body.append(image);
  const script = document.createElement("script"); script.src = "https://example.com/x.js"; document.body.append(script);
  const frame = document.createElement("iframe"); frame.src = "https://example.com/"; document.body.append(frame);
  const style = document.createElement("link"); style.rel = "stylesheet"; style.href = "https://example.com/x.css";
  document.head.append(style);
  fetch("https://example.com/data").catch(() => {});
  setTimeout(() => {
    const figures = Array.from(document.querySelectorAll(".jp-OutputArea img"));
    document.body.setAttribute("data-il6-own", String(own));
    document.body.setAttribute("data-il6-blocked", Array.from(new Set(violations)).sort().join(" "));
    document.body.setAttribute("data-il6-toc", String(document.querySelectorAll("#il6-toc li").length));
    document.body.setAttribute("data-il6-tables", String(document.querySelectorAll("table.dataTable").length));
    document.body.setAttribute("data-il6-figures",
      figures.filter(i => i.complete && i.naturalWidth > 0).length + "/" + figures.length);
  }, 3000);
});
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_the_content_security_policy_blocks_other_hosts_and_keeps_the_page_working(gallery, suite_dir, tmp_path):
    html = gallery("approvals undated first").html  # tocilizumab in three agencies: tables and figures
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", CSP_PROBE + "</body>"))
    found = dict(re.findall(r'data-il6-([a-z]+)="([^"]*)"', render_in_browser(probed, offline=True)))
    assert found.get("blocked", "").split() == ["connect-src", "frame-src", "img-src", "script-src-elem",
                                                 "style-src-elem"], found
    assert found["own"] == "0", "the page's own content must not need anything the policy forbids"
    assert int(found["toc"]) >= 3 and int(found["tables"]) >= 1  # inline contents script and offline itables run
    drawn, total = map(int, found["figures"].split("/"))
    assert total >= 1 and drawn == total
    index = (suite_dir / "index.html").read_text()
    assert "default-src 'none'" in re.search(r'<meta[^>]*Content-Security-Policy[^>]*>', index).group(0)
