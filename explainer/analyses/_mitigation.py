"""What a post-processing mitigation would trade: accuracy against disparity, before and after.

fairlearn's :class:`~fairlearn.postprocessing.ThresholdOptimizer` picks one threshold per
group on the model's scores (randomising between two thresholds where needed) so that
selection rates (demographic parity) or error rates (equalized odds) line up, at the
smallest loss of accuracy. This module fits it on one half of the audited rows and
measures the logged (or model) decisions and the optimiser's decisions on the other
half, with bootstrap intervals. It is a comparison for reviewers: nothing here changes
the user's model or decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain, records
from ..errors import InvalidInputError
from ._group_metrics import _records, group_metrics

__all__ = ["MitigationResult", "compare_mitigations"]

#: Constraints compared by default (fairlearn names).
CONSTRAINTS: tuple[str, ...] = ("demographic_parity", "equalized_odds")
_COLUMNS = ["feature", "method", "constraint", "n_eval", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
            "selection_rate", "demographic_parity_difference", "dp_difference_ci_low", "dp_difference_ci_high",
            "demographic_parity_ratio", "dp_ratio_ci_low", "dp_ratio_ci_high", "equalized_odds_difference",
            "eo_difference_ci_low", "eo_difference_ci_high"]


def _score_column() -> Any:
    """A fitted scikit-learn estimator whose prediction is the score column it is given.

    ThresholdOptimizer post-processes a fitted model's scores; handing it the scores as
    the only input is the same as handing it the model, and also works for decision logs.
    """
    from sklearn.base import BaseEstimator

    class ScoreColumn(BaseEstimator):  # type: ignore[misc]
        def __sklearn_is_fitted__(self) -> bool:
            return True

        def fit(self, X: Any, y: Any = None) -> Any:
            return self

        def predict(self, X: Any) -> np.ndarray:
            return np.asarray(X, dtype=float)[:, 0]

    return ScoreColumn()


@dataclass(frozen=True)
class MitigationResult(HTMLDisplay):
    """Accuracy and disparity of the current decisions and of fairlearn's mitigations.

    Attributes
    ----------
    table : DataFrame
        One row per sensitive feature and method: ``method`` is ``current`` (decisions at
        the audited threshold) or ``ThresholdOptimizer``; ``constraint`` the fairlearn
        constraint; ``accuracy``, ``selection_rate``, the demographic parity difference and
        ratio and the equalized odds difference on the evaluation half, each with a
        bootstrap interval.
    method : dict
        Split, fit size, seed, constraints, interval method.
    """

    table: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``table`` (one record per feature and method) and ``method``."""
        return {"table": records(self.table), "method": plain(self.method)}

    def __repr__(self) -> str:
        feats = list(dict.fromkeys(self.table["feature"]))
        return (f"MitigationResult({len(self.table)} rows: current decisions and ThresholdOptimizer for "
                f"{feats}; a comparison, never applied)")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "mitigation_result", {"rows": _records(self.table), "method": dict(self.method)}


