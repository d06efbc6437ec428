"""Re-identification risk: k-anonymity, l-diversity and greedy generalisation, known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from explainer.analyses._privacy import ReidentificationResult, reidentification_risk
from explainer.errors import InvalidInputError

BROAD = "date_of_birth to broad age bands (under 18, 18-29, 30-44, 45-64, 65+)"


def _table() -> pd.DataFrame:
    """Ten people. Classes over (date_of_birth, sex): {0,1,2}, {3,4}, {5,6}, {7}, {8}, {9}."""
    return pd.DataFrame(
        {
            "date_of_birth": pd.to_datetime(
                [
                    "1980-01-10", "1980-01-10", "1980-01-10",
                    "1985-05-05", "1985-05-05",
                    "1990-02-02", "1990-02-02",
                    "1988-03-03", "1995-07-07", "2001-09-09",
                ]
            ),
            "sex": ["F", "F", "F", "F", "F", "M", "M", "F", "M", "M"],
            "diagnosis": ["flu", "cold", "flu", "flu", "flu", "asthma", "asthma", "flu", "cold", "flu"],
        }
    )


def test_k_unique_share_and_class_sizes_by_hand() -> None:
    r = reidentification_risk(
        _table(), quasi_identifiers=["date_of_birth", "sex"], k_threshold=3, generalise=False
    )
    assert r.k == 1
    assert r.n_rows == 10 and r.n_classes == 6
    assert r.n_unique == 3
    assert r.unique_share == pytest.approx(0.3)
    # classes of size 1, 1, 1, 2, 2 hold 7 of 10 rows: all below k_threshold=3
    assert r.share_below_threshold == pytest.approx(0.7)
    assert r.class_size_distribution == {1: 3, 2: 2, 3: 1}
    assert r.suggestions == ()
    assert r.reached_threshold is False


def test_l_diversity_by_hand() -> None:
    r = reidentification_risk(
        _table(), quasi_identifiers=["date_of_birth", "sex"], sensitive_columns=["diagnosis"],
        generalise=False,
    )
    # class {3,4} has only "flu" -> l = 1; single rows also have one value
    assert r.l_diversity == {"diagnosis": 1}
    assert r.entropy_l_diversity == {"diagnosis": pytest.approx(1.0)}
    # with sex alone: F rows {0,1,2,3,4,7} have flu, cold -> 2; M rows {5,6,8,9} asthma, cold, flu -> 3
    r2 = reidentification_risk(
        _table(), quasi_identifiers=["sex"], sensitive_columns=["diagnosis"], generalise=False
    )
    assert r2.l_diversity == {"diagnosis": 2}
    # F: flu 5/6, cold 1/6; M: asthma 2/4, cold 1/4, flu 1/4. The F class has the lower entropy.
    h_f = -(5 / 6 * math.log(5 / 6) + 1 / 6 * math.log(1 / 6))
    assert r2.entropy_l_diversity["diagnosis"] == pytest.approx(math.exp(h_f))


def test_entropy_l_by_hand() -> None:
    df = pd.DataFrame({"a": list("xxxyyy"), "s": list("pqrppq")})
    r = reidentification_risk(df, quasi_identifiers=["a"], sensitive_columns=["s"], generalise=False)
    assert r.l_diversity == {"s": 2}
    # class y: p 2/3, q 1/3
    assert r.entropy_l_diversity["s"] == pytest.approx(3 ** (1 / 3) * 1.5 ** (2 / 3))
    r_no = reidentification_risk(
        df, quasi_identifiers=["a"], sensitive_columns=["s"], generalise=False, entropy_l_diversity=False
    )
    assert r_no.entropy_l_diversity == {}


def test_date_of_birth_generalised_stepwise_to_hand_computed_k() -> None:
    r = reidentification_risk(
        _table(), quasi_identifiers=["date_of_birth", "sex"], k_threshold=3,
        reference_date="2020-01-01",
    )
    assert r.generaliser_kinds == {"date_of_birth": "date_of_birth", "sex": "category"}
    assert [s.description for s in r.suggestions] == [
        "date_of_birth to year of birth",
        "date_of_birth to 10-year age bands",
        BROAD,
    ]
    # year of birth: same classes as the dates. 10-year bands at 2020-01-01: (30-39, F) x6,
    # (20-29, M) x3, (10-19, M) x1. Broad bands: (30-44, F) x6, (18-29, M) x4.
    assert [s.k_after for s in r.suggestions] == [1, 1, 4]
    assert [s.unique_share_after for s in r.suggestions] == pytest.approx([0.3, 0.1, 0.0])
    assert [s.n_classes_after for s in r.suggestions] == [6, 3, 2]
    assert r.reached_threshold is True
    assert r.reference_date == "2020-01-01"
    # the risk as given is unchanged by the suggestions
    assert r.k == 1 and r.unique_share == pytest.approx(0.3)


def test_without_reference_date_dates_of_birth_go_to_birth_cohorts_by_hand() -> None:
    r = reidentification_risk(_table(), quasi_identifiers=["date_of_birth", "sex"], k_threshold=3)
    assert [s.description for s in r.suggestions] == [
        "date_of_birth to year of birth",
        "date_of_birth to decade of birth (10-year birth cohorts)",
        "date_of_birth to 20-year birth cohorts (two decades of birth together)",
    ]
    # decades: (1980s, F) rows 0-4 and 7, (1990s, M) rows 5, 6, 8, (2000s, M) row 9.
    # 20-year cohorts 1980-1999 and 2000-2019 give the same three classes.
    assert [s.k_after for s in r.suggestions] == [1, 1, 1]
    assert [s.unique_share_after for s in r.suggestions] == pytest.approx([0.3, 0.1, 0.1])
    assert [s.n_classes_after for s in r.suggestions] == [6, 3, 3]
    assert r.reached_threshold is False
    assert r.reference_date is None
    assert any("do not depend on the day" in n for n in r.notes)
    # 20-year cohorts start at years divisible by 20: 1979 and 1980 fall apart, 1980 and 1999 together
    df = pd.DataFrame({"date_of_birth": pd.to_datetime(["1979-12-31", "1980-01-01", "1999-12-31", "1999-06-01"])})
    r2 = reidentification_risk(df, quasi_identifiers=["date_of_birth"], k_threshold=3)
    assert [s.n_classes_after for s in r2.suggestions] == [3, 3, 2]  # decades: 1970s, 1980s, 1990s
    assert [s.k_after for s in r2.suggestions] == [1, 1, 1]
    assert r2.class_size_distribution == {1: 4}


def test_dates_of_birth_as_iso_strings_are_recognised() -> None:
    df = _table()
    df["date_of_birth"] = df["date_of_birth"].dt.strftime("%Y-%m-%d")
    r = reidentification_risk(
        df, quasi_identifiers=["date_of_birth", "sex"], k_threshold=3, reference_date="2020-01-01"
    )
    assert r.generaliser_kinds["date_of_birth"] == "date_of_birth"
    assert [s.k_after for s in r.suggestions] == [1, 1, 4]


def test_greedy_picks_the_step_that_raises_k_most() -> None:
    df = pd.DataFrame(
        {
            "age": [20, 21, 22, 23, 40, 41, 42, 43],
            "postcode": [
                "SW1A 1AA", "SW1A 2AA", "SW1A 1AB", "SW1A 2BB",
                "M1 1AE", "M1 2AE", "M1 3AE", "M1 4AE",
            ],
        }
    )
    r = reidentification_risk(df, quasi_identifiers=["age", "postcode"], k_threshold=4)
    assert r.generaliser_kinds == {"age": "age", "postcode": "postcode"}
    # step 1: every candidate leaves all rows unique; the tie goes to the first column.
    # step 2: postcode sectors halve the unique rows (age 10-year bands would not).
    # step 3: postcode districts give k = 4, age 10-year bands would give k = 1.
    assert [(s.column, s.k_after, s.unique_share_after) for s in r.suggestions] == [
        ("age", 1, 1.0),
        ("postcode", 1, 0.5),
        ("postcode", 4, 0.0),
    ]
    assert r.suggestions[0].description == "age to 5-year age bands"
    assert r.suggestions[1].description.startswith("postcode to postcode sector")
    assert r.suggestions[2].description == "postcode to postcode district (outward code)"


def test_us_zip_ladder_and_numeric_zip() -> None:
    df = pd.DataFrame({"zip": [94105, 94107, 94110, 2139, 2140, 2141]})
    r = reidentification_risk(df, quasi_identifiers=["zip"], k_threshold=3)
    assert r.generaliser_kinds == {"zip": "postcode"}
    assert [(s.description, s.k_after) for s in r.suggestions] == [("zip to 3-digit ZIP prefix", 3)]


def test_missing_values_are_a_value_of_their_own() -> None:
    df = pd.DataFrame({"a": ["x", None, None, "y"], "b": [1.0, np.nan, np.nan, 2.0]})
    r = reidentification_risk(df, quasi_identifiers=["a", "b"], generalise=False)
    assert r.class_size_distribution == {1: 2, 2: 1}
    assert r.k == 1
    assert r.missing_counts == {"a": 2, "b": 2}
    assert any("missing value is treated as a value of its own" in n for n in r.notes)


def test_no_step_left_is_reported() -> None:
    df = pd.DataFrame({"sex": ["F", "M", "M"], "flag": [True, False, False]})
    r = reidentification_risk(df, quasi_identifiers=["sex", "flag"], k_threshold=2)
    assert r.k == 1 and r.suggestions == () and r.reached_threshold is False
    assert any("No built-in generaliser fits sex, flag" in n for n in r.notes)


def test_column_kinds_override() -> None:
    df = pd.DataFrame({"age": [20, 21, 40, 41]})
    r = reidentification_risk(df, quasi_identifiers=["age"], k_threshold=2, column_kinds={"age": "none"})
    assert r.suggestions == () and r.generaliser_kinds == {"age": "none"}
    with pytest.raises(InvalidInputError, match="column_kinds values must be one of"):
        reidentification_risk(df, quasi_identifiers=["age"], column_kinds={"age": "zodiac"})  # type: ignore[dict-item]


def test_numeric_and_category_ladders() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "income": rng.normal(30000, 8000, size=400).round(),
            "city": rng.choice([f"c{i}" for i in range(30)], size=400),
        }
    )
    r = reidentification_risk(df, quasi_identifiers=["income", "city"], k_threshold=5)
    assert r.generaliser_kinds == {"income": "numeric", "city": "category"}
    descriptions = {s.description for s in r.suggestions}
    assert descriptions <= {
        "income to 10 quantile bins", "income to 5 quantile bins", "income to 3 quantile bins",
        "city to its 10 most common values plus 'other'", "city to its 5 most common values plus 'other'",
        "city to its 2 most common values plus 'other'",
    }
    assert r.reached_threshold
    # check the final k against a brute-force groupby of the same coarsening
    from explainer.inventory import generalise_category, generalise_numeric

    lv = {"income": 0, "city": 0}
    for s in r.suggestions:
        lv[s.column] += 1
    inc = generalise_numeric(df["income"], [10, 5, 3][lv["income"] - 1]) if lv["income"] else df["income"]
    city = generalise_category(df["city"], [10, 5, 2][lv["city"] - 1]) if lv["city"] else df["city"]
    sizes = pd.DataFrame({"i": inc, "c": city}).groupby(["i", "c"], dropna=False).size()
    assert r.suggestions[-1].k_after == int(sizes.min())


def test_matches_brute_force_groupby_including_wide_keys() -> None:
    rng = np.random.default_rng(0)
    n = 20000
    df = pd.DataFrame({f"q{i}": rng.integers(0, 9000, size=n) for i in range(5)})
    df["low"] = rng.choice(["a", "b", None], size=n)
    df.loc[:50, ["q0", "q1", "q2", "q3", "q4"]] = 1  # 51 identical rows -> one class of 51
    for qis in (["low"], ["q0", "low"], ["q0", "q1", "q2", "q3", "q4", "low"]):
        r = reidentification_risk(df, quasi_identifiers=qis, generalise=False)
        sizes = df.groupby(qis, dropna=False).size().to_numpy()
        assert r.k == sizes.min()
        assert r.n_classes == len(sizes)
        assert r.unique_share == pytest.approx((sizes == 1).sum() / n)
        vals, counts = np.unique(sizes, return_counts=True)
        assert r.class_size_distribution == dict(zip(vals.tolist(), counts.tolist()))


def test_outputs_hold_no_values() -> None:
    df = _table()
    r = reidentification_risk(
        df, quasi_identifiers=["date_of_birth", "sex"], sensitive_columns=["diagnosis"],
        k_threshold=3, reference_date="2020-01-01",
    )
    text = json.dumps(r.to_dict()) + r.to_frame().to_string() + repr(r.suggestions)
    for value in ("1980", "1985", "1990-02", "flu", "asthma", "cold"):
        assert value not in text
    frame = r.to_frame()
    assert list(frame.columns) == [
        "step", "column", "change", "k", "unique_share", "share_below_threshold", "n_classes"
    ]
    assert frame["k"].tolist() == [1, 1, 1, 4]
    assert frame["change"].iloc[0] == "as given"
    assert isinstance(r, ReidentificationResult)


def test_errors_name_columns_not_values() -> None:
    df = _table()
    with pytest.raises(InvalidInputError, match="quasi_identifiers must name columns of df") as err:
        reidentification_risk(df, quasi_identifiers=["sex", "postcode", "zip"])
    assert "'postcode'" in str(err.value) and "'zip'" in str(err.value) and "2 in all" in str(err.value)
    assert "flu" not in str(err.value) and "F'" not in str(err.value)
    with pytest.raises(InvalidInputError, match="quasi_identifiers must name at least one column"):
        reidentification_risk(df, quasi_identifiers=[])
    with pytest.raises(InvalidInputError, match="sensitive_columns must name columns of df"):
        reidentification_risk(df, quasi_identifiers=["sex"], sensitive_columns=["religion"])
    with pytest.raises(InvalidInputError, match="sensitive_columns must not also be quasi_identifiers"):
        reidentification_risk(df, quasi_identifiers=["sex"], sensitive_columns=["sex"])
    with pytest.raises(InvalidInputError, match="k_threshold must be an integer of at least 1"):
        reidentification_risk(df, quasi_identifiers=["sex"], k_threshold=0)
    with pytest.raises(InvalidInputError, match="df must have at least one row"):
        reidentification_risk(df.iloc[:0], quasi_identifiers=["sex"])


def test_missing_sensitive_values_are_noted_and_counted_as_one_value() -> None:
    df = pd.DataFrame({"a": list("xxyy"), "s": ["p", None, None, None]})
    r = reidentification_risk(df, quasi_identifiers=["a"], sensitive_columns=["s"], generalise=False)
    # class x: p and missing -> 2; class y: only missing -> 1
    assert r.l_diversity == {"s": 1}
    assert any("Missing values in s count as one distinct sensitive value" in n for n in r.notes)
