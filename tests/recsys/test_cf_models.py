"""CF adapters: exact attributions checked against the libraries' own scores and a brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from helpers_recsys import GENRES, fit_item_item, item_genre

import explainer as ex
from explainer.errors import InvalidInputError, ModelNotFittedError


def _wrap(model, h, **kw):
    return ex.wrap_model(model, interactions=h["X"], user_ids=h["user_ids"], item_ids=h["item_ids"],
                         item_labels=h["labels"], **kw)


def _item_item_classes():
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, ItemItemRecommender, TFIDFRecommender

    return [ItemItemRecommender, CosineRecommender, BM25Recommender, TFIDFRecommender]


# --- ALS -------------------------------------------------------------------------------
def test_als_contributions_add_up_on_every_explained_pair(als, histories):
    cf = _wrap(als, histories, k=5)
    assert isinstance(cf, ex.CollaborativeAdapter) and cf.kind == "als"
    worst = 0.0
    for user in histories["user_ids"]:
        e = cf.explain(user)
        assert e.contributions.shape == (5, len(e.parts))
        # the score explained: the user factor recalculated from the history, solved on its own
        row = cf.user_row(user)
        cols, vals = cf.history(row)
        Y = als.item_factors.astype(float)
        c = als.alpha * vals
        A = als.YtY.astype(float) + als.regularization * np.eye(als.factors) + (Y[cols].T * (c - 1)) @ Y[cols]
        x = np.linalg.solve(A, Y[cols].T @ c)
        worst = max(worst, np.abs(e.contributions.sum(1) + e.base - Y[e.items] @ x).max())
        assert np.all(e.base == 0)
    assert worst < 1e-6


def test_als_matches_implicits_own_explain(als, histories):
    cf = _wrap(als, histories, k=5)
    X32 = histories["X"].astype(np.float32).tocsr()
    for user in histories["user_ids"][:40]:
        row = cf.user_row(user)
        e = cf.explain(user)
        for t, col in enumerate(e.items):
            total, top, _ = als.explain(row, X32, int(col), N=len(e.parts))
            assert e.score[t] == pytest.approx(total, abs=1e-6)
            theirs = dict(top)
            for h, part in enumerate(e.parts):
                assert e.contributions[t, h] == pytest.approx(theirs[int(part)], abs=1e-6)


def test_als_recalculated_score_is_implicits_recalculate_user(als, histories):
    cf = _wrap(als, histories, k=5, served="recalculated")
    for user in histories["user_ids"][:30]:
        row = cf.user_row(user)
        x = als.recalculate_user(row, histories["X"][row].astype(np.float32).tocsr())
        e = cf.explain(user)
        assert np.abs(e.score - als.item_factors[e.items] @ x).max() < 1e-5
        ids, _ = als.recommend(row, histories["X"][row].astype(np.float32).tocsr(), N=5, recalculate_user=True)
        assert list(e.items) == list(ids)


def test_als_served_from_stored_factors_reports_the_gap(als, histories):
    cf = _wrap(als, histories, k=5)
    pairs = [(cf.user_row(u), int(c)) for u in histories["user_ids"] for c in cf.recommend(u)]
    gap = cf.served_vs_explained_gap(pairs)
    stored = np.array([als.user_factors[r].astype(float) @ als.item_factors[c].astype(float) for r, c in pairs])
    explained = np.array([cf.score([r], [c])[0, 0] for r, c in pairs])
    assert gap.n_pairs == len(pairs) == 5 * len(histories["user_ids"])
    assert gap.mean_abs == pytest.approx(np.abs(stored - explained).mean(), rel=1e-9)
    assert gap.max_abs == pytest.approx(np.abs(stored - explained).max(), rel=1e-9)
    assert gap.relative == pytest.approx(np.abs(stored - explained).mean() / np.abs(stored).mean(), rel=1e-9)
    assert gap.mean_abs > 1e-4  # the stored factors are not the recalculated ones
    # served="stored" ranks by the stored factors, like implicit's default recommend
    for user in histories["user_ids"][:30]:
        row = cf.user_row(user)
        ids, _ = als.recommend(row, histories["X"][row].astype(np.float32).tocsr(), N=5)
        assert list(cf.recommend(user)) == list(ids)
    recalc = _wrap(als, histories, k=5, served="recalculated").served_vs_explained_gap(pairs)
    assert recalc.max_abs == 0.0


def test_als_planted_genre_drives_the_crime_viewers_recommendations(als, histories):
    cf = _wrap(als, histories, k=3)
    e = cf.explain("v0000")  # watched crime titles only
    assert all(item_genre(int(c)) == "crime" for c in e.items)
    crime_fans = [u for u, f in zip(histories["user_ids"], histories["fav"]) if f == 0]
    share = []
    for user in crime_fans:
        e = cf.explain(user)
        crime = np.array([item_genre(int(p)) == "crime" for p in e.parts])
        for t, col in enumerate(e.items):
            if item_genre(int(col)) == "crime":
                share.append(e.contributions[t, crime].sum() / e.score[t])
    assert np.median(share) > 0.8


# --- item-item ------------------------------------------------------------------------
@pytest.mark.parametrize("cls", _item_item_classes(), ids=lambda c: c.__name__)
def test_item_item_contributions_are_similarities_times_history(cls, histories):
    m = fit_item_item(cls, histories["X"])
    cf = _wrap(m, histories, k=5)
    assert cf.kind == "item_item"
    S = m.similarity.toarray()
    X = histories["X"].toarray()
    worst = 0.0
    for user in histories["user_ids"]:
        row = cf.user_row(user)
        e = cf.explain(user)
        brute = np.array([[X[row, j] * S[j, i] for j in e.parts] for i in e.items])
        assert np.abs(e.contributions - brute).max() < 1e-12
        worst = max(worst, np.abs(e.contributions.sum(1) + e.base - X[row] @ S[:, e.items]).max())
        ids, scores = m.recommend(row, histories["X"][row].tocsr(), N=5)
        assert list(e.items) == list(ids)
        assert np.abs(e.score - scores).max() < 1e-9
    assert worst < 1e-6
    assert cf.served_vs_explained_gap([(0, int(cf.recommend("v0000")[0]))]).max_abs == 0.0


# --- LightFM ----------------------------------------------------------------------------
def test_lightfm_splits_exactly_over_user_features(lightfm_model, histories):
    m, F, names = lightfm_model
    cf = _wrap(m, histories, k=5, user_features=F, user_feature_names=names)
    assert cf.kind == "lightfm" and cf.basis == "user_features"
    worst, vs_predict = 0.0, 0.0
    for user in histories["user_ids"]:
        row = cf.user_row(user)
        e = cf.explain(user)
        assert [names[p] for p in e.parts] == ["history", "age_band", "region"]
        p = m.predict(np.full(len(e.items), row, dtype=np.int32), e.items.astype(np.int32), user_features=F,
                      num_threads=1)
        # brute force in float64: summed feature embeddings and biases, then the dot product
        f = F[row].toarray().astype(float)[0]
        ue, ub = f @ m.user_embeddings.astype(float), f @ m.user_biases.astype(float)
        exact = m.item_embeddings[e.items].astype(float) @ ue + ub + m.item_biases[e.items].astype(float)
        worst = max(worst, np.abs(e.contributions.sum(1) + e.base - exact).max())
        vs_predict = max(vs_predict, np.abs(e.score - p).max())
        assert np.allclose(e.base, m.item_biases[e.items], atol=1e-7)  # the item side
    assert worst < 1e-6
    assert vs_predict < 1e-4  # LightFM predicts in float32


def test_lightfm_without_user_features_is_all_history(lightfm_model, histories):
    from lightfm import LightFM

    m = LightFM(no_components=4, loss="warp", random_state=1)
    m.fit((histories["X"] > 0).astype(np.float32).tocoo(), epochs=5, num_threads=1)
    cf = _wrap(m, histories, k=3)
    e = cf.explain("v0007")
    assert cf.user_feature_columns[int(e.parts[0])] == "history"
    assert np.abs(e.contributions.sum(1) + e.base - cf.served_scores([7], e.items)[0]).max() < 1e-6


# --- re-scoring, and refusals -----------------------------------------------------------
@pytest.mark.parametrize("which", ["als", "item_item", "lightfm"])
def test_rescoring_a_changed_history_agrees_with_the_librarys_own_code(which, als, lightfm_model, histories):
    from implicit.nearest_neighbours import CosineRecommender

    if which == "als":
        cf, tol = _wrap(als, histories, k=5), 1e-5
    elif which == "item_item":
        cf, tol = _wrap(fit_item_item(CosineRecommender, histories["X"]), histories, k=5), 1e-9
    else:
        m, F, names = lightfm_model
        cf, tol = _wrap(m, histories, k=5, user_features=F, user_feature_names=names), 1e-4
    row = 3
    n = len(cf.explain_rows(row, np.array([0])).parts)
    cols = cf.candidates(row)
    for weights in (np.ones(n), np.r_[0.0, np.ones(n - 1)], np.r_[0.5, 0.0, np.ones(n - 2)]):
        ours = cf.rescore(row, weights, cols)
        theirs = cf.model_rescore(row, weights, cols)
        assert np.abs(ours - theirs).max() < tol


def test_other_models_of_these_libraries_are_refused_with_the_reason(histories):
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.cpu.lmf import LogisticMatrixFactorization

    for m in (BayesianPersonalizedRanking(factors=4, num_threads=1), LogisticMatrixFactorization(factors=4, num_threads=1)):
        with pytest.raises(InvalidInputError, match=r"model must be one of implicit's AlternatingLeastSquares.*"
                                                    r"do(es)? not split exactly over the customer's history"):
            _wrap(m, histories)


def test_bad_inputs_are_refused_with_what_to_do(als, histories):
    from implicit.cpu.als import AlternatingLeastSquares

    with pytest.raises(InvalidInputError, match="interactions must be given to wrap a AlternatingLeastSquares"):
        ex.wrap_model(als)
    with pytest.raises(InvalidInputError, match=r"interactions must have the shape the model was fitted on"):
        ex.wrap_model(als, interactions=histories["X"][:, :30])
    neg = histories["X"].copy()
    neg.data[0] = -1.0
    with pytest.raises(InvalidInputError, match="interactions must hold finite, non-negative values") as err:
        ex.wrap_model(als, interactions=neg)
    assert "-1" not in str(err.value)
    with pytest.raises(ModelNotFittedError, match="model must be fitted"):
        ex.wrap_model(AlternatingLeastSquares(factors=4, num_threads=1), interactions=histories["X"])
    with pytest.raises(InvalidInputError, match="user_ids must hold one id per row"):
        ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"][:-1])
    with pytest.raises(InvalidInputError, match="task, feature_names, user_id and item_id must be left out"):
        ex.wrap_model(als, interactions=histories["X"], user_id="customer_id", item_id="title")
    cf = _wrap(als, histories)
    with pytest.raises(InvalidInputError, match="customer must be one of the model's user_ids") as err:
        cf.explain("v9999")
    assert "v9999" not in str(err.value)
    with pytest.raises(InvalidInputError, match="item must be one of the model's item_ids") as err:
        cf.explain("v0001", ["nope"])
    assert "nope" not in str(err.value)
    assert ex.wrap_model(cf) is cf
    # a label missing for some items would put a bare id on a person's page ("AD0538 in your history")
    some = dict(list(histories["labels"].items())[:30])
    with pytest.raises(InvalidInputError, match="item_labels must name every item of item_ids") as err:
        ex.wrap_model(als, interactions=histories["X"], item_ids=histories["item_ids"], item_labels=some)
    assert "Got labels for 30 of 40 items" in str(err.value)
    assert not any(i in str(err.value) for i in histories["item_ids"])
    # a list longer than the catalogue would repeat items and show a person their own history
    with pytest.raises(InvalidInputError, match=r"k must be at most the number of items of interactions \(40\)"):
        ex.wrap_model(als, interactions=histories["X"], k=41)


def test_wrapping_reads_ids_as_a_mapping_too(als, histories):
    ids = {u: i for i, u in enumerate(histories["user_ids"])}
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=ids, item_ids=histories["item_ids"])
    assert cf.user_row("v0005") == 5 and cf.item_col("t007") == 7
    assert cf.label(7) == "t007"  # no labels given: the id stands in
    assert len(GENRES) * 10 == cf.n_items
    assert sp.issparse(cf.interactions)


@pytest.mark.parametrize("which", ["als", "als_recalculated", "cosine", "lightfm"])
def test_served_rank_agrees_with_the_models_own_top_k(which, als, lightfm_model, histories):
    from implicit.nearest_neighbours import CosineRecommender

    if which.startswith("als"):
        cf = _wrap(als, histories, k=5, served="recalculated" if which.endswith("recalculated") else "stored")
    elif which == "cosine":
        cf = _wrap(fit_item_item(CosineRecommender, histories["X"]), histories, k=5)
    else:
        m, F, names = lightfm_model
        cf = _wrap(m, histories, k=5, user_features=F, user_feature_names=names)
    for user in histories["user_ids"]:
        row = cf.user_row(user)
        ranks = [cf.served_rank(row, int(c))[1:] for c in cf.recommend(user)]
        assert ranks == [(r, True) for r in range(1, 6)], user


@pytest.mark.parametrize("served", ["stored", "recalculated"])
def test_batched_top_k_equals_one_recommend_per_customer(histories, als, served):
    from implicit.nearest_neighbours import CosineRecommender

    X = histories["X"]
    for model in (als, fit_item_item(CosineRecommender, X)):
        for keep in (True, False):
            cf = ex.wrap_model(model, interactions=X, k=4, served=served, filter_already_liked_items=keep)
            rows = np.arange(0, X.shape[0], 7)
            batched = cf.top_k(rows, batch=10)
            for n, r in enumerate(rows):
                one = cf.recommend(int(r))
                assert batched[n][: len(one)].tolist() == one.tolist()
