"""Bulk per-row explanations on a Dask cluster: exact, keyed by id, resumable."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import explainer as ex


@pytest.fixture(scope="module")
def small_model():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    n = 2400
    df = pd.DataFrame({
        "person_id": np.arange(10_000, 10_000 + n),
        "visits": rng.poisson(3, n).astype(float),
        "spend": rng.gamma(2.0, 20.0, n),
        "region": rng.choice(["north", "south", "east", "west"], n),
    })
    df["y"] = ((df["visits"] > 3) ^ (df["region"] == "east") | (df["spend"] > 60)).astype(int)
    prep = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["region"])],
                             remainder="passthrough", verbose_feature_names_out=False)
    pipe = Pipeline([("prep", prep), ("gb", HistGradientBoostingClassifier(max_iter=20, max_depth=3,
                                                                           random_state=0))])
    pipe.fit(df[["visits", "spend", "region"]], df["y"])
    return pipe, df


def _reference(pipe, df, mapping):
    from explainer.analyses import explain_matrix

    adapter = ex.wrap_model(pipe)
    Z, _ = adapter.transform(df)
    sm = explain_matrix(adapter.final_estimator, Z)
    return sm.values @ mapping, sm.base_value


def test_explain_all_writes_every_row_exactly_and_resumes(small_model, dask_cluster, tmp_path):
    from explainer.scale import read_attributions, to_dask

    pipe, df = small_model
    out = tmp_path / "attributions"
    ddf = to_dask(df, partition_rows=400)
    n_parts = ddf.npartitions
    assert n_parts == 6

    calls: list[str] = []

    def interrupt(msg: str) -> None:  # stop the run after the first finished partition
        calls.append(msg)
        if "partitions done" in msg:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster, progress=interrupt)
    finished = sorted(p.name for p in (out / "_parts").glob("part-*.json"))
    assert 1 <= len(finished) < n_parts
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}

    # partitions that were running when the run stopped may finish after it: at least the
    # finished ones are skipped, and nothing is explained twice
    res = ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster)
    assert res.skipped >= len(finished) and res.computed == n_parts - res.skipped
    assert res.rows == len(df) and res.partitions == n_parts
    for name, mtime in before.items():  # finished partitions were not recomputed
        assert (out / name).stat().st_mtime_ns == mtime
    again = ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster)
    assert again.computed == 0 and again.skipped == n_parts

    got = read_attributions(out).sort_values("person_id").reset_index(drop=True)
    pdt.assert_frame_equal(pd.read_parquet(out).sort_values("person_id").reset_index(drop=True), got)
    assert got["person_id"].tolist() == df["person_id"].tolist()
    assert list(got.columns) == ["person_id", "visits", "spend", "region", "_base_value", "_output"]
    # exact: equal to in-process tree SHAP, and adds up to the model's log-odds for every row
    mapping = np.asarray(json.loads((out / "_manifest.json").read_text())["mapping"])
    ref, base = _reference(pipe, df, mapping)
    np.testing.assert_allclose(got[["visits", "spend", "region"]].to_numpy(), ref, rtol=1e-9, atol=1e-12)
    raw = ex.wrap_model(pipe).predict_raw(df)
    np.testing.assert_allclose(got[["visits", "spend", "region"]].sum(axis=1) + base, raw, atol=1e-8)
    assert res.max_additivity_error < 1e-8 and res.unit == "log-odds"

    one = read_attributions(out, ids=[10_007])
    assert one["person_id"].tolist() == [10_007]


def test_explain_all_refuses_another_run_and_bad_ids(small_model, dask_cluster, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from explainer.scale import to_dask

    pipe, df = small_model
    out = tmp_path / "a"
    ddf = to_dask(df.iloc[:500], partition_rows=250)
    ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster)
    other = LogisticRegression().fit(df[["visits", "spend"]], df["y"])
    with pytest.raises(ex.OutputExistsError, match="out must be empty or hold a run of the same model"):
        ex.explain_all(other, ddf, id_column="person_id", out=out, scheduler=dask_cluster)
    with pytest.raises(ex.InvalidInputError, match="id_column must name columns of the data"):
        ex.explain_all(pipe, ddf, id_column="customer", out=tmp_path / "b", scheduler=dask_cluster)
    with pytest.raises(ex.InvalidInputError, match="id_column must not be a model input"):
        ex.explain_all(pipe, ddf, id_column="spend", out=tmp_path / "c", scheduler=dask_cluster)


# --- output folders: explain_all removes only its own files (issue: never delete a user's files) ---
def _files(folder):
    return {p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("force", [False, True])
def test_explain_all_refuses_a_folder_that_holds_its_input(small_model, dask_cluster, tmp_path, force):
    pipe, df = small_model
    folder = tmp_path / "data"
    folder.mkdir()
    df.iloc[:300].to_parquet(folder / "people.parquet")
    before = _files(folder)
    with pytest.raises(ex.InvalidInputError, match="out must not overlap the input data"):
        ex.explain_all(pipe, folder / "people.parquet", id_column="person_id", out=folder,
                       scheduler=dask_cluster, force=force)
    with pytest.raises(ex.InvalidInputError, match="out must not overlap the input data"):
        ex.explain_all(pipe, folder, id_column="person_id", out=folder / "attributions", scheduler=dask_cluster,
                       force=force)
    assert _files(folder) == before


def test_explain_all_cli_force_into_the_inputs_folder_keeps_the_input(small_model, tmp_path, capsys):
    from explainer.cli import main

    pipe, df = small_model
    folder = tmp_path / "data"
    folder.mkdir()
    df.iloc[:300].to_parquet(folder / "people.parquet")
    ex.save_model(pipe, tmp_path / "model.skops")
    before = _files(folder)
    rc = main(["explain-all", str(folder / "people.parquet"), "--model", str(tmp_path / "model.skops"),
               "--id", "person_id", "--out", str(folder), "--force", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "out must not overlap the input data" in err[0]
    assert _files(folder) == before


def test_explain_all_force_replaces_only_its_own_files(small_model, dask_cluster, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from explainer.scale import to_dask

    pipe, df = small_model
    out = tmp_path / "a"
    ddf = to_dask(df.iloc[:500], partition_rows=250)
    ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster)
    other = LogisticRegression().fit(df[["visits", "spend"]], df["y"])
    # another run's files alone are replaced with force
    res = ex.explain_all(other, ddf, id_column="person_id", out=out, scheduler=dask_cluster, force=True)
    assert res.computed == 2 and json.loads((out / "_manifest.json").read_text())["columns"] == ["visits", "spend"]
    # a file of the user's in the folder: refused, with or without force, and nothing is removed
    (out / "README.txt").write_text("what these files are, for our DPO")
    before = _files(out)
    for force in (False, True):
        with pytest.raises(ex.OutputExistsError, match="explain_all did not write"):
            ex.explain_all(pipe, ddf, id_column="person_id", out=out, scheduler=dask_cluster, force=force)
    assert _files(out) == before
    # a folder of other files without a manifest is never emptied, even with force
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"numbers")
    with pytest.raises(ex.OutputExistsError, match="explain_all did not write"):
        ex.explain_all(pipe, ddf, id_column="person_id", out=mine, scheduler=dask_cluster, force=True)
    assert (mine / "budget.xlsx").read_bytes() == b"numbers"


def test_explain_all_corrupt_manifest_is_a_one_line_error(small_model, tmp_path, capsys):
    from explainer.cli import main

    pipe, df = small_model
    data = tmp_path / "people.parquet"
    df.iloc[:300].to_parquet(data)
    ex.save_model(pipe, tmp_path / "model.skops")
    out = tmp_path / "attributions"
    out.mkdir()
    (out / "_manifest.json").write_text('{"fingerprint": {"model": "abc"')  # cut off mid-write
    for extra in ([], ["--force"]):
        rc = main(["explain-all", str(data), "--model", str(tmp_path / "model.skops"), "--id", "person_id",
                   "--out", str(out), "--quiet", *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1, err
        assert "whose _manifest.json cannot be read (JSONDecodeError)" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["_manifest.json"]
    with pytest.raises(ex.InvalidInputError, match="cannot be read"):
        from explainer.scale import read_attributions

        read_attributions(out)
