"""The partitioned backend: the audit on a Dask cluster, from sufficient statistics per partition.

The workers count (see :mod:`explainer.pipeline._partitions`); the client sums the counts and
finishes with the same functions as the in-process audit, so both give the same numbers for the
same data and seed. What runs where:

- on the workers: predictions, top-k ranking per customer, per-group confusion counts and score
  sums, exposure and quality counts, model-metric sums, the counts of each combination of
  quasi-identifier values (re-identification risk), and the rows the sampled analyses use;
- on the client: group metrics, disparities and intervals from the summed counts; SHAP shares
  (``sample_size`` rows drawn across partitions), the data scan (10,000 rows), the proxy search
  (5,000 customers); the mitigation comparison on the SHAP sample; the refits on the training
  rows, as in process.

What does not run here is said in the audit's warnings (audit.json and the reviewer report).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._progress import resolve_progress
from .._validate import (
    check_column,
    check_columns,
    check_group_size_counts,
    check_probabilities,
    check_row_count,
    check_scores_vary,
    check_sensitive_missing,
    check_target_facts,
    k_warnings,
    merge_target_facts,
    score_checked,
)
from ..analyses._explain import explain_rows, sample_positions
from ..analyses._fairness import (
    fairness_from_counts,
    item_exposure_from_counts,
    merge_exposure_counts,
    merge_item_exposure_counts,
    merge_quality_counts,
    with_item_exposure,
)
from ..analyses._group_metrics import GroupCounts
from ..analyses._membership import MembershipResult
from ..analyses._privacy import reidentification_risk
from ..errors import InvalidInputError
from ..inventory import DataInventory
from ..inventory._complete import complete_inventory
from ..models import ModelAdapter
from .._cluster import as_dask_frame, dask_client
from ._finish import Measured, finish
from ._inprocess import feature_model
from ._options import AuditOptions
from ._partitions import AUC_BINS, Plan, binary_auc, compute, disjoint, partition_facts, partition_work
from ._result import Audit
from ._stages import membership, possible_outcomes, proxy_flow_stage, reidentification_columns

__all__ = ["run_dask", "NOT_RUN_ON_DASK"]

#: Rows the data scan reads, as in :func:`explainer.scan`.
SCAN_ROWS = 10_000
#: Customers (or rows, without a customer id) the proxy search reads, as in find_proxies.
PROXY_ENTITIES = 5_000
#: Analyses of the in-process audit that the Dask backend does not run, and why (audit.json warnings).
NOT_RUN_ON_DASK = {
    "metricframe cross-check": "Not run on the Dask backend: the cross-check of the group metrics against "
                               "fairlearn's MetricFrame needs every row in one place. The group metrics are computed "
                               "from the summed counts by the same code that the in-process audit checks.",
    "membership inference": "Not run on the Dask backend: the membership inference test scores the held-out rows "
                            "in one place. Audit a sample in process (backend='pandas') with train_data for it.",
}


def _open(data: Any, adapter: ModelAdapter, options: AuditOptions) -> tuple[Any, list[str]]:
    """The data as a Dask DataFrame, with every named column checked."""
    ddf = as_dask_frame(data, partition_rows=options.partition_rows,
                        by=adapter.user_id if adapter.task == "ranking" else None, encoding=options.encoding)
    columns = [str(c) for c in ddf.columns]
    if len(set(columns)) != len(columns):
        raise InvalidInputError("data columns must be unique. Got repeated names. Rename them.")
    for name, col in (("target", options.target), ("user_id", adapter.user_id), ("item_id", adapter.item_id),
                      ("item_group", options.item_group)):
        check_column(name, col, columns)
    check_columns("sensitive_features", options.sensitive, columns)
    adapter.check_columns(columns)
    if options.target is not None and options.target in adapter.input_columns:
        raise InvalidInputError(f"target must not be a model input. Got {options.target!r}, which the model reads.")
    return ddf, columns


def _first_pass(client: Any, ddf: Any, adapter: ModelAdapter, options: AuditOptions,
                say: Any) -> tuple[Any, list[Any], list[dict[str, Any]]]:
    """Facts of every partition; customers spanning partitions are regrouped first (ranking)."""
    dask = import_optional("dask", purpose="The Dask backend")

    def facts_of(parts: list[Any]) -> list[dict[str, Any]]:
        tasks = [dask.delayed(partition_facts)(p, adapter.user_id, options.target, options.sensitive)
                 for p in parts]
        return compute(client, tasks, say, "read")

    # one list of partitions for both passes: a projected read may group files differently
    parts = ddf.to_delayed()
    facts = facts_of(parts)
    if (adapter.task == "ranking" and not disjoint(facts)
            and sum(f.get("users", 0) for f in facts) != int(ddf[adapter.user_id].nunique().compute())):
        say(f"dask: customers span partitions; shuffling rows on {adapter.user_id!r}")
        ddf = ddf.shuffle(on=adapter.user_id)
        parts = ddf.to_delayed()
        facts = facts_of(parts)
    return ddf, parts, facts


def _check_facts(facts: list[dict[str, Any]], adapter: ModelAdapter, options: AuditOptions) -> tuple[int, str | None]:
    """Rows in all, and how the target maps to 0/1 ("as_int", or None when it is not 0/1)."""
    n_total = sum(f["rows"] for f in facts)
    check_row_count(n_total)
    for s in options.sensitive:
        check_sensitive_missing(s, sum(f["sensitive_missing"][s] for f in facts))
    if options.target is None:
        return n_total, None
    tf = merge_target_facts([f["target"] for f in facts])
    check_target_facts(options.target, tf, task=adapter.task)
    if tf["counts"] is not None and {float(v) for v in tf["counts"].index} == {0.0, 1.0}:
        return n_total, "as_int"  # always for yes/no models and recommenders (checked above)
    return n_total, None


def _positions(chosen: np.ndarray, offsets: np.ndarray) -> dict[int, np.ndarray]:
    part_of = np.searchsorted(offsets, chosen, side="right") - 1
    return {int(p): chosen[part_of == p] - offsets[p] for p in np.unique(part_of)}


def _plan(facts: list[dict[str, Any]], n_total: int, n_users: int | None, y_map: str | None,
          adapter: ModelAdapter, options: AuditOptions,
          rng: np.random.Generator) -> tuple[Plan, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """The rows the sampled analyses read, at the positions the in-process audit draws."""
    seed = options.random_state
    idx, bg_idx = sample_positions(n_total, options.sample_size, rng, background=True)
    scan_idx = (np.arange(n_total) if n_total <= SCAN_ROWS
                else np.sort(np.random.default_rng(seed).choice(n_total, SCAN_ROWS, replace=False)))
    wanted = np.unique(np.concatenate([idx, bg_idx if bg_idx is not None else idx, scan_idx]))
    offsets = np.cumsum([0] + [f["rows"] for f in facts])
    proxy_positions = None
    proxy_fraction = 1.0
    if adapter.user_id is not None:
        proxy_fraction = min(1.0, 1.2 * PROXY_ENTITIES / max(int(n_users or 1), 1))
    elif n_total > PROXY_ENTITIES:
        chosen = np.sort(np.random.default_rng(seed).choice(n_total, PROXY_ENTITIES, replace=False))
        proxy_positions = _positions(chosen, offsets)
    if not options.sensitive:
        proxy_positions = {}
    plan = Plan(adapter, options.target, tuple(options.sensitive), y_map, options.item_group,
                _positions(wanted, offsets), proxy_fraction, proxy_positions)
    return plan, idx, bg_idx, scan_idx, offsets


def _check_results(results: list[dict[str, Any]], adapter: ModelAdapter, options: AuditOptions,
                   n_total: int) -> list[str]:
    """The checks of the in-process audit, from the partitions' counts; returns the warnings."""
    scored = [r["score_range"] for r in results if "score_range" in r]
    bad = sum(s[0] for s in scored)
    check_scores_vary(np.array([np.nan] * bad if bad else [min(s[1] for s in scored), max(s[2] for s in scored)]))
    if adapter.task == "binary":
        check_probabilities(sum(r.get("score_outside_01", 0) for r in results), n_total)
    notes: list[str] = []
    if options.sensitive:
        notes += check_group_size_counts(
            {s: pd.concat([r["group_sizes"][s] for r in results]).groupby(level=0).sum() for s in options.sensitive},
            min_group_size=options.min_group_size, user_id=adapter.user_id)
    if adapter.task == "ranking":
        notes += k_warnings(pd.concat([r["items_per_customer"] for r in results if "items_per_customer" in r]),
                            adapter.k)
    return notes


