"""Global and grouped SHAP attributions per raw column and per data category."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay, interval_label
from .._plain import plain, records
from ..errors import InvalidInputError
from ..models import ModelAdapter

__all__ = ["ShapResult", "attributions_by_raw_column", "explain", "explain_rows", "sample_positions", "top_reasons"]


@dataclass(frozen=True)
class ShapResult(HTMLDisplay):
    """SHAP attributions of a model, summed back to raw columns and data categories.

    ``share`` of a column is its mean absolute attribution divided by the sum over all
    columns: the part of the model's movement that the column accounts for. Intervals
    come from a bootstrap over the explained rows.

    Attributes
    ----------
    columns : tuple of str
        Raw input columns, in the model's order.
    values : ndarray of shape (n_rows, n_columns)
        Attributions per explained row and raw column, in ``unit``.
    base_value : float
        The model's expected output; ``base_value + values.sum(1)`` is the model output.
    unit : str
        ``"log-odds"`` for classifiers, ``"score"`` otherwise.
    algorithm : str
        The SHAP algorithm used (exact tree SHAP, linear SHAP or a permutation estimate).
    max_additivity_error : float
        The largest gap between the sum of attributions and the model output.
    column_share : DataFrame
        ``column``, ``category``, ``share``, ``ci_low``, ``ci_high``, ``mean_abs``, ``direction``.
    category_share : DataFrame
        ``category``, ``share``, ``ci_low``, ``ci_high``, ``columns``.
    """

    columns: tuple[str, ...]
    values: np.ndarray
    base_value: float
    unit: str
    algorithm: str
    exact: bool
    max_additivity_error: float
    n_rows_explained: int
    n_rows_total: int
    column_share: pd.DataFrame
    category_share: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)
    row_index: np.ndarray | None = field(default=None, repr=False)
    dependence: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.column_share.copy()

    def share_of(self, column: str) -> float:
        row = self.column_share.loc[self.column_share["column"] == column, "share"]
        return float(row.iloc[0]) if len(row) else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: how the values were computed, the shares of influence per
        column and category with intervals, and the dependence tables (binned means, no rows)."""
        return plain({
            "algorithm": self.algorithm,
            "exact": self.exact,
            "unit": self.unit,
            "base_value": float(self.base_value),
            "max_additivity_error": float(self.max_additivity_error),
            "rows_explained": self.n_rows_explained,
            "rows_total": self.n_rows_total,
            "method": self.method,
            "column_share": records(self.column_share),
            "category_share": records(self.category_share),
            "dependence": {c: records(t) for c, t in self.dependence.items()},
        })

    def top_reasons(self, n: int = 3) -> pd.DataFrame:
        """Each explained row's ``n`` strongest reasons, as a table for data scientists.

        One row per explained row and rank: ``row`` (the row's label in the audited data),
        ``rank`` (1 is the strongest), ``column``, ``category`` and ``attribution`` (in
        ``unit``; positive pushes the score up). Per-person attributions are personal data:
        this table is for the API only and no report writes it.
        """
        categories = dict(zip(self.column_share["column"], self.column_share["category"]))
        rows = self.row_index if self.row_index is not None else np.arange(len(self.values))
        return top_reasons(self.values, self.columns, n=n, categories=categories, rows=rows)

    def plot(self, ax: Any = None) -> Any:
        """Horizontal bar chart of the share of influence per data category, with intervals."""
        import matplotlib.pyplot as plt

        df = self.category_share.sort_values("share")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.45 * len(df) + 1))
        err = np.vstack([df["share"] - df["ci_low"], df["ci_high"] - df["share"]]).clip(min=0)
        ax.barh(df["category"], df["share"] * 100, xerr=err * 100, color="#3b6ea5", capsize=3)
        ax.set_xlabel("share of influence (%)")
        return ax

    def __repr__(self) -> str:
        top = ", ".join(f"{c} {s:.1%}" for c, s in zip(self.category_share["category"], self.category_share["share"]))
        return (f"ShapResult({self.algorithm}, {self.n_rows_explained} of {self.n_rows_total} rows explained, "
                f"unit {self.unit}, {len(self.columns)} columns; by category: {top})")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._group_metrics import _records

        cats = _records(self.category_share.assign(columns=[", ".join(c) for c in self.category_share["columns"]]))
        cols = _records(self.column_share)
        return "shap_result", {
            "algorithm": self.algorithm, "unit": self.unit, "rows_explained": self.n_rows_explained,
            "rows_total": self.n_rows_total, "max_additivity_error": self.max_additivity_error,
            "categories": cats, "columns": cols[:15], "more": max(len(cols) - 15, 0), "ci_pct": interval_label(self.method),
            "chart": {"title": "share of influence by data category", "labels": [c["category"] for c in cats],
                      "values": [c["share"] for c in cats], "lows": [c["ci_low"] for c in cats],
                      "highs": [c["ci_high"] for c in cats], "xlabel": "share of influence (%)"},
        }


