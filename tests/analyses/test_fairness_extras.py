"""Item-side exposure, proxy flow and the mitigation comparison, against known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainer.analyses._fairness import item_exposure
from explainer.analyses._proxy_flow import proxy_flow
from explainer.analyses._mitigation import compare_mitigations


def test_item_exposure_hand_table():
    # customer 1 is shown a1 and bought b1; customer 2 is shown b1 and bought a2 and b1;
    # customer 3 is shown a2 and bought a1. Slots: A 2 of 3, B 1 of 3. Outcomes: A 2 of 4, B 2 of 4.
    items = ["a1", "a2", "b1"] * 3
    groups = ["A", "A", "B"] * 3
    users = [1, 1, 1, 2, 2, 2, 3, 3, 3]
    shown = [1, 0, 0, 0, 0, 1, 0, 1, 0]
    bought = [0, 0, 1, 0, 1, 1, 1, 0, 0]
    t = item_exposure(shown, bought, users, groups, items=items, n_boot=50).set_index("item_group")
    assert t.loc["A", "slot_share"] == pytest.approx(2 / 3) and t.loc["B", "slot_share"] == pytest.approx(1 / 3)
    assert t.loc["A", "outcome_share"] == pytest.approx(0.5) and t.loc["B", "outcome_share"] == pytest.approx(0.5)
    assert t.loc["A", "ratio"] == pytest.approx(4 / 3) and t.loc["B", "ratio"] == pytest.approx(2 / 3)
    assert not t.loc["A", "flagged"] and t.loc["B", "flagged"]
    assert t.loc["A", "n_items"] == 2 and t.loc["B", "slots"] == 1 and t.loc["A", "outcomes"] == 2


def test_item_exposure_interval_covers_the_true_share():
    # 4 items in 2 groups; each customer's top 2 is one of 6 pairs drawn with known
    # probabilities, so the expected share of slots of group A is known exactly.
    pairs = [("a1", "a2"), ("a1", "b1"), ("a1", "b2"), ("a2", "b1"), ("a2", "b2"), ("b1", "b2")]
    p = np.array([0.3, 0.2, 0.1, 0.15, 0.15, 0.1])
    true_a = sum(pi * sum(i.startswith("a") for i in pr) / 2 for pi, pr in zip(p, pairs, strict=True))
    items = np.array(["a1", "a2", "b1", "b2"])
    n_users, covered = 400, 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(pairs), n_users, p=p)
        shown = np.zeros((n_users, 4), dtype=int)
        for j, it in enumerate(items):
            shown[:, j] = [it in pairs[k] for k in pick]
        t = item_exposure(shown.ravel(), rng.integers(0, 2, n_users * 4), np.repeat(np.arange(n_users), 4),
                          np.tile(np.array(["A", "A", "B", "B"]), n_users), n_boot=200,
                          random_state=seed).set_index("item_group")
        covered += int(t.loc["A", "ci_low"] <= true_a <= t.loc["A", "ci_high"])
    assert covered >= 90, covered


def test_proxy_flow_parts_add_up_to_the_gap():
    rng = np.random.default_rng(0)
    n = 600
    group = rng.choice(["x", "y"], n)
    phi = rng.normal(0, 1, (n, 3))
    phi[:, 0] += np.where(group == "x", 0.5, -0.5)  # the proxy carries a gap of 1.0 between x and y
    sf = pd.DataFrame({"s": group})
    t = proxy_flow(phi, ["zip", "a", "b"], sf, [("s", "zip"), ("s", "a"), ("s", "b")], n_boot=200).table
    x = t[t["group"] == "x"].set_index("column")
    gap = phi[group == "x"].sum(1).mean() - phi[group == "y"].sum(1).mean()
    assert x["output_gap"].iloc[0] == pytest.approx(gap)
    assert x["contribution_gap"].sum() == pytest.approx(gap)  # additivity: the parts add up
    assert x.loc["zip", "contribution_ci_low"] > 0.7 and x.loc["zip", "contribution_ci_high"] < 1.3
    assert x.loc["a", "contribution_ci_low"] < 0 < x.loc["a", "contribution_ci_high"]
    assert x.loc["zip", "share_ci_low"] is not None and x.loc["zip", "share_ci_low"] > 0.5
    # a group below the minimum size is too few to judge and gets no numbers
    small = proxy_flow(phi[:40], ["zip", "a", "b"], sf.iloc[:40], [("s", "zip")], min_group_size=30).table
    assert small["too_few_to_judge"].all() and small["output_gap"].isna().all()


def test_threshold_optimizer_comparison_reduces_the_disparity_and_is_not_applied():
    rng = np.random.default_rng(1)
    n = 6000
    g = rng.choice(["a", "b"], n, p=[0.6, 0.4])
    y = (rng.random(n) < np.where(g == "a", 0.6, 0.3)).astype(int)
    score = np.clip(0.35 * y + np.where(g == "a", 0.3, 0.05) + rng.normal(0, 0.2, n), 0, 1)
    before = score.copy()
    res = compare_mitigations(y, score, pd.DataFrame({"g": g}), threshold=0.5, n_boot=100, random_state=0)
    np.testing.assert_array_equal(score, before)  # the scores are never changed
    assert res.method["applied"] is False
    t = res.table.set_index("constraint", drop=False)
    cur = t[t["method"] == "current"].iloc[0]
    dp = t.loc["demographic_parity"]
    assert cur["n_eval"] == dp["n_eval"] and abs(cur["n_eval"] - n / 2) <= 2
    assert dp["demographic_parity_difference"] < cur["demographic_parity_difference"] / 3
    assert dp["dp_difference_ci_high"] < cur["dp_difference_ci_low"]
    for _, r in res.table.iterrows():
        assert r["accuracy_ci_low"] <= r["accuracy"] <= r["accuracy_ci_high"]


def test_customer_side_exposure_interval_covers_the_true_rate():
    from explainer.analyses._fairness import exposure_by_group

    true = {"a": 0.3, "b": 0.12}
    covered = {"a": 0, "b": 0}
    for seed in range(100):
        rng = np.random.default_rng(seed)
        g = np.repeat(["a", "b"], 300)
        shown = (rng.random(600) < np.where(g == "a", true["a"], true["b"])).astype(int)
        exp, _ = exposure_by_group(shown, np.full(600, "item"), pd.DataFrame({"s": g}), n_boot=400,
                                   random_state=seed)
        for _, r in exp.iterrows():
            covered[r["group"]] += int(r["ci_low"] <= true[r["group"]] <= r["ci_high"])
    assert min(covered.values()) >= 90, covered


def test_clear_proxy_flow_and_item_under_exposure_become_findings():
    from explainer.findings import audit_findings
    from explainer.analyses._fairness import assess_fairness

    rng = np.random.default_rng(0)
    n = 800
    group = rng.choice(["x", "y"], n)
    phi = rng.normal(0, 0.3, (n, 2))
    phi[:, 0] += np.where(group == "x", 0.5, -0.5)
    flow = proxy_flow(phi, ["zip", "a"], pd.DataFrame({"s": group}), [("s", "zip")], n_boot=200)
    found = audit_findings("binary", proxy_flow=flow)
    codes = [(f.code, f.columns) for f in found]
    assert codes.count(("fairness.proxy_flow", ("zip", "s"))) == 2  # x above the rest, y below
    assert any("higher scores" in f.text for f in found) and any("lower scores" in f.text for f in found)

    # 200 customers x 3 items, top 1 shown: item c is never shown but bought as often as a and b
    users = np.repeat(np.arange(200), 3)
    items = np.tile(["a", "b", "c"], 200)
    score = np.where(items == "c", 0.0, rng.random(600))
    shown = np.zeros(600, dtype=int)
    for u in range(200):
        rows = np.flatnonzero(users == u)
        shown[rows[np.argmax(score[rows])]] = 1
    bought = (rng.random(600) < 0.3).astype(int)
    fair = assess_fairness(bought, shown, sensitive_features=pd.DataFrame({"s": np.repeat(rng.choice(["p", "q"], 200), 3)}),
                          y_score=score, user_ids=users, items=items, k=1, n_boot=100)
    ie = fair.item_exposure.set_index("item_group")
    assert ie.loc["c", "slot_share"] == 0 and ie.loc["c", "flagged"]
    found = audit_findings("ranking", fairness=fair)
    gaps = [f for f in found if f.code == "fairness.item_exposure_gap"]
    assert len(gaps) == 1 and gaps[0].severity.value == "medium" and gaps[0].evidence["item_group"] == "c"


def test_audit_fairness_is_a_deprecated_alias_of_assess_fairness():
    import explainer as ex
    from explainer.analyses._fairness import assess_fairness, audit_fairness

    y = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    d = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    sf = pd.DataFrame({"s": list("aaaabbbb")})
    new = assess_fairness(y, d, sensitive_features=sf, min_group_size=1, n_boot=0, check_metricframe=False)
    with pytest.warns(DeprecationWarning, match="use assess_fairness"):
        old = audit_fairness(y, d, sensitive_features=sf, min_group_size=1, n_boot=0, check_metricframe=False)
    pd.testing.assert_frame_equal(old.groups.by_group, new.groups.by_group)
    # group a: 1 of 4 selected; group b: 3 of 4
    assert new.groups.value("s", "a", "selection_rate") == 0.25
    assert new.groups.value("s", "b", "selection_rate") == 0.75
    assert ex.assess_fairness is assess_fairness


def test_item_exposure_gaps_are_one_finding_for_the_item_side():
    """Five of ten items are never shown though bought as often as the rest: one finding counting
    them, not five (a catalogue with every item its own group would give one per item)."""
    from explainer.analyses._fairness import assess_fairness
    from explainer.findings._rules import audit_findings

    rng = np.random.default_rng(2)
    n, m = 300, 10
    users = np.repeat(np.arange(n), m)
    items = np.tile([f"i{j}" for j in range(m)], n)
    score = np.where(np.tile(np.arange(m), n) >= 5, 0.0, rng.random(n * m) + 0.1)
    shown = np.zeros(n * m, dtype=int)
    for u in range(n):
        rows = np.flatnonzero(users == u)
        shown[rows[np.argsort(-score[rows])[:2]]] = 1
    bought = (rng.random(n * m) < 0.3).astype(int)
    fair = assess_fairness(bought, shown, sensitive_features=pd.DataFrame({"s": np.repeat(rng.choice(["p", "q"], n), m)}),
                           y_score=score, user_ids=users, items=items, k=2, n_boot=100)
    found = [f for f in audit_findings("ranking", fairness=fair) if f.code == "fairness.item_exposure_gap"]
    assert len(found) == 1 and found[0].severity.value == "medium"
    ev = found[0].evidence
    assert ev["n_flagged"] == 5 and ev["n_item_groups"] == 10 and ev["n_whole_interval_below"] == 5
    assert {g["item_group"] for g in ev["groups"]} == {f"i{j}" for j in range(5, 10)}
    assert found[0].text.startswith("5 of 10 item groups")
