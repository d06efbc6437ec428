"""Which generaliser fits a quasi-identifier, and its ladder of coarsening steps.

:func:`infer_kind` reads a column's dtype, name and the form of its values (never keeping a
value) and names the kind of generaliser that fits it: date of birth, date, age, postcode,
numeric, category or none. :func:`ladder` returns the coarsening steps of that kind, finest
first, each a plain-word description and a function from the column to its coarser form
(age bands, postcode districts, month instead of day, quantile bins, top categories).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inventory._generalise import (
    BROAD_AGE_BANDS,
    _postcode_levels,
    _to_datetime,
    generalise_age,
    generalise_category,
    generalise_date,
    generalise_numeric,
)
from ..inventory._patterns import name_tokens
from ..inventory._postcodes import UK_FULL as _UK_FULL
from ..inventory._postcodes import UK_OUTWARD as _UK_POSTCODE
from ..inventory._postcodes import US_ZIP as _US_ZIP

__all__ = ["infer_kind", "ladder", "name_words", "BIRTH_TOKENS"]

#: Words of a column name that say it is about birth.
BIRTH_TOKENS = frozenset({"dob", "birth", "birthdate", "birthday", "dateofbirth", "born"})
_DATE_TOKENS = frozenset({"date", "dt", "day", "time", "timestamp", "datetime", "at", "on"}) | BIRTH_TOKENS
_AGE_TOKENS = frozenset({"age", "ageyears", "agey"})
_POSTCODE_TOKENS = frozenset({"zip", "zipcode", "postcode", "postalcode", "postal", "plz"})
_SAMPLE_UNIQUES = 5000


def name_words(column: object) -> set[str]:
    """The words of a column name, split as the scanner splits them (inventory's ``name_tokens``)."""
    return set(name_tokens(column))


@dataclass(frozen=True)
class _Rung:
    description: str
    apply: Callable[[pd.Series], pd.Series]


def _sample_uniques(s: pd.Series) -> list[str]:
    u = pd.unique(s.dropna())
    return [" ".join(str(v).strip().upper().split()) for v in u[:_SAMPLE_UNIQUES]]


def _share_matching(values: list[str], pattern: re.Pattern[str]) -> float:
    if not values:
        return 0.0
    return sum(pattern.fullmatch(v) is not None for v in values) / len(values)


def _is_int_valued(x: np.ndarray) -> bool:
    x = x[np.isfinite(x)]
    return bool(x.size) and bool(np.all(x == np.floor(x)))


def infer_kind(column: object, s: pd.Series) -> str:
    """Choose a generaliser kind from the dtype, the column name and the form of values.

    Looks at values only to test their form (a regular expression or a date parse); no
    value is kept or shown.
    """
    tokens = name_words(column)
    is_birth = bool(tokens & BIRTH_TOKENS)
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date_of_birth" if is_birth else "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "none"
    if pd.api.types.is_numeric_dtype(dtype):
        return _numeric_kind(tokens, s)
    return _text_kind(tokens, s, is_birth)


def _numeric_kind(tokens: set[str], s: pd.Series) -> str:
    """Age (by name and range), numeric postcode (by name and form), else numeric or category."""
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    finite = x[np.isfinite(x)]
    if tokens & _AGE_TOKENS and finite.size and finite.min() >= 0 and finite.max() <= 130:
        return "age"
    if tokens & _POSTCODE_TOKENS and _is_int_valued(x) and finite.min() >= 0 and finite.max() <= 99999:
        return "postcode"
    return "numeric" if pd.unique(finite).size > 10 else "category"


def _text_kind(tokens: set[str], s: pd.Series, is_birth: bool) -> str:
    """Postcode (by form, or by name and a looser form), date (by name and parse), else category."""
    values = _sample_uniques(s)
    # Full UK postcodes and ZIP codes are distinctive; bare outward codes ("M1") are not,
    # so those count only when the column name says postcode.
    zip_share = _share_matching(values, _US_ZIP)
    if _share_matching(values, _UK_FULL) + zip_share >= 0.8:
        return "postcode"
    if tokens & _POSTCODE_TOKENS and _share_matching(values, _UK_POSTCODE) + zip_share >= 0.8:
        return "postcode"
    if tokens & _DATE_TOKENS:
        parsed = _to_datetime(pd.Series(values, dtype=object))
        if values and parsed.notna().mean() >= 0.9:
            return "date_of_birth" if is_birth else "date"
    return "category"


def _numeric_bins(q: int) -> Callable[[pd.Series], pd.Series]:
    return lambda v: generalise_numeric(v, q)


def _top_categories(q: int) -> Callable[[pd.Series], pd.Series]:
    return lambda v: generalise_category(v, q)


class _PostcodeLevels:
    """Parse a postcode column once and hand out its levels (the ladder asks for each)."""

    def __init__(self) -> None:
        self._levels: dict[str, pd.Series] | None = None

    def get(self, v: pd.Series, level: str) -> pd.Series:
        if self._levels is None:
            self._levels = _postcode_levels(v, "auto")
        if level == "sector":
            sector = self._levels["sector"]
            return sector.where(sector.notna(), self._levels["district"])
        return self._levels[level]


#: Width in years of the broadest birth cohorts suggested when no reference date is given.
_BROAD_COHORT_YEARS = 20


def _birth_cohorts(years: int) -> Callable[[pd.Series], pd.Series]:
    """Group datetimes by ``years``-wide birth cohorts counted from year 0 (1960-1979, ...)."""
    def apply(v: pd.Series) -> pd.Series:
        year = v.dt.year.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(year - year % years, index=v.index, name=v.name)
    return apply


def _broad_bands_label() -> str:
    return ", ".join(
        ["under 18"]
        + [f"{a}-{b - 1}" for a, b in zip(BROAD_AGE_BANDS[:-1], BROAD_AGE_BANDS[1:], strict=True)]
        + [f"{BROAD_AGE_BANDS[-1]}+"]
    )


_Fn = Callable[[pd.Series], pd.Series]


def _date_of_birth_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
                         reference_date: _dt.date | None) -> list[_Rung]:
    if reference_date is None:
        # birth cohorts: the same whatever the day the check runs
        return [
            _Rung(f"{name} to year of birth", as_dates(lambda v: generalise_date(v, to="year"))),
            _Rung(f"{name} to decade of birth (10-year birth cohorts)",
                  as_dates(lambda v: generalise_date(v, to="decade"))),
            _Rung(f"{name} to 20-year birth cohorts (two decades of birth together)",
                  as_dates(_birth_cohorts(_BROAD_COHORT_YEARS))),
        ]
    return [
        _Rung(f"{name} to year of birth", as_dates(lambda v: generalise_date(v, to="year"))),
        _Rung(
            f"{name} to 10-year age bands",
            as_dates(lambda v: generalise_age(v, 10, reference_date=reference_date)),
        ),
        _Rung(
            f"{name} to broad age bands ({_broad_bands_label()})",
            as_dates(lambda v: generalise_age(v, BROAD_AGE_BANDS, reference_date=reference_date)),
        ),
    ]


