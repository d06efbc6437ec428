"""Drop-column importance: refit the model without a column (or a group of columns).

For each column (or group, such as every input of one data category) the model is fitted
again without it, on the same cross-validation folds as a refit with every input, and the
change in the model's own metric is measured on the held-out folds:

* binary classifiers: ROC AUC (the mean over folds);
* recommenders (ranking): NDCG at k, the mean over customers, folds grouped by customer;
* regressors: R2 (the mean over folds).

``delta = metric without the column - metric with every input``: a negative delta is a
loss. Its 95% interval comes from a paired bootstrap of the held-out rows (customers for
ranking) within each fold: the same resample scores both refits, so the interval holds
the difference, not two independent spreads.

A column is removed from the model as follows. A scikit-learn Pipeline is cloned and the
column is taken out of the column lists of its ColumnTransformer (nested pipelines and
column selectors included); a plain estimator is cloned and fitted on the other columns;
a training function ``fit(X, y) -> model`` passed by the user is called with the other
columns. If the cloned estimator cannot be fitted without the column (a preparation step
that names it in code), the column is held at one constant value instead, which carries
no information either; the table says which way was used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._plain import plain, records
from ..errors import InvalidInputError
from ..models._adapter import ModelAdapter, wrap_model
from ..models._calls import call_model
from ._ranking import per_user_ranking

__all__ = ["RefitResult", "RefitFailedError", "drop_column_importance", "weighted_auc", "REFIT_MAX_CUSTOMERS",
           "REFIT_MAX_ROWS"]

#: Default cap of the refit sample for recommenders, in customers (each with all their candidates).
REFIT_MAX_CUSTOMERS = 2_000
#: Default cap of the refit sample for one-row-per-customer models, in rows (= customers).
REFIT_MAX_ROWS = 8_000

FitFunction = Callable[[pd.DataFrame, np.ndarray], Any]


@dataclass(frozen=True)
class RefitResult:
    """The change in the model's metric when it is refitted without each column or group.

    ``table`` columns: ``name`` (the column, or the group's name), ``kind`` (``column`` or
    ``group``), ``columns`` (the columns left out), ``how`` (``removed`` or ``held
    constant``), ``metric_full``, ``metric_without``, ``delta`` (without minus full;
    negative is a loss), ``ci_low``, ``ci_high`` (95% paired bootstrap interval of
    ``delta``), ``fold_deltas`` (the delta in each fold) and, for ranking,
    ``tied_customers`` (held-out customers whose candidates all get the same score from the
    refit without the column: their ranking falls back to row order).
    """

    table: pd.DataFrame
    metric: str
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def row(self, name: str, kind: str = "column") -> dict[str, Any] | None:
        """The row of one column (or group) as a dict, or None if it was not refitted."""
        t = self.table
        hit = t[(t["name"] == name) & (t["kind"] == kind)]
        return None if hit.empty else hit.iloc[0].to_dict()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``metric``, ``method`` and one record per refit (``rows``)."""
        return {"metric": self.metric, "method": plain(self.method), "rows": records(self.table)}


