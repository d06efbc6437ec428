"""A recommender's group sizes count customers, not customer x item rows.

A group of 3 customers with 8 items each is 3 people: with a minimum group size of 10 it is
too few to judge (24 rows would pass), in the reviewer outputs, in audit.json and in the
public disclosure, and so is every intersection it falls in.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import explainer as ex
from explainer.analyses._group_metrics import GroupCounts, group_counts, group_metrics_from_counts

SMALL = "Nonbinaryish"  # given to 3 customers
N_ITEMS = 8
MIN = 10


def _rows(n_customers: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    i = np.arange(n_customers)
    gender = np.where(i < 3, SMALL, np.where(i % 2 == 0, "female", "male"))
    region = np.where(i < 3, "south", rng.choice(["north", "south"], n_customers))
    df = pd.DataFrame({
        "customer_id": np.repeat(1000 + i, N_ITEMS),
        "item": np.tile([f"item{j}" for j in range(N_ITEMS)], n_customers),
        "gender": np.repeat(gender, N_ITEMS),
        "region": np.repeat(region, N_ITEMS),
        "visits": rng.poisson(3, n_customers * N_ITEMS),
    })
    df["bought"] = (rng.random(len(df)) < 1 / (1 + np.exp(-(df["visits"] - 3)))).astype(int)
    return df


def test_group_counts_count_distinct_customers_and_add_up_over_parts_split_by_customer():
    df = _rows()
    y, d = df["bought"].to_numpy(), (df["visits"] > 3).astype(int).to_numpy()
    sf = df[["gender", "region"]]
    whole = group_counts(y, d, sensitive_features=sf, user_ids=df["customer_id"])
    t = whole.table.set_index(["feature", "group"])
    assert t.loc[("gender", SMALL), "n"] == 3 * N_ITEMS
    assert t.loc[("gender", SMALL), "n_units"] == 3
    by_hand = df.drop_duplicates("customer_id").groupby(["gender", "region"]).size()
    for (g, r), n in by_hand.items():
        assert t.loc[("gender × region", f"{g} | {r}"), "n_units"] == n
    # parts split by customer add up to the whole
    half = df["customer_id"] < 1040
    parts = [group_counts(y[m], d[m], sensitive_features=sf[m].reset_index(drop=True),
                          user_ids=df.loc[m, "customer_id"]) for m in (half.to_numpy(), ~half.to_numpy())]
    merged = GroupCounts.merge(parts).table.set_index(["feature", "group"])
    assert merged["n_units"].sort_index().tolist() == t["n_units"].sort_index().tolist()

    res = group_metrics_from_counts(whole, min_group_size=MIN, n_boot=50)
    bg = res.by_group
    small = bg[(bg["feature"] == "gender") & (bg["group"] == SMALL)]
    assert small["too_few_to_judge"].all() and (small["n"] == 3).all()
    assert small.loc[small["metric"] == "count", "value"].item() == 3 * N_ITEMS  # the count metric stays rows
    assert res.method["group_size_unit"] == "customers"
    # without customer ids the same rows count 24 and pass the minimum: the reason for user_ids
    rows_only = group_metrics_from_counts(group_counts(y, d, sensitive_features=sf), min_group_size=MIN, n_boot=50)
    b2 = rows_only.by_group
    assert not b2[(b2["feature"] == "gender") & (b2["group"] == SMALL)]["too_few_to_judge"].any()
    assert rows_only.method["group_size_unit"] == "rows"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    df = _rows()
    pipe = Pipeline([
        ("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), ["item"]),
                                    ("num", "passthrough", ["visits"])])),
        ("clf", LogisticRegression(max_iter=500)),
    ]).fit(df[["item", "visits"]], df["bought"])
    a = ex.audit(pipe, df, target="bought", sensitive_features=["gender", "region"], task="ranking",
                 user_id="customer_id", item_id="item", k=3, min_group_size=MIN, sample_size=200, n_boot=50,
                 quasi_identifiers=[], refit=False)
    out = tmp_path_factory.mktemp("small") / "reports"
    a.to_html(out)
    return df, a, out


def test_audit_json_marks_the_three_customer_group_too_few_to_judge(reports):
    df, a, out = reports
    doc = json.loads((out / "audit.json").read_text())
    customers = df.drop_duplicates("customer_id")
    assert doc["fairness"]["method"]["group_size_unit"] == "customers"
    for feat in ("gender", "region", "gender × region"):
        cols = feat.split(" × ")
        sizes = customers.groupby(cols).size()
        for g in doc["fairness"]["by_feature"][feat]["groups"]:
            key = tuple(g["group"].split(" | ")) if len(cols) > 1 else g["group"]
            assert g["n"] == sizes[key]  # customers, counted by hand
            assert g["too_few_to_judge"] == (sizes[key] < MIN)
            if g["too_few_to_judge"]:
                assert g["metrics"] == {}
    small = {g["group"] for b in doc["fairness"]["by_feature"].values() for g in b["groups"] if g["too_few_to_judge"]}
    assert small == {SMALL, f"{SMALL} | south"}
    for rec in doc["fairness"]["exposure"] + doc["fairness"]["quality"]:
        if SMALL in str(rec["group"]):
            assert rec["too_few_to_judge"] and rec["ci_low"] is None
    for gap in doc["fairness"]["exposure_gaps"]:
        assert SMALL not in (gap["low_group"], gap["high_group"])


def test_reviewer_report_says_customers_and_marks_the_group(reports):
    _, _, out = reports
    html = (out / "audit.html").read_text()
    assert f"Groups smaller than {MIN} customers are marked" in html
    row = html[html.index(f"<tr><td>{SMALL}</td>"):]
    row = row[: row.index("</tr>")]
    assert "<td class=\"num\">3</td>" in row and "too few to judge" in row


def test_disclosure_never_names_the_group(reports):
    _, _, out = reports
    html = (out / "disclosure.html").read_text()
    assert SMALL.lower() not in html.lower()
    assert f"Groups with fewer than {MIN} people are left out" in html
