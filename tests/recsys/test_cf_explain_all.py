"""explain-all for a CF recommender: partitions of customers on Dask equal the in-process explanations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer.scale import read_attributions
from explainer.errors import InvalidInputError, OutputExistsError


@pytest.fixture(scope="module")
def client():
    import distributed

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       memory_limit="1GiB", scheduler_kwargs={"dashboard": False,
                                                                              "dashboard_address": ":0"})
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def cf(histories, als):
    rng = np.random.default_rng(5)
    X = histories["X"]
    ratings = X.copy()
    ratings.data = ratings.data * rng.random(len(ratings.data))
    return ex.wrap_model(als, interactions=X, user_ids=histories["user_ids"], item_ids=histories["item_ids"],
                         item_labels=histories["labels"], sources={"views": X - ratings, "ratings": ratings}, k=3)


def test_dask_partitions_of_customers_equal_the_in_process_explanations(cf, histories, client, tmp_path):
    from explainer.scale._explain_collaborative import explain_customers

    out = tmp_path / "why"
    res = ex.explain_all(cf, None, id_column="viewer", out=out, scheduler=client, partition_rows=100)
    assert (res.partitions, res.computed, res.skipped) == (3, 3, 0)  # 240 customers in parts of 100
    assert res.max_additivity_error < 1e-6
    got = read_attributions(out).sort_values(["viewer", "rank", "history_item", "source"]).reset_index(drop=True)
    mine, _ = explain_customers(cf, range(cf.n_users), "viewer")
    mine = mine.sort_values(["viewer", "rank", "history_item", "source"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, mine, check_dtype=False)
    assert res.rows == len(got)

    # each (customer, item): the rows add up to the explained score, and over sources to explain()'s attribution
    pair = got.groupby(["viewer", "rank"]).agg(total=("contribution", "sum"), base=("_base_value", "first"),
                                               out=("_output", "first"))
    assert np.allclose(pair["total"] + pair["base"], pair["out"], atol=1e-9)
    e = cf.explain("v0000")
    first = got[(got["viewer"] == "v0000") & (got["rank"] == 1)].groupby("history_item")["contribution"].sum()
    expected = {cf.label(int(p)): v for p, v in zip(e.parts, e.contributions[0])}
    assert first.to_dict() == pytest.approx(expected, abs=1e-12)
    assert set(got.loc[got["viewer"] == "v0000", "item"]) == {cf.label(int(c)) for c in e.items}

    # an access request reads one customer's rows: their own history, by label
    one = read_attributions(out, ids=["v0000"])
    assert set(one["viewer"]) == {"v0000"} and "Fargo" in set(one["history_item"])
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["columns"] == ["rank", "item", "history_item", "source", "contribution"]

    again = ex.explain_all(cf, None, id_column="viewer", out=out, scheduler=client, partition_rows=100)
    assert (again.computed, again.skipped) == (0, 3)  # a rerun finds the finished parts


def test_some_customers_and_the_folder_rules(cf, histories, client, tmp_path):
    out = tmp_path / "asked"
    res = ex.explain_all(cf, ["v0003", "v0007"], id_column="viewer", out=out, scheduler=client)
    assert res.partitions == 1 and set(read_attributions(out)["viewer"]) == {"v0003", "v0007"}
    with pytest.raises(OutputExistsError, match="holds another run"):
        ex.explain_all(cf, ["v0003"], id_column="viewer", out=out, scheduler=client)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="did not write"):
        ex.explain_all(cf, None, id_column="viewer", out=tmp_path / "mine", scheduler=client, force=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
    with pytest.raises(InvalidInputError, match="customer must be one of the model's user_ids"):
        ex.explain_all(cf, ["nobody"], id_column="viewer", out=tmp_path / "x", scheduler=client)
    with pytest.raises(InvalidInputError, match="id_column must be one name"):
        ex.explain_all(cf, None, id_column="item", out=tmp_path / "y", scheduler=client)
    with pytest.raises(InvalidInputError, match="task and encoding must be None"):
        ex.explain_all(cf, None, id_column="viewer", out=tmp_path / "z", task="ranking")
