"""Item-side exposure: each item group's share of the recommendation slots against its share of demand.

The bootstrap resamples customers; a customer enters only through two vectors (their slots
and their outcomes per item group), so the sufficient statistics are the distinct vectors
and how many customers share each. With few item groups (departments, genres) the vectors
are short and held as a table; with many (every item of a 20,000-item catalogue its own
group) they are sparse rows, and nothing of size customers x item groups is ever dense.
Both forms give the same numbers; which one is used depends only on the number of item
groups, so parts of the data counted apart and merged give what one count of all rows
gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._group_result import FOUR_FIFTHS
from ._stats import mover_ratio, wilson_interval

__all__ = ["item_exposure", "item_exposure_counts", "item_exposure_counts_sparse", "merge_item_exposure_counts",
           "item_exposure_from_counts", "SparsePatterns", "DENSE_PATTERN_GROUPS"]

#: Up to this many item groups the customers' patterns are a table (one column per group and
#: side); above it, sparse rows.
DENSE_PATTERN_GROUPS = 256


@dataclass(frozen=True)
class SparsePatterns:
    """Distinct (slots, outcomes) rows over many item groups and how many customers have each.

    ``slots`` and ``outcomes`` are CSR matrices (patterns x item groups); rows are distinct
    and in one canonical order (by their bytes), whatever order the customers came in.
    """

    slots: sp.csr_matrix
    outcomes: sp.csr_matrix
    customers: np.ndarray

    @classmethod
    def of(cls, slots: Any, outcomes: Any, customers: Any = None) -> SparsePatterns:
        """Deduplicate rows (summing their customers) and put them in canonical order."""
        S = sp.csr_matrix(slots, dtype=np.float64)
        P = sp.csr_matrix(outcomes, dtype=np.float64)
        S.sum_duplicates()
        P.sum_duplicates()
        S.eliminate_zeros()
        P.eliminate_zeros()
        S.sort_indices()
        P.sort_indices()
        c = np.ones(S.shape[0], dtype=np.int64) if customers is None else np.asarray(customers, dtype=np.int64)
        keys: dict[bytes, int] = {}
        first: list[int] = []
        counts: list[int] = []
        for i in range(S.shape[0]):
            a, b = S.indptr[i], S.indptr[i + 1]
            e, f = P.indptr[i], P.indptr[i + 1]
            key = (np.int64(b - a).tobytes() + S.indices[a:b].astype(np.int64).tobytes() + S.data[a:b].tobytes()
                   + P.indices[e:f].astype(np.int64).tobytes() + P.data[e:f].tobytes())
            j = keys.get(key)
            if j is None:
                keys[key] = len(first)
                first.append(i)
                counts.append(int(c[i]))
            else:
                counts[j] += int(c[i])
        key_list = list(keys)
        order = sorted(range(len(first)), key=lambda j: key_list[j])
        rows = np.asarray([first[j] for j in order], dtype=np.int64)
        return cls(S[rows], P[rows], np.asarray([counts[j] for j in order], dtype=np.int64))

    def widened(self, n_cols: int, cols: np.ndarray) -> SparsePatterns:
        """The same patterns over ``n_cols`` item groups, old group j becoming ``cols[j]``."""
        def move(m: sp.csr_matrix) -> sp.csr_matrix:
            return sp.csr_matrix((m.data, cols[m.indices], m.indptr), shape=(m.shape[0], n_cols))
        return SparsePatterns.of(move(self.slots), move(self.outcomes), self.customers)


def item_exposure(
    selected: Any,
    y_true: Any,
    user_ids: Any,
    item_groups: Any,
    *,
    items: Any = None,
    n_boot: int = 500,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Item side: each item group's share of all recommendation slots, against its share of demand.

    ``slot_share`` of an item group is the number of top-k slots its items fill divided by
    all slots; ``outcome_share`` is its share of all positive outcomes (purchases,
    clicks) in the same rows. ``ratio = slot_share / outcome_share`` is 1.0 when slots
    follow demand; below 0.8 (the four-fifths line) the group is ``flagged`` as
    under-exposed. Intervals: bootstrap over customers (a customer's slots and outcomes
    stay together), drawn as a multinomial over the customers' slot and outcome patterns
    (see :func:`item_exposure_counts`).

    Parameters
    ----------
    selected : array-like of 0/1
        Whether the row (customer x item) is in the customer's top k.
    y_true : array-like of 0/1
        Outcome of the row.
    user_ids, item_groups : array-like
        Customer of each row, and the group of its item (the item itself, a department...).
    items : array-like, default=None
        Item of each row, to count the distinct items per group (``n_items``).

    Returns
    -------
    DataFrame
        ``item_group``, ``n_items`` (distinct items; None without ``items``), ``slots``, ``slot_share``, ``ci_low``, ``ci_high``,
        ``outcomes``, ``outcome_share``, ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``, ``flagged``.

    Examples
    --------
    >>> t = item_exposure([1, 0, 1, 0], [1, 1, 1, 0], [1, 1, 2, 2], ["a", "b", "a", "b"], n_boot=10)
    >>> t["ratio"].round(2).tolist()
    [1.5, 0.0]
    >>> t[["item_group", "slot_share", "outcome_share"]].values.tolist()
    [['a', 1.0, 0.6666666666666666], ['b', 0.0, 0.3333333333333333]]
    """
    return item_exposure_from_counts(item_exposure_counts(selected, y_true, user_ids, item_groups, items=items),
                                     n_boot=n_boot, ci=ci, random_state=random_state)


