"""Exact path-dependent Tree SHAP of tree ensembles (scikit-learn, LightGBM, XGBoost).

:func:`explain_tree` explains the raw margin of a tree ensemble in chunks of rows through
``fasttreeshap-fixed`` (algorithm v2, else v1) when it is installed, accepts the model and
its values add up to the model output on the first chunk; else through
``shap.TreeExplainer``. Values are float64; for XGBoost, which predicts in float32, the
output they add up to is recomputed in float64 from the parsed trees.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import numpy.typing as npt

from ._shap_matrix import ShapMatrix, ShapOptions, ShapPlan, chunks, finish, import_shap

__all__ = ["explain_tree", "FASTTREESHAP_EXTRA"]

#: The extra that installs the optional fast tree SHAP backend.
FASTTREESHAP_EXTRA = "fast"
_Array = npt.NDArray[np.float64]

# Additivity tolerance for accepting the fast backend: |sum + base - output| must stay below
# _FAST_ATOL + _FAST_RTOL * |output| on the first chunk, else shap is used instead.
_FAST_ATOL = 1e-6
_FAST_RTOL = 1e-9
# Memory that fasttreeshap v2 may use for its precomputed tables before v1 is used instead.
_V2_MEMORY_BUDGET_BYTES = 1 << 30
# Relative tolerance between XGBoost's float32 margin and the float64 recomputation.
_FLOAT32_RTOL = 1e-4
#: Rows per chunk when ``chunk_size`` is None: tree SHAP explains about 3,000 rows a second,
#: so a chunk of 2,000 moves the progress bar about twice a second.
_TREE_CHUNK_ROWS = 2000


class _TreeBackend(ABC):
    """Explains chunks of rows with path-dependent Tree SHAP.

    ``explain`` returns ``(values, base_value)``; ``predict64`` returns the ensemble's output
    recomputed in float64 from the parsed trees (used for float32 models such as XGBoost).
    """

    algorithm: str

    @abstractmethod
    def explain(self, X: _Array) -> tuple[_Array, float]: ...

    @abstractmethod
    def predict64(self, X: _Array) -> _Array: ...


def _path_dependent_base(model: Any, tree_limit: int) -> npt.NDArray[np.float64]:
    """The base value of path-dependent Tree SHAP, one per model output.

    It is ``base_offset`` plus, for each tree, its expectation under the covers: a leaf's
    weight is the product of ``cover(child) / cover(parent)`` along its path, the ratios that
    Tree SHAP itself uses. The C++ code of shap and fasttreeshap adds the root's stored value
    instead, which is 0 for parsed XGBoost trees.
    """
    values = np.asarray(model.values, dtype=np.float64)[:tree_limit]
    covers = np.asarray(model.node_sample_weight, dtype=np.float64)[:tree_limit]
    left = np.asarray(model.children_left)[:tree_limit]
    right = np.asarray(model.children_right)[:tree_limit]
    n_trees, n_nodes = left.shape
    reach = np.zeros((n_trees, n_nodes))
    reach[:, 0] = 1.0
    rows = np.arange(n_trees)
    for node in range(n_nodes):
        inner = left[:, node] >= 0
        if not inner.any():
            continue
        t = rows[inner]
        lc, rc = left[t, node], right[t, node]
        if np.any(lc <= node) or np.any(rc <= node):
            return _path_dependent_base_recursive(values, covers, left, right, model.base_offset)
        parent = np.where(covers[t, node] > 0, covers[t, node], 1.0)
        reach[t, lc] = reach[t, node] * covers[t, lc] / parent
        reach[t, rc] = reach[t, node] * covers[t, rc] / parent
    reach = np.where(left == -1, reach, 0.0)
    per_tree = np.einsum("tn,tnk->tk", reach, values)
    offset = np.asarray(model.base_offset, dtype=np.float64).reshape(-1)
    return np.asarray(per_tree.sum(axis=0) + offset, dtype=np.float64)


def _path_dependent_base_recursive(
    values: _Array, covers: _Array, left: Any, right: Any, base_offset: Any
) -> npt.NDArray[np.float64]:
    """Same as :func:`_path_dependent_base` for trees whose children may precede parents."""
    total = np.zeros(values.shape[2])
    for t in range(values.shape[0]):
        stack = [(0, 1.0)]
        while stack:
            node, weight = stack.pop()
            if left[t, node] < 0:
                total += weight * values[t, node]
                continue
            parent = covers[t, node] if covers[t, node] > 0 else 1.0
            for child in (left[t, node], right[t, node]):
                stack.append((int(child), weight * covers[t, child] / parent))
    return np.asarray(total + np.asarray(base_offset, dtype=np.float64).reshape(-1))


def _pick_output(values: _Array, base: _Array, class_index: int | None) -> tuple[_Array, float]:
    """Keep one output of an ``(n, d)`` or ``(n, d, k)`` SHAP array and its base value."""
    base = np.asarray(base, dtype=np.float64).reshape(-1)
    if values.ndim == 3:
        idx = class_index if class_index is not None else values.shape[2] - 1
        return np.ascontiguousarray(values[:, :, idx]), float(base[idx])
    return values, float(base[-1])


class _ShapTree(_TreeBackend):
    algorithm = "shap-tree"

    def __init__(self, est: Any, class_index: int | None) -> None:
        shap = import_shap()
        self._class_index = class_index
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._explainer = shap.TreeExplainer(est, feature_perturbation="tree_path_dependent")
        self._base: npt.NDArray[np.float64] | None = None
        model = self._explainer.model
        if model.model_type == "xgboost":
            # shap hands XGBoost models to XGBoost's own pred_contribs, which runs in float32;
            # its C++ Tree SHAP on the parsed trees runs in float64.
            model.model_type = "internal"
            n_trees = model.values.shape[0]
            limit = -1 if model.tree_limit is None else int(model.tree_limit)
            self._base = _path_dependent_base(model, n_trees if limit < 0 or limit > n_trees else limit)

    def explain(self, X: _Array) -> tuple[_Array, float]:
        # With expected_value unset, shap takes it from the bias column of its output, which
        # is the path-dependent base value (for XGBoost its __init__ stores only base_score).
        self._explainer.expected_value = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = self._explainer.shap_values(X, check_additivity=False)
        if isinstance(raw, list):
            raw = np.stack(raw, axis=-1)
        base = self._explainer.expected_value if self._base is None else self._base
        return _pick_output(np.asarray(raw, dtype=np.float64), base, self._class_index)

    def predict64(self, X: _Array) -> _Array:
        out = np.asarray(self._explainer.model.predict(X), dtype=np.float64)
        return out.reshape(X.shape[0], -1)[:, -1 if self._class_index is None else self._class_index]


class _FastTree(_TreeBackend):
    """fasttreeshap-fixed's C++ Tree SHAP (v2 or v1), called on its parsed tree ensemble.

    The C extension is called directly: fasttreeshap's ``TreeExplainer.__init__`` fails on
    multi-output forests, and the bias column of its output is the exact base value.
    """

    def __init__(
        self, est: Any, class_index: int | None, n_jobs: int, chunk_rows: int, n_features: int
    ) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fasttreeshap_fixed import _cext
            from fasttreeshap_fixed.explainers._tree import TreeEnsemble

            model = TreeEnsemble(est, None, None, "raw")
        if (
            getattr(model, "trees", None) is None
            or not hasattr(model, "children_left")
            or model.model_output != "raw"
            or not model.fully_defined_weighting
        ):
            raise RuntimeError("fasttreeshap cannot explain this model path-dependently")
        self._cext = _cext
        self._model = model
        self._class_index = class_index
        self._n_jobs = n_jobs
        n_trees = model.values.shape[0]
        limit = -1 if model.tree_limit is None else int(model.tree_limit)
        self._tree_limit = n_trees if limit < 0 or limit > n_trees else limit
        self._base = _path_dependent_base(model, self._tree_limit)
        code = _v2_code(model, chunk_rows, n_features, n_jobs)
        self._algorithm_code = code
        self.algorithm = "fasttreeshap-v1" if code == 1 else "fasttreeshap-v2"

    def _prepare(self, X: _Array) -> npt.NDArray[Any]:
        dtype = self._model.input_dtype
        return np.ascontiguousarray(X if X.dtype == dtype else X.astype(dtype))

    def explain(self, X: _Array) -> tuple[_Array, float]:
        model = self._model
        Xc = self._prepare(X)
        phi = np.zeros((Xc.shape[0], Xc.shape[1] + 1, model.num_outputs))
        self._cext.dense_tree_shap(
            model.children_left,
            model.children_right,
            model.children_default,
            model.features,
            model.thresholds,
            model.values,
            model.node_sample_weight,
            model.max_depth,
            Xc,
            np.isnan(Xc),
            None,
            None,
            None,
            self._tree_limit,
            model.base_offset,
            phi,
            1,  # feature_perturbation: tree_path_dependent
            0,  # output transform: identity (raw margin)
            self._algorithm_code,
            self._n_jobs,
            False,  # no interactions
        )
        values = phi[:, :-1, :]
        if model.num_outputs == 1:
            return np.ascontiguousarray(values[:, :, 0]), float(self._base[0])
        return _pick_output(values, self._base, self._class_index)

    def predict64(self, X: _Array) -> _Array:
        out = np.asarray(self._model.predict(self._prepare(X)), dtype=np.float64)
        return out.reshape(X.shape[0], -1)[:, -1 if self._class_index is None else self._class_index]


def _v2_code(model: Any, chunk_rows: int, n_features: int, n_jobs: int) -> int:
    """fasttreeshap's algorithm code: v2_1 or v2_2 if their tables fit the budget, else v1.

    Uses fasttreeshap's own two memory estimates (per-thread tables plus the output, or
    tables precomputed for every tree); both grow as ``leaves * 2**max_depth``, so deep
    trees use v1.
    """
    max_leaves = (int(max(model.num_nodes)) + 1) / 2
    combinations = 2.0 ** int(model.max_depth)
    phi = chunk_rows * (n_features + 1) * model.num_outputs
    per_thread = (max_leaves * combinations + phi) * 8 * n_jobs
    precomputed = max_leaves * combinations * model.values.shape[0] * 8
    if per_thread <= _V2_MEMORY_BUDGET_BYTES:
        return 3  # v2_1
    if precomputed <= _V2_MEMORY_BUDGET_BYTES:
        return 4  # v2_2
    return 1  # v1


def _fasttreeshap_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("fasttreeshap_fixed") is not None


def _additivity_ok(values: _Array, base: float, output: _Array) -> bool:
    err = np.abs(values.sum(axis=1) + base - output)
    return bool(np.all(err <= _FAST_ATOL + _FAST_RTOL * np.abs(output)))


def _reference_output(plan: ShapPlan, backend: _TreeBackend, X: _Array) -> _Array:
    """The model output that the values must add up to.

    XGBoost predicts in float32, so its margin carries rounding of about 1e-7 per tree. For
    it the output is recomputed in float64 from the parsed trees, provided that this agrees
    with XGBoost's own margin within float32 rounding (else XGBoost's margin is kept and the
    additivity error shows the disagreement).
    """
    out = plan.model_output(X)
    if not plan.float32_output:
        return out
    out64 = backend.predict64(X)
    if np.all(np.abs(out64 - out) <= _FLOAT32_RTOL * (1.0 + np.abs(out))):
        return out64
    return out


def _tree_backend(
    est: Any, plan: ShapPlan, X_first: _Array, n_jobs: int, *, use_fast: bool
) -> tuple[_TreeBackend, tuple[_Array, float, _Array] | None]:
    """Pick the fast backend if it runs and is additive on the first chunk, else shap."""
    if use_fast and _fasttreeshap_available():
        try:
            fast = _FastTree(est, plan.class_index, n_jobs, X_first.shape[0], X_first.shape[1])
            values, base = fast.explain(X_first)
            reference = _reference_output(plan, fast, X_first)
        except Exception:  # noqa: BLE001 - any failure of the optional backend means: use shap
            pass
        else:
            if values.shape == X_first.shape and _additivity_ok(values, base, reference):
                return fast, (values, base, reference)
    return _ShapTree(est, plan.class_index), None



def explain_tree(est: Any, plan: ShapPlan, X: _Array, opts: ShapOptions, threads: int) -> ShapMatrix:
    """Tree SHAP values of ``plan.model_output`` for every row of ``X``, chunk by chunk."""
    n_rows, n_features = X.shape
    values = np.empty((n_rows, n_features), dtype=np.float64)
    max_err = 0.0
    parts = list(chunks(n_rows, int(opts.chunk_size or _TREE_CHUNK_ROWS)))
    backend, first = _tree_backend(est, plan, X[parts[0]], threads, use_fast=opts.use_fasttreeshap)
    base = 0.0
    for i, sl in enumerate(parts):
        if i == 0 and first is not None:
            vals, base, reference = first
        else:
            vals, base = backend.explain(X[sl])
            reference = _reference_output(plan, backend, X[sl])
        values[sl] = vals
        err = np.abs(vals.sum(axis=1) + base - reference)
        max_err = max(max_err, float(err.max()))
        opts.report(sl.stop, n_rows)
    return finish(values, base, backend.algorithm, plan, max_err, exact=True)
