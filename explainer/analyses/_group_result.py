"""The result of the group fairness metrics: per-group and disparity tables, and their plain form.

:class:`GroupMetricsResult` holds the tidy ``by_group`` and ``disparities`` tables of
:func:`~explainer.analyses.group_metrics`; this module also names the metrics and measures in
output order and turns tables into plain records (no NumPy scalars, NaN as None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from explainer._display import HTMLDisplay, interval_label
from explainer._plain import plain
from explainer.errors import InvalidInputError

__all__ = ["GroupMetricsResult", "GROUP_METRICS", "DISPARITY_MEASURES", "FOUR_FIFTHS", "FDR_LEVEL", "feature_tables"]


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


