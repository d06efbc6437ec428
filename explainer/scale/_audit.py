"""The audit on a Dask cluster: sufficient statistics per partition, summed on the client.

Two passes over the data, each one task per partition, so a worker never holds more
than one partition:

1. facts: rows, the range and number of customer ids, the target's values and missing
   counts (a few columns only);
2. work: predict, rank (top k per customer), and count the sufficient statistics of the
   in-process analyses (:func:`~explainer.analyses._group_metrics.group_counts`,
   :func:`~explainer.analyses._fairness.exposure_counts`,
   :func:`~explainer.analyses._fairness.quality_counts`, sums for the model metrics), and
   hand back the few rows that the sampled analyses use (SHAP sample and background, the
   scan sample, the proxy sample) at positions drawn as the in-process audit draws them.

The client sums the counts and finishes with the same functions as the in-process audit,
so both give the same numbers for the same data and seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._audit import Audit, _complete_inventory, _finish, _proxy_flow, possible_outcomes
from .._validate import (
    check_audit_options,
    check_group_size_counts,
    check_probabilities,
    check_scores_vary,
    check_target_facts,
    column_names,
    group_sizes,
    k_warnings,
    merge_target_facts,
    score_checked,
    target_facts,
)
from .._optional import import_optional
from .._progress import resolve_progress
from ..analyses._explain import explain_rows, sample_positions
from ..analyses._fairness import (
    exposure_counts,
    fairness_from_counts,
    item_exposure_counts,
    item_exposure_from_counts,
    merge_exposure_counts,
    merge_item_exposure_counts,
    merge_quality_counts,
    quality_counts,
    with_item_exposure,
)
from ..analyses._group_metrics import GroupCounts, group_counts
from ..analyses._ranking import per_user_ranking
from ..errors import InvalidInputError
from ..inventory import DataInventory
from ..models import ModelAdapter, wrap_model
from ._cluster import DEFAULT_PARTITION_ROWS, as_dask_frame, dask_client

__all__ = ["audit_dask"]

#: Rows the data scan reads, as in :func:`explainer.scan`.
SCAN_ROWS = 10_000
#: Customers (or rows, without a customer id) the proxy search reads, as in find_proxies.
PROXY_ENTITIES = 5_000
_AUC_BINS = 1 << 16

Say = Callable[[str], None]
Progress = Say | bool


@dataclass(frozen=True)
class _Plan:
    """What every partition task needs; sent to the workers once."""

    adapter: ModelAdapter
    target: str | None
    sensitive: tuple[str, ...]
    y_map: str | None  # "as_int", "max_is_one" or None (no 0/1 outcome: no group metrics)
    item_group: str | None = None
    positions: dict[int, np.ndarray] = field(default_factory=dict)  # partition -> local rows to return
    proxy_fraction: float = 1.0
    proxy_positions: dict[int, np.ndarray] | None = None


# ------------------------------------------------------------------------- partition tasks


def _facts(df: pd.DataFrame, user_id: str | None, target: str | None, sensitive: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"rows": int(len(df))}
    if user_id is not None and len(df):
        u = df[user_id]
        out.update(user_min=u.min(), user_max=u.max(), users=int(u.nunique()))
    if target is not None:
        out["target"] = target_facts(df[target])
    out["sensitive_missing"] = {s: int(df[s].isna().sum()) for s in sensitive}
    return out


def _y01(y: np.ndarray, how: str | None) -> np.ndarray | None:
    if how == "as_int":
        return y.astype(int)
    if how == "max_is_one":
        return (y == y.max()).astype(int) if len(y) else y.astype(int)
    return None


def _work(df: pd.DataFrame, index: int, offset: int, plan: _Plan, y_max: Any) -> dict[str, Any]:
    """Everything one partition contributes. Returns counts and sampled rows, never all rows."""
    a = plan.adapter
    out: dict[str, Any] = {"index": index, "rows": len(df)}
    out["digest"] = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    pos = plan.positions.get(index)
    if pos is not None and len(pos):
        take = df.iloc[pos].copy()
        take.index = pd.Index(pos + offset, name="_position")
        out["sample"] = take
    if plan.proxy_positions is not None:
        pp = plan.proxy_positions.get(index)
        if pp is not None and len(pp):
            out["proxy"] = df.iloc[pp]
    elif a.user_id is not None and plan.proxy_fraction < 1.0:
        h = pd.util.hash_pandas_object(df[a.user_id], index=False).to_numpy()
        out["proxy"] = df[(h % 1_000_000) < int(plan.proxy_fraction * 1_000_000)]
    else:
        out["proxy"] = df
    if plan.sensitive:
        out["group_sizes"] = {s: group_sizes(df, s, user_id=a.user_id) for s in plan.sensitive}
    if len(df) == 0:
        return out
    score = score_checked(a, df)
    out["score_range"] = (int((~np.isfinite(score)).sum()), float(np.nanmin(score)), float(np.nanmax(score)))
    out["score_outside_01"] = int(((score < 0) | (score > 1)).sum())
    if a.task == "ranking":  # a customer's rows sit in one partition
        out["items_per_customer"] = df.groupby(a.user_id, sort=False)[a.item_id].nunique()
    decision = a.predict_decision(df)
    users = df[a.user_id].to_numpy() if a.user_id else None
    if plan.target is None:
        return out
    y = df[plan.target].to_numpy()
    if y.dtype == bool:
        y = y.astype(int)
    if plan.y_map == "max_is_one":
        y01: np.ndarray | None = (y == y_max).astype(int)
    else:
        y01 = _y01(y, plan.y_map)
    # model metrics: sums that add up over partitions
    if a.task == "ranking":
        per = per_user_ranking(y, score, users, a.k)  # type: ignore[arg-type]
        valid = per["n_relevant"] > 0
        out["ranking"] = (int(valid.sum()), float(per.loc[valid, "hit"].sum()), float(per.loc[valid, "ndcg"].sum()))
    elif a.task == "binary":
        yy = y01 if y01 is not None else y
        bins = np.clip((score * _AUC_BINS).astype(np.int64), 0, _AUC_BINS - 1)  # scores outside 0..1 are refused later
        out["binary"] = {
            "correct": int((decision == yy).sum()), "selected": int(decision.sum()), "positive": float(np.sum(yy)),
            "hist_pos": np.bincount(bins[yy == 1], minlength=_AUC_BINS),
            "hist_neg": np.bincount(bins[yy != 1], minlength=_AUC_BINS),
        }
    else:
        yf = y.astype(float)
        out["regression"] = (float(yf.sum()), float((yf * yf).sum()), float(((yf - score) ** 2).sum()),
                             float(np.abs(yf - score).sum()))
    if plan.sensitive and y01 is not None:
        sf = df[list(plan.sensitive)].reset_index(drop=True)
        out["groups"] = group_counts(y01, decision, sensitive_features=sf, y_score=score,
                                     user_ids=users if a.task == "ranking" else None)
        if a.task == "ranking":
            out["exposure"] = exposure_counts(decision, df[a.item_id].to_numpy(), sf)
            out["quality"] = quality_counts(y01, score, users, sf, a.k)
            out["item_exposure"] = item_exposure_counts(
                decision, y01, users, df[plan.item_group or a.item_id].to_numpy(), items=df[a.item_id].to_numpy())
    return out


# ------------------------------------------------------------------------- client side


def _binary_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC from score histograms of positives and negatives (ties within a bin count one half)."""
    n1, n0 = pos.sum(), neg.sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    below = np.cumsum(neg) - neg
    return float((pos * below).sum() + 0.5 * (pos * neg).sum()) / float(n1 * n0)


