"""Error slices find a planted weak spot, stay quiet on noise, and count by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainer.analyses._slices import error_slices
from explainer.errors import InvalidInputError


def hiring(n: int, seed: int, planted: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Applicants; with ``planted``, the model errs on 45% of night-shift applicants over 55, else 10%."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"years_experience": rng.integers(0, 40, n), "age": rng.integers(18, 70, n),
                       "shift": rng.choice(["day", "night", "weekend"], n), "degree": rng.choice(["yes", "no"], n)})
    weak = planted & (df["shift"] == "night").to_numpy() & (df["age"] > 55).to_numpy()
    errors = rng.random(n) < np.where(weak, 0.45, 0.10)
    return df, errors


def test_a_planted_weak_spot_is_found_and_named():
    df, errors = hiring(6000, 0, planted=True)
    r = error_slices(df, errors, bins=4)
    top = r.reported.iloc[0]
    assert "shift = night" in top["slice"] and "age" in top["slice"]
    assert top["ci_low"] > r.overall_rate and top["p_adjusted"] <= 0.05
    assert set(r.reported["slice"]).isdisjoint({"degree = yes", "degree = no"})


def test_noise_gives_no_reported_slice_in_most_runs():
    reported = [len(error_slices(*hiring(3000, seed, planted=False), bins=4).reported) for seed in range(20)]
    # Benjamini-Hochberg at 5% over all slices: at most 2 of 20 pure-noise runs may report anything
    assert sum(n > 0 for n in reported) <= 2


def test_counts_by_hand_and_small_slices_left_out():
    df = pd.DataFrame({"plan": ["basic"] * 40 + ["premium"] * 40 + ["trial"] * 5})
    errors = np.r_[np.ones(20), np.zeros(20), np.ones(4), np.zeros(36), np.ones(5)].astype(bool)
    r = error_slices(df, errors, bins=5, pairs=False, min_size=30)
    t = r.slices.set_index("slice")
    assert set(t.index) == {"plan = basic", "plan = premium"}  # 5 trial customers: too few to judge
    assert t.loc["plan = basic", "errors"] == 20 and t.loc["plan = basic", "n"] == 40
    assert t.loc["plan = basic", "rest_rate"] == pytest.approx(9 / 45)
    assert r.overall_rate == pytest.approx(29 / 85)
    with pytest.raises(InvalidInputError, match="errors must hold one value per row"):
        error_slices(df, errors[:10])
