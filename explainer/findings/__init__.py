"""Stage 4, findings: measured observations with stable codes and the plain-language phrase bank.

Returns :class:`Finding` objects; the reports render them, the CLI gates on them.
"""
from ._finding import Finding, Severity
from ._phrases import (
    DEFAULT_WORDS, PHRASES, Wording, category_label, column_label, current_wording, is_derived, name_item, phrase,
    use_wording,
)
from ._rules import audit_findings, privacy_findings

__all__ = ["Finding", "Severity", "PHRASES", "category_label", "column_label", "phrase", "Wording",
           "DEFAULT_WORDS", "use_wording", "current_wording", "is_derived", "name_item",
           "audit_findings", "privacy_findings"]
