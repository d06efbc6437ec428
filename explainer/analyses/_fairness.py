"""Group metrics of decisions and, for recommenders, exposure and quality per group."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay, interval_label
from .._plain import plain, records
from ..errors import InvalidInputError
from ._group_counts import GroupCounts, group_counts
from ._group_metrics import group_metrics_from_counts
from ._group_result import FDR_LEVEL, FOUR_FIFTHS, GroupMetricsResult, _records, feature_tables
from ._item_exposure import item_exposure, item_exposure_counts, item_exposure_from_counts, merge_item_exposure_counts
from ._ranking import per_user_ranking
from ._stats import bh_adjust, fisher_pair_p, mover_ratio, newcombe_difference, wilson_interval

__all__ = [
    "FairnessResult", "assess_fairness", "audit_fairness", "exposure_by_group", "item_exposure", "exposure_counts",
    "merge_exposure_counts", "exposure_from_counts", "quality_counts", "merge_quality_counts", "quality_from_counts",
    "metricframe_check", "fairness_from_counts", "item_exposure_counts", "merge_item_exposure_counts",
    "item_exposure_from_counts",
]

_MF_METRICS = ("count", "selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")


@dataclass(frozen=True)
class FairnessResult(HTMLDisplay):
    """Assessed differences between groups of customers.

    Attributes
    ----------
    sensitive_features : tuple of str
    groups : GroupMetricsResult
        Decision metrics per group and intersection (selection rate, TPR, FPR, ...).
    exposure : DataFrame or None
        Recommenders only: ``feature``, ``item``, ``group``, ``n``, ``rate`` (share of the
        group's customers shown the item in their top k), ``ci_low``, ``ci_high``,
        ``too_few_to_judge``.
    exposure_gaps : DataFrame or None
        Per feature and item: lowest and highest group rate, their ``ratio`` (1.0 means
        equal exposure) and ``difference`` with intervals, ``flagged`` (ratio below 0.8),
        ``p_value``, ``p_adjusted`` (Benjamini-Hochberg), ``significant`` and ``reported``
        (significant, and the ratio's whole interval below 0.8: the gaps findings rest on).
    quality : DataFrame or None
        Recommenders only: hit rate and NDCG at k per group with intervals.
    metricframe_max_abs_diff : float or None
        Largest difference between our group metrics and fairlearn's MetricFrame.
    item_exposure : DataFrame or None
        Recommenders only, item side: per item group, its share of all recommendation
        slots and of all positive outcomes, their ratio, intervals and flag (see
        :func:`item_exposure`).
    mitigation : MitigationResult or None
        Scoring models and score logs only: the trade-off fairlearn's ThresholdOptimizer
        would make, measured on held-out rows. A comparison; never applied.
    """

    sensitive_features: tuple[str, ...]
    groups: GroupMetricsResult
    exposure: pd.DataFrame | None = None
    exposure_gaps: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None
    metricframe_max_abs_diff: float | None = None
    min_group_size: int = 30
    method: dict[str, Any] = field(default_factory=dict)
    item_exposure: pd.DataFrame | None = None
    mitigation: Any = None

    def to_frame(self) -> pd.DataFrame:
        return self.groups.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the group metrics of :attr:`groups` per feature (groups too
        few to judge keep their size but lose their numbers), exposure, quality, the item
        side, the mitigation comparison and ``method``."""
        return {
            "sensitive_features": list(self.sensitive_features),
            "by_feature": _by_feature(self.groups.to_dict(), self.sensitive_features),
            "exposure": _suppressed(records(self.exposure)),
            "exposure_gaps": records(self.exposure_gaps),
            "quality": _suppressed(records(self.quality)),
            "method": plain(self.method),
            "metricframe_max_abs_diff": plain(self.metricframe_max_abs_diff),
            "item_exposure": records(self.item_exposure),
            "mitigation": self.mitigation.to_dict() if self.mitigation is not None else None,
        }

    def flagged_exposure(self) -> pd.DataFrame:
        if self.exposure_gaps is None:
            return pd.DataFrame()
        g = self.exposure_gaps
        if not len(g):
            return g
        return g[g["reported"]].sort_values("ratio").reset_index(drop=True)

    def __repr__(self) -> str:
        n_gaps = len(self.flagged_exposure())
        exposure = f", {n_gaps} exposure gaps below four-fifths" if self.exposure_gaps is not None else ""
        return (f"FairnessResult(sensitive_features={list(self.sensitive_features)}, "
                f"min_group_size={self.min_group_size}{exposure}; {self.groups!r})")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "fairness_result", {
            "sensitive_features": list(self.sensitive_features), "min_group_size": self.min_group_size,
            "unit": self.method.get("group_size_unit", "rows"),
            "mf_diff": self.metricframe_max_abs_diff, "has_exposure": self.exposure_gaps is not None,
            "gaps": _records(self.flagged_exposure()), "features": feature_tables(self.groups.by_group),
            "disparities": _records(self.groups.disparities), "ci_pct": interval_label(self.method),
            "item_exposure": None if self.item_exposure is None else _records(self.item_exposure),
            "mitigation": None if self.mitigation is None else _records(self.mitigation.table),
        }


def _by_feature(groups: dict[str, Any], sensitive_features: Sequence[str]) -> dict[str, Any]:
    """Per feature or intersection: each group's size and metrics with intervals, and the disparities."""
    out: dict[str, Any] = {}
    for feature in dict.fromkeys(r["feature"] for r in groups["by_group"]):
        rows = [r for r in groups["by_group"] if r["feature"] == feature]
        listed = []
        for label in sorted({r["group"] for r in rows}):
            mine = [r for r in rows if r["group"] == label]
            too_few = bool(mine[0]["too_few_to_judge"])
            metrics = {r["metric"]: {"value": r["value"], "ci": [r["ci_low"], r["ci_high"]]} for r in mine}
            listed.append({"group": str(label), "n": int(mine[0]["n"]), "too_few_to_judge": too_few,
                           "metrics": {} if too_few else metrics})
        out[str(feature)] = {"intersection": str(feature) not in sensitive_features, "groups": listed,
                             "disparities": [r for r in groups["disparities"] if r["feature"] == feature]}
    return out


def _suppressed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of groups too few to judge keep their label and size but lose their numbers."""
    hidden = ("rate", "value", "ci_low", "ci_high")
    return [{k: (None if k in hidden else v) for k, v in r.items()} if r.get("too_few_to_judge") else r
            for r in rows]


def _binom_boot(n: np.ndarray, s: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Parametric bootstrap of rates: each group's selected count redrawn as Binomial(n, s/n)."""
    p = np.where(n > 0, s / np.maximum(n, 1), 0.0)
    rates: np.ndarray = rng.binomial(n.astype(np.int64), p, size=(n_boot, len(n))) / np.maximum(n, 1)
    return rates


def exposure_counts(selected: Any, items: Any, sensitive: pd.DataFrame) -> pd.DataFrame:
    """Rows and selected rows per sensitive feature, item and group: exposure's sufficient statistics.

    Counts of disjoint parts of the data add up (:func:`merge_exposure_counts`), and
    :func:`exposure_from_counts` turns them into what :func:`exposure_by_group` gives.

    Returns
    -------
    DataFrame
        ``feature``, ``item``, ``group`` (label), ``size`` (rows), ``sum`` (selected rows).
    """
    sel = np.asarray(selected, dtype=float)
    it = np.asarray(items)
    parts = []
    for feat in sensitive.columns:
        frame = pd.DataFrame({"item": it, "group": sensitive[feat].astype(str).to_numpy(), "s": sel})
        agg = frame.groupby(["item", "group"], sort=True, observed=True)["s"].agg(["size", "sum"]).reset_index()
        agg.insert(0, "feature", feat)
        parts.append(agg)
    return pd.concat(parts, ignore_index=True)[["feature", "item", "group", "size", "sum"]]


def merge_exposure_counts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Sum :func:`exposure_counts` of disjoint row sets, in the order of a single count."""
    table = pd.concat(list(parts), ignore_index=True)
    out = []
    for feat in dict.fromkeys(table["feature"]):
        t = table[table["feature"] == feat]
        agg = t.groupby(["item", "group"], sort=True, observed=True)[["size", "sum"]].sum().reset_index()
        agg.insert(0, "feature", feat)
        out.append(agg)
    return pd.concat(out, ignore_index=True)[["feature", "item", "group", "size", "sum"]]


def exposure_from_counts(
    counts: pd.DataFrame,
    *,
    min_group_size: int = 30,
    n_boot: int = 500,
    ci: float = 0.95,
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`exposure_by_group` from (merged) :func:`exposure_counts`: the same result.

    ``n_boot`` and ``random_state`` are accepted for compatibility; every interval here has
    a closed form.
    """
    rows, gaps = [], []
    for feat in dict.fromkeys(counts["feature"]):
        agg = counts[counts["feature"] == feat]
        for item, part in agg.groupby("item", sort=True):
            n = part["size"].to_numpy(dtype=np.float64)
            s = part["sum"].to_numpy(dtype=np.float64)
            rate = s / n
            lo, hi = wilson_interval(s, n, ci)
            few = n < min_group_size
            for g, nn, r, a, b, f in zip(part["group"], n, rate, lo, hi, few):
                rows.append({"feature": feat, "item": item, "group": g, "n": int(nn), "rate": float(r),
                             "ci_low": float(a), "ci_high": float(b), "too_few_to_judge": bool(f)})
            ok = np.flatnonzero(~few)
            if len(ok) < 2:
                continue
            lo_i, hi_i = ok[int(np.argmin(rate[ok]))], ok[int(np.argmax(rate[ok]))]
            groups = part["group"].to_numpy()
            if rate[hi_i] > 0:
                ratio, r_lo, r_hi = (float(x) for x in mover_ratio(s[lo_i], n[lo_i], s[hi_i], n[hi_i], ci))
            else:  # nobody in any group shown the item: equal, and nothing to test
                ratio, r_lo, r_hi = 1.0, float("nan"), float("nan")
            diff, d_lo, d_hi = (float(x) for x in newcombe_difference(s[hi_i], n[hi_i], s[lo_i], n[lo_i], ci))
            n_pairs = len(ok) * (len(ok) - 1) / 2
            p = float(fisher_pair_p(s[lo_i], n[lo_i], s[hi_i], n[hi_i])[0])
            gaps.append({
                "feature": feat, "item": item,
                "low_group": groups[lo_i], "low_rate": float(rate[lo_i]), "low_n": int(n[lo_i]),
                "high_group": groups[hi_i], "high_rate": float(rate[hi_i]), "high_n": int(n[hi_i]),
                "ratio": ratio, "ratio_ci_low": r_lo, "ratio_ci_high": r_hi,
                "difference": diff, "difference_ci_low": d_lo, "difference_ci_high": d_hi,
                "p_value": min(1.0, p * n_pairs), "flagged": bool(ratio < FOUR_FIFTHS),
            })
    exposure = pd.DataFrame(rows)
    gap_df = pd.DataFrame(gaps)
    if len(gap_df):
        # one family: every sensitive feature x item
        gap_df["p_adjusted"] = bh_adjust(gap_df["p_value"].to_numpy(dtype=np.float64))
        gap_df["significant"] = (gap_df["p_adjusted"] <= FDR_LEVEL).astype(bool)
        # past the line with its whole interval, and the adjusted test of equal exposure passes
        gap_df["reported"] = gap_df["flagged"] & gap_df["significant"] & (gap_df["ratio_ci_high"] < FOUR_FIFTHS)
        gap_df = gap_df.sort_values(["ratio", "feature", "item"]).reset_index(drop=True)
    return exposure, gap_df


def exposure_by_group(
    selected: np.ndarray,
    items: np.ndarray,
    sensitive: pd.DataFrame,
    *,
    min_group_size: int = 30,
    n_boot: int = 500,
    ci: float = 0.95,
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of each group shown each item, and the gap between groups per item.

    ``selected`` marks rows (customer x item) in the customer's top k. A group's exposure
    to an item is the share of the group's rows for that item that are selected.
    Intervals: Wilson score for each group's rate (one row per customer and item, so the
    rows are customers); for the lowest against the highest group, MOVER-R for their ratio
    and Newcombe's hybrid score for their difference. ``p_value`` is the Fisher exact test
    of the pair, times the number of group pairs (Bonferroni for picking the extreme pair);
    ``p_adjusted`` is Benjamini-Hochberg over every feature x item; ``reported`` is set
    where the ratio's whole interval is below 0.8 and the adjusted test passes at 5%.
    """
    return exposure_from_counts(exposure_counts(selected, items, sensitive), min_group_size=min_group_size,
                                n_boot=n_boot, ci=ci, random_state=random_state)


_QUALITY_METRICS = (("hit", "hit_rate"), ("ndcg", "ndcg"))
_QUALITY_COLUMNS = ["feature", "group", "metric", "value", "count"]


def quality_counts(y_true: Any, y_score: Any, users: Any, sensitive: pd.DataFrame, k: int) -> pd.DataFrame:
    """How many users of each group have each value of hit at k and of NDCG at k.

    All rows of a user must be among the rows given (the ranking is per user). With 0/1
    outcomes both measures take few distinct values, so these counts are small, add up
    over disjoint sets of users (:func:`merge_quality_counts`), and hold all that the
    bootstrap of a group mean needs (:func:`quality_from_counts`).

    Returns
    -------
    DataFrame
        ``feature``, ``group``, ``metric`` (``hit`` or ``ndcg``), ``value``, ``count`` (users).
    """
    users = np.asarray(users)
    per = per_user_ranking(np.asarray(y_true, dtype=float), np.asarray(y_score, dtype=float), users, k)
    first = pd.DataFrame({"user": users}).join(sensitive.reset_index(drop=True)).drop_duplicates("user")
    per = per.merge(first, on="user", how="left")
    per = per[per["n_relevant"] > 0]
    parts = []
    for feat in sensitive.columns:
        grp = per[feat].astype(str).to_numpy()
        for metric, _ in _QUALITY_METRICS:
            c = pd.DataFrame({"group": grp, "value": per[metric].to_numpy(dtype=float)})
            c = c.groupby(["group", "value"], sort=True).size().rename("count").reset_index()
            c.insert(0, "feature", feat)
            c.insert(2, "metric", metric)
            parts.append(c)
    return pd.concat(parts, ignore_index=True)[_QUALITY_COLUMNS] if parts else pd.DataFrame(columns=_QUALITY_COLUMNS)


def merge_quality_counts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Sum :func:`quality_counts` of disjoint sets of users."""
    table = pd.concat(list(parts), ignore_index=True)
    if not len(table):
        return pd.DataFrame(columns=_QUALITY_COLUMNS)
    return table.groupby(["feature", "group", "metric", "value"], sort=False)["count"].sum().reset_index()[
        _QUALITY_COLUMNS]


def quality_from_counts(counts: pd.DataFrame, *, k: int, features: Sequence[str], min_group_size: int = 30,
                        n_boot: int = 300, ci: float = 0.95, random_state: int = 0) -> pd.DataFrame:
    """Hit rate and NDCG at k per group with bootstrap intervals, from :func:`quality_counts`.

    The bootstrap resamples a group's users with replacement. The mean of a resample
    depends only on how many drawn users have each value, which follows a multinomial
    distribution over the value counts: drawing it is the same bootstrap, at a cost that
    does not grow with the number of users.
    """
    rng = np.random.default_rng(random_state)
    alpha = (1 - ci) / 2
    out = []
    for feat in features:
        t = counts[counts["feature"] == feat]
        for g in sorted(t["group"].unique()):
            tg = t[t["group"] == g]
            for metric, label in _QUALITY_METRICS:
                tm = tg[tg["metric"] == metric].sort_values("value")
                v = tm["value"].to_numpy(dtype=float)
                c = tm["count"].to_numpy(dtype=np.int64)
                n = int(c.sum())
                mean = float(v @ c / n)
                if metric == "hit":  # 0/1 per user: a binomial rate
                    lo, hi = (float(x) for x in wilson_interval(mean * n, n, ci))
                else:
                    draws = rng.multinomial(n, c / n, size=n_boot)
                    boots = draws @ v / n
                    lo, hi = float(np.quantile(boots, alpha)), float(np.quantile(boots, 1 - alpha))
                    if not lo < hi:  # every user had the same value: the bootstrap cannot vary; NDCG
                        lo, hi = (float(x) for x in wilson_interval(mean * n, n, ci))  # is in [0, 1]
                    lo, hi = min(lo, mean), max(hi, mean)
                out.append({"feature": feat, "group": g, "metric": f"{label}_at_{k}", "value": mean,
                            "ci_low": lo, "ci_high": hi, "n": n,
                            "too_few_to_judge": bool(n < min_group_size)})
    return pd.DataFrame(out)


def metricframe_check(y_true: np.ndarray, y_pred: np.ndarray, sensitive: pd.DataFrame, result: GroupMetricsResult) -> float:
    """Largest absolute difference between our per-group metrics and fairlearn's MetricFrame."""
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    fns = {"count": count, "selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
           "false_positive_rate": false_positive_rate, "accuracy": accuracy_score}
    worst = 0.0
    bg = result.by_group
    for feat in sensitive.columns:
        mf = MetricFrame(metrics=fns, y_true=y_true, y_pred=y_pred, sensitive_features=sensitive[feat].astype(str))
        for g, row in mf.by_group.iterrows():
            for m in _MF_METRICS:
                ours = bg[(bg["feature"] == feat) & (bg["group"] == str(g)) & (bg["metric"] == m)]["value"]
                if len(ours) == 1 and np.isfinite(ours.iloc[0]):
                    worst = max(worst, abs(float(ours.iloc[0]) - float(row[m])))
    return worst


def assess_fairness(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: pd.DataFrame,
    y_score: Any = None,
    user_ids: Any = None,
    items: Any = None,
    k: int | None = None,
    item_groups: Any = None,
    min_group_size: int = 30,
    n_boot: int = 500,
    ci: float = 0.95,
    intersections: bool = True,
    check_metricframe: bool | None = None,
    random_state: int = 0,
) -> FairnessResult:
    """Assess decisions (and, for recommenders, exposure and quality) per group.

    Parameters
    ----------
    y_true : array-like of 0/1
        Outcomes (for recommenders: did the customer buy or click the item).
    y_pred : array-like of 0/1
        Decisions (for recommenders: was the item in the customer's top k).
    sensitive_features : DataFrame
        One column per sensitive feature, aligned with the rows.
    y_score : array-like, default=None
        Scores behind the decisions; needed for recommender quality.
    user_ids, items, k : default=None
        For recommenders: the customer and item of each row and the list length. With
        ``user_ids`` every group size counts distinct customers, not rows.
    item_groups : array-like, default=None
        For recommenders: the group of each row's item (e.g. department) for item-side
        exposure; by default each item is its own group.
    min_group_size : int, default=30
        Smaller groups (in customers when ``user_ids`` is given, else rows) are marked too
        few to judge and left out of disparities.
    check_metricframe : bool, default=None
        Compare our group metrics with fairlearn's MetricFrame; by default when the data
        has at most 200,000 rows.

    Returns
    -------
    FairnessResult
    """
    if not isinstance(sensitive_features, pd.DataFrame) or sensitive_features.shape[1] == 0:
        raise InvalidInputError("sensitive_features must be a DataFrame with at least one column.")
    sf = sensitive_features.reset_index(drop=True)
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    if check_metricframe is None:
        check_metricframe = len(yt) <= 200_000
    ranking = items is not None and user_ids is not None and k is not None
    result = fairness_from_counts(
        group_counts(yt, yp, sensitive_features=sf, y_score=y_score, intersections=intersections,
                     user_ids=user_ids),
        exposure_counts(yp, np.asarray(items), sf) if ranking else None,
        quality_counts(yt, y_score, user_ids, sf, k) if ranking and k is not None and y_score is not None else None,
        k=k, min_group_size=min_group_size, n_boot=n_boot, ci=ci, random_state=random_state,
    )
    if check_metricframe:
        result = replace(result, metricframe_max_abs_diff=metricframe_check(yt, yp, sf, result.groups))
    if ranking:
        item_exp = item_exposure(yp, yt, np.asarray(user_ids),
                                 np.asarray(items) if item_groups is None else np.asarray(item_groups),
                                 items=np.asarray(items), n_boot=n_boot, ci=ci, random_state=random_state)
        result = with_item_exposure(
            result, item_exp, "item" if item_groups is None else str(getattr(item_groups, "name", None) or "item group"))
    return result


def audit_fairness(*args: Any, **kwargs: Any) -> FairnessResult:
    """Deprecated name of :func:`assess_fairness`, kept for existing code.

    Calls :func:`assess_fairness` with the same arguments and warns with a
    ``DeprecationWarning``: the analyses are named ``assess_*`` (as
    :func:`~explainer.analyses.assess_minimisation`), and ``audit`` is the whole audit.
    """
    warnings.warn("audit_fairness is deprecated: use assess_fairness, which takes the same arguments.",
                  DeprecationWarning, stacklevel=2)
    return assess_fairness(*args, **kwargs)


def with_item_exposure(result: FairnessResult, table: pd.DataFrame, item_group: str) -> FairnessResult:
    """``result`` with the item-side exposure table and its method record."""
    return replace(result, item_exposure=table, method={
        **result.method, "item_group": item_group,
        "item_exposure_interval": "bootstrap over customers (multinomial over their slot and outcome patterns)"})


def fairness_from_counts(
    groups: GroupCounts,
    exposure: pd.DataFrame | None = None,
    quality: pd.DataFrame | None = None,
    *,
    k: int | None = None,
    min_group_size: int = 30,
    n_boot: int = 500,
    ci: float = 0.95,
    random_state: int = 0,
) -> FairnessResult:
    """:func:`assess_fairness` from merged sufficient statistics.

    ``groups`` from :func:`~explainer.analyses._group_metrics.group_counts`, ``exposure`` from
    :func:`exposure_counts` and ``quality`` from :func:`quality_counts`, each summed over
    the parts of the data. Gives the same result as :func:`assess_fairness` on all rows
    (without the MetricFrame cross-check and the item-side exposure, which need the rows).
    """
    features = tuple(groups.features[: groups.n_single])
    res = group_metrics_from_counts(groups, min_group_size=min_group_size, ci=ci, n_boot=n_boot,
                                    random_state=random_state)
    expo = gaps = qual = None
    if exposure is not None:
        expo, gaps = exposure_from_counts(exposure, min_group_size=min_group_size, n_boot=n_boot, ci=ci,
                                          random_state=random_state)
    if quality is not None and k is not None:
        qual = quality_from_counts(quality, k=k, features=features, min_group_size=min_group_size,
                                   n_boot=min(n_boot, 300), ci=ci, random_state=random_state)
    return FairnessResult(
        sensitive_features=features,
        groups=res,
        exposure=expo,
        exposure_gaps=gaps,
        quality=qual,
        metricframe_max_abs_diff=None,
        min_group_size=min_group_size,
        method={"n_boot": n_boot, "ci": ci, "min_group_size": min_group_size,
                "group_size_unit": res.method["group_size_unit"],
                "four_fifths_threshold": FOUR_FIFTHS, "intersections": groups.intersections,
                "rate_interval": res.method["interval"], "disparity_interval": res.method["disparity_interval"],
                "disparity_test": res.method["test"], "disparity_multiple_comparisons": res.method["multiple_comparisons"],
                "exposure_interval": "Wilson score per group; MOVER-R (ratio) and Newcombe hybrid score "
                                     "(difference) between the lowest and highest group",
                "exposure_test": "Fisher exact, lowest against highest group, Bonferroni over group pairs",
                "exposure_multiple_comparisons": f"Benjamini-Hochberg at {FDR_LEVEL:g} over every sensitive "
                                                 "feature x item (one family)",
                "fdr_level": FDR_LEVEL,
                "quality_interval": "hit rate: Wilson score; NDCG: bootstrap over users, drawn as a multinomial "
                                    "over value counts (Wilson when every user has the same value)"},
    )
