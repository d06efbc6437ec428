"""Group fairness metrics from per-group confusion counts, with bootstrap intervals.

Every metric here is a function of four per-group sufficient statistics, the
(weighted) counts of true positives, false positives, false negatives and true
negatives, plus the sum and sum of squares of the scores. They are gathered in one
pass with :func:`numpy.bincount`, so a million rows take a fraction of a second,
where calling :class:`fairlearn.metrics.MetricFrame` once per metric and group
takes tens of seconds. The values equal what ``MetricFrame`` gives with
fairlearn's and scikit-learn's metric functions wherever the metric is defined.

Intervals come from a stratified bootstrap drawn from the counts: resampling the
``n_g`` rows of a group with replacement changes the group's result only through
how many resampled rows fall in each confusion cell, and those four numbers follow
a multinomial distribution with ``n_g`` trials and the group's cell proportions.
Drawing that multinomial is therefore the same bootstrap as resampling rows, at a
cost that does not grow with the number of rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from explainer._display import HTMLDisplay, interval_label
from explainer._plain import plain
from explainer.errors import InvalidInputError

from ._stats import bh_adjust, fisher_pair_p, mover_ratio, newcombe_difference, wilson_interval

__all__ = [
    "GroupMetricsResult",
    "GroupCounts",
    "group_metrics",
    "group_counts",
    "group_metrics_from_counts",
    "decisions_from_scores",
    "GROUP_METRICS",
    "DISPARITY_MEASURES",
]

#: Names of the metrics computed for every group, in output order.
GROUP_METRICS: tuple[str, ...] = (
    "count",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
    "accuracy",
    "mean_score",
)

#: Names of the disparity measures computed per sensitive feature, in output order.
DISPARITY_MEASURES: tuple[str, ...] = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)

#: The four-fifths rule: a selection-rate ratio below this is flagged.
FOUR_FIFTHS = 0.8

_INTERSECTION_SEP = " \u00d7 "
_GROUP_SEP = " | "
_BY_GROUP_COLUMNS = [
    "feature",
    "group",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "too_few_to_judge",
]
_DISPARITY_COLUMNS = ["feature", "measure", "value", "ci_low", "ci_high", "flagged", "n_groups", "low_group",
                      "high_group", "tested_metric", "p_value", "p_adjusted", "significant"]

#: False discovery rate of every family of tests (Benjamini-Hochberg).
FDR_LEVEL = 0.05

#: Rates tested between groups, and the difference measure each one gives.
_TESTED = ("selection_rate", "true_positive_rate", "false_positive_rate")
_DIFFERENCE_OF = {"selection_rate": "demographic_parity_difference",
                  "true_positive_rate": "equal_opportunity_difference", "false_positive_rate": "_fpr_difference"}


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class GroupMetricsResult(HTMLDisplay):
    """Per-group metrics and disparities, with bootstrap intervals.

    Attributes
    ----------
    by_group : pandas.DataFrame
        Tidy table with columns ``feature``, ``group``, ``metric``, ``value``,
        ``ci_low``, ``ci_high``, ``n`` (the group size: rows, or distinct customers when
        counted by customer, see ``method["group_size_unit"]``) and ``too_few_to_judge``
        (the group is smaller than ``min_group_size`` and is left out of the
        disparities; the ``count`` metric always gives rows). ``feature`` is a sensitive feature name or an intersection
        such as ``"gender × age_band"``, whose groups read ``"female | 65+"``.
    disparities : pandas.DataFrame
        Tidy table with columns ``feature``, ``measure``, ``value``, ``ci_low``,
        ``ci_high``, ``flagged`` and ``n_groups`` (groups that entered the measure).
        ``flagged`` is set for ``demographic_parity_ratio`` only (the four-fifths
        rule: ratio below 0.8) and is missing (``pd.NA``) for the differences,
        which have no agreed cut-off.
    method : dict
        How the intervals were computed: ``bootstrap``, ``n_boot``, ``ci``,
        ``random_state``, ``min_group_size``, ``score_interval`` and
        ``zero_division``.
    """

    by_group: pd.DataFrame
    disparities: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy per-group table.

        Returns
        -------
        pandas.DataFrame
            The same table as :attr:`by_group`.
        """
        return self.by_group.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary: plain Python numbers, ``None`` for NaN.

        Returns
        -------
        dict
            Keys ``by_group`` and ``disparities`` (lists of records) and ``method``.
        """
        return {
            "by_group": _records(self.by_group),
            "disparities": _records(self.disparities),
            "method": plain(self.method),
        }

    def value(self, feature: str, group: str, metric: str) -> float:
        """Return one metric value.

        Parameters
        ----------
        feature : str
            Sensitive feature or intersection name.
        group : str
            Group label as shown in :attr:`by_group`.
        metric : str
            Metric name, one of :data:`GROUP_METRICS` or an extra metric.

        Returns
        -------
        float
            The value (NaN where undefined).
        """
        bg = self.by_group
        rows = bg[(bg["feature"] == feature) & (bg["group"] == group) & (bg["metric"] == metric)]
        if len(rows) != 1:
            raise InvalidInputError(
                f"feature, group and metric must identify one row of by_group. Got "
                f"{len(rows)} rows for feature {feature!r} and metric {metric!r}. "
                "Check the names against result.by_group."
            )
        return float(rows["value"].iloc[0])

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "group_metrics", {
            "features": feature_tables(self.by_group), "disparities": _records(self.disparities),
            "min_group_size": self.method.get("min_group_size", ""), "ci_pct": interval_label(self.method),
            "unit": self.method.get("group_size_unit", "rows"),
        }

    def __repr__(self) -> str:
        n_feat = self.by_group["feature"].nunique()
        n_flag = int(self.disparities["flagged"].fillna(False).astype(bool).sum())
        return (
            f"GroupMetricsResult({n_feat} features/intersections, "
            f"{len(self.by_group)} group metric rows, {n_flag} flagged by the four-fifths rule)"
        )


#: Metrics shown side by side in the display tables, when present.
DISPLAY_METRICS: tuple[str, ...] = (
    "selection_rate", "true_positive_rate", "false_positive_rate", "precision", "accuracy", "mean_score",
)


def feature_tables(by_group: pd.DataFrame, metrics: tuple[str, ...] = DISPLAY_METRICS) -> list[dict[str, Any]]:
    """Plain per-feature tables of a ``by_group`` frame: one row per group, one cell per metric.

    Each cell holds ``value``, ``ci_low`` and ``ci_high`` (None where undefined); each row
    holds ``group``, ``n`` and ``too_few`` (fewer rows than the minimum group size).
    """
    out = []
    for feature, part in by_group.groupby("feature", sort=False):
        present = [m for m in metrics if m in set(part["metric"])]
        groups = []
        for group, rows in part.groupby("group", sort=False):
            cells = {}
            for rec in _records(rows[rows["metric"].isin(present)]):
                cells[rec["metric"]] = {"value": rec["value"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"]}
            groups.append({"group": str(group), "n": int(rows["n"].iloc[0]),
                           "too_few": bool(rows["too_few_to_judge"].iloc[0]), "cells": cells})
        out.append({"name": str(feature), "metrics": present, "groups": groups})
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(df.columns)
    return [
        {c: plain(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


# --------------------------------------------------------------------------- helpers


def decisions_from_scores(y_score: Any, threshold: float) -> np.ndarray:
    """Turn scores into 0/1 decisions: 1 where ``y_score >= threshold``.

    Parameters
    ----------
    y_score : array-like of shape (n_samples,)
        Model scores.
    threshold : float
        Cut-off; scores at or above it are selected.

    Returns
    -------
    numpy.ndarray of int8
        The decisions.

    Raises
    ------
    InvalidInputError
        If the threshold is not a finite number or the scores hold missing values.

    Examples
    --------
    >>> decisions_from_scores([0.1, 0.5, 0.9], 0.5).tolist()
    [0, 1, 1]
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise InvalidInputError(
            f"threshold must be a number. Got {type(threshold).__name__}. Pass a float such as 0.5."
        )
    if not math.isfinite(float(threshold)):
        raise InvalidInputError(
            "threshold must be a finite number. Got a non-finite value. Pass a float such as 0.5."
        )
    s = _as_1d_float(y_score, "y_score")
    n_nan = int(np.isnan(s).sum())
    if n_nan:
        raise InvalidInputError(
            f"y_score must not hold missing values. Got {n_nan} missing. "
            "Fill or drop those rows first."
        )
    return (s >= float(threshold)).astype(np.int8)