# ---------------------------------------------------------------------------------- metrics
def weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC for each row of ``weights`` (shape (B, n)) at once; ties count one half.

    Equals ``sklearn.metrics.roc_auc_score(y, score, sample_weight=w)`` for each row ``w``.
    """
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    W = np.atleast_2d(np.asarray(weights, dtype=float))
    order = np.argsort(score, kind="mergesort")
    s, yy, W = score[order], y[order], W[:, order]
    grp = np.r_[0, np.cumsum(np.diff(s) != 0)]
    n_g = int(grp[-1]) + 1 if len(grp) else 0
    B = W.shape[0]
    flat = (np.arange(B)[:, None] * n_g + grp[None, :]).ravel()
    pos = np.bincount(flat, weights=(W * yy).ravel(), minlength=B * n_g).reshape(B, n_g)
    neg = np.bincount(flat, weights=(W * (1 - yy)).ravel(), minlength=B * n_g).reshape(B, n_g)
    below = np.cumsum(neg, axis=1) - neg
    num = (pos * (below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _weighted_r2(y: np.ndarray, pred: np.ndarray, W: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    W = np.atleast_2d(W)
    tot_w = W.sum(axis=1)
    mean = (W * y).sum(axis=1) / tot_w
    sse = (W * (y - pred) ** 2).sum(axis=1)
    sst = (W * (y[None, :] - mean[:, None]) ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sst > 0, 1.0 - sse / sst, np.nan)


def _metric_name(adapter: ModelAdapter) -> str:
    return {"binary": "roc_auc", "ranking": f"ndcg_at_{adapter.k}", "regression": "r2"}[adapter.task]


# --------------------------------------------------------------------- removing a column
class RefitFailedError(InvalidInputError):
    """The estimator could not be refitted with ``fit(X, y)``; pass a training function."""


class _CannotRemove(Exception):
    """The estimator's structure does not let the column be taken out by name."""


@dataclass(frozen=True)
class _WithoutColumns:
    """A ColumnTransformer column selector with some columns left out."""

    selector: Any
    dropped: frozenset[str]

    def __call__(self, X: pd.DataFrame) -> list[str]:
        return [c for c in self.selector(X) if c not in self.dropped]


def _selection_without(cols: Any, dropped: frozenset[str], inputs: Sequence[str]) -> Any:
    """The column selection ``cols`` without ``dropped``; None when nothing is left."""
    if isinstance(cols, str):
        return None if cols in dropped else cols
    if callable(cols):
        return _WithoutColumns(cols, dropped)
    if isinstance(cols, slice):
        cols = list(np.asarray(inputs, dtype=object)[cols])
    arr = np.asarray(cols)
    if arr.dtype == bool:
        cols = list(np.asarray(inputs, dtype=object)[arr])
    elif arr.ndim == 0:
        cols = [arr.item()]
    else:
        cols = arr.tolist()
    names = [inputs[int(c)] if isinstance(c, (int, np.integer)) else c for c in cols]
    if not all(isinstance(c, str) for c in names):
        raise _CannotRemove("column selection by a type other than names, positions or masks")
    kept = [c for c in names if c not in dropped]
    return kept or None