def top_reasons(values: Any, columns: Any = None, *, n: int = 3, categories: dict[str, str] | None = None,
                rows: Any = None) -> pd.DataFrame:
    """The ``n`` largest attributions (by absolute value) of each row, as one long table.

    Parameters
    ----------
    values : DataFrame or array of shape (n_rows, n_columns)
        Attributions per row and column, such as :attr:`ShapResult.values` or the columns
        of a :func:`explainer.explain_all` data set.
    columns : sequence of str, default=None
        Column names when ``values`` is an array (a DataFrame gives its own).
    n : int, default=3
        Reasons per row.
    categories : dict, default=None
        Data category of each column.
    rows : array-like, default=None
        Row labels (a DataFrame's index by default).

    Returns
    -------
    DataFrame
        ``row``, ``rank``, ``column``, ``category``, ``attribution``; ties keep column order.

    Examples
    --------
    >>> import numpy as np
    >>> top_reasons(np.array([[0.5, -2.0, 0.1]]), ["visits", "age", "region"], n=2)
       row  rank  column category  attribution
    0    0     1     age     None         -2.0
    1    0     2  visits     None          0.5
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidInputError(f"n must be a positive whole number. Got {n!r}. Pass e.g. 3.")
    if isinstance(values, pd.DataFrame):
        columns = [str(c) for c in values.columns] if columns is None else list(columns)
        rows = values.index.to_numpy() if rows is None else rows
        arr = values.to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float)
    if arr.ndim != 2 or columns is None or len(columns) != arr.shape[1]:
        raise InvalidInputError("values must be a table with one name per column. Got a shape or names that do "
                                "not match. Pass a DataFrame, or an array with columns=[...].")
    labels = np.arange(arr.shape[0]) if rows is None else np.asarray(rows)
    take = min(int(n), arr.shape[1])
    order = np.argsort(-np.abs(arr), axis=1, kind="stable")[:, :take]
    names = np.asarray(columns, dtype=object)[order]
    picked = np.take_along_axis(arr, order, axis=1)
    cats = categories or {}
    return pd.DataFrame({
        "row": np.repeat(labels, take), "rank": np.tile(np.arange(1, take + 1), arr.shape[0]),
        "column": names.ravel(), "category": [cats.get(str(c)) for c in names.ravel()],
        "attribution": picked.ravel(),
    })


def attributions_by_raw_column(values: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Sum engineered-column attributions back to raw columns: ``values @ mapping``.

    ``mapping`` has shape (n_engineered, n_raw) with rows summing to 1, so the total per
    row is preserved and additivity carries over.
    """
    raw: np.ndarray = np.asarray(values, dtype=float) @ mapping
    return raw


