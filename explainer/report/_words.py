"""Small wording helpers shared by the pages: a share as a percent, a list in words, an estimate
with its interval. No sentences live here: those are in the phrase bank (``_phrases.py``)."""

from __future__ import annotations

from typing import Any

__all__ = ["pct", "list_words", "cap", "fmt_ci"]


def pct(v: float | None) -> str:
    """A share as a whole percent (``"n/a"`` for None)."""
    return "n/a" if v is None else f"{v * 100:.0f}%"


def list_words(items: list[str]) -> str:
    """``a, b and c``; empty items are left out."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(text: str) -> str:
    """The text with its first letter in capitals."""
    return text[:1].upper() + text[1:]


def fmt_ci(v: Any, lo: Any, hi: Any) -> str:
    """An estimate with three decimals and its interval, ``"n/a"`` when there is none."""
    if v is None:
        return "n/a"
    if lo is None or hi is None:
        return f"{v:.3f}"
    return f"{v:.3f} ({lo:.3f} to {hi:.3f})"
