"""What the scanner says about one column: the guess and the reasons behind it.

No value of the data is ever kept: evidence holds rule names, shares and fixed wording.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ColumnGuess", "Evidence"]


@dataclass(frozen=True)
class Evidence:
    """One reason behind a guess.

    Parameters
    ----------
    rule : str
        Stable rule id: ``name:<what>`` for column-name rules, ``value:<what>`` for value
        patterns, ``text:<what>`` for patterns found inside free text, ``unique:<what>``
        for near-unique columns, ``dtype:<what>`` for the column type.
    match_share : float
        Share of the sampled non-missing values the rule matched, from 0 to 1. Name rules
        look at the name only and report 1.0.
    detail : str
        The reason in plain words. Never holds a value of the data.
    """

    rule: str
    match_share: float
    detail: str


@dataclass(frozen=True)
class ColumnGuess:
    """The scanner's guess for one column.

    Parameters
    ----------
    column : str
        The column name.
    category : str
        One of the inventory categories; ``"other"`` when nothing personal was found.
    confidence : float
        From 0 to 1: how sure the scanner is of ``category``.
    evidence : tuple of Evidence
        The reasons, the deciding one first.
    role : str
        Guessed role: ``identifier`` for direct identifiers, ``sensitive`` for special
        category data, ``item`` for product columns, ``other`` for record ids, else
        ``feature``.
    special_category_kind : str or None
        For special category columns, which kind (ethnicity, health, ...).
    """

    column: str
    category: str
    confidence: float
    evidence: tuple[Evidence, ...]
    role: str
    special_category_kind: str | None = None

    @property
    def rule(self) -> str:
        """The deciding rule, or ``"none"``."""
        return self.evidence[0].rule if self.evidence else "none"

    @property
    def match_share(self) -> float:
        """The match share of the deciding rule (0.0 when there is none)."""
        return self.evidence[0].match_share if self.evidence else 0.0

