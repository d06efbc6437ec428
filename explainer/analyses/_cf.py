"""One customer's "why am I seeing this?" for a collaborative-filtering recommender.

The reasons are exact attributions (:meth:`CollaborativeAdapter.explain_rows`): the history
items that added most to the item's score (ALS, item-item), or the user features (LightFM).
What would change the result is found by removing or down-weighting the customer's own top
history items (or features) and re-scoring; every change found is checked again through the
library's own code (``recalculate_user``, ``recommend``, ``predict``).

Only that customer's own history is read. Item labels appear in the result, which is that
customer's own page; nothing here goes to a reviewer report.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from ..models._collaborative import CollaborativeAdapter
from ._why import Change, Counterfactual, PersonExplanation, _pick_reasons

__all__ = ["explain_collaborative_person", "HISTORY_CATEGORY"]

#: The data category of interaction histories unless the inventory says otherwise.
HISTORY_CATEGORY = "behavioural"
#: How many of the top history items (or features) are tried together at most.
_MAX_CHANGED = 5
#: Down-weighting tried before removal: the customer's own value halved.
_FACTORS: tuple[float, ...] = (0.5, 0.0)


def _ranking(scores: npt.NDArray[np.float64], cand: npt.NDArray[np.int64], col: int) -> int:
    """1-based rank of ``col`` among ``cand`` by score (ties: lower column first); 0 when absent."""
    hit = np.flatnonzero(cand == col)
    if len(hit) == 0:
        return 0
    order = np.lexsort((cand, -scores))
    return int(np.flatnonzero(order == hit[0])[0]) + 1


def _candidates(cf: CollaborativeAdapter, row: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Items the customer could be shown once the history is re-weighted (removed items come back)."""
    if cf.basis != "history":
        return cf.candidates(row)
    cols, _ = cf.history(row)
    mask = np.ones(cf.n_items, dtype=bool)
    mask[cols[weights != 0]] = False
    return np.flatnonzero(mask).astype(np.int64)


def _search(cf: CollaborativeAdapter, row: int, col: int, keys: list[str], values: npt.NDArray[np.float64],
            groups: list[npt.NDArray[np.int64]], n_parts: int, cats: Mapping[str, str]) -> Counterfactual | None:
    """Smallest change of the customer's own top parts that moves ``col`` across their top k."""
    ones = np.ones(n_parts)
    cand0 = _candidates(cf, row, ones)
    s0 = cf.rescore(row, ones, cand0)
    rank0 = _ranking(s0, cand0, col)
    in0 = rank0 <= cf.k
    if cf.served_rank(row, col)[2] != in0:
        return None  # served and explained rankings disagree on this item: no honest "what would change it"
    score0 = float(s0[np.flatnonzero(cand0 == col)[0]])
    # in the top k: weaken what raised it most; below: weaken what lowered it most
    ranked = np.argsort(-values if in0 else values, kind="stable")
    order = [int(j) for j in ranked if (values[j] > 0 if in0 else values[j] < 0)][:_MAX_CHANGED]
    for n in range(1, len(order) + 1):
        for f in _FACTORS:
            w = ones.copy()
            for j in order[:n]:
                w[groups[j]] = f
            cand = _candidates(cf, row, w)
            s1 = cf.rescore(row, w, cand)
            rank1 = _ranking(s1, cand, col)
            if (0 < rank1 <= cf.k) == in0:
                continue
            checked = cf.model_rescore(row, w, cand)
            verified = (0 < _ranking(checked, cand, col) <= cf.k) == (0 < rank1 <= cf.k)
            changes = tuple(Change(keys[j], cats.get(keys[j], HISTORY_CATEGORY), f, "person") for j in order[:n])
            return Counterfactual(changes, "leaves_top_k" if in0 else "enters_top_k", rank0, rank1, score0,
                                  float(s1[np.flatnonzero(cand == col)[0]]), verified=verified)
    return None


