"""Model performance with intervals: known answers by hand, by brute force and against fairlearn/scipy."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from explainer.analyses._performance import RATE_DEFINITIONS, assess_performance, delong_auc
from explainer.errors import InvalidInputError


def brute_delong(y, s):
    """DeLong's variance straight from its definition: placement values over every pair."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)


def test_delong_auc_and_variance_equal_the_definition_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.35).astype(int)
    s = np.round(rng.random(400) * 0.6 + 0.3 * y, 1)  # rounded: many ties
    auc, lo, hi, var = delong_auc(y, s)
    ref_auc, ref_var = brute_delong(y, s)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12) == pytest.approx(ref_auc, abs=1e-12)
    assert var == pytest.approx(ref_var, rel=1e-10)
    assert 0 < lo < auc < hi < 1


def test_hand_computed_confusion_rates():
    # decisions at 0.5: 1 0 1 0 1 0 -> tp 2, fp 1, fn 1, tn 2
    y = [1, 1, 0, 0, 1, 0]
    s = [0.9, 0.2, 0.8, 0.1, 0.7, 0.4]
    r = assess_performance(y, s, threshold=0.5)
    assert r.confusion == {"tp": 2, "fp": 1, "fn": 1, "tn": 2}
    expect = {"true_positive_rate": 2 / 3, "true_negative_rate": 2 / 3, "false_positive_rate": 1 / 3,
              "false_negative_rate": 1 / 3, "precision": 2 / 3, "negative_predictive_value": 2 / 3,
              "false_discovery_rate": 1 / 3, "false_omission_rate": 1 / 3, "predicted_positive_rate": 0.5,
              "prevalence": 0.5}
    assert set(expect) == set(RATE_DEFINITIONS)
    for name, value in expect.items():
        row = r.overall[name]
        assert row["value"] == pytest.approx(value)
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
    # AUC by hand: of 9 positive-negative pairs the positive scores higher in 6
    # (0.9 beats 0.8, 0.4, 0.1; 0.7 beats 0.4, 0.1; 0.2 beats 0.1)
    assert r.overall["roc_auc"]["value"] == pytest.approx(6 / 9)


def test_rates_and_intervals_match_fairlearn_and_scipy_per_group():
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from scipy.stats import binomtest
    from sklearn.metrics import precision_score, roc_auc_score

    rng = np.random.default_rng(7)
    n = 2000
    sf = pd.DataFrame({"employment": rng.choice(["salaried", "self-employed", "retired"], n, p=[.6, .3, .1])})
    y = (rng.random(n) < 0.25).astype(int)
    s = np.clip(0.25 + 0.35 * (y - 0.25) + rng.normal(0, 0.2, n), 0, 1)
    r = assess_performance(y, s, sensitive_features=sf, threshold=0.4, min_group_size=30)
    d = (s >= 0.4).astype(int)
    mf = MetricFrame(metrics={"true_positive_rate": true_positive_rate, "true_negative_rate": true_negative_rate,
                              "false_positive_rate": false_positive_rate,
                              "false_negative_rate": false_negative_rate, "predicted_positive_rate": selection_rate,
                              "precision": lambda a, b: precision_score(a, b, zero_division=0)},
                     y_true=y, y_pred=d, sensitive_features=sf["employment"])
    table = r.by_group.set_index(["group", "metric"])
    for group in ["salaried", "self-employed", "retired"]:
        for metric in mf.by_group.columns:
            assert table.loc[(group, metric), "value"] == pytest.approx(mf.by_group.loc[group, metric], abs=1e-12)
        mask = sf["employment"].to_numpy() == group
        assert table.loc[(group, "roc_auc"), "value"] == pytest.approx(roc_auc_score(y[mask], s[mask]))
        k = int(((d == 1) & (y == 1) & mask).sum())
        m = int(((y == 1) & mask).sum())
        ci = binomtest(k, m).proportion_ci(confidence_level=0.95, method="wilson")
        assert table.loc[(group, "true_positive_rate"), "ci_low"] == pytest.approx(ci.low, abs=1e-9)
        assert table.loc[(group, "true_positive_rate"), "ci_high"] == pytest.approx(ci.high, abs=1e-9)


