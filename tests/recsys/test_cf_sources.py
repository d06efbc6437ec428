"""Interaction sources: attributions sum per source, categories from the inventory, refit without one."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from helpers_recsys import PER_GENRE, fit_item_item, make_histories

import explainer as ex
from explainer.errors import InvalidInputError


def _als(X, seed=0):
    from implicit.cpu.als import AlternatingLeastSquares

    m = AlternatingLeastSquares(factors=8, regularization=0.05, alpha=2.0, iterations=12, random_state=seed,
                                num_threads=1)
    m.fit(sp.csr_matrix(X, dtype=np.float32), show_progress=False)
    return m


@pytest.fixture(scope="module")
def proportional(histories):
    """Planted: every rating is a quarter of the watch count, so ratings are exactly 20% of each value."""
    X = histories["X"]
    return {"views": X * 0.8, "ratings": X * 0.2}


@pytest.mark.parametrize("which", ["als", "cosine"])
def test_proportional_sources_get_their_planted_shares(which, histories, proportional, als):
    from implicit.nearest_neighbours import CosineRecommender

    model = als if which == "als" else fit_item_item(CosineRecommender, histories["X"])
    cf = ex.wrap_model(model, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], sources=proportional, k=5)
    res = ex.attribute_sources(cf, categories={"views": "behavioural", "ratings": "preferences"}, n_boot=50)
    assert res.shares["views"] == pytest.approx(0.8, abs=1e-9)
    assert res.shares["ratings"] == pytest.approx(0.2, abs=1e-9)
    assert res.intervals["ratings"][0] == pytest.approx(0.2, abs=1e-9)  # the same in every resample
    assert res.n_pairs == 5 * res.n_customers
    assert res.category_shares() == pytest.approx({"behavioural": 0.8, "preferences": 0.2})
    assert list(res.to_frame()["source"]) == ["views", "ratings"]


def test_source_shares_match_a_brute_force_split(histories, als):
    rng = np.random.default_rng(3)
    X = histories["X"]
    ratings = X.copy()
    ratings.data = ratings.data * rng.random(len(ratings.data))  # each entry a different mix
    views = X - ratings
    cf = ex.wrap_model(als, interactions=X, user_ids=histories["user_ids"], item_ids=histories["item_ids"],
                       sources={"views": views, "ratings": ratings}, k=3)
    res = ex.attribute_sources(cf, n_boot=20)
    num, den = 0.0, 0.0
    for row in range(X.shape[0]):
        e = cf.explain_rows(row, cf.recommend(histories["user_ids"][row]))
        for t in range(len(e.items)):
            for h, col in enumerate(e.parts):
                c = abs(e.contributions[t, h])
                num += c * ratings[row, col] / X[row, col]
                den += c
    assert res.shares["ratings"] == pytest.approx(num / den, rel=1e-9)
    assert res.shares["views"] + res.shares["ratings"] == pytest.approx(1.0)
    lo, hi = res.intervals["ratings"]
    assert lo < res.shares["ratings"] < hi


def test_why_page_splits_over_sources_and_names_the_main_one(histories, als, proportional):
    inv = ex.DataInventory.from_dict({"columns": [
        {"column": "views", "category": "behavioural", "source": "observed"},
        {"column": "ratings", "category": "inferred", "source": "provided"},
    ]})
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], item_labels=histories["labels"],
                       sources={"views": proportional["views"], "ratings": proportional["ratings"]}, k=3)
    item = cf.item_ids[cf.recommend("v0000")[0]]
    w = ex.why_collaborative(cf, "v0000", item, inventory=inv)
    total = sum(w.attributions.values())
    assert w.category_attributions["behavioural"] == pytest.approx(0.8 * total, abs=1e-9)
    assert w.category_attributions["inferred"] == pytest.approx(0.2 * total, abs=1e-9)
    assert set(w.categories_used) == {"behavioural", "inferred"}
    assert "in your views raised it" in str(w)  # views hold 80% of every value



def test_why_page_without_an_inventory_files_every_source_as_history(histories, als, proportional):
    """Sources the inventory does not describe are interaction history (behavioural, observed),
    as in attribute_sources: the page must not call them "data not yet described"."""
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], item_labels=histories["labels"],
                       sources={"views": proportional["views"], "ratings": proportional["ratings"]}, k=3)
    item = cf.item_ids[cf.recommend("v0000")[0]]
    w = ex.why_collaborative(cf, "v0000", item)
    assert set(w.categories_used) == {"behavioural"}
    assert w.category_attributions["behavioural"] == pytest.approx(sum(w.attributions.values()), abs=1e-9)
    assert w.sources == {"behavioural": ["observed"]}
    assert "not yet described" not in str(w)
    assert set(ex.attribute_sources(cf, n_boot=10).categories.values()) == set(w.categories_used)

def test_sources_must_add_up_and_fit_the_model(histories, als, lightfm_model):
    X = histories["X"]
    with pytest.raises(InvalidInputError, match="sources must add up to interactions"):
        ex.wrap_model(als, interactions=X, sources={"views": X * 0.5, "ratings": X * 0.4})
    with pytest.raises(InvalidInputError, match=r"sources\['views'\] must have the shape of interactions"):
        ex.wrap_model(als, interactions=X, sources={"views": X[:, :10]})
    m, F, names = lightfm_model
    with pytest.raises(InvalidInputError, match="sources must be None for a LightFM model"):
        ex.wrap_model(m, interactions=X, user_features=F, user_feature_names=names, sources={"views": X})


def _split(seed=0):
    """Views follow taste (favourite genre); trailers are random clicks; 2 held-out favourite titles each."""
    h = make_histories(seed)
    rng = np.random.default_rng(seed + 10)
    n_users, n_items = h["X"].shape
    trailers = np.zeros((n_users, n_items))
    test = np.zeros((n_users, n_items))
    views = h["X"].toarray()
    for u in range(n_users):
        unseen = np.flatnonzero((views[u] == 0) & (np.arange(n_items) // PER_GENRE == h["fav"][u]))
        held = rng.choice(unseen, min(2, len(unseen)), replace=False)
        test[u, held] = 1
        free = np.flatnonzero((views[u] == 0) & (test[u] == 0))
        trailers[u, rng.choice(free, 4, replace=False)] = 1.0
    return sp.csr_matrix(views), sp.csr_matrix(trailers), sp.csr_matrix(test)


def test_refit_without_a_source_measures_what_it_is_worth():
    views, trailers, test = _split()
    X = views + trailers
    cf = ex.wrap_model(_als(X), interactions=X, sources={"views": views, "trailers": trailers}, k=3)
    no_views = ex.refit_without_source(cf, "views", fit=_als, test_interactions=test, n_boot=200)
    no_noise = ex.refit_without_source(cf, "trailers", fit=_als, test_interactions=test, n_boot=200)
    assert no_views.metric == "ndcg@3" and no_views.n_customers == X.shape[0]
    # planted: the views carry the taste, the trailer clicks are noise
    assert no_views.interval[1] < 0
    assert no_noise.interval[0] > no_views.interval[1]
    assert no_noise.delta > -0.02
    assert no_views.with_source == pytest.approx(no_noise.with_source)
    with pytest.raises(InvalidInputError, match="source must be one of the interaction sources"):
        ex.refit_without_source(cf, "searches", fit=_als, test_interactions=test)


def test_lightfm_shares_are_per_user_feature_column(lightfm_model, histories):
    m, F, names = lightfm_model
    cf = ex.wrap_model(m, interactions=histories["X"], user_ids=histories["user_ids"], item_ids=histories["item_ids"],
                       user_features=F, user_feature_names=names, k=3)
    res = ex.attribute_sources(cf, categories={"history": "behavioural", "age_band": "demographic",
                                               "region": "location"}, n_boot=20)
    assert list(res.shares) == ["history", "age_band", "region"]
    num = {c: 0.0 for c in res.shares}
    for row in range(F.shape[0]):
        e = cf.explain_rows(row, cf.recommend(histories["user_ids"][row]))
        for h, p in enumerate(e.parts):
            num[names[p]] += np.abs(e.contributions[:, h]).sum()
    total = sum(num.values())
    assert res.shares == pytest.approx({c: v / total for c, v in num.items()}, rel=1e-9)
    assert res.category_shares().keys() == {"behavioural", "demographic", "location"}


def test_float32_sources_added_in_float32_are_the_matrix_but_a_real_gap_is_not(histories, als):
    """A caller's float32 parts differ from their float64 sum by float32 rounding (1 + 0.3 is
    1.2999999523 in float32, 1.2999999821 in float64): that is the same matrix. A part that is
    off by 1e-3 is still refused."""
    X = histories["X"]
    views = sp.csr_matrix(X, dtype=np.float32)
    clicks = sp.csr_matrix(X * 0.3, dtype=np.float32)
    total = (views + clicks).tocsr()
    assert total.dtype == np.float32
    off = abs(sp.csr_matrix(views, dtype=np.float64) + sp.csr_matrix(clicks, dtype=np.float64)
              - sp.csr_matrix(total, dtype=np.float64)).max()
    assert off > 1e-9  # the case: past a float64 tolerance, within float32's rounding
    cf = ex.wrap_model(als, interactions=total, sources={"views": views, "clicks": clicks})
    shares = ex.attribute_sources(cf, n_boot=20).shares
    assert shares["views"] == pytest.approx(1 / 1.3, abs=1e-6)
    wrong = clicks.copy()
    wrong.data[0] += 1e-3
    with pytest.raises(InvalidInputError, match="sources must add up to interactions"):
        ex.wrap_model(als, interactions=total, sources={"views": views, "clicks": wrong})
