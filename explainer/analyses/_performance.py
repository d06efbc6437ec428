"""How well the model predicts, overall and per group, each number with its interval.

Yes/no models (``task="binary"``):

- ROC curve and its area (AUC) with DeLong's (1988) interval, computed on the logit scale
  so that it stays inside 0 to 1 and contains the estimate; the precision-recall curve and
  average precision with a stratified bootstrap interval (percentile, widened to contain
  the estimate);
- the reliability (calibration) table: ten bins of equal size by score, each with the mean
  score, the observed rate and its Wilson (1927) interval; the Brier score;
- the confusion matrix at the decision threshold and the ten rates a reviewer used to
  Aequitas reads (TPR, TNR, FPR, FNR, precision, NPV, FDR, FOR, predicted positive rate,
  prevalence), each a proportion with its Wilson interval and its denominator named;
- per sensitive group, the same rates and the AUC, and their disparity against a reference
  group (the user's choice per feature, else the largest group): the ratio with the
  MOVER-R interval and the difference with Newcombe's (1998) interval, a two-sided Fisher
  exact test per comparison and Benjamini-Hochberg adjusted p-values per feature.

Recommenders (``task="ranking"``): precision, recall, hit rate, NDCG and reciprocal rank
at k, each a mean over customers (those with at least one relevant item) with its interval,
overall and per group, and catalogue coverage (share of candidate items that reach some
customer's top k).

Groups smaller than ``min_group_size`` customers are "too few to judge": counted, never
given numbers. Curves are summarised at no more than 101 points; no row of the data is
kept in the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain, records
from ..errors import InvalidInputError
from ._stats import bh_adjust, fisher_pair_p, mover_ratio, newcombe_difference, wilson_interval, z_of

__all__ = ["RATE_DEFINITIONS", "PerformanceResult", "assess_performance", "delong_auc"]

#: Each confusion rate: (numerator cell(s), denominator cells, what the denominator counts).
RATE_DEFINITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "true_positive_rate": (("tp",), ("tp", "fn"), "actual positives"),
    "true_negative_rate": (("tn",), ("tn", "fp"), "actual negatives"),
    "false_positive_rate": (("fp",), ("tn", "fp"), "actual negatives"),
    "false_negative_rate": (("fn",), ("tp", "fn"), "actual positives"),
    "precision": (("tp",), ("tp", "fp"), "predicted positives"),
    "negative_predictive_value": (("tn",), ("tn", "fn"), "predicted negatives"),
    "false_discovery_rate": (("fp",), ("tp", "fp"), "predicted positives"),
    "false_omission_rate": (("fn",), ("tn", "fn"), "predicted negatives"),
    "predicted_positive_rate": (("tp", "fp"), ("tp", "fp", "fn", "tn"), "all rows"),
    "prevalence": (("tp", "fn"), ("tp", "fp", "fn", "tn"), "all rows"),
}
_RANKING_METRICS = ("precision", "recall", "hit_rate", "ndcg", "reciprocal_rank")
_CURVE_POINTS = 101


@dataclass(frozen=True)
class PerformanceResult(HTMLDisplay):
    """Model performance with intervals, overall and per group (see the module docstring).

    Attributes
    ----------
    task : str
        ``"binary"`` or ``"ranking"``.
    overall : dict
        Metric name to ``{"value", "ci_low", "ci_high", "n", "method"}``.
    curves : dict
        ``roc`` (``fpr``, ``tpr``), ``pr`` (``recall``, ``precision``) and ``calibration``
        (rows of ``bin``, ``n``, ``mean_score``, ``observed``, ``ci_low``, ``ci_high``) for
        binary models; empty for rankings.
    confusion : dict
        ``tp``, ``fp``, ``fn``, ``tn`` at ``threshold`` (binary).
    by_group : DataFrame
        One row per feature, group and metric: ``value``, ``ci_low``, ``ci_high``, ``n``,
        ``too_few_to_judge``.
    disparities : DataFrame
        Per feature, group and metric against the reference group: ``ratio`` and
        ``difference`` with intervals, ``p_value`` and ``p_adjusted`` (Benjamini-Hochberg
        within the feature).
    reference_groups : dict
        The reference group of each feature.
    method : dict
        Interval methods, level, threshold, k, minimum group size and its unit.
    """

    task: str
    overall: dict[str, dict[str, Any]]
    curves: dict[str, Any]
    confusion: dict[str, int]
    by_group: pd.DataFrame
    disparities: pd.DataFrame
    reference_groups: dict[str, str]
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The overall metrics, one row each."""
        return pd.DataFrame([{"metric": k, **v} for k, v in self.overall.items()])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (aggregates only)."""
        return plain({
            "task": self.task,
            "overall": self.overall,
            "curves": self.curves,
            "confusion": self.confusion,
            "by_group": records(self.by_group),
            "disparities": records(self.disparities),
            "reference_groups": self.reference_groups,
            "method": self.method,
        })

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        rows = [{"metric": k.replace("_", " "), "value": v["value"], "ci_low": v["ci_low"], "ci_high": v["ci_high"],
                 "n": v["n"]} for k, v in self.overall.items()]
        return "performance", {"task": self.task, "rows": rows, "method": self.method}

    def __repr__(self) -> str:
        head = ", ".join(f"{k} {v['value']:.3f}" for k, v in list(self.overall.items())[:4]
                         if v["value"] is not None and np.isfinite(v["value"]))
        return f"PerformanceResult({self.task}: {head})"


# --------------------------------------------------------------------------- AUC


def _midranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank."""
    from scipy.stats import rankdata

    return np.asarray(rankdata(x, method="average"), dtype=np.float64)


