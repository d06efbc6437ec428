"""Power: the planted truths (c) and (d) are still found by the tested rules at the demo's full size.

At 20,000 customers (the size `make demo` uses) the analyses that carry (c) and (d) are run
directly (proxies on the held-out customers, fairness on the model's top-3 lists), with the
same finding rules as the audit: adjusted tests, the four-fifths line, enough customers.
"""

from __future__ import annotations

import pytest

from explainer.demo import make_retail_demo, planted_truths, train_demo_recommender

TRUTH = planted_truths()
SENSITIVE = ["gender", "age_band", "ethnicity"]


@pytest.fixture(scope="module")
def full():
    demo = make_retail_demo(20_000, random_state=7)
    return train_demo_recommender(demo, random_state=7)


def test_c_postcode_still_flagged_for_ethnicity_naming_groups(full):
    from explainer.analyses._proxies import find_proxies

    test = full.test
    from explainer.demo import MODEL_INPUTS

    inputs = [c for c in MODEL_INPUTS if c not in SENSITIVE]  # the audit's candidates
    res = find_proxies(test[inputs], test[SENSITIVE], groups=test["customer_id"].to_numpy(), random_state=0)
    t = res.table[res.table["sensitive_feature"] == TRUTH["proxy"]["sensitive_feature"]]
    flagged = t[t["flagged"]]
    assert list(flagged["column"]) == [TRUTH["proxy"]["column"]]
    assert flagged["flagged_groups"].iloc[0]  # the finding names the groups postcode picks out


def test_d_electronics_gap_for_65_plus_still_the_high_finding(full):
    from explainer.findings import audit_findings
    from explainer.analyses._fairness import audit_fairness
    from explainer.models import wrap_model

    test = full.test.reset_index(drop=True)
    model = wrap_model(full.pipeline, task="ranking", user_id="customer_id", item_id="category", k=3)
    fair = audit_fairness(test["bought"].to_numpy(), model.predict_decision(test), sensitive_features=test[SENSITIVE],
                          user_ids=test["customer_id"].to_numpy(), items=test["category"].to_numpy(), k=3,
                          intersections=False, check_metricframe=False, random_state=0)
    gaps = [f for f in audit_findings("ranking", fairness=fair)
            if f.code == "fairness.exposure_gap"]
    worst = min(gaps, key=lambda f: f.evidence["ratio"])
    d = TRUTH["disparity"]
    assert (worst.evidence["feature"], worst.evidence["item"], worst.evidence["low_group"]) == (
        d["sensitive_feature"], d["category"], d["group"])
    assert worst.severity.value == "high" and worst.evidence["ratio_ci_high"] < 0.8
    assert worst.evidence["p_adjusted"] <= 0.05
