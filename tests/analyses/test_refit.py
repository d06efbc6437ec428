"""Drop-column importance: refits without a column, on the same folds, with paired intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

import explainer as ex
from explainer.analyses._refit import estimator_without, weighted_auc
from explainer.errors import InvalidInputError


def _binary_data(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """y depends strongly on x1, a little less on x2; noise and colour carry nothing."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n), "noise": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], n),
    })
    logit = 2.0 * df["x1"] + 1.0 * df["x2"]
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


def _pipeline() -> Pipeline:
    pre = ColumnTransformer([("num", StandardScaler(), ["x1", "x2", "noise"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"])])
    return Pipeline([("prepare", pre), ("model", LogisticRegression(max_iter=500))])


@pytest.fixture(scope="module")
def binary_result():
    df = _binary_data()
    pipe = _pipeline().fit(df[["x1", "x2", "noise", "colour"]], df["y"])
    return ex.drop_column_importance(pipe, df, target="y", groups={"numbers": ["x1", "x2"]},
                                     n_folds=3, sample_size=None, n_boot=300, random_state=0)


def test_signal_column_loses_auc_and_irrelevant_ones_do_not(binary_result):
    t = binary_result.table.set_index("name")
    assert binary_result.metric == "roc_auc"
    # the planted signal: a clear loss, the whole interval below zero
    assert t.loc["x1", "ci_high"] < -0.02
    assert t.loc["x2", "ci_high"] < 0
    assert t.loc["x1", "delta"] < t.loc["x2", "delta"]  # x1 carries more than x2
    # the planted irrelevant columns: no measurable loss (the interval reaches zero or shows a gain:
    # three useless dummy columns cost a little out of sample) and the interval is narrow
    for col in ("noise", "colour"):
        assert t.loc[col, "ci_high"] >= 0 and t.loc[col, "ci_low"] > -0.003, col
        assert t.loc[col, "ci_high"] - t.loc[col, "ci_low"] < 0.01
    # without both signal columns the model is at chance
    assert t.loc["numbers", "metric_without"] == pytest.approx(0.5, abs=0.05)
    assert set(t["how"]) == {"removed"}


def test_delta_is_without_minus_full_and_folds_average(binary_result):
    t = binary_result.table
    assert np.allclose(t["delta"], t["metric_without"] - t["metric_full"])
    assert np.allclose(t["delta"], [np.mean(f) for f in t["fold_deltas"]])
    assert (t["ci_low"] <= t["delta"]).all() and (t["delta"] <= t["ci_high"]).all()
    assert binary_result.method["n_folds"] == 3
    assert binary_result.method["rows"] == 3000


def test_weighted_auc_equals_sklearn_with_sample_weights():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    score = np.round(rng.normal(size=400) + y, 1)  # rounded: many ties
    W = rng.multinomial(400, np.full(400, 1 / 400), size=5).astype(float)
    got = weighted_auc(y, score, W)
    want = [roc_auc_score(y, score, sample_weight=w) for w in W]
    assert np.allclose(got, want, atol=1e-12)
    assert weighted_auc(y, score, np.ones((1, 400)))[0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_clone_without_a_column_no_longer_reads_it():
    df = _binary_data(500)
    X = df[["x1", "x2", "noise", "colour"]]
    pipe = _pipeline()
    est = estimator_without(pipe, ["noise"], list(X.columns)).fit(X.drop(columns="noise"), df["y"])
    assert list(est.feature_names_in_) == ["x1", "x2", "colour"]
    assert "num__noise" not in est[:-1].get_feature_names_out()
    assert pipe.steps[0][1].transformers[0][2] == ["x1", "x2", "noise"]  # the original is untouched
    # a whole transformer's columns gone: the transformer is left out
    est = estimator_without(pipe, ["colour"], list(X.columns)).fit(X.drop(columns="colour"), df["y"])
    assert [n for n, _, _ in est[0].transformers] == ["num"]


def test_selectors_positions_and_masks_are_handled():
    df = _binary_data(600)
    cols = ["x1", "x2", "noise", "colour"]
    X = df[cols]
    pre = ColumnTransformer([("num", StandardScaler(), make_column_selector(dtype_include="number")),
                             ("cat", OneHotEncoder(), [3]),
                             ("mask", "passthrough", np.array([False, True, False, False]))])
    pipe = Pipeline([("prepare", pre), ("model", LogisticRegression())])
    est = estimator_without(pipe, ["x2", "colour"], cols).fit(X.drop(columns=["x2", "colour"]), df["y"])
    names = list(est[0].get_feature_names_out())
    assert names == ["num__x1", "num__noise"]


def test_a_step_that_names_the_column_in_code_falls_back_to_a_constant():
    df = _binary_data(1500, seed=4)

    def total(X):  # reads "x2" by name: it cannot be fitted without it
        return np.c_[X["x1"] + X["x2"]]

    pipe = Pipeline([("ratio", FunctionTransformer(total)), ("model", LogisticRegression())])
    pipe.fit(df[["x1", "x2"]], df["y"])
    r = ex.drop_column_importance(pipe, df, target="y", n_boot=100, random_state=0)
    t = r.table.set_index("name")
    assert t.loc["x2", "how"] == "held constant"
    assert t.loc["x1", "how"] == "held constant"
    assert t.loc["x1", "ci_high"] < 0  # x1 held constant: only x2 is left, a clear loss


def test_a_training_function_and_regression_r2():
    rng = np.random.default_rng(5)
    n = 2000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "junk": rng.normal(size=n)})
    df["y"] = 3 * df["a"] + df["b"] + rng.normal(scale=1.0, size=n)
    seen: list[tuple[str, ...]] = []

    def fit(X, y):
        seen.append(tuple(X.columns))
        return LinearRegression().fit(X, y)

    model = LinearRegression().fit(df[["a", "b", "junk"]], df["y"])
    r = ex.drop_column_importance(model, df, target="y", fit=fit, n_folds=4, n_boot=200, random_state=1)
    t = r.table.set_index("name")
    assert r.metric == "r2"
    assert ("a", "b", "junk") in seen and ("b", "junk") in seen and ("a", "b") in seen
    assert len(seen) == 4 * 4  # full + three columns, four folds each
    # R2 with every input is about 10/11; without a it is about 1/11
    assert t.loc["a", "metric_full"] == pytest.approx(10 / 11, abs=0.03)
    assert t.loc["a", "metric_without"] == pytest.approx(1 / 11, abs=0.05)
    assert t.loc["junk", "ci_low"] <= 0 <= t.loc["junk", "ci_high"]


def test_callable_needs_a_training_function_and_bad_input_is_named():
    df = _binary_data(300)
    model = ex.wrap_model(lambda X: X["x1"].to_numpy(), feature_names=["x1"], task="binary")
    with pytest.raises(InvalidInputError, match="fit must be given"):
        ex.drop_column_importance(model, df, target="y")
    pipe = _pipeline().fit(df[["x1", "x2", "noise", "colour"]], df["y"])
    with pytest.raises(InvalidInputError, match="columns and groups must name model inputs"):
        ex.drop_column_importance(pipe, df, target="y", columns=["y"])
    with pytest.raises(InvalidInputError, match="n_folds must be"):
        ex.drop_column_importance(pipe, df, target="y", n_folds=1)
    with pytest.raises(InvalidInputError, match="data must hold the model's inputs"):
        ex.drop_column_importance(pipe, df.drop(columns="noise"), target="y")
