"""The audit on a Dask cluster: ``explainer.audit(..., backend="dask")`` under its own name."""

from __future__ import annotations

from typing import Any

from .._cluster import DEFAULT_PARTITION_ROWS

__all__ = ["audit_dask"]


def audit_dask(
    model: Any,
    data: Any,
    *,
    scheduler: Any = None,
    n_workers: int = 2,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    encoding: str | None = None,
    **options: Any,
) -> Any:
    """Audit a model on data that does not fit one machine, on a Dask cluster.

    The same as ``explainer.audit(model, data, backend="dask", ...)``; it takes the arguments
    of :func:`explainer.audit` and gives the same :class:`~explainer.Audit` (equal numbers for
    the same data and seed). What runs where:

    - on the workers, one task per partition: predictions, top-k ranking per customer,
      per-group confusion counts and score sums, exposure counts per item and group,
      hit and NDCG value counts per group, model-metric sums, the counts of each combination
      of quasi-identifier values (re-identification risk), and the rows the sampled
      analyses use;
    - on the client, from the summed counts: group metrics, disparities and their
      bootstrap intervals, exposure gaps, quality per group, k-anonymity and l-diversity;
      and on the sampled rows: SHAP shares with their interval (``sample_size`` rows drawn
      across partitions), the mitigation comparison (on the same rows), the data scan
      (10,000 rows), the proxy search (5,000 customers); the refits of minimisation on
      ``train_data``, as in process; findings.

    The audit's warnings name what does not run on Dask (fairlearn's MetricFrame
    cross-check; membership inference when ``train_data`` is given) and what runs on a
    sample.

    For a recommender every customer's rows must sit in one partition (ranking is per
    customer). When the partitions' customer-id ranges overlap, the data is shuffled
    on ``user_id`` first; partition the data set by customer (for example
    ``ddf.set_index(user_id)`` or ``ddf.shuffle(on=user_id)`` and ``to_parquet``) to skip
    that step.

    Parameters
    ----------
    model
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
    **options
        Every other keyword of :func:`explainer.audit` (declared once, there); an option the
        Dask backend cannot honour is refused by name.

    Returns
    -------
    Audit
    """
    from ..pipeline import audit

    return audit(model, data, backend="dask", scheduler=scheduler, n_workers=n_workers,
                 partition_rows=partition_rows, encoding=encoding, **options)
