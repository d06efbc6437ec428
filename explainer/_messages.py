"""Message pieces shared by every stage's input checks (names only, never a cell value)."""

from __future__ import annotations

from typing import Any

__all__ = ["columns_include"]


def columns_include(columns: Any) -> str:
    """The closing hint of a missing-column message: a few of the columns that are there (names only).

    Examples
    --------
    >>> columns_include(["b", "a", 3])
    "Columns include ['3', 'a', 'b']."
    """
    return f"Columns include {sorted(map(str, columns))[:5]!r}."