def item_exposure_counts(selected: Any, y_true: Any, user_ids: Any, item_groups: Any, *,
                         items: Any = None) -> dict[str, Any]:
    """Sufficient statistics of :func:`item_exposure`: how many customers share each pattern.

    A customer enters :func:`item_exposure` only through two vectors, the slots and the
    outcomes per item group. Customers with the same vectors are interchangeable in the
    bootstrap over customers, so the count of customers per distinct pattern holds all
    the information. Up to :data:`DENSE_PATTERN_GROUPS` item groups the patterns are a
    table; above, :class:`SparsePatterns`. Counts of disjoint sets of customers add up with
    :func:`merge_item_exposure_counts`.
    """
    sel = np.asarray(selected, dtype=float)
    y = np.asarray(y_true, dtype=float)
    u_codes, _ = pd.factorize(np.asarray(user_ids), sort=False)
    g_codes, g_names = pd.factorize(pd.Series(np.asarray(item_groups)).astype(str), sort=True)
    n_u, n_g = int(u_codes.max()) + 1, len(g_names)
    names = [str(g) for g in g_names]
    pairs = (pd.DataFrame({"item_group": np.asarray(names, dtype=object)[g_codes], "item": np.asarray(items)})
             .drop_duplicates() if items is not None else None)
    if n_g > DENSE_PATTERN_GROUPS:
        S = sp.csr_matrix((sel, (u_codes, g_codes)), shape=(n_u, n_g))
        P = sp.csr_matrix((y, (u_codes, g_codes)), shape=(n_u, n_g))
        return {"groups": names, "patterns": SparsePatterns.of(S, P), "items": pairs}
    key = u_codes.astype(np.int64) * n_g + g_codes
    Sd = np.bincount(key, weights=sel, minlength=n_u * n_g).reshape(n_u, n_g)
    Pd = np.bincount(key, weights=y, minlength=n_u * n_g).reshape(n_u, n_g)
    frame = pd.DataFrame(np.hstack([Sd, Pd]), columns=[("slots", g) for g in names] + [("outcomes", g) for g in names])
    patterns = frame.value_counts(sort=False).rename("customers").reset_index()
    return {"groups": names, "patterns": patterns, "items": pairs}


