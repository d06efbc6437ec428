"""The walker behind the suite-wide check that every estimate in audit.json lies in its interval."""

from __future__ import annotations

from interval_walk import outside


def test_walker_finds_an_estimate_outside_its_interval():
    doc = {"fairness": {"by_feature": {"g": {"disparities": [
        {"measure": "demographic_parity_ratio", "value": 1.0, "ci_low": 0.88, "ci_high": 0.998},
        {"measure": "demographic_parity_difference", "value": 0.0, "ci_low": 0.001, "ci_high": 0.048}]}}},
        "exposure_gaps": [{"ratio": 0.5, "ratio_ci_low": 0.6, "ratio_ci_high": 0.9}],
        "features": [{"importance_share": 0.1, "importance_ci": [0.0, 0.2]}],
        "model": {"metrics": {"auc": 0.7}, "metric_intervals": {"auc": [0.71, 0.8]}}}
    bad = outside(doc)
    assert len(bad) == 4
    assert any("disparities[0].value" in b for b in bad) and any("ratio" in b for b in bad)
    assert any("metrics.auc" in b for b in bad)


def test_walker_accepts_estimates_inside_and_open_ends():
    doc = {"a": [{"value": 0.0, "ci_low": 0.0, "ci_high": 0.06}, {"value": 0.3, "ci": [None, None]},
                 {"ratio": 0.0, "ratio_ci_low": 0.0, "ratio_ci_high": None}]}
    assert outside(doc) == []
