"""Check the tree arrays of a loaded model before any compiled code reads them.

scikit-learn's compiled predictors (``TreePredictor`` of HistGradientBoosting, ``Tree`` of
decision trees and forests), and shap's tree explainers after them, follow the child and
feature indices stored in a model's node arrays without bounds checks. A model file edited
by someone else can set them out of range: skops rebuilds the object without complaint and
the first prediction reads memory outside the arrays (a crash, or worse). So every tree
found in a loaded model is checked here to be exactly what scikit-learn writes: the dtype
and shape of each array, children after their parent with one parent each (a tree, no
cycles), feature indices below the number of inputs, categorical splits pointing at
bitsets that exist, bin thresholds inside their feature's bins.

Messages name the file, the tree and the node, never a threshold or a leaf value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError

__all__ = ["check_tree_arrays"]

_HOW = ("Load only model files saved by scikit-learn (skops.io.dump) that nobody has edited since; "
        "ask the model's owner for a fresh copy.")


#: The feature index scikit-learn writes in the leaves of a decision tree (``_tree.TREE_UNDEFINED``).
_TREE_UNDEFINED = -2


class _Refused(Exception):
    """One failed check: what must hold and where it does not."""


def check_tree_arrays(model: Any, *, name: str) -> None:
    """Raise InvalidInputError unless every tree in ``model`` is as scikit-learn writes it.

    Walks the loaded object (pipelines, column transformers, ensembles, lists, dicts) and
    checks each HistGradientBoosting model with its ``TreePredictor`` objects, each
    decision tree estimator with its ``tree_``, and any ``TreePredictor`` or ``Tree`` found
    on its own. ``name`` is the file name used in the message.

    Raises
    ------
    InvalidInputError
        If any array is off. The message names the file, the tree and the check.
    """
    try:
        _walk(model)
    except _Refused as err:
        raise InvalidInputError(
            f"model file {name!r} must hold trees as scikit-learn writes them. Got {err}, which scikit-learn "
            f"never writes and which would make its compiled code read outside the arrays. {_HOW}"
        ) from None


# --- the walk -------------------------------------------------------------------------------
def _children(obj: Any) -> Iterator[Any]:
    if isinstance(obj, dict):
        yield from obj.values()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        yield from obj
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            yield from obj.ravel()
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from vars(obj).values()


def _walk(root: Any) -> None:
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool, complex)):
            continue
        seen.add(id(obj))
        if _is_hgb(obj):
            _check_hgb(obj)
            for p in _predictors(obj):
                seen.add(id(p))
        elif isinstance(obj, Tree):
            _check_tree(obj, n_features=int(obj.n_features), where="a decision tree")
        elif isinstance(obj, TreePredictor):
            _check_predictor(obj, n_features=None, is_categorical=None, n_bins=None, where="a lone tree")
        elif isinstance(getattr(obj, "__dict__", {}).get("tree_"), Tree):  # a fitted DecisionTree*
            tree = obj.tree_
            n_in = getattr(obj, "n_features_in_", None)
            bound = int(tree.n_features) if n_in is None else min(int(tree.n_features), _int(n_in, "n_features_in_"))
            _check_tree(tree, n_features=bound, where=f"the tree of a {type(obj).__name__}")
            seen.add(id(tree))
        stack.extend(_children(obj))


def _is_hgb(obj: Any) -> bool:
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import BaseHistGradientBoosting

    return isinstance(obj, BaseHistGradientBoosting) and "_predictors" in vars(obj)


def _predictors(hgb: Any) -> list[Any]:
    return [p for it in vars(hgb)["_predictors"] for p in it]


def _int(value: Any, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise _Refused(f"{what} of type {type(value).__name__} (a count must be a non-negative integer)")
    return int(value)


# --- HistGradientBoosting ---------------------------------------------------------------------
def _check_hgb(hgb: Any) -> None:
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    state = vars(hgb)
    if state.get("_in_fit"):  # set only while fitting: predictions would read the data as bins
        raise _Refused("a HistGradientBoosting model saved in the middle of fitting")
    n_features = _int(state.get("n_features_in_"), "n_features_in_")
    if n_features < 1:
        raise _Refused("n_features_in_ of 0")
    is_cat, n_bins = _check_bin_mapper(state.get("_bin_mapper"), n_features)
    _check_preprocessor(state.get("_preprocessor"), n_features)
    per_iter = _int(state.get("n_trees_per_iteration_"), "n_trees_per_iteration_")
    iterations = state["_predictors"]
    if not isinstance(iterations, list):
        raise _Refused(f"_predictors of type {type(iterations).__name__} (scikit-learn writes a list)")
    for i, trees in enumerate(iterations):
        if not isinstance(trees, list) or len(trees) != per_iter:
            raise _Refused(f"iteration {i} with other than n_trees_per_iteration_={per_iter} trees")
        for k, tree in enumerate(trees):
            if type(tree) is not TreePredictor:
                raise _Refused(f"a {type(tree).__name__} as tree {k} of iteration {i}")
            _check_predictor(tree, n_features=n_features, is_categorical=is_cat, n_bins=n_bins,
                             where=f"tree {k} of iteration {i}")


def _check_bin_mapper(mapper: Any, n_features: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """The categorical mask and the number of non-missing bins per feature, checked."""
    from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper

    if type(mapper) is not _BinMapper:
        raise _Refused(f"a bin mapper of type {type(mapper).__name__}")
    state = vars(mapper)
    bins = _checked_n_bins(state.get("n_bins_non_missing_"), n_features)
    is_cat = _checked_categorical_mask(state.get("is_categorical_"), n_features)
    thresholds = state.get("bin_thresholds_")
    if not isinstance(thresholds, list) or len(thresholds) != n_features:
        raise _Refused(f"bin_thresholds_ of other than {n_features} arrays")
    for f, t in enumerate(thresholds):
        _check_bin_thresholds(t, f, bool(is_cat[f]), int(bins[f]))
    return is_cat, bins


def _checked_n_bins(n_bins: Any, n_features: int) -> npt.NDArray[np.int64]:
    """The number of non-missing bins per feature: integers from 0 to 255, one per input."""
    if not isinstance(n_bins, np.ndarray) or n_bins.shape != (n_features,) or n_bins.dtype.kind not in "ui":
        raise _Refused(f"n_bins_non_missing_ of shape {getattr(n_bins, 'shape', None)} for {n_features} inputs")
    bins = n_bins.astype(np.int64)
    if (bins < 0).any() or (bins > 255).any():
        raise _Refused("a number of bins outside 0 to 255")
    return bins


def _checked_categorical_mask(cat: Any, n_features: int) -> npt.NDArray[np.bool_]:
    """The categorical mask: absent (no categorical input) or 0/1 values, one per input."""
    if cat is None:
        return np.zeros(n_features, dtype=bool)
    if isinstance(cat, np.ndarray) and cat.shape == (n_features,) and cat.dtype.kind in "bu" and \
            np.isin(cat, (0, 1)).all():
        return cat.astype(bool)
    raise _Refused(f"a categorical mask of shape {getattr(cat, 'shape', None)} for {n_features} inputs")


def _check_bin_thresholds(t: Any, f: int, is_cat: bool, n_bins: int) -> None:
    """One input's thresholds: a 1-d float array of ``n_bins - 1`` thresholds, or for a categorical
    input its ``n_bins`` known categories, whole numbers from 0 to 255."""
    if not isinstance(t, np.ndarray) or t.ndim != 1 or t.dtype.kind != "f":
        raise _Refused(f"bin thresholds of input {f} that are not a 1-d float array")
    if is_cat:
        if t.shape[0] != n_bins or not np.isfinite(t).all() or (t < 0).any() or (t > 255).any() or \
                (t != np.round(t)).any():
            raise _Refused(f"known categories of input {f} that are not {n_bins} whole numbers from 0 to 255")
    elif t.shape[0] != max(n_bins - 1, 0):
        raise _Refused(f"{t.shape[0]} bin thresholds for input {f}, which has {n_bins} bins")


def _check_preprocessor(pre: Any, n_features: int) -> None:
    """The categorical encoder scikit-learn adds (``categorical_features="from_dtype"``).

    scikit-learn writes a ColumnTransformer of an OrdinalEncoder on the categorical columns
    and ``check_array`` on the others, so it outputs one column per input of the trees.
    Anything else could hand the trees fewer columns than their feature indices assume.
    """
    if pre is None:
        return
    from sklearn.compose import ColumnTransformer

    if type(pre) is not ColumnTransformer or getattr(pre, "n_features_in_", None) != n_features:
        raise _Refused(f"a categorical preprocessor of type {type(pre).__name__} that does not read {n_features} "
                       "columns")
    enc, num = _preprocessor_steps(pre)
    mask, rest = enc[2], num[2]
    if not (isinstance(mask, np.ndarray) and mask.dtype == bool and mask.shape == (n_features,)
            and isinstance(rest, np.ndarray) and rest.dtype == bool and np.array_equal(rest, ~mask)):
        raise _Refused(f"a categorical preprocessor whose column masks do not cover the {n_features} inputs once")
    _check_encoder(enc[1], int(mask.sum()))
    _check_numeric_step(num[1])


def _preprocessor_steps(pre: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The ``encoder`` and ``numerical`` steps, and nothing else but a dropped remainder."""
    steps = {e[0]: e for e in getattr(pre, "transformers_", []) if isinstance(e, tuple) and len(e) == 3}
    enc, num = steps.get("encoder"), steps.get("numerical")
    extra = set(steps) - {"encoder", "numerical", "remainder"}
    if enc is None or num is None or extra or len(steps) != len(pre.transformers_) or \
            steps.get("remainder", ("", "drop", []))[1] != "drop":
        raise _Refused("a categorical preprocessor with steps scikit-learn does not write")
    return enc, num