def _disjoint(facts: list[dict[str, Any]]) -> bool:
    ranges = [(f["user_min"], f["user_max"]) for f in facts if f["rows"]]
    try:
        ranges.sort()
        return all(ranges[i][1] < ranges[i + 1][0] for i in range(len(ranges) - 1))
    except TypeError:
        return False


def _compute(client: Any, tasks: list[Any], say: Say, label: str) -> list[Any]:
    distributed = import_optional("distributed", purpose="The Dask backend")
    futures = client.compute(tasks)
    results: list[Any] = [None] * len(futures)
    where = {f.key: i for i, f in enumerate(futures)}
    step = max(1, len(futures) // 10)
    for done, (fut, res) in enumerate(distributed.as_completed(futures, with_results=True), start=1):
        results[where[fut.key]] = res
        if done % step == 0 or done == len(futures):
            say(f"{label}: {done}/{len(futures)} partitions")
    return results


def audit_dask(
    model: Any,
    data: Any,
    *,
    scheduler: Any = None,
    n_workers: int = 2,
    target: str | None = None,
    inventory: DataInventory | None = None,
    sensitive_features: Sequence[str] = (),
    task: str | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    threshold: float = 0.5,
    item_group: str | None = None,
    sample_size: int | None = 2000,
    n_boot: int = 200,
    min_group_size: int = 30,
    proxy_threshold: float = 0.65,
    n_jobs: int = 1,
    random_state: int = 0,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    data_sha256: str | None = None,
    train_data: Any = None,
    quasi_identifiers: Sequence[str] | None = None,
    k_anonymity: int = 5,
    command: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> Audit:
    """Audit a model on data that does not fit one machine, on a Dask cluster.

    Takes the arguments of :func:`explainer.audit` and gives the same :class:`Audit`
    (equal numbers for the same data and seed). What runs where:

    - on the workers, one task per partition: predictions, top-k ranking per customer,
      per-group confusion counts and score sums, exposure counts per item and group,
      hit and NDCG value counts per group, model-metric sums, and the rows the sampled
      analyses use;
    - on the client, from the summed counts: group metrics, disparities and their
      bootstrap intervals, exposure gaps, quality per group; and on the sampled rows:
      SHAP shares with their interval (``sample_size`` rows drawn across partitions),
      the data scan (10,000 rows), the proxy search (5,000 customers), minimisation
      and findings.

    For a recommender every customer's rows must sit in one partition (ranking is per
    customer). When the partitions' customer-id ranges overlap, the data is shuffled
    on ``user_id`` first; partition the data set by customer (for example
    ``ddf.set_index(user_id)`` or ``ddf.shuffle(on=user_id)`` and ``to_parquet``) to skip
    that step.

    Parameters
    ----------
    model, target, inventory, sensitive_features, task, user_id, item_id, k, threshold,
    sample_size, n_boot, min_group_size, proxy_threshold, n_jobs, random_state
        As in :func:`explainer.audit`.
    data : dask DataFrame, pandas DataFrame or path
        The data; a path names a Parquet file or a folder of Parquet files (or a CSV file).
    scheduler : str, distributed.Client or None, default=None
        Address of a running Dask scheduler, or a Client; None starts a local cluster of
        ``n_workers`` processes and closes it at the end.
    n_workers : int, default=2
        Worker processes of the local cluster.
    partition_rows : int, default=250,000
        Rows per partition when a pandas DataFrame is split.
    encoding : str or None, default=None
        Text encoding when ``data`` is a CSV file (None: UTF-8, with or without a
        byte-order mark); the delimiter and encoding rules are those of
        :func:`explainer.read_table`.

    Returns
    -------
    Audit
    """
    say, _ = resolve_progress(progress)
    dask = import_optional("dask", purpose="The Dask backend")
    check_audit_options(n_boot=n_boot, min_group_size=min_group_size)
    if train_data is not None:
        raise InvalidInputError(
            "train_data must be None with the Dask backend. Got training rows. The membership inference "
            "test runs in-process only: audit a sample with backend='pandas' for it."
        )
    sensitive = [str(s) for s in column_names(sensitive_features, "sensitive_features")]
    adapter = wrap_model(model, task=task, user_id=user_id, item_id=item_id, k=k, threshold=threshold)  # type: ignore[arg-type]
    ddf = as_dask_frame(data, partition_rows=partition_rows, by=adapter.user_id if adapter.task == "ranking" else None,
                        encoding=encoding)
    columns = [str(c) for c in ddf.columns]
    if len(set(columns)) != len(columns):
        raise InvalidInputError("data columns must be unique. Got repeated names. Rename them.")
    for name, col in (("target", target), ("user_id", adapter.user_id), ("item_id", adapter.item_id),
                      ("item_group", item_group)):
        if col is not None and col not in columns:
            raise InvalidInputError(
                f"{name} must name a column of the data. Got {col!r}, which is not there. "
                f"Columns include {sorted(columns)[:5]!r}."
            )
    missing = [s for s in sensitive if s not in columns]
    if missing:
        raise InvalidInputError(
            f"sensitive_features must name columns of the data. Got {missing[:5]!r}, which are not there. "
            f"Columns include {sorted(columns)[:5]!r}."
        )
    adapter.check_columns(columns)
    if target is not None and target in adapter.input_columns:
        raise InvalidInputError(f"target must not be a model input. Got {target!r}, which the model reads.")

    with dask_client(scheduler, n_workers=n_workers) as client:
        say(f"dask: {len(ddf.to_delayed())} partitions on {len(client.scheduler_info().get('workers', {}))} workers")

        # one list of partitions for both passes: a projected read may group files differently
        parts = ddf.to_delayed()

        def pass_one(parts: list[Any]) -> list[dict[str, Any]]:
            tasks = [dask.delayed(_facts)(p, adapter.user_id, target, sensitive) for p in parts]
            return _compute(client, tasks, say, "read")

        facts = pass_one(parts)
        if (adapter.task == "ranking" and not _disjoint(facts)
                and sum(f.get("users", 0) for f in facts) != int(ddf[adapter.user_id].nunique().compute())):
            say(f"dask: customers span partitions; shuffling rows on {adapter.user_id!r}")
            ddf = ddf.shuffle(on=adapter.user_id)
            parts = ddf.to_delayed()
            facts = pass_one(parts)
        n_total = sum(f["rows"] for f in facts)
        if n_total < 20:
            raise InvalidInputError(f"data must hold at least 20 rows to audit. Got {n_total}.")
        for s in sensitive:
            n_na = sum(f["sensitive_missing"][s] for f in facts)
            if n_na:
                raise InvalidInputError(
                    f"sensitive_features column {s!r} must have no missing values. Got {n_na} missing. "
                    "Fill them with an explicit 'unknown' group or drop those rows."
                )
        y_map: str | None = None
        y_max: Any = None
        if target is not None:
            tf = merge_target_facts([f["target"] for f in facts])
            check_target_facts(target, tf, task=adapter.task)
            if tf["counts"] is not None and {float(v) for v in tf["counts"].index} == {0.0, 1.0}:
                y_map = "as_int"  # always for yes/no models and recommenders (checked above)
        n_users = sum(f.get("users", 0) for f in facts) if adapter.user_id else None

        # rows the sampled analyses read, at the positions the in-process audit draws
        rng = np.random.default_rng(random_state)
        idx, bg_idx = sample_positions(n_total, sample_size, rng, background=True)
        scan_idx = (np.arange(n_total) if n_total <= SCAN_ROWS
                    else np.sort(np.random.default_rng(random_state).choice(n_total, SCAN_ROWS, replace=False)))
        wanted = np.unique(np.concatenate([idx, bg_idx if bg_idx is not None else idx, scan_idx]))
        offsets = np.cumsum([0] + [f["rows"] for f in facts])
        part_of = np.searchsorted(offsets, wanted, side="right") - 1
        positions = {int(p): wanted[part_of == p] - offsets[p] for p in np.unique(part_of)}
        proxy_positions = None
        proxy_fraction = 1.0
        if adapter.user_id is not None:
            proxy_fraction = min(1.0, 1.2 * PROXY_ENTITIES / max(int(n_users or 1), 1))
        elif n_total > PROXY_ENTITIES:
            chosen = np.sort(np.random.default_rng(random_state).choice(n_total, PROXY_ENTITIES, replace=False))
            pp = np.searchsorted(offsets, chosen, side="right") - 1
            proxy_positions = {int(p): chosen[pp == p] - offsets[p] for p in np.unique(pp)}
        if not sensitive:
            proxy_positions = {}
        plan = _Plan(adapter, target, tuple(sensitive), y_map, item_group, positions, proxy_fraction, proxy_positions)
        plan_d = dask.delayed(plan, pure=True)
        tasks = [dask.delayed(_work)(p, i, int(offsets[i]), plan_d, y_max) for i, p in enumerate(parts)]
        say("predict and count on the workers")
        results = _compute(client, tasks, say, "count")
        n_workers_seen = len(client.scheduler_info().get("workers", {}))

    # ---- on the client, from the summed counts and the sampled rows
    bad = sum(r["score_range"][0] for r in results if "score_range" in r)
    lo = min(r["score_range"][1] for r in results if "score_range" in r)
    hi = max(r["score_range"][2] for r in results if "score_range" in r)
    check_scores_vary(np.array([np.nan] * bad if bad else [lo, hi]))
    if adapter.task == "binary":
        check_probabilities(sum(r.get("score_outside_01", 0) for r in results), n_total)
    notes: list[str] = []
    if sensitive:
        notes += check_group_size_counts(
            {s: pd.concat([r["group_sizes"][s] for r in results]).groupby(level=0).sum() for s in sensitive},
            min_group_size=min_group_size, user_id=adapter.user_id)
    if adapter.task == "ranking":
        notes += k_warnings(pd.concat([r["items_per_customer"] for r in results if "items_per_customer" in r]),
                            adapter.k)
    sample = pd.concat([r["sample"] for r in results if "sample" in r])
    scan_rows = sample.loc[scan_idx].reset_index(drop=True)
    say("inventory (scan of sampled rows)")
    inv = _complete_inventory(scan_rows, inventory, target=target, inputs=adapter.input_columns, sensitive=sensitive,
                              random_state=random_state, user_id=adapter.user_id, item_id=adapter.item_id)
    categories = inv.category_map()
    outcomes: list[str] = []
    if target is None:  # judged on the scanned rows, as the inventory is
        outcomes, more = possible_outcomes(scan_rows, score_checked(adapter, scan_rows), adapter, inv, sensitive)
        notes += more

    metrics: dict[str, Any] = {}
    if target is not None:
        if adapter.task == "ranking":
            n_valid = sum(r["ranking"][0] for r in results if "ranking" in r)
            metrics = {f"hit_rate_at_{adapter.k}": sum(r["ranking"][1] for r in results if "ranking" in r) / n_valid,
                       f"ndcg_at_{adapter.k}": sum(r["ranking"][2] for r in results if "ranking" in r) / n_valid,
                       "users_evaluated": int(n_valid), "k": int(adapter.k)}
        elif adapter.task == "binary":
            b = [r["binary"] for r in results if "binary" in r]
            pos = np.sum([x["hist_pos"] for x in b], axis=0)
            neg = np.sum([x["hist_neg"] for x in b], axis=0)
            metrics = {"accuracy": sum(x["correct"] for x in b) / n_total,
                       "selection_rate": sum(x["selected"] for x in b) / n_total,
                       "base_rate": sum(x["positive"] for x in b) / n_total,
                       "roc_auc": _binary_auc(pos, neg),
                       "roc_auc_method": f"score histogram with {_AUC_BINS} bins"}
        else:
            sy, syy, sse, sae = (sum(r["regression"][j] for r in results if "regression" in r) for j in range(4))
            sst = syy - sy * sy / n_total
            metrics = {"r2": 1.0 - sse / sst if sst > 0 else float("nan"), "mae": sae / n_total}

    say("explain (SHAP on rows sampled across partitions)")
    shap = explain_rows(adapter, sample.loc[idx], sample.loc[bg_idx] if bg_idx is not None else sample.loc[idx],
                        n_total=n_total, row_index=idx, rng=rng, categories=categories, sample_size=sample_size,
                        n_boot=n_boot, n_jobs=n_jobs, random_state=random_state)

    fair = None
    if sensitive and y_map is not None:
        say("fairness (from summed counts)")
        g = GroupCounts.merge([r["groups"] for r in results if "groups" in r])
        ranking = adapter.task == "ranking"
        fair = fairness_from_counts(
            g,
            merge_exposure_counts([r["exposure"] for r in results if "exposure" in r]) if ranking else None,
            merge_quality_counts([r["quality"] for r in results if "quality" in r]) if ranking else None,
            k=adapter.k if ranking else None, min_group_size=min_group_size, n_boot=n_boot,
            random_state=random_state,
        )
        if ranking:
            fair = with_item_exposure(fair, item_exposure_from_counts(
                merge_item_exposure_counts([r["item_exposure"] for r in results if "item_exposure" in r]),
                n_boot=n_boot, random_state=random_state), item_group or "item")

    proxies = None
    if sensitive:
        say("proxies (sampled customers)")
        from ..analyses._proxies import find_proxies

        prox = pd.concat([r["proxy"] for r in results if "proxy" in r], ignore_index=True)
        candidates = [c for c in adapter.input_columns if c not in sensitive]
        proxies = find_proxies(prox[candidates], prox[sensitive], threshold=proxy_threshold,
                               random_state=random_state, min_group_size=min_group_size,
                               groups=prox[adapter.user_id].to_numpy() if adapter.user_id else None)

    digest = hashlib.sha256("".join(r["digest"] for r in sorted(results, key=lambda r: r["index"])).encode())
    digest.update("\x1f".join(columns).encode())
    data_info = {"rows": int(n_total), "columns": len(columns), "customers": n_users,
                 "sha256": data_sha256 or digest.hexdigest(),
                 "sha256_of": "input file" if data_sha256 else "per-partition content digests (Dask)",
                 "partitions": len(results)}
    flow = None
    if proxies is not None:
        flow = _proxy_flow(adapter, sensitive, proxies, prox, categories, min_group_size=min_group_size,
                           n_boot=n_boot, n_jobs=n_jobs, random_state=random_state, say=say)
    return _finish(adapter, inv, columns, shap=shap, fair=fair, proxies=proxies, flow=flow, metrics=metrics,
                   data_info=data_info, command=command, say=say,
                   options={"target": target, "sensitive_features": sensitive, "sample_size": sample_size,
                            "n_boot": n_boot, "min_group_size": min_group_size,
                            "proxy_threshold": proxy_threshold, "random_state": random_state,
                            "threshold": threshold, "item_group": item_group, "backend": "dask"},
                   quasi_identifiers=quasi_identifiers, k_anonymity=k_anonymity, warnings=notes, outcomes=outcomes,
                   provenance_extra={"not_run_on_dask": ["metricframe cross-check", "mitigation comparison",
                                                         "re-identification risk", "membership inference",
                                                         "drop-column refit (minimisation uses shares alone)"],
                                     "backend": {"name": "dask", "workers": n_workers_seen,
                                                 "partitions": len(results),
                                                 "cluster": "local" if scheduler is None else "existing"}})
