"""Stage 1, inventory: which data exists, its category, purpose, source, retention and role.

Returns a :class:`DataInventory`; :func:`scan` drafts one from column names and values;
the pseudonymisation helpers lower the risk of the identifiers it finds.
"""
from ._generalise import (
    generalise_age,
    generalise_category,
    generalise_date,
    generalise_numeric,
    generalise_postcode,
)
from ._pseudonymise import KeyExposureError, Pseudonymiser, hash_identifier
from ._scan import ColumnGuess, Evidence, ScanResult, scan
from ._schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    ROLES,
    SOURCES,
    ColumnRecord,
    DataInventory,
)

__all__ = [
    "CATEGORIES", "CATEGORY_LABELS", "ROLES", "SOURCES", "ColumnRecord", "DataInventory",
    "ColumnGuess", "Evidence", "ScanResult", "scan",
    "KeyExposureError", "Pseudonymiser", "generalise_age", "generalise_category", "generalise_date",
    "generalise_numeric", "generalise_postcode", "hash_identifier",
]
