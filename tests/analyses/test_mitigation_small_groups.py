"""The mitigation comparison with groups ThresholdOptimizer cannot fit (small, or one outcome only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.analyses._mitigation import compare_mitigations


def _data(seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 2000
    g = rng.choice(["a", "b"], n, p=[0.6, 0.4]).astype(object)
    y = (rng.random(n) < np.where(g == "a", 0.6, 0.3)).astype(int)
    score = np.clip(0.35 * y + np.where(g == "a", 0.3, 0.05) + rng.normal(0, 0.2, n), 0, 1)
    g[:6] = "tiny"   # 6 rows, all with outcome 0: fairlearn raises "Degenerate labels" on it
    y[:6] = 0
    return y, score, g


def test_groups_that_cannot_be_fitted_are_left_out_and_named():
    y, score, g = _data()
    res = compare_mitigations(y, score, pd.DataFrame({"g": g}), threshold=0.5, n_boot=50, random_state=0)
    assert res.method["groups_left_out"] == {"g": ["tiny"]}
    cur = res.table[res.table["method"] == "current"].iloc[0]
    # evaluated on the other half of groups a and b only: the tiny group's rows are not counted
    assert abs(cur["n_eval"] - (len(y) - 6) / 2) <= 2
    assert set(res.table["method"]) == {"current", "ThresholdOptimizer"}


def test_a_feature_with_one_fittable_group_has_no_rows():
    y, score, _ = _data()
    only = np.where(np.arange(len(y)) < 6, "tiny", "a")
    y2 = y.copy()
    y2[:6] = 0
    res = compare_mitigations(y2, score, pd.DataFrame({"g": only}), threshold=0.5, n_boot=20, random_state=0)
    assert res.table.empty and res.method["groups_left_out"] == {"g": ["tiny"]}
