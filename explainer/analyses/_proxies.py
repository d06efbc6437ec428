"""Find input columns that stand in for a sensitive attribute (proxies).

A model that never sees ``gender`` can still treat people differently by gender
when one of its inputs predicts gender well: a postcode, a shopping category, a
first name. For every sensitive attribute and every candidate column, this module
fits a small model on that one column alone and measures, with cross-validation,
how well it predicts the attribute (macro one-vs-rest ROC AUC). A column whose
AUC reaches the threshold is flagged as a possible proxy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from explainer._display import HTMLDisplay
from explainer._plain import plain, records
from explainer.errors import InvalidInputError
from explainer.inventory._patterns import names_related

from ._proxy_forms import MAX_LEVELS, NEAR_UNIQUE_LEVELS, _is_text, _Variant, _variants
from .._messages import columns_include

__all__ = ["ProxyResult", "find_proxies", "MAX_LEVELS", "NEAR_UNIQUE_LEVELS"]

#: Numeric sensitive attributes with more distinct values are cut into quantile bands.
MAX_NUMERIC_CLASSES = 10
_N_BANDS = 5
_TABLE_COLUMNS = ["sensitive_feature", "column", "auc", "nmi", "flagged", "derivation", "n_rows",
                  "derived_attribute", "flagged_groups"]
_GROUP_COLUMNS = ["sensitive_feature", "column", "group", "n", "auc", "ci_low", "ci_high", "p_value", "p_adjusted",
                  "too_few_to_judge", "flagged"]
#: Pseudo-count of the class shares that each level's estimate is shrunk towards (target encoding).
_SMOOTHING = 2.0
#: False discovery rate of the proxy tests (Benjamini-Hochberg over attribute x column x group).
FDR_LEVEL = 0.05


@dataclass(frozen=True)
class ProxyResult(HTMLDisplay):
    """How well each input column predicts each sensitive attribute.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy table, one row per (sensitive attribute, column), sorted by AUC within
        each attribute, with columns ``sensitive_feature``, ``column``, ``auc``
        (cross-validated macro one-vs-rest ROC AUC: 0.5 is chance, 1.0 perfect),
        ``nmi`` (normalised mutual information with the attribute, for text,
        categorical and boolean columns; NaN for numeric ones), ``flagged``
        (see below), ``derivation`` (which form of the column was
        assessed, e.g. ``"first block before a space"``), ``n_rows`` (rows used),
        ``derived_attribute`` (the attribute is cut from the column, such as an age band
        from an age: the names say so and the groups are disjoint ranges of the column;
        reported as derived, never flagged) and ``flagged_groups``
        (the groups the column predicts, joined by ``", "``). ``flagged`` is set when a
        group of at least ``min_group_size`` clears the threshold with its one-vs-rest AUC
        and its test passes after the Benjamini-Hochberg adjustment.
    by_group : pandas.DataFrame
        One row per attribute, column and group: ``n`` (members), one-vs-rest ``auc`` on the
        pooled out-of-fold scores with its Hanley-McNeil interval, ``p_value`` (one-sided
        test of AUC above 0.5), ``p_adjusted`` (Benjamini-Hochberg over every attribute x
        column x group), ``too_few_to_judge`` and ``flagged``.
    threshold : float
        AUC at or above which a column is flagged.
    method : dict
        Settings that change the numbers: model, cv, max_rows, random_state, grouping.
    """

    table: pd.DataFrame
    threshold: float
    method: dict[str, Any] = field(default_factory=dict)
    by_group: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_GROUP_COLUMNS))

    @property
    def flagged(self) -> list[tuple[str, str]]:
        """(sensitive attribute, column) pairs flagged as possible proxies."""
        t = self.table[self.table["flagged"]]
        return [(str(a), str(c)) for a, c in zip(t["sensitive_feature"], t["column"], strict=True)]

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`table`.

        Returns
        -------
        pandas.DataFrame
            The tidy proxy table.
        """
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary: plain Python numbers, ``None`` for NaN.

        Returns
        -------
        dict
            Keys ``table`` (list of records), ``flagged``, ``threshold``, ``method`` and
            ``by_group`` (list of records).
        """
        return plain({"table": records(self.table[_TABLE_COLUMNS]) if len(self.table) else [],
                      "flagged": [list(p) for p in self.flagged], "threshold": float(self.threshold),
                      "method": self.method, "by_group": records(self.by_group)})

    def __repr__(self) -> str:
        return (
            f"ProxyResult({len(self.table)} column/attribute pairs assessed, "
            f"{len(self.flagged)} flagged at AUC >= {self.threshold})"
        )

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "proxy_result", {"rows": self.to_dict()["table"], "threshold": float(self.threshold)}


# --------------------------------------------------------------------------- inputs


def _sensitive_frame(X: pd.DataFrame, sensitive_features: Any) -> tuple[pd.DataFrame, list[str]]:
    """Return (attributes aligned with X, names of X columns that are attributes)."""
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    if isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name if sensitive_features.name is not None else "sensitive_feature"
        sensitive_features = sensitive_features.to_frame(name=str(name))
    if isinstance(sensitive_features, pd.DataFrame):
        if len(sensitive_features) != len(X):
            raise InvalidInputError(
                f"sensitive_features must have one row per row of X. Got {len(sensitive_features)} "
                f"rows for {len(X)}. Pass aligned data, or names of columns of X."
            )
        sf = sensitive_features.reset_index(drop=True)
        sf.columns = [str(c) for c in sf.columns]
        return sf, []
    if isinstance(sensitive_features, Sequence) and all(isinstance(s, str) for s in sensitive_features):
        names = list(sensitive_features)
        missing = [s for s in names if s not in X.columns]
        if missing:
            raise InvalidInputError(
                f"sensitive_features must name columns of X. Got {missing[:5]!r}, which are not "
                f"there. {columns_include(X.columns)} Check the spelling, "
                "or pass the attributes as a DataFrame aligned with X."
            )
        if not names:
            raise InvalidInputError(
                "sensitive_features must name at least one column. Got an empty list. "
                "Pass e.g. ['gender']."
            )
        return X[names].reset_index(drop=True), names
    raise InvalidInputError(
        f"sensitive_features must be column names of X, a Series or a DataFrame. Got "
        f"{type(sensitive_features).__name__}. Pass e.g. ['gender', 'age_band']."
    )


def _target(s: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Class codes for one attribute, a mask of usable rows and the class labels."""
    ok = s.notna().to_numpy()
    if (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and s[ok].nunique() > MAX_NUMERIC_CLASSES):
        s = pd.qcut(s, _N_BANDS, duplicates="drop")
    codes, uniques = pd.factorize(s.astype(object).where(pd.Series(ok, index=s.index)), sort=False)
    codes = np.asarray(codes)
    ok = ok & (codes >= 0)
    if len(uniques) < 2:
        raise InvalidInputError(
            f"sensitive_features column {name!r} must have at least two groups. Got "
            f"{len(uniques)}. Drop the attribute or pass data that holds more than one group."
        )
    return codes, ok, [str(u) for u in uniques]


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Scored:
    """Cross-validated scores of one candidate for one attribute."""

    auc: float  # macro one-vs-rest AUC, mean over folds
    classes: np.ndarray  # class codes (of the attribute) that were scored
    per_class: list[tuple[float, int, int]]  # one-vs-rest AUC on the pooled out-of-fold scores, n_pos, n_neg


