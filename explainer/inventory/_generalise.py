"""Generalisers: coarsen quasi-identifiers so that fewer people share a rare combination.

:func:`generalise_age`, :func:`generalise_date`, :func:`generalise_postcode`,
:func:`generalise_numeric` and :func:`generalise_category` each return a categorical
column of coarser labels. The privacy analysis (``explainer.analyses``) uses the same
functions for its suggestions. Nothing here prints, logs or raises with a value of the data.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ._postcodes import NO_PARTS, postcode_parts

__all__ = [
    "BROAD_AGE_BANDS",
    "generalise_age",
    "generalise_date",
    "generalise_postcode",
    "generalise_numeric",
    "generalise_category",
]

#: Lower edges of the broad age bands: under 18, 18-29, 30-44, 45-64, 65+.
BROAD_AGE_BANDS: tuple[int, ...] = (18, 30, 45, 65)


def _as_series(values: object, param: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (pd.Index, np.ndarray, list, tuple)):
        return pd.Series(values)
    raise InvalidInputError(
        f"{param} must be a pandas Series, array or list. Got an object of type "
        f"{type(values).__name__}. Pass a column, for example df['age']."
    )


def _labels_out(
    labels: np.ndarray, codes: np.ndarray, like: pd.Series, *, ordered: bool = True
) -> pd.Series:
    """Build a categorical Series from labels and integer codes (-1 means missing).

    ``labels`` may repeat or hold missing values; categories keep their first order.
    """
    label_codes, cats = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=True)
    label_codes = np.append(label_codes, -1)  # code -1 points at the last entry: missing
    final = label_codes[np.asarray(codes, dtype="int64")]
    cat = pd.Categorical.from_codes(final, categories=pd.Index(cats, dtype=object), ordered=ordered)
    return pd.Series(cat, index=like.index, name=like.name)


def _age_in_years(dob: pd.Series, reference_date: object) -> np.ndarray:
    ref = pd.Timestamp(reference_date if reference_date is not None else _dt.date.today())
    years = ref.year - dob.dt.year
    before_birthday = (dob.dt.month > ref.month) | (
        (dob.dt.month == ref.month) & (dob.dt.day > ref.day)
    )
    age = (years - before_birthday.astype("float64")).astype("float64")
    return np.asarray(age, dtype="float64")


def _is_datetime_like(s: pd.Series) -> bool:
    return bool(pd.api.types.is_datetime64_any_dtype(s.dtype))


def generalise_age(
    ages_or_dob: pd.Series | Sequence[object] | np.ndarray,
    bands: int | Sequence[int] = BROAD_AGE_BANDS,
    *,
    reference_date: _dt.date | str | pd.Timestamp | None = None,
) -> pd.Series:
    """Put ages, or dates of birth, into age bands.

    Parameters
    ----------
    ages_or_dob : pandas.Series, array or list
        Ages in years (numeric; fractions are floored) or dates of birth (datetime).
    bands : int or sequence of int, default=BROAD_AGE_BANDS
        An int ``w`` gives bands of width ``w`` from 0 ("0-9", "10-19", ...) up to a top
        band "90+" (very old ages are rare and identifying). A sequence gives the lower
        edges of the bands: ``(18, 30, 45, 65)`` gives "under 18", "18-29", "30-44",
        "45-64" and "65+".
    reference_date : date, str or None, default=None
        For dates of birth, the date at which age is measured. None uses today's date.

    Returns
    -------
    pandas.Series
        Band labels, as an ordered categorical in band order, same index and name. Missing values,
        negative ages and ages over 130 become missing.

    Raises
    ------
    InvalidInputError
        If ``bands`` is not a positive int or an increasing sequence of ages, or the
        values are neither numeric nor dates.

    Examples
    --------
    >>> generalise_age([17, 18, 29, 30, 64, 65, 80]).tolist()
    ['under 18', '18-29', '18-29', '30-44', '45-64', '65+', '65+']
    >>> generalise_age([7, 95], bands=10).tolist()
    ['0-9', '90+']
    """
    s = _as_series(ages_or_dob, "ages_or_dob")
    if _is_datetime_like(s):
        age = _age_in_years(s, reference_date)
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        age = np.floor(s.to_numpy(dtype="float64", na_value=np.nan))
    else:
        raise InvalidInputError(
            "ages_or_dob must be numeric ages or datetime dates of birth. "
            f"Got a column of dtype {s.dtype}. Convert dates with pandas.to_datetime."
        )
    if isinstance(bands, (int, np.integer)) and not isinstance(bands, bool):
        width = int(bands)
        if not 1 <= width <= 90:
            raise InvalidInputError(
                f"bands must be a band width from 1 to 90 years. Got {width}. Use 5 or 10."
            )
        edges = list(range(0, 90, width)) + [90]
        edges = sorted(set(edges))
        labels = [
            f"{lo}-{hi - 1}" if hi - 1 > lo else f"{lo}" for lo, hi in zip(edges[:-1], edges[1:])
        ]
        labels.append(f"{edges[-1]}+")
        lower = edges
    else:
        try:
            lower = [int(b) for b in cast(Sequence[int], bands)]
        except (TypeError, ValueError) as err:
            raise InvalidInputError(
                "bands must be an int width or a sequence of integer lower edges. Got an "
                f"object of type {type(bands).__name__}. Use for example (18, 30, 45, 65)."
            ) from err
        if not lower or any(b <= a for a, b in zip(lower[:-1], lower[1:])) or lower[0] < 0:
            raise InvalidInputError(
                "bands must be a non-empty, strictly increasing sequence of ages >= 0. "
                f"Got {len(lower)} edges that are not. Use for example (18, 30, 45, 65)."
            )
        labels = []
        if lower[0] > 0:
            labels.append(f"under {lower[0]}")
        for lo, hi in zip(lower[:-1], lower[1:]):
            labels.append(f"{lo}-{hi - 1}" if hi - 1 > lo else f"{lo}")
        labels.append(f"{lower[-1]}+")
        if lower[0] > 0:
            lower = [0, *lower]
    valid = np.isfinite(age) & (age >= 0) & (age <= 130)
    codes = np.searchsorted(np.asarray(lower, dtype="float64"), np.where(valid, age, 0), side="right") - 1
    codes = np.where(valid, codes, -1)
    return _labels_out(np.asarray(labels, dtype=object), codes, s)


def generalise_date(
    dates: pd.Series | Sequence[object] | np.ndarray,
    to: Literal["month", "year", "decade"] = "month",
) -> pd.Series:
    """Coarsen dates to their month, year or decade.

    Parameters
    ----------
    dates : pandas.Series, array or list
        Datetimes, or ISO 8601 strings ("1984-03-07").
    to : {"month", "year", "decade"}, default="month"
        "month" gives "1984-03", "year" gives "1984", "decade" gives "1980s".

    Returns
    -------
    pandas.Series
        Labels as an ordered categorical in time order, same index and name; missing or
        unreadable dates become missing.

    Raises
    ------
    InvalidInputError
        If ``to`` is not one of the options.

    Examples
    --------
    >>> generalise_date(["1984-03-07", "1979-12-31"], to="month").tolist()
    ['1984-03', '1979-12']
    >>> generalise_date(["1984-03-07"], to="decade").tolist()
    ['1980s']
    """
    if to not in ("month", "year", "decade"):
        raise InvalidInputError(
            f"to must be 'month', 'year' or 'decade'. Got {to!r}. Use 'month' for the least "
            "coarsening."
        )
    s = _as_series(dates, "dates")
    d = s if _is_datetime_like(s) else _to_datetime(s)
    year = d.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    if to == "month":
        key = year * 100 + d.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    elif to == "year":
        key = year
    else:
        key = year - year % 10
    codes, uniques = pd.factorize(key, use_na_sentinel=True, sort=True)
    u = np.asarray(uniques, dtype="int64")
    if to == "month":
        labels = [f"{k // 100:04d}-{k % 100:02d}" for k in u]
    elif to == "year":
        labels = [f"{k:04d}" for k in u]
    else:
        labels = [f"{k:04d}s" for k in u]
    return _labels_out(np.asarray(labels, dtype=object), codes, s)


def _to_datetime(s: pd.Series) -> pd.Series:
    """Parse ISO 8601 strings; anything unreadable becomes NaT. Never shows values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.Series(
            pd.to_datetime(s.astype(object), errors="coerce", format="ISO8601"),
            index=s.index,
            name=s.name,
        )




