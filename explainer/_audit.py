"""The audit's public names, where ``explainer`` and the report look them up.

The pipeline itself lives in :mod:`explainer.pipeline` (options, data sources, backends, the
shared tail); this module only re-exports its entry points and result type.
"""

from __future__ import annotations

from .pipeline import SCHEMA_VERSION, Audit, audit, audit_decisions

__all__ = ["Audit", "audit", "audit_decisions", "SCHEMA_VERSION"]
