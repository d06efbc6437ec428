"""Closed-form intervals and tests for rates and for the gap between two groups' rates.

- :func:`wilson_interval`: Wilson (1927) score interval of a binomial proportion. It
  stays informative at 0 and n successes (0 of 57 gives 0 to 0.063, never "0 to 0").
- :func:`newcombe_difference`: Newcombe (1998) hybrid score interval (his method 10) of
  the difference of two proportions, built from the two Wilson intervals.
- :func:`mover_ratio`: the MOVER-R interval (Donner and Zou 2012; Newcombe 2013) of the
  ratio of two proportions, built from the same Wilson intervals; it handles a zero
  numerator (the lower limit is then 0).
- :func:`fisher_pair_p`: two-sided Fisher exact test of equal proportions in a 2 x 2 table.
- :func:`bh_adjust`: Benjamini and Hochberg (1995) adjusted p-values (false discovery rate).

Each interval built from Wilson intervals contains its point estimate, because each
Wilson interval contains its proportion.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["wilson_interval", "newcombe_difference", "mover_ratio", "fisher_pair_p", "bh_adjust", "z_of"]


def z_of(ci: float) -> float:
    """The two-sided normal quantile of a ``ci`` interval (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + float(ci) / 2.0)


def wilson_interval(k: Any, n: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (elementwise; NaN where n is 0).

    ``k`` and ``n`` may be effective (non-integer) counts, as after dividing by a design
    effect.

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 10)
    >>> float(lo), round(float(hi), 4)
    (0.0, 0.2775)
    """
    k_a = np.asarray(k, dtype=np.float64)
    n_a = np.asarray(n, dtype=np.float64)
    z = z_of(ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n_a > 0, k_a / n_a, np.nan)
        z2n = z * z / n_a
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z * np.sqrt(np.maximum(p * (1.0 - p) / n_a, 0.0) + z * z / (4.0 * n_a * n_a)) / (1.0 + z2n)
        lo = np.where(n_a > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n_a > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # rounding can leave p a hair outside at k = 0 or k = n
    lo = np.where(np.isfinite(p), np.minimum(lo, p), lo)
    hi = np.where(np.isfinite(p), np.maximum(hi, p), hi)
    return lo, hi


def _two_rates(k1: Any, n1: Any, k2: Any, n2: Any, ci: float) -> tuple[np.ndarray, ...]:
    """Both proportions (NaN where a denominator is 0) with their Wilson limits: p1, l1, u1, p2, l2, u2."""
    n1a, n2a = np.asarray(n1, dtype=np.float64), np.asarray(n2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1a > 0, np.asarray(k1, dtype=np.float64) / n1a, np.nan)
        p2 = np.where(n2a > 0, np.asarray(k2, dtype=np.float64) / n2a, np.nan)
    l1, u1 = wilson_interval(k1, n1, ci)
    l2, u2 = wilson_interval(k2, n2, ci)
    return p1, l1, u1, p2, l2, u2


def newcombe_difference(k1: Any, n1: Any, k2: Any, n2: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray,
                                                                                            np.ndarray]:
    """Difference ``p1 - p2`` with Newcombe's hybrid score interval (method 10).

    Returns
    -------
    (difference, low, high) : arrays

    Examples
    --------
    Newcombe (1998), Table II, example (a): 56/70 against 48/80.

    >>> d, lo, hi = newcombe_difference(56, 70, 48, 80)
    >>> round(float(d), 4), round(float(lo), 4), round(float(hi), 4)
    (0.2, 0.0524, 0.3339)
    """
    p1, l1, u1, p2, l2, u2 = _two_rates(k1, n1, k2, n2, ci)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi


def mover_ratio(k1: Any, n1: Any, k2: Any, n2: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio ``p1 / p2`` with the MOVER-R interval from the two Wilson intervals.

    NaN where ``p2`` is 0. The lower limit is 0 where ``p1`` is 0, and where the
    closed form breaks down (``u2 >= 2 p2``, tiny denominators) the lower limit falls back
    to 0 and the upper to infinity: wide rather than wrong.

    Examples
    --------
    >>> r, lo, hi = mover_ratio(0, 57, 2, 64)
    >>> float(r), float(lo), bool(hi > 1)
    (0.0, 0.0, True)
    """
    p1, l1, u1, p2, l2, u2 = _two_rates(k1, n1, k2, n2, ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(p2 > 0, p1 / p2, np.nan)
        a = p1 * p2
        den_lo = u2 * (2.0 * p2 - u2)
        lo = (a - np.sqrt(np.maximum(a * a - l1 * u2 * (2.0 * p1 - l1) * (2.0 * p2 - u2), 0.0))) / den_lo
        lo = np.where((den_lo > 0) & np.isfinite(lo), np.maximum(lo, 0.0), 0.0)
        den_hi = l2 * (2.0 * p2 - l2)
        hi = (a + np.sqrt(np.maximum(a * a - u1 * l2 * (2.0 * p1 - u1) * (2.0 * p2 - l2), 0.0))) / den_hi
        hi = np.where((den_hi > 0) & np.isfinite(hi), hi, np.inf)
    ok = np.isfinite(r)
    # the MOVER limits bracket the estimate; guard the last bits of rounding
    lo = np.where(ok, np.minimum(lo, r), np.nan)
    hi = np.where(ok, np.maximum(hi, r), np.nan)
    return r, lo, hi


def fisher_pair_p(k1: Any, n1: Any, k2: Any, n2: Any) -> np.ndarray:
    """Two-sided Fisher exact p-values of equal proportions, one 2 x 2 table per element.

    Counts are rounded to whole numbers (effective counts after a design effect are not).

    Examples
    --------
    >>> float(fisher_pair_p(0, 57, 2, 64)[0]) > 0.4
    True
    """
    from scipy.stats import fisher_exact

    a1 = np.atleast_1d(np.rint(np.asarray(k1, dtype=np.float64)))
    b1 = np.atleast_1d(np.rint(np.asarray(n1, dtype=np.float64)))
    a2 = np.atleast_1d(np.rint(np.asarray(k2, dtype=np.float64)))
    b2 = np.atleast_1d(np.rint(np.asarray(n2, dtype=np.float64)))
    a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    out = np.full(a1.shape, np.nan)
    for i in range(a1.size):
        x1, m1, x2, m2 = a1.flat[i], b1.flat[i], a2.flat[i], b2.flat[i]
        if not all(np.isfinite((x1, m1, x2, m2))) or m1 <= 0 or m2 <= 0:
            continue
        x1, x2 = min(max(x1, 0), m1), min(max(x2, 0), m2)
        table = [[int(x1), int(m1 - x1)], [int(x2), int(m2 - x2)]]
        out.flat[i] = float(fisher_exact(table, alternative="two-sided").pvalue)
    return out


def bh_adjust(p: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up; NaN entries stay NaN and are not counted).

    A test passes at false discovery rate ``q`` when its adjusted p-value is at most ``q``.

    Examples
    --------
    Benjamini and Hochberg (1995), section 4: 15 p-values; at 0.05 the first four pass.

    >>> p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
    ...      0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0]
    >>> (bh_adjust(p) <= 0.05).sum()
    np.int64(4)
    """
    arr = np.asarray(p, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    m = int(ok.sum())
    if m == 0:
        return out
    v = arr[ok]
    order = np.argsort(v, kind="stable")
    ranked = v[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out