def _check_encoder(encoder: Any, n_cat: int) -> None:
    """scikit-learn's OrdinalEncoder, fitted on the ``n_cat`` categorical columns."""
    from sklearn.preprocessing import OrdinalEncoder

    if type(encoder) is not OrdinalEncoder or getattr(encoder, "n_features_in_", None) != n_cat or \
            len(getattr(encoder, "categories_", [])) != n_cat:
        raise _Refused(f"a categorical encoder that does not encode its {n_cat} columns")


def _check_numeric_step(checker: Any) -> None:
    """A FunctionTransformer of scikit-learn's own ``check_array``, with no arguments bound."""
    import functools

    from sklearn.preprocessing import FunctionTransformer
    from sklearn.utils.validation import check_array

    func = getattr(checker, "func", None)
    if type(checker) is not FunctionTransformer or not isinstance(func, functools.partial) or \
            func.func is not check_array or func.args or getattr(checker, "inverse_func", None) is not None:
        raise _Refused("a numeric step of the categorical preprocessor other than scikit-learn's check_array")


def _predictor_dtype() -> np.dtype[Any]:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    dtype: np.dtype[Any] = np.dtype(PREDICTOR_RECORD_DTYPE)
    return dtype


def _check_bitsets(arr: Any, what: str, where: str) -> int:
    if not isinstance(arr, np.ndarray) or arr.dtype != np.uint32 or arr.ndim != 2 or arr.shape[1] != 8 or \
            not arr.flags.c_contiguous:
        raise _Refused(f"{what} bitsets of {where} that are not an (n, 8) uint32 array")
    return int(arr.shape[0])