def class_counts(client: Any, ddf: Any, columns: list[str], user_id: str | None) -> pd.DataFrame:
    """One row per person and combination of ``columns``'s values, from counts made on the workers.

    The workers count each combination (``groupby(...).size()``, missing values a value of their
    own), one row per customer when ``user_id`` is given; the client repeats each combination
    by its count. The table holds the same rows as the in-process one, in another order.
    """
    sub = ddf[[user_id, *columns]].drop_duplicates(subset=[user_id])[columns] if user_id else ddf[columns]
    counts = client.compute(sub.groupby(columns, dropna=False, observed=True).size()).result()
    counts = counts[counts > 0]
    table = counts.index.to_frame(index=False)
    table.columns = columns
    return table.loc[table.index.repeat(counts.to_numpy())].reset_index(drop=True)


def _reidentification(client: Any, ddf: Any, scan_rows: pd.DataFrame, inv: DataInventory,
                      adapter: ModelAdapter, options: AuditOptions) -> Any:
    """k-anonymity and l-diversity as in process, from distributed counts of the value combinations."""
    qis, sens = reidentification_columns(scan_rows, inv, options.sensitive, options.quasi_identifiers)
    if not qis:
        return None
    table = class_counts(client, ddf, [*qis, *sens], adapter.user_id)
    return reidentification_risk(table, quasi_identifiers=qis, sensitive_columns=sens,
                                 k_threshold=options.k_anonymity)


