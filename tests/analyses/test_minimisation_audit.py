"""Minimisation inside audit() on a small binary model with a reviewed inventory.

Planted: y depends on x1 only; noise carries nothing; the model is also (wrongly) given a
customer number and an ethnicity column as inputs, so the privacy findings must fire.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import explainer as ex
from explainer.inventory import ColumnRecord, DataInventory

INPUTS = ["x1", "noise", "customer_number", "ethnicity"]


def _data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "customer_number": rng.permutation(n) + 10_000,
        "x1": rng.normal(size=n),
        "noise": rng.normal(size=n),
        "ethnicity": rng.choice(["a", "b", "c"], n),
        "phone": [f"07{d:09d}" for d in rng.integers(0, 10**9, n)],
    })
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-2.5 * df["x1"]))).astype(int)
    return df


INVENTORY = DataInventory([
    ColumnRecord("customer_number", "direct_identifier", source="provided"),
    ColumnRecord("x1", "behavioural", source="observed"),
    ColumnRecord("noise", "behavioural", source="observed"),
    ColumnRecord("ethnicity", "special_category", special_category_kind="ethnicity", source="provided"),
    ColumnRecord("phone", "contact", source="provided"),
    ColumnRecord("y", "behavioural", role="target", source="observed"),
])


@pytest.fixture(scope="module")
def small():
    train, test = _data(2400, 1), _data(600, 2)
    pre = ColumnTransformer([("num", StandardScaler(), ["x1", "noise", "customer_number"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["ethnicity"])])
    pipe = Pipeline([("prepare", pre), ("model", LogisticRegression(max_iter=500))]).fit(train[INPUTS], train["y"])
    return pipe, train, test


@pytest.fixture(scope="module")
def small_audit(small):
    pipe, train, test = small
    return ex.audit(pipe, test, target="y", inventory=INVENTORY, train_data=train, sample_size=300, n_boot=100,
                    random_state=0)


def test_binary_refit_uses_auc_and_finds_the_planted_signal(small_audit):
    m = small_audit.minimisation
    assert m.method["refit"]["metric"] == "roc_auc"
    t = m.table.set_index("column")
    assert t.loc["x1", "verdict"] == "keep" and t.loc["x1", "refit_ci_high"] < -0.1
    for col in ("noise", "customer_number", "ethnicity"):
        assert t.loc[col, "refit_ci_low"] <= 0 <= t.loc[col, "refit_ci_high"] or t.loc[col, "refit_ci_low"] > 0, col
        assert t.loc[col, "verdict"] == "drop", (col, t.loc[col, "reason"])
    assert t.loc["phone", "verdict"] == "drop" and not t.loc["phone", "is_input"]
    cats = m.categories.set_index("category")
    assert cats.loc["behavioural", "verdict"] == "keep"
    assert sorted(cats.loc["behavioural", "inputs"]) == ["noise", "x1"]


def test_privacy_findings_fire_with_plain_words(small_audit):
    by = {(f.code, f.columns[0]): f for f in small_audit.findings if f.columns}
    ident = by[("privacy.direct_identifier", "customer_number")]
    assert ident.severity.value == "high"
    assert ident.public_text == "This system uses your customer number when it works out its results."
    special = by[("privacy.special_category_input", "ethnicity")]
    assert special.severity.value == "high"
    assert by[("data.unused_column", "phone")].public_text == "We collect your phone number, but this system does not use it."
    low = by[("data.low_value_column", "noise")]
    assert "roc_auc" in low.text and low.evidence["refit_metric"] == "roc_auc"
    doc = small_audit.to_dict()
    codes = {f["code"] for f in doc["findings"]}
    assert {"privacy.direct_identifier", "privacy.special_category_input", "data.unused_column",
            "data.low_value_column"} <= codes


def test_without_training_rows_or_training_function_the_result_says_so(small):
    pipe, train, test = small
    no_rows = ex.audit(pipe, test, target="y", inventory=INVENTORY, sample_size=300, n_boot=50)
    r = no_rows.minimisation.method["refit"]
    assert r["status"] == "not run" and "no training data given" in r["reason"]
    assert no_rows.minimisation.table["refit_delta"].isna().all()
    assert "refit not run: no training data given" in no_rows.minimisation.table.set_index("column").loc["x1",
                                                                                                          "reason"]
    from explainer.pipeline._stages import refit_importance as _refit

    scorer = ex.wrap_model(lambda X: 1 / (1 + np.exp(-X["x1"].to_numpy())), feature_names=["x1"], task="binary")
    result, reason = _refit(scorer, train, target="y", fit=None, refit=True, categories={}, keys=[], n_folds=3,
                            sample_size=None, n_boot=50, n_jobs=1, random_state=0, say=lambda _s: None)
    assert result is None and "callable" in reason and "fit=" in reason
    off = ex.audit(pipe, test, target="y", inventory=INVENTORY, train_data=train, refit=False, sample_size=300,
                   n_boot=50)
    assert off.minimisation.method["refit"]["reason"].startswith("switched off")


def test_a_training_function_makes_a_callable_refittable(small):
    _, train, _ = small

    def fit(X, y):
        model = LogisticRegression().fit(X, y)
        return lambda Z: model.predict_proba(Z)[:, 1]

    scorer = ex.wrap_model(lambda X: 1 / (1 + np.exp(-X["x1"].to_numpy())), feature_names=["x1", "noise"],
                           task="binary")
    r = ex.drop_column_importance(scorer, train, target="y", fit=fit, n_boot=100, random_state=0)
    assert r.method["refit_by"] == "training function passed as fit"
    t = r.table.set_index("name")
    assert t.loc["x1", "ci_high"] < -0.1
    assert t.loc["noise", "ci_high"] >= 0