def _check_predictor(tree: Any, *, n_features: int | None, is_categorical: npt.NDArray[np.bool_] | None,
                     n_bins: npt.NDArray[np.int64] | None, where: str) -> None:
    state = vars(tree)
    nodes = state.get("nodes")
    if not isinstance(nodes, np.ndarray) or nodes.dtype != _predictor_dtype():
        raise _Refused(f"node array of {where} with a dtype scikit-learn does not write")
    if nodes.ndim != 1 or nodes.shape[0] < 1:
        raise _Refused(f"node array of {where} of shape {nodes.shape} (scikit-learn writes 1-d, non-empty)")
    n_raw = _check_bitsets(state.get("raw_left_cat_bitsets"), "raw category", where)
    n_binned = _check_bitsets(state.get("binned_left_cat_bitsets"), "binned category", where)
    leaf = nodes["is_leaf"]
    for field in ("is_leaf", "missing_go_to_left", "is_categorical"):
        if not np.isin(nodes[field], (0, 1)).all():
            raise _Refused(f"a {field} flag other than 0 or 1 in {where}")
    inner = np.flatnonzero(leaf == 0)
    _check_shape(inner, nodes["left"][inner].astype(np.int64), nodes["right"][inner].astype(np.int64),
                 len(nodes), where)
    # leaves too: scikit-learn writes 0 there, and readers such as shap copy every node's index
    every = nodes["feature_idx"].astype(np.int64)
    bad = (every < 0) if n_features is None else ((every < 0) | (every >= n_features))
    if bad.any():
        node = int(np.flatnonzero(bad)[0])
        raise _Refused(f"node {node} of {where} splitting on input {int(every[node])}, "
                       f"outside the {n_features if n_features is not None else 'known'} inputs")
    feat = every[inner]
    cat = nodes["is_categorical"][inner] == 1
    if cat.any():
        idx = nodes["bitset_idx"][inner][cat].astype(np.int64)
        if (idx >= min(n_raw, n_binned)).any():
            raise _Refused(f"a categorical split of {where} pointing past its {min(n_raw, n_binned)} bitsets")
        if is_categorical is not None and not is_categorical[feat[cat]].all():
            raise _Refused(f"a categorical split of {where} on an input that is not categorical")
    if n_bins is not None and (~cat).any():
        thr = nodes["bin_threshold"][inner][~cat].astype(np.int64)
        if (thr >= n_bins[feat[~cat]]).any():
            raise _Refused(f"a bin threshold of {where} outside its input's bins")


