"""The partition tasks of the Dask backend: what each partition contributes, and their sums.

Two passes over the data, each one task per partition, so a worker never holds more than
one partition:

1. facts (:func:`partition_facts`): rows, the range and number of customer ids, the target's
   values and missing counts (a few columns only);
2. work (:func:`partition_work`): predict, rank (top k per customer), and count the sufficient
   statistics of the in-process analyses (:func:`~explainer.analyses._groupstats.group_counts`,
   :func:`~explainer.analyses._fairness.exposure_counts`,
   :func:`~explainer.analyses._fairness.quality_counts`, sums for the model metrics), and hand
   back the few rows that the sampled analyses use at positions drawn as the in-process
   audit draws them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._validate import group_sizes, score_checked, target_facts
from ..analyses._fairness import exposure_counts, item_exposure_counts, quality_counts
from ..analyses._groupstats import group_counts
from ..analyses._ranking import per_user_ranking
from ..models import ModelAdapter

__all__ = ["Plan", "partition_facts", "partition_work", "binary_auc", "disjoint", "compute", "AUC_BINS"]

#: Score bins of the ROC AUC summed over partitions.
AUC_BINS = 1 << 16

Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What every partition task needs; sent to the workers once."""

    adapter: ModelAdapter
    target: str | None
    sensitive: tuple[str, ...]
    y_map: str | None  # "as_int", or None (no 0/1 outcome: no group metrics)
    item_group: str | None = None
    positions: dict[int, np.ndarray] = field(default_factory=dict)  # partition -> local rows to return
    proxy_fraction: float = 1.0
    proxy_positions: dict[int, np.ndarray] | None = None


def partition_facts(df: pd.DataFrame, user_id: str | None, target: str | None,
                    sensitive: Sequence[str]) -> dict[str, Any]:
    """The first pass: rows, customer-id range, target facts and missing sensitive values of one partition."""
    out: dict[str, Any] = {"rows": int(len(df))}
    if user_id is not None and len(df):
        u = df[user_id]
        out.update(user_min=u.min(), user_max=u.max(), users=int(u.nunique()))
    if target is not None:
        out["target"] = target_facts(df[target])
    out["sensitive_missing"] = {s: int(df[s].isna().sum()) for s in sensitive}
    return out


def _sampled(df: pd.DataFrame, index: int, offset: int, plan: Plan) -> dict[str, Any]:
    """The rows of this partition that the sampled analyses read (SHAP, scan, proxy search)."""
    out: dict[str, Any] = {}
    pos = plan.positions.get(index)
    if pos is not None and len(pos):
        take = df.iloc[pos].copy()
        take.index = pd.Index(pos + offset, name="_position")
        out["sample"] = take
    user_id = plan.adapter.user_id
    if plan.proxy_positions is not None:
        pp = plan.proxy_positions.get(index)
        if pp is not None and len(pp):
            out["proxy"] = df.iloc[pp]
    elif user_id is not None and plan.proxy_fraction < 1.0:
        h = pd.util.hash_pandas_object(df[user_id], index=False).to_numpy()
        out["proxy"] = df[(h % 1_000_000) < int(plan.proxy_fraction * 1_000_000)]
    else:
        out["proxy"] = df
    return out


def _metric_sums(task: str, k: int, y: np.ndarray, y01: np.ndarray | None, score: np.ndarray,
                 decision: np.ndarray, users: np.ndarray | None) -> dict[str, Any]:
    """The model metrics' sums that add up over partitions."""
    if task == "ranking":
        per = per_user_ranking(y, score, users, k)  # type: ignore[arg-type]
        valid = per["n_relevant"] > 0
        return {"ranking": (int(valid.sum()), float(per.loc[valid, "hit"].sum()), float(per.loc[valid, "ndcg"].sum()))}
    if task == "binary":
        yy = y01 if y01 is not None else y
        bins = np.clip((score * AUC_BINS).astype(np.int64), 0, AUC_BINS - 1)  # scores outside 0..1 are refused later
        return {"binary": {
            "correct": int((decision == yy).sum()), "selected": int(decision.sum()), "positive": float(np.sum(yy)),
            "hist_pos": np.bincount(bins[yy == 1], minlength=AUC_BINS),
            "hist_neg": np.bincount(bins[yy != 1], minlength=AUC_BINS),
        }}
    yf = y.astype(float)
    return {"regression": (float(yf.sum()), float((yf * yf).sum()), float(((yf - score) ** 2).sum()),
                           float(np.abs(yf - score).sum()))}


