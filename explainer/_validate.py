"""Checks at the public boundary that turn bad input into one clear error.

Each check raises :class:`~explainer.errors.InvalidInputError` with the shape "*what* must
be *expected*. Got *actual*. *How to fix.*" Messages name columns and give counts; they
never hold a value of the data (the model's own error message may, so it is kept only as
the exception's cause, shown by ``--debug``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ExplainerError, InvalidInputError, ModelCallError
from ._messages import columns_include

__all__ = ["Constraint", "check_params", "is_int", "columns_include", "check_columns", "check_column", "check_audit_data", "target_values", "MAX_GROUPS",
           "check_audit_options", "check_group_sizes", "score_checked", "check_scores_vary", "parse_fail_on",
           "column_names", "target_facts", "merge_target_facts", "check_target_facts", "check_probabilities",
           "k_warnings"]


@dataclass(frozen=True)
class Constraint:
    """What one parameter must be: a test of its value, the words for it, and an example.

    A table of these per public function is checked by :func:`check_params` with one message
    template: "*name* must be *expected*. Got *value*. Pass for example *example*." (the shape of
    scikit-learn's parameter validation).
    """

    test: Callable[[Any], bool]
    expected: str
    example: str


def _shown(value: Any) -> str:
    """A parameter's value for a message: numbers, text options and None as given, else the type."""
    if value is None or isinstance(value, (bool, int, float, np.integer, np.floating)):
        return repr(value)
    if isinstance(value, str) and len(value) <= 40:
        return repr(value)
    return repr(type(value).__name__)


def check_params(values: dict[str, Any], table: dict[str, Constraint]) -> None:
    """Refuse the first value in ``values`` that breaks its constraint in ``table``."""
    for name, value in values.items():
        rule = table.get(name)
        if rule is not None and not rule.test(value):
            raise InvalidInputError(
                f"{name} must be {rule.expected}. Got {_shown(value)}. Pass for example {rule.example}."
            )


def is_int(value: Any, low: int = 1) -> bool:
    """An integer (not a bool) of at least ``low``."""
    return bool(not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= low)


def column_names(value: Any, name: str) -> list[str]:
    """A list of column names from a parameter: one string names one column, not its characters."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise InvalidInputError(
            f"{name} must be a column name or a list of column names. Got {type(value).__name__}. "
            "Pass for example ['gender', 'age_band']."
        ) from None


# --- shared message parts ---------------------------------------------------------------
def check_column(name: str, column: Any, columns: Any, *, of: str = "the data") -> None:
    """Refuse ``column`` (the value of parameter ``name``) unless it names one of ``columns``."""
    if column is not None and column not in set(columns):
        raise InvalidInputError(
            f"{name} must name a column of {of}. Got {column!r}, which is not there. {columns_include(columns)}"
        )


def check_columns(name: str, wanted: Sequence[Any], columns: Any, *, of: str = "the data") -> None:
    """Refuse the list ``wanted`` (the value of parameter ``name``) unless each names one of ``columns``."""
    have = set(columns)
    missing = [c for c in wanted if c not in have]
    if missing:
        raise InvalidInputError(
            f"{name} must name columns of {of}. Got {missing[:5]!r}, which are not there. {columns_include(columns)}"
        )


# --- the audited data -----------------------------------------------------------------------
#: A sensitive feature with more groups than this is refused: its labels would single people out.
MAX_GROUPS = 100
#: Fewest rows an audit measures anything on.
MIN_ROWS = 20


def check_row_count(n_rows: int) -> None:
    """Refuse data too small to audit."""
    if n_rows < MIN_ROWS:
        raise InvalidInputError(f"data must hold at least {MIN_ROWS} rows to audit. Got {n_rows}.")


def check_sensitive_missing(column: str, n_missing: int) -> None:
    """Refuse a sensitive column with missing values (a group must be named, not guessed)."""
    if n_missing:
        raise InvalidInputError(
            f"sensitive_features column {column!r} must have no missing values. Got {n_missing} missing. "
            "Fill them with an explicit 'unknown' group or drop those rows."
        )


def check_audit_data(data: Any, target: str | None, sensitive: Sequence[str]) -> pd.DataFrame:
    """The data of an audit: a frame of at least 20 rows, unique columns, the named target and
    sensitive columns, each sensitive column without gaps and with 2 to ``MAX_GROUPS`` groups."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"data must be a pandas DataFrame. Got {type(data).__name__}. Read files with explainer.read_table()."
        )
    check_row_count(data.shape[0])
    if not data.columns.is_unique:
        dup = data.columns[data.columns.duplicated()].tolist()
        raise InvalidInputError(f"data columns must be unique. Got {dup[:5]!r} more than once. Rename them.")
    check_column("target", target, data.columns)
    check_columns("sensitive_features", sensitive, data.columns)
    for s in sensitive:
        check_sensitive_missing(s, int(data[s].isna().sum()))
        n_groups = int(data[s].nunique())
        if n_groups > MAX_GROUPS:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must split people into at most {MAX_GROUPS} groups. Got "
                f"{n_groups} different values, which would name single people as groups. Use a column such as "
                "gender or age band, or band this one first."
            )
        if n_groups < 2:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must have at least two groups. Got 1. "
                "Choose a column that splits customers into groups."
            )
    return data


