"""The in-memory backend: every analysis on a pandas DataFrame in this process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar, cast

import pandas as pd

from .._progress import resolve_progress
from .._validate import (
    check_audit_data,
    check_column,
    check_group_sizes,
    check_probabilities,
    check_scores_vary,
    k_warnings,
    score_checked,
    target_values,
)
from ..analyses._explain import explain
from ..analyses._fairness import assess_fairness as audit_fairness
from ..analyses._model_metrics import binary_outcome, metric_intervals, model_metrics
from ..errors import InvalidInputError
from ..inventory import DataInventory
from ..inventory._complete import complete_inventory
from ..models import ModelAdapter
from ._finish import Measured, data_hash, finish
from ._options import AuditOptions
from ._result import Audit
from ._stages import (
    item_labels,
    membership,
    performance,
    possible_outcomes,
    proxy_flow_stage,
    reidentification,
)

__all__ = ["feature_model", "run_in_process"]


def feature_model(model: Any, options: AuditOptions, *, entry: str = "explainer.audit") -> ModelAdapter:
    """The model wrapped for a feature-based audit; a collaborative-filtering recommender is refused."""
    adapter = options.wrap(model)
    if not isinstance(adapter, ModelAdapter):  # a collaborative-filtering recommender has its own entry point
        raise InvalidInputError(
            f"model must be a feature-based model for {entry}. Got a collaborative-filtering recommender "
            f"({type(adapter).__name__}). Use explainer.audit_collaborative(model, customers, ...) instead."
        )
    return adapter


def _check_keys(adapter: ModelAdapter, data: pd.DataFrame, options: AuditOptions) -> None:
    check_column("user_id", adapter.user_id, data.columns)
    check_column("item_id", adapter.item_id, data.columns)
    check_column("item_group", options.item_group, data.columns)
    if options.target is not None and options.target in adapter.input_columns:
        raise InvalidInputError(f"target must not be a model input. Got {options.target!r}, which the model reads.")


def _fairness(adapter: ModelAdapter, data: pd.DataFrame, y01: Any, score: Any, decision: Any,
              options: AuditOptions, say: Any) -> Any:
    """Group metrics, exposure and quality by group; for a yes/no model the mitigation comparison."""
    sensitive = options.sensitive
    say("fairness")
    fair = audit_fairness(
        y01, decision, sensitive_features=data[sensitive], y_score=score,
        user_ids=data[adapter.user_id].to_numpy() if adapter.user_id else None,
        items=data[adapter.item_id].to_numpy() if adapter.item_id else None,
        k=adapter.k if adapter.task == "ranking" else None,
        item_groups=data[options.item_group].reset_index(drop=True) if options.item_group else None,
        min_group_size=options.min_group_size, n_boot=options.n_boot, random_state=options.random_state,
    )
    if adapter.task == "binary":
        say("mitigation comparison")
        from ..analyses._mitigation import compare_mitigations

        fair = replace(fair, mitigation=compare_mitigations(
            y01, score, data[sensitive], threshold=adapter.threshold, min_group_size=options.min_group_size,
            n_boot=options.n_boot, random_state=options.random_state))
    return fair


_F = TypeVar("_F", bound=Callable[..., Any])


def _one_openmp_thread(fn: _F) -> _F:
    """Run ``fn`` with OpenMP limited to one thread (BLAS untouched); results do not change.

    The audit calls the model many times on a few thousand rows; scikit-learn's
    HistGradientBoosting opens an OpenMP loop per tree on every predict, which costs more in
    thread start-up and waits than it saves, and far more on a loaded machine.
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return fn(*args, **kwargs)

    return cast(_F, run)