def _as_1d(a: Any, name: str) -> np.ndarray:
    if isinstance(a, (pd.Series, pd.Index)):
        if pd.api.types.is_numeric_dtype(a.dtype) and not pd.api.types.is_bool_dtype(a.dtype):
            arr = a.to_numpy(dtype=np.float64, na_value=np.nan)  # nullable ints keep NA as NaN
        else:
            arr = a.to_numpy()
    elif isinstance(a, pd.DataFrame):
        if a.shape[1] != 1:
            raise InvalidInputError(
                f"{name} must be one-dimensional. Got a DataFrame with {a.shape[1]} columns. "
                "Pass a single column."
            )
        arr = a.iloc[:, 0].to_numpy()
    else:
        arr = np.asarray(a)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise InvalidInputError(
            f"{name} must be one-dimensional. Got an array with shape {arr.shape}. "
            "Pass a 1-D array or a Series."
        )
    out: np.ndarray = arr
    return out


def _as_1d_float(a: Any, name: str) -> np.ndarray:
    arr = _as_1d(a, name)
    try:
        return np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"{name} must hold numbers. Got values of dtype {arr.dtype}. "
            "Convert the column to numbers first."
        ) from err


def _as_binary(a: Any, name: str) -> np.ndarray:
    arr = _as_1d(a, name)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    try:
        f = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"{name} must hold only 0 and 1. Got values of dtype {arr.dtype}. "
            "Encode the positive outcome as 1 and the other as 0."
        ) from err
    bad = ~((f == 0) | (f == 1))
    n_bad = int(bad.sum())
    if n_bad:
        raise InvalidInputError(
            f"{name} must hold only 0 and 1. Got {n_bad} entries that are neither "
            "(including missing values). Encode the positive outcome as 1 and the other as 0; "
            "for scores use decisions_from_scores(y_score, threshold)."
        )
    return f.astype(np.int8)


