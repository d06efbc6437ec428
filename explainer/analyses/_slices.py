"""Where the model errs most: error slices over one or two input columns.

A slice is the set of rows (customers, for a recommender) whose inputs fall in one bin of
one column, or one bin of each of two columns. Numeric columns are cut at quantiles into
at most ``bins`` bins; categorical columns keep their ``bins - 1`` most common values and
put the rest in "other values". For each slice of at least ``min_size`` units the error
rate gets a Wilson interval and a two-sided Fisher exact test against the rest of the
data; the p-values of every slice tested are adjusted together (Benjamini-Hochberg). A
slice is reported when its adjusted p-value is at most ``fdr`` and its error rate is at
least ``min_ratio`` times the rest's.

Errors: for a yes/no model, a decision that differs from the outcome; for a recommender,
a customer with at least one relevant item of whom none reached the top k (a miss).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain, records
from ..errors import InvalidInputError
from ._stats import bh_adjust, fisher_pair_p, wilson_interval
from .._messages import columns_include

__all__ = ["ErrorSlicesResult", "error_slices"]

_COLUMNS = ["slice", "columns", "n", "errors", "error_rate", "ci_low", "ci_high", "rest_rate", "ratio", "p_value",
            "p_adjusted", "reported"]


@dataclass(frozen=True)
class ErrorSlicesResult(HTMLDisplay):
    """Error slices (see the module docstring).

    Attributes
    ----------
    slices : DataFrame
        Every slice tested: ``slice`` (plain words), ``columns``, ``n``, ``errors``,
        ``error_rate`` with ``ci_low``/``ci_high``, ``rest_rate``, ``ratio``, ``p_value``,
        ``p_adjusted``, ``reported``; sorted by error rate, reported ones first.
    overall_rate : float
        The error rate over all units.
    method : dict
    """

    slices: pd.DataFrame
    overall_rate: float
    unit: str
    method: dict[str, Any] = field(default_factory=dict)

    @property
    def reported(self) -> pd.DataFrame:
        """The slices that passed the test and crossed the ratio line."""
        return self.slices[self.slices["reported"]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        return self.slices.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``unit``, ``overall_rate``, ``method`` and every tested slice."""
        return plain({"unit": self.unit, "overall_rate": self.overall_rate, "method": self.method,
                      "slices": records(self.slices)})

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        rows = self.reported.head(self.method.get("show", 5)).to_dict("records")
        return "error_slices", {"rows": rows, "overall": self.overall_rate, "unit": self.unit,
                                "tested": len(self.slices), "method": self.method}

    def __repr__(self) -> str:
        return (f"ErrorSlicesResult({len(self.slices)} slices tested, {int(self.slices['reported'].sum())} "
                f"reported; overall error rate {self.overall_rate:.3f})")


def _bin(col: pd.Series, bins: int) -> pd.Series:
    """Labels of each value's bin, in plain words (ranges for numbers, values for categories)."""
    name = str(col.name)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() > bins:
        edges = np.unique(np.nanquantile(col.to_numpy(float), np.linspace(0, 1, bins + 1)))
        cut = pd.cut(col, edges, include_lowest=True, duplicates="drop")
        labels = cut.map(lambda iv: f"{name} {_num(iv.left)} to {_num(iv.right)}" if pd.notna(iv) else None)
        return labels.astype(object).where(col.notna(), f"{name} missing")
    text = col.astype(object).where(col.notna(), "missing").astype(str)
    keep = text.value_counts().index[: bins - 1]
    return pd.Series(np.where(text.isin(keep), name + " = " + text, f"{name}: other values"), index=col.index)


def _num(v: float) -> str:
    return f"{v:.4g}"


