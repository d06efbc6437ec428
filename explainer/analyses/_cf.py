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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._plain import plain
from ..errors import InvalidInputError
from ..models._collaborative import CollaborativeAdapter
from ._person import Change, Counterfactual, PersonExplanation, _pick_reasons

__all__ = ["explain_collaborative_person", "attribute_sources", "refit_without_source", "ndcg_at_k", "SourceShares",
           "SourceRefitResult", "HISTORY_CATEGORY", "column_categories"]

#: The data category of interaction histories unless the inventory says otherwise.
HISTORY_CATEGORY = "behavioural"


def column_categories(cf: CollaborativeAdapter, categories: Mapping[str, str] | None = None) -> dict[str, str]:
    """The data category of every column a CF score reads, the inventory's first.

    Interaction history and each of its sources are behavioural data (what a person did). A
    LightFM user-feature column the inventory does not describe is categorised from its name,
    as a table column is (``age_band`` demographic, ``region`` location); a name that says
    nothing stays ``other`` (shown as data not yet described).
    """
    given = dict(categories or {})
    out = {"history": given.get("history", HISTORY_CATEGORY)}
    for name in cf.source_names:
        out[name] = given.get(name, out["history"])
    if cf.basis == "user_features":
        from ..inventory._column_guess import category_from_name

        for col in dict.fromkeys(cf.user_feature_columns):
            if col not in out:
                out[col] = given.get(col) or category_from_name(col)
    return {**given, **out}


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
    if cf.basis != "history" or not cf.filter_already_liked_items:
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



_Reasons = tuple[list[str], npt.NDArray[np.float64], list[npt.NDArray[np.int64]], dict[str, str], dict[str, float],
                 list[str]]


def _history_reasons(cf: CollaborativeAdapter, row: int, e: Any, cats: Mapping[str, str],
                     labels: dict[str, str]) -> _Reasons:
    """Reasons keyed by history item (``history:<n>``, labelled in ``labels``), each split over its sources."""
    keys = [f"history:{n}" for n in range(len(e.parts))]
    contrib = e.contributions[0]
    names = cf.source_names
    frac = cf.source_fractions(row, e.parts)
    main = np.argmax(frac, axis=0)
    src_cat = {n: cats.get(n, cats["history"]) for n in names}
    for n, (key, part) in enumerate(zip(keys, e.parts)):
        labels[key] = cf.label(int(part))
        if cf.sources:
            labels[f"{key}|source"] = names[int(main[n])].replace("_", " ")
    groups = [np.array([n]) for n in range(len(keys))]
    part_cats = {k: src_cat[names[int(main[n])]] for n, k in enumerate(keys)}
    by_cat: dict[str, float] = {}
    for s_i, name in enumerate(names):  # each history item's attribution splits exactly over its sources
        by_cat[src_cat[name]] = by_cat.get(src_cat[name], 0.0) + float(contrib @ frac[s_i])
    columns_read = [n for s_i, n in enumerate(names) if frac[s_i].any()] if cf.sources else ["history"]
    return keys, contrib, groups, part_cats, by_cat, columns_read


def _feature_reasons(cf: CollaborativeAdapter, e: Any, cats: Mapping[str, str]) -> _Reasons:
    """LightFM: reasons keyed by the user-feature column each feature encodes."""
    contrib = e.contributions[0]
    columns = [cf.user_feature_columns[int(p)] for p in e.parts]
    keys = list(dict.fromkeys(columns))
    values = np.array([contrib[[c == k for c in columns]].sum() for k in keys])
    groups = [np.flatnonzero(np.array(columns) == k) for k in keys]
    part_cats = {k: cats.get(k, "other") for k in keys}
    by_cat: dict[str, float] = {}
    for k, v in zip(keys, values):
        by_cat[part_cats[k]] = by_cat.get(part_cats[k], 0.0) + float(v)
    return keys, values, groups, part_cats, by_cat, sorted(set(cf.user_feature_columns))


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
    cats = column_categories(cf, categories)
    srcs = {"history": "observed", **dict(sources or {})}
    if cf.basis == "history":  # a source the inventory does not describe is observed like the rest
        for name in cf.source_names:
            srcs.setdefault(name, srcs["history"])
    labels: dict[str, str] = {"history": cf.history_label}
    if cf.basis == "history":
        keys, values, groups, part_cats, by_cat, columns_read = _history_reasons(cf, row, e, cats, labels)
    else:
        keys, values, groups, part_cats, by_cat, columns_read = _feature_reasons(cf, e, cats)
    attributions = {k: float(v) for k, v in zip(keys, values)}
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