def _as_frame(sensitive_features: Any, n: int) -> pd.DataFrame:
    if isinstance(sensitive_features, pd.DataFrame):
        sf = sensitive_features
    elif isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name if sensitive_features.name is not None else "sensitive_feature"
        sf = sensitive_features.to_frame(name=str(name))
    elif isinstance(sensitive_features, Mapping):
        sf = pd.DataFrame(dict(sensitive_features))
    else:
        arr = np.asarray(sensitive_features, dtype=object)
        if arr.ndim == 1:
            sf = pd.DataFrame({"sensitive_feature": arr})
        elif arr.ndim == 2:
            sf = pd.DataFrame(arr, columns=[f"sensitive_feature_{i}" for i in range(arr.shape[1])])
        else:
            raise InvalidInputError(
                f"sensitive_features must be a DataFrame, a Series or a 1-D/2-D array. "
                f"Got an array with {arr.ndim} dimensions. Pass a DataFrame of the sensitive columns."
            )
    if sf.shape[1] == 0:
        raise InvalidInputError(
            "sensitive_features must have at least one column. Got 0. "
            "Pass the columns to assess, e.g. df[['gender', 'age_band']]."
        )
    if len(sf) != n:
        raise InvalidInputError(
            f"sensitive_features must have one row per prediction. Got {len(sf)} rows for "
            f"{n} predictions. Pass aligned data."
        )
    sf = sf.copy()
    sf.columns = [str(c) for c in sf.columns]
    if sf.columns.duplicated().any():
        raise InvalidInputError(
            "sensitive_features must have unique column names. Got duplicated names. "
            "Rename the columns."
        )
    for col in sf.columns:
        n_missing = int(sf[col].isna().sum())
        if n_missing:
            raise InvalidInputError(
                f"sensitive_features column {col!r} must have no missing values. Got "
                f"{n_missing} missing. Fill them with an explicit group such as 'unknown', "
                "or drop those rows."
            )
    return sf


