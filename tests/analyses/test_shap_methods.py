"""Known-answer tests for explain_matrix and the brute-force Shapley reference."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

from explainer.analyses import _shap_handlers, _shap_linear, _shap_matrix, _shap_tree
from helpers_shapley import exact_shapley, shapley_from_value_function
from explainer.analyses import ShapMatrix, explain_matrix
from explainer.errors import InvalidInputError, ModelNotFittedError
from sklearn.linear_model import LogisticRegression


def _binary_data(n: int = 400, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # float32-representable values, so float32 and float64 split comparisons agree
    X = rng.normal(size=(n, d)).astype(np.float32).astype(np.float64)
    y = (X[:, 0] - X[:, 1] + X[:, 2] * X[:, 3] + rng.logistic(size=n) > 0).astype(int)
    return X, y


def _shap() -> Any:
    return _shap_matrix.import_shap()


# --------------------------------------------------------------------------- brute force


def test_exact_shapley_hand_computed_product() -> None:
    # f = x0 * x1, x = (1, 1), background = (0, 0): the joint effect 1 is split equally.
    values, base = exact_shapley(lambda X: X[:, 0] * X[:, 1], np.array([1.0, 1.0]), np.zeros((1, 2)))
    np.testing.assert_allclose(values, [0.5, 0.5])
    assert base == 0.0


def test_exact_shapley_linear_equals_coef_times_centered_x() -> None:
    bg = np.array([[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 0.0, 1.0]])
    x = np.array([1.0, -1.0, 4.0, 0.0])
    coef = np.array([2.0, -3.0, 0.5, 1.0])
    values, base = exact_shapley(lambda X: X @ coef + 7.0, x, bg)
    np.testing.assert_allclose(values, coef * (x - bg.mean(axis=0)), atol=1e-12)
    assert base == pytest.approx(bg.mean(axis=0) @ coef + 7.0)


def test_exact_shapley_rejects_more_than_ten_features() -> None:
    with pytest.raises(InvalidInputError, match="x must have at most 10 features"):
        exact_shapley(lambda X: X.sum(axis=1), np.zeros(11), np.zeros((1, 11)))


# --------------------------------------------------------------------------- linear path


def test_linear_regression_equals_bruteforce_and_formula() -> None:
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    model = LinearRegression().fit(X, X @ np.array([1.5, -2.0, 0.0, 3.0]) + rng.normal(size=50))
    bg = X[:10]
    result = explain_matrix(model, X[:8], background=bg)
    assert result.algorithm == "shap-linear" and result.exact and result.output_unit == "score"
    for i in range(8):
        values, base = exact_shapley(model.predict, X[i], bg)
        np.testing.assert_allclose(result.values[i], values, atol=1e-10)
        assert result.base_value == pytest.approx(base, abs=1e-10)
    np.testing.assert_allclose(result.values, model.coef_ * (X[:8] - bg.mean(axis=0)), atol=1e-12)
    assert result.max_additivity_error < 1e-10


def test_logistic_equals_shap_linear_explainer_in_log_odds() -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = _binary_data(300, 5)
    model = LogisticRegression().fit(X, y)
    bg = X[:100]
    result = explain_matrix(model, X[100:160], background=bg)
    shap = _shap()
    reference = shap.LinearExplainer(model, shap.maskers.Independent(bg, max_samples=100))
    expected = reference.shap_values(X[100:160])
    np.testing.assert_allclose(result.values, expected, atol=1e-12)
    assert result.base_value == pytest.approx(float(np.ravel(reference.expected_value)[0]), abs=1e-12)
    assert result.output_unit == "log-odds"
    np.testing.assert_allclose(
        result.values.sum(axis=1) + result.base_value, model.decision_function(X[100:160]), atol=1e-10
    )


def test_linear_default_background_is_mean_of_X() -> None:
    from sklearn.linear_model import Ridge

    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 2.0], [6.0, 6.0]])
    model = Ridge(alpha=0.0).fit(X, 3 * X[:, 0] - X[:, 1])
    result = explain_matrix(model, X)
    # mean = (3, 3); coef = (3, -1): row 0 -> (3*(0-3), -1*(1-3)) = (-9, 2)
    np.testing.assert_allclose(result.values[0], [-9.0, 2.0], atol=1e-9)
    assert result.base_value == pytest.approx(3 * 3 - 3, abs=1e-9)


# --------------------------------------------------------------------------- black box


def test_callable_gets_linear_attributions_around_background_mean() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    bg = rng.normal(loc=1.0, size=(20, 3))

    def f(A: np.ndarray) -> np.ndarray:
        return 2 * A[:, 0] - 3 * A[:, 1] + 0.5 * A[:, 2]

    result = explain_matrix(f, X[:5], background=bg, random_state=0)
    mean = bg.mean(axis=0)
    expected = np.column_stack([2 * (X[:5, 0] - mean[0]), -3 * (X[:5, 1] - mean[1]), 0.5 * (X[:5, 2] - mean[2])])
    np.testing.assert_allclose(result.values, expected, atol=1e-10)
    assert result.algorithm == "shap-permutation"
    assert result.exact is False and result.output_unit == "score"
    assert result.base_value == pytest.approx(float(f(bg).mean()), abs=1e-10)


def test_callable_default_background_is_seeded_sample_of_X() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))

    def f(A: np.ndarray) -> np.ndarray:
        return 2 * A[:, 0] - 3 * A[:, 1] + 0.5 * A[:, 2]

    # 40 rows <= 100 default background rows: the background is all of X.
    result = explain_matrix(f, X)
    mean = X.mean(axis=0)
    np.testing.assert_allclose(result.values[:, 0], 2 * (X[:, 0] - mean[0]), atol=1e-10)
    np.testing.assert_allclose(result.values[:, 1], -3 * (X[:, 1] - mean[1]), atol=1e-10)


# --------------------------------------------------------------------------- trees: brute force


def _path_dependent_value(trees: list[dict[str, Any]], offset: float, x: np.ndarray):
    """v(S): sum over trees of the cover-weighted conditional expectation given x_S."""

    def expect(tree: dict[str, Any], node: int, S: frozenset[int]) -> float:
        left, right = tree["left"][node], tree["right"][node]
        if left < 0:
            return float(tree["value"][node])
        feat = tree["feature"][node]
        if feat in S:
            goes_left = tree["goes_left"](x[feat], tree["threshold"][node])
            return expect(tree, left if goes_left else right, S)
        cover = tree["cover"]
        return (cover[left] * expect(tree, left, S) + cover[right] * expect(tree, right, S)) / cover[node]

    return lambda S: offset + sum(expect(t, 0, S) for t in trees)


def _sklearn_trees(model: Any) -> list[dict[str, Any]]:
    trees = []
    for est in getattr(model, "estimators_", [model]):
        t = est.tree_
        trees.append(
            {
                "left": t.children_left,
                "right": t.children_right,
                "feature": t.feature,
                "threshold": t.threshold,
                "value": t.value[:, 0, 0],
                "cover": t.weighted_n_node_samples,
                "goes_left": lambda v, thr: np.float32(v) <= thr,
            }
        )
    return trees


def _xgboost_trees(booster: Any) -> tuple[list[dict[str, Any]], float]:
    frame = booster.trees_to_dataframe()
    trees = []
    for _, tdf in frame.groupby("Tree"):
        ids = {node_id: i for i, node_id in enumerate(tdf["ID"])}
        is_leaf = (tdf["Feature"] == "Leaf").to_numpy()
        trees.append(
            {
                "left": np.array([-1 if leaf else ids[v] for leaf, v in zip(is_leaf, tdf["Yes"])]),
                "right": np.array([-1 if leaf else ids[v] for leaf, v in zip(is_leaf, tdf["No"])]),
                "feature": np.array([-1 if leaf else int(f[1:]) for leaf, f in zip(is_leaf, tdf["Feature"])]),
                "threshold": tdf["Split"].to_numpy(dtype=np.float64),
                "value": tdf["Gain"].to_numpy(dtype=np.float64),
                "cover": tdf["Cover"].to_numpy(dtype=np.float64),
                "goes_left": lambda v, thr: np.float32(v) < np.float32(thr),
            }
        )
    config = json.loads(booster.save_config())
    base_score = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    return trees, float(np.log(base_score / (1 - base_score)))


@pytest.mark.parametrize("use_fast", [True, False])
def test_tiny_sklearn_tree_equals_path_dependent_enumeration(use_fast: bool) -> None:
    from sklearn.ensemble import GradientBoostingRegressor

    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 4))
    y = X[:, 0] * X[:, 1] + np.where(X[:, 2] > 0, 1.0, -1.0) + 0.1 * rng.normal(size=200)
    model = GradientBoostingRegressor(n_estimators=3, max_depth=3, learning_rate=1.0, random_state=0).fit(X, y)
    result = explain_matrix(model, X[:6], use_fasttreeshap=use_fast)
    trees = [
        {**t, "value": t["value"] * model.learning_rate} for t in _sklearn_trees_from_gb(model)
    ]
    offset = float(model.init_.constant_.ravel()[0])
    for i in range(6):
        values, base = shapley_from_value_function(_path_dependent_value(trees, offset, X[i]), 4)
        np.testing.assert_allclose(result.values[i], values, atol=1e-12)
        assert result.base_value == pytest.approx(base, abs=1e-12)
    assert result.algorithm == ("fasttreeshap-v2" if use_fast else "shap-tree")


def _sklearn_trees_from_gb(model: Any) -> list[dict[str, Any]]:
    return _sklearn_trees(type("Wrap", (), {"estimators_": list(model.estimators_[:, 0])})())


@pytest.mark.parametrize("use_fast", [True, False])
def test_tiny_xgboost_equals_float64_path_dependent_enumeration(use_fast: bool) -> None:
    import xgboost as xgb

    X, y = _binary_data(300, 4, seed=5)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=3, n_jobs=1, random_state=0).fit(X, y)
    trees, offset = _xgboost_trees(model.get_booster())
    result = explain_matrix(model, X[:6], use_fasttreeshap=use_fast)
    margin = model.predict(X[:6], output_margin=True)
    for i in range(6):
        value = _path_dependent_value(trees, offset, X[i])
        # the reference reproduces XGBoost's own margin (within float32 rounding)
        assert value(frozenset(range(4))) == pytest.approx(float(margin[i]), abs=1e-5)
        values, base = shapley_from_value_function(value, 4)
        np.testing.assert_allclose(result.values[i], values, atol=1e-9)
        assert result.base_value == pytest.approx(base, abs=1e-9)
    assert result.output_unit == "log-odds"


# --------------------------------------------------------------------------- trees: families


def _fitted_tree_models() -> dict[str, Any]:
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    X, y = _binary_data(600, 6, seed=6)
    return {
        "hgb": HistGradientBoostingClassifier(max_iter=30, max_depth=4, random_state=0).fit(X, y),
        "rf": RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(X, y),
        "lgbm": lgb.LGBMClassifier(n_estimators=30, num_leaves=15, n_jobs=1, verbose=-1).fit(X, y),
        "lgb_booster": lgb.train(
            {"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1},
            lgb.Dataset(X, y),
            num_boost_round=30,
        ),
        "xgb": xgb.XGBClassifier(n_estimators=30, max_depth=4, n_jobs=1, random_state=0).fit(X, y),
        "xgb_booster": xgb.train(
            {"objective": "binary:logistic", "max_depth": 4, "nthread": 1}, xgb.DMatrix(X, y), 30
        ),
        "X": X,
    }


@pytest.fixture(scope="module")
def tree_models() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _fitted_tree_models()


def _raw_output(name: str, model: Any, X: np.ndarray) -> np.ndarray:
    import xgboost as xgb

    if name == "hgb":
        return model.decision_function(X)
    if name == "rf":
        return model.predict_proba(X)[:, 1]
    if name == "lgbm":
        return model.predict(X, raw_score=True)
    if name == "lgb_booster":
        return model.predict(X, raw_score=True)
    if name == "xgb":
        return model.predict(X, output_margin=True).astype(np.float64)
    return model.predict(xgb.DMatrix(X), output_margin=True).astype(np.float64)


_UNITS = {"hgb": "log-odds", "rf": "probability", "lgbm": "log-odds", "lgb_booster": "log-odds",
          "xgb": "log-odds", "xgb_booster": "log-odds"}


@pytest.mark.parametrize("name", sorted(_UNITS))
@pytest.mark.parametrize("use_fast", [True, False])
def test_tree_families_are_additive_on_raw_margin(tree_models: dict[str, Any], name: str, use_fast: bool) -> None:
    X = tree_models["X"][:200]
    result = explain_matrix(tree_models[name], X, use_fasttreeshap=use_fast)
    assert isinstance(result, ShapMatrix) and result.exact
    assert result.output_unit == _UNITS[name]
    assert result.max_additivity_error < 1e-6
    # against the library's own prediction; XGBoost's is float32, hence the looser bound
    atol = 5e-6 if name.startswith("xgb") else 1e-6
    np.testing.assert_allclose(
        result.values.sum(axis=1) + result.base_value, _raw_output(name, tree_models[name], X), atol=atol
    )
    assert result.algorithm == ("fasttreeshap-v2" if use_fast else "shap-tree")


@pytest.mark.parametrize("name", sorted(_UNITS))
def test_fasttreeshap_equals_shap_tree_explainer(tree_models: dict[str, Any], name: str) -> None:
    X = tree_models["X"][:200]
    fast = explain_matrix(tree_models[name], X, use_fasttreeshap=True)
    slow = explain_matrix(tree_models[name], X, use_fasttreeshap=False)
    np.testing.assert_allclose(fast.values, slow.values, atol=1e-10)
    assert fast.base_value == pytest.approx(slow.base_value, abs=1e-10)


def test_lightgbm_fast_path_equals_shap_tree_explainer_directly(tree_models: dict[str, Any]) -> None:
    X = tree_models["X"][:200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _shap().TreeExplainer(tree_models["lgbm"]).shap_values(X)
    result = explain_matrix(tree_models["lgbm"], X)
    np.testing.assert_allclose(result.values, expected, atol=1e-10)


def test_shap_is_used_when_fasttreeshap_is_missing(
    tree_models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_shap_tree, "_fasttreeshap_available", lambda: False)
    X = tree_models["X"][:50]
    result = explain_matrix(tree_models["lgbm"], X)
    assert result.algorithm == "shap-tree"
    assert result.max_additivity_error < 1e-10


def test_deep_tree_uses_v1_within_memory_budget() -> None:
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 5))
    model = DecisionTreeRegressor(random_state=0).fit(X, rng.normal(size=3000))  # ~3000 leaves
    assert model.get_depth() > 20  # 2**depth * leaves * 8 bytes far above the budget
    fast = explain_matrix(model, X[:40])
    slow = explain_matrix(model, X[:40], use_fasttreeshap=False)
    assert fast.algorithm == "fasttreeshap-v1"
    np.testing.assert_allclose(fast.values, slow.values, atol=1e-10)
    assert fast.max_additivity_error < 1e-10


def test_chunks_report_progress_and_give_same_values(tree_models: dict[str, Any]) -> None:
    X = tree_models["X"][:20]
    calls: list[tuple[int, int]] = []
    chunked = explain_matrix(tree_models["xgb"], X, chunk_size=7, progress=lambda d, t: calls.append((d, t)))
    whole = explain_matrix(tree_models["xgb"], X)
    assert calls == [(7, 20), (14, 20), (20, 20)]
    np.testing.assert_allclose(chunked.values, whole.values, atol=1e-12)


def test_values_are_read_only(tree_models: dict[str, Any]) -> None:
    result = explain_matrix(tree_models["hgb"], tree_models["X"][:5])
    with pytest.raises(ValueError):
        result.values[0, 0] = 1.0


# --------------------------------------------------------------------------- errors and imports


def test_unfitted_estimator_raises_model_not_fitted() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    with pytest.raises(ModelNotFittedError, match="estimator must be a fitted model. Got an unfitted HistGradientBoostingClassifier"):
        explain_matrix(HistGradientBoostingClassifier(), np.zeros((3, 2)))


def test_unfitted_lightgbm_raises_model_not_fitted() -> None:
    import lightgbm as lgb

    with pytest.raises(ModelNotFittedError, match="Call fit"):
        explain_matrix(lgb.LGBMClassifier(), np.zeros((3, 2)))


def test_multiclass_model_is_rejected() -> None:
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(8).normal(size=(60, 3))
    model = LogisticRegression().fit(X, np.arange(60) % 3)
    with pytest.raises(InvalidInputError, match="estimator must have a single output.*3 outputs"):
        explain_matrix(model, X)


def test_pipeline_and_wrong_width_are_rejected() -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(9).normal(size=(20, 3))
    pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(X, X[:, 0])
    with pytest.raises(InvalidInputError, match="not the Pipeline"):
        explain_matrix(pipe, X)
    with pytest.raises(InvalidInputError, match="X must have the 3 features.*Got 2"):
        explain_matrix(pipe[-1], X[:, :2])


def test_importing_the_module_does_not_import_backends() -> None:
    code = (
        "import sys, explainer, explainer.analyses._shap_handlers; "
        "print(sorted(m for m in ('shap', 'fasttreeshap_fixed', 'lightgbm', 'xgboost') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _ShiftedLogistic(LogisticRegression):
    """A logistic model whose decision function is not scikit-learn's own: the check must call it."""

    def decision_function(self, X):
        return super().decision_function(X) + 0.25


