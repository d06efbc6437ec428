"""Three minimisation verdicts that mean what they say, on a streaming recommender with planted answers.

Planted: whether a viewer watches a movie depends on the viewer's taste for its genre
(``genre_affinity``) and on the movie's popularity; ``device_noise`` carries nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import explainer as ex
from explainer.analyses._minimisation import assess_minimisation

INPUTS = ["genre_affinity", "popularity", "device_noise"]


def _viewers(n_viewers: int, seed: int, n_movies: int = 12, pop_effect: float = 1.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pop = np.linspace(-1, 1, n_movies)
    affinity = rng.normal(size=(n_viewers, n_movies))
    logit = 1.6 * affinity + pop_effect * pop[None, :] - 1.0
    watched = (rng.random((n_viewers, n_movies)) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({
        "viewer": np.repeat(np.arange(n_viewers), n_movies), "movie": np.tile(np.arange(n_movies), n_viewers),
        "genre_affinity": affinity.ravel(), "popularity": np.tile(pop, n_viewers),
        "device_noise": np.repeat(rng.normal(size=n_viewers), n_movies), "watched": watched.ravel()})


@pytest.fixture(scope="module")
def refit():
    train = _viewers(900, seed=1)
    model = LogisticRegression().fit(train[INPUTS], train["watched"])
    adapter = ex.wrap_model(model, task="ranking", user_id="viewer", item_id="movie", k=3)
    result = ex.drop_column_importance(adapter, train, target="watched", columns=INPUTS, n_boot=200,
                                       random_state=0)
    return train, result


def test_refit_sample_counts_customers_and_uses_all_of_them_up_to_the_cap(refit):
    train, r = refit
    assert r.method["customers"] == 900 and r.method["rows"] == len(train)  # all 900 viewers, not 8,000 rows
    assert r.method["sample_unit"] == "customers" and r.method["sample_size"] == 2000


def test_an_input_whose_removal_costs_a_lot_is_keep_and_noise_is_drop(refit):
    _, r = refit
    m = assess_minimisation(INPUTS, inputs=INPUTS, shap=None, categories={c: "behavioural" for c in INPUTS},
                            roles={c: "feature" for c in INPUTS}, refit=r, small_loss=0.01)
    t = m.table.set_index("column")
    assert t.loc["genre_affinity", "verdict"] == "keep" and t.loc["genre_affinity", "refit_ci_high"] < -0.05
    assert t.loc["device_noise", "verdict"] == "drop", t.loc["device_noise", "reason"]
    assert t.loc["device_noise", "refit_ci_low"] > -0.01  # equivalence: the whole interval within the margin
    assert "whole interval lies above -0.01" in t.loc["device_noise", "reason"]


def test_a_small_refit_is_inconclusive_with_its_reason():
    # a weak item fact refitted on 80 viewers: the interval cannot tell no loss from a real one
    train = _viewers(80, seed=2, pop_effect=0.2)
    model = LogisticRegression().fit(train[INPUTS], train["watched"])
    r = ex.drop_column_importance(model, train, target="watched", columns=["popularity"], task="ranking",
                                  user_id="viewer", item_id="movie", k=3, n_boot=200, random_state=0)
    m = assess_minimisation(INPUTS, inputs=INPUTS, shap=None, categories={c: "behavioural" for c in INPUTS},
                            roles={c: "feature" for c in INPUTS}, refit=r, small_loss=0.01)
    row = m.table.set_index("column").loc["popularity"]
    assert row["refit_ci_low"] < -0.01 and row["refit_ci_high"] > 0
    assert row["verdict"] == "inconclusive"
    assert "wider than the margin" in row["reason"] and "refit with more customers" in row["reason"]
    assert "same information" not in row["reason"]


def test_a_refit_that_ties_every_candidate_is_reported():
    # without the item fact, the only input left is the same for all of a viewer's candidates
    train = _viewers(300, seed=3)
    model = LogisticRegression().fit(train[["popularity", "device_noise"]], train["watched"])
    r = ex.drop_column_importance(model, train, target="watched", columns=["popularity"], task="ranking",
                                  user_id="viewer", item_id="movie", k=3, n_boot=50, random_state=0)
    row = r.row("popularity", "column")
    assert row["tied_customers"] == 300
    m = assess_minimisation(["popularity", "device_noise"], inputs=["popularity", "device_noise"], shap=None,
                            categories={"popularity": "item", "device_noise": "behavioural"},
                            roles={"popularity": "feature", "device_noise": "feature"}, refit=r)
    reason = m.table.set_index("column").loc["popularity", "reason"]
    assert "300 held-out customers get the same score for all their candidates" in reason
    assert "row order" in reason


def test_without_training_data_a_low_share_is_inconclusive_and_says_why():
    from explainer.analyses._minimisation import _judge

    # the insurance case: two pure-noise inputs the model fitted, with shares of 1.3% and 2.0%
    for share in (0.013, 0.020):
        verdict, reason = _judge(share, share + 0.005, None, metric="", low_share=0.01, small_loss=0.01,
                                 refit_note="no training data given")
        assert verdict == "inconclusive"
        assert "cannot separate fitted noise from signal" in reason
    verdict, _ = _judge(0.30, 0.35, None, metric="", low_share=0.01, small_loss=0.01, refit_note="")
    assert verdict == "keep"
