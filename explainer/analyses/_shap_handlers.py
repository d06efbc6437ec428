"""SHAP backends chosen per model family: one handler per family, and explain_matrix.

``explain_matrix`` takes a fitted final estimator (the pipeline's transformers already
applied) and a 2-D float array, and returns a :class:`ShapMatrix` of per-row, per-feature
SHAP values for one model output. It asks each handler of :data:`HANDLERS` in turn whether
it ``can_handle`` the model; the first that can ``explain``s it:

* native LightGBM and XGBoost boosters, and their scikit-learn models: path-dependent Tree
  SHAP on the raw margin (:mod:`._shap_tree`); exact, float64;
* scikit-learn trees and tree ensembles: Tree SHAP on the margin, or on the probability
  that forests of classification trees hold in their leaves;
* scikit-learn linear models: ``coef * (x - mean(background))`` (:mod:`._shap_linear`);
  exact;
* anything else with ``predict``, ``predict_proba`` or ``decision_function``, or a plain
  callable: shap's permutation explainer over a sampled background
  (:mod:`._shap_permutation`); not exact.

A handler decides a :class:`ShapPlan` (the method, the model output and its unit); a new
model family is a new handler placed before the catch-all in :data:`HANDLERS`.
shap, fasttreeshap, lightgbm and xgboost are imported inside the functions that use them.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, ModelNotFittedError
from ..models._calls import call_model
from ..models._families import (
    LIGHTGBM_BOOSTER,
    PROBA_TREE_CLASSES,
    booster_is_binary,
    booster_n_outputs,
    is_booster,
    is_classifier,
    is_lightgbm,
    is_sklearn_linear,
    is_sklearn_tree,
    is_xgboost,
    qualname,
)
from ._shap_linear import explain_linear
from ._shap_matrix import (
    Output,
    OutputUnit,
    RowProgress,
    ShapMatrix,
    ShapOptions,
    ShapPlan,
    as_1d,
    quiet,
)
from ._shap_permutation import explain_permutation
from ._shap_tree import explain_tree

__all__ = ["explain_matrix", "ShapHandler", "HANDLERS", "plan_for"]

_Array = npt.NDArray[np.float64]
_Fn = Callable[[_Array], _Array]


# --------------------------------------------------------------------------- model outputs


def _proba_of(est: Any) -> _Fn:
    def proba(X: _Array) -> _Array:
        p = np.asarray(call_model("the model's predict_proba", quiet, lambda: est.predict_proba(X)), dtype=np.float64)
        return p[:, 1] if p.ndim == 2 else p.reshape(-1)

    return proba


def _decision_of(est: Any) -> _Fn:
    def decision(X: _Array) -> _Array:
        return as_1d(call_model("the model's decision_function", quiet, lambda: est.decision_function(X)))

    return decision


def _predict_of(est: Any) -> _Fn:
    def predict(X: _Array) -> _Array:
        return as_1d(call_model("the model's predict", quiet, lambda: est.predict(X)))

    return predict


def _sigmoid_of(margin: _Fn) -> _Fn:
    def proba(X: _Array) -> _Array:
        return 1.0 / (1.0 + np.exp(-margin(X)))

    return proba


def _booster_margin(est: Any) -> _Fn:
    """The raw margin of a native booster (log-odds for a binary objective)."""
    if qualname(est) == LIGHTGBM_BOOSTER:

        def lgb_margin(X: _Array) -> _Array:
            return as_1d(call_model("the booster's predict", est.predict, X, raw_score=True))

        return lgb_margin

    def xgb_margin(X: _Array) -> _Array:
        import xgboost

        # a booster trained with column names checks them on every DMatrix
        dm = xgboost.DMatrix(X, feature_names=est.feature_names)
        return as_1d(call_model("the booster's predict", est.predict, dm, output_margin=True))

    return xgb_margin


def _boosted_estimator_margin(est: Any) -> _Fn:
    """The raw margin of LightGBM's or XGBoost's scikit-learn model."""
    if is_lightgbm(est):

        def sk_lgb_margin(X: _Array) -> _Array:
            return as_1d(call_model("the model's predict", quiet, lambda: est.predict(X, raw_score=True)))

        return sk_lgb_margin

    def sk_xgb_margin(X: _Array) -> _Array:
        return as_1d(call_model("the model's predict", quiet, lambda: est.predict(X, output_margin=True)))

    return sk_xgb_margin


def _single_output_error(est: Any, n_outputs: int) -> InvalidInputError:
    return InvalidInputError(
        f"estimator must have a single output (a regressor, ranker or binary classifier). "
        f"Got a {type(est).__name__} with {n_outputs} outputs. "
        "Explain one class at a time with a binary model or a callable that returns one score."
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
    return _is_hgb(est) and cats is not None and bool(np.any(cats))


def _is_hgb(est: Any) -> bool:
    """Whether ``est`` is one of scikit-learn's histogram gradient boosting models."""
    return type(est).__name__.startswith("HistGradientBoosting")