def _strip(step: Any, dropped: frozenset[str], inputs: Sequence[str]) -> Any:
    """Take ``dropped`` out of the column lists of the first ColumnTransformer in ``step``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(step, Pipeline):
        name, first = step.steps[0]
        step.set_params(**{name: _strip(first, dropped, inputs)})
        return step
    if isinstance(step, ColumnTransformer):
        kept = []
        for name, trans, cols in step.transformers:
            sel = _selection_without(cols, dropped, inputs)
            if sel is not None:
                kept.append((name, trans, sel))
        if not kept and step.remainder == "drop":
            raise _CannotRemove("no column would be left")
        step.set_params(transformers=kept)
        return step
    return step  # column-agnostic preparation: fitting on fewer columns removes the column


def estimator_without(estimator: Any, dropped: Sequence[str], inputs: Sequence[str]) -> Any:
    """An unfitted clone of ``estimator`` that reads every input except ``dropped``.

    Raises ``_CannotRemove`` when the structure does not allow it.
    """
    from sklearn.base import clone

    est = clone(estimator)
    if dropped:
        est = _strip(est, frozenset(dropped), list(inputs))
    return est


def _score(model: Any, X: pd.DataFrame, task: str) -> np.ndarray:
    if task != "regression" and hasattr(model, "predict_proba"):
        proba = np.asarray(call_model("the refitted model's predict_proba", model.predict_proba, X))
        if proba.ndim == 2 and proba.shape[1] == 2:
            return proba[:, 1].astype(float)
    if hasattr(model, "predict"):
        return np.asarray(call_model("the refitted model's predict", model.predict, X), dtype=float).reshape(-1)
    if callable(model):
        return np.asarray(call_model("the refitted callable model", model, X), dtype=float).reshape(-1)
    raise InvalidInputError(
        f"fit must return a fitted model with predict_proba or predict, or a callable. Got {type(model).__name__}."
    )


# ---------------------------------------------------------------------------- the refits
@dataclass
class _Setup:
    adapter: ModelAdapter
    X: pd.DataFrame
    y: np.ndarray
    fold: np.ndarray
    users: np.ndarray  # the customer of each row for ranking; row numbers otherwise
    fit: FitFunction | None
    n_folds: int


def _fit_predict(st: _Setup, dropped: tuple[str, ...], f: int, how: str) -> np.ndarray:
    inputs = list(st.adapter.input_columns)
    tr, te = st.fold != f, st.fold == f
    X_tr, X_te = st.X.loc[tr], st.X.loc[te]
    if how == "held constant":
        X_tr, X_te = X_tr.copy(), X_te.copy()
        for c in dropped:
            counts = X_tr[c].value_counts(dropna=True)
            value = counts.index[0] if len(counts) else np.nan
            X_tr[c] = value
            X_te[c] = value
        kept = inputs
    else:
        kept = [c for c in inputs if c not in dropped]
    y_tr = st.y[tr]
    if st.fit is not None:
        model = call_model("the training function fit", st.fit, X_tr[kept], y_tr)
    else:
        model = estimator_without(st.adapter.model, dropped if how == "removed" else (), inputs)
        call_model("fit of a clone of the model", model.fit, X_tr[kept], y_tr)
    return _score(model, X_te[kept], st.adapter.task)


def _oof(st: _Setup, dropped: tuple[str, ...], n_jobs: int) -> tuple[np.ndarray, str]:
    """Out-of-fold scores of a refit without ``dropped``, and how the column was removed."""
    from joblib import Parallel, delayed

    how = "removed"
    if dropped and st.fit is None:
        try:
            estimator_without(st.adapter.model, dropped, list(st.adapter.input_columns))
        except _CannotRemove:
            how = "held constant"
    try:
        first = _fit_predict(st, dropped, 0, how)
    except Exception:  # noqa: BLE001 - the preparation names the column in code: fall back
        if not dropped or how != "removed" or st.fit is not None:
            raise
        how = "held constant"
        first = _fit_predict(st, dropped, 0, how)
    parts = [first] + list(Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_fit_predict)(st, dropped, f, how) for f in range(1, st.n_folds)))
    out = np.empty(len(st.y))
    for f, p in enumerate(parts):
        out[st.fold == f] = p
    return out, how


class _Scorer:
    """The metric of out-of-fold scores, and its paired bootstrap resamples."""

    def __init__(self, st: _Setup, n_boot: int, rng: np.random.Generator) -> None:
        self.st = st
        task = st.adapter.task
        self.task = task
        if task == "ranking":
            per = per_user_ranking(st.y, np.zeros(len(st.y)), st.users, st.adapter.k)
            self.valid = (per["n_relevant"] > 0).to_numpy()
            n = int(self.valid.sum())
            self.idx = rng.integers(0, n, size=(n_boot, n))
            codes, uniq = pd.factorize(st.users)
            fold_of_user = np.zeros(len(uniq), dtype=int)
            fold_of_user[codes] = st.fold
            self.user_fold = fold_of_user[self.valid]
        else:
            self.weights = []
            for f in range(st.n_folds):
                n_f = int((st.fold == f).sum())
                self.weights.append(rng.multinomial(n_f, np.full(n_f, 1.0 / n_f), size=n_boot).astype(float))

    def per_unit(self, score: np.ndarray) -> np.ndarray:
        per = per_user_ranking(self.st.y, score, self.st.users, self.st.adapter.k)
        out: np.ndarray = per["ndcg"].to_numpy()[self.valid]
        return out

    def compare(self, full: np.ndarray, without: np.ndarray) -> dict[str, Any]:
        st = self.st
        tied = None
        if self.task == "ranking":
            g = pd.Series(without).groupby(st.users, sort=False)
            tied = int(((g.max() - g.min()).to_numpy() <= 1e-12).sum())  # ranking falls back to row order
            a, b = self.per_unit(full), self.per_unit(without)
            d = b - a
            boot = d[self.idx].mean(axis=1)
            folds = [float(d[self.user_fold == f].mean()) for f in range(st.n_folds)]
            m_full, m_without = float(a.mean()), float(b.mean())
        else:
            fn = weighted_auc if self.task == "binary" else _weighted_r2
            pf, pw, bf, bw = [], [], [], []
            for f in range(st.n_folds):
                sel = st.fold == f
                ones = np.ones((1, int(sel.sum())))
                pf.append(float(fn(st.y[sel], full[sel], ones)[0]))
                pw.append(float(fn(st.y[sel], without[sel], ones)[0]))
                bf.append(fn(st.y[sel], full[sel], self.weights[f]))
                bw.append(fn(st.y[sel], without[sel], self.weights[f]))
            m_full, m_without = float(np.mean(pf)), float(np.mean(pw))
            boot = np.mean(np.vstack(bw) - np.vstack(bf), axis=0)
            folds = [w - f_ for w, f_ in zip(pw, pf)]
        lo, hi = np.nanpercentile(boot, [2.5, 97.5])
        return {"metric_full": m_full, "metric_without": m_without, "delta": m_without - m_full,
                "ci_low": float(lo), "ci_high": float(hi), "fold_deltas": folds, "tied_customers": tied}


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InvalidInputError(f"{name} must be an integer of at least {low}. Got {value!r}.")
    return int(value)


def drop_column_importance(
    model: Any,
    data: pd.DataFrame,
    *,
    target: str,
    columns: Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    fit: FitFunction | None = None,
    task: str | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    n_folds: int = 3,
    sample_size: int | Literal["auto"] | None = "auto",
    n_boot: int = 200,
    n_jobs: int = 1,
    random_state: int = 0,
) -> RefitResult:
    """Refit the model without each column (and each group of columns); measure the loss.

    Parameters
    ----------
    model : estimator, Pipeline, callable or ModelAdapter
        The fitted model (see :func:`explainer.wrap_model`). Its estimator is cloned and
        refitted; the fitted model itself is not changed. A callable needs ``fit``.
    data : DataFrame
        Training rows with every input column and ``target``.
    target : str
        The outcome column.
    columns : sequence of str, default=None
        Input columns to leave out one at a time. None: every input except the ranking
        keys (``user_id``, ``item_id``).
    groups : mapping of str to sequence of str, default=None
        Named groups of input columns to leave out together (for example every input of
        one data category).
    fit : callable, default=None
        ``fit(X, y) -> fitted model`` used instead of cloning the estimator; ``X`` holds
        the kept input columns. The model returned needs ``predict_proba`` or ``predict``,
        or is itself a callable ``predict(X)``.
    task, user_id, item_id, k
        As in :func:`explainer.wrap_model`.
    n_folds : int, default=3
        Cross-validation folds (grouped by ``user_id`` for ranking). Every refit uses the
        same folds.
    sample_size : int, "auto" or None, default="auto"
        How many customers the refits use, drawn with ``random_state``: for ranking, whole
        customers with all their candidate rows; otherwise rows (one row is one customer).
        ``"auto"``: every training customer up to :data:`REFIT_MAX_CUSTOMERS` (ranking) or
        :data:`REFIT_MAX_ROWS` (other tasks), a cap that bounds the refit cost. None: all.
    n_boot : int, default=200
        Paired bootstrap resamples for each interval.
    n_jobs : int, default=1
        Folds fitted in parallel threads.
    random_state : int, default=0
        Seed of the sample, the folds and the bootstrap.

    Returns
    -------
    RefitResult

    Raises
    ------
    InvalidInputError
        If a column is not a model input, ``target`` or the ranking keys are missing, a
        callable model comes without ``fit``, or the estimator cannot be refitted.
    """
    adapter = wrap_model(model, task=task, user_id=user_id, item_id=item_id, k=k)  # type: ignore[arg-type]
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"data must be a pandas DataFrame of training rows. Got {type(data).__name__}.")
    n_folds = _check_int("n_folds", n_folds, 2)
    n_boot = _check_int("n_boot", n_boot, 20)
    n_sample = _sample_cap(sample_size, adapter.task)
    _check_fit(adapter, fit)
    inputs = list(adapter.input_columns)
    cols, named = _check_columns(adapter, data, target, columns, groups)
    rng = np.random.default_rng(random_state)
    st = _setup(adapter, data, target, fit=fit, n_folds=n_folds, n_sample=n_sample, rng=rng, inputs=inputs)
    from threadpoolctl import threadpool_limits

    # Many small fits: one native thread each; parallelism comes from n_jobs over folds.
    limits = threadpool_limits(limits=1)
    try:
        return _run(st, cols, named, adapter, fit, n_boot, n_jobs, n_sample, random_state, rng)
    finally:
        limits.restore_original_limits()


def _sample_cap(sample_size: int | Literal["auto"] | None, task: str) -> int | None:
    """The refit sample's cap in customers (ranking) or rows, or None for all."""
    if isinstance(sample_size, str) and sample_size == "auto":
        return REFIT_MAX_CUSTOMERS if task == "ranking" else REFIT_MAX_ROWS
    if sample_size is None:
        return None
    return _check_int("sample_size", sample_size, 20 if task == "ranking" else 100)


