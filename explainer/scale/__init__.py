"""Scale: the same analyses on a Dask cluster, for data that outgrows one machine.

:func:`audit_dask` (also ``explainer.audit(..., backend="dask")``) returns the same
:class:`~explainer.Audit` as the in-process audit, computed from per-partition sufficient
statistics and rows sampled across partitions. :func:`explain_all` writes every row's
attributions as partitioned Parquet, resumably. Dask is the optional extra
``explainer-toolkit[scale]``; nothing here imports it until a function runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names __getattr__ resolves, for type checkers
    from ._audit import audit_dask
    from .._cluster import dask_client, to_dask
    from ._explain_all import ExplainAllResult, explain_all, read_attributions

__all__ = ["audit_dask", "explain_all", "ExplainAllResult", "read_attributions", "dask_client", "to_dask"]

_LAZY = {
    "audit_dask": "._audit",
    "explain_all": "._explain_all",
    "ExplainAllResult": "._explain_all",
    "read_attributions": "._explain_all",
    "dask_client": "explainer._cluster",
    "to_dask": "explainer._cluster",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explainer.scale' has no attribute {name!r}")