def item_exposure_counts_sparse(slots: Any, outcomes: Any, names: Sequence[str], *,
                                items: pd.DataFrame | None = None) -> dict[str, Any]:
    """:func:`item_exposure_counts` from customers x item-group matrices (one row per customer).

    ``names`` are the item groups of the columns, sorted as text (the order
    :func:`item_exposure_counts` gives them); ``items`` the (``item_group``, ``item``) pairs.
    For a recommender whose every catalogue item is its own group, read straight from the
    top-k lists without a customer x item table.
    """
    names = [str(g) for g in names]
    if list(names) != sorted(names):
        raise ValueError("names must be sorted as text")
    if len(names) > DENSE_PATTERN_GROUPS:
        return {"groups": names, "patterns": SparsePatterns.of(slots, outcomes), "items": items}
    S = np.asarray(sp.csr_matrix(slots).toarray(), dtype=np.float64)
    P = np.asarray(sp.csr_matrix(outcomes).toarray(), dtype=np.float64)
    frame = pd.DataFrame(np.hstack([S, P]), columns=[("slots", g) for g in names] + [("outcomes", g) for g in names])
    patterns = frame.value_counts(sort=False).rename("customers").reset_index()
    return {"groups": names, "patterns": patterns, "items": items}


def _as_sparse(counts: dict[str, Any]) -> SparsePatterns:
    pat = counts["patterns"]
    if isinstance(pat, SparsePatterns):
        return pat
    names = list(counts["groups"])
    return SparsePatterns.of(pat[[("slots", g) for g in names]].to_numpy(dtype=float),
                             pat[[("outcomes", g) for g in names]].to_numpy(dtype=float),
                             pat["customers"].to_numpy(dtype=np.int64))


