"""Every row's attributions, computed in partitions on a Dask cluster, written as Parquet.

The output folder holds one ``part-NNNNN.parquet`` per input partition and, next to it,
``_parts/part-NNNNN.json`` (rows, seconds, largest additivity error), plus
``_manifest.json`` (what was explained and how); Parquet readers skip names that start
with ``_``, so ``pandas.read_parquet(out)`` reads the attributions only. A part file is written under a temporary name and renamed
when complete, and its JSON is written after it, so a part with both files is finished.
A run that finds finished parts skips them: an interrupted run resumes where it stopped.

These files hold per-person attributions: personal data derived from the input, keyed
by the id column(s) the caller names. Store and delete them as the input data.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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
from ..models import CollaborativeAdapter, ModelAdapter, wrap_model
from .._cluster import DEFAULT_PARTITION_ROWS, as_dask_frame, dask_client
from .._messages import columns_include
from ._parts import (
    BASE_COLUMN, MANIFEST, OUTPUT_COLUMN, ExplainAllResult, _check_out, _finished, _id_columns, _is_done, _part,
    _prepare_out, _read_manifest, _run_parts,
)

__all__ = ["ExplainAllResult", "explain_all", "read_attributions", "BASE_COLUMN", "OUTPUT_COLUMN"]

_MAPPING_ROWS = 2000


def _explain_partition(df: pd.DataFrame, i: int, plan: dict[str, Any]) -> dict[str, Any]:
    """Explain one partition and write its part file atomically. Runs on a worker."""
    from ..analyses._explain import attributions_by_raw_column
    from ..analyses._shap_handlers import explain_matrix

    t0 = time.perf_counter()
    out = Path(plan["out"])
    adapter: ModelAdapter = plan["adapter"]
    ids = list(plan["id_columns"])
    frame = df[ids].reset_index(drop=True)
    err = 0.0
    if len(df):
        Z, _ = adapter.transform(df)
        sm = explain_matrix(adapter.final_estimator, Z, chunk_size=plan["chunk_size"],
                            random_state=plan["random_state"])
        raw = attributions_by_raw_column(sm.values, np.asarray(plan["mapping"]))
        err = float(sm.max_additivity_error)
        base = float(sm.base_value)
        values = pd.DataFrame(raw, columns=list(adapter.input_columns))
        frame = pd.concat([frame, values], axis=1)
        frame[BASE_COLUMN] = base
        frame[OUTPUT_COLUMN] = base + raw.sum(axis=1)
    else:
        for c in adapter.input_columns:
            frame[c] = np.array([], dtype=float)
        frame[BASE_COLUMN] = frame[OUTPUT_COLUMN] = np.array([], dtype=float)
    tmp = out / f".{_part(i)}.{uuid.uuid4().hex}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, out / f"{_part(i)}.parquet")
    info = {"partition": i, "rows": int(len(frame)), "max_additivity_error": err,
            "seconds": round(time.perf_counter() - t0, 3)}
    atomic_write_text(out / "_parts" / f"{_part(i)}.json", json.dumps(info))
    return info



def _check_columns(adapter: ModelAdapter, ids: list[str], columns: list[str]) -> None:
    """The id columns and the model's inputs are in the data, and no id is an input or reserved."""
    missing = [c for c in ids if c not in columns]
    if missing:
        raise InvalidInputError(
            f"id_column must name columns of the data. Got {missing[:5]!r}, which are not there. "
            f"{columns_include(columns)}"
        )
    adapter.check_columns(columns)
    clash = sorted(set(ids) & set(adapter.input_columns)) + [c for c in (BASE_COLUMN, OUTPUT_COLUMN) if c in ids]
    if clash:
        raise InvalidInputError(
            f"id_column must not be a model input or a reserved name. Got {clash[:5]!r}. "
            "Pass a key column the model does not read."
        )

