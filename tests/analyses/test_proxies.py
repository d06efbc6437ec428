"""Planted-truth tests for explainer.analyses._proxies."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from explainer.analyses._proxies import ProxyResult, find_proxies
from explainer.errors import InvalidInputError


def _row(res: ProxyResult, attr: str, col: str) -> pd.Series:
    t = res.table
    return t[(t["sensitive_feature"] == attr) & (t["column"] == col)].iloc[0]


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    gender = rng.choice(["f", "m"], n)
    # zone follows gender 85% of the time, else random among three zones
    zone = np.where(rng.random(n) < 0.85, np.where(gender == "f", "Z1", "Z2"),
                    rng.choice(["Z1", "Z2", "Z3"], n))
    # postcode: district tied to gender + a near-unique random suffix
    district = np.where(gender == "f", rng.choice(["AB1", "AB2", "AB7"], n),
                        rng.choice(["CD3", "CD4", "CD9"], n))
    suffix = [f"{rng.integers(0, 10)}{chr(65 + rng.integers(0, 26))}{chr(65 + rng.integers(0, 26))}"
              for _ in range(n)]
    return pd.DataFrame(
        {
            "zone": zone,
            "noise1": rng.normal(size=n),
            "noise2": rng.choice(list("abcde"), n),
            "postcode": [f"{d} {s}" for d, s in zip(district, suffix, strict=True)],
            "gender": gender,
        }
    )


@pytest.fixture(scope="module")
def planted_result(planted: pd.DataFrame) -> ProxyResult:
    return find_proxies(planted, ["gender"], random_state=0)


def test_planted_proxy_flagged_noise_not(planted_result: ProxyResult) -> None:
    res = planted_result
    zone = _row(res, "gender", "zone")
    # 85% follow gender, 15% random over 3 zones: best AUC = P(Z1|f) - P(Z1|m) ... ~0.9
    assert zone["auc"] > 0.8
    assert bool(zone["flagged"])
    assert zone["derivation"] == "categorical"
    for col in ("noise1", "noise2"):
        row = _row(res, "gender", col)
        assert row["auc"] < 0.6
        assert not bool(row["flagged"])
    assert _row(res, "gender", "noise2")["nmi"] < 0.01
    assert _row(res, "gender", "zone")["nmi"] > 0.3
    assert math.isnan(_row(res, "gender", "noise1")["nmi"])  # numeric: no NMI
    # The attribute itself is not a candidate when given by name.
    assert "gender" not in set(res.table["column"])
    assert ("gender", "zone") in res.flagged
    assert ("gender", "noise1") not in res.flagged


def test_high_cardinality_postcode_flagged_via_district(planted: pd.DataFrame,
                                                        planted_result: ProxyResult) -> None:
    assert planted["postcode"].nunique() > 1000  # near-unique, beyond the top-500 levels
    row = _row(planted_result, "gender", "postcode")
    # Districts separate genders exactly, so the district form reaches AUC ~1.
    assert row["auc"] > 0.95
    assert bool(row["flagged"])
    assert row["derivation"] == "first block before a space"


def test_numeric_proxy_matches_binormal_auc() -> None:
    # x ~ N(0, 1) for one group and N(1.5, 1) for the other: AUC = Phi(1.5 / sqrt 2) = 0.8556.
    rng = np.random.default_rng(3)
    n = 4000
    a = rng.integers(0, 2, n)
    X = pd.DataFrame({"x": rng.normal(size=n) + 1.5 * a})
    res = find_proxies(X, pd.Series(a, name="attr"))
    expected = 0.5 * (1 + math.erf(1.5 / math.sqrt(2) / math.sqrt(2)))
    assert _row(res, "attr", "x")["auc"] == pytest.approx(expected, abs=0.03)
    assert _row(res, "attr", "x")["n_rows"] == 4000


def test_encoded_block_replaces_raw_column(planted: pd.DataFrame) -> None:
    onehot = pd.get_dummies(planted["zone"]).to_numpy(dtype=float)
    res = find_proxies(planted, ["gender"], columns=["zone", "noise1"], encoded={"zone": onehot})
    row = _row(res, "gender", "zone")
    assert row["derivation"] == "encoded"
    assert row["auc"] > 0.8
    assert set(res.table["column"]) == {"zone", "noise1"}


def test_groups_deduplicate_entities() -> None:
    rng = np.random.default_rng(5)
    n_cust, n_items = 600, 5
    gender = rng.choice(["f", "m"], n_cust)
    zone = np.where(rng.random(n_cust) < 0.9, np.where(gender == "f", "Z1", "Z2"), "Z3")
    cust = np.repeat(np.arange(n_cust), n_items)
    X = pd.DataFrame({
        "zone": zone[cust],
        "item_price": rng.normal(size=n_cust * n_items),
        "gender": gender[cust],
    })
    res = find_proxies(X, ["gender"], groups=cust)
    zrow = _row(res, "gender", "zone")
    # customer-level column: one row per customer after deduplication
    assert zrow["n_rows"] == n_cust
    assert bool(zrow["flagged"])
    # item-level column varies within customer: all distinct (customer, value) rows kept
    assert _row(res, "gender", "item_price")["n_rows"] == n_cust * n_items
    assert not bool(_row(res, "gender", "item_price")["flagged"])
    assert res.method["grouped"] is True


def test_numeric_attribute_is_banded_and_seeded() -> None:
    rng = np.random.default_rng(8)
    n = 2000
    age = rng.integers(18, 90, n)
    X = pd.DataFrame({"years_customer": (age - 18) * 0.5 + rng.normal(size=n), "noise": rng.normal(size=n)})
    r1 = find_proxies(X, pd.DataFrame({"age": age}), random_state=1)
    r2 = find_proxies(X, pd.DataFrame({"age": age}), random_state=1)
    pd.testing.assert_frame_equal(r1.table, r2.table)
    assert _row(r1, "age", "years_customer")["auc"] > 0.9
    assert not bool(_row(r1, "age", "noise")["flagged"])


def test_absent_sensitive_column_error(planted: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError,
                       match=r"sensitive_features must name columns of X\. Got \['religion'\]"):
        find_proxies(planted, ["gender", "religion"])


def test_other_errors(planted: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="columns must name columns of X. Got \\['nope'\\]"):
        find_proxies(planted, ["gender"], columns=["nope"])
    with pytest.raises(InvalidInputError, match="sensitive_features column 'one' must have at least two groups. Got 1"):
        find_proxies(planted, pd.DataFrame({"one": ["x"] * len(planted)}))
    with pytest.raises(InvalidInputError, match="sensitive_features must have one row per row of X. Got 3 rows"):
        find_proxies(planted, pd.Series(["a", "b", "a"], name="s"))
    with pytest.raises(InvalidInputError, match="encoded\\['zone'\\] must have one row per row of X"):
        find_proxies(planted, ["gender"], encoded={"zone": np.zeros((5, 2))})


def test_to_dict_json(planted_result: ProxyResult) -> None:
    d = json.loads(json.dumps(planted_result.to_dict(), allow_nan=False))
    assert d["threshold"] == 0.65
    assert ["gender", "zone"] in d["flagged"]
    noise1 = next(r for r in d["table"] if r["column"] == "noise1")
    assert noise1["nmi"] is None
    assert planted_result.to_frame().equals(planted_result.table)
