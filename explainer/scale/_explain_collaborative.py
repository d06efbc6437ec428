"""Every customer's "why these items?" from a collaborative-filtering recommender, on Dask.

The same folder as :func:`explain_all` writes for a feature-based model (``part-NNNNN.parquet``,
``_parts/``, ``_manifest.json``; finished parts skipped on a rerun), with partitions of
customers (rows of the interaction matrix) as the unit of work. Each part file holds, per
customer, one row per recommended item, history item (or LightFM user-feature column) and
interaction source: the exact attribution of the item's score to that history item's value
from that source. A customer's rows for one item add up, with ``_base_value``, to ``_output``,
the explained score.

These files are personal data: each customer's own history items, by label, keyed by their
id. They answer access requests (``read_attributions(out, ids=[...])``) and stay where the
interaction data is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write_text
from .._optional import import_optional
from .._version import __version__
from ..errors import InvalidInputError
from ..models._collaborative import CollaborativeAdapter
from .._cluster import dask_client
from ._parts import (
    BASE_COLUMN, MANIFEST, OUTPUT_COLUMN, ExplainAllResult, _check_out, _finished, _id_columns, _is_done, _part,
    _prepare_out, _run_parts,
)

__all__ = ["explain_all_collaborative", "explain_customers", "CF_COLUMNS", "CF_PARTITION_CUSTOMERS"]

#: Customers per partition by default: each gives k x (their history's length) rows, about
#: 900 for a top 10 over 90 history items, so a part of 10,000 customers holds about 9
#: million rows (some 600 MB while it is built on its worker).
CF_PARTITION_CUSTOMERS = 10_000

#: The attribution columns of a CF run, after the id column.
CF_COLUMNS: tuple[str, ...] = ("rank", "item", "history_item", "source", "contribution")


def explain_customers(cf: CollaborativeAdapter, rows: Sequence[int], id_column: str) -> tuple[pd.DataFrame, float]:
    """The long table of attributions of the customers in ``rows`` (in process), and its largest additivity error.

    The additivity error is ``|sum of a pair's contributions + base - the model's explained score|``,
    the score recomputed independently (:meth:`CollaborativeAdapter.score`).
    """
    cols_out: dict[str, list[Any]] = {c: [] for c in (id_column, *CF_COLUMNS, BASE_COLUMN, OUTPUT_COLUMN)}
    err = 0.0
    names = np.array(cf.source_names if cf.basis == "history" else ("user features",), dtype=object)
    tops = cf.top_k(rows) if len(rows) else np.zeros((0, cf.k), dtype=np.int64)
    for row, top in zip(rows, tops):
        cols = top[top >= 0]
        e = cf.explain_rows(int(row), cols)
        err = max(err, float(np.max(np.abs(e.contributions.sum(axis=1) + e.base - cf.score([row], cols)[0]),
                                    initial=0.0)))
        if cf.basis == "history":
            frac = cf.source_fractions(int(row), e.parts)  # (sources, parts)
            parts = np.array([cf.label(int(p)) for p in e.parts], dtype=object)
        else:
            frac = np.ones((1, len(e.parts)))
            parts = np.array([cf.user_feature_columns[int(p)] for p in e.parts], dtype=object)
        t, s, h = np.nonzero(np.broadcast_to(frac[None, :, :], (len(cols), len(names), len(e.parts))) > 0)
        items = np.array([cf.label(int(c)) for c in cols], dtype=object)
        for key, values in ((id_column, np.full(len(t), cf.user_ids[row], dtype=object)), ("rank", t + 1),
                            ("item", items[t]), ("history_item", parts[h]), ("source", names[s]),
                            ("contribution", e.contributions[t, h] * frac[s, h]), (BASE_COLUMN, e.base[t]),
                            (OUTPUT_COLUMN, e.score[t])):
            cols_out[key].append(values)
    # one frame per partition, built once from the customers' arrays
    return pd.DataFrame({k: np.concatenate(v) if v else [] for k, v in cols_out.items()}), err


def _explain_customers_part(rows: list[int], i: int, plan: dict[str, Any]) -> dict[str, Any]:
    """Explain one partition of customers and write its part file atomically. Runs on a worker."""
    t0 = time.perf_counter()
    out = Path(plan["out"])
    frame, err = explain_customers(plan["cf"], rows, plan["id_column"])
    tmp = out / f".{_part(i)}.{uuid.uuid4().hex}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, out / f"{_part(i)}.parquet")
    info = {"partition": i, "rows": int(len(frame)), "customers": len(rows), "max_additivity_error": err,
            "seconds": round(time.perf_counter() - t0, 3)}
    atomic_write_text(out / "_parts" / f"{_part(i)}.json", json.dumps(info))
    return info


#: The fitted arrays each kind of model scores from (its caches, such as implicit's Y'Y, left out).
_FITTED = {"als": ("item_factors", "user_factors", "regularization", "alpha"), "item_item": ("similarity",),
           "lightfm": ("user_embeddings", "item_embeddings", "user_biases", "item_biases")}


def _sha(*arrays: Any) -> str:
    import scipy.sparse as sp

    h = hashlib.sha256()
    for a in arrays:
        for part in ((a.data, a.indices, a.indptr) if sp.issparse(a) else (np.asarray(a),)):
            h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


def _fingerprint(cf: CollaborativeAdapter, rows: list[int], id_column: str, n_parts: int) -> dict[str, Any]:
    m = cf.interactions
    fitted = [getattr(cf.model, a) for a in _FITTED[cf.kind]]
    return {"model_sha256": _sha(*fitted), "interactions_sha256": _sha(m, np.asarray(rows, dtype=np.int64)),
            "k": cf.k, "served": cf.served, "id_columns": [id_column], "partitions": n_parts,
            "sources": list(cf.source_names)}


def _rows_of(cf: CollaborativeAdapter, customers: Any) -> list[int]:
    if customers is None:
        return list(range(cf.n_users))
    if isinstance(customers, (str, bytes)) or not isinstance(customers, (Sequence, np.ndarray, pd.Index, pd.Series)):
        raise InvalidInputError(
            f"data must be None (every customer) or a sequence of the model's user_ids for a collaborative-filtering "
            f"model. Got {type(customers).__name__}. Pass e.g. the ids of the customers who asked.")
    return [cf.user_row(c) for c in customers]


def explain_all_collaborative(
    cf: CollaborativeAdapter,
    customers: Any = None,
    *,
    id_column: str | Sequence[str],
    out: str | os.PathLike[str],
    scheduler: Any = None,
    n_workers: int = 2,
    partition_rows: int = CF_PARTITION_CUSTOMERS,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ExplainAllResult:
    """:func:`explain_all` for a collaborative-filtering recommender; see there for ``out``, ``scheduler``, ``force``.

    Parameters
    ----------
    cf : CollaborativeAdapter
        From ``explainer.wrap_model(model, interactions=..., user_ids=..., item_ids=...)``.
    customers : sequence or None, default=None
        Values of ``cf.user_ids`` to explain; None explains every customer.
    id_column : str
        Name of the customer id column in the output.
    partition_rows : int, default=10,000
        Customers per partition (the unit of work and of resumption).
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    dask = import_optional("dask", purpose="explain_all")
    ids = _id_columns(id_column)
    if len(ids) != 1 or ids[0] in (*CF_COLUMNS, BASE_COLUMN, OUTPUT_COLUMN):
        raise InvalidInputError(
            f"id_column must be one name for the customer id, not one of {list(CF_COLUMNS)} or a reserved name. "
            f"Got {ids[:5]!r}. Pass e.g. 'customer_id'.")
    if isinstance(partition_rows, bool) or not isinstance(partition_rows, int) or partition_rows < 1:
        raise InvalidInputError(f"partition_rows must be a positive integer. Got {partition_rows!r}.")
    dest = _check_out(Path(out), None)
    rows = _rows_of(cf, customers)
    chunks = [rows[i: i + partition_rows] for i in range(0, len(rows), partition_rows)] or [[]]
    n_parts = len(chunks)
    fingerprint = _fingerprint(cf, rows, ids[0], n_parts)
    manifest = _prepare_out(dest, fingerprint, force)
    if manifest is None:
        manifest = {
            "format": "explainer attributions", "version": __version__, "fingerprint": fingerprint,
            "id_columns": ids, "columns": list(CF_COLUMNS), "unit": "score", "base_column": BASE_COLUMN,
            "output_column": OUTPUT_COLUMN, "model": cf.describe(),
            "personal_data": "each customer's own history items and attributions, keyed by their id; keep and "
                             "delete as the interaction data",
        }
        atomic_write_text(dest / MANIFEST, json.dumps(manifest, indent=1))
    with dask_client(scheduler, n_workers=n_workers) as client:
        todo = [i for i in range(n_parts) if not _is_done(dest, i)]
        skipped = n_parts - len(todo)
        say(f"explain-all: {n_parts} partitions of customers, {skipped} already done, {len(todo)} to explain")
        # the model and its interaction matrix go to each worker once, not inside the task graph
        plan = client.scatter([{"out": str(dest), "cf": cf, "id_column": ids[0]}], broadcast=True)[0] if todo else None
        tasks = [dask.delayed(_explain_customers_part)(chunks[i], i, plan) for i in todo]
        _run_parts(client, tasks, skipped, n_parts, say, t0)
    infos = _finished(dest, n_parts)
    return ExplainAllResult(
        out=dest, partitions=n_parts, computed=len(todo), skipped=skipped, rows=sum(int(x["rows"]) for x in infos),
        id_columns=tuple(ids), columns=CF_COLUMNS, unit="score",
        max_additivity_error=max((float(x["max_additivity_error"]) for x in infos), default=0.0),
        seconds=time.perf_counter() - t0,
    )
