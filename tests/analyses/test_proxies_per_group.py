"""Proxies scored per sensitive group, with false-discovery control, on data of another domain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from nulldata import occupations

from explainer.analyses._proxies import find_proxies


@pytest.fixture(scope="module")
def occ():
    df = occupations(3000, seed=1)
    return find_proxies(df[["occupation", "age", "shoe_size"]], df[["age_band"]], random_state=0)


def _row(res, column):
    return res.table.set_index("column").loc[column]


def test_a_column_that_predicts_two_of_four_bands_is_flagged_naming_them(occ):
    row = _row(occ, "occupation")
    # averaged over the four bands it stays under the line: a mean would miss it
    assert row["auc"] < 0.65
    assert bool(row["flagged"])
    assert set(row["flagged_groups"].split(", ")) == {"under 25", "55+"}
    g = occ.by_group[occ.by_group["column"] == "occupation"].set_index("group")
    assert (g.loc[["under 25", "55+"], "auc"] > 0.65).all()
    assert (g.loc[["25-39", "40-54"], "auc"] < 0.65).all()
    assert not g.loc[["25-39", "40-54"], "flagged"].any()
    # each group's interval contains its AUC; sizes are the groups' members
    assert ((g["ci_low"] <= g["auc"]) & (g["auc"] <= g["ci_high"])).all()
    assert g["n"].sum() == 3000


def test_an_attribute_cut_from_an_input_is_reported_as_derived(occ):
    row = _row(occ, "age")
    assert bool(row["derived_attribute"]) and not bool(row["flagged"])
    g = occ.by_group[occ.by_group["column"] == "age"]
    assert g["p_value"].isna().all() and not g["flagged"].any()


def test_noise_is_not_flagged_and_adjusted_p_values_are_benjamini_hochberg(occ):
    assert not bool(_row(occ, "shoe_size")["flagged"])
    from scipy.stats import false_discovery_control

    bg = occ.by_group
    tested = bg["p_value"].notna()
    assert np.allclose(bg.loc[tested, "p_adjusted"], false_discovery_control(bg.loc[tested, "p_value"]))
    assert occ.method["fdr_level"] == 0.05 and "Benjamini-Hochberg" in occ.method["multiple_comparisons"]


def test_many_small_levels_are_not_lumped_together():
    # 100 clubs of 8 members, each club 90% one group: a large minimum leaf would merge them
    rng = np.random.default_rng(4)
    club = np.repeat(np.arange(100), 8)
    side = rng.integers(0, 2, 100)[club]
    group = np.where(rng.random(len(club)) < 0.9, side, 1 - side)
    X = pd.DataFrame({"club": [f"club {c:03d}" for c in club]})
    res = find_proxies(X, pd.DataFrame({"g": np.array(["a", "b"])[group]}), random_state=0)
    row = res.table.iloc[0]
    assert row["auc"] > 0.8 and bool(row["flagged"])
    assert "target encoding" in res.method["categorical"]


def test_a_group_too_small_to_judge_cannot_flag():
    rng = np.random.default_rng(2)
    n = 2000
    g = np.where(rng.random(n) < 0.01, "rare", np.where(rng.random(n) < 0.5, "a", "b"))
    x = np.where(g == "rare", "marker", rng.choice(["p", "q", "r"], n))  # reveals the rare group exactly
    res = find_proxies(pd.DataFrame({"x": x}), pd.DataFrame({"g": g}), min_group_size=30, random_state=0)
    bg = res.by_group.set_index("group")
    assert bg.loc["rare", "n"] < 30 and bool(bg.loc["rare", "too_few_to_judge"])
    assert not bool(res.table.iloc[0]["flagged"])
