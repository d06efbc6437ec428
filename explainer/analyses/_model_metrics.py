"""Model metrics of an audit: accuracy, ROC AUC, hit rate and NDCG at k, R2 and MAE, with
percentile-bootstrap intervals (customers resampled for a recommender, rows otherwise)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..models import ModelAdapter

__all__ = ["model_metrics", "metric_intervals", "binary_outcome"]


def model_metrics(adapter: ModelAdapter, y: np.ndarray | None, score: np.ndarray, decision: np.ndarray,
                  data: pd.DataFrame) -> dict[str, Any]:
    """The model's metrics for its task against the outcome ``y`` (empty without an outcome)."""
    from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score

    if y is None:
        return {}
    if adapter.task == "ranking":
        from ._ranking import ranking_metrics

        return ranking_metrics(y, score, user_ids=data[adapter.user_id].to_numpy(), k=adapter.k)
    if adapter.task == "binary":
        out = {"accuracy": float(accuracy_score(y, decision)), "selection_rate": float(decision.mean()),
               "base_rate": float(np.mean(y))}
        if len(np.unique(y)) == 2:
            out["roc_auc"] = float(roc_auc_score(y, score))
        return out
    return {"r2": float(r2_score(y, score)), "mae": float(mean_absolute_error(y, score))}


def metric_intervals(adapter: ModelAdapter, y: np.ndarray | None, score: np.ndarray, decision: np.ndarray,
                     data: pd.DataFrame, *, n_boot: int, random_state: int) -> dict[str, list[float]]:
    """95% percentile-bootstrap intervals of the model metrics: resampling customers for a
    recommender, rows otherwise."""
    from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score

    if y is None or n_boot < 2:
        return {}
    rng = np.random.default_rng(random_state)
    draws: dict[str, list[float]] = {}
    if adapter.task == "ranking":
        from ._ranking import per_user_ranking

        per = per_user_ranking(y, score, data[adapter.user_id].to_numpy(), adapter.k)
        per = per[per["n_relevant"] > 0]
        hit, ndcg = per["hit"].to_numpy(), per["ndcg"].to_numpy()
        for _ in range(n_boot):
            i = rng.integers(0, len(per), len(per))
            draws.setdefault(f"hit_rate_at_{adapter.k}", []).append(float(hit[i].mean()))
            draws.setdefault(f"ndcg_at_{adapter.k}", []).append(float(ndcg[i].mean()))
    else:
        n = len(y)
        for _ in range(n_boot):
            i = rng.integers(0, n, n)
            yt, s = y[i], score[i]
            if adapter.task == "binary":
                d = decision[i]
                draws.setdefault("accuracy", []).append(float(np.mean(yt == d)))
                draws.setdefault("selection_rate", []).append(float(d.mean()))
                draws.setdefault("base_rate", []).append(float(np.mean(yt)))
                if len(np.unique(yt)) == 2:
                    draws.setdefault("roc_auc", []).append(float(roc_auc_score(yt, s)))
            else:
                draws.setdefault("r2", []).append(float(r2_score(yt, s)))
                draws.setdefault("mae", []).append(float(mean_absolute_error(yt, s)))
    return {m: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))] for m, v in draws.items()}


def binary_outcome(adapter: ModelAdapter, y: np.ndarray | None) -> np.ndarray | None:
    """The outcome as 0/1 integers when it holds two values among 0 and 1, else None."""
    if y is None:
        return None
    vals = np.unique(y)  # 0/1 for yes/no models and recommenders (checked by target_values); maybe for a regressor
    if len(vals) == 2 and set(vals.tolist()) <= {0, 1}:
        return y.astype(int)
    return None
