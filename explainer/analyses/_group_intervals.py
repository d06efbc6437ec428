"""Group metrics, disparities, intervals and tests computed from per-group counts.

:func:`metrics_from_counts` turns :class:`~explainer.analyses._group_counts.GroupCounts` into a
:class:`~explainer.analyses._group_result.GroupMetricsResult`: each group's rates with Wilson
intervals on effective counts, the disparity measures with Newcombe (difference) and MOVER-R
(ratio) intervals between the lowest and highest group, Fisher tests adjusted by
Benjamini-Hochberg, and the mean score with a normal-approximation interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    do_ci = ci is not None
    z = _normal_quantile(0.5 + float(ci) / 2.0) if ci is not None else float("nan")
    weighted = counts.weighted
    has_score = counts.has_score
    tests: list[dict[str, Any]] = []  # one per feature x tested metric, adjusted below

    bg_parts: list[pd.DataFrame] = []
    disp_parts: list[pd.DataFrame] = []
    for i_feat, (name, tab) in enumerate(counts.by_feature()):
        g = len(tab)
        if i_feat < counts.n_single and g < 2:
            raise InvalidInputError(
                f"sensitive_features column {name!r} must have at least two groups. "
                f"Got {g}. Drop the column or pass data that holds more than one group."
            )
        labels = tab["group"].tolist()
        n_rows = tab["n"].to_numpy(dtype=np.int64)
        # the group size the minimum applies to: customers when counted by customer, else rows
        size = tab["n_units"].to_numpy(dtype=np.int64) if "n_units" in tab else n_rows
        cells = tab[["tn", "fp", "fn", "tp"]].to_numpy(dtype=np.float64)
        tn, fp, fn, tp = cells[:, 0], cells[:, 1], cells[:, 2], cells[:, 3]
        rates = _rates(tp, fp, fn, tn)
        eligible = size >= min_group_size
        values: dict[str, np.ndarray] = {"count": n_rows.astype(np.float64), **rates}
        lows: dict[str, np.ndarray] = {k: np.full(g, np.nan) for k in values}
        highs: dict[str, np.ndarray] = {k: np.full(g, np.nan) for k in values}
        if do_ci:  # group sizes are fixed, not estimated
            lows["count"] = highs["count"] = n_rows.astype(np.float64)
        disp_val = _disparities({k: np.where(eligible, v, np.nan) for k, v in rates.items()})
        disp_val["_fpr_difference"] = _spread(np.where(eligible, rates["false_positive_rate"], np.nan))[0]
        disp_lo = {k: np.array(np.nan) for k in disp_val}
        disp_hi = {k: np.array(np.nan) for k in disp_val}
        pairs: dict[str, tuple[str, str]] = {}
        p_of: dict[str, float] = {}

        # effective counts: each rate's denominator over the design effect (customers) and Kish's
        # factor for weights, so a closed-form binomial interval has the right width
        eff = _effective_denominators(tab, cells, rates, weighted=weighted, by_customer=counts.by_customer)
        for k_name in _RATE_WEIGHTS:
            n_eff = eff[k_name]
            k_eff = np.nan_to_num(rates[k_name]) * n_eff
            if do_ci:
                assert ci is not None
                lows[k_name], highs[k_name] = wilson_interval(k_eff, n_eff, float(ci))
                undefined = ~np.isfinite(rates[k_name])
                lows[k_name][undefined] = highs[k_name][undefined] = np.nan
            if k_name not in _TESTED:
                continue
            r = np.where(eligible, rates[k_name], np.nan)
            ok = np.flatnonzero(np.isfinite(r))
            if len(ok) < 2:
                continue
            lo_i, hi_i = ok[int(np.argmin(r[ok]))], ok[int(np.argmax(r[ok]))]
            n_pairs = len(ok) * (len(ok) - 1) / 2
            p_raw = float(fisher_pair_p(k_eff[lo_i], n_eff[lo_i], k_eff[hi_i], n_eff[hi_i])[0])
            p_of[k_name] = min(1.0, p_raw * n_pairs) if np.isfinite(p_raw) else float("nan")
            pairs[k_name] = (str(labels[lo_i]), str(labels[hi_i]))
            tests.append({"feature": name, "metric": k_name, "p": p_of[k_name],
                          "intersection": i_feat >= counts.n_single})
            if do_ci:
                assert ci is not None
                _, d_lo, d_hi = newcombe_difference(k_eff[hi_i], n_eff[hi_i], k_eff[lo_i], n_eff[lo_i], float(ci))
                diff_measure = _DIFFERENCE_OF[k_name]
                dv = float(disp_val[diff_measure])
                if k_name == "selection_rate":
                    _, r_lo, r_hi = mover_ratio(k_eff[lo_i], n_eff[lo_i], k_eff[hi_i], n_eff[hi_i], float(ci))
                    rv = float(disp_val["demographic_parity_ratio"])
                    if np.isfinite(rv):
                        disp_lo["demographic_parity_ratio"] = np.array(min(float(r_lo), rv))
                        disp_hi["demographic_parity_ratio"] = np.array(max(float(r_hi), rv))
                if np.isfinite(dv):
                    disp_lo[diff_measure] = np.array(min(float(d_lo), dv))
                    disp_hi[diff_measure] = np.array(max(float(d_hi), dv))
        # equalized odds: the larger of the TPR and FPR differences, with that metric's interval and test
        eo_src = "true_positive_rate"
        if np.isfinite(disp_val["equalized_odds_difference"]) and (
                float(disp_val["equalized_odds_difference"]) > float(disp_val["equal_opportunity_difference"])):
            eo_src = "false_positive_rate"
        if do_ci and np.isfinite(disp_val["equalized_odds_difference"]):
            src_lo, src_hi = (disp_lo["equal_opportunity_difference"], disp_hi["equal_opportunity_difference"])
            if eo_src == "false_positive_rate":
                src_lo, src_hi = disp_lo["_fpr_difference"], disp_hi["_fpr_difference"]
            disp_lo["equalized_odds_difference"], disp_hi["equalized_odds_difference"] = src_lo, src_hi
        measure_src = {"demographic_parity_difference": "selection_rate", "demographic_parity_ratio": "selection_rate",
                       "equalized_odds_difference": eo_src, "equal_opportunity_difference": "true_positive_rate"}

        if has_score:
            w_sum = tab["w_sum"].to_numpy(dtype=np.float64)
            s_sum = tab["s_sum"].to_numpy(dtype=np.float64)
            s_sq = tab["s_sq"].to_numpy(dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(w_sum > 0, s_sum / w_sum, np.nan)
                # sum of (weighted) squared deviations from the group mean
                dev = np.maximum(s_sq - w_sum * mean * mean, 0.0)
                if not weighted:
                    var = np.where(n_rows > 1, dev / (n_rows - 1), np.nan)
                    n_eff = n_rows.astype(np.float64)
                else:
                    w2 = tab["w_sq"].to_numpy(dtype=np.float64)
                    var = np.where(w_sum > 0, dev / w_sum, np.nan)
                    n_eff = np.where(w2 > 0, w_sum * w_sum / w2, np.nan)
                    var = np.where(n_eff > 1, var * n_eff / (n_eff - 1), np.nan)
            values["mean_score"] = mean
            if ci is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    se2 = var / n_eff
                    if counts.by_customer:  # customers as units: their score sums around the mean
                        k_u = tab["n_units"].to_numpy(dtype=np.float64)
                        u_ss, u_sw, u_ww = (tab[c].to_numpy(dtype=np.float64) for c in _U_COLUMNS)
                        dev_c = np.maximum(u_ss - 2 * mean * u_sw + mean * mean * u_ww, 0.0)
                        se2_c = np.where(k_u > 1, k_u / (k_u - 1), np.nan) * dev_c / (w_sum * w_sum)
                        se2 = np.fmax(se2, se2_c)
                    half = z * np.sqrt(se2)
                lows["mean_score"], highs["mean_score"] = mean - half, mean + half
            else:
                lows["mean_score"] = highs["mean_score"] = np.full(g, np.nan)

        metric_names = [m for m in GROUP_METRICS if m in values]
        n_metrics = len(metric_names)
        bg_parts.append(
            pd.DataFrame(
                {
                    "feature": name,
                    "group": np.repeat(np.array(labels, dtype=object), n_metrics),
                    "metric": np.tile(np.array(metric_names, dtype=object), g),
                    "value": np.column_stack([values[m] for m in metric_names]).ravel(),
                    "ci_low": np.column_stack([lows[m] for m in metric_names]).ravel(),
                    "ci_high": np.column_stack([highs[m] for m in metric_names]).ravel(),
                    "n": np.repeat(size, n_metrics),
                    "too_few_to_judge": np.repeat(~eligible, n_metrics),
                }
            )
        )
        if extra is not None:
            bg_parts.append(extra(name, n_rows, eligible))
        n_elig = int(eligible.sum())
        disp_parts.append(
            pd.DataFrame(
                {
                    "feature": name,
                    "measure": list(DISPARITY_MEASURES),
                    "value": [float(disp_val[m]) for m in DISPARITY_MEASURES],
                    "ci_low": [float(disp_lo[m]) for m in DISPARITY_MEASURES],
                    "ci_high": [float(disp_hi[m]) for m in DISPARITY_MEASURES],
                    "flagged": pd.array(
                        [
                            pd.NA,
                            (bool(disp_val["demographic_parity_ratio"] < FOUR_FIFTHS)
                             if np.isfinite(disp_val["demographic_parity_ratio"]) else pd.NA),
                            pd.NA,
                            pd.NA,
                        ],
                        dtype="boolean",
                    ),
                    "n_groups": n_elig,
                    "low_group": [pairs.get(measure_src[m], (None, None))[0] for m in DISPARITY_MEASURES],
                    "high_group": [pairs.get(measure_src[m], (None, None))[1] for m in DISPARITY_MEASURES],
                    "tested_metric": [measure_src[m] for m in DISPARITY_MEASURES],
                    "p_value": [p_of.get(measure_src[m], float("nan")) for m in DISPARITY_MEASURES],
                }
            )
        )

    by_group = pd.concat(bg_parts, ignore_index=True)[_BY_GROUP_COLUMNS]
    by_group["n"] = by_group["n"].astype(np.int64)
    by_group["too_few_to_judge"] = by_group["too_few_to_judge"].astype(bool)
    disparities = pd.concat(disp_parts, ignore_index=True)
    # Benjamini-Hochberg per family: single features x tested metrics, and intersections x metrics
    adjusted: dict[tuple[str, str], float] = {}
    for inter in (False, True):
        fam = [t for t in tests if t["intersection"] == inter]
        adj = bh_adjust([t["p"] for t in fam])
        adjusted.update({(t["feature"], t["metric"]): float(a) for t, a in zip(fam, adj, strict=True)})
    disparities["p_adjusted"] = [adjusted.get((f, m), float("nan"))
                                 for f, m in zip(disparities["feature"], disparities["tested_metric"], strict=True)]
    disparities["significant"] = (disparities["p_adjusted"] <= FDR_LEVEL).astype(bool)
    disparities = disparities[_DISPARITY_COLUMNS]
    method = {
        "interval": ("Wilson score" + (" on effective counts (each rate's denominator over its design effect: "
                                       "customers, not rows, carry the information)" if counts.by_customer else "")
                     + (", Kish effective sample size for weights" if weighted else "")) if do_ci else None,
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
        "score_interval": "normal approximation" if has_score and ci is not None else None,
        "zero_division": "nan",
        "weighted": weighted,
        "intersections": counts.intersections,
        "group_size_unit": "customers" if counts.by_customer else "rows",
    }
    return GroupMetricsResult(by_group=by_group, disparities=disparities, method=method)



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