def _check_fit(adapter: ModelAdapter, fit: FitFunction | None) -> None:
    if adapter.kind == "callable" and fit is None:
        raise InvalidInputError(
            "fit must be given to refit a callable model. Got None. Pass fit=lambda X, y: ... that returns "
            "a fitted model, or wrap a scikit-learn estimator."
        )
    if fit is not None and not callable(fit):
        raise InvalidInputError(f"fit must be a callable fit(X, y) -> model. Got {type(fit).__name__}.")


def _check_columns(adapter: ModelAdapter, data: pd.DataFrame, target: str, columns: Sequence[str] | None,
                   groups: Mapping[str, Sequence[str]] | None) -> tuple[list[str], dict[str, Sequence[str]]]:
    """The columns and groups to leave out, checked against the inputs and the training rows."""
    inputs = list(adapter.input_columns)
    need = inputs + [target] + [c for c in (adapter.user_id,) if c]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise InvalidInputError(
            f"data must hold the model's inputs and the target to refit. Got no {missing[:5]!r} "
            f"({len(missing)} missing). Pass the training rows."
        )
    keys = {c for c in (adapter.user_id, adapter.item_id) if c}
    cols = [c for c in inputs if c not in keys] if columns is None else list(columns)
    named = dict(groups or {})
    bad = [c for c in cols + [c for g in named.values() for c in g] if c not in inputs]
    if bad:
        raise InvalidInputError(
            f"columns and groups must name model inputs. Got {bad[:5]!r}, which the model does not read. "
            f"Inputs include {inputs[:5]!r}."
        )
    y_all = data[target]
    if y_all.isna().any():
        raise InvalidInputError(f"target column {target!r} must have no missing values in the training rows. "
                                f"Got {int(y_all.isna().sum())} missing.")
    return cols, named


