"""The docs' diagrams, as a reader sees them: rendered by a real browser with no network, readable.

The site is built with `mkdocs build --strict`, served on 127.0.0.1, and every page with a Mermaid
diagram is opened in headless Chromium that can reach nothing else (tests/browser.py). What is
checked is read from the rendered DOM: each diagram became an SVG (not its source text, not
Mermaid's error picture), its labels are at least MIN_LABEL_PX tall on screen at a laptop's window
width, and no request left the machine.

Chromium comes from Debian (`apt-get install chromium`; .ci/run installs it). Without it the tests
skip on a developer's machine, and fail in CI (CI=true), so CI never passes by not looking.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser import WINDOW, BrowserError, find_chromium, offline_chromium, serve_directory

ROOT = Path(__file__).resolve().parents[1]
# The issue this guards (#16): the sync-wave diagram's labels were about 3 px tall on screen.
MIN_LABEL_PX = 11.0
RENDER_TIMEOUT = 30.0

# Run in the page with `this` bound to a diagram's (closed) shadow root. A label's size on screen is
# its computed font size times the scale its SVG ancestors apply (viewBox fitted to the column,
# transforms), read from getScreenCTM; its box on screen (a Range's client rects) is measured too.
_MEASURE = """function () {
  const svg = this.querySelector("svg");
  if (!svg) return {svg: false, text: this.textContent.slice(0, 200)};
  const box = svg.getBoundingClientRect();
  const labels = [];
  const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest("style")) continue;
    const graphic = element.closest("foreignObject, text");
    const m = graphic.getScreenCTM();
    const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    const range = document.createRange();
    range.selectNodeContents(node);
    const heights = [...range.getClientRects()].map(r => r.height);
    labels.push({
      text: node.textContent.trim(),
      font_px: parseFloat(getComputedStyle(element).fontSize) * scale,
      box_px: heights.length ? Math.min(...heights) : 0,
    });
  }
  return {
    svg: true,
    role: svg.getAttribute("aria-roledescription"),
    error: Boolean(svg.querySelector(".error-icon, .error-text")),
    width: box.width,
    natural_width: svg.viewBox.baseVal.width,
    labels: labels,
  };
}"""


# A diagram's source still on the page as text: Mermaid did not run, or failed on it.
_SOURCE_SHOWN = """[...document.querySelectorAll("pre > code")].map(code => code.textContent.trim())
  .filter(text => /^(---\\s*config:|flowchart |graph )/.test(text)).join("\\n\\n")"""


@dataclass(frozen=True)
class Diagram:
    page: str
    index: int
    measured: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.page} diagram {self.index + 1}"


@dataclass(frozen=True)
class Visit:
    diagrams_in_html: dict[str, int]  # page -> number of Mermaid blocks in its HTML
    diagrams: list[Diagram]
    leftover_source: dict[str, str]  # page -> Mermaid source still shown as text
    base: str
    page_requests: list[str]
    proxied: list[str]


def _needed(what: str) -> None:
    """Skip for want of a tool on a developer's machine; in CI that is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what}: .ci/run installs it before the tests")
    pytest.skip(what)


@pytest.fixture(scope="module")
def visit(tmp_path_factory: pytest.TempPathFactory) -> Visit:
    chromium = find_chromium()
    if chromium is None:
        _needed("no Chromium (/usr/lib/chromium/chromium, /usr/bin/chromium): apt-get install chromium")
    if importlib.util.find_spec("material") is None:
        _needed("mkdocs-material is not installed: pip install -e '.[docs]'")
    work = tmp_path_factory.mktemp("docs-render")
    site = _build_site(work / "site")
    pages = _diagram_pages(site)
    assert len(pages) >= 3, f"expected the layout and sync-wave diagram pages, found {sorted(pages)}"
    assert chromium is not None
    with serve_directory(site) as base, offline_chromium(chromium, work / "chromium") as (browser, proxy):
        diagrams: list[Diagram] = []
        leftover: dict[str, str] = {}
        for page, expected in sorted(pages.items()):
            browser.navigate(base + page)
            # Material replaces each diagram's <pre> with a <div class="mermaid"> once it is drawn;
            # a diagram that never is shows up below as source left on the page.
            with suppress(BrowserError):
                drawn = f"document.querySelectorAll('div.mermaid').length >= {expected}"
                browser.wait_until(drawn, RENDER_TIMEOUT)
            source = browser.evaluate(_SOURCE_SHOWN)
            if source:
                leftover[page] = source[:300]
            for index, root in enumerate(browser.shadow_roots("mermaid")):
                diagrams.append(Diagram(page, index, browser.call_on_node(root, _MEASURE)))
        return Visit(pages, diagrams, leftover, base, list(browser.page_requests), list(proxy.requests))


def _build_site(site: Path) -> Path:
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert completed.returncode == 0, completed.stderr
    return site


def _diagram_pages(site: Path) -> dict[str, int]:
    pages = {}
    for html in site.rglob("*.html"):
        count = len(re.findall(r'<pre class="mermaid"', html.read_text(encoding="utf-8")))
        if count:
            pages[html.relative_to(site).parent.as_posix() + "/"] = count
    return pages


def test_every_diagram_becomes_an_svg(visit: Visit) -> None:
    assert not visit.leftover_source, f"diagrams left as text (Mermaid did not run): {visit.leftover_source}"
    per_page = {page: sum(d.page == page for d in visit.diagrams) for page in visit.diagrams_in_html}
    assert per_page == visit.diagrams_in_html
    for diagram in visit.diagrams:
        measured = diagram.measured
        assert measured["svg"], f"{diagram.where}: no <svg>, shows {measured.get('text')!r}"
        drew_error = measured["role"] == "error" or measured["error"]
        assert not drew_error, f"{diagram.where}: Mermaid drew its error picture"
        assert measured["role"] == "flowchart-v2", diagram.where
        assert len(measured["labels"]) >= 3, f"{diagram.where}: {measured['labels']}"


def test_the_sync_wave_diagrams_name_their_waves(visit: Visit) -> None:
    on_page = [d for d in visit.diagrams if d.page == "concepts/sync-waves/"]
    labels = {label["text"] for d in on_page for label in d.measured["labels"]}
    assert {"sync wave -2", "sync wave 3", "wave 0", "PostSync phase"} <= labels


def test_diagram_labels_are_readable_at_a_laptop_window_width(visit: Visit) -> None:
    small = []
    for diagram in visit.diagrams:
        measured = diagram.measured
        for label in measured["labels"]:
            if min(label["font_px"], label["box_px"]) < MIN_LABEL_PX:
                small.append(
                    f"{diagram.where}: {label['text']!r} is {label['font_px']:.1f} px "
                    f"(box {label['box_px']:.1f} px; the diagram is {measured['natural_width']:.0f} px wide, "
                    f"shown {measured['width']:.0f} px in a {WINDOW[0]} px window)"
                )
    assert not small, f"labels smaller than {MIN_LABEL_PX} px on screen:\n" + "\n".join(small[:20])


def test_no_request_leaves_the_machine(visit: Visit) -> None:
    off_site = [u for u in visit.page_requests if not u.startswith((visit.base, "data:", "blob:"))]
    assert not off_site, f"the pages asked for files from elsewhere: {off_site}"
    assert not visit.proxied, f"requests that would have left the machine: {visit.proxied}"
    # Mermaid itself came from the site (the bundled copy), not from a CDN.
    assert visit.base + "assets/javascripts/mermaid.min.js" in visit.page_requests
