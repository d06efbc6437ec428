"""The demo's third algorithm: ALS on the demo customers' purchase and browsing histories,
in the combined disclosure next to a feature-based model."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

CUSTOMERS = 800


@pytest.fixture(scope="module")
def small_demo():
    from explainer.demo import make_retail_demo

    return make_retail_demo(CUSTOMERS, random_state=3)


@pytest.fixture(scope="module")
def cf_demo(small_demo):
    from explainer.demo._collaborative import audit_demo_collaborative

    return audit_demo_collaborative(small_demo, k=3, n_boot=40, min_group_size=10, random_state=0)


def test_the_matrix_is_purchases_plus_browsing_minutes_over_ten(small_demo):
    from explainer.demo import CATEGORIES
    from explainer.demo._collaborative import train_demo_collaborative

    trained = train_demo_collaborative(small_demo, random_state=0)
    cf = trained.model
    c = small_demo.customers
    row = 5
    expected = np.array([c[f"purchases_{g}"].iloc[row] + c[f"browse_minutes_{g}"].iloc[row] / 10 for g in CATEGORIES])
    assert np.allclose(cf.interactions[cf.user_row(c["customer_id"].iloc[row])].toarray()[0], expected)
    assert set(cf.sources) == {"purchase_history", "browsing_history"}
    # every demo customer browsed every group: lists are of groups they already use, so nothing is filtered
    assert cf.interactions.nnz == CUSTOMERS * len(CATEGORIES)
    assert len(cf.recommend(cf.user_ids[row])) == 3
    # the held-out matrix is what each customer bought next
    bought = small_demo.outcomes.set_index(["customer_id", "category"])["bought"]
    cid = c["customer_id"].iloc[row]
    assert trained.held_out[row].toarray()[0].tolist() == [float(bought[(cid, g)]) for g in CATEGORIES]


def test_attributions_of_a_listed_group_split_exactly_over_the_two_sources(cf_demo):
    _, audit = cf_demo
    cf = audit.model
    customer = cf.user_ids[11]
    e = cf.explain(customer)
    assert np.allclose(e.contributions.sum(axis=1) + e.base, cf.score([cf.user_row(customer)], e.items)[0], atol=1e-6)
    frac = cf.source_fractions(cf.user_row(customer), e.parts)
    assert np.allclose(frac.sum(axis=0), 1.0)
    shares = audit.sources.shares
    assert set(shares) == {"purchase_history", "browsing_history"} and abs(sum(shares.values()) - 1) < 1e-9


def test_the_document_names_sources_and_categories_and_no_customer(cf_demo, small_demo):
    doc, audit = cf_demo
    by_col = {f["column"]: f for f in doc["features"]}
    assert by_col["purchase_history"]["category"] == "behavioural" and by_col["purchase_history"]["used_by_model"]
    assert by_col["ethnicity"]["role"] == "sensitive" and not by_col["ethnicity"]["used_by_model"]
    assert [c["category"] for c in doc["categories"]] == ["behavioural"]
    assert doc["categories"][0]["importance_share"] == pytest.approx(1.0)
    assert 0.0 <= doc["categories"][0]["ci_low"] <= doc["categories"][0]["ci_high"] <= 1.0
    assert {s["source"]: s["share"] for s in doc["sources"]} == audit.sources.shares
    text = json.dumps(doc)
    ids = small_demo.customers["customer_id"].astype(str)
    assert not any(re.search(rf"\b{re.escape(i)}\b", text) for i in ids)


def test_combined_disclosure_gains_the_cf_recommender_with_its_source_shares(cf_demo, small_demo, tmp_path):
    import explainer as ex
    from explainer.demo import targeting_config, train_demo_targeting
    from explainer.demo._collaborative import collaborative_config
    from explainer.report._combined import write_combined_reports
    from explainer.report._render import prepare_document

    doc, audit = cf_demo
    tgt = train_demo_targeting(small_demo, random_state=0)
    emails = ex.audit(tgt.pipeline, tgt.test, target="bought_two_or_more", sensitive_features=["gender", "age_band"],
                      sample_size=150, n_boot=20, min_group_size=10, refit=False, random_state=0)
    out = tmp_path / "all"
    write_combined_reports([prepare_document(emails, config=targeting_config())[0],
                            prepare_document(doc, config=collaborative_config())[0]], out)
    rec = json.loads((out / "combined.json").read_text())
    assert [a["name"] for a in rec["algorithms"]] == ["Offer email selection", "Customers like you"]
    cells = {r["category"]: r["cells"] for r in rec["matrix"]}
    assert cells["behavioural"]["customers-like-you"]["use"] == "used"
    assert cells["behavioural"]["customers-like-you"]["share"] == pytest.approx(1.0)
    assert cells["financial"]["customers-like-you"]["use"] == "not_held"  # it reads no customer column
    assert cells["special_category"]["customers-like-you"]["use"] == "testing"
    html = (out / "disclosure.html").read_text()
    s = audit.sources.shares
    assert (f"It learns from your history with us: what you buy (about {s['purchase_history'] * 100:.0f}%) and "
            f"what you browse (about {s['browsing_history'] * 100:.0f}%).") in html
    assert (out / "customers-like-you" / "disclosure.html").is_file()


def test_demo_without_implicit_says_so_in_one_line_and_skips_only_the_cf_part(monkeypatch, small_demo):
    import argparse

    import explainer.demo._collaborative as dc
    from explainer import cli

    lines: list[str] = []
    monkeypatch.setattr(dc, "has_collaborative_demo", lambda: False)
    args = argparse.Namespace(k=3, n_boot=10, min_group_size=10, seed=0)
    assert cli._demo_collaborative(small_demo, args, None, lines.append) == []
    assert len(lines) == 1 and "implicit is not installed" in lines[0] and "recsys" in lines[0]