def explain_collaborative_person(
    cf: CollaborativeAdapter,
    customer: object,
    item: object,
    *,
    categories: Mapping[str, str] | None = None,
    sources: Mapping[str, str] | None = None,
    rationale: Mapping[str, str] | None = None,
) -> PersonExplanation:
    """Explain why ``customer`` sees ``item`` (or does not) with a CF recommender.

    Parameters
    ----------
    cf : CollaborativeAdapter
    customer : object
        A value of ``cf.user_ids``.
    item : object
        A value of ``cf.item_ids`` the customer has not interacted with yet.
    categories, sources : mapping of str to str, default=None
        Data category and source of the history (key ``"history"``) and, for LightFM, of
        each user-feature column. The history defaults to ``behavioural``, ``observed``.
    rationale : mapping of category to str, default=None
        The publisher's reason per category, for rendering.

    Returns
    -------
    PersonExplanation
        ``basis`` is ``"history"`` (reasons are history items, keyed ``history:<n>`` and
        named in ``labels``) or ``"user_features"`` (reasons are user-feature columns).
        ``score`` is the explained score the attributions add up to; ``served_score`` the
        score the recommender ranks by, and ``rank``/``in_top_k`` come from it.
    """
    row = cf.user_row(customer)
    col = cf.item_col(item)
    served_score, rank, in_top = cf.served_rank(row, col)
    e = cf.explain_rows(row, np.array([col]))
    contrib = e.contributions[0]
    cats = {"history": HISTORY_CATEGORY, **dict(categories or {})}
    srcs = {"history": "observed", **dict(sources or {})}
    labels: dict[str, str] = {"history": cf.history_label}
    if cf.basis == "history":
        keys = [f"history:{n}" for n in range(len(e.parts))]
        for key, part in zip(keys, e.parts):
            labels[key] = cf.label(int(part))
        values = contrib
        groups = [np.array([n]) for n in range(len(keys))]
        part_cats = {k: cats["history"] for k in keys}
        columns_read = ["history"]
    else:  # LightFM: group the features by the column they encode
        columns = [cf.user_feature_columns[int(p)] for p in e.parts]
        keys = list(dict.fromkeys(columns))
        values = np.array([contrib[[c == k for c in columns]].sum() for k in keys])
        groups = [np.flatnonzero(np.array(columns) == k) for k in keys]
        part_cats = {k: cats.get(k, "other") for k in keys}
        columns_read = sorted(set(cf.user_feature_columns))
    attributions = {k: float(v) for k, v in zip(keys, values)}
    by_cat: dict[str, float] = {}
    for k, v in attributions.items():
        by_cat[part_cats[k]] = by_cat.get(part_cats[k], 0.0) + v
    cf_result = _search(cf, row, col, keys, values, groups, len(e.parts), part_cats)
    src: dict[str, set[str]] = {}
    for c in columns_read:
        src.setdefault(cats.get(c, "other"), set()).add(srcs.get(c, "unknown"))
    algorithm = {"als": "ALS history decomposition (Hu, Koren and Volinsky 2008)",
                 "item_item": "item-item similarity sum", "lightfm": "LightFM user-feature decomposition"}[cf.kind]
    return PersonExplanation(
        customer=str(customer),
        item=cf.label(col),
        task="ranking",
        k=cf.k,
        rank=rank,
        in_top_k=in_top,
        selected=None,
        score=float(e.score[0]),
        reasons=_pick_reasons(values, keys, part_cats),
        attributions=attributions,
        category_attributions=by_cat,
        categories_used=tuple(sorted({cats.get(c, "other") for c in columns_read})),
        categories_not_used=(),
        sources={k: sorted(v) for k, v in src.items()},
        counterfactual=cf_result,
        unit="score",
        algorithm=algorithm,
        exact=True,
        base_value=float(e.base[0]),
        item_column=None,
        labels=labels,
        rationale=dict(rationale or {}),
        basis=cf.basis,
        served_score=served_score,
    )