def _metrics(results: list[dict[str, Any]], adapter: ModelAdapter, n_total: int) -> dict[str, Any]:
    """The model metrics from the partitions' sums."""
    if adapter.task == "ranking":
        n_valid = sum(r["ranking"][0] for r in results if "ranking" in r)
        return {f"hit_rate_at_{adapter.k}": sum(r["ranking"][1] for r in results if "ranking" in r) / n_valid,
                f"ndcg_at_{adapter.k}": sum(r["ranking"][2] for r in results if "ranking" in r) / n_valid,
                "users_evaluated": int(n_valid), "k": int(adapter.k)}
    if adapter.task == "binary":
        b = [r["binary"] for r in results if "binary" in r]
        pos = np.sum([x["hist_pos"] for x in b], axis=0)
        neg = np.sum([x["hist_neg"] for x in b], axis=0)
        return {"accuracy": sum(x["correct"] for x in b) / n_total,
                "selection_rate": sum(x["selected"] for x in b) / n_total,
                "base_rate": sum(x["positive"] for x in b) / n_total,
                "roc_auc": binary_auc(pos, neg),
                "roc_auc_method": f"score histogram with {AUC_BINS} bins"}
    sy, syy, sse, sae = (sum(r["regression"][j] for r in results if "regression" in r) for j in range(4))
    sst = syy - sy * sy / n_total
    return {"r2": 1.0 - sse / sst if sst > 0 else float("nan"), "mae": sae / n_total}


def _fairness(results: list[dict[str, Any]], adapter: ModelAdapter, options: AuditOptions) -> Any:
    """Group metrics, exposure and quality by group, from the summed counts."""
    g = GroupCounts.merge([r["groups"] for r in results if "groups" in r])
    ranking = adapter.task == "ranking"
    n_boot, seed = options.n_boot, options.random_state
    fair = fairness_from_counts(
        g,
        merge_exposure_counts([r["exposure"] for r in results if "exposure" in r]) if ranking else None,
        merge_quality_counts([r["quality"] for r in results if "quality" in r]) if ranking else None,
        k=adapter.k if ranking else None, min_group_size=options.min_group_size, n_boot=n_boot, random_state=seed,
    )
    if ranking:
        fair = with_item_exposure(fair, item_exposure_from_counts(
            merge_item_exposure_counts([r["item_exposure"] for r in results if "item_exposure" in r]),
            n_boot=n_boot, random_state=seed), options.item_group or "item")
    return fair


