"""An exception raised inside the user's model is the model's failure, and its message is never shown.

A model's own exception message can quote the data (here a customer's name and phone number
in a RuntimeError). explainer must turn any exception of the model's code into a
ModelCallError that names the call and the exception's class only, keep the original as
``__cause__``, and the CLI must exit 2 with one line on stderr; ``--debug`` shows the
chained traceback. Exit 3 stays for bugs in explainer itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import explainer as ex
from explainer.cli import main
from explainer.errors import InvalidInputError, ModelCallError

CANARY = "Alice Smith 07700 900123"
FAST = ["--quiet", "--n-boot", "10", "--sample-size", "60", "--no-refit"]


def _data(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.integers(18, 80, n).astype(float), "spend": rng.gamma(2.0, 50.0, n)})
    df["bought"] = (df["spend"] + rng.normal(0, 30, n) > 100).astype(int)
    return df


class Exploding(ClassifierMixin, BaseEstimator):
    """A classifier whose predict_proba raises a RuntimeError quoting a customer.

    ``when="always"`` raises on every call; ``when="arrays"`` only when given a NumPy array
    (as the explanation step does), so that the first scoring of the data frame succeeds.
    """

    def __init__(self, when: str = "always"):
        self.when = when

    def fit(self, X, y):
        self.inner_ = LogisticRegression().fit(np.asarray(X, dtype=float), y)
        self.classes_ = self.inner_.classes_
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        if self.when == "always" or not isinstance(X, pd.DataFrame):
            raise RuntimeError(f"cannot score {CANARY}")
        return self.inner_.predict_proba(np.asarray(X, dtype=float))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class ExplodingStep(TransformerMixin, BaseEstimator):
    """A preparation step whose transform raises a LookupError quoting a customer."""

    def fit(self, X, y=None):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        raise LookupError(CANARY)


def _assert_safe(err: BaseException, step: str, cls: str) -> None:
    msg = str(err)
    assert CANARY not in msg and "cannot score" not in msg
    assert f"Got {cls} raised by {step}" in msg, msg
    assert "\n" not in msg
    assert type(err.__cause__).__name__ == cls and CANARY in str(err.__cause__)


# --- API ---------------------------------------------------------------------------------------
def test_callable_model_raising_runtime_error_gives_model_call_error():
    df = _data()

    def predict(X):
        raise RuntimeError(f"no score for {CANARY}")

    model = ex.wrap_model(predict, feature_names=["age", "spend"], task="binary")
    with pytest.raises(ModelCallError) as info:
        ex.audit(model, df, target="bought", n_boot=10, sample_size=60)
    _assert_safe(info.value, "the callable model", "RuntimeError")
    assert isinstance(info.value, ex.ExplainerError) and isinstance(info.value, RuntimeError)


def test_estimator_raising_in_predict_proba_gives_model_call_error():
    df = _data()
    model = Exploding().fit(df[["age", "spend"]], df["bought"])
    with pytest.raises(ModelCallError) as info:
        ex.audit(model, df, target="bought", n_boot=10, sample_size=60)
    _assert_safe(info.value, "the model's predict_proba", "RuntimeError")


def test_estimator_failing_only_in_the_explanation_step_gives_model_call_error():
    # the first scoring (a data frame) works; the SHAP step gives the model arrays and it raises
    df = _data()
    model = Exploding(when="arrays").fit(df[["age", "spend"]], df["bought"])
    assert ex.wrap_model(model).predict_score(df).shape == (len(df),)
    with pytest.raises(ModelCallError) as info:
        ex.audit(model, df, target="bought", n_boot=10, sample_size=60)
    _assert_safe(info.value, "the model's predict_proba", "RuntimeError")


def test_pipeline_step_raising_in_transform_gives_model_call_error():
    df = _data()
    pipe = Pipeline([("step", ExplodingStep()), ("clf", LogisticRegression())])
    pipe.steps[0][1].fit(df[["age", "spend"]])
    pipe.steps[1] = ("clf", LogisticRegression().fit(df[["age", "spend"]].to_numpy(), df["bought"]))
    with pytest.raises(ModelCallError) as info:
        ex.wrap_model(pipe).transform(df)
    _assert_safe(info.value, "the pipeline's preparation steps (transform)", "LookupError")


def test_a_model_refusing_unknown_data_still_gets_the_column_diagnosis():
    # ValueError/TypeError/... of a model mean the data differs from training: the message names
    # the column at fault, as before, and is still one of explainer's errors
    df = _data()
    model = LogisticRegression().fit(df[["age", "spend"]], df["bought"])
    bad = df.assign(spend=np.where(np.arange(len(df)) % 7 == 0, np.nan, df["spend"]))
    with pytest.raises(InvalidInputError, match="data column 'spend' must have no missing values"):
        ex.audit(model, bad, target="bought", n_boot=10, sample_size=60)


# --- CLI ---------------------------------------------------------------------------------------
def _files(tmp_path, when: str) -> list[str]:
    df = _data()
    df.to_csv(tmp_path / "data.csv", index=False)
    ex.save_model(Exploding(when=when).fit(df[["age", "spend"]], df["bought"]), tmp_path / "m.skops")
    return ["audit", str(tmp_path / "data.csv"), "--model", str(tmp_path / "m.skops"), "--target", "bought",
            "--out", str(tmp_path / "out"), "--trust-type", f"{__name__}.Exploding", *FAST]


@pytest.mark.parametrize("when", ["always", "arrays"])
def test_cli_model_failure_exits_2_with_one_line_and_no_model_message(tmp_path, capsys, when):
    code = main(_files(tmp_path, when))
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "RuntimeError raised by the model's predict_proba" in lines[0]
    assert "Traceback" not in err and "bug in explainer" not in err
    assert CANARY not in out and CANARY not in err
    assert not (tmp_path / "out").exists()


def test_cli_debug_shows_the_model_exception_as_the_cause(tmp_path, capsys):
    code = main(["--debug", *_files(tmp_path, "always")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" in err and "RuntimeError: cannot score" in err and "ModelCallError" in err
    assert "direct cause of the following exception" in err
