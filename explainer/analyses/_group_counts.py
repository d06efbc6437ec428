"""Per-group sufficient statistics: weighted confusion counts and score sums, addable across parts.

:func:`group_counts` validates row-level inputs (0/1 labels and decisions, sensitive features,
scores, weights, customer ids) and returns :class:`GroupCounts`: for each sensitive feature and
intersection, each group's counts of true and false positives and negatives, score sums and the
customer-level sums of products that the intervals need. Counts of disjoint parts of the data
sum with :meth:`GroupCounts.merge`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from explainer.errors import InvalidInputError

from ._group_result import _GROUP_SEP, _INTERSECTION_SEP

__all__ = ["GroupCounts", "group_counts", "group_counts_per_customer", "decisions_from_scores"]

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
    >>> from explainer.analyses._group_metrics import group_metrics_from_counts
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




def group_counts_per_customer(
    cells: Any,
    sensitive_features: pd.DataFrame,
    *,
    score_sum: Any = None,
    score_sq: Any = None,
    intersections: bool = True,
) -> GroupCounts:
    """:func:`group_counts` with ``user_ids`` from each customer's totals instead of their rows.

    A recommender's customer x item table can be far larger than anything the counts need:
    per customer, the four confusion cells of their rows (true negatives, false positives,
    false negatives, true positives, in that order) and, with scores, the sum and the sum
    of squares of their rows' scores. ``sensitive_features`` has one row per customer.
    The result equals :func:`group_counts` on the rows, unweighted, when each customer
    belongs to one group of each feature.
    """
    cell = np.asarray(cells, dtype=np.float64).reshape(-1, 4)
    sf = sensitive_features.reset_index(drop=True)
    n_c = cell.sum(axis=1)
    has_score = score_sum is not None
    s_c = np.asarray(score_sum, dtype=np.float64) if has_score else None
    s2_c = np.asarray(score_sq, dtype=np.float64) if has_score else None
    frames, names = [], []
    for part in _partitions(sf, intersections, check=False):
        g = len(part.labels)
        names.append(part.name)
        codes = part.codes

        def per_group(weights: np.ndarray, codes: np.ndarray = codes, g: int = g) -> np.ndarray:
            out: np.ndarray = np.bincount(codes, weights=weights, minlength=g)
            return out

        n = per_group(n_c)
        keys = np.empty(g, dtype=object)
        keys[:] = part.keys
        frame = pd.DataFrame({
            "feature": part.name, "group": np.array(part.labels, dtype=object), "key": keys,
            "n": np.rint(n).astype(np.int64), "n_units": np.bincount(codes, minlength=g).astype(np.int64),
            "tn": per_group(cell[:, 0]), "fp": per_group(cell[:, 1]), "fn": per_group(cell[:, 2]),
            "tp": per_group(cell[:, 3]), "w_sum": n, "w_sq": n,
            "s_sum": per_group(s_c) if s_c is not None else np.full(g, np.nan),
            "s_sq": per_group(s2_c) if s2_c is not None else np.full(g, np.nan),
        })
        for c in (*_Q_COLUMNS, *_U_COLUMNS, *_R_COLUMNS):
            frame[c] = 0.0
        for i, a in enumerate(_CELLS):
            for j in range(i, 4):
                frame[f"q_{a}_{_CELLS[j]}"] = per_group(cell[:, i] * cell[:, j])
        frame[_R_COLUMNS] = np.column_stack([per_group(cell[:, i]) for i in range(4)])
        if s_c is not None:
            frame["u_ss"] = per_group(s_c * s_c)
            frame["u_sw"] = per_group(s_c * n_c)
            frame["u_ww"] = per_group(n_c * n_c)
        frames.append(frame)
    return GroupCounts(pd.concat(frames, ignore_index=True), False, has_score, bool(intersections), tuple(names),
                       int(sf.shape[1]), True)