def _mitigation(fair: Any, rows: pd.DataFrame, adapter: ModelAdapter, options: AuditOptions,
                n_total: int) -> tuple[Any, str]:
    """The ThresholdOptimizer comparison on the rows sampled for SHAP, gathered on the client."""
    from ..analyses._mitigation import compare_mitigations

    y01 = rows[options.target].astype(int).to_numpy()
    mit = compare_mitigations(y01, score_checked(adapter, rows), rows[options.sensitive], threshold=adapter.threshold,
                              min_group_size=options.min_group_size, n_boot=options.n_boot,
                              random_state=options.random_state)
    note = (f"The mitigation comparison ran on {len(rows)} of {n_total} rows, sampled across partitions "
            "(the rows explained with SHAP), not on every row as in process.")
    return replace(fair, mitigation=mit), note


def _proxies(results: list[dict[str, Any]], adapter: ModelAdapter, options: AuditOptions) -> tuple[Any, Any]:
    """The proxy search on the sampled customers; returns the result and the rows it read."""
    from ..analyses._proxies import find_proxies

    prox = pd.concat([r["proxy"] for r in results if "proxy" in r], ignore_index=True)
    sensitive = options.sensitive
    candidates = [c for c in adapter.input_columns if c not in sensitive]
    found = find_proxies(prox[candidates], prox[sensitive], threshold=options.proxy_threshold,
                         random_state=options.random_state, min_group_size=options.min_group_size,
                         groups=prox[adapter.user_id].to_numpy() if adapter.user_id else None)
    return found, prox


def _data_info(results: list[dict[str, Any]], columns: list[str], n_total: int, n_users: int | None,
               options: AuditOptions) -> dict[str, Any]:
    """Rows, columns, customers and a content digest made of the partitions' digests."""
    digest = hashlib.sha256("".join(r["digest"] for r in sorted(results, key=lambda r: r["index"])).encode())
    digest.update("\x1f".join(columns).encode())
    return {"rows": int(n_total), "columns": len(columns), "customers": n_users,
            "sha256": options.data_sha256 or digest.hexdigest(),
            "sha256_of": "input file" if options.data_sha256 else "per-partition content digests (Dask)",
            "partitions": len(results)}


def _membership(m: Measured, scan_rows: pd.DataFrame, train_data: pd.DataFrame | None,
                options: AuditOptions) -> None:
    """Without training rows, the in-process reason; with them, not run here, and a warning says so."""
    if train_data is None:
        m.membership, _ = membership(m.adapter, scan_rows, None, options.target, n_boot=options.n_boot,
                                     random_state=options.random_state)
        return
    m.membership = MembershipResult.not_assessed(
        "it runs in process only: audit a sample with backend='pandas' and train_data for it.",
        n_boot=max(options.n_boot, 50), random_state=options.random_state)
    m.warnings.append(NOT_RUN_ON_DASK["membership inference"])


def _group_analyses(m: Measured, results: list[dict[str, Any]], rows: pd.DataFrame, y_map: str | None,
                    options: AuditOptions, n_total: int, say: Any) -> None:
    """Fairness from the summed counts, the mitigation comparison on ``rows``, proxies and proxy flow."""
    adapter = m.adapter
    if options.sensitive and y_map is not None:
        say("fairness (from summed counts)")
        m.fairness = _fairness(results, adapter, options)
        m.warnings.append(NOT_RUN_ON_DASK["metricframe cross-check"])
        if adapter.task == "binary":
            say("mitigation comparison (sampled rows)")
            m.fairness, note = _mitigation(m.fairness, rows, adapter, options, n_total)
            m.warnings.append(note)
    if options.sensitive:
        say("proxies (sampled customers)")
        m.proxies, prox = _proxies(results, adapter, options)
        m.proxy_flow = proxy_flow_stage(adapter, options.sensitive, m.proxies, prox, m.inventory.category_map(),
                                        min_group_size=options.min_group_size, n_boot=options.n_boot,
                                        n_jobs=options.n_jobs, random_state=options.random_state, say=say)


