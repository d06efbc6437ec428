"""Dependence of the model's output on one input column, summarised per value bin.

For one column ``j`` and the rows an explanation explained, the attribution ``phi_j`` of
each row is averaged within bins of the column's values: at most ten quantile bins for a
numeric column with more than twelve distinct values, else one bin per value (at most
``max_levels``). Bins with fewer than ``min_count`` rows are left out, so no single
person's value is ever drawn; the table holds counts and means, never rows.

Two scales:

- **the model's output unit** (log-odds for a classifier, else its score): the mean of the
  SHAP values. Exact wherever the SHAP values are (linear and tree SHAP): for a logistic
  model on raw inputs, ``phi_j = coef_j * (x_j - mean of x_j over the background)``, so a
  bin's value is ``coef_j * (mean of x_j in the bin - background mean)``;
- **probability** (binary classifiers, optional): the mean over the bin's rows of
  ``sigmoid(base + phi_j) - sigmoid(base)``, the change of the predicted probability from
  the model's average output if this column alone moved it. An approximation: the
  probability is not additive over columns, so these changes do not sum to the row's
  probability, and a column's effect in probability depends on the other columns' values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError

__all__ = ["DependenceResult", "dependence", "top_dependence", "PROBABILITY_METHOD", "MARGIN_METHOD"]

#: How the margin scale is computed, for captions and audit readers.
MARGIN_METHOD = "mean SHAP value of the column in each bin, in the model's output unit"
#: How the probability scale is computed (an approximation), for captions and audit readers.
PROBABILITY_METHOD = ("approximate: mean of sigmoid(base + SHAP value) - sigmoid(base) in each bin, the change of "
                      "the probability from the average output if this column alone moved it; these changes do "
                      "not add up over columns")
_NUMERIC_LEVELS = 12


@dataclass(frozen=True)
class DependenceResult:
    """How the model's output depends on one column, per value bin (see the module docstring).

    Attributes
    ----------
    column : str
    unit : str
        The model's output unit (``"log-odds"`` or ``"score"``).
    table : DataFrame
        ``bin`` (plain words), ``rows``, ``x_mean`` (mean of the column in the bin; NaN for a
        category), ``mean_attribution`` (in ``unit``) and, when asked for,
        ``mean_probability_change``.
    base_value : float
        The model's average output, in ``unit``.
    method : dict
        ``margin`` and (when computed) ``probability``: how each scale is computed.
    """

    column: str
    unit: str
    table: pd.DataFrame
    base_value: float
    method: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The bins, one row each (aggregates only)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (aggregates only)."""
        rows = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                for r in self.table.to_dict("records")]
        return {"column": self.column, "unit": self.unit, "base_value": float(self.base_value),
                "method": dict(self.method), "bins": rows}

    def __repr__(self) -> str:
        return f"DependenceResult({self.column!r}, {len(self.table)} bins, unit {self.unit})"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=float)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _bins(x: pd.Series, max_levels: int) -> tuple[pd.Series, list[str], bool] | None:
    """Each row's bin label, the labels in order, and whether the column is binned as a number."""
    xv = x.reset_index(drop=True)
    if xv.dtype == bool:
        xv = xv.astype(int)
    if pd.api.types.is_numeric_dtype(xv) and xv.nunique() > _NUMERIC_LEVELS:
        q = pd.qcut(xv.astype(float), q=10, duplicates="drop")
        labels = [f"{_fmt(iv.left)} to {_fmt(iv.right)}" for iv in q.cat.categories]
        if len(set(labels)) < len(labels):
            return None
        return q.cat.rename_categories(labels).astype(str), labels, True
    if xv.nunique() > max_levels:
        return None
    numeric = pd.api.types.is_numeric_dtype(xv)
    key = xv.astype(str)
    order = sorted(key.unique(), key=(lambda s: float(s)) if numeric else str)
    return key, order, numeric


def dependence(
    explanation: Any,
    data: pd.DataFrame,
    column: str,
    *,
    probability: bool = False,
    min_count: int = 10,
    max_levels: int = 30,
) -> DependenceResult | None:
    """Mean attribution of ``column`` per value bin, in the model's unit (and as probability).

    Parameters
    ----------
    explanation : ShapResult
        An explanation (``audit.explanation``); its ``row_index`` are positions in ``data``.
    data : DataFrame
        The data the explanation ran on.
    column : str
        A raw input column of the explanation.
    probability : bool, default=False
        Also give the approximate change of the predicted probability (classifiers with
        log-odds output only).
    min_count : int, default=10
        Bins with fewer explained rows are left out.
    max_levels : int, default=30
        A column that is not binned as a number is shown per value only up to this many values.

    Returns
    -------
    DependenceResult or None
        None when fewer than two bins have ``min_count`` rows, or the column has too many levels.

    Raises
    ------
    InvalidInputError
        When ``column`` is not an explained column, or probability is asked of a model whose
        output is not log-odds.
    """
    columns = list(explanation.columns)
    if column not in columns:
        raise InvalidInputError(f"column must be an input the explanation explained. Got {column!r}, which is not "
                                f"among its {len(columns)} columns. Choose one of {columns[:5]!r}.")
    if probability and explanation.unit != "log-odds":
        raise InvalidInputError(f"probability must be False for a model whose output is in {explanation.unit!r}. "
                                "Got True. Probabilities are given for yes/no classifiers (log-odds output) only.")
    if min_count < 1:
        raise InvalidInputError(f"min_count must be at least 1. Got {min_count!r}.")
    positions = np.arange(len(data)) if explanation.row_index is None else np.asarray(explanation.row_index)
    x = data[column].iloc[positions]
    binned = _bins(x, max_levels)
    if binned is None:
        return None
    key, order, numeric = binned
    phi = np.asarray(explanation.values, dtype=float)[:, columns.index(column)]
    frame = pd.DataFrame({"bin": key.to_numpy(), "a": phi,
                          "x": pd.to_numeric(x, errors="coerce").to_numpy(float) if numeric else np.nan})
    base = float(explanation.base_value)
    method = {"margin": MARGIN_METHOD}
    if probability:
        frame["p"] = _sigmoid(base + phi) - _sigmoid(np.asarray(base))
        method["probability"] = PROBABILITY_METHOD
    agg = frame.groupby("bin", sort=False).agg(rows=("a", "size"), x_mean=("x", "mean"), mean_attribution=("a", "mean"),
                                               **({"mean_probability_change": ("p", "mean")} if probability else {}))
    agg = agg.reindex(order).dropna(subset=["rows"])
    agg = agg[agg["rows"] >= min_count]
    if len(agg) < 2:
        return None
    table = agg.reset_index().rename(columns={"index": "bin"})
    table["rows"] = table["rows"].astype(int)
    return DependenceResult(column=column, unit=str(explanation.unit), table=table.reset_index(drop=True),
                            base_value=base, method=method)


def top_dependence(explanation: Any, data: pd.DataFrame, *, n: int = 4, probability: bool = False,
                   min_count: int = 10) -> dict[str, DependenceResult]:
    """:func:`dependence` of the ``n`` columns with the largest share of influence that can be shown."""
    out: dict[str, DependenceResult] = {}
    for column in explanation.column_share["column"]:
        if len(out) >= n:
            break
        result = dependence(explanation, data, str(column), probability=probability, min_count=min_count)
        if result is not None:
            out[str(column)] = result
    return out