def _date_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
                reference_date: _dt.date | None) -> list[_Rung]:
    return [
        _Rung(f"{name} to month", as_dates(lambda v: generalise_date(v, to="month"))),
        _Rung(f"{name} to year", as_dates(lambda v: generalise_date(v, to="year"))),
    ]


def _age_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
               reference_date: _dt.date | None) -> list[_Rung]:
    return [
        _Rung(f"{name} to 5-year age bands", lambda v: generalise_age(v, 5)),
        _Rung(f"{name} to 10-year age bands", lambda v: generalise_age(v, 10)),
        _Rung(f"{name} to broad age bands ({_broad_bands_label()})", lambda v: generalise_age(v, BROAD_AGE_BANDS)),
    ]


def _postcode_systems(s: pd.Series) -> tuple[bool, bool, bool]:
    """Whether the column holds full UK postcodes, UK postcodes (or outward codes), US ZIP codes."""
    if pd.api.types.is_numeric_dtype(s.dtype):
        return False, False, True
    values = _sample_uniques(s)
    has_uk_full = any(_UK_FULL.fullmatch(v) for v in values)
    has_uk = any(_UK_POSTCODE.fullmatch(v) and not _US_ZIP.fullmatch(v) for v in values)
    has_us = any(_US_ZIP.fullmatch(v) for v in values)
    return has_uk_full, has_uk, has_us


def _postcode_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
                    reference_date: _dt.date | None) -> list[_Rung]:
    has_uk_full, has_uk, has_us = _postcode_systems(s)
    district = " or ".join(
        p for p, ok in (("postcode district (outward code)", has_uk), ("3-digit ZIP prefix", has_us)) if ok
    )
    area = " or ".join(
        p for p, ok in (("postcode area (leading letters)", has_uk), ("first ZIP digit", has_us)) if ok
    )
    levels = _PostcodeLevels()
    rungs = []
    if has_uk_full:
        rungs.append(
            _Rung(
                f"{name} to postcode sector (outward code and first digit of the inward code)",
                lambda v: levels.get(v, "sector"),
            )
        )
    rungs.append(_Rung(f"{name} to {district}", lambda v: levels.get(v, "district")))
    rungs.append(_Rung(f"{name} to {area}", lambda v: levels.get(v, "area")))
    return rungs


def _numeric_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
                   reference_date: _dt.date | None) -> list[_Rung]:
    n_distinct = int(s.nunique(dropna=True))
    return [_Rung(f"{name} to {q} quantile bins", _numeric_bins(q)) for q in (10, 5, 3) if q < n_distinct]


def _category_rungs(name: str, s: pd.Series, as_dates: Callable[[_Fn], _Fn],
                    reference_date: _dt.date | None) -> list[_Rung]:
    n_distinct = int(s.nunique(dropna=True))
    return [
        _Rung(f"{name} to its {q} most common values plus 'other'", _top_categories(q))
        for q in (10, 5, 2)
        if q + 1 < n_distinct
    ]


_RUNGS_OF: dict[str, Callable[[str, pd.Series, Callable[[_Fn], _Fn], _dt.date | None], list[_Rung]]] = {
    "date_of_birth": _date_of_birth_rungs, "date": _date_rungs, "age": _age_rungs, "postcode": _postcode_rungs,
    "numeric": _numeric_rungs, "category": _category_rungs,
}


def ladder(column: object, s: pd.Series, kind: str, reference_date: _dt.date | None) -> list[_Rung]:
    """The coarsening steps of a quasi-identifier of ``kind``, finest first (empty for ``"none"``)."""
    rungs_of = _RUNGS_OF.get(kind)
    if rungs_of is None:
        return []
    if kind in ("date_of_birth", "date") and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        def as_dates(f: _Fn) -> _Fn:
            return lambda v: f(_to_datetime(v))
    else:
        def as_dates(f: _Fn) -> _Fn:
            return f
    return rungs_of(str(column), s, as_dates, reference_date)
