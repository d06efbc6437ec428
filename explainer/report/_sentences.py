"""Blocks and sentences of report prose, as the readability scores count them.

A text is split into blocks at blank lines and bullet markers; a block into sentences at
``.``, ``!`` or ``?`` unless the token is an abbreviation ("e.g.", "Art. 6"); a sentence
into word tokens (a token holding at least one letter or digit). See
:mod:`explainer.report._readability` for the rules in full.
"""

from __future__ import annotations

import re

__all__ = ["is_word", "split_blocks", "split_sentences"]

_ABBREVIATIONS = frozenset(
    {"e.g.", "i.e.", "cf.", "vs.", "approx.", "incl.", "mr.", "mrs.", "ms.", "dr."}
)
# Abbreviations only when a number follows ("Art. 6", "No. 5"); otherwise "No." is an answer.
_NUMBER_ABBREVIATIONS = frozenset({"no.", "nos.", "art.", "arts.", "p.", "pp.", "fig.", "para.", "vol."})
_DOTTED_ACRONYM = re.compile(r"^(?:[a-z]\.){2,}$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d{1,3}[.)]|[a-z][)])\s+", re.IGNORECASE)
_CLOSERS = "\"')]}\u201d\u2019\u00bb"
_HAS_ALNUM = re.compile(r"[^\W_]")


def split_blocks(text: str) -> list[str]:
    """Split ``text`` into prose blocks at blank lines and bullet markers.

    Lines inside a block are joined with a space; bullet markers are removed.

    Examples
    --------
    >>> split_blocks("Intro line.\\n- first bullet\\n- second bullet")
    ['Intro line.', 'first bullet', 'second bullet']
    """
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        m = _BULLET.match(line)
        if m:
            if current:
                blocks.append(" ".join(current))
            current = [line[m.end():].strip()]
        else:
            current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return [b for b in blocks if b]


def is_word(token: str) -> bool:
    """True when ``token`` holds at least one letter or digit (a lone dash is not a word)."""
    return bool(_HAS_ALNUM.search(token))


def _ends_sentence(token: str, nxt: str | None) -> bool:
    core = token.rstrip(_CLOSERS)
    if not core or core[-1] not in ".!?":
        return False
    if core[-1] in "!?":
        return True
    low = core.lower().lstrip("(\"'\u201c\u2018")
    if low in _ABBREVIATIONS or _DOTTED_ACRONYM.match(low):
        return False
    if low in _NUMBER_ABBREVIATIONS and nxt is not None and nxt[:1].isdigit():
        return False
    if low == "etc.":
        return nxt is not None and nxt.lstrip("(\"'\u201c\u2018")[:1].isupper()
    return True


def split_sentences(block: str) -> list[list[str]]:
    """Split one block into sentences, each a list of word tokens.

    Examples
    --------
    >>> [len(s) for s in split_sentences("We use 3.5% of it, e.g. orders. Then we stop")]
    [7, 3]
    """
    tokens = block.split()
    sentences: list[list[str]] = []
    current: list[str] = []
    for i, tok in enumerate(tokens):
        if is_word(tok):
            current.append(tok)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if _ends_sentence(tok, nxt) and current:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences
