"""The CF "why am I seeing this?": exact reasons from the person's own history, a checked change."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_recsys import fit_item_item, item_genre

import explainer as ex
from explainer.errors import InvalidInputError


def _wrap(model, h, k=3, **kw):
    return ex.wrap_model(model, interactions=h["X"], user_ids=h["user_ids"], item_ids=h["item_ids"],
                         item_labels=h["labels"], k=k, history_label="viewing history", **kw)


def _own_rank(model, h, row, weights, col, k):
    """Brute force through implicit itself: recalculate the user from a re-weighted history, rank the item."""
    import scipy.sparse as sp

    x = h["X"][row].toarray()[0] * 1.0
    cols = np.flatnonzero(x)
    x[cols] *= weights
    one = sp.csr_matrix(x.astype(np.float32))
    f = model.recalculate_user(0, one)
    scores = model.item_factors @ f
    cand = np.flatnonzero(x == 0)
    order = cand[np.lexsort((cand, -scores[cand]))]
    return int(np.flatnonzero(order == col)[0]) + 1


def test_als_why_names_the_planted_crime_titles_and_adds_up(als, histories):
    cf = _wrap(als, histories)
    for user in histories["user_ids"][:60]:
        for col in cf.recommend(user, k=6):
            w = ex.why_collaborative(cf, user, cf.item_ids[col])
            total = sum(w.attributions.values()) + w.base_value
            assert abs(total - w.score) < 1e-6
            assert w.exact and w.basis == "history"
    w = ex.why_collaborative(cf, "v0000", cf.item_ids[cf.recommend("v0000")[0]])
    own = {histories["labels"][histories["item_ids"][c]] for c in histories["X"][0].indices}
    assert w.rank == 1 and w.in_top_k
    assert {w.labels[r.column] for r in w.reasons} <= own
    assert all(item_genre(histories["item_ids"].index(next(i for i, v in histories["labels"].items()
                                                           if v == w.labels[r.column]))) == "crime"
               for r in w.reasons)
    # the shares are of the sum of absolute attributions
    absum = sum(abs(v) for v in w.attributions.values())
    for r in w.reasons:
        assert r.share == pytest.approx(abs(w.attributions[r.column]) / absum)


def test_als_change_is_checked_by_implicit_and_is_the_smallest_tried(als, histories):
    cf = _wrap(als, histories)
    found = 0
    for user in histories["user_ids"][:40]:
        row = cf.user_row(user)
        col = int(cf.recommend(user)[0])
        w = ex.why_collaborative(cf, user, cf.item_ids[col])
        c = w.counterfactual
        if c is None:
            continue
        found += 1
        assert c.verified and c.effect == "leaves_top_k"
        n_hist = len(cf.history(row)[0])
        weights = np.ones(n_hist)
        for ch in c.changes:
            weights[int(ch.column.split(":")[1])] = ch.factor
        # removed items come back as candidates, like implicit's recommend on the changed history
        assert _own_rank(als, histories, row, weights, col, cf.k) > cf.k == 3
        assert c.rank_after > cf.k and c.rank_before <= cf.k
        # one item fewer, or the same items only halved, keeps it in the top k
        if c.changes[0].factor == 0.0:
            half = weights.copy()
            half[half == 0] = 0.5
            assert _own_rank(als, histories, row, half, col, cf.k) <= cf.k
        if len(c.changes) > 1:
            fewer = np.ones(n_hist)
            for ch in c.changes[:-1]:
                fewer[int(ch.column.split(":")[1])] = 0.0
            assert _own_rank(als, histories, row, fewer, col, cf.k) <= cf.k
    assert found >= 20


def test_page_shows_only_the_customers_own_items_by_label(als, histories, tmp_path):
    cf = _wrap(als, histories)
    item = cf.item_ids[cf.recommend("v0007")[0]]
    w = ex.why_collaborative(cf, "v0007", item)
    page = w.to_html(tmp_path / "why.html").read_text(encoding="utf-8")
    text = str(w)
    own = {histories["labels"][histories["item_ids"][c]] for c in histories["X"][7].indices}
    allowed = own | {histories["labels"][item]}
    for iid, label in histories["labels"].items():
        for shown in (page, text):
            assert iid not in shown  # never an item id
            if label not in allowed:
                assert label not in shown, label
    assert "v0007" not in page and "v0007" not in text
    assert any(label in text for label in own)
    assert "viewing history" in text and "exact" in text
    # the parts are exact, so neither the page nor its table calls them estimates
    assert "estimate" not in page.lower() and "estimate" not in text.lower()
    assert "not yet described" not in page and "not yet described" not in text
    # what a reviewer sees of the model holds no labels and no ids
    doc = json.dumps(cf.describe()) + json.dumps(cf.served_vs_explained_gap([(7, int(cf.item_col(item)))]).to_dict())
    assert not any(label in doc for label in histories["labels"].values())
    assert not any(i in doc for i in histories["item_ids"] + histories["user_ids"])


def test_item_item_why_reasons_are_the_similarities(histories):
    from implicit.nearest_neighbours import CosineRecommender

    m = fit_item_item(CosineRecommender, histories["X"])
    cf = _wrap(m, histories)
    S = m.similarity.toarray()
    X = histories["X"].toarray()
    verified = 0
    for user in histories["user_ids"][:40]:
        row = cf.user_row(user)
        col = int(cf.recommend(user)[0])
        w = ex.why_collaborative(cf, user, cf.item_ids[col])
        hist = cf.history(row)[0]
        for key, v in w.attributions.items():
            assert v == pytest.approx(X[row, hist[int(key.split(":")[1])]] * S[hist[int(key.split(":")[1])], col],
                                      abs=1e-12)
        assert abs(sum(w.attributions.values()) - w.score) < 1e-6
        assert w.served_score == pytest.approx(w.score)
        if w.counterfactual is not None:
            assert w.counterfactual.verified
            verified += 1
    assert verified >= 20


def test_lightfm_why_reasons_are_the_users_feature_columns(lightfm_model, histories):
    m, F, names = lightfm_model
    cf = _wrap(m, histories, user_features=F, user_feature_names=names)
    inv = ex.DataInventory.from_dict({"columns": [
        {"column": "history", "category": "behavioural", "source": "observed"},
        {"column": "age_band", "category": "demographic", "source": "provided"},
        {"column": "region", "category": "location", "source": "provided"},
    ]})
    for user in histories["user_ids"][:40]:
        col = cf.recommend(user)[0]
        w = ex.why_collaborative(cf, user, cf.item_ids[col], inventory=inv)
        assert set(w.attributions) == {"history", "age_band", "region"}
        assert abs(sum(w.attributions.values()) + w.base_value - w.score) < 1e-6
        assert w.category_attributions.keys() == {"behavioural", "demographic", "location"}
        assert set(w.categories_used) == {"behavioural", "demographic", "location"}
        if w.counterfactual is not None:
            assert w.counterfactual.verified
    assert "Your " in str(w)


def test_why_refuses_what_it_cannot_explain(als, histories):
    cf = _wrap(als, histories)
    with pytest.raises(InvalidInputError, match="model must be a CollaborativeAdapter"):
        ex.why_collaborative(als, "v0000", "t009")
    bare = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"], item_ids=histories["item_ids"])
    with pytest.raises(InvalidInputError, match="item_labels must name the items"):
        ex.why_collaborative(bare, "v0000", "t009")
    with pytest.raises(InvalidInputError, match="item must be one the customer has not interacted with yet"):
        ex.why_collaborative(cf, "v0000", "t000")  # Fargo: already watched
    with pytest.raises(InvalidInputError, match="customer must be one of the model's user_ids"):
        ex.why_collaborative(cf, "nobody", "t009")


def test_feature_model_entry_points_point_to_the_cf_ones(als, histories):
    import pandas as pd

    cf = _wrap(als, histories)
    data = pd.DataFrame({"viewer": histories["user_ids"][:40], "title": histories["item_ids"] * 1,
                         "watched": [1, 0] * 20})
    with pytest.raises(InvalidInputError, match=r"model must be a feature-based model for explainer.audit.*"
                                                r"audit_collaborative"):
        ex.audit(cf, data, target="watched")
    with pytest.raises(InvalidInputError, match=r"model must be a feature-based model for explainer.why.*"
                                                r"why_collaborative"):
        ex.why(cf, data, "v0000", "t009")


def test_lightfm_without_an_inventory_files_features_by_name_and_states_the_shared_part(lightfm_model, histories):
    """No inventory: age_band is personal details and region where you live (by name, as a table
    column), not interaction history; the page says the reasons add up to the score only with the
    item's part that is the same for everyone, and that part's value is printed."""
    import re

    m, F, names = lightfm_model
    cf = _wrap(m, histories, user_features=F, user_feature_names=names)
    col = cf.recommend("v0003")[0]
    w = ex.why_collaborative(cf, "v0003", cf.item_ids[col])
    assert set(w.categories_used) == {"behavioural", "demographic", "location"}
    shares = ex.attribute_sources(cf, n_boot=10)
    assert shares.categories == {"history": "behavioural", "age_band": "demographic", "region": "location"}
    text = str(w)
    assert "not yet described" not in text
    found = re.search(r"With a part that is the same for everyone \(([-+]\d+\.\d{3})\), they add up to the score", text)
    assert found and float(found.group(1)) == pytest.approx(w.base_value, abs=5e-4)
    assert abs(sum(w.attributions.values()) + float(found.group(1)) - w.score) < 1e-3
