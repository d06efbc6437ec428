"""The stages every audit backend shares: privacy, refits, proxy flow, performance, outcome hints.

Each function takes what one stage reads (the rows in memory, or the rows a partitioned
backend gathered) and returns a result, or the reason it could not be measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validate import check_column, check_columns, score_checked, target_values
from ..analyses._explain import explain
from ..analyses._membership import MembershipResult, membership_inference_risk
from ..analyses._model_metrics import binary_outcome
from ..analyses._performance import PerformanceResult
from ..analyses._privacy import ReidentificationResult, quasi_identifiers_from_inventory, reidentification_risk
from ..analyses._slices import ErrorSlicesResult
from ..errors import InvalidInputError
from ..inventory import DataInventory
from ..models import ModelAdapter

__all__ = ["reidentification", "reidentification_columns", "membership", "refit_importance", "proxy_flow_stage", "performance", "item_labels",
           "possible_outcomes", "flow_rows"]

Say = Callable[[str], None]

#: The membership test scores at most this many customers (recommenders) or rows on each side.
MEMBERSHIP_MAX_CUSTOMERS = 2000
MEMBERSHIP_MAX_ROWS = 10000


#: Rows explained for the proxy flow: per item for recommenders, in all otherwise.
FLOW_ROWS_PER_ITEM, FLOW_ROWS_TOTAL = 1000, 20_000


def flow_rows(data: pd.DataFrame, item_id: str | None, random_state: int) -> np.ndarray:
    """Positions of the rows explained for the proxy flow: a seeded sample, stratified by item.

    Gaps are measured per item for recommenders, so each item gets up to
    ``FLOW_ROWS_PER_ITEM`` rows (fewer when there are many items), at most
    ``FLOW_ROWS_TOTAL`` in all.
    """
    rng = np.random.default_rng(random_state + 1)
    if not item_id:
        n = len(data)
        return np.sort(rng.choice(n, min(n, FLOW_ROWS_TOTAL), replace=False))
    codes, names = pd.factorize(data[item_id])
    per = max(50, min(FLOW_ROWS_PER_ITEM, FLOW_ROWS_TOTAL // max(len(names), 1)))
    out = []
    for c in range(len(names)):
        idx = np.flatnonzero(codes == c)
        out.append(rng.choice(idx, min(per, len(idx)), replace=False))
    return np.sort(np.concatenate(out)) if out else np.arange(0)



#: Without a target, a column the model does not read whose values follow its scores this
#: closely (absolute correlation) may be the outcome of a regressor.
OUTCOME_CORRELATION = 0.5


def possible_outcomes(frame: pd.DataFrame, score: np.ndarray, adapter: ModelAdapter, inv: DataInventory,
                      sensitive: Sequence[str]) -> tuple[list[str], list[str]]:
    """Columns that may be the outcome when no target was named, and a warning naming them.

    The audit cannot tell a forgotten outcome column from data collected but unused, so it
    calls neither. A candidate is a column the model does not read, with no other role (not
    an identifier, a key, a sensitive or an item column), that looks like the outcome: for a
    yes/no model or a recommender it holds 0 and 1 (or False and True); for a regressor it is
    numeric and its correlation with the model's score is at least ``OUTCOME_CORRELATION``.
    """
    skip = {*adapter.input_columns, adapter.user_id, adapter.item_id, *sensitive}
    found = [rec.column for rec in inv if rec.column not in skip and rec.role in ("feature", "other")
             and rec.column in frame.columns and _looks_like_outcome(frame[rec.column], score, adapter.task)]
    if not found:
        return [], []
    names = ", ".join(repr(c) for c in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    like = ("holds 0 and 1 like a yes/no outcome" if adapter.task != "regression"
            else "follows the model's score closely")
    one = len(found) == 1
    return found, [
        f"No target was given, so the audit cannot tell whether {'column' if one else 'columns'} "
        f"{names} (not read by the model; {like}) {'is' if one else 'are'} the outcome the model "
        f"predicts. {'It is' if one else 'They are'} not reported as collected but unused, and the "
        "model was not measured against an outcome. Name the outcome with target= (--target) to measure accuracy and group results."
    ]


def _looks_like_outcome(column: pd.Series, score: np.ndarray, task: str) -> bool:
    """0 and 1 for a yes/no model or a recommender; numbers that follow the score for a regressor."""
    s = column.dropna()
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) or s.nunique() < 2:
        return False
    values = s.astype(float)
    if task in ("binary", "ranking"):
        return set(pd.unique(values)) <= {0.0, 1.0}
    if pd.api.types.is_bool_dtype(s) or s.nunique() <= 2 or not np.isfinite(values).all():
        return False
    keep = column.notna().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(values.to_numpy(), np.asarray(score, dtype=float)[keep])[0, 1]
    return bool(np.isfinite(r) and abs(r) >= OUTCOME_CORRELATION)


def reidentification_columns(frame: pd.DataFrame, inv: DataInventory, sensitive: Sequence[str],
                              quasi_identifiers: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The quasi-identifiers (given, or chosen from the inventory on ``frame``) and the sensitive
    columns whose diversity within each class is measured."""
    if quasi_identifiers is None:
        qis = quasi_identifiers_from_inventory(frame, inv)
    else:
        qis = list(quasi_identifiers)
        check_columns("quasi_identifiers", qis, frame.columns)
    cat = {r.column: r for r in inv}
    sens = [c for c in map(str, frame.columns) if c not in qis and c in cat
            and (cat[c].category == "special_category" or cat[c].role == "sensitive" or c in sensitive)]
    return qis, sens


