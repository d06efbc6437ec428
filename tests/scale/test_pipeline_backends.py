"""One pipeline for every backend: the Dask backend measures the re-identification risk from
distributed counts (equal to in process), refits as in process, says what it did not run, and
refuses by name an option it cannot honour; the CLI audits through ``explainer.audit``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import explainer as ex

RTOL = 1e-9


def _people(seed: int = 4, n: int = 600) -> pd.DataFrame:
    """Generated customers whose quasi-identifier classes are planted: ('f', '70+') holds exactly
    one person, ('m', '70+') exactly three, every other combination at least 30; one postcode is
    missing for a planted group of 40 (a missing value is a value of its own)."""
    rng = np.random.default_rng(seed)
    common = [(g, a) for g in ("f", "m") for a in ("18-29", "30-49", "50-69")]
    rows = [common[i % len(common)] for i in range(n - 4)] + [("f", "70+")] + [("m", "70+")] * 3
    df = pd.DataFrame(rows, columns=["gender", "age_band"])
    df["town"] = np.where(np.arange(n) < 40, None, rng.choice(["north", "south"], n))
    df["spend"] = rng.gamma(2.0, 20.0, n)
    df["visits"] = rng.poisson(3, n).astype(float)
    df["bought"] = ((df["spend"] / 40 + rng.normal(0, 1, n)) > 1.0).astype(int)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def people_model():
    from sklearn.linear_model import LogisticRegression

    df = _people()
    model = LogisticRegression().fit(df[["spend", "visits"]], df["bought"])
    return model, df


KW = dict(target="bought", sensitive_features=["gender"], quasi_identifiers=["gender", "age_band", "town"],
          sample_size=200, n_boot=40, min_group_size=10, random_state=0, refit=False)


def test_reidentification_from_dask_counts_equals_in_process(people_model, dask_cluster):
    from explainer.scale import to_dask

    model, df = people_model
    a = ex.audit(model, df, **KW)
    b = ex.audit(model, to_dask(df, partition_rows=150), scheduler=dask_cluster, **KW)
    ra, rb = a.reidentification, b.reidentification
    assert rb is not None
    # the planted truth: one person alone in ('f', '70+'); three in ('m', '70+'), below k = 5
    assert ra.k == rb.k == 1
    assert rb.n_unique == ra.n_unique == 1
    assert rb.share_below_threshold == pytest.approx(4 / 600, rel=RTOL)
    assert rb.to_dict() == ra.to_dict()
    assert ([f for f in a.findings if f.code == "privacy.reidentification_risk"]
            == [f for f in b.findings if f.code == "privacy.reidentification_risk"])


def test_reidentification_counts_one_row_per_customer(dask_cluster):
    """A customer scored on several rows counts once, also when their rows sit in two partitions."""
    from explainer.pipeline._dask import class_counts
    from explainer.scale import to_dask

    df = pd.DataFrame({"cid": [1, 1, 2, 2, 3, 4, 4, 4], "g": ["a", "a", "a", "a", "b", "b", "b", "b"],
                       "band": ["x", "x", "y", "y", "y", None, None, None]})
    table = class_counts(dask_cluster, to_dask(df, partition_rows=3), ["g", "band"], "cid")
    got = sorted(map(tuple, table.astype(object).where(table.notna(), "<NA>").to_numpy().tolist()))
    assert got == [("a", "x"), ("a", "y"), ("b", "<NA>"), ("b", "y")]


def test_dask_refits_on_the_training_rows_and_says_what_it_did_not_run(people_model, dask_cluster):
    from explainer.scale import to_dask

    model, df = people_model
    train, test = df.iloc[:300], df.iloc[300:].reset_index(drop=True)
    kw = {**KW, "refit": True, "refit_folds": 3, "small_loss": 0.02, "quasi_identifiers": []}
    a = ex.audit(model, test, train_data=train, **kw)
    b = ex.audit(model, to_dask(test, partition_rows=100), scheduler=dask_cluster, train_data=train, **kw)
    assert b.minimisation.refit is not None
    pdt.assert_frame_equal(a.minimisation.table, b.minimisation.table, rtol=RTOL)
    assert b.options["small_loss"] == 0.02 and b.options["refit_folds"] == 3 and b.options["train_rows"] == 300
    # the mitigation comparison runs on the sampled rows; what does not run is said in the warnings
    assert b.fairness.mitigation is not None and len(b.fairness.mitigation.table)
    doc = b.to_dict()
    assert any("mitigation comparison ran on 200 of 300 rows" in w for w in doc["warnings"])
    assert any("MetricFrame" in w and "Not run on the Dask backend" in w for w in doc["warnings"])
    assert any("membership inference" in w and "Not run on the Dask backend" in w for w in doc["warnings"])
    assert not b.membership.available
    assert b.provenance["not_run_on_dask"] == ["metricframe cross-check", "membership inference"]


@pytest.mark.parametrize("backend_kw,option", [
    ({"n_workers": 4}, "n_workers must be left out with backend='pandas'"),
    ({"partition_rows": 1000}, "partition_rows must be left out with backend='pandas'"),
    ({"encoding": "latin-1"}, "encoding must be left out with backend='pandas'"),
    ({"backend": "dask", "item_label": "town"}, "item_label must keep its default with backend='dask'"),
    ({"refit_folds": 1}, "refit_folds must be an integer of at least 2. Got 1."),
    ({"k_anonymity": 0}, "k_anonymity must be a positive integer. Got 0."),
    ({"proxy_threshold": 2.0}, "proxy_threshold must be a number from 0.5 to 1"),
    ({"backend": "spark"}, "backend must be 'pandas' or 'dask'. Got 'spark'."),
])
def test_an_option_is_refused_by_name_in_one_line(people_model, backend_kw, option):
    model, df = people_model
    with pytest.raises(ex.ExplainerError) as err:
        ex.audit(model, df, target="bought", **backend_kw)
    assert str(err.value).startswith(option) and "\n" not in str(err.value)


def test_options_are_one_frozen_object_shared_by_the_backends():
    from dataclasses import FrozenInstanceError

    from explainer.pipeline import AuditOptions

    o = AuditOptions(sensitive_features="gender", quasi_identifiers=["age_band"])
    assert o.sensitive_features == ("gender",) and o.quasi_identifiers == ("age_band",)
    with pytest.raises(FrozenInstanceError):
        o.n_boot = 5  # type: ignore[misc]
    with pytest.raises(ex.InvalidInputError, match=r"quasi_identifiers must be a list of column names"):
        AuditOptions(quasi_identifiers="age_band")


def test_cli_audit_goes_through_explainer_audit(tmp_path, monkeypatch, capsys):
    """Both backends: the command passes the same options to ``explainer.audit``, the Dask ones too."""
    from sklearn.linear_model import LogisticRegression

    from explainer.cli import main

    df = _people(n=200)
    ex.save_model(LogisticRegression().fit(df[["spend", "visits"]], df["bought"]), tmp_path / "m.skops")
    df.to_csv(tmp_path / "d.csv", index=False)
    calls: list[dict] = []

    def fake(model, data, **kw):
        calls.append({"data": data, **kw})
        raise ex.InvalidInputError("stop here")

    monkeypatch.setattr(ex, "audit", fake)
    common = [str(tmp_path / "d.csv"), "--model", str(tmp_path / "m.skops"), "--target", "bought", "--quiet",
              "--refit-folds", "4"]
    assert main(["audit", *common, "--out", str(tmp_path / "a"), "--scheduler", "tcp://127.0.0.1:8786",
                 "--workers", "3", "--no-refit"]) == 2
    assert main(["audit", *common, "--out", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err.count("stop here") == 2
    dask_call, local_call = calls
    assert dask_call["backend"] == "dask" and dask_call["scheduler"] == "tcp://127.0.0.1:8786"
    assert dask_call["n_workers"] == 3 and dask_call["refit"] is False and dask_call["refit_folds"] == 4
    assert dask_call["data"] == str(tmp_path / "d.csv")  # the Dask backend reads the file in partitions
    assert local_call["backend"] == "pandas" and isinstance(local_call["data"], pd.DataFrame)
    assert local_call["refit"] is True and local_call["refit_folds"] == 4
