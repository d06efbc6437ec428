"""explainer: measure and explain, in plain words, how a model uses customer data.

The pipeline runs one way: inventory -> models -> analyses -> findings -> report.

>>> import explainer as ex
>>> ex.DataInventory.__name__
'DataInventory'
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__
from .errors import (
    DataFileNotFoundError,
    ExplainerError,
    InvalidInputError,
    ModelCallError,
    ModelNotFittedError,
    OutputExistsError,
    UntrustedModelError,
)
from .inventory import ColumnRecord, DataInventory

# Public names resolved on first use, so that `import explainer` stays light.
_LAZY = {
    "audit": "._audit",
    "audit_decisions": "._audit",
    "Audit": "._audit",
    "read_table": "._io",
    "wrap_model": ".models",
    "ModelAdapter": ".models",
    "CollaborativeAdapter": ".models",
    "load_model": ".models",
    "save_model": ".models",
    "scan": ".inventory._scan",
    "ScanResult": ".inventory._scan",
    "explain": ".analyses._explain",
    "explain_all": ".scale",
    "ShapResult": ".analyses._explain",
    "audit_fairness": ".analyses._fairness",
    "FairnessResult": ".analyses._fairness",
    "find_proxies": ".analyses._proxies",
    "reidentification_risk": ".analyses._privacy",
    "ReidentificationResult": ".analyses._privacy",
    "membership_inference_risk": ".analyses._membership",
    "MembershipResult": ".analyses._membership",
    "Pseudonymiser": ".inventory",
    "drop_column_importance": ".analyses._refit",
    "RefitResult": ".analyses._refit",
    "Finding": ".findings",
    "Severity": ".findings",
    "DisclosureConfig": ".report._config",
    "why": "._why",
    "why_collaborative": "._why",
    "attribute_sources": ".analyses._cf",
    "refit_without_source": ".analyses._cf",
    "SourceShares": ".analyses._cf",
    "SourceRefitResult": ".analyses._cf",
    "popularity_bias": ".analyses._cf_audit",
    "audit_collaborative": "._collaborative_audit",
    "CollaborativeAudit": "._collaborative_audit",
    "PopularityResult": ".analyses._cf_audit",
    "factor_proxies": ".analyses._cf_audit",
    "WhyExplanation": "._why",
}

__all__ = [
    "__version__",
    "ColumnRecord",
    "DataInventory",
    "DataFileNotFoundError",
    "ExplainerError",
    "InvalidInputError",
    "ModelCallError",
    "ModelNotFittedError",
    "OutputExistsError",
    "UntrustedModelError",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explainer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
