"""The audit of a decision log: logged decisions (or scores) by group, without the model that made them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .._progress import resolve_progress
from .._validate import check_audit_data, check_group_sizes, columns_include, target_values
from ..analyses._fairness import audit_fairness
from ..analyses._membership import MembershipResult
from ..errors import InvalidInputError
from ..inventory import DataInventory
from ..inventory._complete import complete_inventory
from ._finish import Measured, assemble, data_hash, privacy_options
from ._options import AuditOptions
from ._result import Audit
from ._stages import reidentification

__all__ = ["audit_decisions"]

Progress = Callable[[str], None] | bool


def _decisions_and_scores(data: pd.DataFrame, predictions: str,
                          threshold: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """0/1 decisions from a prediction column; the scores too when the column holds scores."""
    from ..analyses._groupstats import decisions_from_scores

    col = data[predictions]
    n_na = int(col.isna().sum())
    if n_na:
        raise InvalidInputError(
            f"predictions column {predictions!r} must have no missing values. Got {n_na} missing. "
            "Drop rows without a decision."
        )
    if col.dtype == bool:
        col = col.astype(int)
    if not pd.api.types.is_numeric_dtype(col):
        raise InvalidInputError(
            f"predictions column {predictions!r} must hold 0/1 decisions or numeric scores. Got text. "
            "Encode decisions as 0 and 1, or pass scores with a threshold."
        )
    values = col.to_numpy(dtype=float)
    is01 = bool(np.isin(values, (0.0, 1.0)).all())
    if threshold is None:
        if not is01:
            raise InvalidInputError(
                f"threshold must be given when predictions holds scores. Got column {predictions!r} with "
                f"{int((~np.isin(values, (0.0, 1.0))).sum())} values other than 0 and 1. "
                "Pass threshold (decisions are score >= threshold), or a column of 0/1 decisions."
            )
        return values.astype(np.int8), None
    return decisions_from_scores(values, threshold), values


def audit_decisions(
    data: pd.DataFrame,
    *,
    predictions: str,
    target: str,
    sensitive_features: Sequence[str],
    threshold: float | None = None,
    inventory: DataInventory | None = None,
    n_boot: int = 200,
    min_group_size: int = 30,
    mitigation: bool = True,
    quasi_identifiers: Sequence[str] | None = None,
    k_anonymity: int = 5,
    random_state: int = 0,
    data_sha256: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
) -> Audit:
    """Audit logged decisions (or scores) by group, without the model that made them.

    Parameters
    ----------
    data : DataFrame
        The decision log: one row per decision, with the decision or score in
        ``predictions``, the outcome in ``target`` and the sensitive columns.
    predictions : str
        Column of 0/1 decisions, or of scores when ``threshold`` is given.
    target : str
        Column of 0/1 outcomes.
    sensitive_features : str or sequence of str
        Columns that define groups to compare; at least one.
    threshold : float, default=None
        With scores: the decision is ``score >= threshold``. Leave None for 0/1 decisions.
    n_boot : int, default=200
        Bootstrap resamples for every interval.
    min_group_size : int, default=30
        Groups smaller than this are marked too few to judge.
    mitigation : bool, default=True
        With scores, compare the logged decisions with fairlearn's ThresholdOptimizer fitted
        on half the log (see :func:`explainer.analyses.compare_mitigations`). Nothing is applied.
    quasi_identifiers, k_anonymity
        Re-identification risk of the log's rows, as in :func:`audit`.
    random_state : int, default=0
        Seed of every bootstrap and split.

    Returns
    -------
    Audit
        ``model``, ``explanation``, ``minimisation`` and ``proxies`` are None: without a
        model there is nothing to attribute and no known inputs.

    Raises
    ------
    InvalidInputError
        When a named column is missing, a sensitive column has one group, or the
        predictions hold scores but no threshold was given.

    Examples
    --------
    >>> import pandas as pd, explainer as ex
    >>> log = pd.DataFrame({"approved": [1, 0] * 20, "repaid": [1, 1, 0, 0] * 10,
    ...                     "group": ["a"] * 20 + ["b"] * 20})
    >>> a = ex.audit_decisions(log, predictions="approved", target="repaid", sensitive_features=["group"],
    ...                        min_group_size=10, n_boot=20)
    >>> a.fairness.groups.value("group", "a", "selection_rate")
    0.5
    """
    say, _ = resolve_progress(progress)
    options = AuditOptions(target=target, sensitive_features=sensitive_features, n_boot=n_boot,
                           min_group_size=min_group_size, quasi_identifiers=quasi_identifiers,
                           k_anonymity=k_anonymity, random_state=random_state, data_sha256=data_sha256,
                           command=command)
    sensitive = options.sensitive
    if not sensitive:
        raise InvalidInputError(
            "sensitive_features must name at least one column. Got none. "
            "Pass the columns that define groups, e.g. ['gender', 'age_band']."
        )
    if not isinstance(target, str):
        raise InvalidInputError(
            f"target must name the outcome column. Got {type(target).__name__}. A decision log audit needs outcomes."
        )
    data = check_audit_data(data, target, sensitive)
    notes = check_group_sizes(data, sensitive, min_group_size=min_group_size)
    if not isinstance(predictions, str) or predictions not in data.columns:
        raise InvalidInputError(
            f"predictions must name a column of the data. Got {predictions!r}, which is not there. "
            f"{columns_include(data.columns)}"
        )
    if predictions == target or predictions in sensitive:
        raise InvalidInputError(
            f"predictions must differ from target and sensitive_features. Got {predictions!r} in both."
        )
    say("decisions")
    decision, score = _decisions_and_scores(data, predictions, threshold)
    y01 = target_values(data, target, task="binary").astype(int)

    say("inventory")
    inv = complete_inventory(data, inventory, target=target, inputs=(), sensitive=sensitive,
                             random_state=random_state, other=(predictions,))
    m = Measured(inventory=inv, columns=list(map(str, data.columns)), warnings=notes,
                 data_info={"rows": int(len(data)), "columns": int(data.shape[1]), "customers": None,
                            "sha256": data_sha256 or data_hash(data),
                            "sha256_of": "input file" if data_sha256 else "data frame content"})
    from sklearn.metrics import accuracy_score, roc_auc_score

    metrics: dict[str, Any] = {"accuracy": float(accuracy_score(y01, decision)),
                               "selection_rate": float(decision.mean()), "base_rate": float(y01.mean())}
    if score is not None:
        metrics["roc_auc"] = float(roc_auc_score(y01, score))

    say("fairness")
    fair = audit_fairness(y01, decision, sensitive_features=data[sensitive], y_score=score,
                          min_group_size=min_group_size, n_boot=n_boot, random_state=random_state)
    if mitigation and score is not None:
        say("mitigation")
        from ..analyses._mitigation import compare_mitigations

        fair = replace(fair, mitigation=compare_mitigations(
            y01, score, data[sensitive], threshold=float(threshold) if threshold is not None else 0.5,
            min_group_size=min_group_size, n_boot=n_boot, random_state=random_state))
    m.fairness = fair
    say("privacy")
    m.reidentification = reidentification(data, inv, None, sensitive, options.quasi_identifiers, k_anonymity)
    m.membership = MembershipResult.not_assessed(
        "there is no model to attack: a decision log holds decisions only.",
        n_boot=max(int(n_boot), 50), random_state=random_state)
    cut = float(threshold) if threshold is not None else None
    model_info: dict[str, Any] = {"type": "decision log", "wrapper": None, "task": "binary",
                                  "output_unit": "score" if score is not None else "probability",
                                  "input_columns": [], "user_id": None, "item_id": None, "k": None,
                                  "threshold": cut, "predictions": predictions,
                                  "predictions_kind": "scores" if score is not None else "decisions",
                                  "metrics": metrics}
    recorded = {"target": target, "sensitive_features": sensitive, "predictions": predictions,
                "sample_size": None, "n_boot": n_boot, "min_group_size": min_group_size,
                "proxy_threshold": None, "random_state": random_state, "k": None, "threshold": cut,
                "mitigation": mitigation, **privacy_options(m, options)}
    return assemble(m, options, model_info=model_info, recorded=recorded)