def _fingerprint(adapter: ModelAdapter, ddf: Any, data: Any, id_columns: Sequence[str], n_parts: int) -> dict[str, Any]:
    model_sha = hashlib.sha256(pickle.dumps(adapter.model)).hexdigest()
    source: Any
    if isinstance(data, (str, os.PathLike)):
        p = Path(data)
        files = sorted(p.rglob("*.parquet")) if p.is_dir() else [p]
        source = [[f.relative_to(p).as_posix() if p.is_dir() else f.name, f.stat().st_size] for f in files]
    else:
        source = {"dtypes": [str(t) for t in ddf.dtypes]}
    return {"model_sha256": model_sha, "columns": [str(c) for c in ddf.columns], "id_columns": list(id_columns),
            "partitions": n_parts, "source": source}


def explain_all(
    model: Any,
    data: Any,
    *,
    id_column: str | Sequence[str],
    out: str | os.PathLike[str],
    scheduler: Any = None,
    n_workers: int = 2,
    partition_rows: int | None = None,
    task: str | None = None,
    chunk_size: int = 2000,
    random_state: int = 0,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    encoding: str | None = None,
) -> ExplainAllResult:
    """Explain every row of the data on a Dask cluster and write the attributions as Parquet.

    Each input partition is explained on a worker (tree models exactly, with the fastest
    tree SHAP path) and written as one part file holding the row's id column(s), one
    attribution per raw input column (engineered columns summed back, as in
    :func:`explainer.explain`), the base value and the model output. Finished parts are
    kept when a run is interrupted; running the same command again skips them.

    The part files hold personal data derived from the input (one person's explanation
    per row), keyed by ``id_column``. Keep them where the input data is kept, and answer
    access requests from them: ``read_attributions(out, ids=[...])``.

    Parameters
    ----------
    model : estimator, Pipeline or ModelAdapter
        The fitted model (see :func:`explainer.wrap_model`).
    data : dask DataFrame, pandas DataFrame or path
        The rows to explain; a path names a Parquet file or folder (or a CSV file). The
        partitions of the data are the unit of work and of resumption.
    id_column : str or sequence of str
        Column(s) that identify a row (for example the customer id, or customer id and
        item for a recommender). Copied into the output as the key.
    out : path
        Folder to write the Parquet data set into. It must be reachable by the workers at
        the same path (a shared file system on a multi-machine cluster).
    scheduler : str, distributed.Client or None, default=None
        Address of a running Dask scheduler or a Client; None starts a local cluster of
        ``n_workers`` processes and closes it at the end.
    partition_rows : int, default=None
        Rows per partition when a pandas DataFrame is split (None: 250,000). For a
        collaborative-filtering model, customers per partition (None: 10,000; each
        customer gives k x their history's length rows).
    task : str, default=None
        Passed to :func:`explainer.wrap_model`.
    chunk_size : int, default=2000
        Rows explained at a time within a partition (bounds the working memory).
    force : bool, default=False
        Replace an output folder that holds a different run (other model, data or ids).
    encoding : str or None, default=None
        Text encoding when ``data`` is a CSV file (None: UTF-8, with or without a
        byte-order mark); the delimiter and encoding rules are those of
        :func:`explainer.read_table`.

    Returns
    -------
    ExplainAllResult

    Raises
    ------
    InvalidInputError
        If an id column or a model input is not in the data, or a name clashes.
    OutputExistsError
        If ``out`` holds the output of a different run and ``force`` is False.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    if isinstance(model, CollaborativeAdapter):
        from ._explain_collaborative import CF_PARTITION_CUSTOMERS, explain_all_collaborative

        if task is not None or encoding is not None:
            raise InvalidInputError(
                "task and encoding must be None for a collaborative-filtering model: it reads its interaction "
                "matrix, not a table. Got one of them. Leave them out.")
        return explain_all_collaborative(model, data, id_column=id_column, out=out, scheduler=scheduler,
                                         n_workers=n_workers, partition_rows=(
                                             CF_PARTITION_CUSTOMERS if partition_rows is None else partition_rows),
                                         force=force,
                                         progress=progress)
    dask = import_optional("dask", purpose="explain_all")
    adapter = wrap_model(model, task=task)  # type: ignore[arg-type]
    if adapter.kind == "callable":
        raise InvalidInputError(
            "model must be a fitted estimator or Pipeline for explain_all. Got a callable. "
            "Wrap the estimator itself."
        )
    dest = _check_out(Path(out), data)  # before any work: never overlap the input, never a link
    ids = _id_columns(id_column)
    ddf = as_dask_frame(data, partition_rows=DEFAULT_PARTITION_ROWS if partition_rows is None else partition_rows,
                        encoding=encoding)
    _check_columns(adapter, ids, [str(c) for c in ddf.columns])
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InvalidInputError(f"chunk_size must be a positive integer. Got {chunk_size!r}. Pass e.g. 2000.")

    parts = ddf.to_delayed()  # the unit of work and of resumption
    n_parts = len(parts)
    fingerprint = _fingerprint(adapter, ddf, data, ids, n_parts)
    manifest_path = dest / MANIFEST
    manifest = _prepare_out(dest, fingerprint, force)
    with dask_client(scheduler, n_workers=n_workers) as client:
        if manifest is None:
            # which raw column each engineered column comes from, found once on rows of a few partitions
            heads = [dask.delayed(lambda p: p.head(_MAPPING_ROWS // min(4, n_parts)))(p)
                     for p in parts[: min(4, n_parts)]]
            sample = pd.concat(client.compute(heads, sync=True), ignore_index=True)
            mapping = adapter.engineered_to_raw(sample, random_state=random_state)
            manifest = {
                "format": "explainer attributions", "version": __version__, "fingerprint": fingerprint,
                "id_columns": ids, "columns": list(adapter.input_columns), "unit": adapter.output_unit,
                "base_column": BASE_COLUMN, "output_column": OUTPUT_COLUMN, "mapping": mapping.tolist(),
                "personal_data": "per-person attributions keyed by the id columns; keep and delete as the input",
            }
            atomic_write_text(manifest_path, json.dumps(manifest, indent=1))
        todo = [i for i in range(n_parts) if not _is_done(dest, i)]
        skipped = n_parts - len(todo)
        say(f"explain-all: {n_parts} partitions, {skipped} already done, {len(todo)} to explain")
        plan = dask.delayed({"out": str(dest), "adapter": adapter, "id_columns": ids, "chunk_size": chunk_size,
                             "random_state": random_state, "mapping": manifest["mapping"]}, pure=True)
        tasks = [dask.delayed(_explain_partition)(parts[i], i, plan) for i in todo]
        _run_parts(client, tasks, skipped, n_parts, say, t0)

    infos = _finished(dest, n_parts)
    return ExplainAllResult(
        out=dest, partitions=n_parts, computed=len(todo), skipped=skipped,
        rows=sum(int(x["rows"]) for x in infos), id_columns=tuple(ids), columns=tuple(adapter.input_columns),
        unit=str(manifest["unit"]), max_additivity_error=max((float(x["max_additivity_error"]) for x in infos),
                                                             default=0.0),
        seconds=time.perf_counter() - t0,
    )


def read_attributions(out: str | os.PathLike[str], *, ids: Sequence[Any] | None = None) -> pd.DataFrame:
    """Read attributions written by :func:`explain_all`, all or those of some ids.

    With ``ids``, only rows whose first id column is in ``ids`` are read (Parquet
    filters skip the rest), which is how an access request for one person is answered.
    """
    dest = Path(out)
    manifest = _read_manifest(dest)
    if manifest is None:
        raise InvalidInputError(
            f"out must be a folder written by explain_all. Got {str(dest)!r}, which has no {MANIFEST}."
        )
    files = sorted(str(p) for p in dest.glob("part-*.parquet"))
    if not files:
        return pd.DataFrame(columns=[*manifest["id_columns"], *manifest["columns"], BASE_COLUMN, OUTPUT_COLUMN])
    filters = [(manifest["id_columns"][0], "in", list(ids))] if ids is not None else None
    import pyarrow.parquet as pq

    table = pq.ParquetDataset(files, filters=filters).read()
    return table.to_pandas()
