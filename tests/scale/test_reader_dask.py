"""The Dask backend reads CSV files with the one reader's rules (delimiter and encoding from the header)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from explainer.cli import main

TRUST = ["--trust-type", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


@pytest.fixture(scope="module")
def spreadsheet_csv(tmp_path_factory):
    """A semicolon CSV saved as 'CSV UTF-8' (byte-order mark), the target in the first column."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    import explainer as ex

    rng = np.random.default_rng(3)
    n = 600
    df = pd.DataFrame({"converted": 0, "orders": rng.poisson(2, n).astype(float), "basket": rng.gamma(2.0, 15.0, n),
                       "member_no": [f"{i:06d}" for i in range(n)], "sex": rng.choice(["female", "male"], n)})
    df["converted"] = ((df["orders"] + rng.normal(0, 1, n)) > 2.5).astype(int)
    d = tmp_path_factory.mktemp("dask_reader")
    df.to_csv(d / "data.csv", index=False, sep=";", encoding="utf-8-sig")
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(df[["orders", "basket"]], df["converted"])
    ex.save_model(model, d / "model.skops")
    return d


def test_explain_all_and_audit_read_a_semicolon_file_with_a_byte_order_mark(spreadsheet_csv, dask_cluster, capsys):
    d = spreadsheet_csv
    address = dask_cluster.scheduler.address
    rc = main(["explain-all", str(d / "data.csv"), "--model", str(d / "model.skops"), *TRUST, "--id", "member_no",
               "--out", str(d / "attr"), "--scheduler", address, "--quiet"])
    assert rc == 0, capsys.readouterr().err
    got = pd.read_parquet(d / "attr")
    assert len(got) == 600 and list(got.columns)[:3] == ["member_no", "orders", "basket"]
    rc = main(["audit", str(d / "data.csv"), "--model", str(d / "model.skops"), *TRUST, "--target", "converted",
               "--sensitive", "sex", "--scheduler", address, "--out", str(d / "report"), "--quiet",
               "--n-boot", "20", "--sample-size", "100"])
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((d / "report" / "audit.json").read_text())
    assert doc["options"]["backend"] == "dask" and doc["data"]["rows"] == 600