def _split(strata: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of a random half within each stratum (the fit half)."""
    fit = np.zeros(len(strata), dtype=bool)
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        rng.shuffle(idx)
        fit[idx[: len(idx) // 2]] = True
    return fit


def _row(feature: str, method: str, constraint: str | None, y: np.ndarray, d: np.ndarray, sf: pd.Series,
         min_group_size: int, n_boot: int, rng: np.random.Generator, seed: int) -> dict[str, Any]:
    n = len(y)
    acc = float((y == d).mean())
    boots = rng.binomial(n, acc, n_boot) / n
    gm = group_metrics(y, d, sensitive_features=sf.to_frame(feature), intersections=False,
                       min_group_size=min_group_size, n_boot=n_boot, random_state=seed).disparities.set_index("measure")

    def m(name: str) -> tuple[float, float, float]:
        r = gm.loc[name]
        return float(r["value"]), float(r["ci_low"]), float(r["ci_high"])

    dpd, dpr, eod = m("demographic_parity_difference"), m("demographic_parity_ratio"), m("equalized_odds_difference")
    return dict(zip(_COLUMNS, [feature, method, constraint, n, acc, float(np.quantile(boots, 0.025)),
                               float(np.quantile(boots, 0.975)), float(d.mean()), *dpd, *dpr, *eod], strict=True))


def compare_mitigations(
    y_true: Any,
    y_score: Any,
    sensitive_features: pd.DataFrame,
    *,
    threshold: float = 0.5,
    constraints: Sequence[str] = CONSTRAINTS,
    min_group_size: int = 30,
    n_boot: int = 200,
    max_fit_rows: int = 50_000,
    random_state: int = 0,
) -> MitigationResult:
    """Compare the current decisions with fairlearn's ThresholdOptimizer on held-out rows.

    For each sensitive feature, the rows are split at random into two halves within each
    (group, outcome) stratum. ThresholdOptimizer (objective: accuracy) is fitted on the
    first half (at most ``max_fit_rows`` of it) with the scores as its only input, and
    both the current decisions (``score >= threshold``) and its decisions are measured on
    the second half. Intervals: binomial bootstrap for accuracy, stratified bootstrap of
    confusion counts for the disparities (see :func:`explainer.group_metrics`).

    Groups under ``min_group_size`` rows, or with a single outcome in the fit half (which
    ThresholdOptimizer cannot fit), are left out of the comparison for that feature and
    listed in ``method["groups_left_out"]``; a feature with fewer than two groups left has
    no rows.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like of float
        Scores behind the decisions.
    sensitive_features : DataFrame
        One column per sensitive feature; each is compared on its own.
    threshold : float, default=0.5
        The current decision rule is ``score >= threshold``.
    constraints : sequence of str, default=("demographic_parity", "equalized_odds")
        fairlearn constraint names.
    max_fit_rows : int, default=50000
        Cap on the rows used to fit, to keep the comparison affordable.

    Returns
    -------
    MitigationResult
    """
    from fairlearn.postprocessing import ThresholdOptimizer

    y = np.asarray(y_true).astype(int)
    s = np.asarray(y_score, dtype=float)
    if len(y) != len(s) or len(y) != len(sensitive_features):
        raise InvalidInputError(
            f"y_true, y_score and sensitive_features must have the same length. Got {len(y)}, {len(s)} "
            f"and {len(sensitive_features)}. Pass aligned rows."
        )
    rng = np.random.default_rng(random_state)
    rows = []
    left_out: dict[str, list[str]] = {}
    sf_all = sensitive_features.reset_index(drop=True)
    for feat in sf_all.columns:
        g = sf_all[feat].astype(str)
        fit = _split((g + "\x1f" + pd.Series(y).astype(str)).to_numpy(), rng)
        # ThresholdOptimizer needs both outcomes in every group it fits: groups under
        # min_group_size rows, or with one outcome only in the fit half, are left out of
        # this comparison (fit and evaluation alike) and named in method.
        sizes = g.value_counts()
        outcomes = pd.Series(y[fit]).groupby(g[fit].to_numpy()).nunique()
        kept = [k for k in sizes.index if sizes[k] >= min_group_size and outcomes.get(k, 0) == 2]
        left_out[str(feat)] = sorted(str(k) for k in set(sizes.index) - set(kept))
        if len(kept) < 2:
            continue
        keep = g.isin(kept).to_numpy()
        fit_idx = np.flatnonzero(fit & keep)
        if len(fit_idx) > max_fit_rows:
            fit_idx = np.sort(rng.choice(fit_idx, max_fit_rows, replace=False))
        ev = ~fit & keep
        y_ev, s_ev, g_ev = y[ev], s[ev], g[ev].reset_index(drop=True)
        rows.append(_row(str(feat), "current", None, y_ev, (s_ev >= threshold).astype(int), g_ev,
                         min_group_size, n_boot, rng, random_state))
        for c in constraints:
            to = ThresholdOptimizer(estimator=_score_column(), constraints=c, objective="accuracy_score",
                                    prefit=True, predict_method="predict")
            to.fit(s[fit_idx, None], y[fit_idx], sensitive_features=g.to_numpy()[fit_idx])
            d = np.asarray(to.predict(s_ev[:, None], sensitive_features=g_ev.to_numpy(),
                                      random_state=random_state)).astype(int)
            rows.append(_row(str(feat), "ThresholdOptimizer", c, y_ev, d, g_ev, min_group_size, n_boot, rng,
                             random_state))
    return MitigationResult(
        table=pd.DataFrame(rows, columns=_COLUMNS),
        method={"split": "random half within each group and outcome for fitting, the other half for evaluation",
                "max_fit_rows": max_fit_rows, "objective": "accuracy_score", "constraints": list(constraints),
                "threshold": threshold, "random_state": random_state, "n_boot": n_boot,
                "interval": "95% binomial bootstrap (accuracy), stratified bootstrap of counts (disparities)",
                "applied": False, "groups_left_out": left_out},
    )
