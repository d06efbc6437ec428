"""The audit on a Dask cluster (two worker processes) equals the in-process audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import explainer as ex
SENSITIVE = ["gender", "age_band", "ethnicity"]  # as in tests/conftest.py

RTOL = 1e-9


@pytest.fixture(scope="module")
def dask_audit(recommender, dask_cluster):
    from explainer.scale import to_dask

    ddf = to_dask(recommender.test, partition_rows=1500, by="customer_id")
    assert ddf.npartitions >= 5
    return ex.audit(recommender.pipeline, ddf, target="bought", sensitive_features=SENSITIVE,
                    user_id="customer_id", item_id="category", k=3, sample_size=1500, n_boot=200,
                    random_state=0, scheduler=dask_cluster)


def test_group_metrics_and_intervals_equal_in_process(demo_audit, dask_audit):
    a, b = demo_audit.fairness, dask_audit.fairness
    pdt.assert_frame_equal(a.groups.by_group, b.groups.by_group, rtol=RTOL)
    pdt.assert_frame_equal(a.groups.disparities, b.groups.disparities, rtol=RTOL)
    assert b.groups.by_group["ci_low"].notna().sum() > 100  # intervals were computed, not skipped


def test_exposure_and_quality_equal_in_process(demo_audit, dask_audit):
    a, b = demo_audit.fairness, dask_audit.fairness
    pdt.assert_frame_equal(a.exposure, b.exposure, rtol=RTOL)
    pdt.assert_frame_equal(a.exposure_gaps, b.exposure_gaps, rtol=RTOL)
    pdt.assert_frame_equal(a.quality, b.quality, rtol=RTOL)
    # the planted truth (d) is found on the cluster too
    gaps = b.flagged_exposure()
    assert ((gaps["item"] == "electronics") & (gaps["low_group"] == "65+")).any()


def test_shap_shares_scan_proxies_and_findings_equal_in_process(demo_audit, dask_audit):
    a, b = demo_audit, dask_audit
    pdt.assert_frame_equal(a.explanation.column_share, b.explanation.column_share, rtol=RTOL)
    pdt.assert_frame_equal(a.explanation.category_share, b.explanation.category_share, rtol=RTOL)
    np.testing.assert_array_equal(a.explanation.row_index, b.explanation.row_index)
    assert a.inventory.to_yaml() == b.inventory.to_yaml()
    pdt.assert_frame_equal(a.proxies.table, b.proxies.table, rtol=RTOL)
    # in process only: privacy risks, and the refit evidence behind low-value verdicts (Dask uses shares alone)
    in_process_only = ("privacy.reidentification_risk", "privacy.membership_inference_risk",
                       "data.low_value_column")
    assert ([(f.code, f.columns) for f in a.findings if f.code not in in_process_only]
            == [(f.code, f.columns) for f in b.findings if f.code not in in_process_only])
    for key, value in a.model_info["metrics"].items():
        assert b.model_info["metrics"][key] == pytest.approx(value, rel=RTOL)
    assert b.data_info["rows"] == a.data_info["rows"] and b.data_info["customers"] == a.data_info["customers"]
    assert b.provenance["backend"]["workers"] == 2 and b.options["backend"] == "dask"
    doc = b.to_dict()
    assert doc["data"]["rows"] == a.data_info["rows"] and doc["options"]["backend"] == "dask"


def test_customers_split_across_partitions_are_regrouped(recommender, demo_audit, dask_cluster):
    """Cut the rows without regard to customers: the audit shuffles on the customer id first,
    so every top-k list is still complete and the counts (order-free) stay equal."""
    import dask.dataframe as dd

    data = recommender.test
    ddf = dd.from_pandas(data, npartitions=7, sort=False)
    lens = ddf.map_partitions(len).compute().tolist()
    cuts = np.cumsum(lens)[:-1]
    ids = data["customer_id"].to_numpy()
    assert any(ids[c - 1] == ids[c] for c in cuts), "the test needs a customer cut in two"
    messages: list[str] = []
    b = ex.audit(recommender.pipeline, ddf, target="bought", sensitive_features=SENSITIVE,
                 user_id="customer_id", item_id="category", k=3, sample_size=300, n_boot=200,
                 random_state=0, scheduler=dask_cluster, progress=messages.append)
    assert any("shuffling" in m for m in messages)
    a = demo_audit.fairness
    pdt.assert_frame_equal(a.groups.by_group, b.fairness.groups.by_group, rtol=RTOL)
    pdt.assert_frame_equal(a.exposure, b.fairness.exposure, rtol=RTOL)
    pdt.assert_frame_equal(a.quality, b.fairness.quality, rtol=RTOL)


def test_binary_task_counts_and_auc(dask_cluster):
    """A binary classifier on a Parquet-like frame: selection rates and accuracy equal in-process,
    the histogram AUC is within its bin resolution."""
    from sklearn.linear_model import LogisticRegression

    from explainer.scale import to_dask

    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "gender": rng.choice(["f", "m"], n), "band": rng.choice(["a", "b", "c"], n)})
    df["y"] = (df["x1"] + 0.5 * (df["gender"] == "f") + rng.normal(size=n) > 0.3).astype(int)
    model = LogisticRegression().fit(df[["x1", "x2"]], df["y"])
    kw = dict(target="y", sensitive_features=["gender", "band"], sample_size=500, n_boot=100, random_state=1)
    a = ex.audit(model, df, **kw)
    b = ex.audit(model, to_dask(df, partition_rows=700), scheduler=dask_cluster, **kw)
    pdt.assert_frame_equal(a.fairness.groups.by_group, b.fairness.groups.by_group, rtol=RTOL)
    pdt.assert_frame_equal(a.explanation.column_share, b.explanation.column_share, rtol=RTOL)
    for key in ("accuracy", "selection_rate", "base_rate"):
        assert b.model_info["metrics"][key] == pytest.approx(a.model_info["metrics"][key], rel=RTOL)
    assert abs(b.model_info["metrics"]["roc_auc"] - a.model_info["metrics"]["roc_auc"]) < 1e-4


def test_bad_input_names_the_parameter(recommender, dask_cluster):
    from explainer.scale import to_dask

    ddf = to_dask(recommender.test.drop(columns=["gender"]), partition_rows=4000, by="customer_id")
    with pytest.raises(ex.InvalidInputError, match="sensitive_features must name columns"):
        ex.audit(recommender.pipeline, ddf, target="bought", sensitive_features=["gender"],
                 user_id="customer_id", item_id="category", scheduler=dask_cluster)
    with pytest.raises(ex.InvalidInputError, match="backend must be"):
        ex.audit(recommender.pipeline, recommender.test, backend="spark")


def test_a_local_cluster_starts_while_port_8787_is_taken():
    """Dask's default HTTP port is often held by another cluster or a notebook's dashboard."""
    import socket

    from explainer._cluster import dask_client

    holder = socket.socket()
    try:
        try:
            holder.bind(("0.0.0.0", 8787))
            holder.listen()
        except OSError:
            pass  # already held by another process: the condition under test holds anyway
        with dask_client(n_workers=1, memory_limit="1GiB") as client:  # warnings are errors here
            assert client.submit(sum, [1, 2, 3]).result() == 6
    finally:
        holder.close()
