from __future__ import annotations

import pandas as pd
import pytest

from explainer.demo import CATEGORIES, make_retail_demo
from explainer.errors import InvalidInputError


def test_same_seed_same_data_other_seed_other_data():
    a = make_retail_demo(300, random_state=3)
    b = make_retail_demo(300, random_state=3)
    c = make_retail_demo(300, random_state=4)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    assert not a.customers["email"].equals(c.customers["email"])


def test_shape_and_columns():
    d = make_retail_demo(400, random_state=0)
    need = {"customer_id", "full_name", "email", "phone", "date_of_birth", "gender", "postcode", "income_band",
            "pet_name", "marketing_consent", "loyalty_tenure_months", "device", "ethnicity"}
    assert need <= set(d.customers.columns)
    assert {f"purchases_{c}" for c in CATEGORIES} <= set(d.customers.columns)
    assert {f"browse_minutes_{c}" for c in CATEGORIES} <= set(d.customers.columns)
    rows = d.interactions()
    assert len(rows) == 400 * len(CATEGORIES)
    assert rows["bought"].isin([0, 1]).all()
    assert d.customers["customer_id"].is_unique


def test_planted_disparity_and_proxy_exist_in_the_raw_data():
    d = make_retail_demo(6000, random_state=1)
    c = d.customers
    senior = c["age_band"] == "65+"
    assert c.loc[senior, "purchases_electronics"].mean() < 0.6 * c.loc[~senior, "purchases_electronics"].mean()
    district = c["postcode"].str.split(" ").str[0]
    share_white = c.assign(d=district).groupby("d")["ethnicity"].apply(lambda s: (s == "White").mean())
    assert share_white.max() - share_white.min() > 0.4


@pytest.mark.parametrize("bad", [10, 0, -5, 2.5, "many", True])
def test_bad_size_is_refused(bad):
    with pytest.raises(InvalidInputError, match="n_customers must"):
        make_retail_demo(bad)
