"""Connect to a Dask cluster, or start a local one, and turn inputs into Dask DataFrames."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._optional import import_optional
from .errors import DataFileNotFoundError, InvalidInputError

__all__ = ["dask_client", "to_dask", "as_dask_frame", "is_dask_frame", "DEFAULT_PARTITION_ROWS"]

#: Rows per partition when a pandas DataFrame or a CSV file is split for the cluster.
DEFAULT_PARTITION_ROWS = 250_000


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (checked without importing dask)."""
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(data, "npartitions")


@contextmanager
def dask_client(scheduler: Any = None, *, n_workers: int = 2, threads_per_worker: int = 1,
                memory_limit: str | int = "auto") -> Iterator[Any]:
    """A ``distributed.Client`` for the duration of a ``with`` block.

    Parameters
    ----------
    scheduler : str, distributed.Client or None, default=None
        The address of a running scheduler (``"tcp://10.0.0.5:8786"``), a Client (used as
        it is and left open), or None to start a local cluster of ``n_workers`` worker
        processes that is closed when the block ends.
    n_workers, threads_per_worker, memory_limit
        Size of the local cluster (ignored when ``scheduler`` is given).
    """
    distributed = import_optional("distributed", purpose="The Dask backend")
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler is None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise InvalidInputError(f"n_workers must be a positive integer. Got {n_workers!r}. Pass e.g. 2.")
        # No dashboard, and the scheduler's small HTTP server (health, metrics) on a free port:
        # its default, 8787, is often taken by another cluster or a notebook's dashboard.
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                           processes=True, dashboard_address=None, memory_limit=memory_limit,
                                           scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"})
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    if not isinstance(scheduler, str):
        raise InvalidInputError(
            f"scheduler must be an address such as 'tcp://host:8786', a distributed.Client or None. "
            f"Got {type(scheduler).__name__}. Pass the address your cluster prints."
        )
    try:
        client = distributed.Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as err:
        raise InvalidInputError(
            f"scheduler must be the address of a running Dask scheduler. Got {scheduler!r}, which did not "
            f"answer ({type(err).__name__}). Check the address and that the scheduler runs."
        ) from err
    try:
        yield client
    finally:
        client.close()


def to_dask(data: Any, *, partition_rows: int = DEFAULT_PARTITION_ROWS, by: str | None = None) -> Any:
    """Split a pandas DataFrame into a Dask DataFrame, keeping its row order.

    Parameters
    ----------
    data : pandas.DataFrame
    partition_rows : int, default=250,000
        Rows per partition (about: a cut moves forward to the next change of ``by``).
    by : str, default=None
        A column whose runs of equal values must not be cut, for example the customer id
        of customer x item rows that are stored customer by customer.

    Returns
    -------
    dask.dataframe.DataFrame
    """
    dask = import_optional("dask", purpose="The Dask backend")
    dd = import_optional("dask.dataframe", purpose="The Dask backend")
    import numpy as np
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"data must be a pandas DataFrame. Got {type(data).__name__}.")
    if isinstance(partition_rows, bool) or not isinstance(partition_rows, int) or partition_rows < 1:
        raise InvalidInputError(f"partition_rows must be a positive integer. Got {partition_rows!r}. Pass e.g. 250000.")
    n = len(data)
    cuts = [0]
    if by is not None:
        if by not in data.columns:
            raise InvalidInputError(f"by must name a column of the data. Got {by!r}, which is not there.")
        v = data[by].to_numpy()
        change = np.flatnonzero(v[1:] != v[:-1]) + 1  # rows where a new run starts
        while cuts[-1] + partition_rows < n:
            nxt = np.searchsorted(change, cuts[-1] + partition_rows)
            if nxt >= len(change):
                break
            cuts.append(int(change[nxt]))
    else:
        cuts += list(range(partition_rows, n, partition_rows))
    cuts.append(n)
    parts = [dask.delayed(data.iloc[a:b].copy()) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    return dd.from_delayed(parts or [dask.delayed(data)], meta=data.iloc[:0], verify_meta=False)


def as_dask_frame(data: Any, *, partition_rows: int = DEFAULT_PARTITION_ROWS, param: str = "data",
                  by: str | None = None, encoding: str | None = None) -> Any:
    """A Dask DataFrame from a Dask DataFrame, a pandas DataFrame or a Parquet/CSV path.

    A Parquet folder is read lazily, one partition per file (or row group); a pandas
    DataFrame is split with :func:`to_dask` in its row order. A CSV file is read in blocks
    with the delimiter and encoding :func:`explainer.read_table` would use (decided once
    from its header by the same function); ``encoding`` is that of the CSV file.
    """
    from ._io import check_encoding, csv_format, reading_csv

    dd = import_optional("dask.dataframe", purpose="The Dask backend")
    import pandas as pd

    check_encoding(encoding)
    if is_dask_frame(data):
        return data
    if isinstance(data, pd.DataFrame):
        return to_dask(data, partition_rows=partition_rows, by=by)
    if not isinstance(data, (str, os.PathLike)):
        raise InvalidInputError(
            f"{param} must be a Dask DataFrame, a pandas DataFrame or the path of a Parquet data set. "
            f"Got {type(data).__name__}. Read it with dask.dataframe.read_parquet()."
        )
    p = Path(data)
    if not p.exists():
        raise DataFileNotFoundError(f"{param} file must exist. Got {str(p)!r}, which was not found.")
    suffix = p.suffix.lower()
    if p.is_dir():
        if not any(p.rglob("*.parquet")):
            raise InvalidInputError(
                f"{param} must be a Parquet data set. Got a folder with no .parquet files. Point at the data set."
            )
        return dd.read_parquet(str(p))
    if suffix in (".parquet", ".pq"):
        return dd.read_parquet(str(p))
    if suffix in (".csv", ".tsv"):
        if p.stat().st_size == 0:
            raise InvalidInputError(f"{param} file must not be empty. Got {p.name!r} with 0 bytes.")
        fmt = csv_format(p, encoding=encoding, param=param)
        # blocks are cut at newline bytes: one block when a line is not one byte or the header spans lines
        whole = not fmt.byte_lines or fmt.header_lines > 1
        with reading_csv(p.name, fmt, param=param):  # the first block is parsed here for the column types
            return dd.read_csv(str(p), sep=fmt.sep, encoding=fmt.encoding, blocksize=None if whole else "64MB")
    raise InvalidInputError(
        f"{param} must be a .parquet file or folder, or a .csv file. Got {p.name!r}. Convert it to Parquet."
    )
