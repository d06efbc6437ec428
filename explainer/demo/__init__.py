"""The embedded examples: synthetic retail customers and a recommender trained on them, plus a
streaming recommender and a yes/no decision (:mod:`explainer.demo._domains`).

See :func:`make_retail_demo` for the truths the generator plants.
"""
from ._domains import (
    DECISION_INPUTS, GENRES, STREAMING_INPUTS, DecisionDemo, StreamingDemo, decision_column_labels,
    make_decision_demo, make_streaming_demo, streaming_column_labels, train_decision_model,
    train_streaming_recommender,
)
from ._generate import CATEGORIES, REFERENCE_DATE, RetailDemo, make_retail_demo, planted_truths
from ._model import MODEL_INPUTS, DemoRecommender, postcode_district, train_demo_recommender
from ._targeting import TARGETING_INPUTS, DemoTargeting, customer_table, targeting_config, train_demo_targeting

__all__ = [
    "CATEGORIES", "REFERENCE_DATE", "RetailDemo", "make_retail_demo", "planted_truths",
    "MODEL_INPUTS", "DemoRecommender", "postcode_district", "train_demo_recommender",
    "TARGETING_INPUTS", "DemoTargeting", "customer_table", "targeting_config", "train_demo_targeting",
    "GENRES", "StreamingDemo", "DecisionDemo", "make_streaming_demo", "make_decision_demo",
    "streaming_column_labels", "decision_column_labels", "STREAMING_INPUTS", "DECISION_INPUTS",
    "train_streaming_recommender", "train_decision_model",
]