def _group_sums(df: pd.DataFrame, plan: Plan, y01: np.ndarray, score: np.ndarray, decision: np.ndarray,
                users: np.ndarray | None) -> dict[str, Any]:
    """Confusion counts and score sums per group; exposure and quality counts for a recommender."""
    a = plan.adapter
    sf = df[list(plan.sensitive)].reset_index(drop=True)
    out: dict[str, Any] = {"groups": group_counts(y01, decision, sensitive_features=sf, y_score=score,
                                                  user_ids=users if a.task == "ranking" else None)}
    if a.task == "ranking":
        out["exposure"] = exposure_counts(decision, df[a.item_id].to_numpy(), sf)
        out["quality"] = quality_counts(y01, score, users, sf, a.k)
        out["item_exposure"] = item_exposure_counts(
            decision, y01, users, df[plan.item_group or a.item_id].to_numpy(), items=df[a.item_id].to_numpy())
    return out


def partition_work(df: pd.DataFrame, index: int, offset: int, plan: Plan) -> dict[str, Any]:
    """Everything one partition contributes. Returns counts and sampled rows, never all rows."""
    a = plan.adapter
    out: dict[str, Any] = {"index": index, "rows": len(df)}
    out["digest"] = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    out.update(_sampled(df, index, offset, plan))
    if plan.sensitive:
        out["group_sizes"] = {s: group_sizes(df, s, user_id=a.user_id) for s in plan.sensitive}
    if len(df) == 0:
        return out
    score = score_checked(a, df)
    out["score_range"] = (int((~np.isfinite(score)).sum()), float(np.nanmin(score)), float(np.nanmax(score)))
    out["score_outside_01"] = int(((score < 0) | (score > 1)).sum())
    if a.task == "ranking":  # a customer's rows sit in one partition
        out["items_per_customer"] = df.groupby(a.user_id, sort=False)[a.item_id].nunique()
    decision = a.predict_decision(df)
    users = df[a.user_id].to_numpy() if a.user_id else None
    if plan.target is None:
        return out
    y = df[plan.target].to_numpy()
    if y.dtype == bool:
        y = y.astype(int)
    y01 = y.astype(int) if plan.y_map == "as_int" else None
    out.update(_metric_sums(a.task, a.k, y, y01, score, decision, users))
    if plan.sensitive and y01 is not None:
        out.update(_group_sums(df, plan, y01, score, decision, users))
    return out


def binary_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC from score histograms of positives and negatives (ties within a bin count one half)."""
    n1, n0 = pos.sum(), neg.sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    below = np.cumsum(neg) - neg
    return float((pos * below).sum() + 0.5 * (pos * neg).sum()) / float(n1 * n0)


def disjoint(facts: list[dict[str, Any]]) -> bool:
    """Whether the partitions' customer-id ranges do not overlap (then no customer spans two)."""
    ranges = [(f["user_min"], f["user_max"]) for f in facts if f["rows"]]
    try:
        ranges.sort()
        return all(ranges[i][1] < ranges[i + 1][0] for i in range(len(ranges) - 1))
    except TypeError:
        return False


def compute(client: Any, tasks: list[Any], say: Say, label: str) -> list[Any]:
    """Run one task per partition on the cluster; results in partition order, progress every tenth."""
    distributed = import_optional("distributed", purpose="The Dask backend")
    futures = client.compute(tasks)
    results: list[Any] = [None] * len(futures)
    where = {f.key: i for i, f in enumerate(futures)}
    step = max(1, len(futures) // 10)
    for done, (fut, res) in enumerate(distributed.as_completed(futures, with_results=True), start=1):
        results[where[fut.key]] = res
        if done % step == 0 or done == len(futures):
            say(f"{label}: {done}/{len(futures)} partitions")
    return results

