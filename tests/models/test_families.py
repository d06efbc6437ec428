"""Every model family through one adapter: units, additivity, grouping, black boxes, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer.analyses import explain, explain_matrix
from explainer.errors import InvalidInputError, ModelNotFittedError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.integers(0, 5, n).astype(float),
                       "d": rng.normal(size=n)})
    df["y"] = ((df["a"] + 0.5 * df["b"] - 0.3 * df["c"] + rng.logistic(size=n)) > 0).astype(int)
    df["yr"] = 2 * df["a"] + df["b"] * df["c"]
    return df


X_COLS = ["a", "b", "c", "d"]


def _models(df: pd.DataFrame) -> dict[str, tuple[object, str, str]]:
    """name -> (fitted model, target column, expected attribution unit)."""
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import (ExtraTreesRegressor, HistGradientBoostingClassifier, RandomForestClassifier,
                                  RandomForestRegressor)
    from sklearn.linear_model import LinearRegression, LogisticRegression

    X, y, yr = df[X_COLS], df["y"], df["yr"]
    return {
        "lgbm-sklearn": (lgb.LGBMClassifier(n_estimators=15, verbose=-1).fit(X, y), "y", "log-odds"),
        "xgb-sklearn": (xgb.XGBClassifier(n_estimators=15, max_depth=3).fit(X, y), "y", "log-odds"),
        "lgbm-booster": (lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), 15), "y", "log-odds"),
        "xgb-booster": (xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(X, y), 15), "y",
                        "log-odds"),
        "xgb-booster-regression": (xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(X, yr), 15), "yr",
                                   "score"),
        "random-forest": (RandomForestClassifier(15, max_depth=4, random_state=0).fit(X, y), "y", "probability"),
        "random-forest-regression": (RandomForestRegressor(15, max_depth=4, random_state=0).fit(X, yr), "yr",
                                     "score"),
        "extra-trees-regression": (ExtraTreesRegressor(15, max_depth=4, random_state=0).fit(X, yr), "yr", "score"),
        "hist-gradient-boosting": (HistGradientBoostingClassifier(max_iter=15).fit(X, y), "y", "log-odds"),
        "logistic": (LogisticRegression().fit(X, y), "y", "log-odds"),
        "linear": (LinearRegression().fit(X, yr), "yr", "score"),
    }


@pytest.mark.parametrize("name", ["lgbm-sklearn", "xgb-sklearn", "lgbm-booster", "xgb-booster",
                                  "xgb-booster-regression", "random-forest", "random-forest-regression",
                                  "extra-trees-regression", "hist-gradient-boosting", "logistic", "linear"])
def test_family_is_explained_exactly_in_its_unit(frame, name):
    model, target, unit = _models(frame)[name]
    adapter = ex.wrap_model(model)
    assert adapter.input_columns == tuple(X_COLS)
    assert adapter.output_unit == unit
    result = explain(adapter, frame, sample_size=200, n_boot=20)
    assert result.unit == unit and result.exact
    # attributions add up to the output they are in: the margin, or the probability of a forest
    rows = frame.iloc[result.row_index]
    out = adapter.predict_score(rows) if unit == "probability" else adapter.predict_raw(rows)
    np.testing.assert_allclose(result.values.sum(axis=1) + result.base_value, out, atol=1e-6)
    assert result.max_additivity_error < 1e-6
    assert result.column_share["column"].iloc[0] in ("a", "b")  # the planted strongest signal
    if unit == "log-odds":  # the score the model acts on is the probability of the same margin
        np.testing.assert_allclose(adapter.predict_score(rows), 1 / (1 + np.exp(-adapter.predict_raw(rows))),
                                   atol=1e-6)


def test_audit_json_names_the_unit_of_a_native_booster(frame):
    model, _, _ = _models(frame)["xgb-booster"]
    a = ex.audit(model, frame, target="y", sample_size=100, n_boot=20)
    doc = a.to_dict()
    assert doc["model"]["type"] == "Booster" and doc["model"]["kind"] == "booster"
    assert doc["model"]["output_unit"] == doc["explanation"]["unit"] == "log-odds"
    assert all(p["attribution_unit"] == "log-odds" for p in doc["main_parameters"])


def test_booster_without_names_needs_feature_names(frame):
    import lightgbm as lgb

    booster = lgb.train({"objective": "regression", "verbose": -1},
                        lgb.Dataset(frame[X_COLS].to_numpy(), frame["yr"].to_numpy()), 5)
    with pytest.raises(InvalidInputError, match="feature_names must be given"):
        ex.wrap_model(booster)
    adapter = ex.wrap_model(booster, feature_names=X_COLS)
    np.testing.assert_allclose(adapter.predict_score(frame), booster.predict(frame[X_COLS].to_numpy()))


def test_one_hot_pipeline_groups_engineered_attributions_by_summing_them(frame):
    """A ColumnTransformer with one-hot, ordinal, scaling and passthrough parts: each raw column's
    attribution is exactly the sum of the attributions of the engineered columns made from it."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    rng = np.random.default_rng(0)
    df = frame.copy()
    df["colour"] = rng.choice(["red", "green", "blue"], len(df))
    df["size"] = rng.choice(["S", "M", "L"], len(df))
    df["yr"] = df["yr"] + 2 * (df["colour"] == "red") - (df["size"] == "L")
    cols = ["colour", "size", "a", "b", "c"]
    pre = ColumnTransformer([("oh", OneHotEncoder(sparse_output=False), ["colour"]),
                             ("ord", OrdinalEncoder(), ["size"]),
                             ("sc", StandardScaler(), ["a", "b"]),
                             ("pass", "passthrough", ["c"])])
    pipe = Pipeline([("prep", pre), ("model", HistGradientBoostingRegressor(max_iter=30))]).fit(df[cols], df["yr"])
    adapter = ex.wrap_model(pipe)
    result = explain(adapter, df, sample_size=150, n_boot=10)
    rows = df.iloc[result.row_index]
    Z, names = adapter.transform(rows)
    parts = explain_matrix(pipe[-1], Z).values
    made_from = {c: [i for i, n in enumerate(names) if n.split("__")[1] == c or n.split("__")[1].startswith(c + "_")]
                 for c in cols}
    assert [len(made_from[c]) for c in cols] == [3, 1, 1, 1, 1]
    expected = {c: parts[:, made_from[c]].sum(axis=1) for c in cols}
    for j, c in enumerate(result.columns):
        np.testing.assert_allclose(result.values[:, j], expected[c], atol=1e-12)
    np.testing.assert_allclose(result.values.sum(axis=1) + result.base_value, adapter.predict_raw(rows), atol=1e-9)


