"""Group metrics, disparities, intervals and tests computed from per-group counts.

:func:`metrics_from_counts` turns :class:`~explainer.analyses._group_counts.GroupCounts` into a
:class:`~explainer.analyses._group_result.GroupMetricsResult`: each group's rates with Wilson
intervals on effective counts, the disparity measures with Newcombe (difference) and MOVER-R
(ratio) intervals between the lowest and highest group, Fisher tests adjusted by
Benjamini-Hochberg, and the mean score with a normal-approximation interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from explainer.errors import InvalidInputError

from ._group_counts import _CELLS, _R_COLUMNS, _RATE_WEIGHTS, _U_COLUMNS, GroupCounts, _Partition
from ._group_result import (
    _BY_GROUP_COLUMNS,
    _DIFFERENCE_OF,
    _DISPARITY_COLUMNS,
    _TESTED,
    DISPARITY_MEASURES,
    FDR_LEVEL,
    FOUR_FIFTHS,
    GROUP_METRICS,
    GroupMetricsResult,
)
from ._stats import bh_adjust, fisher_pair_p, mover_ratio, newcombe_difference, wilson_interval

__all__ = ["metrics_from_counts"]

# --------------------------------------------------------------------------- core maths


def _rates(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> dict[str, np.ndarray]:
    """Metric values from (weighted) confusion counts; NaN where a denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tot = tp + fp + fn + tn
        pos = tp + fn
        neg = fp + tn
        sel = tp + fp
        out = {
            "selection_rate": np.where(tot > 0, sel / tot, np.nan),
            "true_positive_rate": np.where(pos > 0, tp / pos, np.nan),
            "false_positive_rate": np.where(neg > 0, fp / neg, np.nan),
            "false_negative_rate": np.where(pos > 0, fn / pos, np.nan),
            "precision": np.where(sel > 0, tp / sel, np.nan),
            "accuracy": np.where(tot > 0, (tp + tn) / tot, np.nan),
        }
    return out


