"""True on any data: a credit book and a streaming recommender, with their own column names.

Known answers: the outcome column's coding, the model's output scale, the number of items
per customer and the forgotten outcome column are planted, and each check must say so with
counts, never values.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import explainer as ex
from explainer.cli import main

FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100", "--no-refit"]
INPUTS = ["income_k", "debt_ratio", "years_employed", "region"]


def credit(n: int = 600, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "loan_ref": np.arange(500_000, 500_000 + n),
        "income_k": rng.gamma(3.0, 15.0, n).round(1),
        "debt_ratio": rng.uniform(0, 0.8, n).round(3),
        "years_employed": rng.integers(0, 30, n),
        "region": rng.choice(["north", "south", "west"], n),
        "sex": rng.choice(["f", "m"], n),
    })
    logit = 0.04 * (df["income_k"] - 45) - 4 * (df["debt_ratio"] - 0.4) + 0.03 * df["years_employed"]
    df["repaid"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("credit")
    df = credit()
    pipe = Pipeline([
        ("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), ["region"]),
                                    ("num", StandardScaler(), ["income_k", "debt_ratio", "years_employed"])])),
        ("clf", LogisticRegression(max_iter=500)),
    ]).fit(df[INPUTS], df["repaid"])
    ex.save_model(pipe, root / "model.skops")
    return root, df, pipe


def run(root, df: pd.DataFrame, name: str, *extra: str, capsys=None) -> tuple[int, str]:
    df.to_csv(root / f"{name}.csv", index=False)
    if capsys is not None:
        capsys.readouterr()
    rc = main(["audit", str(root / f"{name}.csv"), "--model", str(root / "model.skops"), "--out",
               str(root / f"out_{name}"), *FAST, *extra])
    err = capsys.readouterr().err if capsys is not None else ""
    return rc, err


# --- item 7: the target and the model's scale ------------------------------------------------
def test_target_coded_5_and_7_is_refused_with_counts(book, capsys):
    root, df, _ = book
    coded = df.assign(repaid=df["repaid"].map({0: 5, 1: 7}))
    n1 = int(df["repaid"].sum())
    rc, err = run(root, coded, "five_seven", "--target", "repaid", "--sensitive", "sex", capsys=capsys)
    assert rc == 2 and not (root / "out_five_seven").exists()
    assert err.strip() == (
        f"explainer: target column 'repaid' must hold 0 and 1 for a yes/no model. Got 2 distinct values (rows per "
        f"value: {max(n1, 600 - n1)}, {min(n1, 600 - n1)}). Recode it to 0/1, with 1 for the outcome the model "
        "scores.")


def test_target_with_a_third_value_is_refused_not_skipped(book, capsys):
    root, df, _ = book
    three = df.assign(repaid=df["repaid"].where(df.index % 50 != 0, 2))  # 12 rows hold a 2
    rc, err = run(root, three, "three", "--target", "repaid", "--sensitive", "sex", capsys=capsys)
    assert rc == 2
    assert "Got 3 distinct values (rows per value: " in err and ", 12). Recode it to 0/1" in err


def test_infinite_target_is_bad_input_not_a_crash(book, capsys):
    root, df, _ = book
    inf = df.assign(repaid=df["repaid"].astype(float).where(df.index % 100 != 0, np.inf))
    rc, err = run(root, inf, "inf", "--target", "repaid", capsys=capsys)
    assert rc == 2
    assert "target column 'repaid' must hold finite numbers. Got 6 infinite value(s)" in err
    assert len(err.strip().splitlines()) == 1


def test_true_false_target_is_the_same_as_0_1(book):
    _, df, pipe = book
    a = ex.audit(pipe, df, target="repaid", n_boot=20, sample_size=100, refit=False, quasi_identifiers=[])
    b = ex.audit(pipe, df.assign(repaid=df["repaid"].astype(bool)), target="repaid", n_boot=20, sample_size=100,
                 refit=False, quasi_identifiers=[])
    assert a.model_info["metrics"] == b.model_info["metrics"]
    assert b.model_info["metrics"]["base_rate"] == pytest.approx(df["repaid"].mean())


def test_a_yes_no_model_returning_log_odds_is_refused(book):
    _, df, _ = book
    logit = ex.wrap_model(lambda X: 0.04 * (X["income_k"].to_numpy() - 45), feature_names=["income_k"],
                          task="binary")
    n_out = int(((0.04 * (df["income_k"] - 45)) < 0).sum() + ((0.04 * (df["income_k"] - 45)) > 1).sum())
    with pytest.raises(ex.InvalidInputError) as err:
        ex.audit(logit, df, target="repaid")
    assert str(err.value).startswith(
        f"model scores must be probabilities from 0 to 1 for a yes/no model. Got {n_out} of 600 outside that range")


def streaming(n_viewers: int = 60, seed: int = 2) -> pd.DataFrame:
    """Each viewer is scored on the 3 shows of their region's catalogue."""
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(n_viewers):
        for show in ("drama", "docs", "anime"):
            rows.append({"viewer": f"v{v:03d}", "show": show, "minutes_watched": float(rng.gamma(2, 30)),
                         "plan": ["basic", "premium"][v % 2]})
    df = pd.DataFrame(rows)
    df["finished"] = (rng.random(len(df)) < 1 / (1 + np.exp(-(df["minutes_watched"] - 60) / 20))).astype(int)
    return df


