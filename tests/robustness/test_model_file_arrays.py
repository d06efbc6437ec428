"""Model files whose tree arrays were edited are refused before compiled code reads them.

A skops file holds each numpy array as a ``.npy`` member of a zip, with ``schema.json``
saying which attribute it is. The helper here dumps a real model, edits the arrays under one
attribute, and writes the file back; no pickle and no custom type is involved,
so skops itself loads every one of these files. scikit-learn's compiled predictors follow
the node indices without bounds checks: on the files marked ``crash`` an unchecked loader
lets ``explainer audit`` die with a segmentation fault. Each file must instead be refused
with exit 2 and one line on stderr (CLI), InvalidInputError (API). The CLI runs in a child
process, so that a crash shows as a signal there instead of killing pytest.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import explainer
from explainer.errors import InvalidInputError
from explainer.models import load_model, save_model

#: Types a HistGradientBoosting model with categorical inputs holds besides skops' trusted
#: list (its categorical preprocessor): the user passes them with --trust-type.
HGB_CAT_TYPES = ["functools.partial", "sklearn.utils.validation.check_array"]
TREE_TYPE = "sklearn.tree._tree.Tree"


# --- the file-editing helper ---------------------------------------------------------------
def _entries(schema: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` in the skops schema, in file order."""
    found: list[Any] = []

    def walk(o: Any) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if k == key:
                    found.append(v)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(schema)
    return found


def edit_skops(src: Path, dst: Path, *, key: str, edit: Callable[[np.ndarray], np.ndarray | None]) -> None:
    """Copy the skops file ``src`` to ``dst`` with the arrays stored under ``key`` edited.

    ``edit`` receives a copy of each array stored under ``key`` (or in a list stored
    there) and returns the new array, or None to leave that one as it is.
    """
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    entries = _entries(json.loads(members["schema.json"]), key)
    assert entries, f"no {key!r} in the file"
    changed = 0
    for entry in entries:
        arrays = [entry] if "file" in entry else [e for e in entry.get("content", []) if "file" in e]
        for a in arrays:
            new = edit(np.load(io.BytesIO(members[a["file"]]), allow_pickle=False).copy())
            if new is not None:
                buf = io.BytesIO()
                np.save(buf, new, allow_pickle=False)
                members[a["file"]] = buf.getvalue()
                changed += 1
    assert changed, f"the edit of {key!r} changed nothing"
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, payload in members.items():
            z.writestr(name, payload)


def _first_inner(nodes: np.ndarray) -> int:
    return int(np.flatnonzero(nodes["is_leaf"] == 0)[0])


def _set(field: str, value: Any, *, node: str = "first") -> Callable[[np.ndarray], np.ndarray | None]:
    """Set ``field`` of the first split node (or of every split node) of a TreePredictor."""
    def edit(nodes: np.ndarray) -> np.ndarray | None:
        inner = np.flatnonzero(nodes["is_leaf"] == 0)
        if not len(inner):
            return None
        nodes[field][inner[:1] if node == "first" else inner] = value
        return nodes
    return edit


def _tree_set(field: str, value: Any) -> Callable[[np.ndarray], np.ndarray | None]:
    """Set ``field`` of the root split of a decision tree (sklearn.tree._tree.Tree)."""
    def edit(nodes: np.ndarray) -> np.ndarray | None:
        if nodes["left_child"][0] == -1:
            return None
        nodes[field][0] = value
        return nodes
    return edit


# --- the models ------------------------------------------------------------------------------
def make_data(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(float),
        "spend": rng.gamma(2.0, 50.0, n).round(2),
        "visits": rng.integers(0, 6, n).astype(float),
        "region": rng.integers(0, 5, n),
    })
    df.loc[rng.random(n) < 0.15, "spend"] = np.nan  # missing values go left or right at each split
    df.loc[rng.random(n) < 0.1, "age"] = np.nan
    logit = (df["spend"].fillna(60) - 90) / 40 + (df["region"] == 2) - 0.3 * df["visits"]
    df["bought"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


INPUTS = ["age", "spend", "visits", "region"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Any]:
    from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                  RandomForestClassifier)
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    root = tmp_path_factory.mktemp("model_arrays")
    df = make_data()
    df.to_csv(root / "data.csv", index=False)
    X, y = df[INPUTS], df["bought"]
    models = {
        # numeric inputs only: loads without any trust flag
        "hgb": HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(X, y),
        "hgb_cat": HistGradientBoostingClassifier(max_iter=15, categorical_features=["region"],
                                                  random_state=0).fit(X, y),
        "hgb_reg": HistGradientBoostingRegressor(max_iter=15, categorical_features=["region"],
                                                 random_state=0).fit(X, df["spend"].fillna(0)),
        "pipe": Pipeline([("scale", StandardScaler()),
                          ("hgb", HistGradientBoostingClassifier(max_iter=10, random_state=0))]).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X.fillna(0), y),
    }
    for name, model in models.items():
        save_model(model, root / f"{name}.skops")
    # the categorical edits below hit real categorical splits
    assert any((p.nodes["is_categorical"] == 1).any() for it in models["hgb_cat"]._predictors for p in it)
    return {"root": root, "data": df, "models": models}


