"""The command line on a Dask cluster: audit --scheduler and explain-all on a Parquet data set."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from explainer.cli import main

TRUST = ["--trust-type", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


@pytest.fixture(scope="module")
def parquet_set(tmp_path_factory):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    import explainer as ex

    rng = np.random.default_rng(5)
    n = 1800
    df = pd.DataFrame({
        "member_no": np.arange(n),
        "orders": rng.poisson(2, n).astype(float),
        "basket": rng.gamma(2.0, 15.0, n),
        "region": rng.choice(["north", "south", "east"], n),
        "sex": rng.choice(["female", "male"], n),
    })
    df["converted"] = ((df["orders"] + (df["sex"] == "male") + rng.normal(0, 1, n)) > 2.5).astype(int)
    inputs = ["orders", "basket", "region"]
    prep = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["region"])],
                             remainder="passthrough", verbose_feature_names_out=False)
    pipe = Pipeline([("prep", prep), ("gb", HistGradientBoostingClassifier(max_iter=15, random_state=0))])
    pipe.fit(df[inputs], df["converted"])
    d = tmp_path_factory.mktemp("dask_cli")
    (d / "data").mkdir()
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        df.iloc[part].to_parquet(d / "data" / f"part-{i}.parquet", index=False)
    ex.save_model(pipe, d / "model.skops")
    return d


def test_audit_with_scheduler_equals_in_process(parquet_set, dask_cluster, capsys):
    d = parquet_set
    common = [str(d / "data"), "--model", str(d / "model.skops"), *TRUST, "--target", "converted", "--sensitive", "sex",
              "--quiet", "--n-boot", "50", "--sample-size", "400"]
    assert main(["audit", *common, "--out", str(d / "local")]) == 0, capsys.readouterr().err
    address = dask_cluster.scheduler.address
    assert main(["audit", *common, "--out", str(d / "dask"), "--scheduler", address]) == 0, capsys.readouterr().err
    a = json.loads((d / "local" / "audit.json").read_text())
    b = json.loads((d / "dask" / "audit.json").read_text())
    assert b["options"]["backend"] == "dask" and b["data"]["rows"] == a["data"]["rows"] == 1800
    assert a["data"]["sha256"] != b["data"]["sha256"] or a["data"]["sha256_of"] == b["data"]["sha256_of"]

    def numbers(x):  # every number in a nested document, in order
        if isinstance(x, dict):
            return [v for k in sorted(x) for v in numbers(x[k])]
        if isinstance(x, list):
            return [v for i in x for v in numbers(i)]
        return [float(x)] if isinstance(x, (int, float)) and not isinstance(x, bool) else []

    # the cross-check against fairlearn's MetricFrame needs all rows in one place: in-process only, and said so
    assert a["fairness"].pop("metricframe_max_abs_diff") < 1e-12 and b["fairness"].pop("metricframe_max_abs_diff") is None
    assert any("MetricFrame" in w and "Not run on the Dask backend" in w for w in b["warnings"])
    # the ThresholdOptimizer comparison runs on the rows sampled for SHAP on Dask, and says so
    assert a["fairness"].pop("mitigation") and b["fairness"].pop("mitigation")
    assert any("mitigation comparison ran on 400 of 1800 rows" in w for w in b["warnings"])
    for key in ("fairness", "features", "categories"):
        assert numbers(b[key]) == pytest.approx(numbers(a[key]), rel=1e-9, abs=1e-12), key
        assert len(numbers(a[key])) > 5


def test_explain_all_command(parquet_set, dask_cluster, capsys):
    d = parquet_set
    rc = main(["explain-all", str(d / "data"), "--model", str(d / "model.skops"), *TRUST, "--id", "member_no",
               "--out", str(d / "attr"), "--scheduler", dask_cluster.scheduler.address])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "3/3 partitions done" in cap.out and "per-person attributions keyed by member_no" in cap.err
    got = pd.read_parquet(d / "attr")
    assert sorted(got["member_no"]) == list(range(1800))
    assert list(got.columns) == ["member_no", "orders", "basket", "region", "_base_value", "_output"]
    rc = main(["explain-all", str(d / "data"), "--model", str(d / "model.skops"), *TRUST, "--id", "no_such",
               "--out", str(d / "attr2"), "--scheduler", dask_cluster.scheduler.address])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "id_column must name columns of the data" in err[0]
