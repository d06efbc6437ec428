"""Collaborative-filtering recommenders seen through one interface, with exact attributions.

Supported: ``implicit``'s :class:`AlternatingLeastSquares` (CPU), its item-item neighbour
models (:class:`ItemItemRecommender` and the cosine, BM25 and TF-IDF variants) and
``lightfm``'s :class:`LightFM` (the ``lightfm-next`` fork). None of them is imported here:
the model object the user passes in is recognised by its class names.

Each score splits exactly into parts that add up to it:

* ALS (Hu, Koren and Volinsky 2008, section 5): with the user's factor recalculated from
  their history, ``score(u, i) = sum_j c_uj * y_i' W_u y_j`` over the items ``j`` in the
  history, ``W_u = (Y'Y + reg I + sum_j (c_uj - 1) y_j y_j')^-1``. What ``implicit``'s
  ``explain()`` and ``recommend(..., recalculate_user=True)`` return. The stored
  ``user_factors`` differ from the recalculated ones, so a recommender that serves from
  them shows a slightly different score (:meth:`CollaborativeAdapter.served_vs_explained_gap`).
* Item-item: ``score(u, i) = sum_j r_uj * S[j, i]``, the similarity to each history item.
* LightFM: ``score(u, i) = sum_a f_ua (e_a . q_i + b_a) + g_i . b_items`` over the user's
  features ``a`` (their identity feature, age band, region, ...); the item side is the base.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._plain import plain
from ..errors import InvalidInputError
from ._collaborative_checks import (
    CollaborativeKind,
    _csr,
    _index,
    _position,
    check_features,
    check_fitted_shape,
    check_sources,
    model_kind,
)

__all__ = ["CollaborativeAdapter", "HistoryAttribution", "ServedGap", "wrap_collaborative", "is_collaborative",
           "load_collaborative"]

Served = Literal["stored", "recalculated"]
Basis = Literal["history", "user_features"]

Float64Array = npt.NDArray[np.float64]


def is_collaborative(model: Any) -> bool:
    """True for a model object of ``implicit`` or ``lightfm`` (supported or not)."""
    return type(model).__module__.split(".")[0] in {"implicit", "lightfm"}


@dataclass(frozen=True, eq=False)
class HistoryAttribution:
    """Exact attributions of one customer's scores for several items.

    ``contributions[t, h]`` is the part of the score of ``items[t]`` due to ``parts[h]``
    (a history item for ALS and item-item, a user feature for LightFM); ``base[t]`` is the
    rest (0 for ALS and item-item, the item side for LightFM). ``score = contributions.sum(1)
    + base`` holds to float rounding. ``parts`` are column indices of the interaction matrix
    (history) or of the user feature matrix (user features); ``weights`` the customer's
    values of them (their confidences or feature weights).
    """

    user_row: int
    items: npt.NDArray[np.int64]
    parts: npt.NDArray[np.int64]
    weights: Float64Array
    contributions: Float64Array
    base: Float64Array
    score: Float64Array
    basis: Basis


@dataclass(frozen=True)
class ServedGap:
    """How far the explained score is from the score the recommender serves, over audited pairs.

    For ALS served from stored factors the explanation is of the score recomputed from the
    customer's history; ``mean_abs``/``max_abs`` are the absolute differences and
    ``relative`` the mean absolute difference over the mean absolute served score.
    Zero for models whose served score is the explained one.
    """

    n_pairs: int
    mean_abs: float
    max_abs: float
    relative: float
    served: str

    def to_dict(self) -> dict[str, Any]:
        return plain({"n_pairs": self.n_pairs, "mean_abs": self.mean_abs, "max_abs": self.max_abs,
                "relative": self.relative, "served": self.served})


@dataclass(frozen=True)
class CollaborativeAdapter:
    """A fitted collaborative-filtering recommender with its interaction matrix.

    Build it with :func:`explainer.wrap_model` (``interactions=...``). Rows of
    ``interactions`` are customers (``user_ids``), columns items (``item_ids``); values are
    what the model was fitted on and what its ``recommend`` reads.

    Attributes
    ----------
    model : object
    kind : {"als", "item_item", "lightfm"}
    interactions : scipy.sparse.csr_matrix of float64
    user_ids, item_ids : tuple
    item_labels : dict
        Plain names of items, shown only on a customer's own page.
    served : {"stored", "recalculated"}
        ALS only: whether the recommender scores from the stored user factors
        (``recommend(..., recalculate_user=False)``, implicit's default) or recalculates them.
    k : int
        How many items each customer is shown.
    history_label : str
        What the interactions are, in plain words ("viewing history").
    sources : dict of str to csr_matrix
        Where the interactions come from (views, ratings, searches): each source's part of
        every value; they add up to ``interactions``. Empty: one source, ``"history"``.
    filter_already_liked_items : bool
        Whether items already in a customer's history are left out of their list
        (implicit's default, True). False for recommenders of things bought again
        (product groups, groceries): every item is a candidate.
    """

    model: Any
    kind: CollaborativeKind
    interactions: Any
    user_ids: tuple[Any, ...]
    item_ids: tuple[Any, ...]
    item_labels: dict[Any, str] = field(default_factory=dict)
    user_features: Any = None
    user_feature_columns: tuple[str, ...] = ()
    item_features: Any = None
    served: Served = "stored"
    k: int = 3
    history_label: str = "history"
    name: str = ""
    sources: dict[str, Any] = field(default_factory=dict, repr=False)
    filter_already_liked_items: bool = True
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _user_index: dict[Any, int] = field(default_factory=dict, repr=False, compare=False)
    _item_index: dict[Any, int] = field(default_factory=dict, repr=False, compare=False)

    task = "ranking"

    # --- ids ----------------------------------------------------------------------------
    @property
    def n_users(self) -> int:
        return int(self.interactions.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.interactions.shape[1])

    @property
    def basis(self) -> Basis:
        """What a score splits over: the customer's ``history`` or their ``user_features``."""
        return "user_features" if self.kind == "lightfm" else "history"

    def user_row(self, customer: Any) -> int:
        """The interaction-matrix row of ``customer`` (a value of ``user_ids``)."""
        return _position(self._user_index, customer, f"customer must be one of the model's user_ids. Got one that "
                         f"is not there ({self.n_users} customers are). Check the id and its type.")

    def item_col(self, item: Any) -> int:
        """The interaction-matrix column of ``item`` (a value of ``item_ids``)."""
        return _position(self._item_index, item, f"item must be one of the model's item_ids. Got one that is not "
                         f"there ({self.n_items} items are). Pass an id of the catalogue the model was fitted on.")

    def label(self, col: int) -> str:
        """Plain name of the item in column ``col`` (its id as text when no label is known)."""
        item = self.item_ids[col]
        return str(self.item_labels.get(item, item))

    def history(self, row: int) -> tuple[npt.NDArray[np.int64], Float64Array]:
        """Columns and values of one customer's interactions."""
        m = self.interactions
        lo, hi = int(m.indptr[row]), int(m.indptr[row + 1])
        return np.asarray(m.indices[lo:hi], dtype=np.int64), np.asarray(m.data[lo:hi], dtype=np.float64)

    @property
    def source_names(self) -> tuple[str, ...]:
        """Names of the interaction sources (``("history",)`` when there is one)."""
        return tuple(self.sources) if self.sources else ("history",)

    def source_fractions(self, row: int, cols: npt.NDArray[np.int64]) -> Float64Array:
        """Each source's part of the customer's values at ``cols``, shape (n_sources, len(cols)).

        Columns sum to 1. An attribution over history items splits exactly over sources
        in these proportions (the score is linear in each history value).
        """
        cols = np.asarray(cols, dtype=np.int64)
        if not self.sources:
            return np.ones((1, len(cols)))
        parts = np.vstack([np.asarray(m[row].toarray(), dtype=np.float64)[0, cols] for m in self.sources.values()])
        total = parts.sum(axis=0)
        out: Float64Array = np.divide(parts, total, out=np.zeros_like(parts), where=total > 0)
        return out

    # --- scores -------------------------------------------------------------------------
    def _f64(self, name: str) -> Float64Array:
        """A fitted array of the model (factors, embeddings, biases) as float64, converted once."""
        if name not in self._cache:
            self._cache[name] = np.asarray(getattr(self.model, name), dtype=np.float64)
        out: Float64Array = self._cache[name]
        return out

    def _als_solve(self, cols: npt.NDArray[np.int64], values: Float64Array) -> tuple[Any, Float64Array]:
        """Cholesky factor of W_u^-1 and the recalculated user factor, from a history."""
        from scipy.linalg import cho_factor, cho_solve

        m = self.model
        Y = self._f64("item_factors")
        c = float(m.alpha) * values
        Yh = Y[cols]
        # implicit's own Y'Y (accumulated in the factors' dtype), so both sides match it
        A = np.asarray(m.YtY, dtype=np.float64) + float(m.regularization) * np.eye(Y.shape[1])
        A += (Yh.T * (c - 1.0)) @ Yh
        chol = cho_factor(A)
        x: Float64Array = cho_solve(chol, Yh.T @ c)
        return chol, x

    def _lightfm_parts(self, row: int) -> tuple[npt.NDArray[np.int64], Float64Array]:
        if self.user_features is None:
            return np.array([row], dtype=np.int64), np.ones(1)
        f = self.user_features
        lo, hi = int(f.indptr[row]), int(f.indptr[row + 1])
        return np.asarray(f.indices[lo:hi], dtype=np.int64), np.asarray(f.data[lo:hi], dtype=np.float64)

    def _lightfm_items(self, items: npt.NDArray[np.int64]) -> tuple[Float64Array, Float64Array]:
        """Item representations and biases (item features summed) of ``items``."""
        E = self._f64("item_embeddings")
        b = self._f64("item_biases")
        if self.item_features is None:
            return E[items], b[items]
        g = self.item_features[items]
        return np.asarray(g @ E, dtype=np.float64), np.asarray(g @ b, dtype=np.float64).reshape(-1)

    def _scores_with(self, row: int, parts: npt.NDArray[np.int64], weights: Float64Array,
                     items: npt.NDArray[np.int64]) -> Float64Array:
        """Explained scores of ``items`` for a customer whose history (or features) are ``parts``."""
        keep = weights != 0
        parts, weights = parts[keep], weights[keep]
        if self.kind == "als":
            if len(parts) == 0:
                return np.zeros(len(items))
            _, x = self._als_solve(parts, weights)
            out: Float64Array = self._f64("item_factors")[items] @ x
            return out
        if self.kind == "item_item":
            S = self.model.similarity
            return np.asarray(weights @ S[parts][:, items].toarray(), dtype=np.float64).reshape(-1)
        Q, bi = self._lightfm_items(items)
        p = weights @ self._f64("user_embeddings")[parts]
        bu = float(weights @ self._f64("user_biases")[parts])
        lf: Float64Array = Q @ p + bu + bi
        return lf

    def score(self, user_rows: Sequence[int] | npt.ArrayLike, item_cols: Sequence[int] | npt.ArrayLike) -> Float64Array:
        """Explained scores, shape (len(user_rows), len(item_cols)).

        For ALS the score of the user factor recalculated from the history (what the
        attributions add up to); for the other models the score they serve.
        """
        items = np.asarray(item_cols, dtype=np.int64).reshape(-1)
        rows = np.asarray(user_rows, dtype=np.int64).reshape(-1)
        out = np.empty((len(rows), len(items)))
        for n, r in enumerate(rows):
            parts, w = self._lightfm_parts(int(r)) if self.kind == "lightfm" else self.history(int(r))
            out[n] = self._scores_with(int(r), parts, w, items)
        return out

    def served_scores(self, user_rows: Sequence[int] | npt.ArrayLike,
                      item_cols: Sequence[int] | npt.ArrayLike) -> Float64Array:
        """The scores the recommender ranks by, shape (len(user_rows), len(item_cols))."""
        if self.kind != "als" or self.served == "recalculated":
            return self.score(user_rows, item_cols)
        rows = np.asarray(user_rows, dtype=np.int64).reshape(-1)
        items = np.asarray(item_cols, dtype=np.int64).reshape(-1)
        X = self._f64("user_factors")[rows]
        out: Float64Array = X @ self._f64("item_factors")[items].T
        return out

    def candidates(self, row: int) -> npt.NDArray[np.int64]:
        """Items the customer can be shown: those not already in their history (all items when
        ``filter_already_liked_items`` is False)."""
        mask = np.ones(self.n_items, dtype=bool)
        if self.filter_already_liked_items:
            mask[self.history(row)[0]] = False
        return np.flatnonzero(mask).astype(np.int64)

    def recommend(self, customer: Any, k: int | None = None) -> npt.NDArray[np.int64]:
        """The customer's top ``k`` item columns, from the model's own recommend path.

        Items already in the history are left out unless ``filter_already_liked_items`` is
        False. For LightFM, which
        has no recommend method, every item is scored with ``predict`` and the best taken.
        """
        row = self.user_row(customer)
        k = self.k if k is None else int(k)
        if self.kind == "lightfm":
            cand = self.candidates(row)
            kw: dict[str, Any] = {"num_threads": 1}
            if self.user_features is not None:
                kw["user_features"] = self.user_features
            if self.item_features is not None:
                kw["item_features"] = self.item_features
            s = np.asarray(self.model.predict(np.full(len(cand), row, dtype=np.int32), cand.astype(np.int32), **kw),
                           dtype=np.float64)
            order = np.lexsort((cand, -s))[:k]
            return cand[order]
        one = self._row_matrix(row)
        kwargs: dict[str, Any] = {"N": k, "filter_already_liked_items": self.filter_already_liked_items}
        if self.kind == "als":
            kwargs["recalculate_user"] = self.served == "recalculated"
        ids, _ = self.model.recommend(row, one, **kwargs)
        return np.asarray(ids, dtype=np.int64)

    def top_k(self, rows: Sequence[int] | npt.ArrayLike, k: int | None = None, *,
              batch: int = 5000) -> npt.NDArray[np.int64]:
        """Top ``k`` item columns of many customers at once, shape (len(rows), k), -1 where a list is shorter.

        The same lists as :meth:`recommend` (the model's own recommend path), asked for in
        batches of ``batch`` customers: implicit ranks a batch in one call.
        """
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        k = self.k if k is None else int(k)
        out = np.full((len(rows), k), -1, dtype=np.int64)
        if self.kind == "lightfm":
            for n, r in enumerate(rows):
                t = self.recommend(self.user_ids[int(r)], k)
                out[n, : len(t)] = t
            return out
        kwargs: dict[str, Any] = {"N": k, "filter_already_liked_items": self.filter_already_liked_items}
        if self.kind == "als":
            kwargs["recalculate_user"] = self.served == "recalculated"
        dtype = np.float32 if self.kind == "als" else np.float64
        for lo in range(0, len(rows), batch):
            part = rows[lo: lo + batch]
            ids, scores = self.model.recommend(part, self.interactions[part].astype(dtype), **kwargs)
            ids = np.asarray(ids, dtype=np.int64).reshape(len(part), -1)
            # implicit pads short lists with the lowest float as score
            ids[np.asarray(scores).reshape(len(part), -1) == -np.finfo(np.asarray(scores).dtype).max] = -1
            out[lo: lo + len(part), : ids.shape[1]] = ids[:, :k]
        return out

    def _row_matrix(self, row: int, values: Float64Array | None = None) -> Any:
        """One customer's interactions as a 1-row CSR matrix in the dtype the model reads."""
        import scipy.sparse as sp

        cols, vals = self.history(row)
        if values is not None:
            keep = values != 0
            cols, vals = cols[keep], values[keep]
        dtype = np.float32 if self.kind == "als" else np.float64
        return sp.csr_matrix((vals.astype(dtype), cols, np.array([0, len(cols)])), shape=(1, self.n_items))

    def served_rank(self, row: int, col: int) -> tuple[float, int, bool]:
        """(served score, 1-based rank among the customer's candidates, in their top k)."""
        cand = self.candidates(row)
        s = self.served_scores([row], cand)[0]
        hit = np.flatnonzero(cand == col)
        if len(hit) == 0:
            raise InvalidInputError(
                "item must be one the customer has not interacted with yet: the recommender does not show "
                "items already in the history. Got an item in their history. Pass an item they could be shown."
            )
        order = np.lexsort((cand, -s))
        rank = int(np.flatnonzero(order == hit[0])[0]) + 1
        return float(s[hit[0]]), rank, rank <= self.k

    # --- explanations -------------------------------------------------------------------
    def explain(self, customer: Any, items: Sequence[Any] | None = None) -> HistoryAttribution:
        """Exact attributions of the customer's scores for ``items`` (default: their top k).

        All items are explained at once: for ALS one Cholesky factorisation of the
        customer's weight matrix and one solve for every item.
        """
        row = self.user_row(customer)
        cols = self.recommend(customer) if items is None else np.array([self.item_col(i) for i in items], dtype=np.int64)
        return self.explain_rows(row, cols)

    def explain_rows(self, row: int, cols: npt.NDArray[np.int64]) -> HistoryAttribution:
        """:meth:`explain` by matrix row and item columns."""
        cols = np.asarray(cols, dtype=np.int64).reshape(-1)
        if self.kind == "lightfm":
            parts, w = self._lightfm_parts(row)
            Q, bi = self._lightfm_items(cols)
            Eu = self._f64("user_embeddings")[parts]
            bu = self._f64("user_biases")[parts]
            contrib = (Q @ Eu.T + bu) * w
            base = bi
        else:
            parts, w = self.history(row)
            if self.kind == "als":
                from scipy.linalg import cho_solve

                if len(parts) == 0:
                    contrib, base = np.zeros((len(cols), 0)), np.zeros(len(cols))
                else:
                    chol, _ = self._als_solve(parts, w)
                    Y = self._f64("item_factors")
                    Z = cho_solve(chol, Y[cols].T)  # W_u y_i for every explained item at once
                    contrib = (Y[parts] @ Z).T * (float(self.model.alpha) * w)
                    base = np.zeros(len(cols))
            else:
                S = self.model.similarity
                contrib = S[parts][:, cols].toarray().T * w
                base = np.zeros(len(cols))
        contrib = np.asarray(contrib, dtype=np.float64)
        return HistoryAttribution(
            user_row=row, items=cols, parts=parts, weights=w, contributions=contrib, base=np.asarray(base, dtype=np.float64),
            score=contrib.sum(axis=1) + base, basis=self.basis,
        )

    def rescore(self, row: int, weights: Float64Array, cols: npt.NDArray[np.int64]) -> Float64Array:
        """Explained scores of ``cols`` with the customer's history (or features) re-weighted.

        ``weights`` multiply the customer's own values, in the order of :meth:`history`
        (or of their user features for LightFM); 0 removes an entry.
        """
        parts, w = self._lightfm_parts(row) if self.kind == "lightfm" else self.history(row)
        return self._scores_with(row, parts, w * np.asarray(weights, dtype=np.float64), np.asarray(cols, dtype=np.int64))

    def model_rescore(self, row: int, weights: Float64Array, cols: npt.NDArray[np.int64]) -> Float64Array:
        """Like :meth:`rescore`, but through the library's own code (a check of :meth:`rescore`).

        ALS: the user factor from ``recalculate_user``; item-item: ``recommend`` restricted to
        ``cols``; LightFM: ``predict`` with the re-weighted user features.
        """
        cols = np.asarray(cols, dtype=np.int64)
        if self.kind == "lightfm":
            import scipy.sparse as sp

            parts, w = self._lightfm_parts(row)
            n_feat = self.model.user_embeddings.shape[0]
            f = sp.csr_matrix(((w * weights).astype(np.float32), parts, np.array([0, len(parts)])), shape=(1, n_feat))
            kw: dict[str, Any] = {"num_threads": 1, "user_features": f}
            if self.item_features is not None:
                kw["item_features"] = self.item_features
            return np.asarray(self.model.predict(np.zeros(len(cols), dtype=np.int32), cols.astype(np.int32), **kw),
                              dtype=np.float64)
        _, w = self.history(row)
        one = self._row_matrix(row, w * weights)
        if self.kind == "als":
            x = np.asarray(self.model.recalculate_user(0, one), dtype=np.float64)
            out: Float64Array = self._f64("item_factors")[cols] @ x
            return out
        ids, s = self.model.recommend(0, one, N=len(cols), filter_already_liked_items=False, items=cols)
        scores = np.zeros(len(cols))
        pos = {int(i): n for n, i in enumerate(cols)}
        for i, v in zip(np.asarray(ids), np.asarray(s, dtype=np.float64)):
            # implicit marks items no history item is similar to with the lowest float: their score is 0
            scores[pos[int(i)]] = 0.0 if v == -np.finfo(np.asarray(s).dtype).max else float(v)
        return scores

    def served_vs_explained_gap(self, pairs: Sequence[tuple[int, int]] | npt.ArrayLike) -> ServedGap:
        """The gap between explained and served scores over (user row, item column) ``pairs``."""
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if len(arr) == 0:
            raise InvalidInputError("pairs must hold at least one (user row, item column) pair. Got none.")
        explained = np.empty(len(arr))
        served = np.empty(len(arr))
        order = np.argsort(arr[:, 0], kind="stable")  # one customer's pairs together, found in one pass
        starts = np.flatnonzero(np.r_[True, np.diff(arr[order, 0]) != 0])
        for sel in np.split(order, starts[1:]):
            r = int(arr[sel[0], 0])
            explained[sel] = self.score([r], arr[sel, 1])[0]
            served[sel] = self.served_scores([r], arr[sel, 1])[0]
        diff = np.abs(explained - served)
        denom = float(np.mean(np.abs(served)))
        served_how = self.served if self.kind == "als" else "model"
        return ServedGap(len(arr), float(diff.mean()), float(diff.max()),
                         float(diff.mean() / denom) if denom > 0 else 0.0, served_how)

    def describe(self) -> dict[str, Any]:
        return {"type": type(self.model).__name__, "kind": self.kind, "task": "ranking", "k": self.k,
                "users": self.n_users, "items": self.n_items, "interactions": int(self.interactions.nnz),
                "served": self.served if self.kind == "als" else "model", "basis": self.basis,
                "sources": list(self.source_names), "filter_already_liked_items": self.filter_already_liked_items}


# ----------------------------------------------------------------------------------------
def wrap_collaborative(
    model: Any,
    *,
    interactions: Any,
    user_ids: Sequence[Any] | Mapping[Any, int] | None = None,
    item_ids: Sequence[Any] | Mapping[Any, int] | None = None,
    item_labels: Mapping[Any, str] | None = None,
    user_features: Any = None,
    user_feature_names: Sequence[str] | None = None,
    item_features: Any = None,
    served: Served = "stored",
    k: int = 3,
    history_label: str = "history",
    name: str = "",
    sources: Mapping[str, Any] | None = None,
    filter_already_liked_items: bool = True,
) -> CollaborativeAdapter:
    """Wrap a fitted ``implicit`` or ``lightfm`` recommender; see :func:`explainer.wrap_model`."""
    kind = model_kind(model)
    if served not in ("stored", "recalculated"):
        raise InvalidInputError(f"served must be 'stored' or 'recalculated'. Got {served!r}.")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidInputError(f"k must be a positive integer. Got {k!r}.")
    X = _csr(interactions, "interactions")
    check_fitted_shape(model, kind, X.shape, served=served, user_features=user_features, item_features=item_features)
    uf, ifeat, columns = check_features(kind, type(model).__name__, X.shape[0], user_features, user_feature_names,
                                        item_features)
    parts = check_sources(kind, X, sources, interactions)
    users, uidx = _index(user_ids, X.shape[0], "user_ids", "row")
    items, iidx = _index(item_ids, X.shape[1], "item_ids", "column")
    labels = {} if item_labels is None else {i: str(v) for i, v in dict(item_labels).items()}
    unlabelled = sum(i not in labels for i in items) if labels else 0
    if unlabelled:
        raise InvalidInputError(
            f"item_labels must name every item of item_ids, so that a page never shows a bare id. Got labels for "
            f"{len(items) - unlabelled} of {len(items)} items. Pass a title for each item ({{item id: title}}), "
            "or no item_labels at all."
        )
    if k > X.shape[1]:
        raise InvalidInputError(
            f"k must be at most the number of items of interactions ({X.shape[1]}). Got {k}. Pass the length of "
            "the list the recommender shows."
        )
    return CollaborativeAdapter(
        model=model, kind=kind, interactions=X, user_ids=users, item_ids=items, item_labels=labels,
        user_features=uf, user_feature_columns=columns, item_features=ifeat, served=served, k=int(k),
        history_label=history_label, name=name or type(model).__name__, sources=parts,
        filter_already_liked_items=bool(filter_already_liked_items), _user_index=uidx, _item_index=iidx,
    )


#: Hyperparameters implicit saves with each factor model (``model.save``), besides the factors.
_ALS_SAVED = frozenset({"alpha", "use_cg", "cg_steps"})
_OTHER_SAVED = {"BayesianPersonalizedRanking": frozenset({"learning_rate", "verify_negative_samples"}),
                "LogisticMatrixFactorization": frozenset({"learning_rate", "neg_prop"})}


def _saved_factor_model(keys: set[str]) -> str | None:
    """The implicit class (other than ALS) whose saved file has these arrays; None for ALS."""
    for cls, marks in _OTHER_SAVED.items():
        if marks <= keys:
            return cls
    if "learning_rate" in keys or not keys >= _ALS_SAVED:
        return "an implicit factor model other than AlternatingLeastSquares"
    return None


def load_collaborative(path: Any) -> Any:
    """Load an ``implicit`` model saved with ``model.save(path)`` (NumPy ``.npz``, read without pickle).

    ALS files hold ``item_factors``; item-item files (any variant) the similarity matrix,
    which is all their scores read, so they load as :class:`ItemItemRecommender`.
    """
    from pathlib import Path

    from .._optional import import_optional
    from ..errors import DataFileNotFoundError

    p = Path(path)
    if not p.is_file():
        raise DataFileNotFoundError(f"model file must exist. Got {p.name!r}, which was not found.")
    try:
        with np.load(p, allow_pickle=False) as data:
            keys = set(data.files)
    except (OSError, ValueError) as err:
        raise InvalidInputError(
            f"model file must be an implicit model saved with model.save(path) (.npz). Got {p.name!r}, which numpy "
            "cannot read without running code. Save the model again with model.save()."
        ) from err
    if "item_factors" in keys:
        # implicit saves the factors of every matrix-factorisation model under the same names; the
        # hyperparameters tell them apart: only ALS saves alpha and its conjugate-gradient settings,
        # BPR and logistic MF a learning rate (and verify_negative_samples or neg_prop).
        other = _saved_factor_model(keys)
        if other is not None:
            from ._collaborative_checks import refusal

            raise InvalidInputError(refusal(other))
        als = import_optional("implicit.cpu.als", purpose="Loading an ALS model")
        with warnings.catch_warnings():  # its advice on BLAS threads is for fitting; a loaded model is not refitted
            warnings.filterwarnings("ignore", message="OpenBLAS is configured to use", category=RuntimeWarning)
            return als.AlternatingLeastSquares.load(str(p))
    if {"data", "indptr", "indices", "K"} <= keys:
        nn = import_optional("implicit.nearest_neighbours", purpose="Loading an item-item model")
        return nn.ItemItemRecommender.load(str(p))
    raise InvalidInputError(
        f"model file must hold an implicit ALS or item-item model. Got {p.name!r} with none of their arrays. "
        "Save the fitted model with model.save(path)."
    )