def _leaf_feature_far(nodes: np.ndarray) -> np.ndarray:
    nodes["feature_idx"][np.flatnonzero(nodes["is_leaf"] == 1)[0]] = 10**9
    return nodes


def _tree_leaf_names_input(nodes: np.ndarray) -> np.ndarray:
    nodes["feature"][np.flatnonzero(nodes["left_child"] == -1)[0]] = 3
    return nodes


def _numeric_split_made_categorical(nodes: np.ndarray) -> np.ndarray | None:
    """A split on a numeric input marked categorical, pointing at a bitset that exists."""
    numeric = np.flatnonzero((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 0)
                             & (nodes["feature_idx"] != INPUTS.index("region")))
    if not (nodes["is_categorical"] == 1).any() or not len(numeric):
        return None
    nodes["is_categorical"][numeric[0]] = 1
    nodes["bitset_idx"][numeric[0]] = 0
    return nodes


def _categorical_bitset_far(nodes: np.ndarray) -> np.ndarray | None:
    cat = nodes["is_categorical"] == 1
    if not cat.any():
        return None
    nodes["bitset_idx"][cat] = 10**6
    return nodes


#: name -> (source model, key in the schema, edit, trusted types, crashes unchecked code)
EDITS: dict[str, tuple[str, str, dict[str, Any], list[str], bool]] = {
    # TreePredictor (HistGradientBoosting), loaded without any flag
    "left child far past the nodes": ("hgb", "nodes", {"edit": _set("left", 2**31)}, [], True),
    "right child one past the end": ("hgb", "nodes", {"edit": lambda n: _set("right", len(n))(n)}, [], False),
    "feature index far past the inputs": ("hgb", "nodes", {"edit": _set("feature_idx", 10**9, node="all")}, [], True),
    "negative feature index": ("hgb", "nodes", {"edit": _set("feature_idx", -(10**9), node="all")}, [], True),
    "feature index of a 5th input": ("hgb", "nodes", {"edit": _set("feature_idx", 4)}, [], False),
    "feature index far past the inputs in a leaf": ("hgb", "nodes", {"edit": _leaf_feature_far}, [], False),
    "child pointing to its parent (a cycle)": ("hgb", "nodes", {"edit": lambda n: _set("left", _first_inner(n))(n)},
                                               [], False),
    "two parents of one node": ("hgb", "nodes", {"edit": lambda n: _set(
        "right", int(n["left"][_first_inner(n)]))(n)}, [], False),
    "leaf flag of 2": ("hgb", "nodes", {"edit": _set("is_leaf", 2)}, [], False),
    "missing-goes-left flag of 7": ("hgb", "nodes", {"edit": _set("missing_go_to_left", 7)}, [], False),
    "categorical split without bitsets": ("hgb", "nodes", {"edit": lambda n: _set("bitset_idx", 10**6)(
        _set("is_categorical", 1)(n))}, [], True),
    "bin threshold past the bins": ("hgb", "nodes", {"edit": _set("bin_threshold", 250, node="all")}, [], False),
    "node array of two dimensions": ("hgb", "nodes", {"edit": lambda n: n.reshape(-1, 1)}, [], False),
    "empty node array": ("hgb", "nodes", {"edit": lambda n: n[:0]}, [], True),
    "bitsets of 4 words": ("hgb", "raw_left_cat_bitsets", {"edit": lambda b: np.zeros((b.shape[0] + 1, 4),
                                                                                       dtype=np.uint32)}, [], False),
    "bin thresholds of a feature cut short": ("hgb", "bin_thresholds_", {"edit": lambda t: t[:1]}, [], False),
    "feature index far past the inputs, inside a pipeline": ("pipe", "nodes", {"edit": _set(
        "feature_idx", 10**9, node="all")}, [], True),
    # with categorical inputs (trusted preprocessor types)
    "categorical split on a numeric input": ("hgb_cat", "nodes", {"edit": _numeric_split_made_categorical},
                                             HGB_CAT_TYPES, False),
    "categorical bitset index past the bitsets": ("hgb_cat", "nodes", {"edit": _categorical_bitset_far},
                                                  HGB_CAT_TYPES, True),
    "known categories above 255": ("hgb_cat", "bin_thresholds_", {"edit": lambda t: t + 1000 if np.array_equal(
        t, np.arange(5)) else None}, HGB_CAT_TYPES, False),
    # sklearn.tree._tree.Tree (forests), which the user trusts with --trust-type
    "decision tree child far past the nodes": ("forest", "nodes", {"edit": _tree_set("left_child", 2**40)},
                                               [TREE_TYPE], True),
    "decision tree feature far past the inputs": ("forest", "nodes", {"edit": _tree_set("feature", 10**9)},
                                                  [TREE_TYPE], True),
    "decision tree leaf naming an input": ("forest", "nodes", {"edit": _tree_leaf_names_input}, [TREE_TYPE], False),
}


