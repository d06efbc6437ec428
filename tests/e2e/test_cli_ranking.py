"""`explainer audit --task ranking` end to end on a saved recommender, with a hand-computed hit rate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from explainer.cli import main

INPUTS = ["category", "category_purchases_90d", "category_browse_minutes_90d", "income_band"]


@pytest.fixture(scope="module")
def ranking_files(recommender, tmp_path_factory):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    import explainer as ex

    d = tmp_path_factory.mktemp("ranking")
    train = recommender.train
    pipe = Pipeline([("prep", ColumnTransformer([("oh", OneHotEncoder(sparse_output=False), ["category", "income_band"])],
                                                remainder="passthrough")),
                     ("model", HistGradientBoostingClassifier(max_iter=40, random_state=0))])
    pipe.fit(train[INPUTS], train["bought"])
    ex.save_model(pipe, d / "recommender.skops")
    data = recommender.test.iloc[: 8 * 400]  # 400 customers x 8 categories
    data.to_csv(d / "rows.csv", index=False)
    return d, pipe, data


def test_ranking_audit_from_the_command_line(ranking_files, capsys):
    d, pipe, data = ranking_files
    rc = main(["audit", str(d / "rows.csv"), "--model", str(d / "recommender.skops"), "--task", "ranking",
               "--user-id", "customer_id", "--item-id", "category", "--k", "2", "--target", "bought",
               "--sensitive", "age_band", "--out", str(d / "out"), "--quiet", "--n-boot", "30",
               "--sample-size", "600", "--n-jobs", "2",
               "--trust-type", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"])
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((d / "out" / "audit.json").read_text())
    assert doc["model"]["task"] == "ranking" and doc["model"]["k"] == 2
    assert (doc["model"]["user_id"], doc["model"]["item_id"]) == ("customer_id", "category")
    assert doc["model"]["output_unit"] == doc["explanation"]["unit"] == "log-odds"

    # hand-computed hit rate at 2: each customer's two best-scored categories, any of them bought
    scored = pd.read_csv(d / "rows.csv")
    scored["score"] = pipe.predict_proba(scored[INPUTS])[:, 1]
    hits = []
    for _, g in scored.groupby("customer_id", sort=False):
        if g["bought"].sum() == 0:
            continue
        top = g.sort_values("score", ascending=False, kind="stable").head(2)
        hits.append(float(top["bought"].sum() > 0))
    assert doc["model"]["metrics"]["users_evaluated"] == len(hits)
    assert doc["model"]["metrics"]["hit_rate_at_2"] == pytest.approx(np.mean(hits), abs=1e-9)

    roles = {f["column"]: f for f in doc["features"]}
    assert roles["customer_id"]["role"] == "identifier" and not roles["customer_id"]["used_by_model"]
    assert roles["category"]["role"] == "item" and roles["category"]["used_by_model"]
    params = doc["main_parameters"]
    assert [p["rank"] for p in params] == list(range(1, len(params) + 1))
    shares = [p["importance_share"] for p in params]
    assert shares == sorted(shares, reverse=True) and sum(shares) == pytest.approx(1.0, abs=1e-6)
    assert {"item", "behavioural"} <= {p["category"] for p in params}
    assert doc["fairness"]["exposure"]  # exposure of each item by age band was measured


def test_why_for_one_row_from_the_command_line(ranking_files, capsys):
    d, pipe, data = ranking_files
    args = ["why", str(d / "rows.csv"), "--model", str(d / "recommender.skops"), "--task", "ranking",
            "--user-id", "customer_id", "--item-id", "category", "--k", "2", "--row", "5",
            "--trust-type", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
            "--out", str(d / "why.html")]
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    item = str(data["category"].iloc[5])
    html = (d / "why.html").read_text(encoding="utf-8")
    assert f"{item}" in html.split("<h1>")[1].split("</h1>")[0]
    assert "The main reasons:" in out and "wrote" in out
    # the page is not replaced without --force; a customer that is not there is one clear line
    assert main(args) == 2 and "--force" in capsys.readouterr().err
    assert main(args[:-1] + [str(d / "why2.html"), "--quiet"]) == 0
    assert (d / "why2.html").read_text(encoding="utf-8") == html  # same row, same seed: same page
    bad = [a if a != "--row" else "--customer" for a in args[:-1]] + [str(d / "why3.html")]
    bad[bad.index("--customer") + 1] = "nobody"
    capsys.readouterr()
    assert main(bad + ["--item", item]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "customer must be a value of the 'customer_id' column" in err[0]
    assert not (d / "why3.html").exists()