def test_disparities_against_the_reference_group_contain_their_estimates():
    rng = np.random.default_rng(11)
    n = 3000
    region = rng.choice(["north", "south", "islands"], n, p=[.5, .4, .1])
    y = (rng.random(n) < 0.3).astype(int)
    # planted: the model says yes far less often to the islands at the same outcome
    s = np.clip(0.3 + 0.4 * (y - 0.3) - 0.25 * (region == "islands") + rng.normal(0, 0.15, n), 0, 1)
    sf = pd.DataFrame({"region": region})
    default = assess_performance(y, s, sensitive_features=sf)
    assert default.reference_groups == {"region": "north"}  # the largest group
    r = assess_performance(y, s, sensitive_features=sf, reference_groups={"region": "south"})
    assert r.reference_groups == {"region": "south"}
    disp = r.disparities.set_index(["group", "metric"])
    by = r.by_group.set_index(["group", "metric"])["value"]
    for (group, metric), row in disp.iterrows():
        assert row["ratio"] == pytest.approx(by[(group, metric)] / by[("south", metric)])
        assert row["difference"] == pytest.approx(by[(group, metric)] - by[("south", metric)])
        assert row["ratio_ci_low"] <= row["ratio"] <= row["ratio_ci_high"]
        assert row["difference_ci_low"] <= row["difference"] <= row["difference_ci_high"]
        assert row["p_value"] <= row["p_adjusted"] <= 1
    planted = disp.loc[("islands", "predicted_positive_rate")]
    assert planted["ratio_ci_high"] < 0.8 and planted["p_adjusted"] < 0.05
    with pytest.raises(InvalidInputError, match=r"reference_groups\['region'\] must be a group"):
        assess_performance(y, s, sensitive_features=sf, reference_groups={"region": "atlantis"})


def test_small_groups_are_too_few_to_judge_and_have_no_numbers():
    rng = np.random.default_rng(1)
    n = 600
    sf = pd.DataFrame({"religion": np.where(np.arange(n) < 4, "rare faith", rng.choice(["a", "b"], n))})
    y = (rng.random(n) < 0.4).astype(int)
    s = rng.random(n)
    r = assess_performance(y, s, sensitive_features=sf, min_group_size=30)
    rare = r.by_group[r.by_group["group"] == "rare faith"]
    assert len(rare) == 1 and rare["too_few_to_judge"].all() and rare["value"].isna().all()
    assert "rare faith" not in set(r.disparities["group"])
    json.dumps(r.to_dict())  # plain JSON


def test_ranking_metrics_by_hand():
    # two customers, four candidates each, k = 2
    users = np.repeat(["u1", "u2"], 4)
    items = np.tile(["film a", "film b", "film c", "film d"], 2)
    # u1 ranks a, b, c, d and liked b and d: precision 1/2, recall 1/2, hit 1, NDCG (1/log2 3)/(1 + 1/log2 3), RR 1/2
    # u2 ranks d, c, b, a and liked d: precision 1/2, recall 1, hit 1, NDCG 1, RR 1
    scores = np.array([4, 3, 2, 1, 1, 2, 3, 4], dtype=float)
    y = np.array([0, 1, 0, 1, 0, 0, 0, 1])
    r = assess_performance(y, scores, task="ranking", user_ids=users, item_ids=items, k=2)
    ndcg_u1 = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    o = r.overall
    assert o["precision_at_2"]["value"] == pytest.approx(0.5)
    assert o["recall_at_2"]["value"] == pytest.approx(0.75)
    assert o["hit_rate_at_2"]["value"] == pytest.approx(1.0)
    assert o["ndcg_at_2"]["value"] == pytest.approx((ndcg_u1 + 1) / 2)
    assert o["reciprocal_rank_at_2"]["value"] == pytest.approx(0.75)
    # the top 2s reach films a, b (u1) and d, c (u2): every film of four
    assert o["catalogue_coverage"]["value"] == pytest.approx(1.0)
    # every customer hit: an interval that stays informative, never zero-width
    assert o["hit_rate_at_2"]["ci_low"] < 1.0 == o["hit_rate_at_2"]["ci_high"]


def test_ranking_coverage_counts_the_catalogue():
    users = np.repeat(np.arange(50), 10)
    items = np.tile(np.arange(10), 50)
    scores = -items.astype(float)  # every customer's top 3 is items 0, 1, 2
    y = (items == 0).astype(int)
    r = assess_performance(y, scores, task="ranking", user_ids=users, item_ids=items, k=3, n_items=40)
    assert r.overall["catalogue_coverage"]["value"] == pytest.approx(3 / 40)


def test_bad_input_is_named():
    with pytest.raises(InvalidInputError, match="y_true must hold 0 and 1 only"):
        assess_performance([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidInputError, match="user_ids must be given for a ranking"):
        assess_performance([0, 1], [0.1, 0.2], task="ranking")
    with pytest.raises(InvalidInputError, match="task must be 'binary' or 'ranking'"):
        assess_performance([0, 1], [0.1, 0.2], task="regression")
