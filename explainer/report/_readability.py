"""Readability of report prose: grade, reading ease, sentence length, reading time, lints.

The scores use the Flesch (1948) and Flesch-Kincaid (1975) formulas on counts taken here:

* **words**: whitespace-separated tokens that hold at least one letter or digit. A hyphenated
  word ("opt-out"), a number ("3.5", "40%", "£40"), an abbreviation ("e.g.") and an e-mail
  address each count as one word. A lone dash or ampersand is not a word.
* **sentences**: a sentence ends at ``.``, ``!`` or ``?`` (closing quotes or brackets may
  follow) when the token is not an abbreviation such as "e.g.", "i.e." or "vs.".
  "Art.", "No." and "p." are abbreviations only before a number ("Art. 6"). Decimal
  points ("3.5") never end a sentence because no space follows them; "etc." ends one only
  when the next word starts with a capital letter. The end of a block always ends
  a sentence.
* **blocks**: a text is split into blocks at blank lines and at lines that start with a
  bullet marker ("-", "*", "•", "1.", "1)", "a)"). Each block is scored separately, so
  bullets without full stops are not merged into one long sentence. A section may also be
  given as a list of blocks.
* **syllables**: per word, as textstat 0.7.4 counts them (pyphen hyphenation, no NLTK
  download). A number counts as one syllable.

Per block, with words W, sentences S and syllables Y::

    reading ease = 206.835 - 1.015 * W / S - 84.6 * Y / W
    grade        = 0.39 * W / S + 11.8 * Y / W - 15.59

A section's grade and reading ease are the word-weighted means of its blocks'; its mean
sentence length is W / S over all blocks; its reading time is W / 250 * 60 seconds
(250 words a minute, not textstat's ``reading_time``, which assumes about 900).
"""

from __future__ import annotations

import importlib.metadata
import math
import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from .._display import HTMLDisplay
from ..errors import ExplainerWarning, InvalidInputError
from ._sentences import split_blocks, split_sentences

__all__ = [
    "LintHit",
    "ReadabilityReport",
    "ReadabilityScore",
    "ReadabilityTargets",
    "measure_sections",
    "measure_text",
    "HEDGE_WORDS",
    "BANNED_CLAIM_WORDS",
    "JARGON_TERMS",
    "VAGUE_PURPOSES",
    "WORDS_PER_MINUTE",
]

#: Reading speed used for reading time, in words a minute.
WORDS_PER_MINUTE = 250

#: The textstat version the targets were calibrated with.
PINNED_TEXTSTAT = "0.7.4"

LintKind = Literal["long_sentence", "hedge", "vague_purpose", "banned_claim", "jargon"]

#: Hedging words: they make a statement sound less certain than the facts allow.
HEDGE_WORDS: tuple[str, ...] = ("may", "might", "some", "often", "possible")

#: Words that claim a quality no audit can certify. Reports never claim them.
BANNED_CLAIM_WORDS: tuple[str, ...] = (
    "fair",
    "fairly",
    "unbiased",
    "anonymous",
    "anonymously",
    "anonymised",
    "anonymized",
    "compliant",
    "compliance",
)

#: Technical terms that must not appear in consumer text (regex, matched case-insensitively).
JARGON_TERMS: dict[str, str] = {
    "SHAP": r"shap",
    "Shapley": r"shapley",
    "log-odds": r"log[-\s]?odds",
    "logit": r"logits?",
    "coefficient": r"coefficients?",
    "feature": r"features?",
    "hyperparameter": r"hyper-?parameters?",
    "AUC": r"auc",
    "embedding": r"embeddings?",
}

#: Purposes too vague to tell a reader anything (regex, matched case-insensitively).
VAGUE_PURPOSES: dict[str, str] = {
    "improve our services": r"(?:improve|improving|enhance|enhancing)\s+(?:our|the)\s+services?",
    "research purposes": r"research\s+purposes",
    "business purposes": r"business\s+purposes",
    "other purposes": r"other\s+purposes",
}

_BANNED_RE = re.compile(r"\b(" + "|".join(BANNED_CLAIM_WORDS) + r")\b", re.IGNORECASE)
_HEDGE_RE = re.compile(r"\b(" + "|".join(HEDGE_WORDS) + r")\b", re.IGNORECASE)
_JARGON_RES = {k: re.compile(r"\b" + v + r"\b", re.IGNORECASE) for k, v in JARGON_TERMS.items()}
_VAGUE_RES = {k: re.compile(r"\b" + v + r"\b", re.IGNORECASE) for k, v in VAGUE_PURPOSES.items()}

