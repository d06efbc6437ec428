"""Dependence per value bin: known answers on a logistic model (linear SHAP is exact)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainer.analyses import dependence, explain, top_dependence
from explainer.errors import InvalidInputError
from explainer.models import wrap_model


@pytest.fixture(scope="module")
def logistic():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    n = 150  # at most 200 rows: the background of linear SHAP is then every row, so its mean is known
    df = pd.DataFrame({"income": rng.normal(30, 8, n).round(2), "visits": rng.integers(0, 5, n),
                       "tenure": rng.normal(5, 2, n).round(2)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 0.08 * df.income + 0.3 * df.visits - 0.2 * df.tenure)))).astype(int)
    clf = LogisticRegression().fit(df, y)
    model = wrap_model(clf)
    return df, clf, explain(model, df, sample_size=None, n_boot=10, random_state=0)


def test_margin_dependence_is_the_coefficient_times_the_distance_from_the_mean(logistic):
    df, clf, ex = logistic
    coef = dict(zip(df.columns, clf.coef_[0]))
    for column in ("income", "tenure"):  # numeric: ten quantile bins of 15 rows
        d = dependence(ex, df, column)
        assert d is not None and d.unit == "log-odds" and len(d.table) == 10
        assert d.table["rows"].sum() == len(df)
        # by hand: the bin's rows, the mean of their values, the coefficient times its distance from the mean
        edges = pd.qcut(df[column], 10)
        for (_, bin_rows), r in zip(df.groupby(edges, observed=True), d.table.itertuples()):
            assert r.rows == len(bin_rows)
            assert r.x_mean == pytest.approx(bin_rows[column].mean(), abs=1e-12)
            assert r.mean_attribution == pytest.approx(coef[column] * (bin_rows[column].mean() - df[column].mean()),
                                                       abs=1e-9)
    visits = dependence(ex, df, "visits")  # five values: one bin per value, in numeric order
    assert list(visits.table["bin"]) == ["0", "1", "2", "3", "4"]
    for r in visits.table.itertuples():
        assert r.mean_attribution == pytest.approx(coef["visits"] * (int(r.bin) - df["visits"].mean()), abs=1e-9)


def test_probability_scale_is_the_stated_approximation(logistic):
    df, clf, ex = logistic
    d = dependence(ex, df, "income", probability=True)
    base = clf.intercept_[0] + clf.coef_[0] @ df.mean().to_numpy()  # the average margin, by hand
    assert d.base_value == pytest.approx(base, abs=1e-9)
    phi = clf.coef_[0][0] * (df["income"] - df["income"].mean())
    change = 1 / (1 + np.exp(-(base + phi))) - 1 / (1 + np.exp(-base))
    expected = change.groupby(pd.qcut(df["income"], 10), observed=True).mean().to_numpy()
    assert d.table["mean_probability_change"].to_numpy() == pytest.approx(expected, abs=1e-9)
    assert "approximate" in d.method["probability"] and "sigmoid(base + SHAP value) - sigmoid(base)" in \
        d.method["probability"]


def test_small_bins_are_left_out_and_bad_requests_refused(logistic):
    df, _, ex = logistic
    assert dependence(ex, df, "income", min_count=16) is None  # every bin holds 15 rows: none may be drawn
    assert list(top_dependence(ex, df, n=2)) == list(ex.column_share["column"][:2])
    with pytest.raises(InvalidInputError, match="column must be an input the explanation explained"):
        dependence(ex, df, "postcode")
    score = type(ex)(**{**ex.__dict__, "unit": "score"})
    with pytest.raises(InvalidInputError, match="probability must be False"):
        dependence(score, df, "income", probability=True)