def target_values(data: pd.DataFrame, target: str, *, task: str) -> np.ndarray:
    """The target column as numbers, checked for the task (0/1 for yes/no models and recommenders)."""
    y = data[target]
    check_target_facts(target, target_facts(y), task=task)
    if pd.api.types.is_bool_dtype(y):
        y = y.astype(int)
    outcomes: np.ndarray = y.to_numpy()
    return outcomes


#: The options shared by every audit that change numbers, checked before any work starts.
AUDIT_NUMBERS = {
    "n_boot": Constraint(is_int, "a positive integer", "n_boot=200 (--n-boot 200)"),
    "min_group_size": Constraint(is_int, "a positive integer", "min_group_size=30 (--min-group-size 30)"),
}
_MIN_GROUP_SIZE = Constraint(lambda v: v >= 2, "at least 2: a group of one is one person's own outcome",
                             "min_group_size=30 (--min-group-size 30)")


def check_audit_options(*, n_boot: Any, min_group_size: Any) -> None:
    """Options that change numbers must be usable before any work starts."""
    check_params({"n_boot": n_boot, "min_group_size": min_group_size}, AUDIT_NUMBERS)
    check_params({"min_group_size": min_group_size}, {"min_group_size": _MIN_GROUP_SIZE})


def check_group_sizes(data: pd.DataFrame, sensitive: Sequence[str], *, min_group_size: int,
                      user_id: str | None = None) -> list[str]:
    """Refuse a sensitive feature whose groups are single people; return warnings for the report.

    A group under ``min_group_size`` (one customer, a handful) does not stop the audit: it is
    too few to judge, never named on public pages and listed without numbers for reviewers.
    A feature where every group holds one customer names people, not groups, and is refused.
    A feature where no group reaches ``min_group_size`` is audited, with a warning that
    nothing could be judged for it.
    """
    return check_group_size_counts({s: group_sizes(data, s, user_id=user_id) for s in sensitive},
                                   min_group_size=min_group_size, user_id=user_id)


def group_sizes(data: pd.DataFrame, column: str, *, user_id: str | None = None) -> pd.Series:
    """Customers (or rows, without ``user_id``) per group of ``column``; adds up over parts split by customer."""
    return data.groupby(column, observed=True)[user_id].nunique() if user_id else data[column].value_counts()


def check_group_size_counts(sizes: dict[str, pd.Series], *, min_group_size: int,
                            user_id: str | None = None) -> list[str]:
    """:func:`check_group_sizes` from group sizes (summed over the parts of the data)."""
    unit = "customer" if user_id else "row"
    out = []
    for s, sz in sizes.items():
        largest = int(sz.max()) if len(sz) else 0
        if largest <= 1:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must split people into groups. Got {len(sz)} groups of one "
                f"{unit} each, which would name single people. Use a column such as gender or age band, or band "
                "this one first."
            )
        if largest < min_group_size:
            out.append(
                f"No group of the sensitive feature {s!r} has {min_group_size} {unit}s or more (the largest has "
                f"{largest}): all its {len(sz)} groups are too few to judge, so no group result or gap is reported "
                "for it. Audit more data, or merge its groups."
            )
    return out