def _setup(adapter: ModelAdapter, data: pd.DataFrame, target: str, *, fit: FitFunction | None, n_folds: int,
           n_sample: int | None, rng: np.random.Generator, inputs: list[str]) -> _Setup:
    """The refit sample (whole customers for ranking) and its folds."""
    if adapter.task == "ranking":
        users_all = data[adapter.user_id].to_numpy()
        uniq = pd.unique(users_all)
        n_u = len(uniq) if n_sample is None else min(len(uniq), max(n_folds * 20, n_sample))
        chosen = uniq[np.sort(rng.choice(len(uniq), n_u, replace=False))]
        sub = data.loc[np.isin(users_all, chosen)]
        codes, _ = pd.factorize(sub[adapter.user_id].to_numpy())
        user_fold = rng.permutation(n_u) % n_folds
        fold = user_fold[codes]
    else:
        n = len(data) if n_sample is None else min(len(data), n_sample)
        sub = data.iloc[np.sort(rng.choice(len(data), n, replace=False))]
        fold = rng.permutation(len(sub)) % n_folds
    sub = sub.reset_index(drop=True)
    y = sub[target].to_numpy()
    if y.dtype == bool:
        y = y.astype(int)
    if adapter.task != "regression":
        for f in range(n_folds):
            if len(np.unique(y[fold != f])) < 2 or len(np.unique(y[fold == f])) < 2:
                raise InvalidInputError(
                    f"data must hold both outcomes in every fold to refit. Got a fold with one outcome among "
                    f"{len(y)} rows. Pass more training rows or fewer n_folds."
                )
    return _Setup(adapter=adapter, X=sub[inputs], y=y, fold=fold,
                  users=sub[adapter.user_id].to_numpy() if adapter.task == "ranking" else np.arange(len(sub)),
                  fit=fit, n_folds=n_folds)


