"""The demo audit discovers each truth the generator plants (a) to (d).

The truths come from `explainer.demo.planted_truths()`, which only tests read.
"""

from __future__ import annotations

import numpy as np

from explainer.demo import planted_truths

TRUTH = planted_truths()


def test_a_history_carries_most_of_the_signal(demo_audit):
    shares = demo_audit.explanation.column_share.set_index("column")["share"]
    signal = shares[TRUTH["signal_columns"]].sum()
    assert signal > 0.5, f"signal columns hold {signal:.2f} of the influence"
    # the two signal columns are the two most influential inputs
    assert set(shares.sort_values(ascending=False).index[:2]) == set(TRUTH["signal_columns"])
    cats = demo_audit.explanation.category_share.set_index("category")["share"]
    assert cats.idxmax() in TRUTH["signal_categories"]


def test_b_collected_columns_without_signal_are_reported_unused(demo_audit):
    doc = demo_audit.to_dict()
    feats = {f["column"]: f for f in doc["features"]}
    flagged = {c for f in demo_audit.findings if f.code == "data.unused_column" for c in f.columns}
    for col in TRUTH["no_signal_columns"]:
        assert feats[col]["used_by_model"] is False
        assert feats[col]["importance_share"] == 0.0
        assert feats[col]["minimisation"] in ("drop", "review")
        assert col in flagged


def test_c_postcode_is_found_as_a_proxy_of_ethnicity(demo_audit):
    t = demo_audit.proxies.table
    eth = t[t["sensitive_feature"] == TRUTH["proxy"]["sensitive_feature"]].sort_values("auc", ascending=False)
    assert eth.iloc[0]["column"] == TRUTH["proxy"]["column"]
    assert bool(eth.iloc[0]["flagged"])
    codes = {(f.code, f.columns[0]) for f in demo_audit.findings if f.columns}
    assert ("fairness.proxy", TRUTH["proxy"]["column"]) in codes
    # and no other input is flagged for ethnicity
    assert eth["flagged"].sum() == 1


def test_d_planted_disparity_is_the_largest_and_most_severe(demo_audit):
    d = TRUTH["disparity"]
    gaps = [f for f in demo_audit.findings if f.code == "fairness.exposure_gap"]
    worst = min(gaps, key=lambda f: f.evidence["ratio"])
    assert worst.evidence["item"] == d["category"]
    assert worst.evidence["feature"] == d["sensitive_feature"]
    assert worst.evidence["low_group"] == d["group"]
    assert worst.severity.value == "high"
    assert worst.evidence["ratio_ci_high"] < 0.8
    # every other gap by gender or age band is far smaller than the planted one
    others = [f for f in gaps if f is not worst and f.evidence["feature"] in ("gender", "age_band")]
    assert all(f.evidence["ratio"] > 0.5 for f in others)
    assert all(f.severity.value != "high" for f in others)


def test_fairness_uses_metricframe_definitions(demo_audit):
    # our per-group metrics equal fairlearn's MetricFrame on the demo
    assert demo_audit.fairness.metricframe_max_abs_diff is not None
    assert demo_audit.fairness.metricframe_max_abs_diff < 1e-12
    by = demo_audit.fairness.groups.by_group
    assert {"gender", "age_band"} <= set(by["feature"])


def test_shap_values_are_additive_on_the_explained_rows(demo_audit, recommender):
    e = demo_audit.explanation
    rows = recommender.test.iloc[e.row_index]
    raw = recommender.pipeline.decision_function(rows[list(demo_audit.model.input_columns)])
    recon = e.values.sum(axis=1) + e.base_value
    assert np.max(np.abs(recon - raw)) < 1e-6
    assert e.max_additivity_error < 1e-6


def test_demo_recommender_is_evaluated_on_held_out_customers(recommender):
    train_ids = set(recommender.train["customer_id"])
    test_ids = set(recommender.test["customer_id"])
    assert not train_ids & test_ids
    m = recommender.metrics
    # far better than recommending 3 of 8 categories at random
    assert m["hit_rate_at_3"] > 0.75
    assert 0 < m["ndcg_at_3"] <= 1


def test_c_postcode_carries_the_planted_garden_gap_between_ethnicity_groups(demo_audit):
    # The generator shifts garden purchases by postcode district, and districts differ by
    # ethnicity group: the part of the White-vs-rest gap in garden scores carried by the
    # postcode is positive, and larger for garden than for any other category.
    proxy = TRUTH["proxy"]
    t = demo_audit.proxy_flow.table
    t = t[(t["sensitive_feature"] == proxy["sensitive_feature"]) & (t["column"] == proxy["column"])]
    assert set(t["item"]) == set(demo_audit.fairness.exposure["item"])  # measured per item
    judged = t[~t["too_few_to_judge"]]
    white = judged[judged["group"] == "White"].set_index("item")
    assert white["contribution_gap"].idxmax() == "garden"
    assert white.loc["garden", "contribution_ci_low"] > 0
    # the urban groups get the opposite part on garden, each with its whole interval below 0
    others = judged[(judged["item"] == "garden") & (judged["group"] != "White")]
    assert len(others) >= 3 and (others["contribution_ci_high"] < 0).all()
    # the sensitive attribute the model reads (age band) is not split this way
    assert set(t["sensitive_feature"]) <= {"ethnicity", "gender"}


def test_item_side_exposure_is_reported_per_department(demo_audit, demo):
    ie = demo_audit.fairness.item_exposure.set_index("item_group")
    depts = demo.catalogue.groupby("department")["category"].nunique()
    assert ie["n_items"].to_dict() == depts.to_dict()
    assert abs(ie["slot_share"].sum() - 1) < 1e-12
    assert abs(ie["outcome_share"].sum() - 1) < 1e-12
    assert ((ie["ci_low"] <= ie["slot_share"]) & (ie["slot_share"] <= ie["ci_high"])).all()
    # the recommender follows demand closely: no department's slots fall below 0.8 of its demand
    assert not ie["flagged"].any()
    assert (ie["ratio"] > 0.8).all() and (ie["ratio"] < 1.25).all()
