"""explainer: measure and explain, in plain words, how a model uses customer data.

The pipeline runs one way: inventory -> models -> analyses -> findings -> report.
"""
from __future__ import annotations

from ._version import __version__
from .errors import (
    ExplainerError,
    InvalidInputError,
    ModelNotFittedError,
    UntrustedModelError,
)
from .inventory import ColumnRecord, DataInventory

__all__ = [
    "__version__",
    "ColumnRecord",
    "DataInventory",
    "ExplainerError",
    "InvalidInputError",
    "ModelNotFittedError",
    "UntrustedModelError",
]
