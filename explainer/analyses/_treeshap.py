"""The fastest exact SHAP path for each model family.

``explain_matrix`` takes a fitted final estimator (the pipeline's transformers already
applied) and a 2-D float array, and returns a :class:`ShapMatrix` of per-row, per-feature
SHAP values for one model output:

* tree ensembles (scikit-learn, LightGBM, XGBoost): path-dependent Tree SHAP on the raw
  margin, through ``fasttreeshap-fixed`` (algorithm v2, else v1) when it is installed and
  agrees with the model, else through ``shap.TreeExplainer``; exact, float64;
* linear models: ``coef * (x - mean(background))`` in numpy, which is what
  ``shap.LinearExplainer`` with an independent masker returns; exact;
* anything else: ``shap``'s permutation explainer over a sampled background; not exact.

shap, fasttreeshap, lightgbm and xgboost are imported inside the functions that use them.
"""

from __future__ import annotations

import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from .._display import HTMLDisplay
from .._plain import plain
from ..errors import InvalidInputError, ModelNotFittedError
from ..models._calls import call_model

__all__ = ["ShapMatrix", "explain_matrix", "FASTTREESHAP_EXTRA"]

#: The extra that installs the optional fast tree SHAP backend.
FASTTREESHAP_EXTRA = "fast"

OutputUnit = Literal["log-odds", "probability", "score"]
Output = Literal["raw", "probability"]
Progress = Callable[[int, int], None]
_Array = npt.NDArray[np.float64]