def _edited(files: dict[str, Any], name: str) -> tuple[Path, list[str]]:
    source, key, how, trusted, _ = EDITS[name]
    dst = files["root"] / f"edited_{list(EDITS).index(name)}.skops"
    if not dst.exists():
        edit_skops(files["root"] / f"{source}.skops", dst, key=key, **how)
    return dst, trusted


# --- API -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EDITS))
def test_edited_file_is_refused_by_load_model(files, name):
    path, trusted = _edited(files, name)
    with pytest.raises(InvalidInputError, match="must hold trees as scikit-learn writes them") as info:
        load_model(path, trusted_types=trusted)
    msg = str(info.value)
    assert path.name in msg and "\n" not in msg
    assert "Got " in msg and "edited" in msg  # what, what was found, how to fix


def test_trust_model_does_not_let_an_edited_file_through(files):
    path, _ = _edited(files, "feature index far past the inputs")
    with pytest.raises(InvalidInputError, match="must hold trees as scikit-learn writes them"):
        load_model(path, trust_model=True)


def test_a_model_kept_as_a_pickle_is_checked_too(files, tmp_path):
    import pickle

    model = load_model(files["root"] / "hgb.skops")
    model._predictors[0][0].nodes["left"][_first_inner(model._predictors[0][0].nodes)] = 2**31
    with open(tmp_path / "m.pkl", "wb") as fh:
        pickle.dump(model, fh)
    with pytest.raises(InvalidInputError, match="left child is not a later node"):
        load_model(tmp_path / "m.pkl", trust_model=True)


def test_node_arrays_of_another_dtype_are_refused(files):
    # scikit-learn casts a file's node array to its own dtype when it can; one set afterwards,
    # or one it could not cast, must still never reach the compiled predictor
    from explainer.models._trees import check_tree_arrays

    model = load_model(files["root"] / "hgb.skops")
    nodes = model._predictors[0][0].nodes
    model._predictors[0][0].nodes = nodes.astype(
        [(f, "<i8" if f in ("left", "right") else nodes.dtype[f]) for f in nodes.dtype.names])
    with pytest.raises(InvalidInputError, match="node array of tree 0 of iteration 0 with a dtype"):
        check_tree_arrays(model, name="m.skops")


@pytest.mark.parametrize("name,trusted", [("hgb", []), ("pipe", []), ("hgb_cat", HGB_CAT_TYPES), ("hgb_reg", HGB_CAT_TYPES),
                                          ("forest", [TREE_TYPE])])
def test_untouched_files_load_and_predict_identically(files, name, trusted):
    model = files["models"][name]
    loaded = load_model(files["root"] / f"{name}.skops", trusted_types=trusted)
    X = files["data"][INPUTS]
    if name == "forest":
        X = X.fillna(0)
    assert X.isna().any().any() or name == "forest"  # the HGB files see missing values
    method = "predict" if name == "hgb_reg" else "predict_proba"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


# --- CLI, in a child process -------------------------------------------------------------------
_RUNNER = """
import contextlib, io, json, sys
from explainer.cli import main
out = []
for argv in json.loads(sys.argv[1]):
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        code = main(argv)
    out.append({"code": code, "stderr": err.getvalue(), "stdout": std.getvalue()})
    print(json.dumps(out[-1]), flush=True)
"""


def _run_cli(runs: list[list[str]]) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    env = dict(os.environ, PYTHONPATH=str(Path(explainer.__file__).parents[1]))
    proc = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(runs)], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    return proc, [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def test_cli_refuses_edited_files_with_exit_2_and_no_crash(files, tmp_path):
    crashing = [n for n, e in EDITS.items() if e[4]]
    runs = []
    for i, name in enumerate(crashing):
        path, trusted = _edited(files, name)
        runs.append(["audit", str(files["root"] / "data.csv"), "--model", str(path), "--target", "bought",
                     "--out", str(tmp_path / f"out{i}"), "--quiet", "--n-boot", "10", "--sample-size", "50",
                     "--no-refit", *[a for t in trusted for a in ("--trust-type", t)]])
    proc, results = _run_cli(runs)
    # a segmentation fault kills the child: -11 (SIGSEGV) or 139 instead of 0
    assert proc.returncode == 0, f"the CLI crashed (exit {proc.returncode}) after {len(results)} of {len(runs)} files"
    assert len(results) == len(crashing)
    for name, res in zip(crashing, results):
        assert res["code"] == 2, (name, res["code"])
        lines = res["stderr"].strip().splitlines()
        assert len(lines) == 1 and "must hold trees as scikit-learn writes them" in lines[0], (name, lines)
        assert "Traceback" not in res["stderr"]
    assert not any((tmp_path / f"out{i}").exists() for i in range(len(runs)))


def test_cli_still_audits_an_untouched_hgb_file(files, tmp_path):
    argv = ["audit", str(files["root"] / "data.csv"), "--model", str(files["root"] / "hgb.skops"), "--target",
            "bought", "--out", str(tmp_path / "out"), "--quiet", "--n-boot", "10", "--sample-size", "50",
            "--no-refit"]
    proc, results = _run_cli([argv])
    assert proc.returncode == 0 and results[0]["code"] == 0, results
    assert (tmp_path / "out" / "audit.json").is_file()