def _encode(col: pd.Series) -> tuple[np.ndarray, list[str], list[Any]]:
    """Integer codes 0..k-1, labels and sort keys for one sensitive column (sorted order).

    The sort key of a group is its value, or its position among the categories of a
    categorical column, so that groups counted in separate parts sort the same way.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        full = np.asarray(col.cat.codes, dtype=np.int64)
        present = np.flatnonzero(np.bincount(full[full >= 0], minlength=len(col.cat.categories)))
        remap = np.full(len(col.cat.categories), -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        codes = np.where(full >= 0, remap[np.maximum(full, 0)], -1)
        labels = [str(col.cat.categories[i]) for i in present]
        return codes, labels, [int(i) for i in present]
    try:
        codes, uniques = pd.factorize(col, sort=True)
        keys = list(uniques)
    except TypeError:  # mixed types that cannot be sorted
        codes, uniques = pd.factorize(col.astype(str), sort=True)
        keys = [str(u) for u in uniques]
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques], keys


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


@dataclass(frozen=True)
class _Partition:
    """One sensitive feature or intersection: a split of the rows into groups."""

    name: str
    labels: list[str]
    codes: np.ndarray  # row -> group index (0..G-1), only non-empty groups
    keys: list[Any]  # sort key of each group, comparable across parts of the data


def _partitions(sf: pd.DataFrame, intersections: bool, *, check: bool = True) -> list[_Partition]:
    enc: dict[str, tuple[np.ndarray, list[str], list[Any]]] = {}
    parts: list[_Partition] = []
    for col in sf.columns:
        codes, labels, keys = _encode(sf[col])
        if check and len(labels) < 2:
            raise InvalidInputError(
                f"sensitive_features column {col!r} must have at least two groups. "
                f"Got {len(labels)}. Drop the column or pass data that holds more than one group."
            )
        enc[col] = (codes, labels, keys)
        parts.append(_Partition(col, labels, codes, keys))
    if intersections:
        for a, b in combinations(sf.columns, 2):
            ca, la, ka = enc[a]
            cb, lb, kb = enc[b]
            joint = ca * len(lb) + cb
            present = np.flatnonzero(np.bincount(joint, minlength=len(la) * len(lb)))
            remap = np.full(len(la) * len(lb), -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            labels = [f"{la[p // len(lb)]}{_GROUP_SEP}{lb[p % len(lb)]}" for p in present]
            keys = [(ka[p // len(lb)], kb[p % len(lb)]) for p in present]
            parts.append(_Partition(f"{a}{_INTERSECTION_SEP}{b}", labels, remap[joint], keys))
    return parts


# --------------------------------------------------------------------------- public


def group_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    intersections: bool = True,
    min_group_size: int = 30,
    ci: float | None = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
    extra_metrics: Mapping[str, Callable[..., float]] | None = None,
) -> GroupMetricsResult:
    """Assess classification metrics per group, with disparities and bootstrap intervals.

    For every sensitive feature and, if ``intersections``, every pair of them, and
    for every group, compute: ``count`` (rows), ``selection_rate`` (share of
    ``y_pred == 1``), ``true_positive_rate`` (recall: share of actual positives
    selected), ``false_positive_rate`` (share of actual negatives selected),
    ``false_negative_rate`` (share of actual positives not selected), ``precision``
    (share of selected that are actual positives), ``accuracy`` and, when
    ``y_score`` is given, ``mean_score``. Definitions are fairlearn's
    (:func:`fairlearn.metrics.selection_rate`, ``true_positive_rate``, ...) and
    scikit-learn's (``precision_score``, ``accuracy_score``); with
    ``sample_weight`` the counts are weighted as those functions weight them.

    Where a denominator is zero (no actual positives, no actual negatives, nobody
    selected) the metric is NaN. fairlearn and scikit-learn return 0.0 there
    (with a warning for precision); NaN is used because 0.0 would read as a
    measured rate.

    Disparities per feature use only groups with at least ``min_group_size`` rows;
    smaller groups stay in ``by_group`` with ``too_few_to_judge=True`` (a field
    rather than a warning, so results stay quiet and machine-readable):

    - ``demographic_parity_difference``: max minus min selection rate (0 means equal rates).
    - ``demographic_parity_ratio``: min over max selection rate (1.0 means equal
      rates); ``flagged`` when below 0.8, the four-fifths rule.
    - ``equalized_odds_difference``: the larger of the TPR and FPR differences.
    - ``equal_opportunity_difference``: max minus min TPR.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes, 0 or 1.
    y_pred : array-like of shape (n_samples,)
        Decisions, 0 or 1. For scores use :func:`decisions_from_scores`.
    sensitive_features : DataFrame, Series or array-like
        One column per sensitive feature; no missing values.
    y_score : array-like of shape (n_samples,), default=None
        Scores; adds ``mean_score`` per group.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights.
    intersections : bool, default=True
        Also assess every pair of sensitive features, named ``"a × b"`` with
        groups ``"x | y"``.
    min_group_size : int, default=30
        Groups with fewer rows are marked too few to judge and left out of disparities.
    ci : float or None, default=0.95
        Interval coverage. ``None`` (or ``n_boot=0``) skips the bootstrap; the
        interval columns are then NaN.
    n_boot : int, default=1000
        Bootstrap replicates.
    random_state : int or None, default=0
        Seed of the bootstrap.
    extra_metrics : dict of str to callable, default=None
        More metrics ``f(y_true, y_pred) -> float``, computed per group through
        :class:`fairlearn.metrics.MetricFrame` (slower; no intervals). With
        ``sample_weight`` they are called with ``sample_weight=`` too.

    Returns
    -------
    GroupMetricsResult
        Tidy ``by_group`` and ``disparities`` tables and the ``method`` record.

    Raises
    ------
    InvalidInputError
        On lengths that differ, labels other than 0/1, missing sensitive values, a
        sensitive column with a single group, or invalid options.

    Notes
    -----
    The bootstrap is stratified by group (group sizes fixed), done separately for
    each feature and intersection. A replicate of group ``g`` draws its four
    confusion cells from ``Multinomial(n_g, p_g)``, where ``p_g`` are the group's
    (weighted) cell shares: identical in distribution to resampling the group's
    rows when unweighted, and the usual weighted approximation otherwise.
    Disparities are recomputed on every replicate; intervals are percentile
    intervals, ignoring replicates where a metric is undefined. ``count`` has no
    interval (fixed by design) and ``mean_score`` uses a normal approximation,
    ``mean ± z·s/√n_eff`` with Kish's effective size under weights.

    Examples
    --------
    >>> import pandas as pd
    >>> res = group_metrics([1, 0, 1, 0], [1, 0, 0, 0],
    ...                     sensitive_features=pd.Series(["a", "a", "b", "b"], name="g"),
    ...                     min_group_size=1, ci=None)
    >>> res.value("g", "a", "true_positive_rate")
    1.0
    """
    yt, yp, sf, score, w = _inputs(y_true, y_pred, sensitive_features, y_score, sample_weight)
    _check_options(min_group_size, n_boot, ci)
    counts = _counts(yt, yp, sf, score, w, intersections)
    extra = None
    if extra_metrics:
        parts = {p.name: p for p in _partitions(sf, intersections)}
        metrics = extra_metrics

        def extra(name: str, g_counts: np.ndarray, eligible: np.ndarray) -> pd.DataFrame:
            return _extra(metrics, yt, yp, w, parts[name], g_counts, eligible)

    return _from_counts(counts, min_group_size=min_group_size, ci=ci, n_boot=n_boot,
                        random_state=random_state, extra=extra)


def _inputs(
    y_true: Any, y_pred: Any, sensitive_features: Any, y_score: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Validate and convert the row-level inputs shared by group_metrics and group_counts."""
    yt = _as_binary(y_true, "y_true")
    yp = _as_binary(y_pred, "y_pred")
    n = len(yt)
    if n == 0:
        raise InvalidInputError("y_true must have at least one row. Got 0. Pass non-empty data.")
    if len(yp) != n:
        raise InvalidInputError(
            f"y_pred must have the same length as y_true. Got {len(yp)} and {n}. Pass aligned data."
        )
    sf = _as_frame(sensitive_features, n)
    score: np.ndarray | None = None
    if y_score is not None:
        score = _as_1d_float(y_score, "y_score")
        if len(score) != n:
            raise InvalidInputError(
                f"y_score must have the same length as y_true. Got {len(score)} and {n}. "
                "Pass aligned data."
            )
        n_nan = int((~np.isfinite(score)).sum())
        if n_nan:
            raise InvalidInputError(
                f"y_score must hold finite numbers. Got {n_nan} missing or infinite. "
                "Fill or drop those rows first."
            )
    w: np.ndarray | None = None
    if sample_weight is not None:
        w = _as_1d_float(sample_weight, "sample_weight")
        if len(w) != n:
            raise InvalidInputError(
                f"sample_weight must have the same length as y_true. Got {len(w)} and {n}. "
                "Pass aligned data."
            )
        n_bad = int((~np.isfinite(w) | (w < 0)).sum())
        if n_bad:
            raise InvalidInputError(
                f"sample_weight must be finite and non-negative. Got {n_bad} entries that are not. "
                "Fix or drop those rows."
            )
    return yt, yp, sf, score, w


