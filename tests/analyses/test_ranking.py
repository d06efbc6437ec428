from __future__ import annotations

import numpy as np
import pytest

from explainer.analyses import per_user_ranking, ranking_metrics, top_k_mask


def test_top_k_by_user_with_ties_broken_by_row_order():
    users = np.array([1, 1, 1, 2, 2, 2])
    score = np.array([0.2, 0.9, 0.9, 0.5, 0.1, 0.7])
    assert top_k_mask(score, users, 2).tolist() == [False, True, True, True, False, True]
    assert top_k_mask(score, users, 1).tolist() == [False, True, False, False, False, True]


def test_hit_rate_and_ndcg_by_hand():
    # user 1: ranking b(1) a(0) c(1): top2 = b,a -> hit; DCG = 1/log2(2) = 1; ideal (2 relevant) = 1 + 1/log2(3)
    # user 2: ranking d(0) e(0) f(1): top2 = d,e -> miss; NDCG 0
    # user 3: no relevant item -> excluded
    users = np.array([1, 1, 1, 2, 2, 2, 3, 3])
    y = np.array([0, 1, 1, 0, 0, 1, 0, 0])
    s = np.array([0.5, 0.9, 0.1, 0.9, 0.8, 0.1, 0.3, 0.2])
    m = ranking_metrics(y, s, user_ids=users, k=2)
    assert m["users_evaluated"] == 2
    assert m["hit_rate_at_2"] == pytest.approx(0.5)
    assert m["ndcg_at_2"] == pytest.approx((1 / (1 + 1 / np.log2(3)) + 0) / 2)
    per = per_user_ranking(y, s, users, 2).set_index("user")
    assert np.isnan(per.loc[3, "ndcg"])
