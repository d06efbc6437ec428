"""The embedded example: synthetic retail customers and a recommender trained on them.

See :func:`make_retail_demo` for the truths the generator plants.
"""
from ._generate import CATEGORIES, REFERENCE_DATE, RetailDemo, make_retail_demo, planted_truths
from ._model import MODEL_INPUTS, DemoRecommender, postcode_district, train_demo_recommender
from ._targeting import TARGETING_INPUTS, DemoTargeting, customer_table, targeting_config, train_demo_targeting

__all__ = [
    "CATEGORIES", "REFERENCE_DATE", "RetailDemo", "make_retail_demo", "planted_truths",
    "MODEL_INPUTS", "DemoRecommender", "postcode_district", "train_demo_recommender",
    "TARGETING_INPUTS", "DemoTargeting", "customer_table", "targeting_config", "train_demo_targeting",
]
