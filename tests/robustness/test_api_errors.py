"""The same bad input through the Python API: the toolkit's own errors, which subclass the
builtin a caller would expect (ValueError, FileNotFoundError, FileExistsError, ImportError)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from helpers_robustness import SENTINELS

import explainer as ex
from explainer.errors import MissingDependencyError
from explainer.report import write_reports


@pytest.mark.parametrize("cls,builtin", [
    (ex.InvalidInputError, ValueError),
    (ex.ModelNotFittedError, ValueError),
    (ex.DataFileNotFoundError, FileNotFoundError),
    (ex.OutputExistsError, FileExistsError),
    (MissingDependencyError, ImportError),
])
def test_error_classes_subclass_the_matching_builtin(cls, builtin):
    assert issubclass(cls, ex.ExplainerError) and issubclass(cls, builtin)


@pytest.fixture(scope="module")
def pipeline(ws):
    return ex.load_model(ws / "model.skops")


def check(err: pytest.ExceptionInfo, builtin: type, phrase: str) -> None:
    assert isinstance(err.value, ex.ExplainerError) and isinstance(err.value, builtin)
    assert phrase in str(err.value)
    assert not any(s in str(err.value) for s in SENTINELS)


def test_audit_missing_target(ws, pipeline):
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, ws.data, target="no_such_column")
    check(err, ex.InvalidInputError, "target must name a column of the data")


def test_audit_missing_feature_values_keeps_the_model_error_as_cause(ws, pipeline):
    df = ws.data.astype({"age": float})
    df.loc[:4, "age"] = np.nan
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, df, target="bought")
    check(err, ex.InvalidInputError, "data column 'age' must have no missing values for this model")
    assert isinstance(err.value.__cause__, ValueError) and not isinstance(err.value.__cause__, ex.ExplainerError)


def test_audit_unseen_category(ws, pipeline):
    df = ws.data.copy()
    df.loc[:3, "city"] = SENTINELS[0]
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, df, target="bought")
    check(err, ex.InvalidInputError, "Got 4 row(s) with 1 unseen category")


def test_audit_sensitive_column_of_single_people(ws, pipeline):
    df = ws.data.head(60).copy()
    df["badge"] = [f"{SENTINELS[2]}-{i}" for i in range(60)]
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, df, target="bought", sensitive_features=["badge"])
    check(err, ex.InvalidInputError, "must split people into groups. Got 60 groups of one row each")


def test_audit_sensitive_column_of_single_customers_in_ranking_data(ws):
    """For a recommender the unit is the customer, however many rows (items) each one has."""
    import pandas as pd

    base = ws.data.head(40).assign(badge=[f"{SENTINELS[2]}-{i}" for i in range(40)])
    rows = pd.concat([base.assign(item=i) for i in ("a", "b", "c")], ignore_index=True)
    model = ex.wrap_model(lambda X: X["spend"].to_numpy(dtype=float), feature_names=["spend"], task="ranking",
                          user_id="customer_id", item_id="item")
    with pytest.raises(ValueError) as err:
        ex.audit(model, rows, target="bought", sensitive_features=["badge"], user_id="customer_id", item_id="item")
    check(err, ex.InvalidInputError, "Got 40 groups of one customer each")


def test_audit_constant_model(ws):
    model = ex.wrap_model(lambda X: np.full(len(X), 0.3), feature_names=["age", "spend"], task="regression")
    with pytest.raises(ValueError) as err:
        ex.audit(model, ws.data, target="bought")
    check(err, ex.InvalidInputError, "model scores must vary across rows")


def test_audit_options(ws, pipeline):
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, ws.data, target="bought", n_boot=0)
    check(err, ex.InvalidInputError, "n_boot must be a positive integer")
    with pytest.raises(ValueError) as err:
        ex.audit(pipeline, ws.data, target="bought", min_group_size=-3)
    check(err, ex.InvalidInputError, "min_group_size must be a positive integer")


def test_wrap_unfitted_model():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError) as err:
        ex.wrap_model(LogisticRegression())
    check(err, ex.ModelNotFittedError, "model must be fitted")


def test_load_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ex.load_model(tmp_path / "gone.skops")
    check(err, ex.DataFileNotFoundError, "model file must exist")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ex.UntrustedModelError, match="trust_model=True"):
        ex.load_model(tmp_path / "m.pkl")
    assert ex.load_model(tmp_path / "m.pkl", trust_model=True) == [1, 2]


def test_read_table_and_scan_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ex.read_table(tmp_path / "gone.csv")
    check(err, ex.DataFileNotFoundError, "data file must exist")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError) as err:
        ex.read_table(tmp_path / "empty.csv")
    check(err, ex.InvalidInputError, "must not be empty")
    with pytest.raises(FileNotFoundError):
        ex.scan(tmp_path / "gone.csv")
    with pytest.raises(ValueError) as err:
        ex.scan(tmp_path / "empty.csv", sample_size=0)
    check(err, ex.InvalidInputError, "sample_size must be a positive integer")


def test_inventory_and_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        ex.DataInventory.from_yaml(tmp_path / "inventory.yaml")
    (tmp_path / "bad.yaml").write_text("columns: [\n")
    with pytest.raises(ValueError) as err:
        ex.DataInventory.from_yaml(tmp_path / "bad.yaml")
    check(err, ex.InvalidInputError, "must be valid YAML")
    with pytest.raises(ValueError) as err:
        ex.DisclosureConfig.from_yaml(tmp_path / "bad.yaml")
    check(err, ex.InvalidInputError, "disclosure config file 'bad.yaml' must be valid YAML")
    with pytest.raises(FileNotFoundError):
        ex.DisclosureConfig.from_yaml(tmp_path / "disclosure.yaml")


def test_write_reports_refuses_an_existing_report(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "audit.json").write_text("{}\n")
    with pytest.raises(FileExistsError) as err:
        write_reports({"schema_version": "1.0"}, tmp_path / "out")
    check(err, ex.OutputExistsError, "out must not already hold a report")
    assert (tmp_path / "out" / "audit.json").read_text() == "{}\n"
