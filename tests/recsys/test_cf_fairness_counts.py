"""The CF audit's exposure and quality per group, read from top-k lists, equal the customer x item table's.

Reference: the table ``audit_collaborative`` built before (one row per customer and
candidate item) through :func:`explainer.analyses.assess_fairness`. The direct path must
give the same tables; it never builds that table, so a 20,000-item catalogue can be
audited for every customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import explainer as ex
from explainer.analyses._cf_fairness import collaborative_fairness
from explainer.analyses._fairness import assess_fairness
from explainer.analyses._item_exposure import (
    SparsePatterns,
    item_exposure_counts,
    item_exposure_from_counts,
    merge_item_exposure_counts,
)


def _long_path(model, rows, tops, sensitive, test, *, n_boot, min_group_size=30, every_item=False):
    """The customer x candidate table and assess_fairness on it (the reference). ``every_item``: one
    row per customer and catalogue item instead, the table whose exposure per group the CF audit
    reports (the whole group in every item's denominator, so it reveals nobody's history)."""
    frames = []
    for n, r in enumerate(rows):
        cand = np.arange(model.n_items) if every_item else model.candidates(int(r))
        truth = np.zeros(len(cand)) if test is None else np.asarray(test[int(r)].toarray()[0, cand] > 0, dtype=float)
        top = tops[n][tops[n] >= 0]
        frames.append(pd.DataFrame({"row": n, "user": int(r), "item": cand,
                                    "y_score": model.served_scores([int(r)], cand)[0],
                                    "y_pred": np.isin(cand, top).astype(int), "y_true": truth}))
    long = pd.concat(frames, ignore_index=True)
    sf = sensitive.reset_index(drop=True).loc[long["row"].to_numpy()].reset_index(drop=True)
    return assess_fairness(long["y_true"].to_numpy(), long["y_pred"].to_numpy(), sensitive_features=sf,
                           y_score=long["y_score"].to_numpy() if test is not None else None,
                           user_ids=long["user"].to_numpy(), items=long["item"].to_numpy(), k=model.k,
                           min_group_size=min_group_size, n_boot=n_boot, check_metricframe=False)


def _same(direct, reference, whole_groups):
    for name in ("exposure", "exposure_gaps", "quality", "item_exposure"):
        a, b = getattr(direct, name), getattr(whole_groups if name.startswith("exposure") else reference, name)
        if b is None:
            assert a is None, name
            continue
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                      rtol=1e-9, atol=1e-12, check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(direct.groups.by_group, reference.groups.by_group, check_exact=False, rtol=1e-9,
                                  atol=1e-12, check_dtype=False, obj="by_group")
    pd.testing.assert_frame_equal(direct.groups.disparities, reference.groups.disparities, check_exact=False,
                                  rtol=1e-9, atol=1e-12, check_dtype=False, obj="disparities")


def _case(cf, groups, test, n_boot=40):
    rows = np.arange(cf.n_users)
    tops = cf.top_k(rows)
    return (collaborative_fairness(cf, rows, tops, groups, test, n_boot=n_boot),
            _long_path(cf, rows, tops, groups, test, n_boot=n_boot),
            _long_path(cf, rows, tops, groups, test, n_boot=n_boot, every_item=True))


def test_als_with_held_out_interactions_two_features(histories):
    from test_cf_sources import _als, _split

    views, trailers, test = _split()
    X = views + trailers
    cf = ex.wrap_model(_als(X), interactions=X, k=3)
    rng = np.random.default_rng(1)
    groups = pd.DataFrame({"band": rng.choice(["18-24", "25-44", "45+"], X.shape[0]),
                           "region": np.where(histories["region"] == 1, "north", "south")})
    direct, reference, whole = _case(cf, groups, test)
    _same(direct, reference, whole)
    assert direct.quality is not None and len(direct.exposure_gaps) > 0


def test_item_item_without_held_out_interactions(histories):
    from implicit.nearest_neighbours import CosineRecommender

    from helpers_recsys import fit_item_item

    X = histories["X"]
    cf = ex.wrap_model(fit_item_item(CosineRecommender, X), interactions=X, k=4)
    groups = pd.DataFrame({"age_band": np.asarray(["young", "middle", "older"])[histories["age"]]})
    direct, reference, whole = _case(cf, groups, None)
    _same(direct, reference, whole)
    assert direct.quality is None


def test_a_catalogue_wider_than_the_pattern_table_uses_sparse_patterns_and_agrees():
    """400 items, each its own item group: above DENSE_PATTERN_GROUPS, the item side is sparse."""
    from implicit.cpu.als import AlternatingLeastSquares

    rng = np.random.default_rng(3)
    n_users, n_items = 150, 400
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.7
    X = sp.lil_matrix((n_users, n_items))
    T = sp.lil_matrix((n_users, n_items))
    for u in range(n_users):
        seen = rng.choice(n_items, 12, replace=False, p=pop / pop.sum())
        X[u, seen[:10]] = rng.integers(1, 5, 10)
        T[u, seen[10:]] = 1
    X, T = X.tocsr(), T.tocsr()
    m = AlternatingLeastSquares(factors=6, iterations=5, random_state=0, num_threads=1)
    m.fit(X.astype(np.float32), show_progress=False)
    cf = ex.wrap_model(m, interactions=X, k=5)
    groups = pd.DataFrame({"group": rng.choice(["a", "b"], n_users)})
    direct, reference, whole = _case(cf, groups, T)
    _same(direct, reference, whole)
    assert len(direct.item_exposure) > 256
    # slots per item counted by brute force from the top-k lists
    tops = cf.top_k(np.arange(n_users))
    want = np.bincount(tops[tops >= 0], minlength=n_items)
    got = direct.item_exposure.set_index("item_group")["slots"]
    assert all(got[str(c)] == want[c] for c in range(n_items) if str(c) in got.index)
    assert int(got.sum()) == int((tops >= 0).sum())


def test_sparse_patterns_merged_from_parts_equal_one_count():
    rng = np.random.default_rng(0)
    n_users, n_items, k = 90, 300, 4
    users = np.repeat(np.arange(n_users), n_items)
    items = np.tile(np.arange(n_items), n_users)
    sel = np.zeros(n_users * n_items)
    for u in range(n_users):
        sel[u * n_items + rng.choice(n_items, k, replace=False)] = 1
    y = (rng.random(n_users * n_items) < 0.01).astype(float)
    whole = item_exposure_counts(sel, y, users, items, items=items)
    assert isinstance(whole["patterns"], SparsePatterns)
    assert int(whole["patterns"].customers.sum()) == n_users
    cuts = [0, 20, 61, n_users]
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        m = (users >= a) & (users < b)
        parts.append(item_exposure_counts(sel[m], y[m], users[m], items[m], items=items[m]))
    merged = merge_item_exposure_counts(parts)
    pd.testing.assert_frame_equal(item_exposure_from_counts(merged, n_boot=60),
                                  item_exposure_from_counts(whole, n_boot=60))
    t = item_exposure_from_counts(whole, n_boot=60)
    # hand count: slot share of an item is its slots over all n_users * k slots
    first = t.iloc[0]
    slots = sel[items == int(first["item_group"])].sum()
    assert first["slots"] == slots and first["slot_share"] == pytest.approx(slots / (n_users * k))
    assert (t["ci_low"] <= t["slot_share"]).all() and (t["slot_share"] <= t["ci_high"]).all()
    assert (t["ci_low"] < t["ci_high"]).all()
