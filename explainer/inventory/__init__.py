"""Stage 1, inventory: which data exists, its category, purpose, source, retention and role.

Returns a :class:`DataInventory`; :func:`scan` drafts one from column names and values.
"""
from ._schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    ROLES,
    SOURCES,
    ColumnRecord,
    DataInventory,
)

__all__ = ["CATEGORIES", "CATEGORY_LABELS", "ROLES", "SOURCES", "ColumnRecord", "DataInventory"]
