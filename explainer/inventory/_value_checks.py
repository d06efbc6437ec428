"""Value patterns of the scanner: what a sample of one column's values says it holds.

:func:`column_values` reduces a column to its distinct values as strings with their counts;
:func:`value_evidence` runs the value rules over them, a table of patterns (email, IP,
IBAN, postcode, phone, payment card) and a few rules that look at the values together
(people's names, gender, ethnic and religious groups, contact details inside free text,
ZIP codes, dates of birth). No value is kept in what they return.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _patterns as P
from ._evidence import Evidence
from ._postcodes import is_postcode, is_zip5

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Values", "column_values", "is_name_like", "is_text", "value_evidence"]

#: At most this many distinct values per column go through the value patterns.
_MAX_DISTINCT = 2_000


@dataclass
class Values:
    """The distinct values of one column as strings, with their counts (kept in memory only)."""

    strings: list[str]
    weights: np.ndarray
    n: int  # non-missing values in the sample
    n_distinct: int
    numeric: bool
    boolean: bool
    raw_text: bool  # the values came as text (leading zeros and formatting kept)
    datetime: Any  # pd.Series of datetimes or None

    def share(self, test: Callable[[str], bool]) -> float:
        if not self.strings:
            return 0.0
        hits = np.fromiter((test(v) for v in self.strings), dtype=bool, count=len(self.strings))
        return float(self.weights[hits].sum() / self.weights.sum())

    def distinct_share(self, test: Callable[[str], bool]) -> float:
        if not self.strings:
            return 0.0
        return sum(1 for v in self.strings if test(v)) / len(self.strings)


#: Text that stands for a missing value ("N/A", "-", "?" in the UCI files).
_MISSING_MARKERS = frozenset({"", "n/a", "na", "-", "--", "?", "null", "nan", "<na>"})

_BOOL_STRINGS = frozenset({"0", "1", "true", "false", "yes", "no", "y", "n", "t", "f", "0.0", "1.0"})


def column_values(s: pd.Series, random_state: int | None) -> Values:
    import pandas as pd

    s = s.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    n = len(s)
    dt = None
    raw_text = False
    if pd.api.types.is_bool_dtype(s.dtype):
        strings = s.astype(str)
        numeric, boolean = False, True
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = s
        strings = s.astype(str)
        numeric, boolean = False, False
    elif pd.api.types.is_numeric_dtype(s.dtype):
        if pd.api.types.is_float_dtype(s.dtype) and n and bool((s == np.round(s)).all()) and s.abs().max() < 2**62:
            s = s.astype("int64")
        strings = s.astype(str)
        numeric, boolean = True, False
    else:
        strings = s.map(lambda v: v if isinstance(v, str) else str(v)).str.strip()
        strings = strings[~strings.str.lower().isin(_MISSING_MARKERS)]
        n = len(strings)
        numeric = n > 0 and bool(pd.to_numeric(strings, errors="coerce").notna().all())
        boolean = False
        raw_text = True
    counts = strings.value_counts(sort=False)
    n_distinct = len(counts)
    if not boolean and 0 < n_distinct <= 2 and set(counts.index.str.lower()) <= _BOOL_STRINGS:
        boolean = True
    if n_distinct > _MAX_DISTINCT:
        counts = counts.sample(n=_MAX_DISTINCT, random_state=random_state)
    return Values(
        strings=[v[:2000] for v in counts.index.tolist()],
        weights=counts.to_numpy(dtype=float),
        n=n,
        n_distinct=n_distinct,
        numeric=numeric,
        boolean=boolean,
        raw_text=raw_text,
        datetime=dt,
    )


_DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}/\d{2}/\d{2}"), "%Y/%m/%d"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), None),  # day or month first: decided below
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), None),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"), "ISO8601"),
)


def _fullmatcher(rx: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda x: rx.fullmatch(x) is not None


def _parse_dates(v: Values) -> tuple[Any, float]:
    """Return (datetimes of the distinct values, share of values that look like dates)."""
    import pandas as pd

    if v.datetime is not None:
        d = pd.to_datetime(v.datetime)
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
        return d, 1.0
    if v.numeric or v.boolean or not v.strings:
        return None, 0.0
    best_share, best_fmt, best_rx = 0.0, None, None
    for rx, fmt in _DATE_FORMATS:
        share = v.share(_fullmatcher(rx))
        if share > best_share:
            best_share, best_fmt, best_rx = share, fmt, rx
    if best_share < 0.5 or best_rx is None:
        return None, best_share
    sel = [x for x in v.strings if best_rx.fullmatch(x)]
    ser = pd.Series(sel, dtype=object)
    if best_fmt is None:
        sep = "/" if "/" in sel[0] else "-"
        first = pd.to_numeric(ser.str.split(sep).str[0], errors="coerce")
        best_fmt = f"%m{sep}%d{sep}%Y" if (first > 12).sum() == 0 and (
            pd.to_numeric(ser.str.split(sep).str[1], errors="coerce") > 12).any() else f"%d{sep}%m{sep}%Y"
    d = pd.to_datetime(ser, format=best_fmt, errors="coerce", utc=best_fmt == "ISO8601")
    if best_fmt == "ISO8601":
        d = d.dt.tz_localize(None)
    parsed_share = best_share * float(d.notna().mean()) if len(d) else 0.0
    return d.dropna(), parsed_share


def _this_year() -> int:
    """The current calendar year (a function, so that tests can freeze it)."""
    import datetime

    return datetime.date.today().year


def _dob_check(v: Values, name_hint: bool) -> tuple[float, str] | None:
    """Return (share, detail) when the dates look like dates of birth, else None.

    Implied ages are whole calendar years (this year minus the year of birth), so the
    answer is the same on every day of a year: it can change only on 1 January, and then
    only for dates about 110 years back or in the year just begun.
    """
    import pandas as pd

    d, share = _parse_dates(v)
    if d is None or share < 0.8 or len(d) == 0:
        return None
    ages = (_this_year() - d.dt.year).astype("float64")
    in_range = float(((ages >= 0) & (ages <= 110)).mean())
    has_time = bool(((d - d.dt.normalize()) != pd.Timedelta(0)).any())
    span_years = float((d.max() - d.min()).days / 365.25)
    median_age = float(ages.median())
    if name_hint:
        if in_range >= 0.9 and not has_time:
            return share * in_range, "dates whose implied ages are between 0 and 110"
        return None
    if in_range >= 0.98 and not has_time and span_years >= 15 and 16 <= median_age <= 90 and v.n_distinct >= 20:
        return share * in_range, (
            "dates without a time of day, spread over decades, whose implied ages are "
            "between 0 and 110 (median adult age)"
        )
    return None


_CAP_WORD = re.compile(r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\-]+")


def is_name_like(x: str) -> bool:
    """True when ``x`` reads as a person's name: one to four capitalised words, a known first or last name."""
    parts = x.split()
    if not 1 <= len(parts) <= 4:
        return False
    if not all(_CAP_WORD.fullmatch(p) or (len(p) == 2 and p[1] == ".") or (p.isupper() and p.isalpha())
               for p in parts):
        return False
    low = [p.lower().strip(".") for p in parts]
    if len(parts) == 1:
        return low[0] in P.FIRST_NAMES or low[0] in P.SURNAMES
    return low[0] in P.FIRST_NAMES or low[-1] in P.SURNAMES


