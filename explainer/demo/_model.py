"""The demo recommender: gradient-boosted trees over customer x category rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._generate import RetailDemo

__all__ = ["DemoRecommender", "train_demo_recommender", "postcode_district", "MODEL_INPUTS"]

#: The raw columns the demo recommender reads.
MODEL_INPUTS: tuple[str, ...] = (
    "category",
    "category_purchases_90d",
    "category_browse_minutes_90d",
    "total_purchases_90d",
    "loyalty_tenure_months",
    "income_band",
    "device",
    "age_band",
    "postcode",
    "marketing_consent",
)


def postcode_district(X):  # type: ignore[no-untyped-def]
    """Keep the outward code (district) of UK postcodes: ``"LS6 2AB"`` -> ``"LS6"``."""
    frame = pd.DataFrame(X).astype(str)
    return frame.apply(lambda s: s.str.split(" ").str[0]).to_numpy()


def _pipeline(random_state: int):  # type: ignore[no-untyped-def]
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    pre = ColumnTransformer(
        [
            ("onehot", onehot, ["category", "income_band", "device", "age_band"]),
            (
                "district",
                make_pipeline(
                    FunctionTransformer(postcode_district, feature_names_out="one-to-one"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                ["postcode"],
            ),
            (
                "numeric",
                "passthrough",
                [
                    "category_purchases_90d",
                    "category_browse_minutes_90d",
                    "total_purchases_90d",
                    "loyalty_tenure_months",
                    "marketing_consent",
                ],
            ),
        ],
        verbose_feature_names_out=True,
    )
    model = HistGradientBoostingClassifier(
        max_iter=120, learning_rate=0.08, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, random_state=random_state,
    )
    return Pipeline([("prepare", pre), ("model", model)])


@dataclass(frozen=True)
class DemoRecommender:
    """The fitted demo recommender with its split and held-out evaluation.

    Attributes
    ----------
    pipeline : sklearn Pipeline
        Scores a customer x category row: the probability that the customer buys in
        that category in the next 30 days. Each customer's top ``k`` categories are
        recommended.
    train : DataFrame
        Customer x category rows of the training customers.
    test : DataFrame
        Rows of the held-out customers (never seen in training).
    metrics : dict
        Hit rate at k and NDCG at k on the held-out customers.
    """

    pipeline: object
    train: pd.DataFrame
    test: pd.DataFrame
    k: int
    metrics: dict[str, float] = field(default_factory=dict)


def train_demo_recommender(
    demo: RetailDemo, *, test_size: float = 0.2, k: int = 3, random_state: int = 0
) -> DemoRecommender:
    """Split customers, fit the recommender on the training customers, evaluate on the rest."""
    from ..analyses import ranking_metrics

    rows = demo.interactions()
    rng = np.random.default_rng(random_state)
    ids = demo.customers["customer_id"].to_numpy()
    test_ids = set(rng.choice(ids, int(round(len(ids) * test_size)), replace=False).tolist())
    is_test = rows["customer_id"].isin(test_ids).to_numpy()
    train, test = rows[~is_test].reset_index(drop=True), rows[is_test].reset_index(drop=True)
    pipe = _pipeline(random_state)
    pipe.fit(train[list(MODEL_INPUTS)], train["bought"])
    score = pipe.predict_proba(test[list(MODEL_INPUTS)])[:, 1]
    metrics = ranking_metrics(test["bought"].to_numpy(), score, user_ids=test["customer_id"].to_numpy(), k=k)
    return DemoRecommender(pipeline=pipe, train=train, test=test, k=k, metrics=metrics)
