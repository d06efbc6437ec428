"""Where the audited rows live: in memory (a pandas DataFrame) or partitioned (Dask).

:func:`data_source` chooses the source from ``backend`` and the data (a Dask DataFrame is
partitioned by itself), refuses the options that source cannot honour, and the source runs
the audit with its backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from ..inventory import DataInventory
from ._options import AuditOptions
from ._result import Audit

__all__ = ["DataSource", "InMemorySource", "PartitionedSource", "data_source"]


class DataSource(Protocol):
    """The audited rows and the backend that reads them."""

    backend: str

    def audit(self, model: Any, options: AuditOptions, *, inventory: DataInventory | None,
              train_data: pd.DataFrame | None, fit: Any, progress: Any) -> Audit:
        """Run every analysis this source can run and return the :class:`Audit`."""
        ...


@dataclass(frozen=True)
class InMemorySource:
    """A pandas DataFrame, audited in this process."""

    data: Any
    backend: str = "pandas"

    def audit(self, model: Any, options: AuditOptions, *, inventory: DataInventory | None,
              train_data: pd.DataFrame | None, fit: Any, progress: Any) -> Audit:
        """Every analysis in process (see :func:`explainer.pipeline._inprocess.run_in_process`)."""
        from ._inprocess import run_in_process

        return run_in_process(model, self.data, options, inventory=inventory, train_data=train_data, fit=fit,
                              progress=progress)


@dataclass(frozen=True)
class PartitionedSource:
    """A Dask DataFrame, a pandas DataFrame to split, or the path of a Parquet or CSV data set."""

    data: Any
    backend: str = "dask"

    def audit(self, model: Any, options: AuditOptions, *, inventory: DataInventory | None,
              train_data: pd.DataFrame | None, fit: Any, progress: Any) -> Audit:
        """The audit from per-partition counts on a Dask cluster (see :mod:`explainer.pipeline._dask`)."""
        from ._dask import run_dask

        return run_dask(model, self.data, options, inventory=inventory, train_data=train_data, fit=fit,
                        progress=progress)


def _is_dask_frame(data: Any) -> bool:
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr")


def data_source(data: Any, options: AuditOptions) -> InMemorySource | PartitionedSource:
    """The source of ``data`` for ``options.backend``; an option the source cannot honour is refused."""
    partitioned = options.backend == "dask" or _is_dask_frame(data)
    source: InMemorySource | PartitionedSource = PartitionedSource(data) if partitioned else InMemorySource(data)
    options.refuse_unsupported(source.backend)
    return source