def delong_auc(y_true: Any, y_score: Any, ci: float = 0.95) -> tuple[float, float, float, float]:
    """AUC with DeLong's variance (Sun and Xu's 2014 midrank algorithm), interval on the logit scale.

    Returns ``(auc, low, high, variance)``. The interval is NaN where the AUC is 0 or 1
    (the logit is infinite there) or where one class is missing.

    Examples
    --------
    >>> auc, lo, hi, var = delong_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> auc
    0.75
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(y_score, dtype=np.float64)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    tz = _midranks(np.concatenate([pos, neg]))
    tx, ty = _midranks(pos), _midranks(neg)
    auc = float((tz[:m].sum() - m * (m + 1) / 2.0) / (m * n))
    v10 = (tz[:m] - tx) / n  # placement of each positive among the negatives
    v01 = 1.0 - (tz[m:] - ty) / m  # and of each negative among the positives
    s10 = float(np.var(v10, ddof=1)) if m > 1 else 0.0
    s01 = float(np.var(v01, ddof=1)) if n > 1 else 0.0
    var = s10 / m + s01 / n
    if not 0.0 < auc < 1.0 or var <= 0.0:
        return auc, float("nan"), float("nan"), var
    z = z_of(ci)
    logit = np.log(auc / (1.0 - auc))
    se = np.sqrt(var) / (auc * (1.0 - auc))  # delta method
    lo, hi = logit - z * se, logit + z * se
    return auc, float(1.0 / (1.0 + np.exp(-lo))), float(1.0 / (1.0 + np.exp(-hi))), var


def _average_precision(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    if y.sum() == 0:
        return float("nan")
    return float(average_precision_score(y, s))


def _ap_interval(y: np.ndarray, s: np.ndarray, n_boot: int, ci: float, rng: np.random.Generator) -> tuple[float, float]:
    """Stratified bootstrap percentile interval of average precision, widened to hold the estimate."""
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    if len(pos) < 2 or len(neg) < 1 or n_boot < 1:
        return float("nan"), float("nan")
    est = _average_precision(y, s)
    draws = np.empty(n_boot)
    for b in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        draws[b] = _average_precision(y[idx], s[idx])
    lo, hi = np.quantile(draws, [(1 - ci) / 2, (1 + ci) / 2])
    return float(min(lo, est)), float(max(hi, est))


def _curve(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """At most ``_CURVE_POINTS`` points of a curve, evenly spread along it, ends kept."""
    if len(x) <= _CURVE_POINTS:
        return x.tolist(), y.tolist()
    idx = np.unique(np.linspace(0, len(x) - 1, _CURVE_POINTS).round().astype(int))
    return x[idx].tolist(), y[idx].tolist()


def _calibration(y: np.ndarray, s: np.ndarray, ci: float, bins: int = 10) -> list[dict[str, Any]]:
    order = np.argsort(s, kind="stable")
    rows = []
    for b, idx in enumerate(np.array_split(order, min(bins, len(order)))):
        if not len(idx):
            continue
        k = int(y[idx].sum())
        lo, hi = wilson_interval(k, len(idx), ci)
        rows.append({"bin": b + 1, "n": len(idx), "mean_score": float(s[idx].mean()), "observed": k / len(idx),
                     "ci_low": float(lo), "ci_high": float(hi)})
    return rows


# --------------------------------------------------------------------------- rates


def _cells(y: np.ndarray, d: np.ndarray) -> dict[str, int]:
    return {"tp": int(np.sum(y & d)), "fp": int(np.sum(~y & d)), "fn": int(np.sum(y & ~d)), "tn": int(np.sum(~y & ~d))}


def _rate_rows(cells: Mapping[str, float], ci: float) -> dict[str, dict[str, Any]]:
    out = {}
    for name, (num, den, unit) in RATE_DEFINITIONS.items():
        k = sum(cells[c] for c in num)
        n = sum(cells[c] for c in den)
        lo, hi = wilson_interval(k, n, ci)
        out[name] = {"value": k / n if n else float("nan"), "ci_low": float(lo), "ci_high": float(hi), "n": n,
                     "k": k, "method": f"Wilson score interval; denominator: {unit}"}
    return out


def _mean_interval(values: np.ndarray, ci: float) -> tuple[float, float, float]:
    """Mean of per-customer values in [0, 1] with a t interval (Wilson where all values are equal)."""
    from scipy.stats import t as student

    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0:  # every customer alike: the proportion's Wilson interval keeps it informative
        lo, hi = wilson_interval(mean * n, n, ci)
        return mean, float(lo), float(hi)
    half = float(student.ppf(0.5 + ci / 2, n - 1)) * sd / np.sqrt(n)
    return mean, max(0.0, mean - half), min(1.0, mean + half)


def _per_customer(y: np.ndarray, s: np.ndarray, users: np.ndarray, k: int) -> pd.DataFrame:
    """Precision, recall, hit, NDCG and reciprocal rank at k per customer with a relevant item."""
    codes, uniques = pd.factorize(users)
    order = np.lexsort((np.arange(len(s)), -s, codes))
    c, rel = codes[order], y[order].astype(float)
    starts = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
    lengths = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, lengths)
    in_k = rank < k
    n_users = len(uniques)
    hits = np.bincount(c, weights=rel * in_k, minlength=n_users)
    n_rel = np.bincount(c, weights=rel, minlength=n_users)
    shown = np.bincount(c, weights=in_k.astype(float), minlength=n_users)
    dcg = np.bincount(c, weights=np.where(in_k, rel / np.log2(rank + 2), 0.0), minlength=n_users)
    disc = np.cumsum(1.0 / np.log2(np.arange(k) + 2))
    ideal = np.where(n_rel > 0, disc[np.clip(np.minimum(n_rel, k).astype(int) - 1, 0, k - 1)], np.nan)
    first = np.full(n_users, np.inf)
    hit_rows = (rel > 0) & in_k
    np.minimum.at(first, c[hit_rows], rank[hit_rows])
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame({
            "user": uniques, "precision": hits / np.maximum(shown, 1), "recall": hits / n_rel,
            "hit_rate": (hits > 0).astype(float), "ndcg": dcg / ideal,
            "reciprocal_rank": np.where(np.isfinite(first), 1.0 / (first + 1.0), 0.0), "n_relevant": n_rel,
        })
    return frame[frame["n_relevant"] > 0].reset_index(drop=True)


# --------------------------------------------------------------------------- main


def _sensitive_frame(sensitive_features: Any, n: int) -> pd.DataFrame:
    if sensitive_features is None:
        return pd.DataFrame(index=range(n))
    sf = pd.DataFrame(sensitive_features).reset_index(drop=True)
    if len(sf) != n:
        raise InvalidInputError(f"sensitive_features must have one row per score. Got {len(sf)} rows for {n} scores. "
                                "Pass the columns of the same rows.")
    if sf.isna().any().any():
        raise InvalidInputError("sensitive_features must not have missing values. Got some. Fill them with an "
                                "explicit category such as 'not stated'.")
    return sf.astype(str)


def assess_performance(
    y_true: Any,
    y_score: Any,
    *,
    task: str = "binary",
    threshold: float = 0.5,
    sensitive_features: Any = None,
    reference_groups: Mapping[str, str] | None = None,
    user_ids: Any = None,
    item_ids: Any = None,
    k: int = 3,
    n_items: int | None = None,
    min_group_size: int = 30,
    n_boot: int = 200,
    ci: float = 0.95,
    random_state: int = 0,
) -> PerformanceResult:
    """Measure how well the model predicts, overall and per group, with intervals.

    Parameters
    ----------
    y_true : array-like of 0/1
        The outcome (for a recommender: whether the customer chose the item).
    y_score : array-like of float
        The model's score (a probability for binary models).
    task : {"binary", "ranking"}, default="binary"
    threshold : float, default=0.5
        Binary: a row is a "yes" when its score is at least this.
    sensitive_features : DataFrame, default=None
        Columns that define groups, one row per score.
    reference_groups : mapping, default=None
        Per feature, the group the others are compared with; default the largest group.
    user_ids : array-like, default=None
        Ranking: the customer of each row (rows of one customer are their candidates).
    item_ids : array-like, default=None
        Ranking: the item of each row; with it, catalogue coverage is measured.
    k : int, default=3
        Ranking: items shown per customer.
    n_items : int, default=None
        Ranking: size of the catalogue for coverage; default the distinct items among the
        candidates.
    min_group_size : int, default=30
        Groups with fewer customers are too few to judge.
    n_boot : int, default=200
        Bootstrap resamples (average precision only).
    ci : float, default=0.95
    random_state : int, default=0

    Returns
    -------
    PerformanceResult
    """
    y, s = _checked_outcomes(task, y_true, y_score)
    sf = _sensitive_frame(sensitive_features, len(y))
    rng = np.random.default_rng(random_state)
    refs: dict[str, str] = {}
    users = None if user_ids is None else np.asarray(user_ids)
    if task == "ranking" and users is None:
        raise InvalidInputError("user_ids must be given for a ranking. Got None. Pass the customer column.")
    method: dict[str, Any] = {"ci": ci, "min_group_size": min_group_size,
                              "group_size_unit": "customers" if users is not None else "rows"}
    if task == "binary":
        overall, curves, confusion = _binary(y, s, threshold, n_boot, ci, rng)
        method.update({"threshold": threshold, "auc_interval": "DeLong (1988) on the logit scale",
                       "average_precision_interval": f"stratified bootstrap, {n_boot} resamples, percentile",
                       "rate_interval": "Wilson (1927) score interval",
                       "disparity_interval": "ratio: MOVER-R from Wilson intervals; difference: Newcombe (1998) "
                                             "hybrid score", "test": "two-sided Fisher exact test, Benjamini-"
                                                                     "Hochberg within each feature"})
    else:
        overall = {m: {**r, "method": "mean over customers; t interval (Wilson where all are equal)"}
                   for m, r in _ranking_metrics(y, s, users, k, ci).items()}  # type: ignore[arg-type]
        curves, confusion = {}, {}
        method.update({"k": k, "metric_interval": "t interval of the mean over customers with a relevant item"})
    by_group, disparities = [], []
    for feature in sf.columns:
        col = sf[feature].to_numpy()
        sizes = pd.Series(users if users is not None else np.arange(len(col))).groupby(col).nunique()
        refs[str(feature)] = _reference_group(str(feature), sizes, reference_groups)
        groups = {}
        for g, size in sizes.items():
            mask = col == g
            row_base = {"feature": str(feature), "group": str(g), "n": int(size)}
            if size < min_group_size:
                by_group.append({**row_base, "metric": None, "value": None, "ci_low": None, "ci_high": None,
                                 "too_few_to_judge": True})
                continue
            if task == "binary":
                groups[str(g)] = cells = _cells(y[mask], s[mask] >= threshold)
                metrics = _binary_group_metrics(cells, y[mask], s[mask], ci)
            else:
                metrics = _ranking_metrics(y[mask], s[mask], users[mask], k, ci)  # type: ignore[index]
            for m, r in metrics.items():
                by_group.append({**row_base, "metric": m, "value": r["value"], "ci_low": r["ci_low"],
                                 "ci_high": r["ci_high"], "too_few_to_judge": False})
        if task == "binary":
            disparities += _against_reference(str(feature), groups, refs[str(feature)], ci)
    if task == "ranking" and item_ids is not None:
        overall["catalogue_coverage"] = _coverage(s, users, np.asarray(item_ids), k, n_items)  # type: ignore[arg-type]
    columns = ["feature", "group", "reference", "metric", "ratio", "ratio_ci_low", "ratio_ci_high", "difference",
               "difference_ci_low", "difference_ci_high", "p_value", "p_adjusted"]
    return PerformanceResult(
        task=task, overall=overall, curves=curves, confusion=confusion,
        by_group=pd.DataFrame(by_group, columns=["feature", "group", "metric", "value", "ci_low", "ci_high", "n",
                                                 "too_few_to_judge"]),
        disparities=pd.DataFrame(disparities, columns=columns), reference_groups=refs, method=method)


def _checked_outcomes(task: str, y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray]:
    """The outcomes as booleans and the scores as floats, after checking the task and both arrays."""
    if task not in ("binary", "ranking"):
        raise InvalidInputError(f"task must be 'binary' or 'ranking'. Got {task!r}. Performance of other tasks is "
                                "in the audit's model metrics.")
    y_raw = np.asarray(y_true)
    s = np.asarray(y_score, dtype=np.float64)
    if y_raw.shape != s.shape or y_raw.ndim != 1:
        raise InvalidInputError(f"y_true and y_score must be 1-d and of one length. Got {y_raw.shape} and {s.shape}.")
    values = set(np.unique(y_raw[~pd.isna(y_raw)]).tolist())
    if not values <= {0, 1} or pd.isna(y_raw).any():
        raise InvalidInputError(f"y_true must hold 0 and 1 only. Got {len(values)} distinct values. Recode it to 0/1.")
    if not np.all(np.isfinite(s)):
        raise InvalidInputError("y_score must be finite. Got missing or infinite scores. Check the model's output.")
    return y_raw.astype(bool), s


def _ranking_metrics(y: np.ndarray, s: np.ndarray, users: np.ndarray, k: int,
                     ci: float) -> dict[str, dict[str, Any]]:
    """Each ranking metric at ``k``: the mean over customers with its interval and the customer count."""
    per = _per_customer(y, s, users, k)
    out = {}
    for m in _RANKING_METRICS:
        v, lo, hi = _mean_interval(per[m].to_numpy(float), ci)
        out[f"{m}_at_{k}"] = {"value": v, "ci_low": lo, "ci_high": hi, "n": len(per)}
    return out


def _binary_group_metrics(cells: Any, y: np.ndarray, s: np.ndarray, ci: float) -> dict[str, dict[str, Any]]:
    """A group's rates with Wilson intervals and its ROC AUC with DeLong's interval."""
    metrics = _rate_rows(cells, ci)
    auc, lo, hi, _ = delong_auc(y, s, ci)
    metrics["roc_auc"] = {"value": auc, "ci_low": lo, "ci_high": hi, "n": len(y)}
    return metrics


def _reference_group(feature: str, sizes: pd.Series, reference_groups: Mapping[str, str] | None) -> str:
    """The group the others of ``feature`` are compared with: the one given, else the largest."""
    ref = (reference_groups or {}).get(feature)
    if ref is not None and str(ref) not in sizes.index:
        raise InvalidInputError(f"reference_groups[{feature!r}] must be a group of that feature. Got a name "
                                f"that is not one of its {len(sizes)} groups. Name one of them.")
    return str(ref) if ref is not None else str(sizes.sort_values(ascending=False).index[0])


def _coverage(s: np.ndarray, users: np.ndarray, items: np.ndarray, k: int, n_items: int | None) -> dict[str, Any]:
    """Share of the catalogue that reaches at least one customer's top k."""
    from ..models._adapter import top_k_mask

    shown = top_k_mask(s, users, k)
    catalogue = int(n_items) if n_items else len(pd.unique(items))
    reached = len(pd.unique(items[shown]))
    return {"value": reached / catalogue if catalogue else float("nan"), "ci_low": None, "ci_high": None,
            "n": catalogue, "k": reached,
            "method": "items in some customer's top k / items in the catalogue" + (
                "" if n_items else " (the catalogue taken as the items among the candidates)")}


