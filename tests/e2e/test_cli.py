"""The command line end to end, through main(argv)."""

from __future__ import annotations

import json

import pytest

from explainer.cli import main


def test_missing_data_file_is_one_line_and_exit_2(tmp_path, capsys):
    rc = main(["audit", str(tmp_path / "nope.csv"), "--model", "m.skops", "--target", "y", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and "data file must exist" in err[0] and "nope.csv" in err[0]
    assert "Traceback" not in err[0]


@pytest.fixture(scope="module")
def saved_model(recommender, tmp_path_factory):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import explainer as ex

    d = tmp_path_factory.mktemp("cli")
    rows = recommender.test.sample(3000, random_state=0)
    cols = ["category_purchases_90d", "category_browse_minutes_90d", "income_band", "loyalty_tenure_months"]
    pipe = Pipeline([("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), ["income_band"]),
                                                 ("num", StandardScaler(), cols[:2] + cols[3:])])),
                     ("clf", LogisticRegression(max_iter=500))]).fit(rows[cols], rows["bought"])
    ex.save_model(pipe, d / "model.skops")
    data = rows.drop(columns=["category"])
    data.to_csv(d / "data.csv", index=False)
    return d


def test_missing_target_column_is_one_line_and_exit_2(saved_model, capsys):
    d = saved_model
    rc = main(["audit", str(d / "data.csv"), "--model", str(d / "model.skops"), "--target", "no_such_col",
               "--out", str(d / "out1"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert err == [e for e in err if e.startswith("explainer:")] and len(err) == 1
    assert "target must name a column" in err[0] and "no_such_col" in err[0]
    assert not (d / "out1").exists()


def test_audit_a_saved_pipeline_on_a_csv(saved_model, capsys):
    d = saved_model
    rc = main(["audit", str(d / "data.csv"), "--model", str(d / "model.skops"), "--target", "bought",
               "--sensitive", "gender", "age_band", "--out", str(d / "out"), "--quiet", "--n-boot", "50"])
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((d / "out" / "audit.json").read_text())
    assert doc["model"]["task"] == "binary"
    assert doc["explanation"]["algorithm"].startswith(("shap-linear", "linear"))
    used = {f["column"] for f in doc["features"] if f["used_by_model"]}
    assert used == {"category_purchases_90d", "category_browse_minutes_90d", "income_band", "loyalty_tenure_months"}
    assert {"gender", "age_band"} <= set(doc["fairness"]["by_feature"])
    # a binary model gets the mitigation comparison, measured on held-out rows and never applied
    mit = doc["fairness"]["mitigation"]
    assert mit["method"]["applied"] is False
    rows = {(r["feature"], r["method"], r["constraint"]) for r in mit["table"]}
    assert ("gender", "current", None) in rows and ("age_band", "ThresholdOptimizer", "demographic_parity") in rows
    for r in mit["table"]:
        assert r["accuracy_ci_low"] <= r["accuracy"] <= r["accuracy_ci_high"]
    # a second run into the same folder is refused and leaves the report intact
    before = (d / "out" / "audit.json").read_bytes()
    rc = main(["audit", str(d / "data.csv"), "--model", str(d / "model.skops"), "--target", "bought",
               "--out", str(d / "out"), "--quiet"])
    assert rc == 2 and "--force" in capsys.readouterr().err
    assert (d / "out" / "audit.json").read_bytes() == before


def test_pickle_is_refused_without_trust(tmp_path, capsys):
    import pickle

    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    rc = main(["audit", str(tmp_path / "d.csv"), "--model", str(tmp_path / "m.pkl"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "pickle" in err and "--trust-model" in err


def test_unknown_option_is_one_line(capsys):
    assert main(["audit", "--bogus"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("bad, message", [
    (["--sensitive", "no_such_column"], "sensitive_features must name columns of the data. Got ['no_such_column']"),
    (["--sensitive", "gender", "single"], "sensitive_features column 'single' must have at least two groups. Got 1."),
])
def test_sensitive_feature_errors_through_the_cli(saved_model, capsys, bad, message):
    import pandas as pd

    d = saved_model
    pd.read_csv(d / "data.csv").assign(single="zz_one_value").to_csv(d / "data_single.csv", index=False)
    rc = main(["audit", str(d / "data_single.csv"), "--model", str(d / "model.skops"), "--target", "bought",
               *bad, "--out", str(d / "out_bad"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and message in err[0]
    assert "zz_one_value" not in err[0]
    assert not (d / "out_bad").exists()


def test_sensitive_feature_errors_through_the_api(saved_model):
    import pandas as pd

    import explainer as ex
    from explainer.errors import InvalidInputError

    d = saved_model
    model = ex.load_model(d / "model.skops")
    data = pd.read_csv(d / "data.csv").assign(single="zz_one_value")
    with pytest.raises(InvalidInputError, match=r"sensitive_features must name columns of the data\. Got \['nope'\]"):
        ex.audit(model, data, target="bought", sensitive_features=["nope"])
    with pytest.raises(InvalidInputError, match=r"sensitive_features column 'single' must have at least two groups"):
        ex.audit(model, data, target="bought", sensitive_features=["gender", "single"])