# ----------------------------------------------------------------------------------------
# Data categories for interactions: how much each source counts, and refits without one
def _interval(stat: Callable[[npt.NDArray[np.int64]], float], n: int, n_boot: int, confidence: float,
              random_state: int) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat`` over ``n`` customers resampled with replacement."""
    rng = np.random.default_rng(random_state)
    draws = np.array([stat(rng.integers(0, n, n)) for _ in range(n_boot)])
    a = (1.0 - confidence) / 2.0
    return float(np.quantile(draws, a)), float(np.quantile(draws, 1.0 - a))


@dataclass(frozen=True)
class SourceShares:
    """How much each interaction source counts in what customers are shown.

    ``shares[s]`` is source ``s``'s part of the absolute attributions of every customer's
    top-k items (each history item's attribution split over its sources in proportion to
    their parts of its value); the shares sum to 1. ``intervals`` are percentile bootstrap
    intervals over customers; ``category_intervals`` the same for the shares summed per data
    category. Names sources and categories only: no item, no customer.
    """

    shares: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    categories: dict[str, str]
    n_customers: int
    n_pairs: int
    k: int
    confidence: float
    category_intervals: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per source: category, share, interval."""
        return pd.DataFrame([{"source": s, "category": self.categories[s], "share": v,
                              "ci_low": self.intervals[s][0], "ci_high": self.intervals[s][1]}
                             for s, v in self.shares.items()])

    def category_shares(self) -> dict[str, float]:
        """The shares summed per data category."""
        out: dict[str, float] = {}
        for s, v in self.shares.items():
            out[self.categories[s]] = out.get(self.categories[s], 0.0) + v
        return out

    def to_dict(self) -> dict[str, Any]:
        return plain({"shares": self.shares, "intervals": {s: list(v) for s, v in self.intervals.items()},
                "categories": self.categories, "n_customers": self.n_customers, "n_pairs": self.n_pairs,
                "k": self.k, "confidence": self.confidence,
                "category_intervals": {c: list(v) for c, v in self.category_intervals.items()}})


def _customers(cf: CollaborativeAdapter, customers: Sequence[Any] | None) -> list[int]:
    if customers is None:
        return [r for r in range(cf.n_users) if cf.interactions.indptr[r + 1] > cf.interactions.indptr[r]]
    return [cf.user_row(c) for c in customers]


def attribute_sources(
    cf: CollaborativeAdapter,
    *,
    customers: Sequence[Any] | None = None,
    categories: Mapping[str, str] | None = None,
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state: int = 0,
) -> SourceShares:
    """Share of each interaction source in the attributions of customers' top-k items.

    Parameters
    ----------
    cf : CollaborativeAdapter
        With ``sources`` (views, ratings, ...); without, the one source is ``history``.
        For LightFM the shares are of its user-feature columns (``history`` for the
        identity features, ``age_band``, ``region``, ...).
    customers : sequence, default=None
        Values of ``cf.user_ids`` to include; default every customer with a history.
    categories : mapping of source to category, default=None
        From the inventory; a source without one is ``behavioural``.
    n_boot, confidence, random_state
        Bootstrap over customers for the intervals.

    Returns
    -------
    SourceShares
    """
    rows = _customers(cf, customers) if cf.basis == "history" or customers is not None else list(range(cf.n_users))
    if not rows:
        raise InvalidInputError("customers must include at least one customer with a history. Got none.")
    # LightFM: the "sources" are its user-feature columns (history identity, age band, region, ...)
    names = cf.source_names if cf.basis == "history" else tuple(dict.fromkeys(cf.user_feature_columns))
    column_of = {n: i for i, n in enumerate(names)}
    per = np.zeros((len(rows), len(names)))
    pairs = 0
    tops = cf.top_k(rows)
    for n, row in enumerate(rows):
        cols = tops[n][tops[n] >= 0]
        e = cf.explain_rows(row, cols)
        pairs += len(cols)
        if cf.basis == "history":
            per[n] = cf.source_fractions(row, e.parts) @ np.abs(e.contributions).sum(axis=0)
        else:
            np.add.at(per[n], [column_of[cf.user_feature_columns[int(p)]] for p in e.parts],
                      np.abs(e.contributions).sum(axis=0))
    total = per.sum()
    shares = {s: float(per[:, i].sum() / total) if total > 0 else 0.0 for i, s in enumerate(names)}
    intervals = {}
    for i, s in enumerate(names):
        def stat(idx: npt.NDArray[np.int64], i: int = i) -> float:
            t = per[idx].sum()
            return float(per[idx, i].sum() / t) if t > 0 else 0.0

        intervals[s] = _interval(stat, len(rows), n_boot, confidence, random_state)
    every = column_categories(cf, categories)
    cats = {s: every[s] for s in names}
    by_cat: dict[str, tuple[float, float]] = {}
    for cat in dict.fromkeys(cats.values()):
        cols = [i for i, s in enumerate(names) if cats[s] == cat]

        def cat_stat(idx: npt.NDArray[np.int64], cols: list[int] = cols) -> float:
            t = per[idx].sum()
            return float(per[idx][:, cols].sum() / t) if t > 0 else 0.0

        lo, hi = _interval(cat_stat, len(rows), n_boot, confidence, random_state)
        by_cat[cat] = (max(0.0, lo), min(1.0, hi))  # a sole category's share is 1 up to rounding
    return SourceShares(shares, intervals, cats, len(rows), pairs, cf.k, confidence, by_cat)