def error_slices(
    data: pd.DataFrame,
    errors: Any,
    *,
    columns: list[str] | None = None,
    bins: int = 5,
    pairs: bool = True,
    min_size: int = 30,
    min_ratio: float = 1.25,
    fdr: float = 0.05,
    ci: float = 0.95,
    unit: str = "rows",
    show: int = 5,
) -> ErrorSlicesResult:
    """Find the slices of the data where the model errs most often, with intervals and FDR control.

    Parameters
    ----------
    data : DataFrame
        One row per unit (row or customer) with the input columns to slice on.
    errors : array-like of bool
        Whether the model erred on each unit.
    columns : list of str, default=None
        Columns to slice on (default: every column of ``data``).
    bins : int, default=5
        Bins per column.
    pairs : bool, default=True
        Also slice on every pair of columns.
    min_size : int, default=30
        Slices with fewer units are not tested (too few to judge).
    min_ratio : float, default=1.25
        A reported slice errs at least this many times as often as the rest.
    fdr : float, default=0.05
        False discovery rate over all slices tested.
    ci : float, default=0.95
    unit : str, default="rows"
        What a unit is ("rows" or "customers"), for the report.
    show : int, default=5
        Reported slices shown in the HTML display.

    Returns
    -------
    ErrorSlicesResult
    """
    err = np.asarray(errors).astype(bool)
    if err.ndim != 1 or len(err) != len(data):
        raise InvalidInputError(f"errors must hold one value per row of data. Got {err.shape} for {len(data)} rows. "
                                "Pass one flag per row.")
    cols = [str(c) for c in (columns if columns is not None else data.columns)]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InvalidInputError(f"columns must name columns of the data. Got {missing[:5]!r}, which are not there. "
                                f"{columns_include(data.columns)}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise InvalidInputError(f"bins must be a whole number of at least 2. Got {bins!r}. Pass e.g. 5.")
    frame = data.reset_index(drop=True)
    labels = {c: _bin(frame[c], bins).to_numpy() for c in cols}
    total, total_err = len(err), int(err.sum())
    combos: list[tuple[str, ...]] = [(c,) for c in cols] + (list(combinations(cols, 2)) if pairs else [])
    rows = [r for combo in combos for r in _slice_counts(combo, labels, err, min_size)]
    t = _tested(pd.DataFrame(rows), ci=ci, fdr=fdr, min_ratio=min_ratio) if rows else pd.DataFrame(columns=_COLUMNS)
    return ErrorSlicesResult(
        slices=t, overall_rate=total_err / total if total else float("nan"), unit=unit,
        method={"bins": bins, "pairs": pairs, "min_size": min_size, "min_ratio": min_ratio, "fdr": fdr, "ci": ci,
                "interval": "Wilson (1927) score interval",
                "test": "two-sided Fisher exact test against the rest; Benjamini-Hochberg over all slices tested",
                "show": show, "slices_tested": int(len(t))})


def _slice_counts(combo: tuple[str, ...], labels: dict[str, np.ndarray], err: np.ndarray,
                  min_size: int) -> list[dict[str, Any]]:
    """Units and errors of each slice of one column (or pair) and of the rest, for slices big enough."""
    total, total_err = len(err), int(err.sum())
    key = pd.Series(labels[combo[0]]) if len(combo) == 1 else (
        pd.Series(labels[combo[0]]).astype(str) + " and " + pd.Series(labels[combo[1]]).astype(str))
    stats = pd.DataFrame({"key": key, "err": err}).groupby("key", sort=True)["err"].agg(["size", "sum"])
    rows = []
    for name, (n, k) in stats.iterrows():
        if n < min_size or total - n < min_size:
            continue
        rows.append({"slice": str(name), "columns": list(combo), "n": int(n), "errors": int(k),
                     "rest_n": int(total - n), "rest_errors": int(total_err - k)})
    return rows


def _tested(t: pd.DataFrame, *, ci: float, fdr: float, min_ratio: float) -> pd.DataFrame:
    """Rates with Wilson intervals, the ratio to the rest, Fisher tests adjusted by Benjamini-Hochberg,
    and which slices are reported; reported first, then by error rate and size."""
    lo, hi = wilson_interval(t["errors"], t["n"], ci)
    t["error_rate"] = t["errors"] / t["n"]
    t["ci_low"], t["ci_high"] = lo, hi
    t["rest_rate"] = t["rest_errors"] / t["rest_n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        t["ratio"] = np.where(t["rest_rate"] > 0, t["error_rate"] / t["rest_rate"], np.inf)
    t["p_value"] = fisher_pair_p(t["errors"], t["n"], t["rest_errors"], t["rest_n"])
    t["p_adjusted"] = bh_adjust(t["p_value"].to_numpy())
    t["reported"] = (t["p_adjusted"] <= fdr) & (t["ratio"] >= min_ratio)
    t = t.sort_values(["reported", "error_rate", "n"], ascending=[False, False, False]).reset_index(drop=True)
    return t[_COLUMNS]
