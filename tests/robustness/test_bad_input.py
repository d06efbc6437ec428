"""The bad-input corpus, through ``main(argv)``.

Every case must give exit code 2 and exactly one line on stderr that names the problem and
the fix, with no traceback, no value of the data, and nothing written or changed in the
output folder. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from helpers_robustness import SENTINELS, Workspace

from explainer.cli import main

FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100"]
Setup = Callable[[Workspace, Path], list[str]]
CASES: dict[str, tuple[Setup, tuple[str, ...]]] = {}


def case(*phrases: str) -> Callable[[Setup], Setup]:
    def register(fn: Setup) -> Setup:
        CASES[fn.__name__] = (fn, phrases)
        return fn

    return register


class Doubler(TransformerMixin, BaseEstimator):
    """A custom step: skops does not trust its type until the user says so."""

    def fit(self, X, y=None):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) * 2


def audit(ws: Workspace, tmp: Path, data: Path | str | None = None, *extra: str,
          model: Path | str | None = None, target: str = "bought") -> list[str]:
    return ["audit", str(data or ws / "data.csv"), "--model", str(model or ws / "model.skops"),
            "--target", target, "--out", str(tmp / "out"), *FAST, *extra]


def csv(ws: Workspace, tmp: Path, df: pd.DataFrame, name: str = "d.csv", **kw) -> Path:
    p = tmp / name
    df.to_csv(p, index=False, **kw)
    return p


# --- the data file ---------------------------------------------------------------------------
@case("data file must exist", "nope.csv")
def data_file_missing(ws, tmp):
    return audit(ws, tmp, tmp / "nope.csv")


@case("data file must not be empty", "0 bytes")
def empty_file(ws, tmp):
    (tmp / "empty.csv").write_bytes(b"")
    return audit(ws, tmp, tmp / "empty.csv")


@case("must hold rows and columns", "0 rows")
def header_only(ws, tmp):
    (tmp / "h.csv").write_text("age,spend,city,bought\n")
    return audit(ws, tmp, tmp / "h.csv")


@case("must be tab-separated", "','", "Save it with tabs")
def wrong_delimiter(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data, "d.tsv"))


@case("data column 'spend' must hold numbers", "decimal points")
def decimal_commas(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data, sep=";", decimal=","))


@case("must be UTF-8 text", "NUL bytes", "not a text file")
def binary_junk(ws, tmp):
    (tmp / "junk.csv").write_bytes(bytes(range(256)) * 40)
    return audit(ws, tmp, tmp / "junk.csv")


@case("must be a .csv or .parquet file", "Convert it to CSV or Parquet")
def spreadsheet(ws, tmp):
    (tmp / "d.xlsx").write_bytes(b"PK\x03\x04 not really")
    return audit(ws, tmp, tmp / "d.xlsx")


@case("must be a CSV or Parquet file", "folder")
def folder_without_parquet(ws, tmp):
    (tmp / "folder").mkdir()
    return audit(ws, tmp, tmp / "folder")


@case("'broken.parquet' must be readable as a table")
def corrupt_parquet(ws, tmp):
    (tmp / "broken.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
    return audit(ws, tmp, tmp / "broken.parquet")


@case("data must hold at least 20 rows", "Got 10")
def too_few_rows(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data.head(10)))


# --- the target ------------------------------------------------------------------------------
@case("target must name a column", "'no_such_column'")
def missing_target(ws, tmp):
    return audit(ws, tmp, target="no_such_column")


@case("target column 'bought' must be numeric", "Encode the outcome as 0 and 1")
def text_target(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data.assign(bought=np.where(ws.data["bought"] == 1, "yes", "no"))))


@case("target column 'bought' must have at least two different values", "Got 1")
def single_class_target(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data.assign(bought=1)))


@case("target column 'bought' must have no missing values", "Got 7 missing", "Drop rows")
def missing_target_values(ws, tmp):
    df = ws.data.astype({"bought": float})
    df.loc[:6, "bought"] = np.nan
    return audit(ws, tmp, csv(ws, tmp, df))


@case("target must not be a model input", "'spend'")
def target_is_an_input(ws, tmp):
    return audit(ws, tmp, target="spend")


# --- features against the model --------------------------------------------------------------
@case("data column 'age' must have no missing values for this model", "LogisticRegression", "Got 5 missing",
      "imputer")
def missing_feature_values(ws, tmp):
    df = ws.data.astype({"age": float})
    df.loc[:4, "age"] = np.nan
    return audit(ws, tmp, csv(ws, tmp, df))


@case("data column 'city' must only hold categories the model saw in training", "Got 4 row(s) with 1 unseen",
      "handle_unknown='ignore'")
def unseen_category(ws, tmp):
    df = ws.data.copy()
    df.loc[:3, "city"] = SENTINELS[0]
    return audit(ws, tmp, csv(ws, tmp, df))


@case("data column 'age' must hold numbers for this model", "Got 3 value(s) that are not numbers")
def text_in_a_numeric_column(ws, tmp):
    df = ws.data.astype({"age": object})
    df.loc[:2, "age"] = SENTINELS[1]
    return audit(ws, tmp, csv(ws, tmp, df))


@case("data must hold every column the model reads", "'spend'", "(1 missing)")
def model_columns_differ(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data.rename(columns={"spend": "amount"})))


@case("feature_names must be given", "fitted without column names")
def model_fitted_without_names(ws, tmp):
    from sklearn.linear_model import LogisticRegression

    import explainer as ex

    ex.save_model(LogisticRegression().fit(ws.data[["age", "spend"]].to_numpy(), ws.data["bought"]),
                  tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


# --- sensitive columns -----------------------------------------------------------------------
@case("sensitive_features must name columns of the data", "'religion'")
def sensitive_column_absent(ws, tmp):
    return audit(ws, tmp, None, "--sensitive", "religion")


@case("sensitive_features column 'gender' must have no missing values", "Got 6 missing", "'unknown' group")
def missing_sensitive_values(ws, tmp):
    df = ws.data.copy()
    df.loc[:5, "gender"] = np.nan
    return audit(ws, tmp, csv(ws, tmp, df), "--sensitive", "gender")


@case("sensitive_features column 'gender' must have at least two groups", "Got 1")
def single_group(ws, tmp):
    return audit(ws, tmp, csv(ws, tmp, ws.data.assign(gender="female")), "--sensitive", "gender")


@case("sensitive_features column 'badge' must split people into groups", "Got 60 groups of one row each",
      "band this one first")
def sensitive_column_of_single_people(ws, tmp):
    """A group of one is too few to judge, not a reason to refuse; a column of single people is."""
    df = ws.data.head(60).copy()
    df["badge"] = [f"{SENTINELS[2]}-{i}" for i in range(60)]
    return audit(ws, tmp, csv(ws, tmp, df), "--sensitive", "badge")


@case("sensitive_features column 'badge' must split people into groups", "Got 60 groups of one row each")
def decision_log_sensitive_column_of_single_people(ws, tmp):
    df = ws.data.head(60).assign(approved=(ws.data["spend"].head(60) > 90).astype(int))
    df["badge"] = [f"{SENTINELS[2]}-{i}" for i in range(60)]
    return ["audit", str(csv(ws, tmp, df)), "--predictions", "approved", "--target", "bought",
            "--sensitive", "badge", "--out", str(tmp / "out"), *FAST]


@case("min_group_size must be at least 2", "one person's own outcome", "Got 1")
def min_group_size_of_one(ws, tmp):
    return audit(ws, tmp, None, "--sensitive", "gender", "--min-group-size", "1")


# --- the model -------------------------------------------------------------------------------
@case("model scores must vary across rows", "the same score for all 300 rows")
def constant_predictions(ws, tmp):
    from sklearn.dummy import DummyClassifier

    import explainer as ex

    ex.save_model(DummyClassifier(strategy="prior").fit(ws.data[["age", "spend"]], ws.data["bought"]),
                  tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("model must be fitted before it is audited", "unfitted LogisticRegression", "Call model.fit")
def unfitted_model(ws, tmp):
    from sklearn.linear_model import LogisticRegression

    import explainer as ex

    ex.save_model(LogisticRegression(), tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("model must be a binary classifier, a regressor or a ranker", "3 classes", "one class against the rest")
def multiclass_model(ws, tmp):
    from sklearn.linear_model import LogisticRegression

    import explainer as ex

    ex.save_model(LogisticRegression().fit(ws.data[["age", "spend"]], ws.data["city"]), tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("'m.pkl' is a pickle, which can run any code when loaded", "--trust-model", "Save the model with skops")
def pickle_without_trust(ws, tmp):
    (tmp / "m.pkl").write_bytes(pickle.dumps({"any": "object"}))
    return audit(ws, tmp, model=tmp / "m.pkl")


@case("'m.joblib' is a pickle", "--trust-model")
def joblib_without_trust(ws, tmp):
    (tmp / "m.joblib").write_bytes(b"\x80\x04junk")
    return audit(ws, tmp, model=tmp / "m.joblib")


@case("must only hold types skops trusts", "Got 1 untrusted", f"{__name__}.Doubler", "--trust-type")
def skops_with_untrusted_types(ws, tmp):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    import explainer as ex

    X = ws.data[["age", "spend"]]
    ex.save_model(Pipeline([("double", Doubler()), ("clf", LogisticRegression())]).fit(X, ws.data["bought"]),
                  tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("model file 'm.skops' must be a skops file", "Save the model with skops.io.dump")
def junk_skops_file(ws, tmp):
    (tmp / "m.skops").write_bytes(b"this is not a zip archive")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("model must be a fitted scikit-learn estimator or Pipeline", "Got dict")
def skops_file_that_is_not_a_model(ws, tmp):
    import skops.io as sio

    sio.dump({"weights": [1, 2, 3]}, tmp / "m.skops")
    return audit(ws, tmp, model=tmp / "m.skops")


@case("model file must end in .skops, .pkl, .pickle or .joblib", "'m.txt'")
def model_of_unknown_kind(ws, tmp):
    (tmp / "m.txt").write_text("coefficients: 1 2 3")
    return audit(ws, tmp, model=tmp / "m.txt")


@case("model file 'm.pkl' must be a model pickle", "Loading failed")
def trusted_pickle_that_is_junk(ws, tmp):
    (tmp / "m.pkl").write_bytes(b"\x80\x04not a pickle at all")
    return audit(ws, tmp, None, "--trust-model", model=tmp / "m.pkl")


@case("model file must exist", "gone.skops")
def model_file_missing(ws, tmp):
    return audit(ws, tmp, model=tmp / "gone.skops")


# --- inventory and disclosure config ---------------------------------------------------------
@case("inventory file 'inv.yaml' must be valid YAML", "at line 4", "Fix the syntax there")
def inventory_syntax(ws, tmp):
    (tmp / "inv.yaml").write_text("version: 1\ncolumns:\n  - column: age\n   category: [demographic\n")
    return audit(ws, tmp, None, "--inventory", str(tmp / "inv.yaml"))


@case("field 'category' must be one of", "Did you mean 'contact'?")
def inventory_unknown_category(ws, tmp):
    (tmp / "inv.yaml").write_text("version: 1\ncolumns:\n  - column: age\n    category: contcat\n")
    return audit(ws, tmp, None, "--inventory", str(tmp / "inv.yaml"))


@case("must be a YAML mapping with a 'columns' list", "Got list")
def inventory_not_a_mapping(ws, tmp):
    (tmp / "inv.yaml").write_text("- age\n- spend\n")
    return audit(ws, tmp, None, "--inventory", str(tmp / "inv.yaml"))


@case("inventory file must exist", "explainer scan DATA --out inventory.yaml")
def inventory_missing(ws, tmp):
    return audit(ws, tmp, None, "--inventory", str(tmp / "inv.yaml"))


@case("disclosure config file 'd.yaml' must be valid YAML", "Fix the syntax there")
def disclosure_config_syntax(ws, tmp):
    (tmp / "d.yaml").write_text("organisation: {name: Shop\nsystem: x\n")
    return audit(ws, tmp, None, "--config", str(tmp / "d.yaml"))


@case("key 'organisaton' must be one of the valid keys", "Did you mean 'organisation'?")
def disclosure_config_unknown_key(ws, tmp):
    (tmp / "d.yaml").write_text("organisaton:\n  name: Shop\n")
    return audit(ws, tmp, None, "--config", str(tmp / "d.yaml"))


# --- options and the output folder -----------------------------------------------------------
@case("n_boot must be a positive integer", "Got 0", "--n-boot 200")
def zero_bootstraps(ws, tmp):
    return audit(ws, tmp, None, "--n-boot", "0")


@case("threshold must be a number between 0 and 1", "Got 2.0")
def threshold_out_of_range(ws, tmp):
    return audit(ws, tmp, None, "--threshold", "2")


@case("user_id and item_id must name the customer and item columns")
def ranking_without_ids(ws, tmp):
    return audit(ws, tmp, None, "--task", "ranking")


@case("fail_on must list finding codes, code prefixes or severities", "'fairnes'", "Did you mean 'fairness'?")
def fail_on_typo(ws, tmp):
    return audit(ws, tmp, None, "--fail-on", "fairnes")


@case("unrecognized arguments: --sensitve", "See 'explainer --help'")
def misspelt_option(ws, tmp):
    return audit(ws, tmp, None, "--sensitve", "gender")


@case("argument --n-boot: invalid int value", "'many'")
def option_not_a_number(ws, tmp):
    return audit(ws, tmp, None, "--n-boot", "many")


@case("out must be a folder", "which is a file")
def output_is_a_file(ws, tmp):
    (tmp / "out").write_text("keep me\n")
    return audit(ws, tmp)


@case("out must not already hold a report", "pass --force")
def output_holds_a_report(ws, tmp):
    (tmp / "out").mkdir()
    for name in ("audit.json", "audit.html", "disclosure.html"):
        (tmp / "out" / name).write_text(f"the previous {name}\n")
    return audit(ws, tmp)


@case("sample_size must be a positive integer", "Got 0")
def scan_sample_size_zero(ws, tmp):
    return ["scan", str(ws / "data.csv"), "--sample-size", "0"]


@case("audit_json must be JSON written by explainer", "'audit.json' does not parse")
def report_from_broken_json(ws, tmp):
    (tmp / "audit.json").write_text('{"schema_version": "1.0", ')
    return ["report", str(tmp / "audit.json"), "--out", str(tmp / "out")]


@case("a command is required")
def no_command(ws, tmp):
    return []


# ---------------------------------------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    if folder.is_file():
        return {".": folder.read_bytes()}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_line_and_exit_2(name, ws, tmp_path, capsys):
    setup, phrases = CASES[name]
    argv = setup(ws, tmp_path)
    out = tmp_path / "out"
    before = _tree(out) if out.exists() else None
    siblings = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()

    rc = main(argv)

    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert rc == 2, captured.err
    assert len(lines) == 1, captured.err
    line = lines[0]
    assert line.startswith(("explainer:", "explainer audit:")) and "Traceback" not in line
    for phrase in phrases:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    for secret in SENTINELS:
        assert secret not in captured.err + captured.out
    # nothing half-written: the output folder is as it was, and no temporary folder is left
    assert (_tree(out) if out.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings


@pytest.mark.parametrize("name", ["data_file_missing", "missing_feature_values", "unseen_category",
                                  "skops_with_untrusted_types", "sensitive_column_of_single_people", "fail_on_typo"])
def test_debug_shows_the_traceback(name, ws, tmp_path, capsys):
    setup, phrases = CASES[name]
    argv = setup(ws, tmp_path)
    capsys.readouterr()
    rc = main(["--debug", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback (most recent call last)" in err
    assert phrases[0] in err.strip().splitlines()[-1]


def test_listed_untrusted_type_can_be_trusted_one_by_one(ws, tmp_path, capsys):
    argv = skops_with_untrusted_types(ws, tmp_path)
    assert main(argv) == 2
    assert main([*argv, "--trust-type", f"{__name__}.Doubler"]) == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "audit.json").is_file()


def test_missing_values_pass_for_a_model_that_accepts_them(ws, tmp_path, capsys):
    """The missing-values error is about the model, not the data: a model that takes NaN runs."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    import explainer as ex

    X = ws.data[["age", "spend"]]
    ex.save_model(HistGradientBoostingClassifier(max_iter=20).fit(X, ws.data["bought"]), tmp_path / "m.skops")
    df = ws.data.astype({"age": float})
    df.loc[:4, "age"] = np.nan
    argv = audit(ws, tmp_path, csv(ws, tmp_path, df), model=tmp_path / "m.skops")
    trust = ["--trust-type", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
    assert main([*argv, *trust]) == 0, capsys.readouterr().err


def test_a_semicolon_file_is_read_by_sniffing_its_delimiter(ws, tmp_path):
    from explainer._io import read_table

    got = read_table(csv(ws, tmp_path, ws.data, sep=";"))
    pd.testing.assert_frame_equal(got, ws.data)
