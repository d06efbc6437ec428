"""Recommendation metrics: top-k selection, hit rate at k and NDCG at k."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..models._adapter import top_k_mask

__all__ = ["top_k_mask", "ranking_metrics", "per_user_ranking"]


def per_user_ranking(y_true: np.ndarray, y_score: np.ndarray, user_ids: np.ndarray, k: int) -> pd.DataFrame:
    """Per user: ``hit`` (any relevant item in the top k), ``ndcg`` at k, ``n_relevant``.

    NDCG uses binary relevance: DCG = sum over the top k of rel / log2(rank + 1), divided by
    the DCG of the ideal ordering. Users with no relevant item get NaN for both.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_score = np.asarray(y_score, dtype=float)
    codes, uniques = pd.factorize(np.asarray(user_ids))
    order = np.lexsort((np.arange(len(y_score)), -y_score, codes))
    c = codes[order]
    rel = y_true[order]
    starts = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
    lengths = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, lengths)
    in_k = rank < k
    gain = np.where(in_k, rel / np.log2(rank + 2), 0.0)
    n_users = len(uniques)
    dcg = np.bincount(c, weights=gain, minlength=n_users)
    hits = np.bincount(c, weights=rel * in_k, minlength=n_users)
    n_rel = np.bincount(c, weights=rel, minlength=n_users)
    disc = 1.0 / np.log2(np.arange(k) + 2)
    ideal = np.array([disc[: int(min(r, k))].sum() for r in n_rel])
    with np.errstate(invalid="ignore", divide="ignore"):
        ndcg = np.where(n_rel > 0, dcg / ideal, np.nan)
        hit = np.where(n_rel > 0, (hits > 0).astype(float), np.nan)
    return pd.DataFrame({"user": uniques, "hit": hit, "ndcg": ndcg, "n_relevant": n_rel})


def ranking_metrics(y_true: np.ndarray, y_score: np.ndarray, *, user_ids: np.ndarray, k: int) -> dict[str, float]:
    """Hit rate at k and NDCG at k over users with at least one relevant item."""
    per = per_user_ranking(y_true, y_score, user_ids, k)
    valid = per["n_relevant"] > 0
    return {
        f"hit_rate_at_{k}": float(per.loc[valid, "hit"].mean()),
        f"ndcg_at_{k}": float(per.loc[valid, "ndcg"].mean()),
        "users_evaluated": int(valid.sum()),
        "k": int(k),
    }
