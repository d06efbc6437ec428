"""Checks of what :func:`wrap_collaborative` is given: the model, its matrices, ids and sources.

Each check raises :class:`InvalidInputError` (or :class:`ModelNotFittedError`) with the
parameter named and the fix; none reads a cell value into a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from ..errors import InvalidInputError, ModelNotFittedError

CollaborativeKind = Literal["als", "item_item", "lightfm"]

_ALS = "implicit.cpu.als.AlternatingLeastSquares"
_ITEM_ITEM = "implicit.nearest_neighbours.ItemItemRecommender"
_LIGHTFM = "lightfm.lightfm.LightFM"
_SUPPORTED = ("implicit's AlternatingLeastSquares (CPU), ItemItemRecommender (and its Cosine, BM25 and TF-IDF "
              "variants) and LightFM")
#: Models of these libraries that are refused, with the reason.
_REFUSED = {
    "BayesianPersonalizedRanking": "its user factors are learned directly, so a score does not split exactly "
                                   "over the customer's history",
    "LogisticMatrixFactorization": "its user factors are learned directly, so a score does not split exactly "
                                   "over the customer's history",
}


def refusal(cls: str, why: str | None = None) -> str:
    """The one-line refusal of an unsupported model of these libraries, with the reason."""
    why = why or _REFUSED.get(cls, "a score does not split exactly over the customer's history")
    return (f"model must be one of {_SUPPORTED}. Got {cls}, which is not supported: {why}. "
            "Wrap a supported model, or wrap a scoring function as a feature-based model.")


def _mro_names(model: Any) -> set[str]:
    return {f"{c.__module__}.{c.__qualname__}" for c in type(model).__mro__}


def _position(index: dict[Any, int], key: Any, message: str) -> int:
    """``key``'s position in ``index``, looked up as given and then as text (ids read from a file)."""
    pos = index.get(key)
    if pos is None:
        pos = index.get(str(key))
    if pos is None:
        raise InvalidInputError(message)
    return pos


def _index(ids: Any, n: int, name: str, what: str) -> tuple[tuple[Any, ...], dict[Any, int]]:
    if ids is None:
        seq: tuple[Any, ...] = tuple(range(n))
    elif isinstance(ids, Mapping):
        rows = sorted(ids.items(), key=lambda kv: kv[1])
        if [int(v) for _, v in rows] != list(range(n)):
            raise InvalidInputError(
                f"{name} must map each id to a {what} of interactions, 0 to {n - 1}, once each. Got "
                f"{len(ids)} ids for {n} {what}s. Pass one id per {what}."
            )
        seq = tuple(k for k, _ in rows)
    else:
        seq = tuple(np.asarray(ids, dtype=object).tolist())
        if len(seq) != n:
            raise InvalidInputError(
                f"{name} must hold one id per {what} of interactions ({n}). Got {len(seq)}. "
                f"Pass the ids in {what} order."
            )
    index = {v: i for i, v in enumerate(seq)}
    if len(index) != len(seq):
        raise InvalidInputError(f"{name} must be unique. Got {len(seq) - len(index)} repeated ids. Pass each id once.")
    for i, v in enumerate(seq):  # ids given as numbers are also found by their text
        index.setdefault(str(v), i)
    return seq, index


def _csr(matrix: Any, name: str) -> Any:
    import scipy.sparse as sp

    if not (sp.issparse(matrix) or isinstance(matrix, np.ndarray)) or np.ndim(matrix) != 2:
        raise InvalidInputError(
            f"{name} must be a 2-D scipy sparse matrix (customers x items). Got {type(matrix).__name__}. "
            "Pass the matrix the model was fitted on, e.g. scipy.sparse.csr_matrix(...)."
        )
    m = sp.csr_matrix(matrix, dtype=np.float64).tocoo().tocsr()  # repeated entries summed, like implicit's input
    m.sort_indices()
    m.eliminate_zeros()
    if not np.isfinite(m.data).all() or (m.data < 0).any():
        bad = int((~np.isfinite(m.data) | (m.data < 0)).sum())
        raise InvalidInputError(
            f"{name} must hold finite, non-negative values (how much each customer used each item). Got {bad} "
            "negative or missing entries. Drop them, or clip negative feedback to 0."
        )
    return m


def model_kind(model: Any) -> CollaborativeKind:
    """Which supported family ``model`` is; other models of these libraries are refused with the reason."""
    names = _mro_names(model)
    cls = type(model).__name__
    if cls in _REFUSED or type(model).__module__.startswith("implicit.gpu"):
        raise InvalidInputError(refusal(cls, _REFUSED.get(cls, "it runs on the GPU; call model.to_cpu() and wrap "
                                                                 "the CPU model")))
    for path, kind in ((_ALS, "als"), (_ITEM_ITEM, "item_item"), (_LIGHTFM, "lightfm")):
        if path in names:
            return kind  # type: ignore[return-value]
    raise InvalidInputError(f"model must be one of {_SUPPORTED}. Got {cls}. Wrap a supported model.")