def _check_shape(inner: npt.NDArray[np.intp], left: npt.NDArray[np.int64], right: npt.NDArray[np.int64],
                 n_nodes: int, where: str) -> None:
    """Children come after their parent, inside the array, and each node but the root has one parent."""
    for side, child in (("left", left), ("right", right)):
        bad = (child <= inner) | (child >= n_nodes)
        if bad.any():
            raise _Refused(f"node {int(inner[bad][0])} of {where} whose {side} child is not a later node of "
                           f"its {n_nodes}")
    parents = np.bincount(np.concatenate([left, right]), minlength=n_nodes)
    if (parents[1:] != 1).any():
        raise _Refused(f"{where} whose {n_nodes} nodes do not form one tree (a node with "
                       f"{'no' if (parents[1:] == 0).any() else 'two'} parents)")


# --- decision trees (Tree, inside DecisionTree*, forests, GradientBoosting*) ------------------
def _check_tree(tree: Any, *, n_features: int, where: str) -> None:
    count, capacity = int(tree.node_count), int(tree.capacity)
    if count < 1 or count != capacity:
        raise _Refused(f"{where} with a node count of {count} for {capacity} stored nodes")
    if n_features < 1:
        raise _Refused(f"{where} reading {n_features} inputs")
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    is_leaf = left == -1
    if ((right == -1) != is_leaf).any():
        raise _Refused(f"{where} with a node that has one child")
    inner = np.flatnonzero(~is_leaf)
    _check_shape(inner, left[inner], right[inner], count, where)
    every = np.asarray(tree.feature, dtype=np.int64)
    feat = every[inner]
    bad = (feat < 0) | (feat >= n_features)
    if bad.any():
        raise _Refused(f"node {int(inner[bad][0])} of {where} splitting on input {int(feat[bad][0])}, "
                       f"outside the {n_features} inputs")
    if (every[is_leaf] != _TREE_UNDEFINED).any():
        raise _Refused(f"{where} with a leaf that names an input (scikit-learn writes {_TREE_UNDEFINED})")
