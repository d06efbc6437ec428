"""Each explained row's strongest reasons as a table (API only, never written to a report)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer.analyses._explain import top_reasons
from explainer.errors import InvalidInputError


def test_top_reasons_of_a_linear_credit_model_are_its_largest_terms():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame({"income": rng.normal(50, 10, n), "debts": rng.normal(10, 3, n),
                       "years_at_address": rng.normal(5, 2, n)})
    y = 0.8 * df["income"] - 3.0 * df["debts"] + 0.01 * df["years_at_address"]
    model = LinearRegression().fit(df, y)
    shap = ex.explain(ex.wrap_model(model, task="regression"), df, sample_size=None,
                      categories={"income": "financial", "debts": "financial", "years_at_address": "contact"})
    table = shap.top_reasons(n=2)
    assert list(table.columns) == ["row", "rank", "column", "category", "attribution"]
    assert len(table) == 2 * n
    # linear SHAP: a column's attribution is its coefficient times its distance from the mean
    expected = (df - df.mean()) * model.coef_
    for row in [0, 17, 123]:
        mine = table[table["row"] == row]
        want = expected.loc[row].abs().sort_values(ascending=False).index[:2].tolist()
        assert mine["column"].tolist() == want
        assert mine["rank"].tolist() == [1, 2]
        assert mine["attribution"].to_numpy() == pytest.approx(expected.loc[row, want].to_numpy(), abs=1e-9)
        cats = {"income": "financial", "debts": "financial", "years_at_address": "contact"}
        assert mine["category"].tolist() == [cats[c] for c in want]


def test_top_reasons_of_any_frame_and_bad_n():
    frame = pd.DataFrame({"views": [0.2, -0.9], "genre": [0.5, 0.1], "plan": [-0.6, 0.0]}, index=["m1", "m2"])
    t = top_reasons(frame, n=5, categories={"views": "behavioural"})
    assert t["row"].tolist() == ["m1"] * 3 + ["m2"] * 3  # n is capped at the number of columns
    assert t[t["row"] == "m1"]["column"].tolist() == ["plan", "genre", "views"]
    assert t[t["row"] == "m2"]["attribution"].tolist() == [-0.9, 0.1, 0.0]
    with pytest.raises(InvalidInputError, match="n must be a positive whole number"):
        top_reasons(frame, n=0)
