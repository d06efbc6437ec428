"""Plain JSON-ready data: the protocol every result implements and the one converter.

Every result type writes itself through ``to_dict()`` (the :class:`ToDict` protocol), with
the one converter :func:`plain` and its one rounding rule (:data:`SIGNIFICANT_DIGITS`
significant digits; NaN and infinities become ``None``). Shared plumbing: every stage may
import it; it imports no stage. audit.json is assembled from these sections in
``explainer/_document.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol, overload, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["SIGNIFICANT_DIGITS", "ToDict", "plain", "records"]

#: Numbers in audit.json and in every ``to_dict()`` keep this many significant digits.
SIGNIFICANT_DIGITS = 10


@runtime_checkable
class ToDict(Protocol):
    """A result that writes itself as plain JSON-ready data (str, int, float, bool, None,
    lists and dicts with string keys): what ``json.dumps`` takes without a converter."""

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data; no cell values of the audited data."""
        ...


@overload
def plain(v: Mapping[Any, Any]) -> dict[str, Any]: ...
@overload
def plain(v: Any) -> Any: ...
def plain(v: Any) -> Any:
    """Convert numpy/pandas values to JSON-ready Python values; NaN becomes None.

    Floats keep :data:`SIGNIFICANT_DIGITS` significant digits; a DataFrame becomes a list of
    records; an Enum its value; dict keys and any other object (a timestamp, an interval)
    become strings.

    Examples
    --------
    >>> plain({"a": np.float64(1 / 3), 2: [np.int64(4), float("nan"), np.bool_(True)]})
    {'a': 0.3333333333, '2': [4, None, True]}
    """
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, pd.DataFrame):
        return records(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in v]
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return float(f"{f:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(f) else None
    if isinstance(v, Enum):
        return v.value
    return v if isinstance(v, (str, int)) else str(v)


def records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The rows of ``df`` as plain records (see :func:`plain`); ``[]`` for None or no rows."""
    if df is None or len(df) == 0:
        return []
    return [plain(r) for r in df.to_dict(orient="records")]