def _n_classes(est: Any) -> int | None:
    classes = getattr(est, "classes_", None)
    if classes is not None:
        return len(classes)
    n = getattr(est, "n_classes_", None)
    return int(n) if n is not None else None


# --------------------------------------------------------------------------- handlers


@dataclass(frozen=True)
class _Facts:
    """What every handler needs to know about the model, asked once."""

    is_clf: bool
    n_classes: int | None


class ShapHandler(ABC):
    """Explains one model family: ``can_handle`` says whether a model is of the family,
    ``plan`` chooses the method and the explained output, ``explain`` runs the method."""

    #: A short name of the family, for messages and tests.
    family: str = ""

    @abstractmethod
    def can_handle(self, est: Any) -> bool:
        """Whether ``est`` belongs to this handler's family."""

    @abstractmethod
    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        """The method and the model output that explain ``output`` of ``est``."""

    def explain(self, est: Any, X: _Array, output: Output, opts: ShapOptions, threads: int) -> ShapMatrix:
        """SHAP values of ``est`` on ``X`` by the method of its plan."""
        plan = self.plan(est, output, _facts(est))
        if plan.kind == "tree":
            return explain_tree(est, plan, X, opts, threads)
        if plan.kind == "linear":
            return explain_linear(est, plan, X, opts)
        return explain_permutation(est, plan, X, opts)


class NativeBoosterHandler(ShapHandler):
    """``lightgbm.Booster`` and ``xgboost.Booster``: Tree SHAP on the raw margin."""

    family = "native booster"

    def can_handle(self, est: Any) -> bool:
        return is_booster(est)

    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        n_out = booster_n_outputs(est)
        if n_out > 1:
            raise _single_output_error(est, n_out)
        binary = booster_is_binary(est)
        margin = _booster_margin(est)
        if output == "probability":
            if not binary:
                raise _probability_error(est)
            return ShapPlan("permutation", "probability", _sigmoid_of(margin), None)
        return ShapPlan("tree", "log-odds" if binary else "score", margin, None, is_xgboost(est))


class BoostedEstimatorHandler(ShapHandler):
    """LightGBM's and XGBoost's scikit-learn models: Tree SHAP on the raw margin."""

    family = "LightGBM or XGBoost scikit-learn model"

    def can_handle(self, est: Any) -> bool:
        return (is_lightgbm(est) or is_xgboost(est)) and not is_booster(est)

    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        if output == "probability":
            if not facts.is_clf:
                raise _probability_error(est)
            return ShapPlan("permutation", "probability", _proba_of(est), None)
        margin = _boosted_estimator_margin(est)
        return ShapPlan("tree", "log-odds" if facts.is_clf else "score", margin, None, is_xgboost(est))


class SklearnTreeHandler(ShapHandler):
    """scikit-learn trees and ensembles: Tree SHAP on the margin, or on the leaves' probability."""

    family = "scikit-learn trees"

    def can_handle(self, est: Any) -> bool:
        return is_sklearn_tree(est)

    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        # categorical splits of histogram gradient boosting are beyond the tree parsers
        kind: Literal["tree", "permutation"] = "permutation" if _hgb_has_categorical(est) else "tree"
        if facts.is_clf and type(est).__name__ in PROBA_TREE_CLASSES:
            if facts.n_classes != 2:
                raise _single_output_error(est, facts.n_classes or 0)
            return ShapPlan("tree", "probability", _proba_of(est), 1)
        if facts.is_clf:
            if output == "probability":
                return ShapPlan("permutation", "probability", _proba_of(est), None)
            return ShapPlan(kind, "log-odds", _decision_of(est), None)
        if output == "probability":
            raise _probability_error(est)
        return ShapPlan(kind, "score", _predict_of(est), None)


