"""Finding objects: one measured observation with a stable code, a severity and plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .._display import HTMLDisplay

__all__ = ["Finding", "Severity"]


class Severity(str, Enum):
    """How much a finding matters to a reviewer; ordered info < low < medium < high."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ["info", "low", "medium", "high"].index(self.value)


@dataclass(frozen=True)
class Finding(HTMLDisplay):
    """One thing the audit measured.

    Attributes
    ----------
    code : str
        Stable dotted id (``fairness.exposure_gap``, ``data.unused_column``, ...) that
        users filter, diff and gate on in CI.
    severity : Severity
    columns : tuple of str
        Data columns the finding is about (names only, never values).
    text : str
        Plain-language sentence for reviewers.
    public_text : str or None
        Plain-language sentence for customers, where the finding belongs in the disclosure.
    evidence : dict
        Numbers behind the finding (shares, rates, intervals, counts).
    """

    code: str
    severity: Severity
    columns: tuple[str, ...]
    text: str
    public_text: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "columns": list(self.columns),
            "text": self.text,
            "public_text": self.public_text,
            "evidence": self.evidence,
        }

    def __repr__(self) -> str:
        cols = f" ({', '.join(self.columns)})" if self.columns else ""
        return f"Finding({self.severity.value} {self.code}{cols}: {self.text})"

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "finding", {"severity": self.severity.value, "code": self.code, "columns": list(self.columns),
                           "text": self.text, "public_text": self.public_text}

    def matches(self, selector: str) -> bool:
        """True if ``selector`` is this code, a prefix of it (``fairness``), or a severity at or below it."""
        if selector in {s.value for s in Severity}:
            return self.severity.rank >= Severity(selector).rank
        return self.code == selector or self.code.startswith(selector.rstrip(".") + ".")
