"""Audits a collaborative-filtering recommender needs: popularity bias and proxies in learned factors.

Every top-k list comes from the model's own recommend path
(:meth:`CollaborativeAdapter.recommend`). Results hold counts, shares and intervals; no item
and no customer is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._plain import plain
from ..errors import InvalidInputError
from ..models._collaborative import CollaborativeAdapter
from ._proxies import ProxyResult, find_proxies
from .._messages import columns_include

__all__ = ["PopularityResult", "popularity_bias", "gini", "factor_proxies"]

#: The head of the catalogue examined: the most popular 1% and 10% of items.
HEADS: tuple[float, ...] = (0.01, 0.10)


def gini(x: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative amounts: 0 when all are equal, near 1 when one item gets all.

    ``sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))``, computed from the sorted amounts.
    """
    v = np.sort(np.asarray(x, dtype=np.float64).reshape(-1))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * v).sum() / (n * v.sum()))


@dataclass(frozen=True)
class PopularityResult:
    """How much a recommender concentrates its top-k slots on already popular items.

    Attributes
    ----------
    slot_share : dict of float to float
        For each head (0.01, 0.10): the share of all top-k slots that go to the most
        popular 1% (10%) of items by number of interactions.
    interaction_share : dict of float to float
        The same heads' share of all interactions. ``slot_share / interaction_share``
        above 1 means the recommender shows the head more than customers use it.
    gini : float
        Gini coefficient of item exposure (top-k slots per item, every item counted).
    coverage : float
        Share of the catalogue that appears in at least one customer's top k.
    intervals : dict of str to (float, float)
        Bootstrap intervals over customers of ``slot_share@<head>``, ``gini`` and
        ``coverage`` (the interaction shares are fixed by the data): percentile intervals
        shifted by the bootstrap's bias, which matters for Gini and coverage (resampled
        customers repeat their lists, so exposure looks more concentrated than it is).
    """

    slot_share: dict[float, float]
    interaction_share: dict[float, float]
    head_size: dict[float, int]
    gini: float
    coverage: float
    intervals: dict[str, tuple[float, float]]
    n_customers: int
    n_items: int
    k: int
    confidence: float

    def amplification(self, head: float) -> float:
        """``slot_share / interaction_share`` of a head: 1 shows it as much as it is used."""
        return self.slot_share[head] / self.interaction_share[head] if self.interaction_share[head] > 0 else float("inf")

    def to_frame(self) -> pd.DataFrame:
        rows = [{"measure": f"slot_share@{h:g}", "value": self.slot_share[h],
                 "ci_low": self.intervals[f"slot_share@{h:g}"][0], "ci_high": self.intervals[f"slot_share@{h:g}"][1],
                 "interaction_share": self.interaction_share[h]} for h in self.slot_share]
        for m in ("gini", "coverage"):
            rows.append({"measure": m, "value": getattr(self, m), "ci_low": self.intervals[m][0],
                         "ci_high": self.intervals[m][1], "interaction_share": np.nan})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return plain({"slot_share": {f"{h:g}": v for h, v in self.slot_share.items()},
                "interaction_share": {f"{h:g}": v for h, v in self.interaction_share.items()},
                "head_size": {f"{h:g}": v for h, v in self.head_size.items()}, "gini": self.gini,
                "coverage": self.coverage, "intervals": {k: list(v) for k, v in self.intervals.items()},
                "n_customers": self.n_customers, "n_items": self.n_items, "k": self.k, "confidence": self.confidence})


def _measures(recs: npt.NDArray[np.int64], heads: dict[float, npt.NDArray[np.bool_]], n_items: int) -> dict[str, float]:
    exposure = np.bincount(recs[recs >= 0], minlength=n_items)
    slots = max(int(exposure.sum()), 1)
    out = {f"slot_share@{h:g}": float(exposure[mask].sum() / slots) for h, mask in heads.items()}
    out["gini"] = gini(exposure)
    out["coverage"] = float((exposure > 0).mean())
    return out


