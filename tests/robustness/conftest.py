"""A small workspace of good and bad files shared by the robustness tests.

The data is a seeded table of 300 customers; two fitted pipelines are saved with skops.
Bad files carry sentinel strings in their cells so that tests can check that no message
ever repeats a value of the data.
"""

from __future__ import annotations

import pytest

from helpers_robustness import Workspace, make_customers


@pytest.fixture(scope="session")
def ws(tmp_path_factory) -> Workspace:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import explainer as ex

    root = tmp_path_factory.mktemp("robustness")
    df = make_customers()
    df.to_csv(root / "data.csv", index=False)

    def pipe(cats: list[str], nums: list[str]) -> Pipeline:
        return Pipeline([
            ("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="error"), cats),
                                        ("num", StandardScaler(), nums)])),
            ("clf", LogisticRegression(max_iter=500)),
        ]).fit(df[cats + nums], df["bought"])

    # reads age, spend, city: no identifier and no special-category data among its inputs
    ex.save_model(pipe(["city"], ["age", "spend"]), root / "model.skops")
    # also reads ethnicity: a use of special-category data, which a CI gate should stop
    ex.save_model(pipe(["city", "ethnicity"], ["age", "spend"]), root / "model_ethnicity.skops")
    return Workspace(root, df)
