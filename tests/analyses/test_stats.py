"""Known answers for the closed-form intervals and tests in explainer.analyses._stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, false_discovery_control

from explainer.analyses._stats import bh_adjust, fisher_pair_p, mover_ratio, newcombe_difference, wilson_interval

# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
NEWCOMBE_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_1998)
def test_newcombe_hybrid_score_matches_the_published_examples(counts, published):
    d, lo, hi = newcombe_difference(*counts)
    assert float(d) == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert round(float(lo), 4) == published[0] and round(float(hi), 4) == published[1]


@pytest.mark.parametrize(("k", "n"), [(0, 57), (2, 64), (57, 57), (1, 1), (13, 40), (500, 1000)])
def test_wilson_equals_scipy_and_is_never_zero_width(k, n):
    lo, hi = wilson_interval(k, n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert float(lo) == pytest.approx(ref.low, abs=1e-12) and float(hi) == pytest.approx(ref.high, abs=1e-12)
    assert float(hi) - float(lo) > 0
    assert float(lo) <= k / n <= float(hi)


def test_zero_of_57_against_2_of_64_is_not_a_gap_anyone_can_claim():
    # the case behind the issue: a zero cell used to give a "0.00 to 0.00" interval
    lo, hi = wilson_interval(0, 57)
    assert float(lo) == 0.0 and float(hi) == pytest.approx(0.0631, abs=1e-4)
    r, r_lo, r_hi = mover_ratio(0, 57, 2, 64)
    assert float(r) == 0.0 and float(r_lo) == 0.0 and float(r_hi) > 1.0
    # hand: the 2 selected fall both in the 64 (2016 of 7260 ways) or both in the 57 (1596 ways)
    assert float(fisher_pair_p(0, 57, 2, 64)[0]) == pytest.approx((2016 + 1596) / 7260)


def test_fisher_exact_known_answer():
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70
    assert float(fisher_pair_p(3, 4, 1, 4)[0]) == pytest.approx(34 / 70)


def test_mover_ratio_contains_its_estimate_and_covers():
    rng = np.random.default_rng(1)
    n1, n2 = rng.integers(1, 300, 5000), rng.integers(1, 300, 5000)
    k1, k2 = rng.integers(0, n1 + 1), np.maximum(1, rng.integers(0, n2 + 1))
    r, lo, hi = mover_ratio(k1, n1, k2, n2)
    assert ((lo <= r) & (r <= hi)).all()
    # coverage of the true ratio 0.5 (0.1 against 0.2, 60 in each group): near 95%
    x1, x2 = rng.binomial(60, 0.1, 4000), rng.binomial(60, 0.2, 4000)
    r, lo, hi = mover_ratio(x1, 60, x2, 60)
    covered = np.where(np.isfinite(r), (lo <= 0.5) & (hi >= 0.5), True)
    assert 0.93 <= covered.mean() <= 0.985


def test_benjamini_hochberg_published_example_and_scipy():
    # Benjamini and Hochberg (1995), section 4: at q = 0.05 the four smallest pass
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
         0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0]
    adj = bh_adjust(p)
    assert (adj <= 0.05).tolist() == [True] * 4 + [False] * 11
    assert np.allclose(adj, false_discovery_control(p, method="bh"))
    # NaN (untested) entries are neither counted nor adjusted
    with_nan = bh_adjust([0.01, np.nan, 0.04])
    assert np.isnan(with_nan[1]) and np.allclose(with_nan[[0, 2]], false_discovery_control([0.01, 0.04]))
