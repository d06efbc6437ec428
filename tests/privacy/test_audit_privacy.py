"""Privacy risk inside audit(): quasi-identifiers from the inventory, k-anonymity at the customer level,
membership inference with train_data, direct identifiers as model inputs, and their findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import explainer as ex
from explainer.analyses import membership_inference_risk, quasi_identifiers_from_inventory
from explainer.errors import InvalidInputError
from explainer.inventory import ColumnRecord, DataInventory


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({
        "email": [f"person{i}@mail.example" for i in range(n)],
        "gender": rng.choice(["female", "male"], n),
        "town": rng.choice(["Leeds", "York", "Hull"], n),
        "x1": x,
        "x2": rng.normal(size=n),
        "y": ((x + rng.normal(scale=1.5, size=n)) > 0).astype(int),
    })


# ------------------------------------------------------------------ quasi-identifier rule
def test_inventory_rule_picks_demographic_and_text_location_columns():
    df = pd.DataFrame({
        "customer_id": [1, 2, 3], "dob": ["1990-01-02", "1985-03-04", "1970-05-06"],
        "gender": ["f", "m", "f"], "postcode": ["LS6 2AB", "YO1 7HH", "M1 1AE"],
        "purchases_home": [3, 0, 1], "latitude": [53.8, 53.9, 53.4], "ethnicity": ["a", "b", "a"],
        "spend": [1.0, 2.0, 3.0],
    })
    inv = DataInventory([
        ColumnRecord("customer_id", "direct_identifier", role="identifier"),
        ColumnRecord("dob", "other"),  # miscategorised, but the name says birth and the values are dates
        ColumnRecord("gender", "demographic"),
        ColumnRecord("postcode", "location"),
        ColumnRecord("purchases_home", "location"),  # a count whose name mentions a place
        ColumnRecord("latitude", "location"),
        ColumnRecord("ethnicity", "special_category", role="sensitive"),
        ColumnRecord("spend", "financial"),
    ])
    assert quasi_identifiers_from_inventory(df, inv) == ["dob", "gender", "postcode"]


# ------------------------------------------------------------------ re-identification in the audit
def test_demo_audit_measures_reidentification_per_customer(demo_audit, recommender):
    r = demo_audit.reidentification
    assert r is not None
    assert list(r.quasi_identifiers) == ["date_of_birth", "gender", "age_band", "postcode"]
    assert r.sensitive_columns == ("ethnicity",)
    # one row per customer, not per customer x category row
    assert r.n_rows == recommender.test["customer_id"].nunique()
    customers = recommender.test.drop_duplicates("customer_id")
    sizes = customers.groupby(list(r.quasi_identifiers)).size()
    assert r.k == int(sizes.min())
    assert r.unique_share == pytest.approx(float((sizes == 1).sum()) / len(customers))
    assert r.suggestions and r.suggestions[-1].unique_share_after < r.unique_share
    f = [f for f in demo_audit.findings if f.code == "privacy.reidentification_risk"]
    assert len(f) == 1 and f[0].severity.value == "high"
    assert f[0].columns == r.quasi_identifiers
    assert f[0].evidence["k"] == r.k and f[0].evidence["unit"] == "customers"
    assert "date_of_birth to 20-year birth cohorts" in f[0].text
    assert r.reference_date is None  # birth cohorts: the same result on any day


def test_reidentification_finding_severity_follows_k_and_unique_share():
    from explainer.findings import privacy_findings as _privacy_findings
    from explainer.analyses import reidentification_risk

    safe = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10})
    assert _privacy_findings(reidentification_risk(safe, quasi_identifiers=["g"]), None, "rows") == []
    few = pd.DataFrame({"g": ["a"] * 200 + ["b"] * 3})  # 3 rows in a class under 5, none alone
    f = _privacy_findings(reidentification_risk(few, quasi_identifiers=["g"], generalise=False), None, "rows")
    assert [x.severity.value for x in f] == ["low"]  # 1.5% of rows below k, nobody alone
    one = pd.DataFrame({"g": ["a"] * 200 + ["b"]})
    f = _privacy_findings(reidentification_risk(one, quasi_identifiers=["g"], generalise=False), None, "rows")
    assert [x.severity.value for x in f] == ["medium"]  # one row alone (0.5%)
    many = pd.DataFrame({"g": [f"v{i}" for i in range(20)] + ["a"] * 80})
    f = _privacy_findings(reidentification_risk(many, quasi_identifiers=["g"], generalise=False), None, "rows")
    assert [x.severity.value for x in f] == ["high"]  # 20% alone
    assert f[0].text.startswith("20 of 100 rows (20.0%) are the only one")


def _binary_model(train: pd.DataFrame, cols: list[str], model=None):
    return (LogisticRegression() if model is None else model).fit(train[cols], train["y"])


def test_quasi_identifiers_parameter_overrides_the_rule_and_empty_skips():
    df = _people(300, 0)
    model = _binary_model(df, ["x1", "x2"])
    a = ex.audit(model, df, target="y", quasi_identifiers=["gender", "town"], sample_size=100, n_boot=50)
    assert a.reidentification.quasi_identifiers == ("gender", "town")
    assert a.reidentification.k == int(df.groupby(["gender", "town"]).size().min())
    assert a.options["quasi_identifiers_from"] == "parameter"
    assert not [f for f in a.findings if f.code == "privacy.reidentification_risk"]  # k is about 50
    b = ex.audit(model, df, target="y", quasi_identifiers=[], sample_size=100, n_boot=50)
    assert b.reidentification is None and b.to_dict()["privacy"]["reidentification"] is None
    with pytest.raises(InvalidInputError, match="quasi_identifiers must name columns"):
        ex.audit(model, df, target="y", quasi_identifiers=["nope"], sample_size=100, n_boot=50)


# ------------------------------------------------------------------ membership inference in the audit
def test_membership_needs_train_data_and_says_so(demo_audit):
    # the demo audit is given its training rows: the attack runs and finds no clear signal
    m = demo_audit.membership
    assert m.available and m.level in ("none", "slight", "some")
    lo, hi = m.auc_interval
    assert m.level == ("none" if lo <= 0.5 <= hi else "slight" if m.auc < 0.55 else "some")
    severity = {"none": [], "slight": ["low"], "some": ["medium"]}[m.level]
    assert [f.severity.value for f in demo_audit.findings if f.code == "privacy.membership_inference_risk"] == severity
    df = _people(600, 3)
    rf = _binary_model(df.iloc[:300], ["x1", "x2"], RandomForestClassifier(n_estimators=20, random_state=0))
    a = ex.audit(rf, df.iloc[300:].reset_index(drop=True), target="y", quasi_identifiers=[], sample_size=100,
                 n_boot=50)
    m = a.membership
    assert m is not None and m.available is False and m.level == "not_assessed"
    assert "no training data was given" in m.reason and "train_data" in m.reason
    doc = a.to_dict()
    assert doc["privacy"]["membership_inference"]["available"] is False
    assert not [f for f in a.findings if f.code == "privacy.membership_inference_risk"]


def test_an_overfitted_model_gives_a_membership_finding():
    df = _people(3000, 1)
    train, held = df.iloc[:1500], df.iloc[1500:].reset_index(drop=True)
    rf = _binary_model(train, ["x1", "x2"], RandomForestClassifier(n_estimators=40, random_state=0))
    a = ex.audit(rf, held, target="y", train_data=train, quasi_identifiers=[], sample_size=100, n_boot=100)
    m = a.membership
    assert m.available and m.level == "clear" and m.auc > 0.7
    assert m.n_members == m.n_nonmembers == 1500
    f = [f for f in a.findings if f.code == "privacy.membership_inference_risk"]
    assert len(f) == 1 and f[0].severity.value == "high"
    assert f[0].evidence["auc"] == pytest.approx(m.auc)
    doc = a.to_dict()
    assert doc["privacy"]["membership_inference"]["training"]["overlap_removed"] == 0
    # the same attack by hand: AUC of log p(true label), training rows against held-out rows
    p = lambda X, y: np.clip(rf.predict_proba(X[["x1", "x2"]])[np.arange(len(y)), y], 1e-12, 1)  # noqa: E731
    s = np.r_[np.log(p(train, train["y"].to_numpy())), np.log(p(held, held["y"].to_numpy()))]
    assert m.auc == pytest.approx(roc_auc_score(np.r_[np.ones(1500), np.zeros(1500)], s), abs=1e-9)


def test_a_regularised_model_gives_no_membership_finding_and_overlap_is_removed():
    df = _people(6000, 2)
    train, held = df.iloc[:3000], df.iloc[3000:]
    lr = _binary_model(train, ["x1", "x2"])
    audited = pd.concat([held, train.iloc[:500]], ignore_index=True)  # 500 audited rows are training rows
    a = ex.audit(lr, audited, target="y", train_data=train, quasi_identifiers=[], sample_size=100, n_boot=100)
    assert a.membership.available and a.membership.level == "none"
    assert a.data_info["training"]["overlap_removed"] == 500
    assert a.membership.n_nonmembers == 3000
    assert not [f for f in a.findings if f.code == "privacy.membership_inference_risk"]
    only_train = ex.audit(lr, train, target="y", train_data=train, quasi_identifiers=[], sample_size=100, n_boot=50)
    assert not only_train.membership.available and "no held-out rows are left" in only_train.membership.reason


def test_membership_is_not_assessed_for_a_regressor_and_checks_train_data():
    df = _people(300, 3)
    df["t"] = df["x1"] * 2
    reg = LinearRegression().fit(df[["x1", "x2"]], df["t"])
    a = ex.audit(reg, df, target="t", train_data=df, quasi_identifiers=[], sample_size=100, n_boot=50)
    assert not a.membership.available and "regressor" in a.membership.reason
    lr = _binary_model(df, ["x1", "x2"])
    with pytest.raises(InvalidInputError, match="train_data must hold every column the model reads"):
        ex.audit(lr, df, target="y", train_data=df[["x1", "y"]], sample_size=100, n_boot=50)
    with pytest.raises(InvalidInputError, match="train_data must be a pandas DataFrame"):
        ex.audit(lr, df, target="y", train_data=df.to_numpy(), sample_size=100, n_boot=50)


def test_grouped_attack_scores_each_group_by_its_mean_log_probability():
    rng = np.random.default_rng(4)
    n_groups, per = 300, 4
    X = rng.normal(size=(2 * n_groups * per, 3))
    y = ((X[:, 0] + rng.normal(scale=2.0, size=len(X))) > 0).astype(int)
    g = np.repeat(np.arange(2 * n_groups), per)
    tr = g < n_groups
    rf = RandomForestClassifier(n_estimators=20, min_samples_leaf=3, random_state=0).fit(X[tr], y[tr])
    r = membership_inference_risk(rf, X[tr], y[tr], X[~tr], y[~tr], n_boot=50,
                                  groups_train=g[tr], groups_holdout=g[~tr])
    logp = np.log(np.clip(rf.predict_proba(X)[np.arange(len(y)), y], 1e-12, 1))
    per_group = pd.Series(logp).groupby(g).mean().to_numpy()
    ref = roc_auc_score(np.r_[np.ones(n_groups), np.zeros(n_groups)], per_group)
    assert r.n_members == r.n_nonmembers == n_groups
    assert r.auc == pytest.approx(ref, abs=1e-9)
    with pytest.raises(InvalidInputError, match="groups_train and groups_holdout must be given together"):
        membership_inference_risk(rf, X[tr], y[tr], X[~tr], y[~tr], n_boot=50, groups_train=g[tr])


# ------------------------------------------------------------------ direct identifiers as inputs
def test_a_model_that_reads_email_gives_a_direct_identifier_finding(tmp_path):
    df = _people(400, 5)
    pipe = Pipeline([("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), ["email"]),
                                                 ("num", "passthrough", ["x1"])])),
                     ("clf", LogisticRegression(max_iter=300))]).fit(df[["email", "x1"]], df["y"])
    a = ex.audit(pipe, df, target="y", sample_size=100, n_boot=50)
    f = [f for f in a.findings if f.code == "privacy.direct_identifier"]
    assert len(f) == 1 and f[0].columns == ("email",) and f[0].severity.value == "high"
    assert a.inventory["email"].category == "contact"
    out = a.to_html(tmp_path / "r")
    doc = json.loads((tmp_path / "r" / "audit.json").read_text())
    assert "privacy.direct_identifier" in {x["code"] for x in doc["findings"]}
    assert "privacy.direct_identifier" in (tmp_path / "r" / "audit.html").read_text()
    # the model reads the column, yet no email address reaches any output
    for p in out["paths"]:
        text = p.read_text()
        assert not [e for e in df["email"] if e in text], p.name
    # the same model without the email column: no such finding
    pipe2 = Pipeline([("clf", LogisticRegression())]).fit(df[["x1"]], df["y"])
    b = ex.audit(pipe2, df, target="y", sample_size=100, n_boot=50)
    assert not [f for f in b.findings if f.code == "privacy.direct_identifier"]


# ------------------------------------------------------------------ reports
def test_privacy_section_in_reports(demo_reports, demo_audit):
    doc = json.loads((demo_reports / "audit.json").read_text())
    reid = doc["privacy"]["reidentification"]
    assert reid["k"] == demo_audit.reidentification.k and reid["unit"] == "customers"
    assert doc["options"]["quasi_identifiers"] == reid["quasi_identifiers"]
    assert doc["options"]["k_anonymity"] == 5
    html = (demo_reports / "audit.html").read_text()
    assert 'id="privacy"' in html and "Membership inference" in html
    assert "privacy.reidentification_risk" in html
    disclosure = (demo_reports / "disclosure.html").read_text()
    assert "We checked how easy it is to pick out one of our customers from their date of birth" in disclosure
    member = doc["privacy"]["membership_inference"]
    expected = {"none": f"In our test with {member['n_members']:,} people on each side, they did no better than a guess",
                "slight": "In our test, they did a little better than a guess.",
                "some": "In our test, they could do better than a guess."}[member["level"]]
    assert expected in disclosure
    assert member["summary"] in html


def test_groups_too_few_to_judge_keep_no_numbers_in_audit_json(demo_reports):
    doc = json.loads((demo_reports / "audit.json").read_text())
    small = 0
    for block in doc["fairness"]["by_feature"].values():
        for g in block["groups"]:
            if g["too_few_to_judge"]:
                small += 1
                assert g["metrics"] == {}
    for rec in doc["fairness"]["exposure"] + doc["fairness"]["quality"]:
        if rec["too_few_to_judge"]:
            small += 1
            assert all(rec.get(k) is None for k in ("rate", "value", "ci_low", "ci_high"))
    assert small > 0  # the demo has intersections under the minimum size
