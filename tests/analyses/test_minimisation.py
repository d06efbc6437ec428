"""Data minimisation on the demo: the planted unused columns are dropped, the signal kept.

The expectations come from `explainer.demo.planted_truths()`; the audit never reads them.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from explainer.analyses import assess_minimisation
from explainer.demo import planted_truths

TRUTH = planted_truths()


def _rows(demo_audit):
    return demo_audit.minimisation.table.set_index("column")


def test_planted_unused_columns_are_dropped(demo_audit):
    t = _rows(demo_audit)
    for col in TRUTH["no_signal_columns"]:
        assert t.loc[col, "verdict"] == "drop", (col, t.loc[col, "reason"])
        assert not t.loc[col, "is_input"]


def test_signal_columns_are_kept_with_refit_evidence(demo_audit):
    t = _rows(demo_audit)
    for col in TRUTH["signal_columns"]:
        r = t.loc[col]
        assert r["verdict"] == "keep", (col, r["reason"])
        assert r["refit_how"] == "removed"
        # clearly negative: the whole interval is a loss of more than the small-loss line
        assert r["refit_ci_high"] < -demo_audit.options["small_loss"], col
        assert r["refit_ci_low"] <= r["refit_delta"] <= r["refit_ci_high"]
        assert "refit without it" in r["reason"] and "share of influence" in r["reason"]


def test_planted_irrelevant_inputs_have_intervals_covering_zero(demo_audit):
    t = _rows(demo_audit)
    for col in TRUTH["no_signal_inputs"]:
        r = t.loc[col]
        assert r["is_input"]
        assert r["refit_ci_low"] <= 0 <= r["refit_ci_high"], col
        assert r["verdict"] == "drop", (col, r["reason"])


def test_signal_category_is_kept_and_refitted_as_a_whole(demo_audit):
    cats = demo_audit.minimisation.categories.set_index("category")
    for cat in TRUTH["signal_categories"]:
        r = cats.loc[cat]
        assert r["verdict"] == "keep"
        assert len(r["inputs"]) > 1
        group = demo_audit.minimisation.refit.row(cat, "group")
        assert group is not None and sorted(group["columns"]) == sorted(r["inputs"])
        # without the whole category the loss is larger than without any one of its columns
        singles = [demo_audit.minimisation.refit.row(c)["delta"] for c in r["inputs"]]
        assert r["refit_delta"] < min(singles)
    # a category with no model input at all is dropped
    assert cats.loc["contact", "verdict"] == "drop"
    assert cats.loc["contact", "inputs"] == []


def test_refit_used_grouped_folds_on_training_rows(demo_audit, recommender):
    m = demo_audit.minimisation.method["refit"]
    assert m["status"] == "run"
    assert m["folds"] == "grouped by customer"
    assert m["metric"] == "ndcg_at_3"
    # the sample counts customers: every training customer up to the cap, each with all candidates
    from explainer.analyses._refit import REFIT_MAX_CUSTOMERS

    assert demo_audit.options["refit_sample_size"] == "auto" and m["sample_unit"] == "customers"
    assert m["customers"] == min(REFIT_MAX_CUSTOMERS, recommender.train["customer_id"].nunique())
    assert m["rows"] == m["customers"] * recommender.train.groupby("customer_id").size().iloc[0]
    assert demo_audit.options["train_rows"] == len(recommender.train)


def test_findings_name_unused_and_low_value_columns(demo_audit):
    unused = {f.columns[0]: f for f in demo_audit.findings if f.code == "data.unused_column"}
    assert set(TRUTH["no_signal_columns"]) <= set(unused)
    assert unused["phone"].public_text == "We collect your phone number, but this system does not use it."
    low = {f.columns[0]: f for f in demo_audit.findings if f.code == "data.low_value_column"}
    for col in TRUTH["no_signal_inputs"]:
        assert col in low
        assert "Refitted without it" in low[col].text
        assert low[col].evidence["refit_metric"] == "ndcg_at_3"
    assert not {"privacy.direct_identifier", "privacy.special_category_input"} & {f.code for f in demo_audit.findings}


def test_reports_show_the_evidence(demo_audit, demo_reports):
    doc = json.loads((demo_reports / "audit.json").read_text())
    cols = {r["column"]: r for r in doc["minimisation"]["columns"]}
    for col in TRUTH["signal_columns"]:
        assert cols[col]["refit_delta"] < 0 and cols[col]["verdict"] == "keep"
    assert doc["minimisation"]["method"]["refit"]["status"] == "run"
    assert any(r["kind"] == "group" for r in doc["minimisation"]["refit"])
    feats = {f["column"]: f for f in doc["features"]}
    assert feats["category_purchases_90d"]["refit_ci"][1] < 0
    html = (demo_reports / "audit.html").read_text()
    assert "Verdict per data category" in html and "Refit change in ndcg_at_3" in html
    disclosure = (demo_reports / "disclosure.html").read_text()
    assert "This system does not use them." in disclosure  # no "model" on a public page (issue 16)
    assert "phone number" in disclosure and "pet name" in disclosure


def test_without_a_refit_the_result_says_so_and_relies_on_shares(demo_audit):
    inputs = demo_audit.model.input_columns
    table = demo_audit.minimisation.table
    m = assess_minimisation(list(table["column"]), inputs=inputs, shap=demo_audit.explanation,
                            categories=dict(zip(table["column"], table["category"])),
                            roles=dict(zip(table["column"], table["role"])), keys=["customer_id", "category"],
                            refit=None, refit_note="no training data given")
    assert m.method["refit"] == {"status": "not run", "reason": "no training data given"}
    t = m.table.set_index("column")
    assert t["refit_delta"].isna().all()
    for col in TRUTH["signal_columns"]:
        assert t.loc[col, "verdict"] == "keep"
        assert "refit not run: no training data given" in t.loc[col, "reason"]
    for col in TRUTH["no_signal_columns"]:
        assert t.loc[col, "verdict"] == "drop"


@pytest.mark.parametrize("share,delta,lo,hi,expected", [
    (0.30, -0.05, -0.07, -0.03, "keep"),     # a loss: the whole interval below 0
    (0.02, -0.002, -0.003, -0.001, "drop"),  # a real loss, but the whole interval is within the margin
    (0.02, 0.001, -0.004, 0.006, "drop"),    # equivalence: the whole interval above -0.005
    (0.02, -0.008, -0.02, 0.004, "inconclusive"),  # holds no loss and a loss beyond the margin
    (0.20, 0.0, -0.002, 0.002, "drop"),      # the model leans on it now, but a refit does as well
    (0.30, 0.010, -0.046, 0.059, "inconclusive"),  # the tiny refit: far wider than the margin
    (0.30, -0.094, -0.123, -0.064, "keep"),  # the same inputs refitted on all customers
])
def test_verdict_rules(share, delta, lo, hi, expected):
    from explainer.analyses._minimisation import _judge

    refit = {"delta": delta, "ci_low": lo, "ci_high": hi}
    verdict, reason = _judge(share, share, refit, metric="roc_auc", low_share=0.01, small_loss=0.005,
                             refit_note="")
    assert verdict == expected, reason
    assert "roc_auc" in reason
    if expected == "inconclusive":
        assert "wider than the margin" in reason and "more customers" in reason
        assert "same information" not in reason


def test_inventory_item_attributes_are_not_called_customer_data(demo_audit):
    # 'department' describes the product category: the audit finds that it is constant per item
    assert demo_audit.inventory["department"].role == "item"
    assert isinstance(demo_audit.minimisation.to_frame(), pd.DataFrame)
