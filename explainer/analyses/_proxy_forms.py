"""The forms in which a column is assessed as a proxy: numbers, text levels and coarser text.

:func:`_variants` returns, for one candidate column on the sampled rows, each form to
assess: an engineered numeric block, the column as numbers (dates as their integer time),
or text as integer codes of its most frequent levels, plus, for near-unique text such as
postcodes or email addresses, coarser forms (postcode district, email domain, leading
characters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from explainer.errors import InvalidInputError

__all__ = ["MAX_LEVELS", "NEAR_UNIQUE_LEVELS"]

#: Most frequent levels of a text or categorical column kept as their own level (target encoding keeps
#: small levels apart).
MAX_LEVELS = 500
#: A text column with more levels than this is near-unique: its coarser forms (postcode district,
#: email domain, leading characters) are assessed as well.
NEAR_UNIQUE_LEVELS = 50


def _text_levels(s: pd.Series, cap: int = MAX_LEVELS) -> np.ndarray:
    """Integer codes of the ``cap`` most frequent levels; rest 'other', missing its own."""
    vals = s.astype(object).where(s.notna(), None)
    as_str = vals.map(lambda v: "\x00missing" if v is None else str(v))
    top = as_str.value_counts(sort=True).index[:cap]
    mapping = {v: i for i, v in enumerate(top)}
    return np.asarray(as_str.map(mapping).fillna(len(top)).to_numpy(), dtype=np.float64)


_LEAD = re.compile(r"^\W*([0-9A-Za-z]+)")


def _derivations(s: pd.Series) -> list[tuple[str, pd.Series]]:
    """Coarser versions of a near-unique text column (postcode district, email domain)."""
    txt = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else str(v).strip())
    out: list[tuple[str, pd.Series]] = []
    present = txt.dropna()
    if len(present) == 0:
        return out
    if present.str.contains("@", regex=False).mean() > 0.5:
        out.append(("email domain", txt.map(lambda v: None if v is None else v.rsplit("@", 1)[-1].lower())))
    if present.str.contains(r"\s", regex=True).mean() > 0.5:
        out.append(("first block before a space", txt.map(lambda v: None if v is None else v.split()[0] if v.split() else "")))
    out.append((
        "leading alphanumeric block",
        txt.map(lambda v: None if v is None else (m.group(1) if (m := _LEAD.match(v)) else "")),
    ))
    for k in (2, 3, 4):
        out.append((f"first {k} characters", txt.map(lambda v, k=k: None if v is None else v[:k].upper())))
    n_raw = present.nunique()
    seen: set[tuple[int, ...]] = set()
    kept = []
    for name, d in out:
        n_lev = d.dropna().nunique()
        if not (1 < n_lev < n_raw):
            continue
        key = tuple(pd.factorize(d)[0][:200])
        if key in seen:
            continue
        seen.add(key)
        kept.append((name, d))
    return kept


def _is_text(s: pd.Series) -> bool:
    return bool(
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or pd.api.types.is_bool_dtype(s)
    )


def _numeric(s: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        out: np.ndarray = s.astype("int64").to_numpy().astype(np.float64)
        out[s.isna().to_numpy()] = np.nan
        return out
    try:
        return np.asarray(pd.to_numeric(s, errors="raise"), dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"column {name!r} of X must be numeric, text, categorical or boolean. Got dtype "
            f"{s.dtype}. Convert it or leave it out with columns=[...]."
        ) from err


_Variant = tuple[str, np.ndarray, bool, "np.ndarray | None"]


def _variants(X: pd.DataFrame, col: str, r: np.ndarray, enc_arrays: Mapping[str, Any]) -> list[_Variant]:
    """The forms of a column to assess on rows ``r``: (name, matrix, is categorical, levels or None)."""
    if col in enc_arrays:
        a = enc_arrays[col][r]
        Z = a.toarray() if hasattr(a, "toarray") else np.asarray(a)
        return [("encoded", np.asarray(Z, dtype=np.float64), False, None)]
    s = X[col].iloc[r].reset_index(drop=True)
    if not _is_text(s):
        return [("numeric", _numeric(s, col).reshape(-1, 1), False, None)]
    lev = _text_levels(s)
    n_raw = int(s.nunique(dropna=True))
    name = "categorical" if n_raw <= MAX_LEVELS else f"categorical (top {MAX_LEVELS} levels + other)"
    variants: list[_Variant] = [(name, lev.reshape(-1, 1), True, lev)]
    if n_raw > NEAR_UNIQUE_LEVELS and not pd.api.types.is_bool_dtype(s):
        for dname, d in _derivations(s):
            dl = _text_levels(d)
            variants.append((dname, dl.reshape(-1, 1), True, dl))
    return variants


