"""One interface over scikit-learn estimators and pipelines, boosted trees and callables."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InvalidInputError, ModelNotFittedError
from ._calls import call_model

if TYPE_CHECKING:
    from ._collaborative import CollaborativeAdapter, Served

__all__ = ["ModelAdapter", "wrap_model", "Task", "top_k_mask"]

Task = Literal["binary", "regression", "ranking"]
_TASKS = ("binary", "regression", "ranking")


def top_k_mask(y_score: np.ndarray, user_ids: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the rows that are in their user's top ``k`` by score.

    Ties are broken by row order (the earlier row wins), so the result is deterministic.
    """
    y_score = np.asarray(y_score, dtype=float)
    codes, _ = pd.factorize(np.asarray(user_ids))
    order = np.lexsort((np.arange(len(y_score)), -y_score, codes))
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    rank_sorted = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), dtype=int)
    rank[order] = rank_sorted
    return rank < k



def _is_fitted(est: Any) -> bool:
    from sklearn.utils.validation import check_is_fitted
    from sklearn.exceptions import NotFittedError

    try:
        check_is_fitted(est)
    except NotFittedError:
        return False
    except TypeError:
        return True  # not an sklearn estimator: assume it knows what it does
    return True


_BOOSTERS = {"lightgbm.basic.Booster", "xgboost.core.Booster"}
# Classifiers whose trees hold class probabilities: their attributions are in probability.
_PROBA_TREES = {"RandomForestClassifier", "ExtraTreesClassifier", "DecisionTreeClassifier", "ExtraTreeClassifier"}


