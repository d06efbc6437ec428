"""Shared, seeded fixtures: the demo audited once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "2")
sys.path.insert(0, str(Path(__file__).parent))

#: Smaller than the default 20,000 so the suite stays quick; the planted truths hold at any size.
DEMO_CUSTOMERS = 5000
SENSITIVE = ["gender", "age_band", "ethnicity"]


@pytest.fixture(scope="session")
def demo():
    from explainer.demo import make_retail_demo

    return make_retail_demo(DEMO_CUSTOMERS, random_state=7)


@pytest.fixture(scope="session")
def recommender(demo):
    from explainer.demo import train_demo_recommender

    return train_demo_recommender(demo, random_state=7)


@pytest.fixture(scope="session")
def demo_audit(recommender):
    import explainer as ex

    return ex.audit(recommender.pipeline, recommender.test, target="bought", sensitive_features=SENSITIVE,
                    user_id="customer_id", item_id="category", item_group="department", k=3, sample_size=1500,
                    n_boot=200, train_data=recommender.train,
                    random_state=0)


@pytest.fixture(scope="session")
def demo_reports(demo_audit, tmp_path_factory):
    from explainer.demo._paths import DEMO_CONFIG

    out = tmp_path_factory.mktemp("reports") / "demo"
    demo_audit.to_html(out, config=DEMO_CONFIG)
    return out


@pytest.fixture(autouse=True)
def every_estimate_lies_in_its_interval(monkeypatch):
    """Every audit.json (or to_dict) the suite builds is walked: an estimate outside its own
    interval fails the test that built it. The hook sits on the one document builder."""
    import explainer._document as document
    from interval_walk import outside

    built = document.audit_document
    bad: list[str] = []

    def walked(**results):
        doc = built(**results)
        bad.extend(outside(doc))
        return doc

    monkeypatch.setattr(document, "audit_document", walked)
    yield
    assert not bad, f"{len(bad)} estimates lie outside their own interval: {bad[:5]}"


@pytest.fixture(scope="module")
def browser():
    """A headless chromium (Playwright driving Debian's build), one per test module."""
    from browsers import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