# --- the outcome and the model's scores ---------------------------------------------------
#: Distinct target values kept per part of the data to check a 0/1 outcome (more: "many").
TARGET_VALUES_KEPT = 16


def target_facts(y: pd.Series) -> dict[str, Any]:
    """What the target checks need from (a part of) the target column; adds up over parts."""
    numeric = bool(pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y))
    present = y.dropna()
    if numeric and pd.api.types.is_bool_dtype(present):
        present = present.astype(int)
    counts = present.value_counts(sort=False)
    infinite = int(np.isinf(present.to_numpy(dtype=float)).sum()) if numeric else 0
    return {"missing": int(y.isna().sum()), "numeric": numeric, "infinite": infinite,
            "distinct": int(len(counts)), "counts": counts if len(counts) <= TARGET_VALUES_KEPT else None}


def merge_target_facts(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """:func:`target_facts` of the whole column from those of its parts."""
    counts = None
    if all(f["counts"] is not None for f in parts):
        counts = pd.concat([f["counts"] for f in parts]).groupby(level=0).sum()
        if len(counts) > TARGET_VALUES_KEPT:
            counts = None
    return {"missing": sum(f["missing"] for f in parts), "numeric": all(f["numeric"] for f in parts),
            "infinite": sum(f["infinite"] for f in parts),
            "distinct": len(counts) if counts is not None else max(TARGET_VALUES_KEPT + 1,
                                                                   max(f["distinct"] for f in parts)),
            "counts": counts}


def check_target_facts(target: str, facts: dict[str, Any], *, task: str) -> None:
    """Refuse a target the audit cannot measure the model against.

    Every task needs numbers without gaps or infinities and at least two different values.
    A yes/no model (``binary``) and a recommender (``ranking``) need 0 and 1 (or False and
    True): any other coding would be read wrongly by accuracy, base rate and the group
    metrics. Messages give how many distinct values and how many rows each holds, never the
    values.
    """
    if facts["missing"]:
        raise InvalidInputError(
            f"target column {target!r} must have no missing values. Got {facts['missing']} missing. "
            "Drop rows without an outcome."
        )
    if not facts["numeric"]:
        raise InvalidInputError(
            f"target column {target!r} must be numeric 0/1 outcomes or numbers. Got text. "
            "Encode the outcome as 0 and 1."
        )
    if facts["infinite"]:
        raise InvalidInputError(
            f"target column {target!r} must hold finite numbers. Got {facts['infinite']} infinite value(s). "
            "Drop those rows or correct the outcome."
        )
    if facts["distinct"] < 2:
        raise InvalidInputError(
            f"target column {target!r} must have at least two different values. Got 1. "
            "An audit needs both outcomes."
        )
    if task not in ("binary", "ranking"):
        return
    counts = facts["counts"]
    if counts is not None and len(counts) == 2 and {float(v) for v in counts.index} == {0.0, 1.0}:
        return
    what = "a yes/no model" if task == "binary" else "a recommender (1: the customer chose the item)"
    if counts is None:
        got = f"more than {TARGET_VALUES_KEPT} distinct values"
    else:
        sizes = sorted((int(c) for c in counts), reverse=True)
        shown = ", ".join(map(str, sizes[:5])) + (", ..." if len(sizes) > 5 else "")
        got = f"{len(sizes)} distinct values (rows per value: {shown})"
    raise InvalidInputError(
        f"target column {target!r} must hold 0 and 1 for {what}. Got {got}. Recode it to 0/1, with 1 for the "
        "outcome the model scores."
    )


def check_probabilities(n_outside: int, n_total: int) -> None:
    """A yes/no model's scores are probabilities: refuse scores below 0 or above 1."""
    if n_outside:
        raise InvalidInputError(
            f"model scores must be probabilities from 0 to 1 for a yes/no model. Got {n_outside} of {n_total} "
            "outside that range (log-odds or a raw margin?). Return probabilities (apply the logistic function), "
            "or audit the model with task='regression' (--task regression) if its output is an amount."
        )


def k_warnings(items_per_customer: pd.Series, k: int) -> list[str]:
    """A warning for the report when ``k`` is at least the number of items some customers are scored on."""
    n_few = int((items_per_customer <= k).sum())
    if not n_few:
        return []
    return [
        f"k ({k}) is at least the number of items of {n_few} of {len(items_per_customer)} customers (the most "
        f"items any customer is scored on is {int(items_per_customer.max())}): those customers are shown every "
        "item they have, so their exposure and hit rate at k say nothing about the model's ranking. Choose a k "
        "smaller than the number of items each customer is scored on."
    ]


# --- why a model could not score the data ------------------------------------------------
_UNKNOWN_HANDLED = ("ignore", "infrequent_if_exist", "warn", "use_encoded_value")


def _resolve(cols: Any, names: Sequence[str]) -> list[str] | None:
    """Column names from a ColumnTransformer selection (names, indices, slice or mask)."""
    if isinstance(cols, str):
        return [cols]
    if isinstance(cols, slice):
        return list(names[cols])
    try:
        items = list(cols)
    except TypeError:
        return None
    if items and all(isinstance(c, (bool, np.bool_)) for c in items):
        return [n for n, keep in zip(names, items) if keep]
    if all(isinstance(c, (int, np.integer)) for c in items):
        return [names[int(i)] for i in items]
    return [str(c) for c in items]


def _encoders(est: Any, cols: list[str]) -> Iterator[tuple[Any, list[str]]]:
    """Yield (encoder, the raw columns it encodes) found in a pipeline."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        for _, step in est.steps:  # imputers and the like keep one output per column
            yield from _encoders(step, cols)
    elif isinstance(est, ColumnTransformer):
        for _, trans, sel in getattr(est, "transformers_", []):
            if isinstance(trans, str):
                continue
            chosen = _resolve(sel, cols)
            if chosen is not None:
                yield from _encoders(trans, chosen)
    elif hasattr(est, "categories_") and len(getattr(est, "categories_", [])) == len(cols):
        yield est, cols


def _unseen(model: Any, X: pd.DataFrame) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Per column: rows and distinct values an encoder has not seen; and every encoded column."""
    found: dict[str, tuple[int, int]] = {}
    encoded: set[str] = set()
    for enc, cols in _encoders(model, list(map(str, X.columns))):
        encoded.update(cols)
        if getattr(enc, "handle_unknown", "error") in _UNKNOWN_HANDLED:
            continue
        for col, cats in zip(cols, enc.categories_):
            if col not in X.columns:
                continue
            s = X[col]
            known = pd.Series(list(cats), dtype=object)
            mask = s.notna() & ~s.astype(object).isin(known)
            if mask.any():
                found[col] = (int(mask.sum()), int(s[mask].nunique()))
    return found, encoded


def _not_numbers(X: pd.DataFrame, skip: set[str]) -> dict[str, int]:
    out = {}
    for col in X.columns:
        s = X[col]
        if str(col) in skip or pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        present = s.notna()
        bad = present & pd.to_numeric(s.where(present), errors="coerce").isna()
        if bad.any():
            out[str(col)] = int(bad.sum())
    return out


def _explain_failure(adapter: Any, data: pd.DataFrame, err: BaseException) -> InvalidInputError:
    X = data.loc[:, list(adapter.input_columns)]
    model_name = adapter.name or type(adapter.model).__name__
    said = str(err).lower()
    missing = {str(c): int(n) for c, n in X.isna().sum().items() if n}
    try:
        unseen, encoded = _unseen(adapter.model, X) if adapter.kind == "estimator" else ({}, set())
    except Exception:  # noqa: BLE001 - a diagnosis must never hide the real error
        unseen, encoded = {}, set()
    if missing and ("nan" in said or "missing" in said or "infinity" in said):
        col, n = next(iter(missing.items()))
        return InvalidInputError(
            f"data column {col!r} must have no missing values for this model ({model_name} does not accept "
            f"them). Got {n} missing{f', and {len(missing) - 1} more column(s) with gaps' if len(missing) > 1 else ''}. "
            "Fill them (or add an imputer to the pipeline), drop those rows, or use a model that accepts "
            "missing values."
        )
    if unseen:
        col, (rows, values) = next(iter(unseen.items()))
        return InvalidInputError(
            f"data column {col!r} must only hold categories the model saw in training. Got {rows} row(s) with "
            f"{values} unseen categor{'y' if values == 1 else 'ies'}"
            f"{f', and {len(unseen) - 1} more column(s) like it' if len(unseen) > 1 else ''}. "
            "Map them to known categories or drop those rows, or refit with "
            "OneHotEncoder(handle_unknown='ignore')."
        )
    text = _not_numbers(X, encoded)
    if text:
        col, n = next(iter(text.items()))
        return InvalidInputError(
            f"data column {col!r} must hold numbers for this model. Got {n} value(s) that are not numbers"
            f"{f', and {len(text) - 1} more column(s) like it' if len(text) > 1 else ''}. Clean or convert them; "
            "a file written with decimal commas must be saved with decimal points."
        )
    if missing:
        col, n = next(iter(missing.items()))
        return InvalidInputError(
            f"data column {col!r} must have no missing values for this model. Got {n} missing. "
            "Fill them or drop those rows, or use a model that accepts missing values."
        )
    return InvalidInputError(
        f"model must be able to score the data. {model_name} failed ({type(err).__name__}). Check that each "
        "column holds the same kind of values as in training; --debug shows the model's own message."
    )


def score_checked(adapter: Any, data: pd.DataFrame) -> np.ndarray:
    """``adapter.predict_score(data)``, with a clear error when the model cannot score the data."""
    try:
        score: np.ndarray = adapter.predict_score(data)
        return score
    except ModelCallError as err:
        # the usual ways a model refuses data it was not trained on: say which column is at fault
        cause = err.__cause__
        if isinstance(cause, _DIAGNOSED):
            raise _explain_failure(adapter, data, cause) from cause
        raise
    except ExplainerError:
        raise
    except _DIAGNOSED as err:  # converting the model's output to numbers
        raise _explain_failure(adapter, data, err) from err


#: Exceptions of a model that usually mean the data differs from its training data.
_DIAGNOSED = (ValueError, TypeError, KeyError, IndexError, AttributeError)


def check_scores_vary(score: np.ndarray) -> None:
    """A model that gives every row the same score uses no data: there is nothing to audit."""
    s = np.asarray(score, dtype=float)
    if not np.isfinite(s).all():
        raise InvalidInputError(
            f"model scores must be finite numbers. Got {int((~np.isfinite(s)).sum())} of {len(s)} that are not "
            "(NaN or infinite). Check the model and the data it is given."
        )
    if len(s) and np.ptp(s) == 0:
        raise InvalidInputError(
            f"model scores must vary across rows to be audited. Got the same score for all {len(s)} rows. "
            "Check that this is the fitted model you deploy and that its input columns are filled."
        )


# --- the CI gate ---------------------------------------------------------------------------
def parse_fail_on(text: str | Sequence[str]) -> list[str]:
    """Split and check ``--fail-on`` selectors: finding codes, code prefixes or severities."""
    from .findings import PHRASES, Severity

    raw = text.split(",") if isinstance(text, str) else list(text)
    selectors = [s.strip() for s in raw if s and s.strip()]
    severities = [s.value for s in Severity]
    codes = sorted(PHRASES)
    for sel in selectors:
        if sel in severities or sel in codes or any(c.startswith(sel.rstrip(".") + ".") for c in codes):
            continue
        options = severities + codes + sorted({c.split(".")[0] for c in codes})
        match = difflib.get_close_matches(sel, options, n=1)
        hint = f" Did you mean {match[0]!r}?" if match else ""
        raise InvalidInputError(
            f"fail_on must list finding codes, code prefixes or severities. Got {sel!r}, which matches none.{hint} "
            f"Severities are {severities}; codes include {codes[:4]!r}."
        )
    return selectors