#: The attribute a fitted model of each kind has, and how its (users, items) shape is read.
_FITTED_BY = {"als": "item_factors", "item_item": "similarity", "lightfm": "item_embeddings"}


def check_fitted_shape(model: Any, kind: CollaborativeKind, shape: tuple[int, int], *, served: str,
                       user_features: Any, item_features: Any) -> None:
    """The model is fitted, on a matrix of ``shape`` (customers x items)."""
    cls = type(model).__name__
    if getattr(model, _FITTED_BY[kind], None) is None:
        raise ModelNotFittedError(
            f"model must be fitted before it is audited. Got an unfitted {cls}. Call model.fit(interactions) first.")
    n_users, n_items = shape
    if kind == "als":
        fitted_items, fitted_users = model.item_factors.shape[0], model.user_factors.shape[0]
    elif kind == "item_item":
        fitted_items, fitted_users = model.similarity.shape[0], n_users
    else:
        fitted_items = model.item_embeddings.shape[0] if item_features is None else item_features.shape[0]
        fitted_users = model.user_embeddings.shape[0] if user_features is None else user_features.shape[0]
    if n_items != fitted_items or (n_users != fitted_users and not (kind == "als" and served == "recalculated")):
        raise InvalidInputError(
            f"interactions must have the shape the model was fitted on, {fitted_users} customers x {fitted_items} "
            f"items. Got {n_users} x {n_items}. Pass the matrix given to model.fit()."
        )


def check_features(kind: CollaborativeKind, cls: str, n_users: int, user_features: Any,
                   user_feature_names: Sequence[str] | None, item_features: Any) -> tuple[Any, Any, tuple[str, ...]]:
    """LightFM's user and item feature matrices and the column each user feature encodes."""
    if kind != "lightfm":
        if user_features is not None or item_features is not None:
            raise InvalidInputError(
                f"user_features and item_features must be None for a {cls}, which reads only interactions. Got "
                "features. Leave them out."
            )
        return None, None, ()
    ifeat = None if item_features is None else _csr(item_features, "item_features")
    if user_features is None:
        return None, ifeat, ("history",) * n_users
    uf = _csr(user_features, "user_features")
    if user_feature_names is None or len(user_feature_names) != uf.shape[1]:
        raise InvalidInputError(
            f"user_feature_names must name the column of each of the {uf.shape[1]} user features "
            f"(several features may share one column). Got "
            f"{'None' if user_feature_names is None else len(user_feature_names)}. Pass one name per feature, "
            "e.g. 'history' for the identity features and 'age_band' for each age band."
        )
    return uf, ifeat, tuple(str(c) for c in user_feature_names)


def _precision(matrices: Sequence[Any]) -> float:
    """Machine epsilon of the coarsest floating type among the inputs (float64 for integers)."""
    eps = [np.finfo(m.dtype).eps for m in matrices if np.issubdtype(np.dtype(m.dtype), np.floating)]
    return float(max(eps, default=np.finfo(np.float64).eps))


def check_sources(kind: CollaborativeKind, X: Any, sources: Mapping[str, Any] | None,
                  interactions: Any = None) -> dict[str, Any]:
    """Each source's part of the interaction matrix; the parts add up to it.

    The sum is compared in float64 within the rounding of the inputs' own type: float32 parts
    that a caller added in float32 differ from their float64 sum by a few units of float32's
    last place, which is not a mismatch.
    """
    parts: dict[str, Any] = {}
    if not sources:
        return parts
    if kind == "lightfm":
        raise InvalidInputError(
            "sources must be None for a LightFM model: it scores from user features, not from the history. "
            "Got sources. Categorise the user-feature columns in the inventory instead."
        )
    for src, m in sources.items():
        parts[str(src)] = _csr(m, f"sources[{str(src)!r}]")
        if parts[str(src)].shape != X.shape:
            raise InvalidInputError(
                f"sources[{str(src)!r}] must have the shape of interactions, {X.shape[0]} x {X.shape[1]}. Got "
                f"{parts[str(src)].shape[0]} x {parts[str(src)].shape[1]}. Pass each source's part of the matrix."
            )
    total = sum(parts.values())
    off = float(abs(total - X).max()) if X.nnz or total.nnz else 0.0
    given = [m for m in (interactions, *sources.values()) if hasattr(m, "dtype")]
    rounding = 4.0 * (len(parts) + 1) * _precision(given)
    if off > max(1e-9, rounding) * max(1.0, float(abs(X).max())):
        raise InvalidInputError(
            f"sources must add up to interactions (each source's part of every value). Got a sum that differs "
            f"by up to {off:.3g}. Pass the parts of the matrix the model was fitted on, weighted as in it."
        )
    return parts
