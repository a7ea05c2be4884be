"""The HTML report in a real browser (issue 14, item 7): headless Chromium renders it at 1280,
420 and 360 px wide; nothing may stick out or scroll sideways, and no word may be broken
between two lines ("Samarka|nd", "approve|d" at 420 px before the fix).

The report itself has no script; a page around it measures it.
Chromium is Debian's (`apt-get install chromium`); CI installs it, so there (CI=true) a missing
browser fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARTICLE_EN_SENTENCES
from test_review import DOC, translate_example, unit_ids

from tmtool import SQLiteMemory
from tmtool.cli import cli
from tmtool.memory import open_memory
from tmtool.report import collect, render_html

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--allow-file-access-from-files"]  # the measuring page reads the report in its iframe

# Headless Chromium will not make a window narrower than 500 px, so the report is shown in an
# iframe of the width under test (its media queries see that width), inside a page that measures
# it once it is laid out: the report's own width, elements that stick out of it or whose content
# overflows them, and words of letters whose characters sit on two lines.
WRAPPER = r"""<!DOCTYPE html><html><body style="margin:0">
<iframe id="report" src="REPORT" style="border:0;width:WIDTHpx;height:2400px"></iframe>
<script>
document.getElementById("report").onload = function () {
  const win = this.contentWindow, doc = win.document, W = win.innerWidth;
  const out = {inner: W, scroll: doc.documentElement.scrollWidth, overflow: [], broken: [], words: 0};
  const name = el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "");
  for (const el of doc.querySelectorAll("body *")) {
    const cs = win.getComputedStyle(el), r = el.getBoundingClientRect();
    if (cs.display === "none" || r.width === 0) continue;
    if (r.right > W + 0.5 || r.left < -0.5) out.overflow.push(name(el) + " spans " + Math.round(r.left) + "-" + Math.round(r.right));
    if (cs.overflowX === "visible" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      out.overflow.push(name(el) + " holds " + el.scrollWidth + " px in " + el.clientWidth);
  }
  const walk = doc.createTreeWalker(doc.body, win.NodeFilter.SHOW_TEXT), range = doc.createRange();
  for (let n; (n = walk.nextNode()); ) {
    for (const m of n.data.matchAll(/[A-Za-z\u00C0-\u024F]{2,}/g)) {
      range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
      out.words++;
      if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) out.broken.push(m[0]);
    }
  }
  const pre = document.createElement("pre"); pre.id = "measured"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
};
</script></body></html>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("headless Chromium is needed in CI: apt-get install chromium")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(report: Path, width: int, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Open ``report`` at ``width`` px in headless Chromium (fresh profile); ``extra``: what to do."""
    page = tmp_path / f"at-{width}.html"
    page.write_text(WRAPPER.replace("REPORT", report.as_uri()).replace("WIDTH", str(width)), encoding="utf-8")
    profile = tmp_path / f"chromium-profile-{width}-{len(extra)}"
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={max(width, 500)},2400", *extra,
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    """The example article's report with every kind of row: scored, approved, rejected, edited."""
    base = tmp_path_factory.mktemp("layout")
    tm_path = base / "tm.sqlite"
    translate_example(tm_path)
    r = CliRunner().invoke(cli, ["--tm", str(tm_path), "score", "--doc", DOC, "--ref", str(ARTICLE_EN_SENTENCES)])
    assert r.exit_code == 0, r.output
    ids = unit_ids(tm_path)
    with open_memory(tm_path) as tm:
        for i in (0, 1, 2, 5):
            tm.set_status(ids[i], "approved", author="ayu")
        tm.set_status(ids[3], "rejected", author="ayu")
        tm.edit_target(ids[4], "China supports the development path chosen independently by Azerbaijan's people.",
                       author="ayu")
    with SQLiteMemory(tm_path) as tm:
        html = render_html(collect(tm, DOC))
    assert "<script" not in html  # the report stays script-free; the page around it measures
    path = base / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 420, 360])
def test_the_report_fits_the_screen_without_broken_words(report_file, tmp_path, width):
    r = browse(report_file, width, tmp_path, "--dump-dom")
    m = re.search(r'<pre id="measured">(.*?)</pre>', r.stdout, re.S)
    assert m, r.stderr[-2000:]
    got = json.loads(m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert got["inner"] == width and got["words"] > 500
    assert got["scroll"] <= width, f"scrolls sideways: {got['scroll']} px wide at {width}"
    assert got["overflow"] == []
    assert got["broken"] == []  # before issue 14 at 420: Samarkand, approved, Azerbaijan, ...


def test_a_screenshot_at_420_px(report_file, tmp_path):
    """For a person to look at (the layout test above is what decides)."""
    shot = tmp_path / "report-420.png"
    browse(report_file, 420, tmp_path, f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 10_000
    keep = os.environ.get("TMTOOL_KEEP_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)
