"""Exposure and quality per group for a collaborative-filtering recommender, read from its top-k lists.

:func:`~explainer.analyses.assess_fairness` reads one row per customer and candidate item:
for a 20,000-item catalogue that is 20,000 rows per customer. Everything it computes for a
recommender is a sum over those rows, and each customer's part of every sum follows from
their top-k list, their history (which items are candidates) and their held-out
interactions. Exposure per item and group is the one exception: it counts every person of
the group (:data:`EXPOSURE`), as the table would with every item a row. :func:`collaborative_fairness` forms those parts a block of customers at a
time, without the customer x item table, and finishes with the same code
(:func:`~explainer.analyses._fairness.fairness_from_counts`): the result is what
``assess_fairness`` gives on the table (without fairlearn's MetricFrame cross-check,
which needs the rows; the suite checks the two agree).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from ._fairness import FairnessResult, fairness_from_counts, with_item_exposure
from ._group_counts import group_counts_per_customer
from ._item_exposure import item_exposure_counts_sparse, item_exposure_from_counts

__all__ = ["collaborative_fairness", "EXPOSURE"]

#: What exposure per group counts. Over the whole group, not only the people for whom the
#: item was a candidate: a per-item count of candidates is the group's size less the people
#: who already interacted with the item, so publishing it (or a rate over it) would tell, for
#: an item with one interaction, that person's group. Over the whole group the denominator is
#: the same for every item and the table says nothing about anyone's history.
EXPOSURE = ("share of the group's people shown the item in their top k (someone who already interacted with "
            "the item is not shown it, and counts as not shown)")

#: Customer x item cells held at once (a block of customers; about 8 MB of scores).
BLOCK_CELLS = 1_000_000


def collaborative_fairness(model: Any, rows: npt.NDArray[np.int64], tops: npt.NDArray[np.int64],
                           sensitive: pd.DataFrame, test: Any = None, *, min_group_size: int = 30,
                           n_boot: int = 500, ci: float = 0.95, random_state: int = 0) -> FairnessResult:
    """Exposure per item and group, group metrics and (with ``test``) quality per group, item-side exposure.

    Parameters
    ----------
    model : CollaborativeAdapter
    rows : array of int
        Interaction-matrix rows of the audited customers.
    tops : array of int, shape (len(rows), k)
        Each customer's top-k item columns (-1 where a list is shorter), as served.
    sensitive : DataFrame
        One row per audited customer, in the order of ``rows``.
    test : CSR matrix, default=None
        Held-out interactions (customers x items); gives quality per group and the scores.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n, J, k = len(rows), model.n_items, int(model.k)
    sf = sensitive.reset_index(drop=True)
    feats = list(sf.columns)
    labels = {f: sf[f].astype(str) for f in feats}
    codes = {f: pd.factorize(labels[f], sort=True) for f in feats}
    chosen = {f: np.zeros((J, len(codes[f][1]))) for f in feats}
    cells = np.zeros((n, 4))
    s_sum = np.zeros(n) if test is not None else None
    s_sq = np.zeros(n) if test is not None else None
    hit, ndcg, n_rel = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    slot_rows: list[Any] = []
    outcome_rows: list[Any] = []
    shown = np.zeros(J, dtype=bool)
    X = model.interactions
    block = max(1, BLOCK_CELLS // max(J, 1))
    for lo in range(0, n, block):
        part = rows[lo: lo + block]
        b = len(part)
        cand = np.ones((b, J), dtype=bool)
        if model.filter_already_liked_items:
            h = X[part]
            cand[np.repeat(np.arange(b), np.diff(h.indptr)), h.indices] = False
        top = tops[lo: lo + b]
        r_i, c_i = np.nonzero(top >= 0)
        sel = np.zeros((b, J), dtype=bool)
        sel[r_i, top[r_i, c_i]] = True
        sel &= cand
        if test is not None:
            truth = np.asarray(test[part].toarray() > 0) & cand
        else:
            truth = np.zeros((b, J), dtype=bool)
        n_c, n_s, n_t = cand.sum(1), sel.sum(1), truth.sum(1)
        tp = (sel & truth).sum(1)
        cells[lo: lo + b] = np.column_stack([n_c - n_s - n_t + tp, n_s - tp, n_t - tp, tp])
        shown |= cand.any(0)
        for f in feats:
            onehot = np.zeros((b, len(codes[f][1])))
            onehot[np.arange(b), codes[f][0][lo: lo + b]] = 1.0
            chosen[f] += sel.T.astype(np.float64) @ onehot
        slot_rows.append(sp.csr_matrix(sel.astype(np.float64)))
        outcome_rows.append(sp.csr_matrix(truth.astype(np.float64)))
        if test is not None and s_sum is not None and s_sq is not None:
            scores = model.served_scores(part, np.arange(J))
            masked = np.where(cand, scores, 0.0)
            s_sum[lo: lo + b] = masked.sum(1)
            s_sq[lo: lo + b] = (masked * masked).sum(1)
            _quality(scores, cand, truth, k, hit[lo: lo + b], ndcg[lo: lo + b], n_rel[lo: lo + b])
    has_rows = cells.sum(1) > 0  # a customer with no candidate item has no rows
    groups = group_counts_per_customer(cells[has_rows], sf[has_rows], score_sum=None if s_sum is None else
                                       s_sum[has_rows], score_sq=None if s_sq is None else s_sq[has_rows])
    # every person of the group counts for every item (see EXPOSURE): the group's size, the same for all items
    size = {f: np.bincount(codes[f][0], minlength=len(codes[f][1])) for f in feats}
    exposure = _exposure_table(feats, codes, size, chosen)
    quality = _quality_table(feats, labels, hit, ndcg, n_rel) if test is not None else None
    res = fairness_from_counts(groups, exposure, quality, k=k, min_group_size=min_group_size, n_boot=n_boot,
                               ci=ci, random_state=random_state)
    # item side: every candidate item its own group, named as text and ordered as text
    cols = np.flatnonzero(shown)
    names = np.asarray([str(c) for c in cols], dtype=object)
    order = np.argsort(names, kind="stable")
    S = sp.vstack(slot_rows).tocsc()[:, cols[order]].tocsr()
    P = sp.vstack(outcome_rows).tocsc()[:, cols[order]].tocsr()
    keep = has_rows
    pairs = pd.DataFrame({"item_group": names[order], "item": cols[order]})
    counts = item_exposure_counts_sparse(S[keep], P[keep], list(names[order]), items=pairs)
    return with_item_exposure(res, item_exposure_from_counts(counts, n_boot=n_boot, ci=ci, random_state=random_state),
                              "item")


def _quality(scores: np.ndarray, cand: np.ndarray, truth: np.ndarray, k: int, hit: np.ndarray, ndcg: np.ndarray,
             n_rel: np.ndarray) -> None:
    """Hit and NDCG at k per customer of a block, as :func:`~explainer.analyses._ranking.per_user_ranking` ranks.

    A candidate's rank is the number of candidates with a higher score, or the same score
    and a lower column (the table's row order); only held-out items need a rank. Gains are
    summed per customer in rank order, as the table's path sums them.
    """
    b, J = scores.shape
    n_rel[:] = truth.sum(1)
    ri, rj = np.nonzero(truth)
    if not len(ri):
        return
    s = np.where(cand, scores, -np.inf)
    mine = s[ri, rj]
    ranks = np.empty(len(ri), dtype=np.int64)
    cols = np.arange(J)
    step = max(1, 2_000_000 // max(J, 1))
    for lo in range(0, len(ri), step):
        i, j, v = ri[lo: lo + step], rj[lo: lo + step], mine[lo: lo + step, None]
        ahead = (s[i] > v) | ((s[i] == v) & (cols[None, :] < j[:, None]))
        ranks[lo: lo + step] = np.count_nonzero(ahead & cand[i], axis=1)
    order = np.lexsort((ranks, ri))
    ri, ranks = ri[order], ranks[order]
    in_k = ranks < k
    gain = np.where(in_k, 1.0 / np.log2(ranks + 2), 0.0)
    dcg = np.bincount(ri, weights=gain, minlength=b)
    hits = np.bincount(ri, weights=in_k.astype(float), minlength=b)
    disc = 1.0 / np.log2(np.arange(k) + 2)
    ideal = np.array([disc[: int(min(r, k))].sum() for r in n_rel])
    some = n_rel > 0
    ndcg[some] = dcg[some] / ideal[some]
    hit[some] = (hits[some] > 0).astype(float)


def _exposure_table(feats: list[str], codes: dict[str, Any], size: dict[str, np.ndarray],
                    chosen: dict[str, np.ndarray]) -> pd.DataFrame:
    """:func:`~explainer.analyses._fairness.exposure_counts` from each group's size and the per-item,
    per-group sums of people shown the item."""
    parts = []
    for f in feats:
        names = np.asarray([str(g) for g in codes[f][1]], dtype=object)
        n_items = chosen[f].shape[0]
        item, grp = np.nonzero(np.broadcast_to(size[f] > 0, (n_items, len(names))))  # item-major, then group
        parts.append(pd.DataFrame({"feature": f, "item": item.astype(np.int64), "group": names[grp],
                                   "size": size[f][grp], "sum": chosen[f][item, grp]}))
    return pd.concat(parts, ignore_index=True)[["feature", "item", "group", "size", "sum"]]


def _quality_table(feats: list[str], labels: dict[str, pd.Series], hit: np.ndarray, ndcg: np.ndarray,
                   n_rel: np.ndarray) -> pd.DataFrame:
    """:func:`~explainer.analyses._fairness.quality_counts` from each customer's hit and NDCG."""
    keep = n_rel > 0
    parts = []
    for f in feats:
        grp = labels[f].to_numpy()[keep]
        for metric, values in (("hit", hit[keep]), ("ndcg", ndcg[keep])):
            c = pd.DataFrame({"group": grp, "value": values})
            c = c.groupby(["group", "value"], sort=True).size().rename("count").reset_index()
            c.insert(0, "feature", f)
            c.insert(2, "metric", metric)
            parts.append(c)
    cols = ["feature", "group", "metric", "value", "count"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
