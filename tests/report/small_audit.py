"""A quick binary audit on demo rows, for report tests that need a second, known audit."""

from __future__ import annotations

from typing import Any


def small_audit(rows: Any, inputs: list[str], *, rename: dict[str, str] | None = None,
                sensitive: tuple[str, ...] = ("gender", "age_band"), random_state: int = 0) -> Any:
    """Fit a logistic regression on ``inputs`` of ``rows`` and audit it (binary task)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import explainer as ex

    data = rows.drop(columns=["category", "department"]).rename(columns=rename or {})
    cols = [(rename or {}).get(c, c) for c in inputs]
    import pandas as pd

    cat = [c for c in cols if not pd.api.types.is_numeric_dtype(data[c])]
    num = [c for c in cols if c not in cat]
    pipe = Pipeline([("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), cat),
                                                 ("num", StandardScaler(), num)])),
                     ("clf", LogisticRegression(max_iter=500))]).fit(data[cols], data["bought"])
    return ex.audit(pipe, data, target="bought", sensitive_features=list(sensitive), sample_size=400,
                    n_boot=40, random_state=random_state)