def merge_item_exposure_counts(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Sum :func:`item_exposure_counts` of disjoint sets of customers."""
    names = sorted({g for p in parts for g in p["groups"]})
    items = None
    if all(p["items"] is not None for p in parts):
        items = pd.concat([p["items"] for p in parts], ignore_index=True).drop_duplicates()
    if len(names) > DENSE_PATTERN_GROUPS:
        where = {g: j for j, g in enumerate(names)}
        moved = [_as_sparse(p).widened(len(names), np.asarray([where[g] for g in p["groups"]], dtype=np.int64))
                 for p in parts]
        merged = SparsePatterns.of(sp.vstack([m.slots for m in moved]), sp.vstack([m.outcomes for m in moved]),
                                   np.concatenate([m.customers for m in moved]))
        return {"groups": names, "patterns": merged, "items": items}
    cols = [("slots", g) for g in names] + [("outcomes", g) for g in names]
    tables = [p["patterns"].reindex(columns=[*cols, "customers"], fill_value=0.0) for p in parts]
    patterns = pd.concat(tables, ignore_index=True).groupby(cols, sort=False)["customers"].sum().reset_index()
    return {"groups": names, "patterns": patterns, "items": items}


def _pattern_arrays(counts: dict[str, Any]) -> tuple[Any, Any, np.ndarray]:
    """Slots, outcomes (dense or CSR, patterns x groups) and customers per pattern, in canonical order."""
    names = list(counts["groups"])
    pat = counts["patterns"]
    if isinstance(pat, SparsePatterns):
        return pat.slots, pat.outcomes, pat.customers
    cols = [("slots", g) for g in names] + [("outcomes", g) for g in names]
    pat = pat.sort_values(cols, kind="stable").reset_index(drop=True)  # one order for every source
    return (pat[[("slots", g) for g in names]].to_numpy(dtype=float),
            pat[[("outcomes", g) for g in names]].to_numpy(dtype=float), pat["customers"].to_numpy(dtype=np.int64))


def _weighted(W: np.ndarray, M: Any) -> np.ndarray:
    """``W @ M`` for a dense or CSR ``M``, dense out."""
    if sp.issparse(M):
        return np.asarray((M.T @ W.T).T)
    return np.asarray(W @ M)


def item_exposure_from_counts(counts: dict[str, Any], *, n_boot: int = 500, ci: float = 0.95,
                              random_state: int = 0) -> pd.DataFrame:
    """:func:`item_exposure` from (merged) :func:`item_exposure_counts`."""
    names = list(counts["groups"])
    n_g = len(names)
    S, P, c = _pattern_arrays(counts)
    n_u = int(c.sum())

    def shares(s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ss = s / s.sum(-1, keepdims=True)
        ps = p / p.sum(-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ss, ps, np.where(ps > 0, ss / ps, np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        slot, out, ratio = shares(_weighted(c[None, :].astype(float), S)[0], _weighted(c[None, :].astype(float), P)[0])
        rng = np.random.default_rng(random_state)
        boot_s, boot_r = np.empty((n_boot, n_g)), np.empty((n_boot, n_g))
        chunk = max(1, 5_000_000 // max(len(c), 1))
        for b0 in range(0, n_boot, chunk):
            b1 = min(n_boot, b0 + chunk)
            # resampling customers with replacement = a multinomial over the customers' patterns
            W = rng.multinomial(n_u, c / n_u, size=b1 - b0).astype(float)
            boot_s[b0:b1], _, boot_r[b0:b1] = shares(_weighted(W, S), _weighted(W, P))
    alpha = (1 - ci) / 2
    r_lo, r_hi = np.full(n_g, np.nan), np.full(n_g, np.nan)
    finite = np.isfinite(boot_r)
    whole = finite.all(axis=0)
    if whole.any():  # columns without a missing draw: one vectorised quantile
        r_lo[whole] = np.quantile(boot_r[:, whole], alpha, axis=0)
        r_hi[whole] = np.quantile(boot_r[:, whole], 1 - alpha, axis=0)
    for j in np.flatnonzero(~whole & finite.any(axis=0)):
        col = boot_r[finite[:, j], j]
        r_lo[j], r_hi[j] = np.quantile(col, alpha), np.quantile(col, 1 - alpha)
    s_lo, s_hi = np.quantile(boot_s, alpha, axis=0), np.quantile(boot_s, 1 - alpha, axis=0)
    # a share the bootstrap cannot move (no slots at all, or all of them) gets the Wilson interval
    # with customers as trials, and its ratio the MOVER-R interval built from it: never "0 to 0"
    stuck = ~(s_lo < s_hi)
    if stuck.any():
        w_lo, w_hi = wilson_interval(slot * n_u, n_u, ci)
        s_lo, s_hi = np.where(stuck, w_lo, s_lo), np.where(stuck, w_hi, s_hi)
        _, m_lo, m_hi = mover_ratio(slot * n_u, n_u, out * n_u, n_u, ci)
        r_lo, r_hi = np.where(stuck, m_lo, r_lo), np.where(stuck, m_hi, r_hi)
    s_lo, s_hi = np.fmin(s_lo, slot), np.fmax(s_hi, slot)
    r_lo, r_hi = np.fmin(r_lo, ratio), np.fmax(r_hi, ratio)
    items = counts["items"]
    n_items = (items.groupby("item_group")["item"].nunique().reindex(names).to_numpy()
               if items is not None else [None] * n_g)
    return pd.DataFrame({
        "item_group": names, "n_items": n_items, "slots": np.rint(_weighted(c[None, :].astype(float), S)[0]).astype(int),
        "slot_share": slot, "ci_low": s_lo, "ci_high": s_hi,
        "outcomes": np.rint(_weighted(c[None, :].astype(float), P)[0]).astype(int), "outcome_share": out,
        "ratio": ratio, "ratio_ci_low": r_lo, "ratio_ci_high": r_hi,
        "flagged": np.nan_to_num(ratio, nan=1.0) < FOUR_FIFTHS,
    })