def _postcode_levels(s: pd.Series, country: str) -> dict[str, pd.Series]:
    """All three levels of a column of postcodes, parsing each distinct value once."""
    if pd.api.types.is_integer_dtype(s.dtype) or (
        pd.api.types.is_float_dtype(s.dtype) and country != "uk"
    ):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        num = np.asarray(uniques, dtype="float64")
        ok = np.isfinite(num) & (num >= 0) & (num <= 99999) & (num == np.floor(num))
        parts = [
            postcode_parts(f"{int(v):05d}", "us") if good else NO_PARTS
            for v, good in zip(num, ok)
        ]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        parts = [
            postcode_parts(u, country) if isinstance(u, str) else NO_PARTS
            for u in np.asarray(uniques, dtype=object)
        ]
    table = np.array(parts, dtype=object).reshape(len(parts), 3)
    return {
        level: _labels_out(table[:, i], codes, s, ordered=False)
        for i, level in enumerate(("sector", "district", "area"))
    }


def generalise_postcode(
    postcodes: pd.Series | Sequence[object] | np.ndarray,
    level: Literal["sector", "district", "area"] = "district",
    *,
    country: Literal["auto", "uk", "us"] = "auto",
) -> pd.Series:
    """Coarsen UK postcodes or US ZIP codes.

    UK postcodes ("SW1A 1AA"): "sector" keeps the outward code and the first digit of the
    inward code ("SW1A 1"), "district" keeps the outward code ("SW1A"), "area" keeps its
    leading letters ("SW"). US ZIP codes ("94105" or "94105-1234"): "sector" keeps the
    five digits, "district" the three-digit prefix ("941"), "area" the first digit ("9").
    Case and spaces are normalised first.

    Parameters
    ----------
    postcodes : pandas.Series, array or list
        Postcodes as text. US ZIP codes stored as integers are zero-padded to five digits.
    level : {"sector", "district", "area"}, default="district"
        How far to coarsen.
    country : {"auto", "uk", "us"}, default="auto"
        Which form to read; "auto" decides per value.

    Returns
    -------
    pandas.Series
        Labels as a categorical, same index and name. Missing values and values that are
        not postcodes of the chosen country become missing.

    Raises
    ------
    InvalidInputError
        If ``level`` or ``country`` is not one of the options.

    Examples
    --------
    >>> generalise_postcode(["SW1A 1AA", "94105-1234"]).tolist()
    ['SW1A', '941']
    >>> generalise_postcode(["SW1A 1AA", "m1 1ae"], level="area").tolist()
    ['SW', 'M']
    """
    if level not in ("sector", "district", "area"):
        raise InvalidInputError(
            f"level must be 'sector', 'district' or 'area'. Got {level!r}. "
            "Use 'district' for the outward code or ZIP3."
        )
    if country not in ("auto", "uk", "us"):
        raise InvalidInputError(
            f"country must be 'auto', 'uk' or 'us'. Got {country!r}. Use 'auto' to decide per value."
        )
    s = _as_series(postcodes, "postcodes")
    return _postcode_levels(s, country)[level]