def test_black_box_with_a_known_linear_formula_gets_exact_attributions():
    """f = 2a - b + 3[colour is red] + 0.5[size is L]: each Shapley value is the term minus its mean
    over the background, whatever the column type; text columns reach the model as text."""
    rng = np.random.default_rng(1)
    n = 40
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 9, n),
                       "colour": rng.choice(["red", "blue", "green"], n),
                       "size": pd.Categorical(rng.choice(["S", "L"], n))})
    seen: list[type] = []

    def predict(frame: pd.DataFrame) -> np.ndarray:
        seen.append(type(frame["colour"].iloc[0]))
        return (2 * frame["a"] - frame["b"] + 3 * (frame["colour"] == "red") + 0.5 * (frame["size"] == "L")).to_numpy(
            dtype=float)

    adapter = ex.wrap_model(predict, feature_names=["a", "b", "colour", "size"])
    from explainer.analyses._shap_callable import explain_callable

    rows = df.iloc[:8]
    sm = explain_callable(adapter, rows, background=df, background_size=n)
    terms = pd.DataFrame({"a": 2 * df["a"], "b": -df["b"], "colour": 3.0 * (df["colour"] == "red"),
                          "size": 0.5 * (df["size"] == "L")})
    expected = (terms - terms.mean()).iloc[:8].to_numpy()
    np.testing.assert_allclose(sm.values, expected, atol=1e-9)
    assert sm.base_value == pytest.approx(predict(df).mean())
    assert sm.algorithm == "shap-permutation" and not sm.exact and sm.output_unit == "score"
    assert set(seen) == {str}


def test_black_box_through_the_audit_reports_probability_for_a_binary_callable(frame):
    def proba(f: pd.DataFrame) -> np.ndarray:
        return 1 / (1 + np.exp(-(f["a"] - 0.5 * f["b"]).to_numpy()))

    a = ex.audit(ex.wrap_model(proba, feature_names=["a", "b", "c"], task="binary"), frame, target="y",
                 sample_size=50, n_boot=10)
    assert a.explanation.unit == "probability" and a.to_dict()["model"]["output_unit"] == "probability"
    assert a.explanation.share_of("c") < 1e-12  # the callable never reads c
    assert a.explanation.column_share["column"].iloc[0] == "a"


def test_unfitted_models_get_a_clear_error(frame):
    import lightgbm as lgb
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression

    for model in (lgb.LGBMClassifier(), make_pipeline(StandardScaler(), LogisticRegression())):
        with pytest.raises(ModelNotFittedError, match="model must be fitted before it is audited"):
            ex.audit(model, frame, target="y")


def test_model_whose_columns_are_missing_from_the_data_gets_a_clear_error(frame):
    model, _, _ = _models(frame)["lgbm-sklearn"]
    with pytest.raises(InvalidInputError, match=r"data must hold every column the model reads. Got no \['c'\]"):
        ex.audit(model, frame.drop(columns=["c"]), target="y")
    booster, _, _ = _models(frame)["xgb-booster"]
    with pytest.raises(InvalidInputError, match=r"Got no \['a', 'd'\] \(2 missing\)"):
        ex.audit(booster, frame.drop(columns=["a", "d"]), target="y")


def _double(x):
    return 2 * x


def test_a_histgradientboosting_file_loads_without_flags_and_other_types_stay_refused(tmp_path):
    """skops' list lacks HGB's TreePredictor; ours accepts it, and nothing else besides."""
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.preprocessing import FunctionTransformer

    from explainer.errors import UntrustedModelError
    from explainer.models import load_model, save_model

    X = np.random.default_rng(0).normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    hgb = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    save_model(hgb, tmp_path / "hgb.skops")
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in sio.get_untrusted_types(
        file=tmp_path / "hgb.skops")
    np.testing.assert_array_equal(load_model(tmp_path / "hgb.skops").predict_proba(X), hgb.predict_proba(X))
    save_model(FunctionTransformer(_double), tmp_path / "fn.skops")  # a function of this module: untrusted
    with pytest.raises(UntrustedModelError, match="must only hold types skops trusts"):
        load_model(tmp_path / "fn.skops")