_WORD = re.compile(r"[^\W\d_]{2,}")


def is_text(v: Values) -> bool:
    """True when the values are free text: three or more words on average."""
    if v.numeric or v.boolean or not v.strings:
        return False
    words = np.array([sum(1 for w in x.split() if _WORD.search(w)) for x in v.strings], dtype=float)
    return float(np.average(words, weights=v.weights)) >= 3.0


#: One piece of value evidence: (category, evidence, special category kind or None).
Hit = tuple[str, Evidence, str | None]


def _hit(cat: str, rule: str, share: float, detail: str, kind: str | None = None) -> Hit:
    return (cat, Evidence(rule, round(share, 4), detail), kind)


def _text(v: Values) -> bool:
    return not v.numeric


def _raw_text(v: Values) -> bool:
    return v.raw_text


@dataclass(frozen=True)
class _Pattern:
    """A value pattern: the share of values ``test`` accepts must reach ``threshold``.

    ``gate`` is a cheap check of the column that must pass before the share is computed.
    """

    category: str
    rule: str
    detail: str
    test: Callable[[str], bool]
    threshold: float
    gate: Callable[[Values], bool]

    def __call__(self, v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
        if not self.gate(v):
            return []
        share = v.share(self.test)
        return [_hit(self.category, self.rule, share, self.detail)] if share >= self.threshold else []


def _person_names(v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
    if v.numeric:
        return []
    share = v.share(is_name_like)
    # People's names are many: a handful of values repeated over a large sample ("White",
    # "Black", "Other") are groups, not names.
    varied = v.n < 50 or v.n_distinct > 12 or v.share(lambda x: len(x.split()) >= 2) >= 0.5
    special_name = any(r.category == "special_category" for r in name_rules)
    if share >= 0.6 and varied and not special_name:
        return [_hit("direct_identifier", "value:person_name", share, "values read as people's names")]
    return []


_GENDER_CORE = ({"m", "male", "man", "men", "mann", "homme", "hombre", "masculin", "masculino"},
                {"f", "female", "woman", "women", "frau", "w", "femme", "mujer", "feminin", "femenino"})

#: Closed sets of group labels: (category, rule, vocabulary, labels that do not count towards
#: the core, core labels needed, share needed, detail, special category kind). Gender needs
#: a label of each core side instead of a number of core labels.
_GROUP_SETS: tuple[tuple[str, str, frozenset[str], frozenset[str], int, float, str, str | None], ...] = (
    ("demographic", "value:gender", frozenset(P.GENDER_VALUES), frozenset(), 0, 0.95,
     "values are gender categories", None),
    ("special_category", "value:ethnicity", frozenset(P.ETHNICITY_VALUES),
     frozenset({"other", "prefer not to say"}), 3, 0.9, "values are ethnic groups", "ethnicity"),
    ("special_category", "value:religion", frozenset(P.RELIGION_VALUES),
     frozenset({"other", "none", "prefer not to say"}), 3, 0.9, "values are religions or beliefs", "religion"),
)


def _group_labels(v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
    if v.numeric:
        return []
    lowset = {x.lower() for x in v.strings}
    if len(lowset) > 12:
        return []
    out = []
    for cat, rule, vocab, not_core, n_core, need, detail, kind in _GROUP_SETS:
        share = v.share(lambda x, vocab=vocab: x.lower() in vocab)  # type: ignore[misc]
        if n_core:
            core_ok = len({x for x in lowset if x in vocab and x not in not_core}) >= n_core
        else:
            core_ok = bool(lowset & _GENDER_CORE[0]) and bool(lowset & _GENDER_CORE[1])
        if share >= need and core_ok:
            out.append(_hit(cat, rule, share, detail, kind))
    return out


_CARD_IN = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}(?!\d)")


def _contact_in_text(v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
    if v.numeric or found or not is_text(v):
        return []
    e_share = v.share(P.contains_email) if any("@" in x for x in v.strings) else 0.0
    p_share = v.share(P.contains_phone)
    c_share = v.share(lambda x: any(P.is_card(m.group(0)) for m in _CARD_IN.finditer(x)))
    kinds = [w for w, s in (("email addresses", e_share), ("phone numbers", p_share),
                            ("payment card numbers", c_share)) if s > 0]
    share = max(e_share, p_share, c_share)
    if kinds and share * v.n >= 2:
        return [_hit("contact", "text:contact", share, "free text that contains " + " and ".join(kinds))]
    return []


def _zip_codes(v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
    if not v.raw_text:
        return []
    share = v.share(lambda x: is_zip5(x) or is_postcode(x))
    zipname = any(r.rule == "name:location" for r in name_rules)
    leading_zeros = (any(x.startswith("0") for x in v.strings) and v.n_distinct >= 20
                     and not any(r.category != "location" for r in name_rules))
    if share >= 0.9 and (zipname or leading_zeros):
        return [_hit("location", "value:zip", share, "values are five-digit ZIP codes")]
    return []


def _dates_of_birth(v: Values, name_rules: list[P.NameRule], found: list[Hit]) -> list[Hit]:
    dob = _dob_check(v, any(r.rule == "name:dob" for r in name_rules))
    return [] if dob is None else [_hit("demographic", "value:date_of_birth", dob[0], dob[1])]


#: The value rules, in the order their evidence is listed when two have the same share.
_VALUE_RULES: tuple[Callable[[Values, list[P.NameRule], list[Hit]], list[Hit]], ...] = (
    _Pattern("contact", "value:email", "values are email addresses", P.is_email, 0.5,
             lambda v: _text(v) and any("@" in x for x in v.strings)),
    _Pattern("device", "value:ip", "values are IP addresses (IPv4 or IPv6)", P.is_ip, 0.5,
             lambda v: _text(v) and any("." in x or ":" in x for x in v.strings[:200])),
    _Pattern("financial", "value:iban", "values are IBANs with valid checksums", P.is_iban, 0.5, _text),
    _Pattern("location", "value:postcode", "values are UK postcodes or US ZIP+4 codes", is_postcode, 0.6, _text),
    _person_names,
    _group_labels,
    _contact_in_text,
    _Pattern("contact", "value:phone", "values are phone numbers", P.is_phone, 0.5, _raw_text),
    # cards can be stored as integers
    _Pattern("financial", "value:card", "values are payment card numbers (card prefix and Luhn check)",
             P.is_card, 0.9, lambda v: v.n_distinct >= 5),
    _zip_codes,
    _dates_of_birth,
)


def value_evidence(v: Values, name_rules: list[P.NameRule]) -> list[Hit]:
    """Value-pattern evidence: a list of (category, evidence, special kind), strongest first."""
    out: list[Hit] = []
    if v.n == 0 or v.boolean:
        return out
    for rule in _VALUE_RULES:
        out.extend(rule(v, name_rules, out))
    out.sort(key=lambda t: -t[1].match_share)
    return out
