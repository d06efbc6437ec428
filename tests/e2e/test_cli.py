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