# Additivity tolerance for accepting the fast backend: |sum + base - output| must stay below
# _FAST_ATOL + _FAST_RTOL * |output| on the first chunk, else shap is used instead.
_FAST_ATOL = 1e-6
_FAST_RTOL = 1e-9
# Memory that fasttreeshap v2 may use for its precomputed tables before v1 is used instead.
_V2_MEMORY_BUDGET_BYTES = 1 << 30
# Relative tolerance between XGBoost's float32 margin and the float64 recomputation.
_FLOAT32_RTOL = 1e-4
_DEFAULT_BACKGROUND_ROWS = 100
#: Rows per chunk when ``chunk_size`` is None: tree SHAP explains about 3,000 rows a second,
#: so a chunk of 2,000 moves the progress bar about twice a second.
_TREE_CHUNK_ROWS = 2000
#: The permutation explainer evaluates the model about 500 x background times per row (a
#: hundredth of a second for a fast model): 50 rows move the bar about twice a second.
_PERMUTATION_CHUNK_ROWS = 50
#: Linear SHAP is a few array operations: chunks only bound the working memory.
_LINEAR_CHUNK_BYTES = 64 << 20
#: Within a chunk, linear SHAP works on blocks of about 1 MiB, which stay in the CPU cache
#: between centring, scaling and summing (measured 1.7x faster than whole-chunk passes).
_LINEAR_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True, eq=False)
class ShapMatrix(HTMLDisplay):
    """SHAP values of one model output for every explained row.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_features)
        The SHAP value of each feature for each row, float64, read-only.
    base_value : float
        The expected model output; ``values.sum(axis=1) + base_value`` is the model output.
    algorithm : str
        The path used: ``"fasttreeshap-v2"``, ``"fasttreeshap-v1"``, ``"shap-tree"``,
        ``"shap-linear"`` or ``"shap-permutation"``.
    output_unit : {"log-odds", "probability", "score"}
        The unit of the explained output: a classifier's raw margin (``"log-odds"``), a
        probability, or the score of a regressor, ranker or other margin.
    max_additivity_error : float
        ``max |values.sum(axis=1) + base_value - model_output|`` over the explained rows.
    exact : bool
        True when the values are exact Shapley values (up to rounding), False when sampled.
    """

    values: _Array
    base_value: float
    algorithm: str
    output_unit: OutputUnit
    max_additivity_error: float
    exact: bool

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_features)`` of :attr:`values`."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "estimated"
        return (f"ShapMatrix({self.shape[0]} rows x {self.shape[1]} columns, {self.algorithm}, {kind}, "
                f"unit {self.output_unit}, max additivity error {self.max_additivity_error:.1e})")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: how the values were computed and their shape. The per-row
        values are personal data and stay in :attr:`values`."""
        return plain({"n_rows": self.shape[0], "n_features": self.shape[1], "algorithm": self.algorithm,
                      "exact": self.exact, "unit": self.output_unit, "base_value": self.base_value,
                      "max_additivity_error": self.max_additivity_error})

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "shap_matrix", self.to_dict()


# --------------------------------------------------------------------------- model facts


def _qualname(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__name__}"


def _is_lightgbm(est: Any) -> bool:
    return _qualname(est).startswith("lightgbm.")


def _is_xgboost(est: Any) -> bool:
    return _qualname(est).startswith("xgboost.")


_SKLEARN_TREE_CLASSES = {
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
}
# Trees whose leaves hold class probabilities (the raw output is a probability).
_PROBA_TREE_CLASSES = {
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
}


def _is_sklearn_tree(est: Any) -> bool:
    return _qualname(est).startswith("sklearn.") and type(est).__name__ in _SKLEARN_TREE_CLASSES


def _is_sklearn_linear(est: Any) -> bool:
    name = _qualname(est)
    if not (name.startswith("sklearn.linear_model.") or name.startswith("sklearn.svm.")):
        return False
    if name.startswith("sklearn.svm.") and type(est).__name__ not in {"LinearSVC", "LinearSVR"}:
        return False
    # Generalised linear regressors (Poisson, Gamma, Tweedie) predict exp(linear): not linear.
    if type(est).__name__ in {"PoissonRegressor", "GammaRegressor", "TweedieRegressor"}:
        return False
    return hasattr(est, "coef_") and hasattr(est, "intercept_")


def _is_classifier(est: Any) -> bool:
    from sklearn.base import is_classifier

    try:
        return bool(is_classifier(est))
    except Exception:  # noqa: BLE001 - third-party estimators with broken tags
        return getattr(est, "_estimator_type", None) == "classifier"


def _check_fitted(est: Any) -> None:
    """Raise ModelNotFittedError if ``est`` is an unfitted estimator."""
    if _qualname(est) in {"lightgbm.basic.Booster", "xgboost.core.Booster"}:
        return
    if not hasattr(est, "fit"):
        return  # a plain callable
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(est)
    except NotFittedError as err:
        raise ModelNotFittedError(
            f"estimator must be a fitted model. Got an unfitted {type(est).__name__}. "
            "Call fit(X, y) on it before explaining it."
        ) from err
    except TypeError:
        return  # not an sklearn-style estimator: nothing to check


def _n_classes(est: Any) -> int | None:
    classes = getattr(est, "classes_", None)
    if classes is not None:
        return len(classes)
    n = getattr(est, "n_classes_", None)
    return int(n) if n is not None else None


def _booster_objective(est: Any) -> str:
    """The objective name of a native LightGBM or XGBoost booster ('' if unknown)."""
    if _qualname(est) == "lightgbm.basic.Booster":
        return str(est.params.get("objective", "") or "")
    if _qualname(est) == "xgboost.core.Booster":
        import json

        config = json.loads(est.save_config())
        return str(config.get("learner", {}).get("objective", {}).get("name", ""))
    return ""


def _booster_n_outputs(est: Any) -> int:
    if _qualname(est) == "lightgbm.basic.Booster":
        return int(est.num_model_per_iteration())
    if _qualname(est) == "xgboost.core.Booster":
        import json

        config = json.loads(est.save_config())
        learner = config.get("learner", {}).get("learner_model_param", {})
        n_class = int(learner.get("num_class", "0") or 0)
        n_target = int(learner.get("num_target", "1") or 1)
        return max(n_class, n_target, 1)
    return 1


@dataclass(frozen=True)
class _Plan:
    kind: Literal["tree", "linear", "permutation"]
    output_unit: OutputUnit
    model_output: Callable[[_Array], _Array]
    class_index: int | None  # which column of a 2-class tree output to keep
    float32_output: bool = False  # the model predicts in float32 (XGBoost)


def _quiet(fn: Callable[[], Any]) -> Any:
    """Call ``fn`` silencing the feature-name warning of models fitted on a DataFrame."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have valid feature names.*")
        return fn()


def _as_1d(out: Any) -> _Array:
    return np.asarray(out, dtype=np.float64).reshape(-1)


def _single_output_error(est: Any, n_outputs: int) -> InvalidInputError:
    return InvalidInputError(
        f"estimator must have a single output (a regressor, ranker or binary classifier). "
        f"Got a {type(est).__name__} with {n_outputs} outputs. "
        "Explain one class at a time with a binary model or a callable that returns one score."
    )