@dataclass(frozen=True)
class SourceRefitResult:
    """NDCG@k on held-out interactions with and without one source, the model refitted.

    ``delta`` is the mean per-customer change (without minus with); ``interval`` its paired
    percentile bootstrap interval over customers. A ``delta`` whose interval includes 0
    means dropping the source made no difference that this test could detect.
    """

    source: str
    metric: str
    with_source: float
    without_source: float
    delta: float
    interval: tuple[float, float]
    n_customers: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return plain({"source": self.source, "metric": self.metric, "with_source": self.with_source,
                "without_source": self.without_source, "delta": self.delta, "interval": list(self.interval),
                "n_customers": self.n_customers, "confidence": self.confidence})


def ndcg_at_k(cf: CollaborativeAdapter, test_interactions: Any, rows: Sequence[int], k: int) -> npt.NDArray[np.float64]:
    """Per-customer NDCG@k of the recommended items against held-out interactions (binary relevance)."""
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    out = np.empty(len(rows))
    tops = cf.top_k(rows, k)
    for n, row in enumerate(rows):
        relevant = set(test_interactions[row].indices.tolist())
        recs = tops[n][tops[n] >= 0]
        dcg = float(sum(discount[r] for r, c in enumerate(recs) if int(c) in relevant))
        out[n] = dcg / float(discount[: min(k, len(relevant))].sum())
    return out


def refit_without_source(
    cf: CollaborativeAdapter,
    source: str,
    *,
    fit: Callable[[Any], Any],
    test_interactions: Any,
    k: int | None = None,
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state: int = 0,
) -> SourceRefitResult:
    """Refit the recommender without one interaction source and measure NDCG@k on held-out data.

    Parameters
    ----------
    cf : CollaborativeAdapter
        With ``sources``.
    source : str
        The source to drop (a key of ``cf.sources``).
    fit : callable
        ``fit(interactions) -> fitted model``, the same training as the deployed model.
    test_interactions : sparse matrix
        Held-out interactions, same shape; customers without any are left out.
    k : int, default=None
        Default ``cf.k``.

    Returns
    -------
    SourceRefitResult
    """
    from ..models._collaborative import wrap_collaborative
    from ..models._collaborative_checks import _csr

    if source not in cf.sources:
        raise InvalidInputError(
            f"source must be one of the interaction sources {list(cf.sources)[:5]!r}. Got {source!r}. "
            "Pass sources={...} to wrap_model and name one of them."
        )
    test = _csr(test_interactions, "test_interactions")
    if test.shape != cf.interactions.shape:
        raise InvalidInputError(
            f"test_interactions must have the shape of interactions, {cf.n_users} x {cf.n_items}. Got "
            f"{test.shape[0]} x {test.shape[1]}. Hold out interactions of the same customers and items."
        )
    k = cf.k if k is None else int(k)
    rows = [r for r in range(cf.n_users) if test.indptr[r + 1] > test.indptr[r]]
    if not rows:
        raise InvalidInputError("test_interactions must hold at least one interaction. Got none.")
    rest = {s: m for s, m in cf.sources.items() if s != source}
    reduced = sum(rest.values()) if rest else cf.interactions * 0.0
    refitted = wrap_collaborative(fit(reduced.tocsr()), interactions=reduced, user_ids=cf.user_ids,
                                  item_ids=cf.item_ids, served=cf.served, k=k, sources=rest if len(rest) > 1 else None,
                                  filter_already_liked_items=cf.filter_already_liked_items)
    with_s = ndcg_at_k(cf, test, rows, k)
    without = ndcg_at_k(refitted, test, rows, k)
    diff = without - with_s
    interval = _interval(lambda idx: float(diff[idx].mean()), len(rows), n_boot, confidence, random_state)
    return SourceRefitResult(source, f"ndcg@{k}", float(with_s.mean()), float(without.mean()), float(diff.mean()),
                             interval, len(rows), confidence)