def _binary(y: np.ndarray, s: np.ndarray, threshold: float, n_boot: int, ci: float,
            rng: np.random.Generator) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, int]]:
    from sklearn.metrics import precision_recall_curve, roc_curve

    auc, lo, hi, _ = delong_auc(y, s, ci)
    overall: dict[str, dict[str, Any]] = {
        "roc_auc": {"value": auc, "ci_low": lo, "ci_high": hi, "n": len(y), "method": "DeLong, logit scale"}}
    ap = _average_precision(y, s)
    ap_lo, ap_hi = _ap_interval(y, s, n_boot, ci, rng)
    overall["average_precision"] = {"value": ap, "ci_low": ap_lo, "ci_high": ap_hi, "n": len(y),
                                    "method": "stratified bootstrap percentile"}
    brier = float(np.mean((s - y) ** 2))
    overall["brier_score"] = {"value": brier, "ci_low": None, "ci_high": None, "n": len(y), "method": "mean squared"}
    confusion = _cells(y, s >= threshold)
    overall.update(_rate_rows(confusion, ci))
    curves: dict[str, Any] = {}
    if 0 < y.sum() < len(y):
        fpr, tpr, _ = roc_curve(y, s)
        prec, rec, _ = precision_recall_curve(y, s)
        fx, fy = _curve(fpr, tpr)
        rx, ry = _curve(rec[::-1], prec[::-1])
        curves = {"roc": {"fpr": fx, "tpr": fy}, "pr": {"recall": rx, "precision": ry}}
    curves["calibration"] = _calibration(y, s, ci) if np.all((s >= 0) & (s <= 1)) else []
    return overall, curves, confusion