def _fmt_edge(x: float) -> str:
    return f"{x:.6g}"


def generalise_numeric(
    values: pd.Series | Sequence[object] | np.ndarray,
    bins: int | Sequence[float],
) -> pd.Series:
    """Put numbers into bins: quantile bins (an int) or fixed edges (a sequence).

    Parameters
    ----------
    values : pandas.Series, array or list
        Numbers.
    bins : int or sequence of float
        An int ``q`` cuts at the quantiles into at most ``q`` bins of about equal size
        (fewer when values repeat). A sequence gives increasing bin edges; values outside
        the first and last edge fall into open bins "< first" and ">= last".

    Returns
    -------
    pandas.Series
        Bin labels "[a, b)" as an ordered categorical, same index and name; the top
        quantile bin is closed, "[a, b]". Missing values stay missing.

    Raises
    ------
    InvalidInputError
        If the values are not numeric, or ``bins`` is not an int >= 2 or increasing edges.

    Examples
    --------
    >>> generalise_numeric([1, 5, 10, 15], [0, 10]).tolist()
    ['[0, 10)', '[0, 10)', '>= 10', '>= 10']
    >>> generalise_numeric([1, 2, 3, 4], 2).tolist()
    ['[1, 2.5)', '[1, 2.5)', '[2.5, 4]', '[2.5, 4]']
    """
    s = _as_series(values, "values")
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        raise InvalidInputError(
            f"values must be numeric. Got a column of dtype {s.dtype}. "
            "Use generalise_category for categories."
        )
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    present = np.isfinite(x)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        q = int(bins)
        if q < 2:
            raise InvalidInputError(f"bins must be at least 2. Got {q}. Use for example 5.")
        if not present.any():
            return _labels_out(np.array([], dtype=object), np.full(len(x), -1), s)
        edges = np.unique(np.quantile(x[present], np.linspace(0, 1, q + 1)))
        if len(edges) == 1:
            single = np.array([f"[{_fmt_edge(edges[0])}, {_fmt_edge(edges[0])}]"], dtype=object)
            return _labels_out(single, np.where(present, 0, -1), s)
        inner = edges[1:-1]
        codes = np.searchsorted(inner, np.where(present, x, 0), side="right")
        q_labels = [
            f"[{_fmt_edge(a)}, {_fmt_edge(b)})" for a, b in zip(edges[:-2], edges[1:-1])
        ] + [f"[{_fmt_edge(edges[-2])}, {_fmt_edge(edges[-1])}]"]
        return _labels_out(np.asarray(q_labels, dtype=object), np.where(present, codes, -1), s)
    try:
        e = np.asarray([float(b) for b in cast(Sequence[float], bins)], dtype="float64")
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            "bins must be an int or a sequence of numbers. Got an object of type "
            f"{type(bins).__name__}. Use for example 5 or [0, 1000, 5000]."
        ) from err
    if e.size == 0 or np.any(np.diff(e) <= 0) or not np.all(np.isfinite(e)):
        raise InvalidInputError(
            f"bins must be finite, strictly increasing edges. Got {e.size} edges that are "
            "not. Use for example [0, 1000, 5000]."
        )
    e_labels = [f"< {_fmt_edge(e[0])}"]
    e_labels += [f"[{_fmt_edge(a)}, {_fmt_edge(b)})" for a, b in zip(e[:-1], e[1:])]
    e_labels.append(f">= {_fmt_edge(e[-1])}")
    e_codes = np.searchsorted(e, np.where(present, x, 0), side="right")
    return _labels_out(np.asarray(e_labels, dtype=object), np.where(present, e_codes, -1), s)


def generalise_category(
    values: pd.Series | Sequence[object] | np.ndarray,
    top_n: int = 10,
    *,
    other: str = "other",
) -> pd.Series:
    """Keep the ``top_n`` most common values and replace the rest with ``other``.

    Ties in frequency are broken by first appearance. Missing values stay missing.

    Parameters
    ----------
    values : pandas.Series, array or list
        Categories.
    top_n : int, default=10
        How many of the most common values to keep (at least 1).
    other : str, default="other"
        Label of everything else.

    Returns
    -------
    pandas.Series
        A categorical, same index and name.

    Raises
    ------
    InvalidInputError
        If ``top_n`` is below 1.

    Examples
    --------
    >>> generalise_category(["a", "a", "b", "c"], top_n=1).tolist()
    ['a', 'a', 'other', 'other']
    """
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise InvalidInputError(
            f"top_n must be an integer of at least 1. Got {top_n!r}. Use for example 10."
        )
    s = _as_series(values, "values")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    keep = np.zeros(len(uniques), dtype=bool)
    keep[order[: int(top_n)]] = True
    labels = np.array(
        [u if k else other for u, k in zip(np.asarray(uniques, dtype=object), keep)], dtype=object
    )
    return _labels_out(labels, codes, s, ordered=False)