class LinearHandler(ShapHandler):
    """scikit-learn linear models: exact linear SHAP of the decision function or prediction."""

    family = "scikit-learn linear model"

    def can_handle(self, est: Any) -> bool:
        return is_sklearn_linear(est)

    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        coef = np.asarray(est.coef_, dtype=np.float64)
        if coef.ndim == 2 and coef.shape[0] > 1:
            raise _single_output_error(est, coef.shape[0])
        if facts.is_clf:
            if output == "probability":
                return ShapPlan("permutation", "probability", _proba_of(est), None)
            unit: OutputUnit = "log-odds" if _is_logistic(est) else "score"
            return ShapPlan("linear", unit, _decision_of(est), None)
        if output == "probability":
            raise _probability_error(est)
        return ShapPlan("linear", "score", _predict_of(est), None)


class AnyModelHandler(ShapHandler):
    """Any other estimator, or a plain callable: the permutation explainer."""

    family = "any model or callable"

    def can_handle(self, est: Any) -> bool:
        return True

    def plan(self, est: Any, output: Output, facts: _Facts) -> ShapPlan:
        if hasattr(est, "predict_proba") and facts.is_clf:
            if output == "raw" and hasattr(est, "decision_function"):
                return ShapPlan("permutation", "score", _decision_of(est), None)
            return ShapPlan("permutation", "probability", _proba_of(est), None)
        if output == "probability":
            raise _probability_error(est)
        if hasattr(est, "predict"):
            return ShapPlan("permutation", "score", _predict_of(est), None)
        if callable(est):

            def call(X: _Array) -> _Array:
                return as_1d(call_model("the callable model", est, X))

            return ShapPlan("permutation", "score", call, None)
        raise InvalidInputError(
            f"estimator must be a fitted model with predict, predict_proba or decision_function, "
            f"or a callable. Got a {type(est).__name__}. Pass the fitted final estimator."
        )


#: The handlers in the order they are asked; the last one handles any model.
HANDLERS: tuple[ShapHandler, ...] = (
    NativeBoosterHandler(), BoostedEstimatorHandler(), SklearnTreeHandler(), LinearHandler(), AnyModelHandler(),
)


def _facts(est: Any) -> _Facts:
    """The model's classifier facts; raises for a classifier with more than two classes."""
    is_clf = is_classifier(est)
    n_classes = _n_classes(est) if is_clf else None
    if n_classes is not None and n_classes > 2:
        raise _single_output_error(est, n_classes)
    return _Facts(is_clf, n_classes)


def handler_for(est: Any) -> ShapHandler:
    """The first handler of :data:`HANDLERS` that can handle ``est``."""
    return next(h for h in HANDLERS if h.can_handle(est))


def plan_for(est: Any, output: Output) -> ShapPlan:
    """The method and the explained output that ``explain_matrix`` would use for ``est``."""
    facts = _facts(est)
    return handler_for(est).plan(est, output, facts)


# --------------------------------------------------------------------------- validation


def _check_fitted(est: Any) -> None:
    """Raise ModelNotFittedError if ``est`` is an unfitted estimator."""
    if is_booster(est):
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


def _check_X(X: Any, est: Any) -> _Array:
    if qualname(X).startswith("pandas."):
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
    progress: RowProgress | None = None,
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
    _check_call(estimator, output, chunk_size)
    threads = _resolve_n_jobs(n_jobs)
    _check_fitted(estimator)
    X_arr = _check_X(X, estimator)
    if background is X:  # the rows themselves: the linear path then averages them without a copy
        background = X_arr
    opts = ShapOptions(background=background, chunk_size=chunk_size, n_jobs=threads, random_state=random_state,
                       progress=progress, use_fasttreeshap=use_fasttreeshap)
    return handler_for(estimator).explain(estimator, X_arr, output, opts, threads)


def _check_call(estimator: Any, output: Any, chunk_size: Any) -> None:
    """Raise InvalidInputError for a Pipeline, an unknown output or a chunk size that is not positive."""
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
