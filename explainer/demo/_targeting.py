"""The demo's second algorithm: which customers get the weekly offer email.

A logistic regression on one row per customer scores how likely the customer is to buy in
two or more product groups in the next 30 days; customers scoring at least 0.5 are picked
for the email.
It runs on the same customers as the recommender, so one disclosure can cover both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._generate import CATEGORIES, RetailDemo

__all__ = ["DemoTargeting", "TARGETING_INPUTS", "customer_table", "targeting_config", "train_demo_targeting"]

#: The raw columns the targeting model reads.
TARGETING_INPUTS: tuple[str, ...] = (
    "total_purchases_90d",
    "total_browse_minutes_90d",
    "loyalty_tenure_months",
    "income_band",
    "device",
    "age_band",
)


def customer_table(demo: RetailDemo) -> pd.DataFrame:
    """One row per customer: the customer columns, 90-day totals and ``bought_two_or_more``
    (did the customer buy in two or more categories in the next 30 days)."""
    cust = demo.customers
    wide_p = [f"purchases_{c}" for c in CATEGORIES]
    wide_b = [f"browse_minutes_{c}" for c in CATEGORIES]
    out = cust.drop(columns=wide_p + wide_b).copy()
    out["total_purchases_90d"] = cust[wide_p].sum(axis=1).to_numpy()
    out["total_browse_minutes_90d"] = cust[wide_b].sum(axis=1).round(1).to_numpy()
    n_bought = demo.outcomes.groupby("customer_id", sort=False)["bought"].sum()
    out["bought_two_or_more"] = (n_bought.reindex(out["customer_id"]).fillna(0) >= 2).astype(int).to_numpy()
    return out


@dataclass(frozen=True)
class DemoTargeting:
    """The fitted email targeting model with its split and held-out evaluation.

    Attributes
    ----------
    pipeline : sklearn Pipeline
        Scores a customer: the probability of buying in two or more product groups in the next 30 days.
    train, test : DataFrame
        Customer rows used to fit, and held-out rows to audit.
    metrics : dict
        Accuracy and ROC AUC on the held-out customers.
    """

    pipeline: object
    train: pd.DataFrame
    test: pd.DataFrame
    metrics: dict[str, float] = field(default_factory=dict)


def train_demo_targeting(demo: RetailDemo, *, test_size: float = 0.2, random_state: int = 0) -> DemoTargeting:
    """Split customers as the recommender does, fit the targeting model, evaluate on the rest."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rows = customer_table(demo)
    rng = np.random.default_rng(random_state)
    ids = demo.customers["customer_id"].to_numpy()
    test_ids = set(rng.choice(ids, int(round(len(ids) * test_size)), replace=False).tolist())
    is_test = rows["customer_id"].isin(test_ids).to_numpy()
    train, test = rows[~is_test].reset_index(drop=True), rows[is_test].reset_index(drop=True)
    cat = ["income_band", "device", "age_band"]
    num = [c for c in TARGETING_INPUTS if c not in cat]
    pipe = Pipeline([
        ("prepare", ColumnTransformer([("onehot", OneHotEncoder(handle_unknown="ignore"), cat),
                                       ("numeric", StandardScaler(), num)])),
        ("model", LogisticRegression(max_iter=1000)),
    ])
    pipe.fit(train[list(TARGETING_INPUTS)], train["bought_two_or_more"])
    score = pipe.predict_proba(test[list(TARGETING_INPUTS)])[:, 1]
    metrics = {"accuracy": float(accuracy_score(test["bought_two_or_more"], score >= 0.5)),
               "roc_auc": float(roc_auc_score(test["bought_two_or_more"], score))}
    return DemoTargeting(pipeline=pipe, train=train, test=test, metrics=metrics)


def targeting_config() -> object:
    """The demo publisher facts for the targeting model: ``disclosure_targeting.yaml`` laid
    over the recommender's ``disclosure.yaml`` (its top-level keys replace the others)."""
    import yaml

    from ..report._config import DisclosureConfig
    from ._paths import DEMO_CONFIG, TARGETING_CONFIG

    base = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    over = yaml.safe_load(TARGETING_CONFIG.read_text(encoding="utf-8"))
    return DisclosureConfig.from_dict({**base, **over}, source=f"demo config {TARGETING_CONFIG.name!r}")