def _run(st: _Setup, cols: list[str], named: dict[str, Sequence[str]], adapter: ModelAdapter,
         fit: FitFunction | None, n_boot: int, n_jobs: int, sample_size: int | None, random_state: int,
         rng: np.random.Generator) -> RefitResult:
    y = st.y
    n_folds = st.n_folds
    try:
        full, _ = _oof(st, (), n_jobs)
    except InvalidInputError:
        raise
    except Exception as err:  # noqa: BLE001 - the estimator cannot be fitted with fit(X, y)
        raise RefitFailedError(
            f"model must be refittable with fit(X, y) to measure drop-column importance. Refitting a clone "
            f"of {type(adapter.final_estimator).__name__} failed ({type(err).__name__}). Pass fit=... that "
            "trains your model."
        ) from err
    scorer = _Scorer(st, n_boot, rng)
    rows = []
    plan = [(c, "column", (c,)) for c in cols] + [(g, "group", tuple(v)) for g, v in named.items()]
    for name, kind, dropped in plan:
        without, how = _oof(st, dropped, n_jobs)
        rows.append({"name": name, "kind": kind, "columns": list(dropped), "how": how,
                     **scorer.compare(full, without)})
    table = pd.DataFrame(rows, columns=["name", "kind", "columns", "how", "metric_full", "metric_without",
                                        "delta", "ci_low", "ci_high", "fold_deltas", "tied_customers"])
    n_units = int(len(np.unique(st.users)))
    method = {
        "metric": _metric_name(adapter),
        "n_folds": n_folds,
        "rows": int(len(y)),
        "customers" if adapter.task == "ranking" else "units": n_units,
        "sample_size": sample_size,
        "sample_unit": "customers" if adapter.task == "ranking" else "rows (one per customer)",
        "n_boot": n_boot,
        "refit_by": "training function passed as fit" if fit is not None else
                    f"clone of {type(adapter.model).__name__}",
        "folds": "grouped by customer" if adapter.task == "ranking" else "random rows",
        "interval": "95% paired bootstrap of held-out "
                    + ("customers" if adapter.task == "ranking" else "rows within each fold"),
        "random_state": random_state,
    }
    return RefitResult(table=table, metric=_metric_name(adapter), method=method)