def _qualname(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


def _is_booster(model: Any) -> bool:
    """A native LightGBM or XGBoost booster (not a scikit-learn estimator)."""
    return _qualname(model) in _BOOSTERS


def _booster_objective(booster: Any) -> str:
    if _qualname(booster) == "lightgbm.basic.Booster":
        return str(booster.params.get("objective", "") or "")
    import json

    config = json.loads(booster.save_config())
    return str(config.get("learner", {}).get("objective", {}).get("name", ""))


def _booster_is_binary(booster: Any) -> bool:
    obj = _booster_objective(booster)
    return obj in {"binary", "cross_entropy", "xentropy"} or obj.startswith("binary:")


def _booster_feature_names(booster: Any) -> list[str] | None:
    if _qualname(booster) == "lightgbm.basic.Booster":
        names = [str(n) for n in booster.feature_name()]
        # LightGBM names columns Column_0, Column_1, ... when it was trained without names
        return None if all(n == f"Column_{i}" for i, n in enumerate(names)) else names
    names = booster.feature_names
    return None if names is None else [str(n) for n in names]


def _booster_predict(booster: Any, X: np.ndarray, names: Sequence[str], *, raw: bool) -> np.ndarray:
    if _qualname(booster) == "lightgbm.basic.Booster":
        return np.asarray(booster.predict(X, raw_score=raw), dtype=float).reshape(-1)
    import xgboost

    dm = xgboost.DMatrix(X, feature_names=list(names) if booster.feature_names is not None else None)
    return np.asarray(booster.predict(dm, output_margin=raw), dtype=float).reshape(-1)


def _final_step(est: Any) -> Any:
    from sklearn.pipeline import Pipeline

    return est.steps[-1][1] if isinstance(est, Pipeline) else est


@dataclass(frozen=True)
class ModelAdapter:
    """A fitted model seen through one interface.

    Build it with :func:`wrap_model`. ``input_columns`` are the raw data columns the model
    reads; ``predict_score`` returns the score the model acts on (probability of the
    positive class for classifiers, the prediction for regressors and rankers) and
    ``predict_raw`` the output that attributions add up to (log-odds for classifiers).

    Attributes
    ----------
    model : object
        The wrapped estimator, pipeline or callable.
    task : {"binary", "regression", "ranking"}
    input_columns : tuple of str
    user_id, item_id : str or None
        For ranking: the columns that identify the customer and the item.
    k : int
        For ranking: how many items each user is shown.
    """

    model: Any
    task: Task
    input_columns: tuple[str, ...]
    user_id: str | None = None
    item_id: str | None = None
    k: int = 3
    threshold: float = 0.5
    kind: str = "estimator"
    name: str = ""
    _is_classifier: bool = field(default=False, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # --- predictions --------------------------------------------------------------------
    def check_columns(self, columns: Sequence[Any]) -> None:
        """Raise InvalidInputError unless ``columns`` hold every column the model reads."""
        present = set(columns)
        missing = [c for c in self.input_columns if c not in present]
        if missing:
            raise InvalidInputError(
                f"data must hold every column the model reads. Got no {missing[:5]!r} "
                f"({len(missing)} missing). Pass the data the model was trained on, or a model that "
                "matches these columns."
            )

    def _frame(self, data: pd.DataFrame) -> pd.DataFrame:
        self.check_columns(data.columns)
        return data.loc[:, list(self.input_columns)]

    def predict_score(self, data: pd.DataFrame) -> np.ndarray:
        """The score the model acts on, one float per row."""
        X = self._frame(data)
        if self.kind == "callable":
            out = np.asarray(call_model("the callable model", self.model, X), dtype=float)
        elif self.kind == "booster":
            out = call_model("the booster's predict", _booster_predict, self.model, self._numeric(X),
                             self.input_columns, raw=False)
        elif self._is_classifier:
            out = np.asarray(call_model("the model's predict_proba", self.model.predict_proba, X))[:, 1]
        else:
            out = np.asarray(call_model("the model's predict", self.model.predict, X), dtype=float)
        out = out.reshape(-1)
        if len(out) != len(X):
            raise InvalidInputError(
                f"model must return one score per row. Got {len(out)} scores for {len(X)} rows. Return a 1-d "
                "array with one value per row of the DataFrame it is given (of two columns of class "
                "probabilities, return the second)."
            )
        return out

    def predict_raw(self, data: pd.DataFrame) -> np.ndarray:
        """The output attributions add up to: log-odds for classifiers, else the score."""
        X = self._frame(data)
        if self.kind == "callable":
            return self.predict_score(data)
        if self.kind == "booster":
            return call_model("the booster's predict", _booster_predict, self.model, self._numeric(X),
                              self.input_columns, raw=True)
        if self._is_classifier:
            if hasattr(self.model, "decision_function"):
                margin = call_model("the model's decision_function", self.model.decision_function, X)
                return np.asarray(margin, dtype=float).reshape(-1)
            proba = call_model("the model's predict_proba", self.model.predict_proba, X)
            p: npt.NDArray[np.float64] = np.clip(np.asarray(proba)[:, 1], 1e-12, 1 - 1e-12)
            return np.log(p / (1 - p))
        return np.asarray(call_model("the model's predict", self.model.predict, X), dtype=float).reshape(-1)

    def predict_decision(self, data: pd.DataFrame) -> np.ndarray:
        """Binary decisions: for classifiers score >= threshold; for ranking the top k per user."""
        score = self.predict_score(data)
        if self.task == "ranking":
            return top_k_mask(score, data[self.user_id].to_numpy(), self.k).astype(int)
        return (score >= self.threshold).astype(int)

    @property
    def output_unit(self) -> str:
        """Unit of the attributions: ``log-odds``, ``probability`` or ``score``.

        Gradient-boosted and logistic classifiers are explained on their log-odds margin;
        forests of classification trees on the probability their leaves hold; a callable
        binary model on the probability it returns; regressors and rankers on their score.
        The audit records the unit of the explanation it computed, which is the same.
        """
        if self.kind == "callable":
            return "probability" if self.task == "binary" else "score"
        if self._is_classifier:
            name = type(self.final_estimator).__name__
            if name in _PROBA_TREES:
                return "probability"
            if self.kind == "booster" or hasattr(self.final_estimator, "decision_function") or \
                    _qualname(self.final_estimator).startswith(("lightgbm.", "xgboost.")):
                return "log-odds"
            return "probability"
        return "score"

    def _numeric(self, X: pd.DataFrame) -> np.ndarray:
        try:
            values: npt.NDArray[np.float64] = X.to_numpy(dtype=float)
            return values
        except (TypeError, ValueError) as err:
            bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) and X[c].dtype != bool]
            raise InvalidInputError(
                f"data columns read by a {type(self.model).__name__} must be numeric. Got text in "
                f"{bad[:5]!r} ({len(bad)} columns). Encode them as the model was trained, or wrap the "
                "encoding and the model in a callable."
            ) from err

    # --- structure ----------------------------------------------------------------------
    @property
    def is_pipeline(self) -> bool:
        from sklearn.pipeline import Pipeline

        return isinstance(self.model, Pipeline) and len(self.model.steps) > 1

    @property
    def final_estimator(self) -> Any:
        return _final_step(self.model)

    def transform(self, data: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """Apply a pipeline's preparation steps; return the matrix the final step sees and its names."""
        X = self._frame(data)
        if self.is_pipeline:
            prep = self.model[:-1]
            Z = call_model("the pipeline's preparation steps (transform)", prep.transform, X)
            if hasattr(Z, "toarray"):
                Z = Z.toarray()
            try:
                names = [str(n) for n in prep.get_feature_names_out()]
            except Exception:  # noqa: BLE001 - not every transformer names its outputs
                names = [f"x{i}" for i in range(np.shape(Z)[1])]
            return np.asarray(Z, dtype=float), names
        return self._numeric(X), list(self.input_columns)

    def engineered_to_raw(self, data: pd.DataFrame, *, random_state: int = 0) -> np.ndarray:
        """Which raw input columns each engineered column comes from, as a weight matrix.

        Returns an array of shape (n_engineered, n_raw) whose rows sum to 1. Found by
        perturbation: a raw column is shuffled across a sample of rows and every engineered
        column that changes is attributed to it. An engineered column built from several raw
        columns shares its attribution equally between them.
        """
        raw = list(self.input_columns)
        if not self.is_pipeline:
            return np.eye(len(raw))
        # the same data frame (held, so its id stays its own) and seed give the same mapping
        hit = self._cache.get(("engineered_to_raw", random_state))
        if hit is None or hit[0] is not data:
            hit = (data, self._engineered_to_raw(data, raw, random_state))
            self._cache[("engineered_to_raw", random_state)] = hit
        return np.array(hit[1])

    def _engineered_to_raw(self, data: pd.DataFrame, raw: list[str], random_state: int) -> np.ndarray:
        sample = self._frame(data)
        if len(sample) > 400:
            sample = sample.sample(400, random_state=random_state)
        sample = sample.reset_index(drop=True)
        Z0, names = self.transform(sample)
        W = np.zeros((Z0.shape[1], len(raw)))
        rng = np.random.default_rng(random_state)
        for j, col in enumerate(raw):
            changed = np.zeros(Z0.shape[1], dtype=bool)
            for _ in range(3):
                pert = sample.copy()
                pert[col] = sample[col].to_numpy()[rng.permutation(len(sample))]
                Z1, _ = self.transform(pert)
                changed |= ~np.isclose(Z0, Z1, equal_nan=True).all(axis=0)
            W[changed, j] = 1.0
        orphan = W.sum(axis=1) == 0
        for i in np.flatnonzero(orphan):  # constant in the sample: fall back on the name
            hits = [j for j, col in enumerate(raw) if col in names[i]]
            if hits:
                W[i, max(hits, key=lambda j: len(raw[j]))] = 1.0
        still = W.sum(axis=1) == 0
        if still.any():
            W[still, :] = 1.0  # unknown origin: share equally, documented above
        row_totals: npt.NDArray[np.float64] = W.sum(axis=1, keepdims=True)
        return W / row_totals

    def describe(self) -> dict[str, Any]:
        est = self.final_estimator
        return {
            "type": type(est).__name__ if self.kind != "callable" else "callable",
            "kind": self.kind,
            "wrapper": type(self.model).__name__ if self.is_pipeline else None,
            "task": self.task,
            "output_unit": self.output_unit,
            "input_columns": list(self.input_columns),
            "user_id": self.user_id,
            "item_id": self.item_id,
            "k": self.k if self.task == "ranking" else None,
            "threshold": self.threshold if self.task == "binary" else None,
        }


class _Matrix(Protocol):
    """A 2-D matrix: a scipy sparse matrix or a NumPy array."""

    @property
    def shape(self) -> tuple[int, ...]: ...


@overload
def wrap_model(
    model: Any, *, task: Task | None = None, feature_names: Sequence[str] | None = None, user_id: str | None = None,
    item_id: str | None = None, k: int = 3, threshold: float = 0.5, name: str = "", interactions: None = None,
) -> ModelAdapter: ...


@overload
def wrap_model(
    model: Any, *, interactions: _Matrix, user_ids: Any = None, item_ids: Any = None,
    item_labels: Mapping[Any, str] | None = None, user_features: Any = None,
    user_feature_names: Sequence[str] | None = None, item_features: Any = None, served: Served = "stored",
    k: int = 3, history_label: str = "history", name: str = "", sources: Mapping[str, Any] | None = None,
    filter_already_liked_items: bool = True,
) -> CollaborativeAdapter: ...


def wrap_model(
    model: Any,
    *,
    task: Task | None = None,
    feature_names: Sequence[str] | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    threshold: float = 0.5,
    name: str = "",
    interactions: Any = None,
    **collaborative: Any,
) -> ModelAdapter | CollaborativeAdapter:
    """Wrap a fitted estimator, pipeline or callable in a :class:`ModelAdapter`.

    Collaborative-filtering recommenders (``implicit``'s ALS and item-item models, LightFM)
    are wrapped with their interaction matrix in a :class:`CollaborativeAdapter`:
    ``wrap_model(model, interactions=X, user_ids=..., item_ids=..., item_labels=...)``;
    see :func:`explainer.models.wrap_collaborative` for the options.

    Parameters
    ----------
    model : estimator, Pipeline or callable
        A fitted scikit-learn estimator or Pipeline (LightGBM and XGBoost scikit-learn
        models included), or a callable ``predict(DataFrame) -> scores``.
    task : {"binary", "regression", "ranking"}, default=None
        Inferred when None: ``ranking`` if ``user_id`` and ``item_id`` are given,
        ``binary`` for a two-class classifier, else ``regression``.
    feature_names : sequence of str, default=None
        The raw columns the model reads. Required for a callable; read from
        ``feature_names_in_`` for fitted estimators.
    user_id, item_id : str, default=None
        For ranking: the columns that identify the customer and the item.
    k : int, default=3
        For ranking: each user's top ``k`` items by score are recommended.
    threshold : float, default=0.5
        For binary classifiers: a decision is ``score >= threshold``.

    Returns
    -------
    ModelAdapter

    Raises
    ------
    ModelNotFittedError
        If the estimator has not been fitted.
    InvalidInputError
        If the task, the feature names or the ranking columns do not fit the model.
    """
    if isinstance(model, ModelAdapter):
        return model
    from ._collaborative import CollaborativeAdapter, is_collaborative, wrap_collaborative

    if isinstance(model, CollaborativeAdapter):
        return model
    if interactions is not None or collaborative or is_collaborative(model):
        if interactions is None:
            raise InvalidInputError(
                f"interactions must be given to wrap a {type(model).__name__}: a collaborative-filtering model "
                "reads who interacted with what. Got None. Pass interactions=<customers x items sparse matrix>."
            )
        if task not in (None, "ranking") or feature_names is not None or user_id is not None or item_id is not None:
            raise InvalidInputError(
                "task, feature_names, user_id and item_id must be left out for a collaborative-filtering model. "
                "Got some of them. Pass user_ids=... and item_ids=... to name the rows and columns of interactions."
            )
        return wrap_collaborative(model, interactions=interactions, k=k, name=name, **collaborative)
    if task is not None and task not in _TASKS:
        raise InvalidInputError(f"task must be one of {list(_TASKS)}. Got {task!r}.")
    if (user_id is None) != (item_id is None):
        raise InvalidInputError(
            "user_id and item_id must be given together for a ranking model. "
            f"Got user_id={user_id!r}, item_id={item_id!r}."
        )
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InvalidInputError(f"k must be a positive integer. Got {k!r}.")
    if not (isinstance(threshold, (int, float)) and 0.0 <= float(threshold) <= 1.0) and task != "regression":
        raise InvalidInputError(f"threshold must be a number between 0 and 1. Got {threshold!r}.")

    if _is_booster(model):
        return _wrap_booster(model, task=task, feature_names=feature_names, user_id=user_id, item_id=item_id,
                             k=int(k), threshold=float(threshold), name=name)
    is_estimator = hasattr(model, "fit") and (hasattr(model, "predict") or hasattr(model, "predict_proba"))
    if not is_estimator:
        if not callable(model):
            raise InvalidInputError(
                "model must be a fitted scikit-learn estimator or Pipeline, or a callable "
                f"predict(DataFrame) -> scores. Got {type(model).__name__}."
            )
        if feature_names is None:
            raise InvalidInputError(
                "feature_names must list the columns a callable model reads. Got None. "
                "Pass feature_names=[...]."
            )
        t: Task = task or ("ranking" if user_id else "regression")
        return ModelAdapter(
            model=model, task=t, input_columns=tuple(feature_names), user_id=user_id, item_id=item_id,
            k=int(k), threshold=float(threshold), kind="callable", name=name or "callable",
        )

    if not _is_fitted(model):
        raise ModelNotFittedError(
            f"model must be fitted before it is audited. Got an unfitted {type(model).__name__}. "
            "Call model.fit(X, y) first, or load the fitted model you deploy."
        )
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            final = _final_step(model)
            names = getattr(final, "feature_names_in_", None)
            if names is None:
                names = getattr(final, "feature_name_", None)
        if names is None:
            raise InvalidInputError(
                f"feature_names must be given for a {type(model).__name__} fitted without column names. "
                "Fit it on a DataFrame or pass feature_names=[...]."
            )
        feature_names = [str(n) for n in names]
    final = _final_step(model)
    classes = getattr(final, "classes_", None)
    is_clf = hasattr(model, "predict_proba") and classes is not None
    if is_clf and classes is not None and len(classes) != 2:
        raise InvalidInputError(
            f"model must be a binary classifier, a regressor or a ranker. Got a classifier with "
            f"{len(classes)} classes. Audit one class against the rest."
        )
    task = _resolve_task(task, user_id, is_clf, not_binary=lambda: (
        f"task='binary' needs a classifier with predict_proba. Got {type(final).__name__}. "
        "Use task='regression' for a regressor."))
    return ModelAdapter(
        model=model, task=task, input_columns=tuple(feature_names), user_id=user_id, item_id=item_id,
        k=int(k), threshold=float(threshold), kind="estimator", name=name or type(final).__name__,
        _is_classifier=is_clf,
    )


def _resolve_task(task: Task | None, user_id: str | None, is_clf: bool, *, not_binary: Callable[[], str]) -> Task:
    """The task given, or inferred (ranking with a user id, binary for a classifier, else regression)."""
    if task is None:
        task = "ranking" if user_id else ("binary" if is_clf else "regression")
    if task == "ranking" and user_id is None:
        raise InvalidInputError(
            "user_id and item_id must name the customer and item columns for task='ranking'. Got None."
        )
    if task == "binary" and not is_clf:
        raise InvalidInputError(not_binary())
    return task


def _wrap_booster(model: Any, *, task: Task | None, feature_names: Sequence[str] | None, user_id: str | None,
                  item_id: str | None, k: int, threshold: float, name: str) -> ModelAdapter:
    """Wrap a native ``lightgbm.Booster`` or ``xgboost.Booster``.

    Scores are what the booster predicts by default (a probability for a binary objective);
    attributions are on its raw margin (log-odds for a binary objective).
    """
    if _qualname(model) == "lightgbm.basic.Booster" and model.num_trees() == 0:
        raise ModelNotFittedError(
            "model must be a trained booster. Got a lightgbm Booster with no trees. "
            "Train it with lightgbm.train(...) first."
        )
    known = _booster_feature_names(model)
    if feature_names is None:
        if known is None:
            raise InvalidInputError(
                f"feature_names must be given for a {type(model).__name__} trained without column names. "
                "Pass feature_names=[...] in the order the booster reads them."
            )
        feature_names = known
    elif known is not None and list(map(str, feature_names)) != known:
        raise InvalidInputError(
            f"feature_names must match the names the booster was trained with. Got {list(feature_names)[:5]!r}, "
            f"the booster reads {known[:5]!r}. Pass them in the booster's order, or leave feature_names out."
        )
    is_clf = _booster_is_binary(model)
    task = _resolve_task(task, user_id, is_clf, not_binary=lambda: (
        f"task='binary' needs a booster with a binary objective. Got objective "
        f"{_booster_objective(model)!r}. Use task='regression' for other objectives."))
    return ModelAdapter(
        model=model, task=task, input_columns=tuple(map(str, feature_names)), user_id=user_id, item_id=item_id,
        k=k, threshold=threshold, kind="booster", name=name or type(model).__name__, _is_classifier=is_clf,
    )
