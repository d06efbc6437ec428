"""The documentation site: generated references match the code, the site builds with --strict,
and a few built pages open in headless chromium with no request off the machine and no axe
violation.

The build runs the notebooks (about 2 minutes on an idle 2-core machine), so those tests are
slow; they still run in `make test`.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import importlib.util
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))


def _hooks():
    spec = importlib.util.spec_from_file_location("explainer_docs_hooks", ROOT / "docs" / "_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ fast: generated pages match the code
def test_every_finding_code_has_a_rule():
    from explainer.findings import PHRASES

    rules = yaml.safe_load((ROOT / "docs" / "_data" / "finding_rules.yaml").read_text(encoding="utf-8"))
    assert set(PHRASES) <= set(rules), sorted(set(PHRASES) - set(rules))
    assert all(r.get("severity") and r.get("when") for r in rules.values())


def test_cli_reference_lists_every_subcommand_and_option():
    from explainer import cli

    page = _hooks().cli_page()
    sub = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"## explainer {name} " in page
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for flag in action.option_strings:
                assert f"`{flag}`" in page, (name, flag)
    assert "exit codes:" in page


def test_audit_json_reference_lists_every_field_of_the_schema():
    import json

    schema = json.loads((ROOT / "explainer" / "report" / "audit.schema.json").read_text(encoding="utf-8"))
    page = _hooks().audit_json_page()
    for key, node in schema["properties"].items():
        assert f"| `{key}` |" in page
        for child in node.get("properties", {}):
            assert f"| `{key}.{child}` |" in page


def test_schema_version_is_the_same_in_code_schema_and_changelog():
    import json

    from explainer import __version__
    from explainer._document import SCHEMA_VERSION

    schema = json.loads((ROOT / "explainer" / "report" / "audit.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    release = changelog.split(f"## [{__version__}]", 1)
    assert len(release) == 2, f"CHANGELOG.md must have a section for version {__version__}"
    assert f"`schema_version` **{SCHEMA_VERSION}**" in release[1].split("\n## [", 1)[0]


# ------------------------------------------------------------------ slow: the whole site
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once with --strict, notebooks executed, as `make docs` does."""
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "EXPLAINER_DOCS_NOTEBOOKS": "run"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.mark.slow
def test_site_builds_strict_with_every_page(site):
    for page in ["index.html", "getting-started.html", "concepts.html", "methods.html", "reference/cli.html",
                 "reference/audit-json.html", "reference/findings.html", "reference/api/audit.html",
                 "notebooks/01_quickstart.html", "guides/ci-gate.html", "changelog.html", "search/search_index.json"]:
        assert (site / page).is_file(), page
    # the API reference is rendered from docstrings, the notebooks carry their outputs
    api = (site / "reference" / "api" / "audit.html").read_text(encoding="utf-8")
    assert 'id="explainer.pipeline._entry.audit"' in api and "sensitive_features" in api
    nb = (site / "notebooks" / "01_quickstart.html").read_text(encoding="utf-8")
    assert "jp-OutputArea" in nb and "fairness.exposure_gap" in nb
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link|img|iframe)\b[^>]*(src|href)=\"(https?:)?//", text), html
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, html


@pytest.fixture(scope="module")
def served(site):
    """The built site on http://127.0.0.1 (the search worker does not run from file://)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no access log in the test output
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()



PAGES = ["index.html", "getting-started.html", "reference/cli.html", "reference/audit-json.html",
         "reference/api/audit.html", "notebooks/01_quickstart.html", "notebooks/03_fairness_deep_dive.html",
         "guides/recommender.html"]


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES)
def test_built_page_is_offline_and_accessible(browser, served, path):
    from axe_playwright_python.sync_playwright import Axe
    from browsers import WCAG

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname == "127.0.0.1"
               else route.abort())
    page.goto(f"{served}/{path}")
    page.wait_for_load_state("networkidle")
    off = [u for u in requests if urlparse(u).hostname != "127.0.0.1" and not u.startswith(("data:", "blob:"))]
    assert off == [], off
    assert errors == []
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert result.violations_count == 0, result.generate_report()
    page.close()


@pytest.mark.slow
def test_search_works_offline(browser, served):
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    with page.expect_response(lambda r: r.url.endswith("/search/search_index.json"), timeout=60_000):
        page.goto(f"{served}/index.html")
    page.wait_for_load_state("networkidle")
    # A query typed before the search worker has built its index is lost: focus the box, wait
    # until the worker says it is ready, then type with key events.
    page.keyboard.press("/")
    page.wait_for_function("() => { const m = document.querySelector('.md-search-result__meta');"
                           " return m && m.textContent.trim() && !/initializing/i.test(m.textContent); }",
                           timeout=60_000)
    page.locator("input.md-search__input").press_sequentially("disclosure", delay=30)
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    assert page.locator(".md-search-result__item").count() > 0
    assert all(urlparse(u).hostname == "127.0.0.1" for u in requests if u.startswith("http")), requests
    page.close()


@pytest.mark.slow
def test_pages_open_from_disk_and_link_to_each_other(browser, site):
    """Opened as files (no server): navigation works and nothing is requested off the disk.

    Search needs a server (the browser refuses its worker script from file://); the pages do not.
    """
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto((site / "index.html").as_uri())
    page.wait_for_load_state("load")
    page.locator("article a[href='getting-started.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/getting-started.html")
    assert page.locator("h1").first.inner_text().startswith("Getting started")
    assert all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]
    page.close()
