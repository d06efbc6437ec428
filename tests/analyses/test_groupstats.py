"""Known-answer tests for explainer.analyses._groupstats."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from explainer.analyses._groupstats import (
    GroupMetricsResult,
    decisions_from_scores,
    group_counts,
    group_metrics,
    group_metrics_from_counts,
)
from explainer.errors import InvalidInputError

# Group A: TP=2 FN=1 FP=1 TN=2.  Group B: TP=1 FN=1 FP=0 TN=4.
HAND = pd.DataFrame(
    {
        "g": ["A"] * 6 + ["B"] * 6,
        "y_true": [1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0],
        "y_pred": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0],
        "score": [0.9, 0.8, 0.4, 0.7, 0.2, 0.1, 0.6, 0.3, 0.2, 0.2, 0.1, 0.0],
    }
)


def _hand(**kw: object) -> GroupMetricsResult:
    return group_metrics(
        HAND["y_true"],
        HAND["y_pred"],
        sensitive_features=HAND[["g"]],
        y_score=HAND["score"],
        min_group_size=1,
        **kw,  # type: ignore[arg-type]
    )


def _disp(res: GroupMetricsResult, feature: str, measure: str) -> pd.Series:
    d = res.disparities
    return d[(d["feature"] == feature) & (d["measure"] == measure)].iloc[0]


def test_hand_computed_rates() -> None:
    res = _hand(ci=None)
    expected = {
        "A": {
            "count": 6,
            "selection_rate": 3 / 6,
            "true_positive_rate": 2 / 3,
            "false_positive_rate": 1 / 3,
            "false_negative_rate": 1 / 3,
            "precision": 2 / 3,
            "accuracy": 4 / 6,
            "mean_score": (0.9 + 0.8 + 0.4 + 0.7 + 0.2 + 0.1) / 6,
        },
        "B": {
            "count": 6,
            "selection_rate": 1 / 6,
            "true_positive_rate": 1 / 2,
            "false_positive_rate": 0.0,
            "false_negative_rate": 1 / 2,
            "precision": 1.0,
            "accuracy": 5 / 6,
            "mean_score": (0.6 + 0.3 + 0.2 + 0.2 + 0.1 + 0.0) / 6,
        },
    }
    for group, metrics in expected.items():
        for metric, value in metrics.items():
            assert res.value("g", group, metric) == pytest.approx(value, abs=1e-15)
    assert _disp(res, "g", "demographic_parity_difference")["value"] == pytest.approx(1 / 3)
    ratio = _disp(res, "g", "demographic_parity_ratio")
    assert ratio["value"] == pytest.approx(1 / 3)
    assert bool(ratio["flagged"]) is True  # 1/3 < 0.8: four-fifths rule
    assert _disp(res, "g", "equalized_odds_difference")["value"] == pytest.approx(1 / 3)
    assert _disp(res, "g", "equal_opportunity_difference")["value"] == pytest.approx(1 / 6)
    # Without a bootstrap the interval columns are empty.
    assert res.by_group["ci_low"].isna().all()
    assert res.method["n_boot"] == 0


def test_hand_weighted_rates() -> None:
    # Weight 2 on the first row of group A (a TP): TP=3 FN=1 FP=1 TN=2, total 7.
    w = np.ones(12)
    w[0] = 2.0
    res = group_metrics(
        HAND["y_true"], HAND["y_pred"], sensitive_features=HAND["g"], sample_weight=w,
        min_group_size=1, ci=None,
    )
    assert res.value("g", "A", "selection_rate") == pytest.approx(4 / 7)
    assert res.value("g", "A", "true_positive_rate") == pytest.approx(3 / 4)
    assert res.value("g", "A", "precision") == pytest.approx(3 / 4)
    assert res.value("g", "A", "count") == 6  # rows, not weight


def test_zero_denominator_is_nan_where_fairlearn_gives_zero() -> None:
    # Group B has no actual positives and nobody selected.
    yt = [1, 0, 1, 0, 0, 0]
    yp = [1, 1, 0, 0, 0, 0]
    g = pd.Series(["A", "A", "A", "B", "B", "B"], name="g")
    res = group_metrics(yt, yp, sensitive_features=g, min_group_size=1, ci=None)
    assert math.isnan(res.value("g", "B", "true_positive_rate"))
    assert math.isnan(res.value("g", "B", "false_negative_rate"))
    assert math.isnan(res.value("g", "B", "precision"))
    assert res.value("g", "B", "false_positive_rate") == 0.0
    assert res.value("g", "B", "selection_rate") == 0.0
    mf = MetricFrame(metrics=true_positive_rate, y_true=np.array(yt), y_pred=np.array(yp),
                     sensitive_features=g)
    assert mf.by_group["B"] == 0.0
    # equal opportunity needs TPR in two groups: undefined here.
    assert math.isnan(_disp(res, "g", "equal_opportunity_difference")["value"])
    assert res.to_dict()["by_group"][0]["value"] is not None


def _random_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    sf = pd.DataFrame(
        {
            "gender": rng.choice(["f", "m", "x"], n, p=[0.45, 0.45, 0.1]),
            "age_band": rng.choice(["18-30", "31-50", "51-64", "65+"], n),
        }
    )
    yt = rng.integers(0, 2, n)
    yp = (rng.random(n) < 0.3 + 0.3 * yt).astype(int)
    w = rng.uniform(0.5, 2.0, n)
    return yt, yp, sf, w


FL_METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "precision": skm.precision_score,
    "accuracy": skm.accuracy_score,
}


@pytest.mark.parametrize("weighted", [False, True])
def test_equals_fairlearn_metricframe(weighted: bool) -> None:
    yt, yp, sf, w = _random_data(3000, seed=1)
    res = group_metrics(yt, yp, sensitive_features=sf, sample_weight=w if weighted else None,
                        min_group_size=1, ci=None)
    metrics = dict(FL_METRICS)
    if weighted:
        metrics.pop("count")  # count ignores weights
    params = {m: {"sample_weight": w} for m in metrics} if weighted else None
    checked = 0
    for feature, cols in [("gender", ["gender"]), ("age_band", ["age_band"]),
                          ("gender × age_band", ["gender", "age_band"])]:
        mf = MetricFrame(metrics=metrics, y_true=yt, y_pred=yp,
                         sensitive_features=sf[cols], sample_params=params)
        for key, row in mf.by_group.iterrows():
            label = " | ".join(key) if isinstance(key, tuple) else str(key)
            for metric in metrics:
                ours = res.value(feature, label, metric)
                assert abs(ours - float(row[metric])) <= 1e-12, (feature, label, metric)
                checked += 1
        # Disparities equal fairlearn's group-level summaries.
        sel = mf.by_group["selection_rate"]
        d = res.disparities
        dd = d[d["feature"] == feature].set_index("measure")["value"]
        assert dd["demographic_parity_difference"] == pytest.approx(sel.max() - sel.min(), abs=1e-12)
        assert dd["demographic_parity_ratio"] == pytest.approx(sel.min() / sel.max(), abs=1e-12)
        tpr, fpr = mf.by_group["true_positive_rate"], mf.by_group["false_positive_rate"]
        assert dd["equalized_odds_difference"] == pytest.approx(
            max(tpr.max() - tpr.min(), fpr.max() - fpr.min()), abs=1e-12)
    assert checked == (3 + 4 + 12) * len(metrics)


def test_disparities_equal_fairlearn_functions() -> None:
    from fairlearn.metrics import (
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
    )

    yt, yp, sf, _ = _random_data(2000, seed=3)
    res = group_metrics(yt, yp, sensitive_features=sf["age_band"], min_group_size=1, ci=None)
    d = res.disparities.set_index("measure")["value"]
    sfa = sf["age_band"]
    assert d["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(yt, yp, sensitive_features=sfa), abs=1e-12)
    assert d["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(yt, yp, sensitive_features=sfa), abs=1e-12)
    assert d["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(yt, yp, sensitive_features=sfa), abs=1e-12)


def test_interval_coverage_of_true_selection_rate() -> None:
    true_rate = {"a": 0.3, "b": 0.55}
    covered = {"a": 0, "b": 0}
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        g = np.repeat(["a", "b"], 300)
        yp = (rng.random(600) < np.where(g == "a", 0.3, 0.55)).astype(int)
        yt = rng.integers(0, 2, 600)
        res = group_metrics(yt, yp, sensitive_features=pd.Series(g, name="g"),
                            intersections=False, n_boot=200, random_state=seed)
        bg = res.by_group
        for grp in covered:
            row = bg[(bg["group"] == grp) & (bg["metric"] == "selection_rate")].iloc[0]
            covered[grp] += int(row["ci_low"] <= true_rate[grp] <= row["ci_high"])
    assert covered["a"] >= 90
    assert covered["b"] >= 90


def test_interval_width_matches_binomial_standard_error() -> None:
    # The multinomial bootstrap of a rate p over n rows has sd sqrt(p(1-p)/n).
    rng = np.random.default_rng(7)
    n = 20000
    g = np.repeat(["a", "b"], n // 2)
    yp = (rng.random(n) < 0.4).astype(int)
    yt = rng.integers(0, 2, n)
    res = group_metrics(yt, yp, sensitive_features=pd.Series(g, name="g"), n_boot=4000)
    bg = res.by_group
    row = bg[(bg["group"] == "a") & (bg["metric"] == "selection_rate")].iloc[0]
    p = row["value"]
    expected = 2 * 1.959964 * math.sqrt(p * (1 - p) / (n // 2))
    assert (row["ci_high"] - row["ci_low"]) == pytest.approx(expected, rel=0.08)
    assert row["ci_low"] < p < row["ci_high"]
    # count has no sampling variation in a stratified bootstrap
    crow = bg[(bg["group"] == "a") & (bg["metric"] == "count")].iloc[0]
    assert crow["ci_low"] == crow["ci_high"] == n // 2


def test_mean_score_interval_is_normal_approximation() -> None:
    rng = np.random.default_rng(11)
    n = 1000
    g = np.repeat(["a", "b"], n // 2)
    s = rng.random(n)
    res = group_metrics(rng.integers(0, 2, n), rng.integers(0, 2, n),
                        sensitive_features=pd.Series(g, name="g"), y_score=s, n_boot=50)
    sa = s[: n // 2]
    half = 1.959963984540054 * sa.std(ddof=1) / math.sqrt(n // 2)
    bg = res.by_group
    row = bg[(bg["group"] == "a") & (bg["metric"] == "mean_score")].iloc[0]
    assert row["value"] == pytest.approx(sa.mean(), abs=1e-12)
    assert row["ci_low"] == pytest.approx(sa.mean() - half, abs=1e-9)
    assert row["ci_high"] == pytest.approx(sa.mean() + half, abs=1e-9)


def test_disparity_interval_brackets_estimate_and_is_seeded() -> None:
    yt, yp, sf, _ = _random_data(5000, seed=5)
    r1 = group_metrics(yt, yp, sensitive_features=sf, n_boot=300, random_state=3)
    r2 = group_metrics(yt, yp, sensitive_features=sf, n_boot=300, random_state=3)
    pd.testing.assert_frame_equal(r1.disparities, r2.disparities)
    d = r1.disparities
    ok = d["value"].notna()
    assert (d.loc[ok, "ci_low"] <= d.loc[ok, "ci_high"]).all()
    # closed-form intervals between the named pair contain the estimate by construction
    assert (d.loc[ok, "ci_low"] <= d.loc[ok, "value"]).all() and (d.loc[ok, "value"] <= d.loc[ok, "ci_high"]).all()
    assert r1.method["n_boot"] == 0 and r1.method["ci"] == 0.95
    assert r1.method["interval"].startswith("Wilson")


def test_small_groups_marked_and_excluded_from_disparities() -> None:
    rng = np.random.default_rng(2)
    g = np.array(["a"] * 100 + ["b"] * 100 + ["c"] * 5)
    yt = rng.integers(0, 2, len(g))
    yp = np.r_[np.ones(50), np.zeros(50), np.ones(20), np.zeros(80), np.zeros(5)].astype(int)
    res = group_metrics(yt, yp, sensitive_features=pd.Series(g, name="g"), min_group_size=30,
                        n_boot=100)
    bg = res.by_group
    assert set(bg.loc[bg["too_few_to_judge"], "group"]) == {"c"}
    dp = _disp(res, "g", "demographic_parity_difference")
    # a: 0.5, b: 0.2; c (rate 0) would make it 0.5 if included.
    assert dp["value"] == pytest.approx(0.3)
    assert dp["n_groups"] == 2
    assert _disp(res, "g", "demographic_parity_ratio")["value"] == pytest.approx(0.4)


def test_intersection_names_and_labels() -> None:
    sf = pd.DataFrame({"gender": ["female", "male"] * 4, "age_band": ["65+"] * 4 + ["18-30"] * 4})
    res = group_metrics([0, 1] * 4, [1, 1, 0, 0] * 2, sensitive_features=sf, min_group_size=1,
                        ci=None)
    inter = res.by_group[res.by_group["feature"] == "gender × age_band"]
    assert set(inter["group"]) == {"female | 65+", "male | 65+", "female | 18-30", "male | 18-30"}
    no_inter = group_metrics([0, 1] * 4, [1, 1, 0, 0] * 2, sensitive_features=sf,
                             min_group_size=1, ci=None, intersections=False)
    assert set(no_inter.by_group["feature"]) == {"gender", "age_band"}


def test_extra_metrics_through_metricframe() -> None:
    yt, yp, sf, _ = _random_data(1000, seed=9)
    res = group_metrics(yt, yp, sensitive_features=sf["gender"], min_group_size=1, ci=None,
                        extra_metrics={"recall": skm.recall_score})
    for grp in ["f", "m", "x"]:
        assert res.value("gender", grp, "recall") == pytest.approx(
            res.value("gender", grp, "true_positive_rate"), abs=1e-15)


def test_to_dict_is_json_ready() -> None:
    yt = [1, 0, 1, 0, 0, 0]
    yp = [1, 1, 0, 0, 0, 0]
    g = pd.Series(["A", "A", "A", "B", "B", "B"], name="g")
    res = group_metrics(yt, yp, sensitive_features=g, min_group_size=1, n_boot=20)
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    tpr_b = next(r for r in back["by_group"]
             if r["group"] == "B" and r["metric"] == "true_positive_rate")
    assert tpr_b["value"] is None
    assert back["method"]["n_boot"] == 0  # rates have closed-form intervals: no bootstrap
    assert back["method"]["interval"] == "Wilson score"
    assert res.to_frame().equals(res.by_group)


def test_decisions_from_scores() -> None:
    assert decisions_from_scores([0.1, 0.5, 0.49999, 0.9], 0.5).tolist() == [0, 1, 0, 1]
    with pytest.raises(InvalidInputError, match="y_score must not hold missing values. Got 1"):
        decisions_from_scores([0.1, np.nan], 0.5)
    with pytest.raises(InvalidInputError, match="threshold must be a finite number"):
        decisions_from_scores([0.1], float("nan"))


def test_single_group_column_error() -> None:
    sf = pd.DataFrame({"x": ["a"] * 4, "y": ["p", "q"] * 2})
    with pytest.raises(
        InvalidInputError,
        match=r"sensitive_features column 'x' must have at least two groups\. Got 1\.",
    ):
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=sf)


def test_missing_sensitive_values_error() -> None:
    sf = pd.DataFrame({"gender": ["f", None, "m", np.nan]})
    with pytest.raises(InvalidInputError,
                       match="column 'gender' must have no missing values. Got 2 missing. Fill"):
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=sf)


def test_length_and_label_errors() -> None:
    g = pd.Series(["a", "b", "a", "b"], name="g")
    with pytest.raises(InvalidInputError, match="y_pred must have the same length as y_true. Got 3 and 4"):
        group_metrics([0, 1, 0, 1], [0, 1, 1], sensitive_features=g)
    with pytest.raises(InvalidInputError, match="sensitive_features must have one row per prediction. Got 4 rows for 5"):
        group_metrics([0, 1, 0, 1, 1], [0, 1, 1, 1, 0], sensitive_features=g)
    with pytest.raises(InvalidInputError, match="y_true must hold only 0 and 1. Got 1 entries"):
        group_metrics([0, 1, 2, 1], [0, 1, 1, 1], sensitive_features=g)
    with pytest.raises(InvalidInputError, match="y_pred must hold only 0 and 1. Got 1 entries"):
        group_metrics([0, 1, 0, 1], [0, 0.7, 1, 1], sensitive_features=g)
    with pytest.raises(InvalidInputError, match="min_group_size must be a positive integer"):
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=g, min_group_size=0)


def _customers(k: int, seed: int) -> pd.DataFrame:
    """k customers in two groups; outcome and decision drawn once per customer."""
    rng = np.random.default_rng(seed)
    group = np.where(np.arange(k) % 3 == 0, "b", "a")
    y = (rng.random(k) < np.where(group == "a", 0.4, 0.25)).astype(int)
    pred = np.where(rng.random(k) < 0.8, y, 1 - y)
    score = rng.normal(size=k) + y
    return pd.DataFrame({"customer": np.arange(k), "g": group, "y": y, "pred": pred, "score": score})


def _width(res, metric: str, group: str) -> float:
    row = res.by_group[(res.by_group["group"] == group) & (res.by_group["metric"] == metric)].iloc[0]
    return float(row["ci_high"] - row["ci_low"])


@pytest.mark.parametrize("metric", ["selection_rate", "true_positive_rate", "accuracy", "mean_score"])
def test_customer_level_intervals_when_each_customer_has_identical_rows(metric):
    """8 identical rows per customer carry one customer's information: with the customer ids the
    intervals match those of one row per customer, not the 8x narrower ones of independent rows."""
    once = _customers(1200, seed=5)
    rows = once.loc[once.index.repeat(8)].reset_index(drop=True)
    kw = dict(min_group_size=10, n_boot=4000, random_state=0)
    per_customer = group_metrics(once["y"], once["pred"], sensitive_features=once[["g"]], y_score=once["score"], **kw)
    by_customer = group_metrics_from_counts(group_counts(rows["y"], rows["pred"], sensitive_features=rows[["g"]],
                                                         y_score=rows["score"], user_ids=rows["customer"]), **kw)
    as_rows = group_metrics(rows["y"], rows["pred"], sensitive_features=rows[["g"]], y_score=rows["score"], **kw)
    for group in ("a", "b"):
        reference = _width(per_customer, metric, group)
        assert _width(by_customer, metric, group) == pytest.approx(reference, rel=0.12)
        # treating the rows as independent would claim sqrt(8) = 2.8 times the precision
        assert _width(as_rows, metric, group) == pytest.approx(reference / np.sqrt(8), rel=0.15)
    assert "design effect" in by_customer.method["interval"]


def test_customer_level_intervals_leave_independent_rows_alone():
    """Rows of a customer drawn independently: resampling customers changes nothing (design effect 1)."""
    rows = _customers(9600, seed=6)
    rows["customer"] = np.arange(len(rows)) // 8  # 8 unrelated rows per 'customer'
    rows["g"] = np.where(rows["customer"] % 3 == 0, "b", "a")
    kw = dict(min_group_size=10, n_boot=4000, random_state=0)
    by_customer = group_metrics_from_counts(group_counts(rows["y"], rows["pred"], sensitive_features=rows[["g"]],
                                                         user_ids=rows["customer"]), **kw)
    as_rows = group_metrics(rows["y"], rows["pred"], sensitive_features=rows[["g"]], **kw)
    for group in ("a", "b"):
        assert _width(by_customer, "selection_rate", group) == pytest.approx(
            _width(as_rows, "selection_rate", group), rel=0.12)