def _check_options(min_group_size: Any, n_boot: Any, ci: Any) -> None:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise InvalidInputError(
            f"min_group_size must be a positive integer. Got {min_group_size!r}. Pass e.g. 30."
        )
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InvalidInputError(f"n_boot must be a non-negative integer. Got {n_boot!r}. Pass e.g. 1000.")
    if ci is not None and not (isinstance(ci, (float, int)) and 0.0 < float(ci) < 1.0):
        raise InvalidInputError(f"ci must be a number between 0 and 1, or None. Got {ci!r}. Pass e.g. 0.95.")


_CELLS = ("tn", "fp", "fn", "tp")
#: Sums over customers of products of a customer's confusion counts (``q_fp_tp`` is the sum of
#: fp x tp), of a customer's weighted score sum and weight sum (``u_ss``, ``u_sw``, ``u_ww``),
#: and over rows of squared weights per cell (``r_tn`` ...): what the customer-level variance
#: of every metric needs. Zero when rows are not grouped by customer.
_Q_COLUMNS = [f"q_{a}_{b}" for i, a in enumerate(_CELLS) for b in _CELLS[i:]]
_U_COLUMNS = ["u_ss", "u_sw", "u_ww"]
_R_COLUMNS = [f"r_{a}" for a in _CELLS]
_COUNT_COLUMNS = ["n", "n_units", "tn", "fp", "fn", "tp", "w_sum", "w_sq", "s_sum", "s_sq",
                  *_Q_COLUMNS, *_U_COLUMNS, *_R_COLUMNS]

