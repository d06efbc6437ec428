"""A model that raises on the Dask workers: exit 2, and its message reaches no output.

The worker logs the failed task to its own stderr; before the model's exception was wrapped,
that log (and the traceback the CLI printed on exit 3) repeated the model's message, which
here quotes a customer. Everything written to the file descriptors is captured (capfd), the
workers' logs included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

import explainer as ex
from explainer.cli import main

CANARY = "Alice Smith 07700 900123"


class ExplodingOnWorkers(ClassifierMixin, BaseEstimator):
    """A classifier whose predict_proba raises a RuntimeError quoting a customer."""

    def fit(self, X, y):
        self.inner_ = LogisticRegression().fit(np.asarray(X, dtype=float), y)
        self.classes_ = self.inner_.classes_
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        raise RuntimeError(f"cannot score {CANARY}")

    def predict(self, X):
        raise RuntimeError(f"cannot score {CANARY}")


def test_dask_audit_model_failure_exits_2_without_the_model_message(dask_cluster, tmp_path, capfd):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.integers(18, 80, 300).astype(float), "spend": rng.gamma(2.0, 50.0, 300)})
    df["bought"] = (df["spend"] > 100).astype(int)
    df.to_parquet(tmp_path / "d.parquet")
    ex.save_model(ExplodingOnWorkers().fit(df[["age", "spend"]], df["bought"]), tmp_path / "m.skops")
    code = main(["audit", str(tmp_path / "d.parquet"), "--model", str(tmp_path / "m.skops"), "--target", "bought",
                 "--out", str(tmp_path / "out"), "--scheduler", dask_cluster.scheduler.address, "--quiet",
                 "--n-boot", "10", "--sample-size", "60", "--trust-type", f"{__name__}.ExplodingOnWorkers"])
    out, err = capfd.readouterr()
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("explainer: the model must run on the data")
    assert "RuntimeError raised by the model's predict_proba" in err
    assert CANARY not in out and CANARY not in err
    assert "bug in explainer" not in err
    assert not (tmp_path / "out").exists()
