"""The reports in a real browser: headless Debian chromium through Playwright, with axe-core.

`playwright install` cannot download browsers here; `.ci/run` installs Debian's chromium and
the tests launch it by path. Screenshots land in reports/screenshots/ (gitignored).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from browsers import WCAG

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
MARKUP = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))



def _open(browser, path: Path):
    """Open a report from disk; record every request and refuse any that leaves the file."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, requests, errors


STRUCTURE = """() => {
  const hs = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  const tables = [...document.querySelectorAll('table')].map(t => ({
      caption: !!(t.querySelector('caption') && t.querySelector('caption').textContent.trim()),
      th: t.querySelectorAll('th').length}));
  const charts = [...document.querySelectorAll('img, svg, canvas')].map(el => {
      const fig = el.closest('figure');
      let next = fig ? fig.nextElementSibling : null;
      return {alt: (el.getAttribute('alt') || '').trim(), tag: el.tagName,
              table: !!(next && next.tagName === 'TABLE'), inFigure: !!fig};});
  return {lang: document.documentElement.getAttribute('lang'), headings: hs, tables, charts,
          scripts: document.querySelectorAll('script').length};
}"""


def _check_structure(s):
    assert s["lang"] == "en"
    hs = s["headings"]
    assert hs[0] == 1 and hs.count(1) == 1, hs
    assert all(b <= a + 1 for a, b in zip(hs, hs[1:])), hs
    assert s["tables"] and all(t["caption"] and t["th"] > 0 for t in s["tables"]), s["tables"]
    for c in s["charts"]:
        assert c["tag"] == "IMG" and c["alt"] and c["inFigure"] and c["table"], c


@pytest.mark.parametrize("name", ["disclosure.html", "audit.html"])
def test_report_in_chromium_is_accessible_and_offline(browser, demo_reports, name):
    from axe_playwright_python.sync_playwright import Axe

    page, requests, errors = _open(browser, demo_reports / name)
    s = page.evaluate(STRUCTURE)
    _check_structure(s)
    assert s["scripts"] == 0
    # the only request is the file itself: figures are inline, no font, CDN or telemetry
    assert requests == [(demo_reports / name).resolve().as_uri()]
    assert errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name.removesuffix('.html')}.png"), full_page=True)
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert result.violations_count == 0, result.generate_report()
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    page.close()


def test_planted_markup_is_shown_as_text_and_never_runs(browser, recommender, tmp_path):
    """A <script> in a column name, in an item category and in a config text."""
    from small_audit import small_audit

    from explainer.report import write_reports
    from explainer.report._config import DisclosureConfig

    rows = recommender.test[recommender.test["customer_id"] % 3 == 0]
    evil_col = "spend" + MARKUP
    audit = small_audit(rows, ["category_purchases_90d", "income_band"],
                        rename={"category_purchases_90d": evil_col})
    doc = audit.to_dict()
    assert evil_col in {f["column"] for f in doc["features"]}
    # an item category as a recommender would report it (the item names come from the data)
    doc["fairness"]["exposure_gaps"] = [{
        "feature": "age_band", "item": "toys" + MARKUP, "low_group": "65+", "low_rate": 0.05,
        "high_group": "18-29", "high_rate": 0.4, "ratio": 0.125, "ratio_ci_low": 0.1, "ratio_ci_high": 0.15,
        "difference": 0.35, "flagged": True, "p_value": 1e-6, "p_adjusted": 1e-5, "significant": True,
        "reported": True}]
    doc["model"]["task"] = "ranking"
    doc["model"]["k"] = 3
    cfg = DisclosureConfig.from_dict({"organisation": {"name": "Evil Ltd" + MARKUP},
                                      "system": {"what_it_does": "It ranks. " + MARKUP}})
    write_reports(doc, tmp_path / "r", config=cfg)
    # the item may open a sentence ("Toys...") or follow the item word ("item toys...": its id holds a digit)
    shown = {"disclosure.html": ["Evil Ltd<script>", "It ranks. <script>", "oys<script>"],
             "audit.html": ["spend<script>", "toys<script>"]}
    for name, planted in shown.items():
        html = (tmp_path / "r" / name).read_text()
        assert "<script" not in html and "<img src=x" not in html
        page, requests, errors = _open(browser, tmp_path / "r" / name)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        text = page.inner_text("body")
        for p in planted:  # shown to the reader as the text it is
            assert p + "window.__pwned = 1</script>" in text, (name, p)
        assert errors == []
        page.close()
    doc_out = json.loads((tmp_path / "r" / "audit.json").read_text())
    assert doc_out["publisher"]["organisation"]["name"].startswith("Evil Ltd<script>")