_MONTH_NEIGHBOUR = re.compile(r"^\d{1,4}(?:st|nd|rd|th)?[,.]?$")


@lru_cache(maxsize=1)
def _textstat() -> Any:
    """A private textstat instance (English, no rounding) and its version."""
    with warnings.catch_warnings():
        # textstat 0.7.4 imports pkg_resources, which newer setuptools flags as deprecated
        warnings.filterwarnings("ignore", message=".*pkg_resources.*")
        from textstat.textstat import textstatistics

    ts = textstatistics()
    ts.set_lang("en_US")
    return ts


@lru_cache(maxsize=1)
def _library() -> dict[str, str]:
    lib = {"name": "textstat", "version": _dist_version("textstat")}
    lib["syllables"] = f"pyphen {_dist_version('pyphen')}"
    if lib["version"] != PINNED_TEXTSTAT:
        warnings.warn(
            f"textstat must be version {PINNED_TEXTSTAT} for scores comparable with the targets. "
            f"Got {lib['version']}. Install it with: pip install textstat=={PINNED_TEXTSTAT}.",
            ExplainerWarning,
            stacklevel=3,
        )
    return lib


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed with explainer
        return "unknown"


@lru_cache(maxsize=4096)
def _syllables(word: str) -> int:
    return int(_textstat().syllable_count(word))


# --- results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LintHit:
    """One writing problem found in a text.

    Parameters
    ----------
    kind : {"long_sentence", "hedge", "vague_purpose", "banned_claim", "jargon"}
        What was found.
    term : str
        The word or phrase found (lower case), or ``"25+ words"`` for a long sentence.
    sentence : int
        Number of the sentence in its section, counted from 1 across all blocks.
    words : int
        Words in that sentence.
    section : str or None, default=None
        The section, when the hit comes from :func:`measure_sections`.
    """

    kind: LintKind
    term: str
    sentence: int
    words: int
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "term": self.term, "sentence": self.sentence,
                "words": self.words, "section": self.section}