def _against_reference(feature: str, groups: Mapping[str, Mapping[str, int]], ref: str,
                       ci: float) -> list[dict[str, Any]]:
    """Each judged group's rates against the reference group's: ratio, difference, Fisher p, BH."""
    if ref not in groups:
        return []
    rows = []
    for g, cells in groups.items():
        if g == ref:
            continue
        for name, (num, den, _unit) in RATE_DEFINITIONS.items():
            k1, n1 = sum(cells[c] for c in num), sum(cells[c] for c in den)
            k2, n2 = sum(groups[ref][c] for c in num), sum(groups[ref][c] for c in den)
            r, rlo, rhi = mover_ratio(k1, n1, k2, n2, ci)
            d, dlo, dhi = newcombe_difference(k1, n1, k2, n2, ci)
            p = fisher_pair_p(k1, n1, k2, n2)
            rows.append({"feature": feature, "group": g, "reference": ref, "metric": name, "ratio": float(r),
                         "ratio_ci_low": float(rlo), "ratio_ci_high": float(rhi), "difference": float(d),
                         "difference_ci_low": float(dlo), "difference_ci_high": float(dhi), "p_value": float(p[0])})
    adjusted = bh_adjust([row["p_value"] for row in rows])
    for row, q in zip(rows, adjusted):
        row["p_adjusted"] = float(q)
    return rows