#: Each rate as (numerator, denominator) weights over the cells (tn, fp, fn, tp).
_RATE_WEIGHTS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "selection_rate": ((0, 1, 0, 1), (1, 1, 1, 1)),
    "true_positive_rate": ((0, 0, 0, 1), (0, 0, 1, 1)),
    "false_positive_rate": ((0, 1, 0, 0), (1, 1, 0, 0)),
    "false_negative_rate": ((0, 0, 1, 0), (0, 0, 1, 1)),
    "precision": ((0, 0, 0, 1), (0, 1, 0, 1)),
    "accuracy": ((1, 0, 0, 1), (1, 1, 1, 1)),
}


def _sort_positions(keys: list[Any]) -> list[int]:
    """Positions of ``keys`` in ascending order; mixed types are compared as text."""
    idx = list(range(len(keys)))
    try:
        return sorted(idx, key=lambda i: keys[i])
    except TypeError:
        return sorted(idx, key=lambda i: str(keys[i]))


@dataclass(frozen=True)
class GroupCounts:
    """Per-group sufficient statistics of :func:`group_metrics`, addable across row sets.

    Every group metric, disparity and bootstrap interval of :func:`group_metrics` is a
    function of these numbers only, so the counts of disjoint parts of the data (the
    partitions of a Dask DataFrame, the files of a data set) can be summed with
    :meth:`merge` and turned into exactly the metrics of the whole data with
    :func:`group_metrics_from_counts`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per feature (or intersection) and group: ``feature``, ``group`` (label),
        ``key`` (sort key of the group: the value, its category position, or a pair for an
        intersection), ``n`` (rows), ``n_units`` (distinct customers when ``user_ids`` were
        given, else rows: the group size the minimum size is checked against), ``tn``,
        ``fp``, ``fn``, ``tp`` (weighted confusion
        counts), ``w_sum`` and ``w_sq`` (sum of weights and of squared weights), ``s_sum`` and
        ``s_sq`` (weighted sum of scores and of squared scores; NaN without scores).
    weighted, has_score, intersections : bool
        Whether rows had weights, scores, and whether pairs of features were counted.
    features : tuple of str
        Features and intersections, in output order.
    n_single : int
        How many of ``features`` are single features (the rest are intersections).
    by_customer : bool
        Whether ``n_units`` counts customers (``user_ids`` were given). Parts counted by
        customer add up only when every customer's rows sit in one part.
    """

    table: pd.DataFrame
    weighted: bool
    has_score: bool
    intersections: bool
    features: tuple[str, ...]
    n_single: int
    by_customer: bool = False

    def by_feature(self) -> list[tuple[str, pd.DataFrame]]:
        """(feature, rows of its groups in label order) for every feature, in output order."""
        out = []
        for name in self.features:
            tab = self.table[self.table["feature"] == name].reset_index(drop=True)
            out.append((name, tab.iloc[_sort_positions(tab["key"].tolist())].reset_index(drop=True)))
        return out

    @staticmethod
    def merge(parts: Sequence[GroupCounts]) -> GroupCounts:
        """Sum the counts of disjoint row sets (for example the partitions of a data set).

        Parameters
        ----------
        parts : sequence of GroupCounts
            Counts of disjoint rows, computed with the same options.

        Returns
        -------
        GroupCounts
        """
        parts = [p for p in parts if len(p.table)]
        if not parts:
            raise InvalidInputError("parts must hold at least one non-empty GroupCounts. Got none. Count some rows.")
        first = parts[0]
        if len({(p.weighted, p.has_score, p.intersections, p.features, p.by_customer) for p in parts}) != 1:
            raise InvalidInputError(
                "parts must be counted with the same features and options. Got counts that differ. "
                "Count every part with the same call."
            )
        table = pd.concat([p.table for p in parts], ignore_index=True)
        agg: dict[str, str] = {c: "sum" for c in _COUNT_COLUMNS}
        agg["key"] = "first"
        table = table.groupby(["feature", "group"], sort=False, as_index=False).agg(agg)
        table["n"] = table["n"].astype(np.int64)
        table["n_units"] = table["n_units"].astype(np.int64)
        if not first.has_score:
            table["s_sum"] = table["s_sq"] = np.nan
        return GroupCounts(table[["feature", "group", "key", *_COUNT_COLUMNS]], first.weighted,
                           first.has_score, first.intersections, first.features, first.n_single,
                           first.by_customer)