@pytest.mark.parametrize("k,warned", [(2, False), (3, True), (5, True)])
def test_k_at_least_the_items_per_customer_is_a_warning_in_the_report(k, warned, tmp_path):
    df = streaming()
    model = ex.wrap_model(lambda X: X["minutes_watched"].to_numpy(dtype=float), feature_names=["minutes_watched"],
                          task="ranking", user_id="viewer", item_id="show", k=k)
    a = ex.audit(model, df, target="finished", sensitive_features="plan", user_id="viewer", item_id="show", k=k,
                 n_boot=20, sample_size=60, min_group_size=10, quasi_identifiers=[])
    expected = (f"k ({k}) is at least the number of items of 60 of 60 customers (the most items any customer is "
                "scored on is 3): those customers are shown every item they have, so their exposure and hit rate "
                "at k say nothing about the model's ranking. Choose a k smaller than the number of items each "
                "customer is scored on.")
    assert a.warnings == ((expected,) if warned else ())
    a.to_html(tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert doc["warnings"] == list(a.warnings)
    html = (tmp_path / "out" / "audit.html").read_text()
    limitations = html[html.index('<section id="limitations">'):]
    assert ("say nothing about the model&#39;s ranking" in limitations) == warned


# --- item 9: what the user meant ------------------------------------------------------------
def test_one_string_names_one_sensitive_column(book):
    _, df, pipe = book
    a = ex.audit(pipe, df, target="repaid", sensitive_features="sex", n_boot=20, sample_size=100, refit=False,
                 min_group_size=30, quasi_identifiers=[])
    assert a.options["sensitive_features"] == ["sex"]
    assert list(a.fairness.sensitive_features) == ["sex"]
    assert sorted(a.fairness.groups.by_group["group"].unique()) == ["f", "m"]
    log = df.assign(approved=(df["income_k"] > 40).astype(int))
    d = ex.audit_decisions(log, predictions="approved", target="repaid", sensitive_features="sex", n_boot=20)
    assert d.fairness.groups.value("sex", "f", "selection_rate") == pytest.approx(
        log.loc[log["sex"] == "f", "approved"].mean())


def test_a_callable_returning_the_wrong_number_of_scores_says_so(book):
    _, df, _ = book
    model = ex.wrap_model(lambda X: np.array([0.2, 0.5, 0.9]), feature_names=["income_k"], task="binary")
    with pytest.raises(ex.InvalidInputError, match=r"^model must return one score per row\. Got 3 scores for 600 "
                                                    r"rows\. Return a 1-d array"):
        ex.audit(model, df, target="repaid")
    proba = ex.wrap_model(lambda X: np.column_stack([1 - X["debt_ratio"], X["debt_ratio"]]),
                          feature_names=["debt_ratio"], task="binary")
    with pytest.raises(ex.InvalidInputError, match="Got 1200 scores for 600 rows"):
        ex.audit(proba, df, target="repaid")


def test_without_a_target_the_forgotten_outcome_is_not_called_unused(book, capsys):
    root, df, _ = book
    rc, _ = run(root, df, "no_target", "--sensitive", "sex", capsys=capsys)
    assert rc == 0
    doc = json.loads((root / "out_no_target" / "audit.json").read_text())
    unused = [f["columns"] for f in doc["findings"] if f["code"] == "data.unused_column"]
    assert unused == [["loan_ref"]]  # the loan number is collected and unused; the outcome is not called so
    verdicts = {m["column"]: m["verdict"] for m in doc["minimisation"]["columns"]}
    assert verdicts["repaid"] == "not an input" and verdicts["loan_ref"] == "drop"
    assert doc["warnings"] == [
        "No target was given, so the audit cannot tell whether column 'repaid' (not read by the model; holds 0 "
        "and 1 like a yes/no outcome) is the outcome the model predicts. It is not reported as collected but "
        "unused, and the model was not measured against an outcome. Name the outcome with target= (--target) to "
        "measure accuracy and group results."]
    disclosure = (root / "out_no_target" / "disclosure.html").read_text()
    assert "We collect your loan ref. This system does not use it." in disclosure
    # with the target named, nothing is guessed
    rc, _ = run(root, df, "with_target", "--target", "repaid", capsys=capsys)
    assert rc == 0
    assert json.loads((root / "out_with_target" / "audit.json").read_text())["warnings"] == []


def test_regressor_without_a_target_the_column_following_its_scores_may_be_the_outcome():
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame({"tenure_months": rng.integers(1, 120, n).astype(float),
                       "monthly_fee": rng.uniform(5, 30, n).round(2),
                       "survey_noise": rng.normal(0, 1, n)})
    df["lifetime_value"] = df["tenure_months"] * df["monthly_fee"] + rng.normal(0, 50, n)
    model = ex.wrap_model(lambda X: (X["tenure_months"] * X["monthly_fee"]).to_numpy(dtype=float),
                          feature_names=["tenure_months", "monthly_fee"], task="regression")
    a = ex.audit(model, df, n_boot=20, sample_size=50, quasi_identifiers=[])
    assert [f.columns for f in a.findings if f.code == "data.unused_column"] == [("survey_noise",)]
    assert a.minimisation.verdict_of("lifetime_value") == "not an input"
    assert "'lifetime_value' (not read by the model; follows the model's score closely)" in a.warnings[0]


# --- the proxy flow of a black box -----------------------------------------------------------
def test_proxy_flow_of_a_callable_on_more_rows_than_a_black_box_explains():
    """A callable is explained on at most 300 rows; the flow must use the same rows."""
    df = credit(n=700)
    df["origin"] = df["region"].map({"north": "o1", "south": "o2", "west": "o3"})  # region reveals origin
    zone = df["region"].map({"north": 1.0, "south": 0.0, "west": 0.5})
    df["zone_score"] = zone + np.random.default_rng(0).normal(0, 0.05, len(df))
    model = ex.wrap_model(lambda X: 1 / (1 + np.exp(-(2 * X["zone_score"].to_numpy() - 1))),
                          feature_names=["zone_score", "income_k"], task="binary")
    a = ex.audit(model, df, target="repaid", sensitive_features=["origin"], n_boot=20, sample_size=100,
                 min_group_size=30, quasi_identifiers=[])
    t = a.proxy_flow.table
    assert a.proxy_flow.method["rows_explained"] == 300  # what was explained, not what was drawn
    assert set(t["group"]) == {"o1", "o2", "o3"} and (t["column"] == "zone_score").all()
    assert int(t["n_group"].iloc[0] + t["n_rest"].iloc[0]) == 300
    gap = t.set_index("group")["output_gap"]
    assert gap["o1"] > 0 > gap["o2"]  # north scores highest, south lowest