def _plan(est: Any, output: Output) -> _Plan:
    """Choose the explanation path and the model output it explains."""
    qual = _qualname(est)
    is_clf = _is_classifier(est)
    n_classes = _n_classes(est) if is_clf else None
    if n_classes is not None and n_classes > 2:
        raise _single_output_error(est, n_classes)

    # Native boosters.
    if qual in {"lightgbm.basic.Booster", "xgboost.core.Booster"}:
        n_out = _booster_n_outputs(est)
        if n_out > 1:
            raise _single_output_error(est, n_out)
        objective = _booster_objective(est)
        binary = objective in {"binary", "cross_entropy", "xentropy"} or objective.startswith(
            "binary:"
        )
        if qual == "lightgbm.basic.Booster":

            def lgb_margin(X: _Array) -> _Array:
                return _as_1d(call_model("the booster's predict", est.predict, X, raw_score=True))

            margin = lgb_margin
        else:

            def xgb_margin(X: _Array) -> _Array:
                import xgboost

                # a booster trained with column names checks them on every DMatrix
                dm = xgboost.DMatrix(X, feature_names=est.feature_names)
                return _as_1d(call_model("the booster's predict", est.predict, dm, output_margin=True))

            margin = xgb_margin
        if output == "probability":
            if not binary:
                raise _probability_error(est)
            sig = _sigmoid_of(margin)
            return _Plan("permutation", "probability", sig, None)
        return _Plan("tree", "log-odds" if binary else "score", margin, None, _is_xgboost(est))

    if _is_lightgbm(est) or _is_xgboost(est):
        if _is_lightgbm(est):

            def sk_lgb_margin(X: _Array) -> _Array:
                return _as_1d(call_model("the model's predict", _quiet, lambda: est.predict(X, raw_score=True)))

            margin = sk_lgb_margin
        else:

            def sk_xgb_margin(X: _Array) -> _Array:
                return _as_1d(call_model("the model's predict", _quiet, lambda: est.predict(X, output_margin=True)))

            margin = sk_xgb_margin
        if output == "probability":
            if not is_clf:
                raise _probability_error(est)
            return _Plan("permutation", "probability", _proba_of(est), None)
        return _Plan("tree", "log-odds" if is_clf else "score", margin, None, _is_xgboost(est))

    if _is_sklearn_tree(est):
        name = type(est).__name__
        if name in _PROBA_TREE_CLASSES and is_clf:
            if n_classes != 2:
                raise _single_output_error(est, n_classes or 0)
            return _Plan("tree", "probability", _proba_of(est), 1)
        if is_clf:
            if output == "probability":
                return _Plan("permutation", "probability", _proba_of(est), None)
            if name.startswith("HistGradientBoosting") and _hgb_has_categorical(est):
                return _Plan("permutation", "log-odds", _decision_of(est), None)
            return _Plan("tree", "log-odds", _decision_of(est), None)
        if output == "probability":
            raise _probability_error(est)
        if name.startswith("HistGradientBoosting") and _hgb_has_categorical(est):
            return _Plan("permutation", "score", _predict_of(est), None)
        return _Plan("tree", "score", _predict_of(est), None)

    if _is_sklearn_linear(est):
        coef = np.asarray(est.coef_, dtype=np.float64)
        if coef.ndim == 2 and coef.shape[0] > 1:
            raise _single_output_error(est, coef.shape[0])
        if is_clf:
            if output == "probability":
                return _Plan("permutation", "probability", _proba_of(est), None)
            unit: OutputUnit = "log-odds" if _is_logistic(est) else "score"
            return _Plan("linear", unit, _decision_of(est), None)
        if output == "probability":
            raise _probability_error(est)
        return _Plan("linear", "score", _predict_of(est), None)

    # Anything else: an estimator without a fast path, or a plain callable.
    if hasattr(est, "predict_proba") and is_clf:
        if output == "raw" and hasattr(est, "decision_function"):
            return _Plan("permutation", "score", _decision_of(est), None)
        return _Plan("permutation", "probability", _proba_of(est), None)
    if output == "probability":
        raise _probability_error(est)
    if hasattr(est, "predict"):
        return _Plan("permutation", "score", _predict_of(est), None)
    if callable(est):

        def call(X: _Array) -> _Array:
            return _as_1d(call_model("the callable model", est, X))

        return _Plan("permutation", "score", call, None)
    raise InvalidInputError(
        f"estimator must be a fitted model with predict, predict_proba or decision_function, "
        f"or a callable. Got a {type(est).__name__}. Pass the fitted final estimator."
    )