def _counts(yt: np.ndarray, yp: np.ndarray, sf: pd.DataFrame, score: np.ndarray | None,
            w: np.ndarray | None, intersections: bool, users: np.ndarray | None = None) -> GroupCounts:
    cell = (2 * yt.astype(np.int64) + yp).astype(np.int64)  # 0=TN, 1=FP, 2=FN, 3=TP
    if users is not None:
        u_codes, u_uniq = pd.factorize(users)
        n_users = max(len(u_uniq), 1)
    frames = []
    names = []
    for part in _partitions(sf, intersections, check=False):
        g = len(part.labels)
        names.append(part.name)
        n = np.bincount(part.codes, minlength=g).astype(np.int64)
        if users is None:
            n_units = n
        else:  # distinct (group, customer) pairs, counted per group
            pairs = np.unique(part.codes.astype(np.int64) * n_users + u_codes)
            n_units = np.bincount(pairs // n_users, minlength=g).astype(np.int64)
        cells = np.bincount(part.codes * 4 + cell, weights=w, minlength=4 * g).reshape(g, 4).astype(np.float64)
        w_sum: np.ndarray  # float64 either way (bincount with weights sums floats)
        w_sq: np.ndarray
        if w is None:
            w_sum = w_sq = n.astype(np.float64)
        else:
            w_sum = np.bincount(part.codes, weights=w, minlength=g)
            w_sq = np.bincount(part.codes, weights=w * w, minlength=g)
        if score is None:
            s_sum = s_sq = np.full(g, np.nan)
        else:
            ws = score if w is None else score * w
            s_sum = np.bincount(part.codes, weights=ws, minlength=g)
            s_sq = np.bincount(part.codes, weights=ws * score, minlength=g)
        keys = np.empty(g, dtype=object)
        keys[:] = part.keys
        frame = pd.DataFrame({
            "feature": part.name, "group": np.array(part.labels, dtype=object), "key": keys, "n": n,
            "n_units": n_units, "tn": cells[:, 0], "fp": cells[:, 1], "fn": cells[:, 2], "tp": cells[:, 3],
            "w_sum": w_sum, "w_sq": w_sq, "s_sum": s_sum, "s_sq": s_sq,
        })
        for c in (*_Q_COLUMNS, *_U_COLUMNS, *_R_COLUMNS):
            frame[c] = 0.0
        if users is not None:
            _customer_sums(frame, part.codes, u_codes, n_users, cell, w, score, g)
        frames.append(frame)
    return GroupCounts(pd.concat(frames, ignore_index=True), w is not None, score is not None,
                       bool(intersections), tuple(names), int(sf.shape[1]), users is not None)


def _customer_sums(frame: pd.DataFrame, codes: np.ndarray, u_codes: np.ndarray, n_users: int, cell: np.ndarray,
                   w: np.ndarray | None, score: np.ndarray | None, g: int) -> None:
    """Fill the customer-level sums of products (``q_*``, ``u_*``) and row-level ``r_*`` of one split."""
    pair_keys, pair = np.unique(codes.astype(np.int64) * n_users + u_codes, return_inverse=True)
    pair_group = pair_keys // n_users
    n_pairs = len(pair_keys)
    per = np.bincount(pair * 4 + cell, weights=w, minlength=4 * n_pairs).reshape(n_pairs, 4).astype(np.float64)
    for i, a in enumerate(_CELLS):
        for j in range(i, 4):
            frame[f"q_{a}_{_CELLS[j]}"] = np.bincount(pair_group, weights=per[:, i] * per[:, j], minlength=g)
    ww = np.ones(len(cell)) if w is None else w * w
    frame[_R_COLUMNS] = np.bincount(codes * 4 + cell, weights=ww, minlength=4 * g).reshape(g, 4)
    if score is not None:
        s_c = np.bincount(pair, weights=score if w is None else score * w, minlength=n_pairs)
        w_c = np.bincount(pair, weights=w, minlength=n_pairs).astype(np.float64)
        frame["u_ss"] = np.bincount(pair_group, weights=s_c * s_c, minlength=g)
        frame["u_sw"] = np.bincount(pair_group, weights=s_c * w_c, minlength=g)
        frame["u_ww"] = np.bincount(pair_group, weights=w_c * w_c, minlength=g)


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


def group_counts(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    intersections: bool = True,
    user_ids: Any = None,
) -> GroupCounts:
    """Count the per-group sufficient statistics of :func:`group_metrics` for some rows.

    Use it on each part of data that does not fit in memory, sum the parts with
    :meth:`GroupCounts.merge` and finish with :func:`group_metrics_from_counts`: the
    result equals :func:`group_metrics` on all rows at once. A part may hold a single
    group of a feature; the two-group check is made on the merged counts.

    Parameters
    ----------
    y_true, y_pred, sensitive_features, y_score, sample_weight, intersections
        As in :func:`group_metrics`.
    user_ids : array-like, default=None
        The customer of each row, for data with several rows per customer (a recommender's
        customer x item rows). Group sizes then count distinct customers, not rows: a group
        of 3 customers with 8 rows each is 3 people, and the minimum group size applies to
        them. Give every customer's rows in one part.

    Returns
    -------
    GroupCounts

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.Series(["a", "a", "b", "b"], name="g")
    >>> parts = [group_counts([1, 0], [1, 0], sensitive_features=g[:2]),
    ...          group_counts([1, 0], [0, 0], sensitive_features=g[2:].reset_index(drop=True))]
    >>> res = group_metrics_from_counts(GroupCounts.merge(parts), min_group_size=1, ci=None)
    >>> res.value("g", "b", "true_positive_rate")
    0.0
    """
    yt, yp, sf, score, w = _inputs(y_true, y_pred, sensitive_features, y_score, sample_weight)
    users = None
    if user_ids is not None:
        users = np.asarray(user_ids)
        if users.ndim != 1 or len(users) != len(yt):
            raise InvalidInputError(
                f"user_ids must be 1-d with one customer per row ({len(yt)} rows). Got shape {users.shape}. "
                "Pass the customer id column of the same rows."
            )
        if pd.isna(pd.Series(users)).any():
            raise InvalidInputError(
                f"user_ids must have no missing values. Got {int(pd.isna(pd.Series(users)).sum())} missing. "
                "Drop those rows or fill in the customer ids."
            )
    return _counts(yt, yp, sf, score, w, intersections, users)


def group_metrics_from_counts(
    counts: GroupCounts,
    *,
    min_group_size: int = 30,
    ci: float | None = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
) -> GroupMetricsResult:
    """Group metrics, disparities and intervals from (merged) :class:`GroupCounts`.

    Gives what :func:`group_metrics` gives on the rows that were counted (without
    ``extra_metrics``, which need the rows): the same values up to the order of float
    sums, and the same bootstrap draws for the same ``random_state``.

    Parameters
    ----------
    counts : GroupCounts
        From :func:`group_counts`, merged over parts with :meth:`GroupCounts.merge`.
    min_group_size, ci, n_boot, random_state
        As in :func:`group_metrics`.

    Returns
    -------
    GroupMetricsResult
    """
    if not isinstance(counts, GroupCounts):
        raise InvalidInputError(
            f"counts must be a GroupCounts. Got {type(counts).__name__}. Build it with group_counts()."
        )
    _check_options(min_group_size, n_boot, ci)
    return _from_counts(counts, min_group_size=min_group_size, ci=ci, n_boot=n_boot, random_state=random_state)


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


def _from_counts(
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
