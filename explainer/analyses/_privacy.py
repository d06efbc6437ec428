"""Re-identification risk: k-anonymity, l-diversity and generalisation suggestions.

Rows that share the same values of the quasi-identifiers (age, postcode, gender, ...) form an
*equivalence class*. Someone who knows a person's quasi-identifiers can narrow them down to
their class; a class of one singles the person out. This module measures the class sizes,
how varied the sensitive values are inside each class, and which coarsening steps (age bands,
postcode districts, month instead of day) would make every class at least ``k_threshold``
rows big.

Everything reported is counts, shares and plain-word steps; no value of the data is shown.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from ..errors import InvalidInputError
from ..inventory._generalise import (
    BROAD_AGE_BANDS,
    _to_datetime,
    generalise_age,
    generalise_category,
    generalise_date,
    generalise_numeric,
    _postcode_levels,
)
from ..inventory._patterns import name_tokens
from ..inventory._postcodes import UK_FULL as _UK_FULL
from ..inventory._postcodes import UK_OUTWARD as _UK_POSTCODE
from ..inventory._postcodes import US_ZIP as _US_ZIP

__all__ = [
    "GeneralisationStep",
    "ReidentificationResult",
    "quasi_identifiers_from_inventory",
    "reidentification_risk",
]

GeneraliserKind = Literal["date_of_birth", "date", "age", "postcode", "numeric", "category", "none"]
_KINDS: tuple[str, ...] = ("date_of_birth", "date", "age", "postcode", "numeric", "category", "none")

_BIRTH_TOKENS = frozenset({"dob", "birth", "birthdate", "birthday", "dateofbirth", "born"})
_DATE_TOKENS = frozenset({"date", "dt", "day", "time", "timestamp", "datetime", "at", "on"}) | _BIRTH_TOKENS
_AGE_TOKENS = frozenset({"age", "ageyears", "agey"})
_POSTCODE_TOKENS = frozenset({"zip", "zipcode", "postcode", "postalcode", "postal", "plz"})
_SAMPLE_UNIQUES = 5000


def _tokens(column: object) -> set[str]:
    return set(name_tokens(column))


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneralisationStep:
    """One coarsening step and the risk measured after it (and all earlier steps).

    Attributes
    ----------
    column : str
        The quasi-identifier coarsened.
    description : str
        The step in plain words, for example "date_of_birth to 10-year age bands".
    k_after : int
        Smallest equivalence class size after the step.
    unique_share_after : float
        Share of rows alone in their class after the step.
    share_below_threshold_after : float
        Share of rows in classes smaller than ``k_threshold`` after the step.
    n_classes_after : int
        Number of equivalence classes after the step.
    """

    column: str
    description: str
    k_after: int
    unique_share_after: float
    share_below_threshold_after: float
    n_classes_after: int

    def to_dict(self) -> dict[str, Any]:
        """Return the step as a JSON-ready dict."""
        return {
            "column": self.column,
            "description": self.description,
            "k_after": self.k_after,
            "unique_share_after": self.unique_share_after,
            "share_below_threshold_after": self.share_below_threshold_after,
            "n_classes_after": self.n_classes_after,
        }


@dataclass(frozen=True)
class ReidentificationResult(HTMLDisplay):
    """Re-identification risk of a table, measured over its quasi-identifiers.

    How to read it: ``k`` is the size of the smallest group of rows that share all
    quasi-identifier values; ``k = 1`` means at least one person is singled out by them.
    ``unique_share`` is the share of rows that are alone in their group. ``l_diversity``
    gives, per sensitive column, the fewest distinct sensitive values found in any group:
    ``l = 1`` means that someone who finds a person's group learns their sensitive value.

    Attributes
    ----------
    quasi_identifiers, sensitive_columns : tuple of str
        The columns measured.
    k_threshold : int
        The smallest class size aimed for.
    n_rows, n_classes : int
        Rows in the table and equivalence classes over the quasi-identifiers.
    k : int
        Smallest class size (k-anonymity).
    unique_share : float
        Share of rows in classes of size 1.
    share_below_threshold : float
        Share of rows in classes smaller than ``k_threshold``.
    class_size_distribution : dict of int to int
        Class size -> number of classes of that size (counts only, no values).
    l_diversity : dict of str to int
        Distinct l-diversity per sensitive column.
    entropy_l_diversity : dict of str to float
        Entropy l-diversity per sensitive column: ``exp`` of the smallest entropy (natural
        log) of the sensitive values within a class. Empty if not asked for.
    missing_counts : dict of str to int
        Missing values per quasi-identifier; a missing value counts as a value of its own.
    generaliser_kinds : dict of str to str
        Which built-in generaliser was chosen for each quasi-identifier ("none" if none fits).
    suggestions : tuple of GeneralisationStep
        Greedy coarsening steps, in order, each with the risk reached after it.
    reached_threshold : bool
        True if ``k >= k_threshold`` as given, or after the suggested steps.
    reference_date : str or None
        Date at which ages were measured from dates of birth (ISO format), if
        ``reference_date`` was given and a date of birth was generalised; None when dates
        of birth were grouped by birth cohort (which does not depend on the day).
    notes : tuple of str
        Plain-language notes on how the numbers were computed.
    """

    quasi_identifiers: tuple[str, ...]
    sensitive_columns: tuple[str, ...]
    k_threshold: int
    n_rows: int
    n_classes: int
    k: int
    unique_share: float
    share_below_threshold: float
    class_size_distribution: dict[int, int]
    l_diversity: dict[str, int]
    entropy_l_diversity: dict[str, float] = field(default_factory=dict)
    missing_counts: dict[str, int] = field(default_factory=dict)
    generaliser_kinds: dict[str, str] = field(default_factory=dict)
    suggestions: tuple[GeneralisationStep, ...] = ()
    reached_threshold: bool = False
    reference_date: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_unique(self) -> int:
        """Number of rows alone in their class."""
        return int(self.class_size_distribution.get(1, 0))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the result (counts, shares and words only)."""
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive_columns": list(self.sensitive_columns),
            "k_threshold": self.k_threshold,
            "n_rows": self.n_rows,
            "n_classes": self.n_classes,
            "k": self.k,
            "unique_share": self.unique_share,
            "share_below_threshold": self.share_below_threshold,
            "class_size_distribution": [
                {"class_size": int(s), "n_classes": int(c)}
                for s, c in sorted(self.class_size_distribution.items())
            ],
            "l_diversity": dict(self.l_diversity),
            "entropy_l_diversity": dict(self.entropy_l_diversity),
            "missing_counts": dict(self.missing_counts),
            "generaliser_kinds": dict(self.generaliser_kinds),
            "suggestions": [s.to_dict() for s in self.suggestions],
            "reached_threshold": self.reached_threshold,
            "reference_date": self.reference_date,
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """Return the risk as given and after each suggested step, one row per stage.

        Returns
        -------
        pandas.DataFrame
            Columns ``step`` (0 is the data as given), ``column``, ``change``, ``k``,
            ``unique_share``, ``share_below_threshold`` and ``n_classes``.
        """
        rows: list[dict[str, Any]] = [
            {
                "step": 0,
                "column": None,
                "change": "as given",
                "k": self.k,
                "unique_share": self.unique_share,
                "share_below_threshold": self.share_below_threshold,
                "n_classes": self.n_classes,
            }
        ]
        for i, s in enumerate(self.suggestions, start=1):
            rows.append(
                {
                    "step": i,
                    "column": s.column,
                    "change": s.description,
                    "k": s.k_after,
                    "unique_share": s.unique_share_after,
                    "share_below_threshold": s.share_below_threshold_after,
                    "n_classes": s.n_classes_after,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (f"ReidentificationResult(k={self.k} over {len(self.quasi_identifiers)} quasi-identifiers, "
                f"{self.unique_share:.1%} of {self.n_rows} rows alone in their class, "
                f"k_threshold={self.k_threshold}, {len(self.suggestions)} suggested steps)")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._groupstats import _records

        return "reidentification_result", {
            "quasi_identifiers": list(map(str, self.quasi_identifiers)), "n_rows": self.n_rows,
            "n_classes": self.n_classes, "k": self.k, "k_threshold": self.k_threshold,
            "unique_share": self.unique_share, "reached_threshold": self.reached_threshold,
            "l_diversity": {str(c): int(v) for c, v in self.l_diversity.items()},
            "steps": _records(self.to_frame()), "notes": list(self.notes),
        }

    def plot(self, ax: Any = None) -> Any:
        """Plot the share of rows alone in their class, as given and after each step.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made if None.

        Returns
        -------
        matplotlib Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        frame = self.to_frame()
        ax.plot(frame["step"], frame["unique_share"], marker="o", label="share of rows singled out")
        ax.plot(
            frame["step"],
            frame["share_below_threshold"],
            marker="s",
            label=f"share in groups smaller than {self.k_threshold}",
        )
        ax.set_xticks(list(frame["step"]))
        ax.set_xlabel("generalisation step (0 = as given)")
        ax.set_ylabel("share of rows")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper right", fontsize="small")
        return ax


# --------------------------------------------------------------------------------------
# Equivalence classes
# --------------------------------------------------------------------------------------


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column, with missing values as one code of their own."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return codes.astype("int64", copy=False), max(len(uniques), 1)


def _class_ids(code_list: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """Combine per-column codes into one class id per row (0..n_classes-1)."""
    key, card = code_list[0][0], code_list[0][1]
    for c, m in code_list[1:]:
        if card * m >= 2**62:
            key, uniq = pd.factorize(key)
            card = len(uniq)
        key = key * m + c
        card = card * m
    ids, uniq = pd.factorize(key)
    return ids.astype("int64", copy=False), len(uniq)


@dataclass(frozen=True)
class _Risk:
    k: int
    unique_share: float
    share_below: float
    n_classes: int


def _risk(code_list: Sequence[tuple[np.ndarray, int]], n: int, k_threshold: int) -> tuple[_Risk, np.ndarray, np.ndarray]:
    ids, n_classes = _class_ids(code_list)
    sizes = np.bincount(ids, minlength=n_classes)
    risk = _Risk(
        k=int(sizes.min()),
        unique_share=float((sizes == 1).sum()) / n,
        share_below=float(sizes[sizes < k_threshold].sum()) / n,
        n_classes=int(n_classes),
    )
    return risk, ids, sizes


def _l_diversity(ids: np.ndarray, n_classes: int, sizes: np.ndarray, s: pd.Series) -> tuple[int, float]:
    sc, m = _codes(s)
    pair = ids * m + sc
    upair, counts = np.unique(pair, return_counts=True)
    cls = upair // m
    distinct = np.bincount(cls, minlength=n_classes)
    p = counts / sizes[cls]
    ent = np.bincount(cls, weights=-p * np.log(p), minlength=n_classes)
    return int(distinct.min()), float(math.exp(max(float(ent.min()), 0.0)))


# --------------------------------------------------------------------------------------
# Generaliser ladders
# --------------------------------------------------------------------------------------


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


def _infer_kind(column: object, s: pd.Series) -> str:
    """Choose a generaliser kind from the dtype, the column name and the form of values.

    Looks at values only to test their form (a regular expression or a date parse); no
    value is kept or shown.
    """
    tokens = _tokens(column)
    is_birth = bool(tokens & _BIRTH_TOKENS)
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date_of_birth" if is_birth else "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "none"
    if pd.api.types.is_numeric_dtype(dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = x[np.isfinite(x)]
        if tokens & _AGE_TOKENS and finite.size and finite.min() >= 0 and finite.max() <= 130:
            return "age"
        if (
            tokens & _POSTCODE_TOKENS
            and _is_int_valued(x)
            and finite.min() >= 0
            and finite.max() <= 99999
        ):
            return "postcode"
        return "numeric" if pd.unique(finite).size > 10 else "category"
    values = _sample_uniques(s)
    # Full UK postcodes and ZIP codes are distinctive; bare outward codes ("M1") are not,
    # so those count only when the column name says postcode.
    if _share_matching(values, _UK_FULL) + _share_matching(values, _US_ZIP) >= 0.8:
        return "postcode"
    if tokens & _POSTCODE_TOKENS and _share_matching(values, _UK_POSTCODE) + _share_matching(
        values, _US_ZIP
    ) >= 0.8:
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


def _ladder(column: object, s: pd.Series, kind: str, reference_date: _dt.date | None) -> list[_Rung]:
    name = str(column)
    if kind in ("date_of_birth", "date") and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        def as_dates(f: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
            return lambda v: f(_to_datetime(v))
    else:
        def as_dates(f: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
            return f
    broad = ", ".join(
        ["under 18"]
        + [f"{a}-{b - 1}" for a, b in zip(BROAD_AGE_BANDS[:-1], BROAD_AGE_BANDS[1:])]
        + [f"{BROAD_AGE_BANDS[-1]}+"]
    )
    if kind == "date_of_birth" and reference_date is None:
        # birth cohorts: the same whatever the day the check runs
        return [
            _Rung(f"{name} to year of birth", as_dates(lambda v: generalise_date(v, to="year"))),
            _Rung(f"{name} to decade of birth (10-year birth cohorts)",
                  as_dates(lambda v: generalise_date(v, to="decade"))),
            _Rung(f"{name} to 20-year birth cohorts (two decades of birth together)",
                  as_dates(_birth_cohorts(_BROAD_COHORT_YEARS))),
        ]
    if kind == "date_of_birth":
        return [
            _Rung(f"{name} to year of birth", as_dates(lambda v: generalise_date(v, to="year"))),
            _Rung(
                f"{name} to 10-year age bands",
                as_dates(lambda v: generalise_age(v, 10, reference_date=reference_date)),
            ),
            _Rung(
                f"{name} to broad age bands ({broad})",
                as_dates(lambda v: generalise_age(v, BROAD_AGE_BANDS, reference_date=reference_date)),
            ),
        ]
    if kind == "date":
        return [
            _Rung(f"{name} to month", as_dates(lambda v: generalise_date(v, to="month"))),
            _Rung(f"{name} to year", as_dates(lambda v: generalise_date(v, to="year"))),
        ]
    if kind == "age":
        return [
            _Rung(f"{name} to 5-year age bands", lambda v: generalise_age(v, 5)),
            _Rung(f"{name} to 10-year age bands", lambda v: generalise_age(v, 10)),
            _Rung(f"{name} to broad age bands ({broad})", lambda v: generalise_age(v, BROAD_AGE_BANDS)),
        ]
    if kind == "postcode":
        if pd.api.types.is_numeric_dtype(s.dtype):
            has_uk_full, has_uk, has_us = False, False, True
        else:
            values = _sample_uniques(s)
            has_uk_full = any(_UK_FULL.fullmatch(v) for v in values)
            has_uk = any(_UK_POSTCODE.fullmatch(v) and not _US_ZIP.fullmatch(v) for v in values)
            has_us = any(_US_ZIP.fullmatch(v) for v in values)
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
    if kind == "numeric":
        n_distinct = int(s.nunique(dropna=True))
        return [
            _Rung(f"{name} to {q} quantile bins", _numeric_bins(q))
            for q in (10, 5, 3)
            if q < n_distinct
        ]
    if kind == "category":
        n_distinct = int(s.nunique(dropna=True))
        return [
            _Rung(
                f"{name} to its {q} most common values plus 'other'",
                _top_categories(q),
            )
            for q in (10, 5, 2)
            if q + 1 < n_distinct
        ]
    return []


# --------------------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------------------


def _check_columns(df: pd.DataFrame, cols: Sequence[Any], param: str) -> list[Any]:
    if isinstance(cols, (str, bytes)):
        cols = [cols]
    cols = list(dict.fromkeys(cols))
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"{param} must name columns of df. Got {[str(c) for c in missing[:5]]!r}, which are "
            f"not there ({len(missing)} in all). Columns include "
            f"{[str(c) for c in list(df.columns)[:5]]!r}."
        )
    return cols


def reidentification_risk(
    df: pd.DataFrame,
    *,
    quasi_identifiers: Sequence[Any],
    sensitive_columns: Sequence[Any] = (),
    k_threshold: int = 5,
    generalise: bool = True,
    column_kinds: Mapping[Any, GeneraliserKind] | None = None,
    reference_date: _dt.date | str | None = None,
    entropy_l_diversity: bool = True,
) -> ReidentificationResult:
    """Measure k-anonymity and l-diversity, and suggest generalisation steps.

    Rows that share all quasi-identifier values form an equivalence class. ``k`` is the
    smallest class size: every person is indistinguishable from at least ``k - 1`` others
    by these columns. Distinct l-diversity of a sensitive column is the smallest number of
    distinct sensitive values in a class. Missing values count as a value of their own.

    With ``generalise=True`` a built-in generaliser is chosen for each quasi-identifier
    from its dtype, name and form (dates of birth: year, decade and 20-year cohorts of
    birth, or with ``reference_date`` year of birth, 10-year and broad age bands;
    dates: month, year; ages: 5-year, 10-year and broad bands; UK postcodes: sector,
    district, area; US ZIP codes: 3-digit prefix, first digit; numbers: 10, 5, 3 quantile
    bins; categories: the 10, 5, 2 most common values plus "other"). Steps are then taken
    greedily: each step moves the one quasi-identifier whose next coarsening gives the
    largest ``k`` (ties: the smallest share of rows below ``k_threshold``, then the
    smallest unique share, then column order), until ``k >= k_threshold`` or no step is left.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, one row per person.
    quasi_identifiers : sequence of column names
        Columns someone could know or look up about a person (age, postcode, gender, ...).
    sensitive_columns : sequence of column names, default=()
        Columns whose values should not be learnt from a person's class.
    k_threshold : int, default=5
        Smallest class size aimed for.
    generalise : bool, default=True
        Compute generalisation suggestions.
    column_kinds : mapping of column name to kind, default=None
        Override the inferred generaliser for some quasi-identifiers: one of
        "date_of_birth", "date", "age", "postcode", "numeric", "category", "none".
    reference_date : date, str or None, default=None
        Date at which ages are measured from dates of birth. With a date, the steps for a
        date of birth are year of birth, 10-year and broad age bands at that date, and the
        date is recorded in the result. None groups dates of birth by year of birth, decade
        of birth and 20-year birth cohorts instead: steps that do not depend on the day the
        check runs, so the same data always gives the same result.
    entropy_l_diversity : bool, default=True
        Also compute entropy l-diversity.

    Returns
    -------
    ReidentificationResult

    Raises
    ------
    InvalidInputError
        If ``df`` is not a non-empty DataFrame, ``quasi_identifiers`` is empty or names
        absent columns, a sensitive column is absent or also a quasi-identifier, or an
        option is out of range.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [30, 31, 41, 44], "sex": ["f", "f", "m", "m"]})
    >>> r = reidentification_risk(df, quasi_identifiers=["age", "sex"], k_threshold=2)
    >>> r.k, r.unique_share
    (1, 1.0)
    >>> [(s.description, s.k_after) for s in r.suggestions]
    [('age to 5-year age bands', 2)]
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(
            f"df must be a pandas DataFrame. Got an object of type {type(df).__name__}. "
            "Load the data with pandas first."
        )
    if len(df) == 0:
        raise InvalidInputError(
            "df must have at least one row. Got 0 rows. Pass the table to assess."
        )
    if quasi_identifiers is None or (
        not isinstance(quasi_identifiers, (str, bytes)) and len(list(quasi_identifiers)) == 0
    ):
        raise InvalidInputError(
            "quasi_identifiers must name at least one column. Got an empty list. "
            "Name the columns someone could know about a person, such as age or postcode."
        )
    qis = _check_columns(df, quasi_identifiers, "quasi_identifiers")
    sens = _check_columns(df, sensitive_columns, "sensitive_columns")
    overlap = [c for c in sens if c in qis]
    if overlap:
        raise InvalidInputError(
            "sensitive_columns must not also be quasi_identifiers. Got "
            f"{[str(c) for c in overlap[:5]]!r} in both. Remove them from one of the lists."
        )
    if isinstance(k_threshold, bool) or not isinstance(k_threshold, (int, np.integer)) or k_threshold < 1:
        raise InvalidInputError(
            f"k_threshold must be an integer of at least 1. Got {k_threshold!r}. Use for example 5."
        )
    k_threshold = int(k_threshold)
    kinds_override = dict(column_kinds or {})
    bad = [c for c in kinds_override if c not in qis]
    if bad:
        raise InvalidInputError(
            "column_kinds must only name quasi_identifiers. Got "
            f"{[str(c) for c in bad[:5]]!r}, which are not. Add them to quasi_identifiers or drop them."
        )
    bad_kinds = sorted({str(v) for v in kinds_override.values() if v not in _KINDS})
    if bad_kinds:
        raise InvalidInputError(
            f"column_kinds values must be one of {list(_KINDS)!r}. Got {bad_kinds[:5]!r}. "
            "Use 'none' to leave a column as it is."
        )

    n = len(df)
    base_codes = {c: _codes(df[c]) for c in qis}
    risk0, ids0, sizes0 = _risk([base_codes[c] for c in qis], n, k_threshold)
    dist_vals, dist_counts = np.unique(sizes0, return_counts=True)
    class_size_distribution = {int(s): int(c) for s, c in zip(dist_vals, dist_counts)}

    l_div: dict[str, int] = {}
    l_ent: dict[str, float] = {}
    for c in sens:
        l_d, l_e = _l_diversity(ids0, risk0.n_classes, sizes0, df[c])
        l_div[str(c)] = l_d
        if entropy_l_diversity:
            l_ent[str(c)] = l_e

    missing_counts = {str(c): int(df[c].isna().sum()) for c in qis}
    notes: list[str] = []
    with_missing = [c for c, m in missing_counts.items() if m]
    if with_missing:
        n_rows_missing = int(df[qis].isna().any(axis=1).sum())
        notes.append(
            f"{n_rows_missing} of {n} rows have a missing value in at least one quasi-identifier "
            f"({', '.join(with_missing)}). A missing value is treated as a value of its own: "
            "rows missing the same columns can fall in one class."
        )
    sens_missing = [str(c) for c in sens if df[c].isna().any()]
    if sens_missing:
        notes.append(
            f"Missing values in {', '.join(sens_missing)} count as one distinct sensitive "
            "value in l-diversity."
        )

    kinds: dict[str, str] = {}
    steps: list[GeneralisationStep] = []
    ref: _dt.date | None = None
    given_ref = None if reference_date is None else pd.Timestamp(reference_date).date()
    if generalise:
        ladders: dict[Any, list[_Rung]] = {}
        for c in qis:
            kind = kinds_override.get(c) or _infer_kind(c, df[c])
            kinds[str(c)] = kind
            if kind == "date_of_birth":
                ref = given_ref
            ladders[c] = _ladder(c, df[c], kind, given_ref)
        if given_ref is None and "date_of_birth" in kinds.values():
            notes.append(
                "Dates of birth are grouped by year of birth and birth cohort, which do not depend "
                "on the day the check runs. Pass reference_date to group them by age at a date."
            )
        no_step = [str(c) for c in qis if not ladders[c]]
        if no_step:
            notes.append(
                f"No built-in generaliser fits {', '.join(no_step)} (too few distinct values "
                "or an unrecognised form), so the suggestions leave "
                f"{'it' if len(no_step) == 1 else 'them'} as given."
            )
        if ref is not None:
            notes.append(f"Ages were measured from dates of birth at {ref.isoformat()}.")

        level = {c: 0 for c in qis}
        current = dict(base_codes)
        cache: dict[tuple[Any, int], tuple[np.ndarray, int]] = {}
        risk = risk0
        while risk.k < k_threshold:
            best: tuple[tuple[int, float, float, int], Any, _Risk] | None = None
            for pos, c in enumerate(qis):
                if level[c] >= len(ladders[c]):
                    continue
                key = (c, level[c])
                if key not in cache:
                    cache[key] = _codes(ladders[c][level[c]].apply(df[c]))
                trial = [cache[key] if q == c else current[q] for q in qis]
                r, _, _ = _risk(trial, n, k_threshold)
                score = (r.k, -r.share_below, -r.unique_share, -pos)
                if best is None or score > best[0]:
                    best = (score, c, r)
            if best is None:
                break
            _, c, risk = best
            current[c] = cache.pop((c, level[c]))
            steps.append(
                GeneralisationStep(
                    column=str(c),
                    description=ladders[c][level[c]].description,
                    k_after=risk.k,
                    unique_share_after=risk.unique_share,
                    share_below_threshold_after=risk.share_below,
                    n_classes_after=risk.n_classes,
                )
            )
            level[c] += 1
        reached = risk.k >= k_threshold
        if risk0.k >= k_threshold:
            notes.append(f"k already reaches k_threshold={k_threshold}; no generalisation is needed.")
        elif not reached:
            notes.append(
                f"The built-in generalisations reach k={risk.k}, below k_threshold={k_threshold}. "
                "Consider removing a quasi-identifier from the data or suppressing rare rows."
            )
    else:
        reached = risk0.k >= k_threshold

    return ReidentificationResult(
        quasi_identifiers=tuple(str(c) for c in qis),
        sensitive_columns=tuple(str(c) for c in sens),
        k_threshold=k_threshold,
        n_rows=n,
        n_classes=risk0.n_classes,
        k=risk0.k,
        unique_share=risk0.unique_share,
        share_below_threshold=risk0.share_below,
        class_size_distribution=class_size_distribution,
        l_diversity=l_div,
        entropy_l_diversity=l_ent,
        missing_counts=missing_counts,
        generaliser_kinds=kinds,
        suggestions=tuple(steps),
        reached_threshold=reached,
        reference_date=None if ref is None else ref.isoformat(),
        notes=tuple(notes),
    )