_ShiftedLogistic.__module__ = "sklearn.linear_model._shifted"


def test_linear_additivity_is_checked_against_the_models_own_output():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 4))
    y = (X[:, 0] - X[:, 2] + rng.logistic(size=500) > 0).astype(int)
    plain = LogisticRegression().fit(X, y)
    r = explain_matrix(plain, X)
    np.testing.assert_allclose(r.values.sum(axis=1) + r.base_value, plain.decision_function(X), atol=1e-12)
    assert r.max_additivity_error < 1e-12
    # a scikit-learn linear class with a decision function of its own (posed here by a subclass
    # placed in sklearn's namespace): same coefficients, but it adds 0.25, which the
    # attributions from the coefficients miss, and the check must call it to see that
    shifted = _ShiftedLogistic().fit(X, y)
    assert _shap_handlers.plan_for(shifted, "raw").kind == "linear"
    assert explain_matrix(shifted, X).max_additivity_error == pytest.approx(0.25, abs=1e-9)
    Xn = X.copy()
    Xn[7, 1] = np.nan
    with pytest.raises(InvalidInputError, match="X must hold finite numbers.*Got 1 missing or infinite"):
        explain_matrix(plain, Xn)


def test_linear_kernel_and_numpy_blocks_give_the_same_values(monkeypatch):
    """The compiled one-pass kernel and the NumPy fallback (no numba) agree, chunked or not."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3001, 7)) * [1, 10, 100, 1, 1, 0.1, 5]
    y = (X[:, 0] + X[:, 2] / 100 + rng.logistic(size=len(X)) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    fast = explain_matrix(model, X, chunk_size=1000)
    assert _shap_linear._linear_kernel() is not None  # numba comes with shap
    monkeypatch.setattr(_shap_linear, "_LINEAR_KERNEL", [None])
    plain = explain_matrix(model, X)
    np.testing.assert_allclose(fast.values, plain.values, rtol=0, atol=1e-13)
    assert fast.base_value == plain.base_value
    assert fast.max_additivity_error < 1e-12 and plain.max_additivity_error < 1e-12
    np.testing.assert_allclose(fast.values.sum(axis=1) + fast.base_value, model.decision_function(X), atol=1e-12)
