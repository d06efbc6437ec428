"""The audit pipeline: options validated once, a data source, the analyses, the shared tail.

:func:`audit` is the single entry point of a model's audit for every backend (in memory or on
Dask); :func:`audit_decisions` audits a decision log; both return an :class:`Audit`. The
options of an audit are one frozen :class:`AuditOptions`, shared by the backends and by
:func:`explainer.why`.
"""

from ._decisions import audit_decisions
from ._entry import audit
from ._options import AuditOptions
from ._result import SCHEMA_VERSION, Audit

__all__ = ["audit", "audit_decisions", "Audit", "AuditOptions", "SCHEMA_VERSION"]
