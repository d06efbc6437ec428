"""Read the tables of a rendered HTML fragment, as a reader sees them."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd


class Tables(HTMLParser):
    """Every table of a fragment as (caption, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1] = (" ".join("".join(self._caption).split()), self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data):
        for buf in (self._cell, self._caption):
            if buf is not None:
                buf.append(data)


def tables(html: str) -> list[tuple[str, list[list[str]]]]:
    p = Tables()
    p.feed(html)
    return p.tables


def table(html: str, caption_start: str) -> list[dict[str, str]]:
    """The body rows of the table whose caption starts with ``caption_start``, keyed by header."""
    for caption, rows in tables(html):
        if caption.startswith(caption_start):
            head, *body = rows
            return [dict(zip(head, r)) for r in body]
    raise AssertionError(f"no table {caption_start!r} in {[c for c, _ in tables(html)]}")


def personal_values(s: pd.Series) -> list[str]:
    """Values that carry personal detail (digits, '@' or several words), as the scan tests use."""
    return [v for v in s.dropna().astype(str).unique()
            if len(v) >= 6 and (any(ch.isdigit() for ch in v) or "@" in v or " " in v)]