def _target_encoding_proba(z_tr: np.ndarray, y_tr: np.ndarray, z_te: np.ndarray, k: int) -> np.ndarray:
    """Class probabilities of each level from the training fold, shrunk towards the class shares.

    Out-of-fold target encoding used as the predictor itself: every level keeps its own
    estimate however few rows it has (no minimum leaf size lumps small levels together),
    and a level unseen in the training fold gets the class shares.
    """
    prior = np.bincount(y_tr, minlength=k) / len(y_tr)
    lev_tr = z_tr.astype(np.int64)
    n_lev = int(max(lev_tr.max(initial=0), z_te.astype(np.int64).max(initial=0))) + 1
    counts = np.zeros((n_lev, k))
    np.add.at(counts, (lev_tr, y_tr), 1.0)
    table = (counts + _SMOOTHING * prior) / (counts.sum(axis=1, keepdims=True) + _SMOOTHING)
    out: np.ndarray = table[z_te.astype(np.int64)]
    return out


def _cv_auc(
    Z: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray | None,
    *,
    categorical: bool,
    cv: int,
    random_state: int | None,
) -> _Scored:
    """Macro one-vs-rest ROC AUC (mean over folds) and each class's AUC on the pooled out-of-fold scores.

    Categorical candidates (one column of level codes) are predicted by out-of-fold target
    encoding; numeric ones by a small boosted model.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    nothing = _Scored(float("nan"), np.arange(0), [])
    classes, y = np.unique(y, return_inverse=True)
    k = len(classes)
    counts = np.bincount(y, minlength=k)
    # Classes with fewer members than folds cannot be stratified: leave them out.
    keep = counts[y] >= cv
    Z, y = Z[keep], y[keep]
    g = groups[keep] if groups is not None else None
    classes_left = np.unique(y)
    if len(classes_left) < 2:
        return nothing
    kept_codes = classes[classes_left]
    y = np.searchsorted(classes_left, y)
    k = len(classes_left)
    if int(pd.DataFrame(Z).nunique(dropna=False).max()) <= 1:  # constant: no information
        return _Scored(0.5, kept_codes, [(0.5, int((y == c).sum()), int((y != c).sum())) for c in range(k)])
    if g is not None and len(np.unique(g)) >= cv:
        splitter: Any = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
        splits = splitter.split(Z, y, g)
    else:
        splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        splits = splitter.split(Z, y)
    fold_aucs: list[float] = []
    oof = np.full((len(y), k), np.nan)
    for train, test in splits:
        if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
            continue
        if categorical:
            oof[test] = _target_encoding_proba(Z[train, 0], y[train], Z[test, 0], k)
        else:
            model = HistGradientBoostingClassifier(
                max_iter=40, learning_rate=0.1, max_leaf_nodes=8, min_samples_leaf=40, l2_regularization=1.0,
                early_stopping=False, random_state=random_state,
            )
            model.fit(Z[train], y[train])
            proba = model.predict_proba(Z[test])
            full = np.zeros((len(test), k))
            full[:, np.asarray(model.classes_, dtype=np.int64)] = proba
            oof[test] = full
        yt = y[test]
        per_fold = [float(roc_auc_score(yt == c, oof[test, c])) for c in range(k) if 0 < int((yt == c).sum()) < len(yt)]
        if per_fold:
            fold_aucs.append(float(np.mean(per_fold)))
    if not fold_aucs:
        return nothing
    done = np.isfinite(oof[:, 0])
    per_class = []
    for c in range(k):
        pos = y[done] == c
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        auc_c = float(roc_auc_score(pos, oof[done, c])) if n_pos and n_neg else float("nan")
        per_class.append((auc_c, n_pos, n_neg))
    return _Scored(float(np.mean(fold_aucs)), kept_codes, per_class)


def _auc_interval_and_p(auc: float, n_pos: int, n_neg: int, z: float) -> tuple[float, float, float]:
    """Hanley and McNeil (1982) interval of an AUC, and the one-sided p-value of AUC > 0.5.

    The p-value uses the Mann-Whitney variance under no association,
    ``(n_pos + n_neg + 1) / (12 n_pos n_neg)``.
    """
    from statistics import NormalDist

    if not (n_pos > 0 and n_neg > 0 and math.isfinite(auc)):
        return float("nan"), float("nan"), float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    half = z * math.sqrt(max(var, 0.0))
    se0 = math.sqrt((n_pos + n_neg + 1) / (12.0 * n_pos * n_neg))
    p = 1.0 - NormalDist().cdf((auc - 0.5) / se0)
    return max(0.0, auc - half), min(1.0, auc + half), p


def _is_derived(cand: pd.Series, y: np.ndarray, column: str = "", attribute: str = "") -> bool:
    """Whether the attribute is cut from the column: their names say so (``age`` and ``age_band``)
    and the column is a number whose groups are disjoint ranges of it. A column that separates
    the groups exactly under another name (a zone score that sorts people by origin) is a
    perfect proxy, not a derivation, and is scored as one; so is a text column."""
    if not names_related(column, attribute):
        return False
    if len(np.unique(y)) < 2 or len(cand) == 0 or _is_text(cand) or pd.api.types.is_datetime64_any_dtype(cand):
        return False
    try:
        v = np.asarray(pd.to_numeric(cand, errors="raise"), dtype=np.float64)
    except (TypeError, ValueError):
        return False
    ok = np.isfinite(v)
    if ok.sum() < 2:
        return False
    ranges = sorted((float(v[ok & (y == c)].min()), float(v[ok & (y == c)].max()))
                    for c in np.unique(y[ok]))
    return all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))


def _nmi(levels: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(y, levels))


# --------------------------------------------------------------------------- public


#: The 97.5th percentile of the standard normal: the half-width of a 95% interval in standard errors.
_Z95 = 1.959963984540054


def find_proxies(
    X: pd.DataFrame,
    sensitive_features: Any,
    *,
    columns: Sequence[str] | None = None,
    encoded: Mapping[str, Any] | None = None,
    threshold: float = 0.65,
    cv: int = 3,
    max_rows: int = 5000,
    groups: Any = None,
    min_group_size: int = 30,
    random_state: int | None = 0,
) -> ProxyResult:
    """Assess how well each input column, alone, predicts each sensitive attribute.

    For each attribute and each candidate column, a small gradient-boosted model
    (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`, 40 shallow trees)
    is fitted on that one column, and its cross-validated macro one-vs-rest ROC
    AUC is reported: 0.5 means the column carries no information about the
    attribute, 1.0 means it reveals it exactly.

    - Numeric, boolean and date columns are used as they are (missing values kept).
    - Text and categorical columns keep their 500 most frequent levels, the rest
      grouped as "other" (missing values form their own level), and are predicted by
      out-of-fold target encoding, so small levels keep their own estimate.
    - Near-unique text (more than 50 levels, e.g. full postcodes or email
      addresses) is also assessed in coarser forms: the first block before a space
      (postcode district), the leading alphanumeric block, the first 2, 3 or 4
      characters, the email domain. The strongest form is kept and named in
      ``derivation``.
    - Numeric attributes with more than 10 distinct values are cut into 5
      quantile bands.

    Parameters
    ----------
    X : pandas.DataFrame
        Model inputs (raw columns).
    sensitive_features : str, list of str, Series or DataFrame
        Names of columns of ``X`` holding the attributes (they are then not
        candidates), or the attributes themselves aligned row by row with ``X``.
    columns : list of str, default=None
        Candidate columns; default all columns of ``X`` that are not attributes.
    encoded : dict of str to array-like of shape (n_samples, k), default=None
        Engineered numeric features to assess instead of a raw column, e.g. the
        one-hot block a pipeline builds from it. A key that is not a column of
        ``X`` adds a candidate.
    threshold : float, default=0.65
        AUC at or above which a column is flagged. Chance is 0.5; with the default
        5,000 rows the cross-validated AUC of an unrelated column stays within about
        0.03 of 0.5, so 0.65 is far outside noise and means the column ranks a
        member of a group above a non-member about two times in three: enough to
        let a model tell groups apart, but short of the near-identification
        (0.8 and more) that the strongest proxies give.
    cv : int, default=3
        Cross-validation folds.
    max_rows : int, default=5000
        Rows (or entities, with ``groups``) sampled with ``random_state``.
    groups : array-like of shape (n_samples,), default=None
        Entity ids (e.g. customer ids when rows are customer x item). Rows are
        reduced to one per entity and distinct value of the column, and the
        folds keep each entity on one side (StratifiedGroupKFold).
    min_group_size : int, default=30
        A group (of entities with ``groups``, else rows) smaller than this in the assessed
        sample is too few to judge and cannot make a column flagged.
    random_state : int or None, default=0
        Seed of the sampling, folds and models.

    Returns
    -------
    ProxyResult
        The tidy table, the flagged pairs and the method record.

    Raises
    ------
    InvalidInputError
        If an attribute or candidate is not a column of ``X``, lengths differ, an
        attribute has a single group, or an option is out of range.

    Notes
    -----
    ``nmi`` is scikit-learn's normalised mutual information between the assessed
    levels and the attribute, a second measure for text, categorical and boolean
    columns. It grows with the number of levels, so only AUC sets ``flagged``.
    """
    _check_proxy_options(X, threshold, cv, max_rows)
    from threadpoolctl import threadpool_limits

    X = X.reset_index(drop=True)
    X.columns = [str(c) for c in X.columns]
    sf, sf_names = _sensitive_frame(X, sensitive_features)
    cand, enc_arrays = _candidates(X, columns, dict(encoded or {}), sf_names)
    rng = np.random.default_rng(random_state)
    rows, g_codes = _sample_rows(len(X), groups, max_rows, rng)

    records: list[dict[str, Any]] = []
    group_rows: list[dict[str, Any]] = []
    for attr in sf.columns:
        y_all, ok_all, class_labels = _target(sf[attr], attr)
        for col in cand:
            r = rows[ok_all[rows]]
            # One OpenMP thread: the models are tiny, and threads only add overhead.
            with threadpool_limits(limits=1, user_api="openmp"):
                auc, vname, nmi, n_used, scored = _best_variant(
                    _variants(X, col, r, enc_arrays), y_all[r], g_codes[r] if g_codes is not None else None,
                    max_rows=max_rows, rng=rng, cv=int(cv), random_state=random_state)
            derived = col in X.columns and _is_derived(X[col].iloc[r].reset_index(drop=True), y_all[r],
                                                       str(col), str(attr))
            group_rows += _per_group_rows(attr, col, scored, class_labels, derived, min_group_size)
            records.append({"sensitive_feature": attr, "column": col, "auc": auc, "nmi": nmi, "flagged": False,
                            "derivation": vname, "n_rows": int(n_used), "derived_attribute": derived,
                            "flagged_groups": ""})
    by_group = _flag_groups(pd.DataFrame(group_rows, columns=[*_GROUP_COLUMNS, "derived"]), threshold)
    for rec in records:
        hit = by_group[(by_group["sensitive_feature"] == rec["sensitive_feature"])
                       & (by_group["column"] == rec["column"]) & by_group["flagged"].astype(bool)]
        rec["flagged"] = bool(len(hit))
        rec["flagged_groups"] = ", ".join(hit.sort_values("auc", ascending=False)["group"].astype(str))
    table = _sorted_table(pd.DataFrame(records, columns=_TABLE_COLUMNS), list(sf.columns))
    method = _proxy_method(cv=cv, max_rows=max_rows, random_state=random_state, grouped=groups is not None,
                           min_group_size=min_group_size)
    return ProxyResult(table=table, threshold=float(threshold), method=method, by_group=by_group)


def _check_proxy_options(X: Any, threshold: Any, cv: Any, max_rows: Any) -> None:
    """Raise InvalidInputError for data that is not a non-empty DataFrame or an option out of range."""
    if not isinstance(X, pd.DataFrame):
        raise InvalidInputError(
            f"X must be a pandas DataFrame. Got {type(X).__name__}. Wrap it with pd.DataFrame(X, columns=...)."
        )
    if len(X) == 0:
        raise InvalidInputError("X must have at least one row. Got 0. Pass non-empty data.")
    if not (isinstance(threshold, (int, float)) and 0.5 <= float(threshold) <= 1.0):
        raise InvalidInputError(f"threshold must be between 0.5 and 1. Got {threshold!r}. Pass e.g. 0.65.")
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise InvalidInputError(f"cv must be an integer of at least 2. Got {cv!r}. Pass e.g. 3.")
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 10 * cv:
        raise InvalidInputError(
            f"max_rows must be an integer of at least {10 * cv}. Got {max_rows!r}. Pass e.g. 5000."
        )


def _candidates(X: pd.DataFrame, columns: Sequence[str] | None, encoded: dict[Any, Any],
                sf_names: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """The candidate columns (raw columns, then encoded keys) and the encoded arrays, checked."""
    if columns is None:
        cand = [c for c in X.columns if c not in sf_names]
    else:
        cand = [str(c) for c in columns]
        missing = [c for c in cand if c not in X.columns and c not in encoded]
        if missing:
            raise InvalidInputError(
                f"columns must name columns of X. Got {missing[:5]!r}, which are not there. "
                f"{columns_include(X.columns)}"
            )
    cand += [k for k in encoded if k not in cand]
    enc_arrays: dict[str, Any] = {}
    for key, arr in encoded.items():
        a = arr if hasattr(arr, "tocsr") else np.asarray(arr, dtype=np.float64)
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        if a.shape[0] != len(X):
            raise InvalidInputError(
                f"encoded[{key!r}] must have one row per row of X. Got {a.shape[0]} rows for "
                f"{len(X)}. Pass the transform of the same rows."
            )
        enc_arrays[str(key)] = a.tocsr() if hasattr(a, "tocsr") else a
    return cand, enc_arrays


def _sample_rows(n: int, groups: Any, max_rows: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows assessed (all of at most ``max_rows`` entities, or rows) and each row's entity code."""
    if groups is None:
        return (np.sort(rng.choice(n, size=max_rows, replace=False)) if n > max_rows else np.arange(n)), None
    g_arr = np.asarray(groups.to_numpy() if isinstance(groups, (pd.Series, pd.Index)) else groups)
    if g_arr.ndim != 1 or len(g_arr) != n:
        raise InvalidInputError(
            f"groups must be a 1-D array with one entity id per row of X. Got shape "
            f"{g_arr.shape} for {n} rows. Pass e.g. df['customer_id']."
        )
    g_codes = np.asarray(pd.factorize(g_arr)[0])
    n_missing = int((g_codes < 0).sum())
    if n_missing:
        raise InvalidInputError(
            f"groups must have no missing values. Got {n_missing} missing. Fill or drop those rows."
        )
    entities = np.unique(g_codes)
    if len(entities) <= max_rows:
        return np.arange(n), g_codes
    chosen = np.zeros(g_codes.max() + 1, dtype=bool)
    chosen[rng.choice(entities, size=max_rows, replace=False)] = True
    return np.flatnonzero(chosen[g_codes]), g_codes


def _best_variant(variants: list[_Variant], y: np.ndarray, g: np.ndarray | None, *, max_rows: int,
                  rng: np.random.Generator, cv: int,
                  random_state: int | None) -> tuple[float, str, float, int, _Scored]:
    """The form with the highest cross-validated AUC: (auc, name, nmi, rows used, scores)."""
    best: tuple[float, str, float, int, _Scored] | None = None
    for vname, Z, is_cat, levels in variants:
        if g is not None:
            # one row per entity and distinct value of this column
            first = ~pd.DataFrame(Z).assign(_g=g).duplicated().to_numpy()
            Zu, yu, gu = Z[first], y[first], g[first]
            lu = levels[first] if levels is not None else None
        else:
            Zu, yu, gu, lu = Z, y, None, levels
        if len(yu) > max_rows:
            pick = np.sort(rng.choice(len(yu), size=max_rows, replace=False))
            Zu, yu = Zu[pick], yu[pick]
            gu = gu[pick] if gu is not None else None
            lu = lu[pick] if lu is not None else None
        scored = _cv_auc(Zu, yu, gu, categorical=is_cat, cv=cv, random_state=random_state)
        auc = scored.auc
        nmi = _nmi(lu, yu) if lu is not None else float("nan")
        if best is None or (not math.isnan(auc) and (math.isnan(best[0]) or auc > best[0])):
            best = (auc, vname, nmi, len(yu), scored)
    assert best is not None
    return best


def _per_group_rows(attr: str, col: str, scored: _Scored, class_labels: Sequence[Any], derived: bool,
                    min_group_size: int) -> list[dict[str, Any]]:
    """One row per group of the attribute: its one-vs-rest AUC, interval and test."""
    out = []
    for code, (auc_c, n_pos, n_neg) in zip(scored.classes, scored.per_class, strict=True):
        lo, hi, p = _auc_interval_and_p(auc_c, n_pos, n_neg, _Z95)
        out.append({"sensitive_feature": attr, "column": col, "group": class_labels[int(code)],
                    "n": n_pos, "auc": auc_c, "ci_low": lo, "ci_high": hi,
                    "p_value": float("nan") if derived else p,
                    "too_few_to_judge": bool(n_pos < min_group_size), "derived": derived})
    return out


def _flag_groups(by_group: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Adjust the p-values (Benjamini-Hochberg over every attribute x column x group) and flag groups."""
    if len(by_group):
        from ._stats import bh_adjust

        by_group["p_adjusted"] = bh_adjust(by_group["p_value"].to_numpy(dtype=np.float64))
        by_group["flagged"] = ((by_group["p_adjusted"] <= FDR_LEVEL) & (by_group["auc"] >= float(threshold))
                               & ~by_group["too_few_to_judge"] & ~by_group["derived"].astype(bool))
    return by_group[_GROUP_COLUMNS].reset_index(drop=True)


def _sorted_table(table: pd.DataFrame, attributes: list[Any]) -> pd.DataFrame:
    """The table by attribute (in the order given), strongest AUC first."""
    if not len(table):
        return table
    table = table.sort_values(
        ["sensitive_feature", "auc"], ascending=[True, False], kind="stable", na_position="last"
    ).reset_index(drop=True)
    order = {a: i for i, a in enumerate(attributes)}
    table = table.iloc[np.argsort(table["sensitive_feature"].map(order).to_numpy(), kind="stable")]
    return table.reset_index(drop=True)


def _proxy_method(*, cv: int, max_rows: int, random_state: int | None, grouped: bool,
                  min_group_size: int) -> dict[str, Any]:
    """The method record of a proxy assessment."""
    return {
        "model": "HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=8) on one column",
        "score": "macro one-vs-rest ROC AUC, mean over cross-validation folds",
        "cv": int(cv),
        "max_rows": int(max_rows),
        "random_state": random_state,
        "grouped": grouped,
        "max_levels": MAX_LEVELS,
        "categorical": f"out-of-fold target encoding: each level's group shares in the training folds, shrunk "
                       f"towards the overall shares with {_SMOOTHING:g} pseudo-rows (no lumping of small levels)",
        "per_group": "one-vs-rest ROC AUC of each group on the pooled out-of-fold scores, Hanley-McNeil (1982) "
                     "interval; one-sided test of AUC above 0.5 (Mann-Whitney variance)",
        "multiple_comparisons": f"Benjamini-Hochberg at {FDR_LEVEL:g} over every attribute x column x group",
        "flag_rule": "a group of at least min_group_size whose AUC is at or above the threshold and whose adjusted "
                     "test passes; never when the attribute is derived from the column (related names and "
                     "groups that are disjoint ranges of it)",
        "min_group_size": int(min_group_size),
        "fdr_level": FDR_LEVEL,
    }