def _probability_error(est: Any) -> InvalidInputError:
    return InvalidInputError(
        f"output must be 'raw' for a model without class probabilities. Got 'probability' for a "
        f"{type(est).__name__}. Use output='raw'."
    )


def _is_logistic(est: Any) -> bool:
    name = type(est).__name__
    if name in {"LogisticRegression", "LogisticRegressionCV"}:
        return True
    return name == "SGDClassifier" and getattr(est, "loss", "") in {"log_loss", "log"}


def _hgb_has_categorical(est: Any) -> bool:
    cats = getattr(est, "is_categorical_", None)
    return cats is not None and bool(np.any(cats))


def _proba_of(est: Any) -> Callable[[_Array], _Array]:
    def proba(X: _Array) -> _Array:
        p = np.asarray(call_model("the model's predict_proba", _quiet, lambda: est.predict_proba(X)), dtype=np.float64)
        return p[:, 1] if p.ndim == 2 else p.reshape(-1)

    return proba


def _decision_of(est: Any) -> Callable[[_Array], _Array]:
    def decision(X: _Array) -> _Array:
        return _as_1d(call_model("the model's decision_function", _quiet, lambda: est.decision_function(X)))

    return decision


def _predict_of(est: Any) -> Callable[[_Array], _Array]:
    def predict(X: _Array) -> _Array:
        return _as_1d(call_model("the model's predict", _quiet, lambda: est.predict(X)))

    return predict


def _sigmoid_of(margin: Callable[[_Array], _Array]) -> Callable[[_Array], _Array]:
    def proba(X: _Array) -> _Array:
        return 1.0 / (1.0 + np.exp(-margin(X)))

    return proba


# --------------------------------------------------------------------------- validation