def reidentification(data: pd.DataFrame, inv: DataInventory, user_id: str | None, sensitive: Sequence[str],
                     quasi_identifiers: Sequence[str] | None, k_anonymity: int) -> ReidentificationResult | None:
    """k-anonymity and l-diversity of the audited customers over their quasi-identifiers."""
    qis, sens = reidentification_columns(data, inv, sensitive, quasi_identifiers)
    if not qis:
        return None
    if user_id:  # one row per customer: a recommender scores each customer several times
        table = data[[user_id, *qis, *sens]].drop_duplicates(subset=[user_id])
    else:
        table = data[[*qis, *sens]]
    return reidentification_risk(table, quasi_identifiers=qis, sensitive_columns=sens, k_threshold=k_anonymity)


def _held_out(adapter: ModelAdapter, data: pd.DataFrame, train_data: pd.DataFrame,
              target: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Which audited rows are held out (their customer, or the row itself, is not in ``train_data``)."""
    if adapter.user_id:
        if adapter.user_id not in train_data.columns:
            raise InvalidInputError(
                f"train_data must hold the user_id column {adapter.user_id!r}. Got no such column. "
                "Pass the training rows with their customer ids.")
        fresh = ~data[adapter.user_id].isin(pd.unique(train_data[adapter.user_id])).to_numpy()
        ids = data[adapter.user_id]
        counts = (int(ids[fresh].nunique()), int(ids[~fresh].nunique()))
    else:
        cols = [*adapter.input_columns, target]
        seen = set(pd.util.hash_pandas_object(train_data[cols], index=False).tolist())
        fresh = ~pd.util.hash_pandas_object(data[cols], index=False).isin(seen).to_numpy()
        counts = (int(fresh.sum()), int((~fresh).sum()))
    info = {"train_rows": int(len(train_data)), "holdout": counts[0], "overlap_removed": counts[1],
            "unit": "customers" if adapter.user_id else "rows"}
    return fresh, info


def membership(adapter: ModelAdapter, data: pd.DataFrame, train_data: Any, target: str | None, *,
                n_boot: int, random_state: int) -> tuple[MembershipResult, dict[str, Any]]:
    """Loss-threshold attack: training rows (members) against the audited rows (held out)."""
    n_boot = max(int(n_boot), 50)

    def skip(reason: str) -> tuple[MembershipResult, dict[str, Any]]:
        return MembershipResult.not_assessed(reason, n_boot=n_boot, random_state=random_state), {}

    if train_data is None:
        return skip("no training data was given. Pass train_data, the rows the model was trained on; "
                    "the audited rows then serve as the held-out rows.")
    if not isinstance(train_data, pd.DataFrame):
        raise InvalidInputError(
            f"train_data must be a pandas DataFrame. Got {type(train_data).__name__}. "
            "Read files with explainer.read_table().")
    missing = [c for c in adapter.input_columns if c not in train_data.columns]
    if missing:
        raise InvalidInputError(
            f"train_data must hold every column the model reads. Got no {missing[:5]!r} ({len(missing)} missing). "
            "Pass the rows the model was trained on, with the same columns as the data.")
    if target is None:
        return skip("no outcome column was given; the attack needs each row's true outcome.")
    if target not in train_data.columns:
        raise InvalidInputError(
            f"train_data must hold the target column {target!r}. Got no such column. "
            "Pass the training rows with their outcomes.")
    if adapter.task == "regression":
        return skip("the attack needs the probabilities of a classifier; this model is a regressor.")
    y_ho = binary_outcome(adapter, target_values(data, target, task=adapter.task))
    y_tr = binary_outcome(adapter, target_values(train_data, target, task=adapter.task))
    if y_ho is None or y_tr is None:
        return skip("the outcome is not 0/1, so the model's probabilities cannot be scored against it.")
    fresh, info = _held_out(adapter, data, train_data, target)
    if not fresh.any():
        return skip("every audited row is also in train_data, so no held-out rows are left. "
                    "Audit rows the model was not trained on.")[0], info
    p_check = score_checked(adapter, train_data.iloc[: min(len(train_data), 200)])
    if not (np.all(p_check >= 0) and np.all(p_check <= 1)):
        return skip("the model's scores are not probabilities between 0 and 1.")[0], info
    holdout = data.loc[fresh]
    result = membership_inference_risk(
        adapter.predict_score, train_data, y_tr, holdout, y_ho[fresh], n_boot=n_boot, random_state=random_state,
        max_rows=MEMBERSHIP_MAX_CUSTOMERS if adapter.user_id else MEMBERSHIP_MAX_ROWS,
        groups_train=train_data[adapter.user_id].to_numpy() if adapter.user_id else None,
        groups_holdout=holdout[adapter.user_id].to_numpy() if adapter.user_id else None,
    )
    return result, info


def refit_importance(adapter: ModelAdapter, train_data: pd.DataFrame | None, *, target: str | None, fit: Any,
                     refit: bool, categories: dict[str, str], keys: list[str], n_folds: int,
                     sample_size: int | Literal["auto"] | None, n_boot: int, n_jobs: int, random_state: int,
                     say: Say) -> tuple[Any, str | None]:
    """Drop-column importance for minimisation, or the reason it cannot be measured."""
    from ..analyses._refit import RefitFailedError, drop_column_importance

    if not refit:
        return None, "switched off (refit=False)"
    if train_data is None:
        return None, "no training data given (pass train_data= to refit without each column)"
    if target is None:
        return None, "no target given, so there is no metric to compare"
    if adapter.kind == "callable" and fit is None:
        return None, "the model is a callable and no training function was given (pass fit=)"
    if not isinstance(train_data, pd.DataFrame):
        raise InvalidInputError(
            f"train_data must be a pandas DataFrame of training rows. Got {type(train_data).__name__}."
        )
    inputs = [c for c in adapter.input_columns if c not in keys]
    groups: dict[str, list[str]] = {}
    for c in inputs:
        groups.setdefault(categories.get(c, "other"), []).append(c)
    groups = {g: cols for g, cols in groups.items() if len(cols) > 1}
    say(f"minimisation: refitting without each of {len(inputs)} inputs and {len(groups)} categories")
    try:
        result = drop_column_importance(adapter, train_data, target=target, columns=inputs, groups=groups, fit=fit,
                                        n_folds=n_folds, sample_size=sample_size, n_boot=n_boot, n_jobs=n_jobs,
                                        random_state=random_state)
    except RefitFailedError as err:
        return None, str(err)
    return result, None




def item_labels(data: pd.DataFrame, item_id: str | None, item_label: str | None) -> dict[str, str] | None:
    """Item id -> display name from the ``item_label`` column (catalogue facts, not data about people)."""
    if item_label is None:
        return None
    check_column("item_label", item_label, data.columns)
    if item_id is None:
        raise InvalidInputError(
            "item_label must come with item_id. Got item_label without an item column. "
            "Pass item_id, the column of the ranked item.")
    pairs = data[[item_id, item_label]].drop_duplicates(subset=[item_id])
    return {str(i): str(v) for i, v in zip(pairs[item_id], pairs[item_label])}


def proxy_flow_stage(adapter: ModelAdapter, sensitive: Sequence[str], proxies: Any, pool: pd.DataFrame,
                categories: dict[str, str], *, min_group_size: int, n_boot: int, n_jobs: int, random_state: int,
                say: Say) -> Any:
    """How much of the model's movement flows through flagged proxies of hidden attributes.

    Explains rows drawn from ``pool`` (all the data in process; the sampled customers on Dask)
    with :func:`_flow_rows`.
    """
    hidden = [c for c in sensitive if c not in adapter.input_columns]
    pairs = [(f, c) for f, c in proxies.flagged if f in hidden]
    if not hidden or not pairs:
        return None
    say("proxy flow")
    from ..analyses._flow import proxy_flow

    rows = pool.iloc[flow_rows(pool, adapter.item_id, random_state)]
    flow_shap = explain(adapter, rows, categories=categories, sample_size=None, n_boot=2, n_jobs=n_jobs,
                        random_state=random_state, n_dependence=0)
    if flow_shap.row_index is not None and len(flow_shap.row_index) != len(rows):
        rows = rows.iloc[flow_shap.row_index]  # a black box explains a capped sample of the rows
    flow = proxy_flow(flow_shap.values, flow_shap.columns, rows[hidden], pairs,
                      items=rows[adapter.item_id].to_numpy() if adapter.item_id else None,
                      min_group_size=min_group_size, n_boot=n_boot, unit=flow_shap.unit,
                      random_state=random_state)
    flow.method.update(rows_explained=int(len(rows)), rows_per_item=None if not adapter.item_id else
                       f"up to {FLOW_ROWS_PER_ITEM}, at most {FLOW_ROWS_TOTAL} in all")
    return flow



#: Data categories never used to define an error slice: a slice of identifiers or contact
#: details would single people out, not describe where the model errs.
_NO_SLICE = ("direct_identifier", "contact")


def performance(adapter: ModelAdapter, data: pd.DataFrame, y01: np.ndarray, score: np.ndarray,
                 decision: np.ndarray, sensitive: Sequence[str], inv: DataInventory, *,
                 reference_groups: Mapping[str, str] | None, min_group_size: int, n_boot: int,
                 random_state: int) -> tuple[PerformanceResult, ErrorSlicesResult | None]:
    """Model performance with intervals, and the slices of the inputs where the model errs most."""
    from ..analyses._performance import assess_performance
    from ..analyses._slices import error_slices

    ranking = adapter.task == "ranking"
    users = data[adapter.user_id].to_numpy() if ranking and adapter.user_id else None
    perf = assess_performance(
        y01, score, task="ranking" if ranking else "binary", threshold=adapter.threshold,
        sensitive_features=data[list(sensitive)] if sensitive else None, reference_groups=reference_groups,
        user_ids=users, item_ids=data[adapter.item_id].to_numpy() if ranking and adapter.item_id else None,
        k=adapter.k, min_group_size=min_group_size, n_boot=n_boot, random_state=random_state)
    cats = inv.category_map()
    columns = [c for c in adapter.input_columns if cats.get(c) not in _NO_SLICE and c not in sensitive
               and c != adapter.item_id]
    if not columns:
        return perf, None
    if not ranking:
        return perf, error_slices(data[columns], decision != y01, min_size=min_group_size, unit="rows")
    # a recommender errs for a customer who chose something and found none of it in the top k;
    # slices use the columns that describe the customer (one value per customer)
    frame = pd.DataFrame({"user": users, "hit": (decision == 1) & (y01 == 1), "rel": y01 == 1})
    per = frame.groupby("user", sort=False).agg(hit=("hit", "any"), rel=("rel", "any"))
    per = per[per["rel"]]
    by_user = data.groupby(adapter.user_id, sort=False)
    constant = [c for c in columns if bool((by_user[c].nunique(dropna=False) <= 1).all())]
    if not constant or len(per) == 0:
        return perf, None
    customer_rows = by_user[constant].first().loc[per.index]
    return perf, error_slices(customer_rows, ~per["hit"].to_numpy(), min_size=min_group_size, unit="customers")