@_one_openmp_thread
def run_in_process(model: Any, data: Any, options: AuditOptions, *, inventory: DataInventory | None,
                   train_data: pd.DataFrame | None, fit: Any, progress: Any) -> Audit:
    """Audit ``model`` on the pandas DataFrame ``data`` with every analysis (see :func:`explainer.audit`)."""
    say, rows_done = resolve_progress(progress)
    sensitive = options.sensitive
    data = check_audit_data(data, options.target, sensitive)
    adapter = feature_model(model, options)
    _check_keys(adapter, data, options)
    notes = check_group_sizes(data, sensitive, min_group_size=options.min_group_size, user_id=adapter.user_id)
    labels = item_labels(data, adapter.item_id, options.item_label)
    n_boot, seed, target = options.n_boot, options.random_state, options.target

    say("inventory")
    inv = complete_inventory(data, inventory, target=target, inputs=adapter.input_columns, sensitive=sensitive,
                             random_state=seed, user_id=adapter.user_id, item_id=adapter.item_id)
    # the item a recommender ranks is not data about the customer: its influence is its own group
    categories = inv.category_map()

    say("predict")
    y = target_values(data, target, task=adapter.task) if target is not None else None
    score = score_checked(adapter, data)
    check_scores_vary(score)
    if adapter.task == "binary":
        check_probabilities(int(((score < 0) | (score > 1)).sum()), len(score))
    if adapter.task == "ranking":
        notes += k_warnings(data.groupby(adapter.user_id, sort=False)[adapter.item_id].nunique(), adapter.k)
    decision = adapter.predict_decision(data)
    outcomes: list[str] = []
    if target is None:
        outcomes, more = possible_outcomes(data, score, adapter, inv, sensitive)
        notes += more
    n_users = int(data[adapter.user_id].nunique()) if adapter.user_id else None
    m = Measured(inventory=inv, columns=list(map(str, data.columns)), adapter=adapter, data=data,
                 data_info={"rows": int(len(data)), "columns": int(data.shape[1]), "customers": n_users,
                            "sha256": options.data_sha256 or data_hash(data),
                            "sha256_of": "input file" if options.data_sha256 else "data frame content"},
                 metrics=model_metrics(adapter, y, score, decision, data),
                 metric_intervals=metric_intervals(adapter, y, score, decision, data, n_boot=n_boot,
                                                   random_state=seed),
                 warnings=notes, outcomes=outcomes, item_labels=labels)

    say("explain")
    m.explanation = explain(adapter, data, categories=categories, sample_size=options.sample_size, n_boot=n_boot,
                            n_jobs=options.n_jobs, random_state=seed, progress=rows_done)
    y01 = binary_outcome(adapter, y)
    if sensitive and y01 is not None:
        m.fairness = _fairness(adapter, data, y01, score, decision, options, say)
    if sensitive:
        say("proxies")
        from ..analyses._proxies import find_proxies

        candidates = [c for c in adapter.input_columns if c not in sensitive]
        m.proxies = find_proxies(
            data[candidates], data[sensitive], threshold=options.proxy_threshold, random_state=seed,
            groups=data[adapter.user_id].to_numpy() if adapter.user_id else None,
            min_group_size=options.min_group_size,
        )
    if m.proxies is not None and m.explanation is not None:
        m.proxy_flow = proxy_flow_stage(adapter, sensitive, m.proxies, data, categories,
                                        min_group_size=options.min_group_size, n_boot=n_boot,
                                        n_jobs=options.n_jobs, random_state=seed, say=say)

    say("privacy")
    m.reidentification = reidentification(data, inv, adapter.user_id, sensitive, options.quasi_identifiers,
                                          options.k_anonymity)
    m.membership, m.membership_info = membership(adapter, data, train_data, target, n_boot=n_boot,
                                                 random_state=seed)
    if y01 is not None and adapter.task in ("binary", "ranking"):
        say("performance and error slices")
        m.performance, m.error_slices = performance(
            adapter, data, y01, score, decision, sensitive, inv, reference_groups=options.reference_groups,
            min_group_size=options.min_group_size, n_boot=n_boot, random_state=seed)
    return finish(m, options, train_data=train_data, fit=fit, say=say)