#: Inventory categories whose columns someone could know or look up about a person.
QUASI_IDENTIFIER_CATEGORIES = ("demographic", "location")


def quasi_identifiers_from_inventory(df: pd.DataFrame, inventory: Any) -> list[str]:
    """Choose the quasi-identifiers of a table from its data inventory.

    The rule, in order of the table's columns:

    1. columns whose role is ``target``, ``item`` or ``identifier`` and columns of the
       ``special_category`` category are never quasi-identifiers (identifiers single a
       person out on their own; special-category columns are what must not be learnt);
    2. every ``demographic`` column is one (date of birth, age, age band, gender, ...);
    3. a ``location`` column is one when it holds text (postcode, town, region) or reads as
       postcodes or ZIP codes; numeric location columns (coordinates, or counts whose name
       mentions a place) are left out: pass them explicitly if they should count;
    4. any other column whose name says birth and whose values read as dates is one.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (values are read only to test their form, never kept).
    inventory : DataInventory
        What each column is; columns it lacks are skipped.

    Returns
    -------
    list of str
        The chosen columns, possibly empty.
    """
    out: list[str] = []
    for col in df.columns:
        if col not in inventory:
            continue
        rec = inventory[col]
        if rec.role in ("target", "item", "identifier") or rec.category == "special_category":
            continue
        s = df[col]
        if rec.category == "demographic":
            out.append(str(col))
        elif rec.category == "location":
            if not pd.api.types.is_numeric_dtype(s.dtype) or _infer_kind(col, s) == "postcode":
                out.append(str(col))
        elif _tokens(col) & _BIRTH_TOKENS and _infer_kind(col, s) == "date_of_birth":
            out.append(str(col))
    return out
