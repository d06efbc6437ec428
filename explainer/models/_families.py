"""Which family a fitted model belongs to, and what its family says about its output.

One place for the checks by class name that the model adapter and the SHAP handlers share:
native LightGBM and XGBoost boosters (their objective, number of outputs and feature
names), the scikit-learn APIs of LightGBM and XGBoost, scikit-learn's tree ensembles (and
which of them hold probabilities in their leaves) and scikit-learn's linear models. Each
function answers from the class and fitted attributes only; none imports lightgbm, xgboost
or shap.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "BOOSTERS", "LIGHTGBM_BOOSTER", "XGBOOST_BOOSTER", "SKLEARN_TREE_CLASSES", "PROBA_TREE_CLASSES", "qualname",
    "is_booster", "is_lightgbm", "is_xgboost", "booster_objective", "booster_is_binary", "booster_n_outputs",
    "booster_feature_names", "is_sklearn_tree", "is_sklearn_linear", "is_classifier",
]

LIGHTGBM_BOOSTER = "lightgbm.basic.Booster"
XGBOOST_BOOSTER = "xgboost.core.Booster"
#: Native boosters (not scikit-learn estimators), by module-qualified class name.
BOOSTERS = frozenset({LIGHTGBM_BOOSTER, XGBOOST_BOOSTER})

#: scikit-learn tree ensembles and trees that Tree SHAP explains.
SKLEARN_TREE_CLASSES = frozenset({
    "HistGradientBoostingClassifier", "HistGradientBoostingRegressor", "RandomForestClassifier",
    "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier",
    "GradientBoostingRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
    "ExtraTreeRegressor",
})
#: Classifiers whose leaves hold class probabilities: their raw output is a probability.
PROBA_TREE_CLASSES = frozenset({
    "RandomForestClassifier", "ExtraTreesClassifier", "DecisionTreeClassifier", "ExtraTreeClassifier",
})
#: Generalised linear regressors predict ``exp(linear)``: not linear in their inputs.
_GLM_CLASSES = frozenset({"PoissonRegressor", "GammaRegressor", "TweedieRegressor"})
_BINARY_OBJECTIVES = frozenset({"binary", "cross_entropy", "xentropy"})


def qualname(obj: Any) -> str:
    """``module.ClassName`` of ``obj``'s class, e.g. ``"lightgbm.basic.Booster"``."""
    cls = type(obj)
    return f"{cls.__module__}.{cls.__name__}"


def is_booster(model: Any) -> bool:
    """Whether ``model`` is a native LightGBM or XGBoost booster (not a scikit-learn estimator)."""
    return qualname(model) in BOOSTERS


def is_lightgbm(model: Any) -> bool:
    """Whether ``model`` comes from LightGBM (a native booster or a scikit-learn model)."""
    return qualname(model).startswith("lightgbm.")


def is_xgboost(model: Any) -> bool:
    """Whether ``model`` comes from XGBoost (a native booster or a scikit-learn model)."""
    return qualname(model).startswith("xgboost.")


def _xgboost_config(booster: Any) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(booster.save_config())
    return config


def booster_objective(booster: Any) -> str:
    """The objective name of a native LightGBM or XGBoost booster ('' if unknown)."""
    if qualname(booster) == LIGHTGBM_BOOSTER:
        return str(booster.params.get("objective", "") or "")
    if qualname(booster) == XGBOOST_BOOSTER:
        return str(_xgboost_config(booster).get("learner", {}).get("objective", {}).get("name", ""))
    return ""


def booster_is_binary(booster: Any) -> bool:
    """Whether a native booster was trained with a binary objective (its margin is log-odds)."""
    objective = booster_objective(booster)
    return objective in _BINARY_OBJECTIVES or objective.startswith("binary:")


def booster_n_outputs(booster: Any) -> int:
    """Outputs per row of a native booster: classes of a multi-class objective, targets, else 1."""
    if qualname(booster) == LIGHTGBM_BOOSTER:
        return int(booster.num_model_per_iteration())
    if qualname(booster) == XGBOOST_BOOSTER:
        learner = _xgboost_config(booster).get("learner", {}).get("learner_model_param", {})
        n_class = int(learner.get("num_class", "0") or 0)
        n_target = int(learner.get("num_target", "1") or 1)
        return max(n_class, n_target, 1)
    return 1


def booster_feature_names(booster: Any) -> list[str] | None:
    """The column names a native booster was trained with, or None if it was trained without."""
    if qualname(booster) == LIGHTGBM_BOOSTER:
        names = [str(n) for n in booster.feature_name()]
        # LightGBM names columns Column_0, Column_1, ... when it was trained without names
        return None if all(n == f"Column_{i}" for i, n in enumerate(names)) else names
    names = booster.feature_names
    return None if names is None else [str(n) for n in names]


def is_sklearn_tree(est: Any) -> bool:
    """Whether ``est`` is one of scikit-learn's trees or tree ensembles."""
    return qualname(est).startswith("sklearn.") and type(est).__name__ in SKLEARN_TREE_CLASSES


def is_sklearn_linear(est: Any) -> bool:
    """Whether ``est`` is a fitted scikit-learn model whose output is linear in its inputs."""
    name = qualname(est)
    cls = type(est).__name__
    if name.startswith("sklearn.svm."):
        linear = cls in {"LinearSVC", "LinearSVR"}
    else:
        linear = name.startswith("sklearn.linear_model.") and cls not in _GLM_CLASSES
    return linear and hasattr(est, "coef_") and hasattr(est, "intercept_")


def is_classifier(est: Any) -> bool:
    """scikit-learn's ``is_classifier``, tolerant of third-party estimators with broken tags."""
    from sklearn.base import is_classifier as sk_is_classifier

    try:
        return bool(sk_is_classifier(est))
    except Exception:  # noqa: BLE001 - third-party estimators with broken tags
        return getattr(est, "_estimator_type", None) == "classifier"
