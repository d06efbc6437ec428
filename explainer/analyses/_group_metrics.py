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

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from explainer.errors import InvalidInputError

from ._group_counts import (
    GroupCounts,
    _check_options,
    _counts,
    _inputs,
    _partitions,
    decisions_from_scores,
    group_counts,
)
from ._group_intervals import _extra, metrics_from_counts
from ._group_result import DISPARITY_MEASURES, FOUR_FIFTHS, GROUP_METRICS, GroupMetricsResult, _records

__all__ = [
    "GroupMetricsResult",
    "GroupCounts",
    "group_metrics",
    "group_counts",
    "group_metrics_from_counts",
    "decisions_from_scores",
    "GROUP_METRICS",
    "DISPARITY_MEASURES",
    "FOUR_FIFTHS",
    "_records",
]

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

    return metrics_from_counts(counts, min_group_size=min_group_size, ci=ci, n_boot=n_boot,
                        random_state=random_state, extra=extra)



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
    return metrics_from_counts(counts, min_group_size=min_group_size, ci=ci, n_boot=n_boot, random_state=random_state)