def _shares(abs_vals: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Share per group of the total mean |attribution| for a (rows x columns) matrix."""
    per_col = abs_vals.mean(axis=0)
    per_group = np.bincount(groups, weights=per_col, minlength=n_groups)
    total = per_group.sum()
    return per_group / total if total > 0 else per_group


def _bootstrap(abs_vals: np.ndarray, groups: np.ndarray, n_groups: int, n_boot: int, ci: float,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = abs_vals.shape[0]
    col_sums = np.zeros((n_boot, n_groups))
    grouped = abs_vals @ np.eye(n_groups)[groups] if n_groups else abs_vals
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        s = grouped[idx].mean(axis=0)
        t = s.sum()
        col_sums[b] = s / t if t > 0 else s
    alpha = (1 - ci) / 2
    return np.quantile(col_sums, alpha, axis=0), np.quantile(col_sums, 1 - alpha, axis=0)


def _bin_labels(intervals: list[Any]) -> list[str] | None:
    """Readable, unique labels for quantile bins; the outer bins are open-ended.

    The lowest and highest edges of a column are single customers' values, so they are never
    printed: the first bin reads "up to X" and the last "over Y".
    """
    for fmt in (".3g", ".6g"):
        labels = []
        for j, i in enumerate(intervals):
            if j == 0:
                labels.append(f"up to {i.right:{fmt}}")
            elif j == len(intervals) - 1:
                labels.append(f"over {i.left:{fmt}}")
            else:
                labels.append(f"{i.left:{fmt}} to {i.right:{fmt}}")
        if len(set(labels)) == len(labels):
            return labels
    return None


def binned_dependence(x: pd.Series, attribution: np.ndarray, *, min_count: int = 10,
                      max_levels: int = 30) -> pd.DataFrame | None:
    """Mean attribution per value bin of one column, or None when it cannot be shown safely.

    Numeric columns with many values are cut into at most 10 quantile bins; other columns
    are shown per level only when they have at most ``max_levels`` levels. Bins with fewer
    than ``min_count`` rows are dropped, so no single customer's value is drawn.
    """
    s = pd.Series(np.asarray(attribution, dtype=float))
    xv = x.reset_index(drop=True)
    if xv.dtype == bool:
        xv = xv.astype(int)
    if pd.api.types.is_numeric_dtype(xv) and xv.nunique() > 12:
        q = pd.qcut(xv.astype(float), q=10, duplicates="drop")
        order = list(q.cat.categories)
        labels = _bin_labels(order)
        if labels is None:
            return None
        key = q.cat.rename_categories(labels).astype(str)
        cats = labels
    elif xv.nunique() <= max_levels:
        key = xv.astype(str)
        cats = sorted(key.unique())
    else:
        return None
    df = pd.DataFrame({"bin": key, "a": s})
    agg = df.groupby("bin", sort=False)["a"].agg(["mean", "size"]).reindex(cats).dropna()
    agg = agg[agg["size"] >= min_count]
    if len(agg) < 2:
        return None
    return pd.DataFrame({"bin": agg.index.astype(str), "mean_attribution": agg["mean"].to_numpy(),
                         "rows": agg["size"].astype(int).to_numpy()})


def _direction(raw: pd.Series, attr: np.ndarray) -> str:
    """'raises' when higher values push the output up, 'lowers' when down, else 'mixed'."""
    vals = pd.to_numeric(raw, errors="coerce")
    if raw.dtype == bool:
        vals = raw.astype(float)
    if vals.isna().mean() > 0.5 or vals.nunique() < 2 or np.allclose(attr, attr[0]):
        return "depends on value"
    r = pd.Series(vals.to_numpy()).corr(pd.Series(attr), method="spearman")
    if not np.isfinite(r) or abs(r) < 0.2:
        return "mixed"
    return "raises" if r > 0 else "lowers"


def explain(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    categories: Mapping[str, str] | None = None,
    sample_size: int | None = 2000,
    n_boot: int = 200,
    ci: float = 0.95,
    n_jobs: int = 1,
    random_state: int = 0,
    n_dependence: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> ShapResult:
    """Explain a model's outputs with SHAP, per raw column and per data category.

    Parameters
    ----------
    model : ModelAdapter
        The wrapped model (see :func:`explainer.wrap_model`).
    data : DataFrame
        Rows to explain; must hold the model's input columns.
    categories : mapping of str to str, default=None
        Data category of each raw column (from the inventory). Missing ones are ``other``.
    sample_size : int or None, default=2000
        Explain a random sample of this many rows (None explains every row). Shares are
        estimates with bootstrap intervals over the rows explained.
    n_boot : int, default=200
        Bootstrap resamples for the intervals.
    ci : float, default=0.95
        Interval level.
    n_jobs : int, default=1
        Threads for the SHAP backend where it supports them.
    random_state : int, default=0

    Returns
    -------
    ShapResult
    """

    if sample_size is not None and (not isinstance(sample_size, (int, np.integer)) or sample_size < 10):
        raise InvalidInputError(f"sample_size must be an integer of at least 10, or None. Got {sample_size!r}.")
    if not 0 < ci < 1:
        raise InvalidInputError(f"ci must be between 0 and 1. Got {ci!r}.")
    rng = np.random.default_rng(random_state)
    n_total = len(data)
    if model.kind == "callable":  # a permutation estimate costs many model calls per row: cap the rows
        sample_size = BLACKBOX_MAX_ROWS if sample_size is None else min(sample_size, BLACKBOX_MAX_ROWS)
    idx, bg_idx = sample_positions(n_total, sample_size, rng, background=model.kind != "callable")
    return explain_rows(
        model, data.iloc[idx], data if bg_idx is None else data.iloc[bg_idx], n_total=n_total, row_index=idx,
        rng=rng, categories=categories, sample_size=sample_size, n_boot=n_boot, ci=ci, n_jobs=n_jobs,
        random_state=random_state, n_dependence=n_dependence, progress=progress,
    )


#: At most this many rows are explained for a black-box callable (permutation SHAP).
BLACKBOX_MAX_ROWS = 300


def sample_positions(n_total: int, sample_size: int | None, rng: np.random.Generator, *,
                     background: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Positions of the rows :func:`explain` explains and of its background rows.

    Drawn from ``rng`` in a fixed order, so that a caller that holds the data in parts
    (the Dask backend) can fetch exactly the rows :func:`explain` would use.
    """
    if sample_size is not None and n_total > sample_size:
        idx = np.sort(rng.choice(n_total, sample_size, replace=False))
    else:
        idx = np.arange(n_total)
    bg_idx = rng.choice(n_total, min(200, n_total), replace=False) if background else None
    return idx, bg_idx


def explain_rows(
    model: ModelAdapter,
    rows: pd.DataFrame,
    background: pd.DataFrame,
    *,
    n_total: int,
    row_index: np.ndarray,
    rng: np.random.Generator,
    categories: Mapping[str, str] | None = None,
    sample_size: int | None = 2000,
    n_boot: int = 200,
    ci: float = 0.95,
    n_jobs: int = 1,
    random_state: int = 0,
    n_dependence: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> ShapResult:
    """:func:`explain` on rows already drawn with :func:`sample_positions` (and ``rng`` after it)."""
    from ._shap_handlers import explain_matrix

    idx = row_index
    cols = list(model.input_columns)
    if model.kind == "callable":
        from ._shap_callable import explain_callable

        sm = explain_callable(model, rows, background=background, n_jobs=n_jobs, random_state=random_state,
                              progress=progress)
        raw_values = sm.values
    else:
        Z, _ = model.transform(rows)
        bg, _ = model.transform(background)
        sm = explain_matrix(
            model.final_estimator, Z, background=bg, n_jobs=n_jobs, random_state=random_state,
            progress=progress,
        )
        # the mapping is found on the explained rows, so that it does not depend on where the rest lives
        mapping = model.engineered_to_raw(rows, random_state=random_state)
        raw_values = attributions_by_raw_column(sm.values, mapping)

    cats = {c: (categories or {}).get(c, "other") for c in cols}
    abs_vals = np.abs(raw_values)
    col_ids = np.arange(len(cols))
    col_share = _shares(abs_vals, col_ids, len(cols))
    lo, hi = _bootstrap(abs_vals, col_ids, len(cols), n_boot, ci, rng)
    column_share = pd.DataFrame(
        {
            "column": cols,
            "category": [cats[c] for c in cols],
            "share": col_share,
            "ci_low": lo,
            "ci_high": hi,
            "mean_abs": abs_vals.mean(axis=0),
            "direction": [_direction(rows[c], raw_values[:, j]) for j, c in enumerate(cols)],
        }
    ).sort_values("share", ascending=False, kind="stable").reset_index(drop=True)

    cat_names = sorted(set(cats.values()))
    cat_ids = np.array([cat_names.index(cats[c]) for c in cols])
    cat_share = _shares(abs_vals, cat_ids, len(cat_names))
    clo, chi = _bootstrap(abs_vals, cat_ids, len(cat_names), n_boot, ci, rng)
    category_share = pd.DataFrame(
        {
            "category": cat_names,
            "share": cat_share,
            "ci_low": clo,
            "ci_high": chi,
            "columns": [[c for c in cols if cats[c] == k] for k in cat_names],
        }
    ).sort_values("share", ascending=False, kind="stable").reset_index(drop=True)

    dependence: dict[str, pd.DataFrame] = {}
    for col in column_share["column"]:
        if len(dependence) >= n_dependence:
            break
        table = binned_dependence(rows[col], raw_values[:, cols.index(col)])
        if table is not None:
            dependence[col] = table

    return ShapResult(
        columns=tuple(cols),
        values=raw_values,
        base_value=float(sm.base_value),
        unit=sm.output_unit,
        algorithm=sm.algorithm,
        exact=bool(sm.exact),
        max_additivity_error=float(sm.max_additivity_error),
        n_rows_explained=len(idx),
        n_rows_total=n_total,
        column_share=column_share,
        category_share=category_share,
        method={
            "share": "mean |SHAP| per raw column / sum over columns",
            "interval": f"{int(ci * 100)}% bootstrap over explained rows, {n_boot} resamples",
            "grouping": "engineered columns summed back to raw columns by perturbation mapping",
            "sample_size": sample_size,
            "random_state": random_state,
        },
        row_index=idx,
        dependence=dependence,
    )


def local_attributions(
    model: ModelAdapter,
    rows: pd.DataFrame,
    data: pd.DataFrame,
    *,
    n_jobs: int = 1,
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Any, np.ndarray, str]:
    """SHAP values of ``rows`` per raw input column, with the fastest path for the model.

    ``data`` supplies the background (linear and permutation paths) and the rows used to
    map engineered columns back to raw ones. Returns the backend's ``ShapMatrix``, the
    (n_rows, n_raw_columns) attributions and a sentence saying how they were grouped.
    """
    from ._shap_handlers import explain_matrix

    rng = np.random.default_rng(random_state)
    if model.kind == "callable":
        from ._shap_callable import explain_callable

        sm = explain_callable(model, rows, background=data, n_jobs=n_jobs, random_state=random_state,
                              progress=progress)
        return sm, np.asarray(sm.values), "permutation over raw columns"
    Z, _ = model.transform(rows)
    bg_idx = rng.choice(len(data), min(200, len(data)), replace=False)
    background, _ = model.transform(data.iloc[bg_idx])
    sm = explain_matrix(model.final_estimator, Z, background=background, n_jobs=n_jobs, random_state=random_state,
                        progress=progress)
    mapping = model.engineered_to_raw(data, random_state=random_state)
    return sm, attributions_by_raw_column(sm.values, mapping), (
        "engineered columns summed back to raw columns by perturbation mapping")