def _spread(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(max - min, min / max) over groups, ignoring NaN; NaN if fewer than two values."""
    finite = np.isfinite(values)
    k = finite.sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = np.where(finite, values, -np.inf).max(axis=axis)
        lo = np.where(finite, values, np.inf).min(axis=axis)
        diff = np.where(k >= 2, hi - lo, np.nan)
        ratio = np.where(k >= 2, np.where(hi > 0, lo / hi, np.where(lo == hi, 1.0, np.nan)), np.nan)
    return diff, ratio


def _disparities(r: Mapping[str, np.ndarray], axis: int = 0) -> dict[str, np.ndarray]:
    dp_diff, dp_ratio = _spread(r["selection_rate"], axis)
    tpr_diff, _ = _spread(r["true_positive_rate"], axis)
    fpr_diff, _ = _spread(r["false_positive_rate"], axis)
    with np.errstate(invalid="ignore"):
        eo = np.fmax(tpr_diff, fpr_diff)
        # fairlearn takes the worse of the two; undefined if either is undefined.
        eo = np.where(np.isnan(tpr_diff) | np.isnan(fpr_diff), np.nan, eo)
    return {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": eo,
        "equal_opportunity_difference": tpr_diff,
    }


def _quantiles(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along the last axis, ignoring NaN replicates."""
    alpha = (1.0 - ci) / 2.0
    out_lo = np.full(reps.shape[:-1], np.nan)
    out_hi = np.full(reps.shape[:-1], np.nan)
    ok = np.isfinite(reps)
    all_ok = ok.all(axis=-1)
    if all_ok.any():
        q = np.quantile(reps[all_ok], [alpha, 1.0 - alpha], axis=-1)
        out_lo[all_ok], out_hi[all_ok] = q[0], q[1]
    some = ok.any(axis=-1) & ~all_ok
    for idx in zip(*np.nonzero(some), strict=True):
        v = reps[idx][ok[idx]]
        out_lo[idx], out_hi[idx] = np.quantile(v, [alpha, 1.0 - alpha])
    return out_lo, out_hi


def _design_effects(tab: pd.DataFrame, rates: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per group and rate: the variance of the rate when customers are resampled, over its
    variance when rows are resampled (at least 1).

    Both variances are the linearised variance of a ratio of sums, ``sum(a) / sum(b)``:
    ``k / (k - 1) * sum over units of (a_u - r * b_u)**2 / sum(b)**2``, with customers as units
    (from the ``q_*`` sums of products of each customer's counts) and with rows as units
    (from ``r_*``, a row being one cell). Rows of one customer move together in a customer
    bootstrap; the ratio is the factor by which a row bootstrap's variance falls short.
    """
    g = len(tab)
    m = np.zeros((g, 4, 4))
    for i, a in enumerate(_CELLS):
        for j in range(i, 4):
            m[:, i, j] = m[:, j, i] = tab[f"q_{a}_{_CELLS[j]}"].to_numpy(dtype=np.float64)
    diag = tab[_R_COLUMNS].to_numpy(dtype=np.float64)
    k = tab["n_units"].to_numpy(dtype=np.float64)
    n = tab["n"].to_numpy(dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (num, den) in _RATE_WEIGHTS.items():
            r = np.nan_to_num(rates[name])
            d = np.asarray(num, dtype=np.float64)[None, :] - r[:, None] * np.asarray(den, dtype=np.float64)[None, :]
            v_cust = np.einsum("gi,gij,gj->g", d, m, d) * np.where(k > 1, k / (k - 1), np.nan)
            v_rows = np.einsum("gi,gi->g", d * d, diag) * np.where(n > 1, n / (n - 1), np.nan)
            ratio = np.where(v_rows > 0, v_cust / v_rows, 1.0)
            out[name] = np.where(np.isfinite(ratio), np.maximum(ratio, 1.0), 1.0)
    return out




def _effective_denominators(tab: pd.DataFrame, cells: np.ndarray, rates: Mapping[str, np.ndarray], *,
                            weighted: bool, by_customer: bool) -> dict[str, np.ndarray]:
    """Each rate's denominator as an effective number of independent trials.

    Weighted counts are scaled by Kish's effective sample size over the weight sum; with
    several rows per customer they are divided by the rate's design effect (how much a
    customer bootstrap's variance exceeds a row bootstrap's, at least 1).
    """
    scale = np.ones(len(tab))
    if weighted:
        w_sum = tab["w_sum"].to_numpy(dtype=np.float64)
        w_sq = tab["w_sq"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where((w_sum > 0) & (w_sq > 0), w_sum / w_sq, 1.0)  # (w_sum**2 / w_sq) / w_sum
    deff = _design_effects(tab, rates) if by_customer else None
    out: dict[str, np.ndarray] = {}
    for name, (_, den) in _RATE_WEIGHTS.items():
        n_den = cells @ np.asarray(den, dtype=np.float64) * scale
        out[name] = n_den / deff[name] if deff is not None else n_den
    return out


def metrics_from_counts(
    counts: GroupCounts,
    *,
    min_group_size: int,
    ci: float | None,
    n_boot: int,
    random_state: int | None,
    extra: Callable[[str, np.ndarray, np.ndarray], pd.DataFrame] | None = None,
) -> GroupMetricsResult:
    """Metrics from counts; ``extra(feature, counts, eligible)`` adds rows after a feature's."""
    tests: list[dict[str, Any]] = []  # one per feature x tested metric, adjusted below
    bg_parts: list[pd.DataFrame] = []
    disp_parts: list[pd.DataFrame] = []
    for i_feat, (name, tab) in enumerate(counts.by_feature()):
        if i_feat < counts.n_single and len(tab) < 2:
            raise InvalidInputError(
                f"sensitive_features column {name!r} must have at least two groups. "
                f"Got {len(tab)}. Drop the column or pass data that holds more than one group."
            )
        feat = _feature_metrics(tab, counts, min_group_size=min_group_size, ci=ci)
        intersection = i_feat >= counts.n_single
        tests += [{"feature": name, "metric": m, "p": p, "intersection": intersection} for m, p in feat.p_of.items()]
        bg_parts.append(_by_group_frame(name, feat))
        if extra is not None:
            bg_parts.append(extra(name, feat.n_rows, feat.eligible))
        disp_parts.append(_disparity_frame(name, feat))

    by_group = pd.concat(bg_parts, ignore_index=True)[_BY_GROUP_COLUMNS]
    by_group["n"] = by_group["n"].astype(np.int64)
    by_group["too_few_to_judge"] = by_group["too_few_to_judge"].astype(bool)
    disparities = _with_adjusted_p(pd.concat(disp_parts, ignore_index=True), tests)[_DISPARITY_COLUMNS]
    method = _method(counts, ci=ci, random_state=random_state, min_group_size=min_group_size)
    return GroupMetricsResult(by_group=by_group, disparities=disparities, method=method)


@dataclass
class _FeatureMetrics:
    """One feature's (or intersection's) group metrics, disparities and tests, being filled in."""

    labels: list[Any]
    n_rows: np.ndarray
    size: np.ndarray  # the group size the minimum applies to: customers when counted by customer, else rows
    eligible: np.ndarray
    values: dict[str, np.ndarray]
    lows: dict[str, np.ndarray]
    highs: dict[str, np.ndarray]
    disp_val: dict[str, np.ndarray]
    disp_lo: dict[str, np.ndarray] = field(default_factory=dict)
    disp_hi: dict[str, np.ndarray] = field(default_factory=dict)
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)  # tested metric -> (lowest, highest) group
    p_of: dict[str, float] = field(default_factory=dict)  # tested metric -> Bonferroni-corrected Fisher p
    measure_src: dict[str, str] = field(default_factory=dict)  # disparity measure -> tested metric


def _feature_metrics(tab: pd.DataFrame, counts: GroupCounts, *, min_group_size: int,
                     ci: float | None) -> _FeatureMetrics:
    """Group rates with intervals, disparities with intervals and the pair tests of one feature."""
    g = len(tab)
    n_rows = tab["n"].to_numpy(dtype=np.int64)
    size = tab["n_units"].to_numpy(dtype=np.int64) if "n_units" in tab else n_rows
    cells = tab[["tn", "fp", "fn", "tp"]].to_numpy(dtype=np.float64)
    rates = _rates(cells[:, 3], cells[:, 1], cells[:, 2], cells[:, 0])
    eligible = size >= min_group_size
    values: dict[str, np.ndarray] = {"count": n_rows.astype(np.float64), **rates}
    disp_val = _disparities({k: np.where(eligible, v, np.nan) for k, v in rates.items()})
    disp_val["_fpr_difference"] = _spread(np.where(eligible, rates["false_positive_rate"], np.nan))[0]
    feat = _FeatureMetrics(
        labels=tab["group"].tolist(), n_rows=n_rows, size=size, eligible=eligible, values=values,
        lows={k: np.full(g, np.nan) for k in values}, highs={k: np.full(g, np.nan) for k in values},
        disp_val=disp_val, disp_lo={k: np.array(np.nan) for k in disp_val},
        disp_hi={k: np.array(np.nan) for k in disp_val})
    if ci is not None:  # group sizes are fixed, not estimated
        feat.lows["count"] = feat.highs["count"] = n_rows.astype(np.float64)
    # effective counts: each rate's denominator over the design effect (customers) and Kish's
    # factor for weights, so a closed-form binomial interval has the right width
    eff = _effective_denominators(tab, cells, rates, weighted=counts.weighted, by_customer=counts.by_customer)
    for k_name in _RATE_WEIGHTS:
        n_eff = eff[k_name]
        k_eff = np.nan_to_num(rates[k_name]) * n_eff
        if ci is not None:
            lo, hi = wilson_interval(k_eff, n_eff, float(ci))
            undefined = ~np.isfinite(rates[k_name])
            lo[undefined] = hi[undefined] = np.nan
            feat.lows[k_name], feat.highs[k_name] = lo, hi
        if k_name in _TESTED:
            _test_extremes(feat, k_name, rates[k_name], k_eff, n_eff, ci)
    feat.measure_src = _equalized_odds(feat, ci)
    if counts.has_score:
        _score_metrics(feat, tab, counts, ci)
    return feat


def _test_extremes(feat: _FeatureMetrics, k_name: str, rate: np.ndarray, k_eff: np.ndarray, n_eff: np.ndarray,
                   ci: float | None) -> None:
    """Fisher test (Bonferroni over pairs) of the lowest against the highest eligible group, and the
    Newcombe (difference) and MOVER-R (ratio) intervals between them."""
    r = np.where(feat.eligible, rate, np.nan)
    ok = np.flatnonzero(np.isfinite(r))
    if len(ok) < 2:
        return
    lo_i, hi_i = ok[int(np.argmin(r[ok]))], ok[int(np.argmax(r[ok]))]
    n_pairs = len(ok) * (len(ok) - 1) / 2
    p_raw = float(fisher_pair_p(k_eff[lo_i], n_eff[lo_i], k_eff[hi_i], n_eff[hi_i])[0])
    feat.p_of[k_name] = min(1.0, p_raw * n_pairs) if np.isfinite(p_raw) else float("nan")
    feat.pairs[k_name] = (str(feat.labels[lo_i]), str(feat.labels[hi_i]))
    if ci is None:
        return
    _, d_lo, d_hi = newcombe_difference(k_eff[hi_i], n_eff[hi_i], k_eff[lo_i], n_eff[lo_i], float(ci))
    diff_measure = _DIFFERENCE_OF[k_name]
    if k_name == "selection_rate":
        _, r_lo, r_hi = mover_ratio(k_eff[lo_i], n_eff[lo_i], k_eff[hi_i], n_eff[hi_i], float(ci))
        _widen(feat, "demographic_parity_ratio", float(r_lo), float(r_hi))
    _widen(feat, diff_measure, float(d_lo), float(d_hi))


def _widen(feat: _FeatureMetrics, measure: str, lo: float, hi: float) -> None:
    """Set a finite disparity's interval, widened to contain the disparity itself."""
    value = float(feat.disp_val[measure])
    if np.isfinite(value):
        feat.disp_lo[measure] = np.array(min(lo, value))
        feat.disp_hi[measure] = np.array(max(hi, value))


def _equalized_odds(feat: _FeatureMetrics, ci: float | None) -> dict[str, str]:
    """Equalized odds takes the larger of the TPR and FPR differences, with that metric's interval and
    test; returns the tested metric behind each disparity measure."""
    eo = feat.disp_val["equalized_odds_difference"]
    eo_src = "true_positive_rate"
    if np.isfinite(eo) and float(eo) > float(feat.disp_val["equal_opportunity_difference"]):
        eo_src = "false_positive_rate"
    if ci is not None and np.isfinite(eo):
        src = "_fpr_difference" if eo_src == "false_positive_rate" else "equal_opportunity_difference"
        feat.disp_lo["equalized_odds_difference"] = feat.disp_lo[src]
        feat.disp_hi["equalized_odds_difference"] = feat.disp_hi[src]
    return {"demographic_parity_difference": "selection_rate", "demographic_parity_ratio": "selection_rate",
            "equalized_odds_difference": eo_src, "equal_opportunity_difference": "true_positive_rate"}


def _score_metrics(feat: _FeatureMetrics, tab: pd.DataFrame, counts: GroupCounts, ci: float | None) -> None:
    """Each group's (weighted) mean score, with a normal-approximation interval (Kish's effective
    size under weights; customers as units when counted by customer)."""
    n_rows = feat.n_rows
    w_sum = tab["w_sum"].to_numpy(dtype=np.float64)
    s_sum = tab["s_sum"].to_numpy(dtype=np.float64)
    s_sq = tab["s_sq"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(w_sum > 0, s_sum / w_sum, np.nan)
        # sum of (weighted) squared deviations from the group mean
        dev = np.maximum(s_sq - w_sum * mean * mean, 0.0)
        if not counts.weighted:
            var = np.where(n_rows > 1, dev / (n_rows - 1), np.nan)
            n_eff = n_rows.astype(np.float64)
        else:
            w2 = tab["w_sq"].to_numpy(dtype=np.float64)
            var = np.where(w_sum > 0, dev / w_sum, np.nan)
            n_eff = np.where(w2 > 0, w_sum * w_sum / w2, np.nan)
            var = np.where(n_eff > 1, var * n_eff / (n_eff - 1), np.nan)
    feat.values["mean_score"] = mean
    if ci is None:
        feat.lows["mean_score"] = feat.highs["mean_score"] = np.full(len(tab), np.nan)
        return
    z = _normal_quantile(0.5 + float(ci) / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        se2 = var / n_eff
        if counts.by_customer:  # customers as units: their score sums around the mean
            k_u = tab["n_units"].to_numpy(dtype=np.float64)
            u_ss, u_sw, u_ww = (tab[c].to_numpy(dtype=np.float64) for c in _U_COLUMNS)
            dev_c = np.maximum(u_ss - 2 * mean * u_sw + mean * mean * u_ww, 0.0)
            se2_c = np.where(k_u > 1, k_u / (k_u - 1), np.nan) * dev_c / (w_sum * w_sum)
            se2 = np.fmax(se2, se2_c)
        half = z * np.sqrt(se2)
    feat.lows["mean_score"], feat.highs["mean_score"] = mean - half, mean + half


def _by_group_frame(name: str, feat: _FeatureMetrics) -> pd.DataFrame:
    """The tidy by-group rows of one feature: one row per group and metric."""
    metric_names = [m for m in GROUP_METRICS if m in feat.values]
    n_metrics = len(metric_names)
    return pd.DataFrame(
        {
            "feature": name,
            "group": np.repeat(np.array(feat.labels, dtype=object), n_metrics),
            "metric": np.tile(np.array(metric_names, dtype=object), len(feat.labels)),
            "value": np.column_stack([feat.values[m] for m in metric_names]).ravel(),
            "ci_low": np.column_stack([feat.lows[m] for m in metric_names]).ravel(),
            "ci_high": np.column_stack([feat.highs[m] for m in metric_names]).ravel(),
            "n": np.repeat(feat.size, n_metrics),
            "too_few_to_judge": np.repeat(~feat.eligible, n_metrics),
        }
    )


def _disparity_frame(name: str, feat: _FeatureMetrics) -> pd.DataFrame:
    """The disparity rows of one feature, with the groups and test behind each measure."""
    dv, src = feat.disp_val, feat.measure_src
    ratio = dv["demographic_parity_ratio"]
    return pd.DataFrame(
        {
            "feature": name,
            "measure": list(DISPARITY_MEASURES),
            "value": [float(dv[m]) for m in DISPARITY_MEASURES],
            "ci_low": [float(feat.disp_lo[m]) for m in DISPARITY_MEASURES],
            "ci_high": [float(feat.disp_hi[m]) for m in DISPARITY_MEASURES],
            "flagged": pd.array(
                [pd.NA, bool(ratio < FOUR_FIFTHS) if np.isfinite(ratio) else pd.NA, pd.NA, pd.NA],
                dtype="boolean",
            ),
            "n_groups": int(feat.eligible.sum()),
            "low_group": [feat.pairs.get(src[m], (None, None))[0] for m in DISPARITY_MEASURES],
            "high_group": [feat.pairs.get(src[m], (None, None))[1] for m in DISPARITY_MEASURES],
            "tested_metric": [src[m] for m in DISPARITY_MEASURES],
            "p_value": [feat.p_of.get(src[m], float("nan")) for m in DISPARITY_MEASURES],
        }
    )


def _with_adjusted_p(disparities: pd.DataFrame, tests: list[dict[str, Any]]) -> pd.DataFrame:
    """Benjamini-Hochberg per family (single features x tested metrics, and intersections x metrics)."""
    adjusted: dict[tuple[str, str], float] = {}
    for inter in (False, True):
        fam = [t for t in tests if t["intersection"] == inter]
        adj = bh_adjust([t["p"] for t in fam])
        adjusted.update({(t["feature"], t["metric"]): float(a) for t, a in zip(fam, adj, strict=True)})
    disparities["p_adjusted"] = [adjusted.get((f, m), float("nan"))
                                 for f, m in zip(disparities["feature"], disparities["tested_metric"], strict=True)]
    disparities["significant"] = (disparities["p_adjusted"] <= FDR_LEVEL).astype(bool)
    return disparities


def _method(counts: GroupCounts, *, ci: float | None, random_state: int | None,
            min_group_size: int) -> dict[str, Any]:
    """The method record of the result: intervals, tests and options, in words and numbers."""
    do_ci = ci is not None
    return {
        "interval": ("Wilson score" + (" on effective counts (each rate's denominator over its design effect: "
                                       "customers, not rows, carry the information)" if counts.by_customer else "")
                     + (", Kish effective sample size for weights" if counts.weighted else "")) if do_ci else None,
        "disparity_interval": ("Newcombe hybrid score for differences, MOVER-R from Wilson intervals for ratios, "
                               "between the named lowest and highest groups") if do_ci else None,
        "test": ("Fisher exact test of the lowest against the highest group, Bonferroni over the group pairs "
                 "of the feature"),
        "multiple_comparisons": (f"Benjamini-Hochberg at {FDR_LEVEL:g} per family: single features x metrics "
                                 "(selection rate, true and false positive rate); intersections x metrics"),
        "fdr_level": FDR_LEVEL,
        "n_boot": 0,
        "ci": float(ci) if ci is not None else None,
        "random_state": random_state,
        "min_group_size": int(min_group_size),
        "score_interval": "normal approximation" if counts.has_score and ci is not None else None,
        "zero_division": "nan",
        "weighted": counts.weighted,
        "intersections": counts.intersections,
        "group_size_unit": "customers" if counts.by_customer else "rows",
    }


def _extra(
    metrics: Mapping[str, Callable[..., float]],
    yt: np.ndarray,
    yp: np.ndarray,
    w: np.ndarray | None,
    part: _Partition,
    counts: np.ndarray,
    eligible: np.ndarray,
) -> pd.DataFrame:
    from fairlearn.metrics import MetricFrame

    clash = sorted(set(metrics) & set(GROUP_METRICS))
    if clash:
        raise InvalidInputError(
            f"extra_metrics must not reuse built-in metric names. Got {clash!r}. Rename them."
        )
    params = {name: {"sample_weight": w} for name in metrics} if w is not None else None
    mf = MetricFrame(
        metrics=dict(metrics),
        y_true=yt,
        y_pred=yp,
        sensitive_features=pd.Series(part.codes, name="group"),
        sample_params=params,
    )
    table = mf.by_group
    rows: list[dict[str, Any]] = []
    for gi, label in enumerate(part.labels):
        for name in metrics:
            rows.append(
                {
                    "feature": part.name,
                    "group": label,
                    "metric": name,
                    "value": float(table.loc[gi, name]),
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "n": int(counts[gi]),
                    "too_few_to_judge": bool(~eligible[gi]),
                }
            )
    return pd.DataFrame(rows, columns=_BY_GROUP_COLUMNS)


def _normal_quantile(p: float) -> float:
    """Inverse standard normal CDF."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)