def _check_X(X: Any, est: Any) -> _Array:
    if _qualname(X).startswith("pandas."):
        X = X.to_numpy()
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"X must be a 2-D array of numbers. Got a {type(X).__name__} that cannot be "
            "converted to float. Apply the pipeline's transformers first."
        ) from err
    if arr.ndim != 2:
        raise InvalidInputError(
            f"X must be a 2-D array (rows x features). Got {arr.ndim} dimensions. "
            "Reshape a single row with X.reshape(1, -1)."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInputError(
            f"X must have at least one row and one feature. Got shape {arr.shape}. "
            "Pass the rows to explain."
        )
    n_expected = getattr(est, "n_features_in_", None)
    if n_expected is not None and int(n_expected) != arr.shape[1]:
        raise InvalidInputError(
            f"X must have the {int(n_expected)} features the estimator was fitted on. "
            f"Got {arr.shape[1]}. Apply the pipeline's transformers to X first."
        )
    return np.ascontiguousarray(arr)


def _check_finite(arr: _Array, name: str) -> None:
    n_bad = int(np.count_nonzero(~np.isfinite(arr)))
    if n_bad:
        raise InvalidInputError(
            f"{name} must hold finite numbers for this model. Got {n_bad} missing or infinite "
            "cells. Impute them first, as the model's pipeline does."
        )


def _check_background(background: Any, n_features: int) -> _Array:
    bg = np.asarray(background, dtype=np.float64)
    if bg.ndim != 2 or bg.shape[1] != n_features or bg.shape[0] == 0:
        raise InvalidInputError(
            f"background must be a non-empty 2-D array with {n_features} columns like X. "
            f"Got shape {bg.shape}. Pass transformed rows, e.g. a sample of the training data."
        )
    return np.ascontiguousarray(bg)


def _resolve_n_jobs(n_jobs: int) -> int:
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise InvalidInputError(
            f"n_jobs must be a non-zero integer. Got {n_jobs!r}. Use 1, a thread count, or -1 "
            "for all cores."
        )
    if n_jobs == 1:
        return 1  # the common case, without asking the system for its core count on every call
    cpus = os.cpu_count() or 1
    return cpus if n_jobs < 0 else min(int(n_jobs), cpus)


def _chunks(n_rows: int, chunk_size: int) -> Iterator[slice]:
    for start in range(0, n_rows, chunk_size):
        yield slice(start, min(start + chunk_size, n_rows))


# --------------------------------------------------------------------------- tree backends


def _import_shap() -> Any:
    """Import shap, silencing the deprecation warnings its plotting modules emit on import."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap
    return shap


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
        shap = _import_shap()
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


def _reference_output(plan: _Plan, backend: _TreeBackend, X: _Array) -> _Array:
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
    est: Any, plan: _Plan, X_first: _Array, n_jobs: int, *, use_fast: bool
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


# --------------------------------------------------------------------------- other paths


_LINEAR_KERNEL: list[Any] = []


def _linear_kernel() -> Callable[..., None] | None:
    """Linear SHAP of a block of rows in one pass, compiled with numba (shap's own dependency).

    ``kernel(X, mean, coef, values, totals, outputs, with_output)`` writes
    ``values = (X - mean) * coef``, each row's sum into ``totals`` and, with ``with_output``,
    ``X @ coef`` into ``outputs``, reading each row once. None when numba is not available:
    the caller then uses NumPy in cache-sized blocks (same values, about 1.7x slower).
    Compiled on first use (about 0.4 s), once per process.
    """
    if not _LINEAR_KERNEL:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba comes with shap
            _LINEAR_KERNEL.append(None)
            return None

        @numba.njit(nogil=True, cache=False)
        def kernel(X: _Array, mean: _Array, coef: _Array, values: _Array, totals: _Array, outputs: _Array,
                   with_output: bool) -> None:  # pragma: no cover - compiled
            n, d = X.shape
            for i in range(n):
                tot = 0.0
                out = 0.0
                for j in range(d):
                    x = X[i, j]
                    v = (x - mean[j]) * coef[j]
                    values[i, j] = v
                    tot += v
                    if with_output:
                        out += x * coef[j]
                totals[i] = tot
                if with_output:
                    outputs[i] = out

        _LINEAR_KERNEL.append(kernel)
    return cast("Callable[..., None] | None", _LINEAR_KERNEL[0])


def _uses_sklearn_linear_formula(est: Any) -> bool:
    """Whether the model's output is scikit-learn's own ``X @ coef_.T + intercept_``.

    True only for a scikit-learn linear model with a single output whose
    ``decision_function`` (classifiers) or ``predict`` (regressors) is scikit-learn's own,
    unmodified: those compute exactly that formula after validating ``X``, which
    explain_matrix has already done (a 2-D float array of the fitted width; finiteness is
    checked on the row sums), so the output can be computed while the rows are in cache. Any
    other model, or another version of those methods, is called as it is.
    """
    try:
        from sklearn.linear_model._base import LinearClassifierMixin, LinearModel
    except ImportError:  # pragma: no cover - a scikit-learn without these private classes
        return False
    cls = type(est)
    ours = (
        getattr(cls, "decision_function", None) is LinearClassifierMixin.decision_function
        if hasattr(est, "classes_")
        else getattr(cls, "predict", None) is LinearModel.predict
    )
    coef = getattr(est, "coef_", None)
    return bool(ours and coef is not None and (np.ndim(coef) == 1 or (np.ndim(coef) == 2 and np.shape(coef)[0] == 1)))


def _linear_coef(est: Any) -> tuple[_Array, float]:
    """The coefficients (contiguous float64) and the intercept of a single-output linear model."""
    coef = np.ascontiguousarray(np.asarray(est.coef_, dtype=np.float64).reshape(-1))
    intercept = float(np.asarray(getattr(est, "intercept_", 0.0), dtype=np.float64).reshape(-1)[0])
    return coef, intercept


def _linear_chunk(X: _Array, mean: _Array, coef: _Array, values: _Array, *,
                  with_output: bool) -> tuple[_Array, _Array | None]:
    """Write ``values = (X - mean) * coef``; return each row's sum and, with ``with_output``,
    ``X @ coef`` (the model's formula without its intercept).

    One compiled pass when numba is there, else NumPy in blocks of about 1 MiB, which stay
    in the CPU cache between centring, scaling and summing.
    """
    n, d = X.shape
    total = np.empty(n)
    output = np.empty(n) if with_output else None
    kernel = _linear_kernel()
    if kernel is not None:
        kernel(X, mean, coef, values, total, output if output is not None else total, with_output)
        return total, output
    ones = np.ones(d)
    for b in _chunks(n, max(1, _LINEAR_BLOCK_BYTES // (8 * max(1, d)))):
        x, vals = X[b], values[b]  # written in place: no temporary of the block's size
        if output is not None:
            np.matmul(x, coef, out=output[b])
        np.subtract(x, mean, out=vals)
        np.multiply(vals, coef, out=vals)
        np.matmul(vals, ones, out=total[b])
    return total, output


def _sample_background(X: _Array, n: int, random_state: int | None) -> _Array:
    if X.shape[0] <= n:
        return X
    rng = np.random.default_rng(random_state)
    return X[np.sort(rng.choice(X.shape[0], size=n, replace=False))]


# --------------------------------------------------------------------------- public


def explain_matrix(
    estimator: Any,
    X: npt.ArrayLike,
    *,
    background: npt.ArrayLike | None = None,
    output: Output = "raw",
    chunk_size: int | None = None,
    n_jobs: int = 1,
    random_state: int | None = 0,
    progress: Progress | None = None,
    use_fasttreeshap: bool = True,
) -> ShapMatrix:
    """Compute SHAP values of a fitted model on transformed rows with the fastest exact path.

    Parameters
    ----------
    estimator : fitted estimator, ``lightgbm.Booster``, ``xgboost.Booster`` or callable
        The final estimator of the pipeline (not the Pipeline). Tree ensembles of
        scikit-learn, LightGBM and XGBoost use path-dependent Tree SHAP; scikit-learn linear
        models use exact linear SHAP; anything else uses the permutation explainer.
        A callable must map a 2-D array to one score per row.
    X : array-like of shape (n_rows, n_features)
        The rows to explain, already transformed by the pipeline.
    background : array-like of shape (n_background, n_features), default=None
        Rows whose average stands in for absent features (interventional SHAP). Used by the
        linear path (default: all of ``X``) and the permutation path (default: 100 rows of
        ``X`` sampled with ``random_state``). Tree models are explained path-dependently
        from their own training covers and ignore it.
    output : {"raw", "probability"}, default="raw"
        ``"raw"`` explains the raw margin (log-odds for binary gradient boosting and
        logistic models, the score for regressors and rankers, the probability for forests
        of classification trees, whose raw output is a probability). ``"probability"``
        explains ``predict_proba[:, 1]`` of a binary classifier, with the permutation
        explainer unless the raw output is already a probability.
    chunk_size : int or None, default=None
        Rows explained at a time, which bounds the working memory and sets how often
        ``progress`` is called. None picks per path: 2,000 rows for trees, 50 for the
        permutation explainer, and for linear models as many rows as fit in 64 MiB.
    n_jobs : int, default=1
        Threads for the fast tree backend; -1 uses all cores. The other paths use one.
    random_state : int or None, default=0
        Seed of the background sample and of the permutations.
    progress : callable or None, default=None
        Called as ``progress(done, total)`` after each chunk.
    use_fasttreeshap : bool, default=True
        Use ``fasttreeshap-fixed`` for tree models when it is installed (the ``fast`` extra).
        It is used only when it accepts the model and its values add up to the model output
        on the first chunk; otherwise ``shap.TreeExplainer`` is used.

    Returns
    -------
    ShapMatrix
        Values, base value, the algorithm used, the output unit, the largest additivity
        error over the explained rows and whether the values are exact.

    Raises
    ------
    ModelNotFittedError
        If ``estimator`` has not been fitted.
    InvalidInputError
        If ``X`` or ``background`` is not a 2-D numeric array of the right width, the model
        has more than one output, or an option is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 2.0]])
    >>> model = LinearRegression().fit(X, 3 * X[:, 0] - X[:, 1])
    >>> result = explain_matrix(model, X)
    >>> np.round(result.values[0], 6).tolist(), result.algorithm
    ([-6.0, 1.0], 'shap-linear')
    """
    if type(estimator).__name__ == "Pipeline" or hasattr(estimator, "steps"):
        raise InvalidInputError(
            "estimator must be the final estimator of the pipeline, not the Pipeline. Got a "
            f"{type(estimator).__name__}. Pass pipeline[-1] and X transformed by pipeline[:-1]."
        )
    if output not in ("raw", "probability"):
        raise InvalidInputError(
            f"output must be 'raw' or 'probability'. Got {output!r}. Use one of the two."
        )
    if chunk_size is not None and (
        not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) or chunk_size < 1
    ):
        raise InvalidInputError(
            f"chunk_size must be a positive integer. Got {chunk_size!r}. Use e.g. 2000."
        )
    threads = _resolve_n_jobs(n_jobs)
    _check_fitted(estimator)
    X_arr = _check_X(X, estimator)
    n_rows, n_features = X_arr.shape
    plan = _plan(estimator, output)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, n_rows)

    values = np.empty((n_rows, n_features), dtype=np.float64)
    max_err = 0.0

    if plan.kind == "tree":
        chunks = list(_chunks(n_rows, int(chunk_size or _TREE_CHUNK_ROWS)))
        backend, first = _tree_backend(
            estimator, plan, X_arr[chunks[0]], threads, use_fast=use_fasttreeshap
        )
        base = 0.0
        for i, sl in enumerate(chunks):
            if i == 0 and first is not None:
                vals, base, reference = first
            else:
                vals, base = backend.explain(X_arr[sl])
                reference = _reference_output(plan, backend, X_arr[sl])
            values[sl] = vals
            err = np.abs(vals.sum(axis=1) + base - reference)
            max_err = max(max_err, float(err.max()))
            report(sl.stop)
        return _result(values, base, backend.algorithm, plan, max_err, exact=True)

    if plan.kind == "linear":
        if background is not None and background is not X:
            bg = _check_background(background, n_features)
            _check_finite(bg, "background")
        else:
            bg = X_arr
        bg_mean = np.full(bg.shape[0], 1.0 / bg.shape[0]) @ bg  # column means in one BLAS pass
        if not np.all(np.isfinite(bg_mean)):
            _check_finite(X_arr, "X")  # raises: the mean of the rows is only finite if they are
        coef, intercept = _linear_coef(estimator)
        base = float(coef @ bg_mean + intercept)
        own_formula = _uses_sklearn_linear_formula(estimator)
        rows = chunk_size or max(1, _LINEAR_CHUNK_BYTES // (8 * max(1, n_features)))
        for sl in _chunks(n_rows, int(rows)):
            total, formula_out = _linear_chunk(X_arr[sl], bg_mean, coef, values[sl], with_output=own_formula)
            if not np.all(np.isfinite(total)):  # a NaN or infinity in X reaches its row's sum
                _check_finite(X_arr, "X")
            # additivity against the model's own output, not against the attributions' formula
            if formula_out is not None:
                model_out = formula_out
                model_out += intercept
            else:
                model_out = plan.model_output(X_arr[sl])
            total += base
            total -= model_out
            np.abs(total, out=total)
            max_err = max(max_err, float(total.max()))
            report(sl.stop)
        return _result(values, base, "shap-linear", plan, max_err, exact=True)

    # Permutation explainer.
    shap = _import_shap()

    _check_finite(X_arr, "X")
    if background is None:
        bg = _sample_background(X_arr, _DEFAULT_BACKGROUND_ROWS, random_state)
    else:
        bg = _check_background(background, n_features)
    _check_finite(bg, "background")
    masker = shap.maskers.Independent(bg, max_samples=bg.shape[0])
    seed = None if random_state is None else int(random_state)
    explainer = shap.PermutationExplainer(plan.model_output, masker, seed=seed)
    max_evals = max(500, 2 * n_features + 1)
    base = 0.0
    for sl in _chunks(n_rows, int(chunk_size or _PERMUTATION_CHUNK_ROWS)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explanation = explainer(X_arr[sl], max_evals=max_evals, silent=True)
        vals = np.asarray(explanation.values, dtype=np.float64).reshape(sl.stop - sl.start, n_features)
        base = float(np.asarray(explanation.base_values, dtype=np.float64).reshape(-1)[0])
        values[sl] = vals
        err = np.abs(vals.sum(axis=1) + base - plan.model_output(X_arr[sl]))
        max_err = max(max_err, float(err.max()))
        report(sl.stop)
    return _result(values, base, "shap-permutation", plan, max_err, exact=False)


def _result(
    values: _Array, base: float, algorithm: str, plan: _Plan, max_err: float, *, exact: bool
) -> ShapMatrix:
    values.flags.writeable = False
    return ShapMatrix(
        values=values,
        base_value=float(base),
        algorithm=algorithm,
        output_unit=plan.output_unit,
        max_additivity_error=float(max_err),
        exact=exact,
    )
