"""`explainer why` on a saved implicit model and an interaction matrix, through main(argv)."""

from __future__ import annotations

import pandas as pd
import pytest
import scipy.sparse as sp
from helpers_recsys import fit_item_item

import explainer as ex
from explainer.cli import main


@pytest.fixture(scope="module")
def files(als, histories, tmp_path_factory):
    d = tmp_path_factory.mktemp("cf")
    sp.save_npz(d / "watched.npz", histories["X"])
    als.save(str(d / "als.npz"))
    pd.DataFrame({"title_id": histories["item_ids"], "title": [histories["labels"][i] for i in histories["item_ids"]]}
                 ).to_csv(d / "titles.csv", index=False)
    pd.DataFrame({"viewer": histories["user_ids"]}).to_csv(d / "viewers.csv", index=False)
    return d


@pytest.mark.parametrize("which", ["als", "cosine"])
def test_why_from_the_command_line_matches_the_api(which, files, als, histories, capsys):
    from implicit.nearest_neighbours import CosineRecommender

    d = files
    if which == "als":
        model, path = als, d / "als.npz"
    else:
        model = fit_item_item(CosineRecommender, histories["X"])
        model.save(str(d / "cosine.npz"))
        path = d / "cosine.npz"
    cf = ex.wrap_model(model, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], item_labels=histories["labels"], k=3,
                       history_label="viewing history")
    item = histories["item_ids"][int(cf.recommend("v0000")[0])]
    expected = str(ex.why_collaborative(cf, "v0000", item))
    out = d / f"why-{which}.html"
    rc = main(["why", str(d / "watched.npz"), "--model", str(path), "--items", str(d / "titles.csv"),
               "--users", str(d / "viewers.csv"), "--customer", "v0000", "--item", item, "--k", "3",
               "--history-label", "viewing history", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert printed.startswith(expected)
    page = out.read_text(encoding="utf-8")
    assert histories["labels"][item] in page and "v0000" not in page and item not in page


def test_why_on_a_matrix_needs_the_titles(files, capsys):
    d = files
    rc = main(["why", str(d / "watched.npz"), "--model", str(d / "als.npz"), "--customer", "v0000", "--item", "t009",
               "--out", str(d / "x.html")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "must be given --customer, --item and --items" in err and "--items missing" in err
    (d / "not-a-model.npz").write_bytes(b"not a zip file")
    rc = main(["why", str(d / "watched.npz"), "--model", str(d / "not-a-model.npz"), "--items", str(d / "titles.csv"),
               "--customer", "0", "--item", "t009", "--out", str(d / "y.html")])
    assert rc == 2
    assert "model file must be an implicit model saved with model.save(path)" in capsys.readouterr().err



@pytest.mark.parametrize("cls", ["BayesianPersonalizedRanking", "LogisticMatrixFactorization"])
def test_a_saved_bpr_or_logistic_mf_file_is_refused_not_explained_as_als(cls, files, histories, tmp_path, capsys):
    """implicit saves every factor model's factors under the same array names: a BPR or logistic MF
    file read as ALS would get an "exact" page that is not its model's. The loader tells them apart
    by the hyperparameters each class saves and refuses them with the reason, exit 2."""
    import numpy as np
    import scipy.sparse as sp
    from implicit.bpr import BayesianPersonalizedRanking
    from implicit.lmf import LogisticMatrixFactorization

    model = {"BayesianPersonalizedRanking": BayesianPersonalizedRanking,
             "LogisticMatrixFactorization": LogisticMatrixFactorization}[cls](factors=4, iterations=2, random_state=0,
                                                                              num_threads=1)
    model.fit(sp.csr_matrix(histories["X"], dtype=np.float32), show_progress=False)
    path = tmp_path / "other.npz"
    model.save(str(path))
    out = tmp_path / "why.html"
    rc = main(["why", str(files / "watched.npz"), "--model", str(path), "--items", str(files / "titles.csv"),
               "--users", str(files / "viewers.csv"), "--customer", "v0000", "--item", histories["item_ids"][0],
               "--out", str(out), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("explainer: model must be one of") and f"Got {cls}, which is not supported" in err[-1]
    assert "Traceback" not in "\n".join(err) and not out.exists()

def test_explain_all_from_the_command_line_writes_every_customers_top_k(files, als, histories, tmp_path, capsys):
    """`explainer explain-all watched.npz --model als.npz --items titles.csv --id viewer`: Dask parts of
    customers, the same rows as the API's in-process explanation of every customer."""
    from explainer.scale import read_attributions
    from explainer.scale._explain_collaborative import explain_customers

    d = files
    out = tmp_path / "why-all"
    rc = main(["explain-all", str(d / "watched.npz"), "--model", str(d / "als.npz"), "--items", str(d / "titles.csv"),
               "--users", str(d / "viewers.csv"), "--id", "viewer", "--k", "2", "--workers", "1", "--out", str(out),
               "--quiet"])
    assert rc == 0
    assert "keep and delete them as the input data" in capsys.readouterr().err
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], item_labels=histories["labels"], k=2)
    keys = ["viewer", "rank", "history_item", "source"]
    got = read_attributions(out).sort_values(keys).reset_index(drop=True)
    mine, _ = explain_customers(cf, range(cf.n_users), "viewer")
    pd.testing.assert_frame_equal(got, mine.sort_values(keys).reset_index(drop=True), check_dtype=False)
    assert set(got["rank"]) == {1, 2} and got["viewer"].nunique() == cf.n_users
    # one name for the customer column; refused before anything is read or written
    rc = main(["explain-all", str(d / "watched.npz"), "--model", str(d / "als.npz"), "--items", str(d / "titles.csv"),
               "--id", "viewer", "item", "--out", str(tmp_path / "two")])
    assert rc == 2 and "--id must be one name" in capsys.readouterr().err
    assert not (tmp_path / "two").exists()
    rc = main(["explain-all", str(d / "watched.npz"), "--model", str(d / "als.npz"), "--id", "viewer",
               "--out", str(tmp_path / "none")])
    assert rc == 2 and "must be given --items" in capsys.readouterr().err


def test_a_closed_output_pipe_stops_quietly_without_a_traceback(files, histories, monkeypatch, capsys):
    """`explainer why ... | head`: the reader closes stdout; the command stops with one line on
    stderr and exit 141 (128 + SIGPIPE), not a traceback reported as a bug in explainer."""
    import io
    import sys

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    out = files / "why-pipe.html"
    unseen = next(c for c in range(histories["X"].shape[1]) if histories["X"][0, c] == 0)
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", ClosedPipe())
        rc = main(["why", str(files / "watched.npz"), "--model", str(files / "als.npz"), "--items",
                   str(files / "titles.csv"), "--users", str(files / "viewers.csv"), "--customer", "v0000",
                   "--item", histories["item_ids"][unseen], "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 141, err
    assert "Traceback" not in err and "internal error" not in err
    assert err.strip().splitlines()[-1] == "explainer: stopped: the program reading the output closed it."
