"""SHAP handlers: one per model family, chosen by can_handle; family checks by class name in one place."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsRegressor

import explainer
from explainer.analyses import _shap_handlers as h

PACKAGE = pathlib.Path(explainer.__file__).parent
RNG = np.random.default_rng(3)
X = RNG.normal(size=(80, 3))
Y = X[:, 0] - 2 * X[:, 1]
Y01 = (Y > 0).astype(int)


def _lightgbm_models():
    import lightgbm as lgb

    clf = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, Y01)
    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, Y), num_boost_round=3)
    return clf, booster


def _callable(rows):
    return np.asarray(rows)[:, 0] * 2.0


def _cases():
    clf, booster = _lightgbm_models()
    return [
        # model, handler, method, unit
        (booster, h.NativeBoosterHandler, "tree", "score"),
        (clf, h.BoostedEstimatorHandler, "tree", "log-odds"),
        (RandomForestClassifier(n_estimators=3, random_state=0).fit(X, Y01), h.SklearnTreeHandler, "tree",
         "probability"),
        (HistGradientBoostingRegressor(max_iter=3).fit(X, Y), h.SklearnTreeHandler, "tree", "score"),
        (LogisticRegression().fit(X, Y01), h.LinearHandler, "linear", "log-odds"),
        (LinearRegression().fit(X, Y), h.LinearHandler, "linear", "score"),
        (KNeighborsRegressor(n_neighbors=3).fit(X, Y), h.AnyModelHandler, "permutation", "score"),
        (_callable, h.AnyModelHandler, "permutation", "score"),
    ]


def test_each_family_is_handled_by_its_own_handler_with_the_known_method_and_unit():
    for model, handler, method, unit in _cases():
        claimed = [type(x) for x in h.HANDLERS[:-1] if x.can_handle(model)]
        # exactly one family handler claims a model of its family; the catch-all takes the rest
        assert claimed == ([handler] if handler is not h.AnyModelHandler else []), type(model).__name__
        assert type(h.handler_for(model)) is handler
        plan = h.plan_for(model, "raw")
        assert (plan.kind, plan.output_unit) == (method, unit), type(model).__name__


def test_the_catch_all_handler_is_last_and_handles_anything():
    assert type(h.HANDLERS[-1]) is h.AnyModelHandler
    assert h.HANDLERS[-1].can_handle(object())


def test_a_handler_explains_what_explain_matrix_returns():
    model = LinearRegression().fit(X, Y)
    direct = h.LinearHandler().explain(model, np.ascontiguousarray(X), "raw", h.ShapOptions(), 1)
    # linear SHAP of y = 1*x0 - 2*x1: coef * (x - mean(x)), exactly
    expected = (X - X.mean(axis=0)) * model.coef_
    np.testing.assert_allclose(direct.values, expected, atol=1e-10)
    np.testing.assert_array_equal(explainer.analyses.explain_matrix(model, X).values, direct.values)


@pytest.mark.parametrize("qualified", ["lightgbm.basic.Booster", "xgboost.core.Booster"])
def test_booster_class_names_are_written_in_one_module(qualified):
    holders = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if qualified in p.read_text(encoding="utf-8"))
    assert holders == ["models/_families.py"]


def test_analyses_and_models_modules_stay_under_700_lines():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for sub in ("analyses", "models") for p in (PACKAGE / sub).glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 700} == {}


def test_the_brute_force_oracle_is_a_test_helper_not_a_package_module():
    assert not (PACKAGE / "analyses" / "_bruteforce.py").exists()
    assert not any(re.search(r"\bexact_shapley\b", p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py"))
