"""Real data has tiny groups: one candidate of a rare ethnicity, three of another.

A hiring screen (not the retail demo) with its own column names. The audit goes on: the tiny
groups are too few to judge, named in no public page, listed without numbers for reviewers.
Only a column where every group is one person is refused; a feature where no group reaches
the minimum size is audited with a warning.
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

ONE = "Quenyaborn"     # the ethnicity of a single candidate
THREE = "Sindarkin"    # the ethnicity of three candidates
PUBLIC = ("disclosure.html",)
MIN = 30


def hiring(n: int = 500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ethnicity = rng.choice(["origin_a", "origin_b", "origin_c"], n).astype(object)
    ethnicity[17] = ONE
    ethnicity[[40, 41, 42]] = THREE
    df = pd.DataFrame({
        "candidate_no": np.arange(70_000, 70_000 + n),
        "test_score": rng.normal(60, 12, n).round(1),
        "years_experience": rng.integers(0, 25, n),
        "degree_level": rng.choice(["none", "bachelor", "master"], n),
        "pronoun_marker": rng.choice(["she", "he", "they"], n, p=[0.48, 0.48, 0.04]),
        "ethnicity": ethnicity,
    })
    logit = 0.08 * (df["test_score"] - 60) + 0.06 * (df["years_experience"] - 10)
    df["hired"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    df = hiring()
    inputs = ["test_score", "years_experience", "degree_level"]
    pipe = Pipeline([
        ("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), ["degree_level"]),
                                    ("num", StandardScaler(), ["test_score", "years_experience"])])),
        ("clf", LogisticRegression(max_iter=500)),
    ]).fit(df[inputs], df["hired"])
    df.to_csv(root / "hiring.csv", index=False)
    ex.save_model(pipe, root / "screen.skops")
    train = hiring(seed=4)
    train.to_csv(root / "train.csv", index=False)
    rc = main(["audit", str(root / "hiring.csv"), "--model", str(root / "screen.skops"), "--target", "hired",
               "--sensitive", "ethnicity", "pronoun_marker", "--train-data", str(root / "train.csv"),
               "--out", str(root / "out"), "--quiet", "--n-boot", "30", "--sample-size", "200",
               "--min-group-size", str(MIN)])
    return df, rc, root / "out"


def test_the_audit_goes_on_with_a_group_of_one_and_a_group_of_three(run):
    _, rc, out = run
    assert rc == 0
    assert {p.name for p in out.iterdir()} >= {"disclosure.html", "audit.html", "audit.json"}


def test_public_pages_never_name_the_tiny_groups(run):
    _, _, out = run
    for name in PUBLIC:
        text = (out / name).read_text().lower()
        assert ONE.lower() not in text and THREE.lower() not in text, name


def test_audit_json_lists_the_tiny_groups_without_numbers(run):
    df, _, out = run
    doc = json.loads((out / "audit.json").read_text())
    groups = {g["group"]: g for g in doc["fairness"]["by_feature"]["ethnicity"]["groups"]}
    assert groups[ONE] == {"group": ONE, "n": 1, "too_few_to_judge": True, "metrics": {}}
    assert groups[THREE] == {"group": THREE, "n": 3, "too_few_to_judge": True, "metrics": {}}
    for g in ("origin_a", "origin_b", "origin_c"):  # the large groups are judged, with their size
        assert groups[g]["n"] == int((df["ethnicity"] == g).sum()) and not groups[g]["too_few_to_judge"]
        assert groups[g]["metrics"]["selection_rate"]["value"] is not None
    # every intersection holding a tiny group is too few to judge as well
    inter = doc["fairness"]["by_feature"]["ethnicity × pronoun_marker"]["groups"]
    tiny = [g for g in inter if g["group"].split(" | ")[0] in (ONE, THREE)]
    assert tiny and all(g["too_few_to_judge"] and g["metrics"] == {} for g in tiny)
    # no disparity or finding is built on them
    for block in doc["fairness"]["by_feature"].values():
        for d in block["disparities"]:
            assert ONE not in json.dumps(d) and THREE not in json.dumps(d)
    assert not any(ONE in json.dumps(f) or THREE in json.dumps(f) for f in doc["findings"])
    # the mitigation comparison ran and left the tiny groups out by name, without numbers
    mit = doc["fairness"]["mitigation"]
    assert mit["method"]["groups_left_out"]["ethnicity"] == sorted([ONE, THREE])
    # membership inference ran on the training rows
    assert doc["privacy"]["membership_inference"]["available"] is True
    assert doc["warnings"] == []


def test_reviewer_report_marks_them_too_few_to_judge(run):
    _, _, out = run
    html = (out / "audit.html").read_text()
    row = html[html.index(f"<tr><td>{ONE}</td>"):]
    row = row[: row.index("</tr>")]
    assert "too few to judge" in row and "%" not in row


def test_a_feature_with_no_group_large_enough_is_audited_with_a_warning(tmp_path):
    df = hiring(n=120)
    model = ex.wrap_model(lambda X: 1 / (1 + np.exp(-(X["test_score"].to_numpy() - 60) / 10)),
                          feature_names=["test_score"], task="binary")
    a = ex.audit(model, df, target="hired", sensitive_features=["ethnicity"], min_group_size=50, n_boot=20,
                 sample_size=50, quasi_identifiers=[])
    # the largest of the three big groups has fewer than 50 of the 120 candidates
    largest = int(df["ethnicity"].value_counts().max())
    assert largest < 50
    assert a.warnings == (
        f"No group of the sensitive feature 'ethnicity' has 50 rows or more (the largest has {largest}): all its "
        "5 groups are too few to judge, so no group result or gap is reported for it. Audit more data, or merge "
        "its groups.",)
    assert a.fairness is not None and a.fairness.groups.by_group["too_few_to_judge"].all()
    a.to_html(tmp_path / "out")
    assert a.warnings[0] in (tmp_path / "out" / "audit.html").read_text().replace("&#39;", "'")
    assert json.loads((tmp_path / "out" / "audit.json").read_text())["warnings"] == list(a.warnings)


@pytest.mark.slow
def test_the_demo_with_400_customers_runs(tmp_path):
    """400 customers leave one non-binary customer in the audited split: that used to refuse."""
    assert main(["demo", "--customers", "400", "--out", str(tmp_path / "demo"), "--quiet", "--n-boot", "30"]) == 0
    doc = json.loads((tmp_path / "demo" / "audit.json").read_text())
    gender = {g["group"]: g for g in doc["fairness"]["by_feature"]["gender"]["groups"]}
    assert gender["non-binary"] == {"group": "non-binary", "n": 1, "too_few_to_judge": True, "metrics": {}}
    for name in ("disclosure.html", "why.html", "all/disclosure.html"):
        assert "non-binary" not in (tmp_path / "demo" / name).read_text().lower(), name