def popularity_bias(
    cf: CollaborativeAdapter,
    *,
    customers: Sequence[Any] | None = None,
    k: int | None = None,
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state: int = 0,
) -> PopularityResult:
    """Popularity bias of a CF recommender: head share of top-k slots, exposure Gini, coverage.

    Parameters
    ----------
    cf : CollaborativeAdapter
    customers : sequence, default=None
        Values of ``cf.user_ids``; default every customer.
    k : int, default=None
        Length of each list; default ``cf.k``.
    n_boot, confidence, random_state
        Percentile bootstrap over customers for the intervals.

    Returns
    -------
    PopularityResult
    """
    k = cf.k if k is None else int(k)
    if k < 1:
        raise InvalidInputError(f"k must be a positive integer. Got {k!r}.")
    rows = list(range(cf.n_users)) if customers is None else [cf.user_row(c) for c in customers]
    if not rows:
        raise InvalidInputError("customers must hold at least one customer. Got none.")
    counts = np.diff(cf.interactions.tocsc().indptr)  # interactions per item
    order = np.lexsort((np.arange(cf.n_items), -counts))  # most popular first, ties by column
    heads: dict[float, npt.NDArray[np.bool_]] = {}
    for h in HEADS:
        mask = np.zeros(cf.n_items, dtype=bool)
        mask[order[: max(1, int(np.ceil(h * cf.n_items)))]] = True
        heads[h] = mask
    recs = cf.top_k(rows, k)
    point = _measures(recs.reshape(-1), heads, cf.n_items)
    rng = np.random.default_rng(random_state)
    draws = [_measures(recs[rng.integers(0, len(rows), len(rows))].reshape(-1), heads, cf.n_items)
             for _ in range(n_boot)]
    a = (1.0 - confidence) / 2.0
    intervals = {}
    for m in point:
        d = np.array([x[m] for x in draws])
        # resampling customers repeats their lists, which concentrates exposure (Gini up, coverage down):
        # the percentile interval is shifted by that bootstrap bias so it is centred on the estimate
        bias = float(d.mean() - point[m])
        if abs(bias) < 1e-12:  # no bias (a constant measure): keep the plain percentiles, free of rounding
            bias = 0.0
        lo, hi = float(np.quantile(d, a)) - bias, float(np.quantile(d, 1 - a)) - bias
        intervals[m] = (max(0.0, lo), min(1.0, hi))
    total = max(int(counts.sum()), 1)
    return PopularityResult(
        slot_share={h: point[f"slot_share@{h:g}"] for h in HEADS},
        interaction_share={h: float(counts[heads[h]].sum() / total) for h in HEADS},
        head_size={h: int(heads[h].sum()) for h in HEADS}, gini=point["gini"], coverage=point["coverage"],
        intervals=intervals, n_customers=len(rows), n_items=cf.n_items, k=k, confidence=confidence,
    )


def _factors(cf: CollaborativeAdapter) -> npt.NDArray[np.float64]:
    if cf.kind == "als":
        return np.asarray(cf.model.user_factors, dtype=np.float64)
    if cf.kind == "lightfm":
        f = cf.user_features
        E = np.asarray(cf.model.user_embeddings, dtype=np.float64)
        return E[: cf.n_users] if f is None else np.asarray(f @ E, dtype=np.float64)
    raise InvalidInputError(
        "cf must learn a factor per customer (ALS or LightFM) to check its factors for proxies. Got an item-item "
        "model, which keeps none. Check the history itself with explainer.find_proxies."
    )


def factor_proxies(
    cf: CollaborativeAdapter,
    customers: pd.DataFrame,
    *,
    sensitive_features: Sequence[str],
    user_id: str | None = None,
    threshold: float = 0.65,
    cv: int = 3,
    random_state: int | None = 0,
) -> ProxyResult:
    """Whether the customers' learned factors predict a sensitive attribute.

    The same check as :func:`explainer.find_proxies`, on one candidate, ``learned factors``:
    the customer's factor (ALS stored factors; LightFM summed user-feature embeddings).
    Cross-validated macro one-vs-rest AUC per attribute, flagged at ``threshold``.

    Parameters
    ----------
    cf : CollaborativeAdapter
    customers : DataFrame
        One row per customer with the sensitive attributes, and their id in ``user_id``
        (or as the index when ``user_id`` is None).
    sensitive_features : sequence of str
    user_id : str, default=None

    Returns
    -------
    ProxyResult
    """
    if not isinstance(customers, pd.DataFrame):
        raise InvalidInputError(
            f"customers must be a pandas DataFrame of customers and their attributes. Got {type(customers).__name__}."
        )
    missing = [c for c in sensitive_features if c not in customers.columns]
    if missing or not sensitive_features:
        raise InvalidInputError(
            f"sensitive_features must name columns of customers. Got {list(missing)[:5]!r}, which are not there. "
            f"{columns_include(customers.columns)}"
        )
    ids = customers.index if user_id is None else customers[user_id]
    rows = np.array([cf.user_row(i) for i in ids], dtype=np.int64)
    Z = _factors(cf)[rows]
    X = customers.loc[:, list(sensitive_features)].reset_index(drop=True)
    return find_proxies(X, list(sensitive_features), columns=[], encoded={"learned factors": Z},
                        threshold=threshold, cv=cv, random_state=random_state)