def _not_run(m: Measured, train_data: pd.DataFrame | None) -> list[str]:
    """The in-process analyses this audit did not run (their reasons are in the warnings)."""
    return ([*(["metricframe cross-check"] if m.fairness is not None else []),
             *(["membership inference"] if train_data is not None else [])])


def run_dask(model: Any, data: Any, options: AuditOptions, *, inventory: DataInventory | None,
             train_data: pd.DataFrame | None, fit: Any, progress: Any) -> Audit:
    """Audit ``model`` on partitioned ``data`` on a Dask cluster (see :func:`explainer.audit`)."""
    say, _ = resolve_progress(progress)
    dask = import_optional("dask", purpose="The Dask backend")
    if train_data is not None and not isinstance(train_data, pd.DataFrame):
        raise InvalidInputError(
            f"train_data must be a pandas DataFrame of training rows. Got {type(train_data).__name__}. "
            "The Dask backend refits on the client: pass the training rows (or a sample of them) in memory.")
    adapter = feature_model(model, options)
    ddf, columns = _open(data, adapter, options)
    seed = options.random_state
    with dask_client(options.scheduler, n_workers=options.n_workers) as client:
        say(f"dask: {len(ddf.to_delayed())} partitions on {len(client.scheduler_info().get('workers', {}))} workers")
        ddf, parts, facts = _first_pass(client, ddf, adapter, options, say)
        n_total, y_map = _check_facts(facts, adapter, options)
        n_users = sum(f.get("users", 0) for f in facts) if adapter.user_id else None
        rng = np.random.default_rng(seed)
        plan, idx, bg_idx, scan_idx, offsets = _plan(facts, n_total, n_users, y_map, adapter, options, rng)
        plan_d = dask.delayed(plan, pure=True)
        say("predict and count on the workers")
        results = compute(client, [dask.delayed(partition_work)(p, i, int(offsets[i]), plan_d)
                                   for i, p in enumerate(parts)], say, "count")
        n_workers_seen = len(client.scheduler_info().get("workers", {}))
        notes = _check_results(results, adapter, options, n_total)
        sample = pd.concat([r["sample"] for r in results if "sample" in r])
        scan_rows = sample.loc[scan_idx].reset_index(drop=True)
        say("inventory (scan of sampled rows)")
        inv = complete_inventory(scan_rows, inventory, target=options.target, inputs=adapter.input_columns,
                                 sensitive=options.sensitive, random_state=seed, user_id=adapter.user_id,
                                 item_id=adapter.item_id)
        say("privacy (counts of quasi-identifier combinations on the workers)")
        reid = _reidentification(client, ddf, scan_rows, inv, adapter, options)

    m = Measured(inventory=inv, columns=columns, adapter=adapter, reidentification=reid, warnings=notes,
                 data_info=_data_info(results, columns, n_total, n_users, options),
                 metrics=_metrics(results, adapter, n_total) if options.target is not None else {},
                 options={"backend": "dask"})
    _membership(m, scan_rows, train_data, options)
    if options.target is None:  # judged on the scanned rows, as the inventory is
        m.outcomes, more = possible_outcomes(scan_rows, score_checked(adapter, scan_rows), adapter, inv,
                                             options.sensitive)
        m.warnings += more
    say("explain (SHAP on rows sampled across partitions)")
    m.explanation = explain_rows(adapter, sample.loc[idx], sample.loc[bg_idx if bg_idx is not None else idx],
                                 n_total=n_total, row_index=idx, rng=rng, categories=inv.category_map(),
                                 sample_size=options.sample_size, n_boot=options.n_boot, n_jobs=options.n_jobs,
                                 random_state=seed)
    _group_analyses(m, results, sample.loc[idx], y_map, options, n_total, say)
    m.provenance = {"not_run_on_dask": _not_run(m, train_data),
                    "backend": {"name": "dask", "workers": n_workers_seen, "partitions": len(results),
                                "cluster": "local" if options.scheduler is None else "existing"}}
    return finish(m, options, train_data=train_data, fit=fit, say=say)