@dataclass(frozen=True)
class ReadabilityScore:
    """Readability of one text (or one section made of several blocks).

    Attributes
    ----------
    words, sentences, syllables, blocks : int
        Counts (see the module docstring for what counts as a word and a sentence).
    fk_grade : float
        Flesch-Kincaid grade, the word-weighted mean over blocks. NaN when there are no words.
        8 means a reader with eight years of school can follow it.
    reading_ease : float
        Flesch reading ease, word-weighted mean over blocks; 60 to 70 is "plain English",
        higher is easier. NaN when there are no words.
    mean_sentence_words : float
        Words per sentence over the whole text.
    max_sentence_words : int
        Words in the longest sentence.
    reading_time_s : float
        Seconds to read at 250 words a minute.
    lints : tuple of LintHit
        Long sentences (over the limit), hedges, vague purposes, banned claims and jargon.
    """

    words: int
    sentences: int
    syllables: int
    blocks: int
    fk_grade: float
    reading_ease: float
    mean_sentence_words: float
    max_sentence_words: int
    reading_time_s: float
    lints: tuple[LintHit, ...] = ()

    def hits(self, kind: LintKind) -> tuple[LintHit, ...]:
        """The lint hits of one kind."""
        return tuple(h for h in self.lints if h.kind == kind)

    @property
    def long_sentences(self) -> tuple[LintHit, ...]:
        return self.hits("long_sentence")

    @property
    def hedges(self) -> tuple[LintHit, ...]:
        return self.hits("hedge")

    @property
    def vague_purposes(self) -> tuple[LintHit, ...]:
        return self.hits("vague_purpose")

    @property
    def banned_claims(self) -> tuple[LintHit, ...]:
        return self.hits("banned_claim")

    @property
    def jargon(self) -> tuple[LintHit, ...]:
        return self.hits("jargon")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; NaN scores become ``None``."""
        return {
            "words": self.words,
            "sentences": self.sentences,
            "syllables": self.syllables,
            "blocks": self.blocks,
            "fk_grade": _json_float(self.fk_grade),
            "reading_ease": _json_float(self.reading_ease),
            "mean_sentence_words": _json_float(self.mean_sentence_words),
            "max_sentence_words": self.max_sentence_words,
            "reading_time_s": _json_float(self.reading_time_s),
            "lints": [h.to_dict() for h in self.lints],
        }

    def __repr__(self) -> str:
        return (
            f"ReadabilityScore(grade={self.fk_grade:.1f}, ease={self.reading_ease:.1f}, "
            f"words={self.words}, sentences={self.sentences}, "
            f"longest={self.max_sentence_words}, lints={len(self.lints)})"
        )


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 3)


@dataclass(frozen=True)
class ReadabilityTargets:
    """Targets from DISCLOSURE.md; every consumer section is held to them.

    Parameters
    ----------
    max_grade : float, default=8
        Flesch-Kincaid grade of every consumer section.
    max_grade_first_layer : float, default=6
        Grade of first-layer and per-person sections.
    min_ease : float, default=60
        Flesch reading ease of every section.
    min_ease_first_layer : float, default=70
        Reading ease of first-layer sections.
    max_mean_sentence_words : float, default=20
    max_sentence_words : int, default=25
        No sentence may be longer.
    max_first_layer_s : float, default=120
        Reading time of all first-layer sections together.
    max_per_person_s : float, default=30
        Reading time of each per-person section.
    max_total_s : float, default=600
        Reading time of all sections together.
    """

    max_grade: float = 8.0
    max_grade_first_layer: float = 6.0
    min_ease: float = 60.0
    min_ease_first_layer: float = 70.0
    max_mean_sentence_words: float = 20.0
    max_sentence_words: int = 25
    max_first_layer_s: float = 120.0
    max_per_person_s: float = 30.0
    max_total_s: float = 600.0


#: Target ids, in the order failures are listed.
TARGET_IDS: tuple[str, ...] = (
    "fk_grade",
    "reading_ease",
    "mean_sentence_words",
    "max_sentence_words",
    "first_layer_reading_time",
    "per_person_reading_time",
    "total_reading_time",
    "no_hedges",
    "no_vague_purposes",
    "no_banned_claims",
    "no_jargon",
)

_LINT_TARGET = {
    "hedge": "no_hedges",
    "vague_purpose": "no_vague_purposes",
    "banned_claim": "no_banned_claims",
    "jargon": "no_jargon",
}
_LINT_LABEL = {
    "hedge": "hedging words",
    "vague_purpose": "vague purposes",
    "banned_claim": "claims reports never make",
    "jargon": "technical jargon",
}


def _check_lints(name: str, sc: ReadabilityScore) -> list[tuple[str, str]]:
    """Hedges, vague purposes, claims and jargon found in one section."""
    out: list[tuple[str, str]] = []
    for kind, target in _LINT_TARGET.items():
        hits = sc.hits(kind)  # type: ignore[arg-type]
        if hits:
            terms = sorted({h.term for h in hits})
            out.append((target, f"Section {name!r}: text must not use {_LINT_LABEL[kind]}. "
                        f"Got {len(hits)} ({terms[:5]}) in sentence numbers "
                        f"{[h.sentence for h in hits][:5]}. Reword them."))
    return out


@dataclass(frozen=True)
class ReadabilityReport(HTMLDisplay):
    """Readability of every section of a report, checked against the targets.

    Attributes
    ----------
    sections : dict of str to ReadabilityScore
        One score per section, in the order given.
    overall : ReadabilityScore
        All sections together (word-weighted grade and ease, summed counts and time).
    first_layer, per_person : tuple of str
        Sections held to the first-layer and per-person targets.
    targets : ReadabilityTargets
    library : dict of str to str
        ``name``, ``version`` and ``syllables`` of the scoring library.
    """

    sections: dict[str, ReadabilityScore]
    overall: ReadabilityScore
    first_layer: tuple[str, ...] = ()
    per_person: tuple[str, ...] = ()
    targets: ReadabilityTargets = field(default_factory=ReadabilityTargets)
    library: dict[str, str] = field(default_factory=dict)

    @property
    def first_layer_reading_time_s(self) -> float:
        return sum(self.sections[s].reading_time_s for s in self.first_layer)

    def _check(self) -> list[tuple[str, str]]:
        """(target id, message) for every target missed."""
        t = self.targets
        out: list[tuple[str, str]] = []
        for name, sc in self.sections.items():
            if sc.words:
                out += self._check_scores(name, sc) + self._check_lengths(name, sc) + _check_lints(name, sc)
        fl = self.first_layer_reading_time_s
        if self.first_layer and fl > t.max_first_layer_s:
            out.append(("first_layer_reading_time", f"First layer: reading time must be at most "
                        f"{t.max_first_layer_s:g} s. Got {fl:.0f} s. Move detail to later sections."))
        if self.overall.reading_time_s > t.max_total_s:
            out.append(("total_reading_time", f"Whole text: reading time must be at most {t.max_total_s:g} s. "
                        f"Got {self.overall.reading_time_s:.0f} s. Shorten it."))
        return out

    def _check_scores(self, name: str, sc: ReadabilityScore) -> list[tuple[str, str]]:
        """Grade and reading ease of one section, against its layer's targets."""
        t = self.targets
        out: list[tuple[str, str]] = []
        strict = name in self.first_layer or name in self.per_person
        layer = " (first layer)" if name in self.first_layer else (
            " (per-person)" if name in self.per_person else "")
        g_max = t.max_grade_first_layer if strict else t.max_grade
        if sc.fk_grade > g_max:
            out.append(("fk_grade", f"Section {name!r}{layer}: Flesch-Kincaid grade must be at most "
                        f"{g_max:g}. Got {sc.fk_grade:.1f}. Use shorter words and sentences."))
        e_min = t.min_ease_first_layer if name in self.first_layer else t.min_ease
        if sc.reading_ease < e_min:
            out.append(("reading_ease", f"Section {name!r}{layer}: Flesch reading ease must be at least "
                        f"{e_min:g}. Got {sc.reading_ease:.1f}. Use shorter words and sentences."))
        return out

    def _check_lengths(self, name: str, sc: ReadabilityScore) -> list[tuple[str, str]]:
        """Sentence lengths of one section, and the reading time of a per-person section."""
        t = self.targets
        out: list[tuple[str, str]] = []
        if sc.mean_sentence_words > t.max_mean_sentence_words:
            out.append(("mean_sentence_words", f"Section {name!r}: mean sentence length must be at most "
                        f"{t.max_mean_sentence_words:g} words. Got {sc.mean_sentence_words:.1f}. "
                        "Split long sentences."))
        if sc.long_sentences:
            nums = [h.sentence for h in sc.long_sentences]
            out.append(("max_sentence_words", f"Section {name!r}: sentences must have at most "
                        f"{t.max_sentence_words} words. Got {len(nums)} longer (sentence numbers "
                        f"{nums[:5]}, longest {sc.max_sentence_words} words). Split them."))
        if name in self.per_person and sc.reading_time_s > t.max_per_person_s:
            out.append(("per_person_reading_time", f"Section {name!r} (per-person): reading time must be "
                        f"at most {t.max_per_person_s:g} s. Got {sc.reading_time_s:.0f} s "
                        f"({sc.words} words). Cut it to the main facts."))
        return out

    @property
    def targets_met(self) -> dict[str, bool]:
        """Target id -> whether every section meets it."""
        missed = {tid for tid, _ in self._check()}
        return {tid: tid not in missed for tid in TARGET_IDS}

    def is_met(self) -> bool:
        """True when every target is met."""
        return not self._check()

    def failures(self) -> list[str]:
        """Plain sentences naming each section and target missed, in target order."""
        order = {tid: i for i, tid in enumerate(TARGET_IDS)}
        return [msg for _, msg in sorted(self._check(), key=lambda x: order[x[0]])]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict for audit.json and the quality appendix."""
        return {
            "library": dict(self.library),
            "words_per_minute": WORDS_PER_MINUTE,
            "first_layer": list(self.first_layer),
            "per_person": list(self.per_person),
            "targets": {k: v for k, v in vars(self.targets).items()},
            "targets_met": self.targets_met,
            "failures": self.failures(),
            "first_layer_reading_time_s": round(self.first_layer_reading_time_s, 3),
            "sections": {k: v.to_dict() for k, v in self.sections.items()},
            "overall": self.overall.to_dict(),
        }

    def to_frame(self) -> Any:
        """One row per section plus ``overall``, as a pandas DataFrame."""
        import pandas as pd

        cols = ["words", "sentences", "syllables", "blocks", "fk_grade", "reading_ease",
                "mean_sentence_words", "max_sentence_words", "reading_time_s"]
        rows = []
        for name, sc in [*self.sections.items(), ("overall", self.overall)]:
            row: dict[str, Any] = {c: getattr(sc, c) for c in cols}
            row["layer"] = ("first" if name in self.first_layer else
                            "per_person" if name in self.per_person else
                            "all" if name == "overall" else "second")
            row["lints"] = len(sc.lints)
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index([*self.sections, "overall"], name="section"))

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        rows = []
        for name, sc in [*self.sections.items(), ("overall", self.overall)]:
            layer = ("first" if name in self.first_layer else "per person" if name in self.per_person else
                     "all" if name == "overall" else "second")
            rows.append({"section": name, "layer": layer, "words": sc.words, "grade": sc.fk_grade,
                         "ease": sc.reading_ease, "mean_words": sc.mean_sentence_words,
                         "max_words": sc.max_sentence_words, "seconds": sc.reading_time_s})
        lib = self.library
        return "readability_report", {"rows": rows, "failures": self.failures(),
                                      "library": f"{lib.get('name', '')} {lib.get('version', '')}".strip(),
                                      "wpm": WORDS_PER_MINUTE}

    def __repr__(self) -> str:
        n = len(self.failures())
        return (f"ReadabilityReport({len(self.sections)} sections, grade {self.overall.fk_grade:.1f}, "
                f"{self.overall.reading_time_s:.0f} s, {n} target(s) missed)")


# --- scoring -----------------------------------------------------------------------------
def _lint_sentence(words: list[str], number: int, max_words: int) -> list[LintHit]:
    n = len(words)
    text = " ".join(words)
    hits: list[LintHit] = []
    if n > max_words:
        hits.append(LintHit("long_sentence", f"{max_words}+ words", number, n))
    for i, w in enumerate(words):
        core = re.sub(r"[^\w'-]", "", w)
        if _HEDGE_RE.fullmatch(core):
            if core == "May" and _is_date_part(words, i):
                continue
            hits.append(LintHit("hedge", core.lower(), number, n))
    for m in _BANNED_RE.finditer(text):
        hits.append(LintHit("banned_claim", m.group(1).lower(), number, n))
    for term, rx in _VAGUE_RES.items():
        hits.extend(LintHit("vague_purpose", term, number, n) for _ in rx.finditer(text))
    for term, rx in _JARGON_RES.items():
        hits.extend(LintHit("jargon", term, number, n) for _ in rx.finditer(text))
    return hits


def _is_date_part(words: list[str], i: int) -> bool:
    """'May' the month: next to a day or year number."""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return bool(_MONTH_NEIGHBOUR.match(before) or _MONTH_NEIGHBOUR.match(after))


def _as_blocks(text: str | Sequence[str], *, param: str) -> list[str]:
    if isinstance(text, str):
        return split_blocks(text)
    if isinstance(text, Sequence) and all(isinstance(b, str) for b in text):
        out: list[str] = []
        for b in text:
            out.extend(split_blocks(b))
        return out
    raise InvalidInputError(
        f"{param} must be a string or a list of strings (one per prose block). "
        f"Got {type(text).__name__}. Pass the text, or a list of paragraphs and bullets."
    )


def _score_blocks(blocks: list[str], *, max_sentence_words: int) -> ReadabilityScore:
    words = sentences = syllables = 0
    wsum_grade = wsum_ease = 0.0
    longest = 0
    lints: list[LintHit] = []
    for block in blocks:
        sents = split_sentences(block)
        if not sents:
            continue
        w = sum(len(s) for s in sents)
        y = sum(_syllables(tok) for s in sents for tok in s)
        n = len(sents)
        wsum_grade += w * (0.39 * w / n + 11.8 * y / w - 15.59)
        wsum_ease += w * (206.835 - 1.015 * w / n - 84.6 * y / w)
        for s in sents:
            sentences += 1
            lints.extend(_lint_sentence(s, sentences, max_sentence_words))
            longest = max(longest, len(s))
        words += w
        syllables += y
    nan = float("nan")
    return ReadabilityScore(
        words=words,
        sentences=sentences,
        syllables=syllables,
        blocks=len(blocks),
        fk_grade=wsum_grade / words if words else nan,
        reading_ease=wsum_ease / words if words else nan,
        mean_sentence_words=words / sentences if sentences else 0.0,
        max_sentence_words=longest,
        reading_time_s=words / WORDS_PER_MINUTE * 60,
        lints=tuple(lints),
    )


def measure_text(text: str | Sequence[str], *, max_sentence_words: int = 25) -> ReadabilityScore:
    """Measure the readability of one text.

    Parameters
    ----------
    text : str or sequence of str
        The prose. Blank lines and bullet markers split it into blocks; a list gives the
        blocks directly. Each block is scored on its own.
    max_sentence_words : int, default=25
        Sentences longer than this are reported as ``long_sentence`` lints.

    Returns
    -------
    ReadabilityScore

    Raises
    ------
    InvalidInputError
        If ``text`` is not a string or a list of strings.

    Examples
    --------
    >>> s = measure_text("We show you garden tools. You can turn this off.")
    >>> s.words, s.sentences, s.reading_time_s
    (10, 2, 2.4)
    """
    _library()
    return _score_blocks(_as_blocks(text, param="text"), max_sentence_words=max_sentence_words)


def _merge(scores: list[tuple[str, ReadabilityScore]]) -> ReadabilityScore:
    words = sum(s.words for _, s in scores)
    sentences = sum(s.sentences for _, s in scores)
    nan = float("nan")
    lints = tuple(h for _, s in scores for h in s.lints)
    return ReadabilityScore(
        words=words,
        sentences=sentences,
        syllables=sum(s.syllables for _, s in scores),
        blocks=sum(s.blocks for _, s in scores),
        fk_grade=sum(s.words * s.fk_grade for _, s in scores if s.words) / words if words else nan,
        reading_ease=sum(s.words * s.reading_ease for _, s in scores if s.words) / words if words else nan,
        mean_sentence_words=words / sentences if sentences else 0.0,
        max_sentence_words=max((s.max_sentence_words for _, s in scores), default=0),
        reading_time_s=words / WORDS_PER_MINUTE * 60,
        lints=lints,
    )


def measure_sections(
    sections: Mapping[str, str | Sequence[str]],
    *,
    first_layer: Collection[str] = (),
    per_person: Collection[str] = (),
    targets: ReadabilityTargets | None = None,
) -> ReadabilityReport:
    """Measure every section of a consumer text and check it against the targets.

    Parameters
    ----------
    sections : mapping of str to str or sequence of str
        Section name -> its prose (a string, or a list of blocks: paragraphs, bullets).
        Pass consumer text only: jargon such as "SHAP" or "feature" is a failure here.
    first_layer : collection of str, default=()
        Sections of the first layer: grade <= 6, reading ease >= 70, all together <= 120 s.
    per_person : collection of str, default=()
        Per-person explanations: grade <= 6, each <= 30 s.
    targets : ReadabilityTargets or None, default=None
        Other thresholds; None uses the DISCLOSURE.md targets.

    Returns
    -------
    ReadabilityReport

    Raises
    ------
    InvalidInputError
        If ``sections`` is not a mapping of names to text, or ``first_layer`` /
        ``per_person`` name sections that are not there.

    Examples
    --------
    >>> rep = measure_sections({"who": "Northwind runs this. Write to us."}, first_layer=["who"])
    >>> rep.targets_met["fk_grade"], rep.failures()
    (True, [])
    """
    if not isinstance(sections, Mapping):
        raise InvalidInputError(
            f"sections must be a mapping of section name to text. Got {type(sections).__name__}. "
            "Pass a dict such as {'who': '...'}."
        )
    for param, names in (("first_layer", first_layer), ("per_person", per_person)):
        if isinstance(names, str):
            raise InvalidInputError(
                f"{param} must be a list of section names. Got a single string. Wrap it in a list."
            )
        missing = [n for n in names if n not in sections]
        if missing:
            raise InvalidInputError(
                f"{param} must name sections that are measured. Got {len(missing)} unknown "
                f"({missing[:5]!r}). Sections are {list(sections)[:10]!r}."
            )
    tg = targets if targets is not None else ReadabilityTargets()
    library = _library()
    scored: dict[str, ReadabilityScore] = {}
    for name, text in sections.items():
        sc = _score_blocks(_as_blocks(text, param=f"sections[{name!r}]"),
                           max_sentence_words=tg.max_sentence_words)
        lints = tuple(LintHit(h.kind, h.term, h.sentence, h.words, str(name)) for h in sc.lints)
        scored[str(name)] = replace(sc, lints=lints)
    return ReadabilityReport(
        sections=scored,
        overall=_merge(list(scored.items())),
        first_layer=tuple(s for s in sections if s in set(first_layer)),
        per_person=tuple(s for s in sections if s in set(per_person)),
        targets=tg,
        library=dict(library),
    )
