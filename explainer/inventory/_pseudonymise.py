"""Pseudonymise identifiers with a keyed hash, and generalise quasi-identifiers.

Two kinds of helper live here:

* :class:`Pseudonymiser` replaces identifiers (customer ids, emails, phone numbers) with
  keyed HMAC-SHA256 tokens. Without the key nobody can recompute a token from a guessed
  value. :func:`hash_identifier` refuses plain, unkeyed hashing, which can be reversed by
  trying every likely value.
* The generalisers (:func:`generalise_age`, :func:`generalise_date`,
  :func:`generalise_postcode`, :func:`generalise_numeric`, :func:`generalise_category`)
  coarsen quasi-identifiers so that fewer people share a rare combination. The privacy
  analysis (``explainer.analyses``) uses the same functions for its suggestions.

Pseudonymised data is still personal data: whoever holds the key can link tokens back.
Nothing here prints, logs or raises with a value of the data or the key.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, cast, overload

import numpy as np
import pandas as pd

from ..errors import DataFileNotFoundError, ExplainerError, ExplainerWarning, InvalidInputError

__all__ = [
    "KeyExposureError",
    "MIN_KEY_BYTES",
    "BROAD_AGE_BANDS",
    "Pseudonymiser",
    "hash_identifier",
    "unkeyed_hash",
    "generalise_age",
    "generalise_date",
    "generalise_postcode",
    "generalise_numeric",
    "generalise_category",
]

#: Shortest key accepted, in bytes (256 bits, the output size of SHA-256).
MIN_KEY_BYTES = 32

#: Shortest token accepted when tokens are truncated, in hex characters (64 bits).
_MIN_TOKEN_CHARS = 16

#: Lower edges of the broad age bands: under 18, 18-29, 30-44, 45-64, 65+.
BROAD_AGE_BANDS: tuple[int, ...] = (18, 30, 45, 65)

_KEY_HINT = (
    "Generate a key with: python -c \"import secrets; print(secrets.token_hex(32))\" "
    "and keep it out of the data and the code."
)
_HEX = re.compile(r"[0-9a-fA-F]+")


# --------------------------------------------------------------------------------------
# Keyed pseudonyms
# --------------------------------------------------------------------------------------


class KeyExposureError(ExplainerError, TypeError):
    """An operation would write a secret key somewhere (a pickle, a copy on disk)."""


def _parse_key_text(text: str) -> bytes:
    """Read a key written as hex (even length) or as raw text."""
    text = text.strip()
    if len(text) % 2 == 0 and _HEX.fullmatch(text):
        return bytes.fromhex(text)
    return text.encode("utf-8")


class Pseudonymiser:
    """Replace identifiers with keyed HMAC-SHA256 tokens.

    The token of a value is ``HMAC-SHA256(key, value)`` as lower-case hex. The same key
    and value always give the same token, so pseudonymised tables still join; another key
    gives unrelated tokens. Without the key, a token cannot be recomputed from a guessed
    email or phone number, unlike a plain hash.

    The key is never shown: not in ``repr``, ``str``, error messages or pickles
    (pickling is refused, so the key cannot leak into a saved model or cache).

    Parameters
    ----------
    key : bytes
        Secret key, at least 32 bytes (256 bits). Use :meth:`from_env` or
        :meth:`from_file` to read one written as hex or raw text.
    length : int or None, default=None
        Keep only the first ``length`` hex characters of each token (at least 16).
        ``None`` keeps all 64. Truncation raises the chance that two different values
        share a token: with ``n`` distinct values and ``b = 4 * length`` bits it is about
        ``n**2 / 2**(b + 1)``; for 10 million values that is about 3e-6 at 16 characters
        (64 bits) and negligible at 32 or more.

    Raises
    ------
    InvalidInputError
        If the key is not bytes or is shorter than 32 bytes, or ``length`` is out of range.

    Examples
    --------
    >>> p = Pseudonymiser(bytes(range(32)))
    >>> p
    Pseudonymiser(key=<hidden>, length=None)
    >>> len(p.token("customer-1042"))
    64
    >>> p.token("customer-1042") == p.token("customer-1042")
    True
    """

    __slots__ = ("_key", "_length")

    _key: bytes
    _length: int | None

    def __init__(self, key: bytes, *, length: int | None = None) -> None:
        if not isinstance(key, (bytes, bytearray)):
            raise InvalidInputError(
                f"key must be bytes of at least {MIN_KEY_BYTES} bytes. "
                f"Got an object of type {type(key).__name__}. "
                "Pass bytes, or use Pseudonymiser.from_env or Pseudonymiser.from_file "
                "to read a key written as hex."
            )
        if len(key) < MIN_KEY_BYTES:
            raise InvalidInputError(
                f"key must be at least {MIN_KEY_BYTES} bytes long. Got {len(key)} bytes. "
                + _KEY_HINT
            )
        if length is not None and (
            isinstance(length, bool)
            or not isinstance(length, (int, np.integer))
            or not _MIN_TOKEN_CHARS <= int(length) <= 64
        ):
            raise InvalidInputError(
                f"length must be None or an integer from {_MIN_TOKEN_CHARS} to 64. "
                f"Got {length!r}. Use None to keep the full 64-character token."
            )
        object.__setattr__(self, "_key", bytes(key))
        object.__setattr__(self, "_length", None if length is None else int(length))

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_env(
        cls, var: str = "EXPLAINER_PSEUDONYM_KEY", *, length: int | None = None
    ) -> Pseudonymiser:
        """Read the key from an environment variable, written as hex or raw text.

        Parameters
        ----------
        var : str, default="EXPLAINER_PSEUDONYM_KEY"
            Name of the environment variable.
        length : int or None, default=None
            Passed to :class:`Pseudonymiser`.

        Returns
        -------
        Pseudonymiser

        Raises
        ------
        InvalidInputError
            If the variable is not set, is empty, or holds fewer than 32 bytes.
        """
        text = os.environ.get(var)
        if text is None or not text.strip():
            state = "it is not set" if text is None else "it is empty"
            raise InvalidInputError(
                f"The environment variable {var!r} must hold a key of at least "
                f"{MIN_KEY_BYTES} bytes (64 hex characters). Got nothing: {state}. "
                + _KEY_HINT
            )
        key = _parse_key_text(text)
        if len(key) < MIN_KEY_BYTES:
            raise InvalidInputError(
                f"The key in the environment variable {var!r} must be at least "
                f"{MIN_KEY_BYTES} bytes long. Got {len(key)} bytes. " + _KEY_HINT
            )
        return cls(key, length=length)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, length: int | None = None) -> Pseudonymiser:
        """Read the key from a file, written as hex text, raw text or raw bytes.

        Surrounding whitespace is ignored for text. An even number of hex digits is read
        as hex (64 hex digits give 32 bytes); anything else is used as it is.

        Parameters
        ----------
        path : str or path-like
            The key file. Keep it outside the project folder and version control.
        length : int or None, default=None
            Passed to :class:`Pseudonymiser`.

        Returns
        -------
        Pseudonymiser

        Raises
        ------
        DataFileNotFoundError
            If the file does not exist.
        InvalidInputError
            If the file holds fewer than 32 bytes of key.
        """
        p = Path(path)
        if not p.is_file():
            raise DataFileNotFoundError(
                f"path must name an existing key file. Got {str(p)!r}, which does not exist. "
                + _KEY_HINT
            )
        raw = p.read_bytes()
        try:
            key = _parse_key_text(raw.decode("utf-8"))
        except UnicodeDecodeError:
            key = raw
        if len(key) < MIN_KEY_BYTES:
            raise InvalidInputError(
                f"The key file {p.name!r} must hold at least {MIN_KEY_BYTES} bytes of key. "
                f"Got {len(key)} bytes. " + _KEY_HINT
            )
        return cls(key, length=length)

    # -- tokens -----------------------------------------------------------------------

    @property
    def length(self) -> int | None:
        """Number of hex characters kept per token, or None for all 64."""
        return self._length

    def token(self, value: object) -> str:
        """Return the token of one value.

        Strings are encoded as UTF-8, bytes are used as they are, anything else is turned
        into text with ``str`` first (so ``42`` and ``"42"`` share a token, but ``42.0``
        does not).

        Parameters
        ----------
        value : str, bytes or object
            The identifier. Must not be missing.

        Returns
        -------
        str
            Lower-case hex HMAC-SHA256, truncated to ``length`` characters if set.

        Raises
        ------
        InvalidInputError
            If the value is missing (None or NaN).
        """
        if value is None or (not isinstance(value, (str, bytes)) and _is_missing_scalar(value)):
            raise InvalidInputError(
                "value must be a present identifier. Got a missing value. "
                "Use tokenise on a Series, which keeps missing values missing."
            )
        return self._token(value)

    def _token(self, value: object) -> str:
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
        else:
            data = (value if isinstance(value, str) else str(value)).encode("utf-8")
        digest = hmac.new(self._key, data, hashlib.sha256).hexdigest()
        return digest if self._length is None else digest[: self._length]

    @overload
    def tokenise(self, data: pd.Series, *, columns: None = None) -> pd.Series: ...

    @overload
    def tokenise(self, data: pd.DataFrame, *, columns: Sequence[Any]) -> pd.DataFrame: ...

    def tokenise(
        self, data: pd.Series | pd.DataFrame, *, columns: Sequence[Any] | None = None
    ) -> pd.Series | pd.DataFrame:
        """Return a copy of a Series or DataFrame with identifiers replaced by tokens.

        Missing values stay missing. Each distinct value is hashed once. A token follows the
        value it is given (see :meth:`token`): a column pandas read as numbers gives the tokens
        of ``123`` or ``1.0``, not of the ``00123`` or ``1`` written in the file. Read the
        columns to tokenise as the text written with
        ``explainer.read_table(path, text_columns=[...])`` (as ``explainer pseudonymise``
        does): surrounding whitespace removed, nothing else changed, an empty cell missing.

        Parameters
        ----------
        data : pandas.Series or pandas.DataFrame
            The values to pseudonymise. Not changed.
        columns : sequence of column names, default=None
            For a DataFrame, the columns to tokenise (required). Must be None for a Series.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Same type, index and names as ``data``; tokenised columns hold strings.

        Raises
        ------
        InvalidInputError
            If ``data`` is neither, or ``columns`` is missing or names absent columns.
        """
        if isinstance(data, pd.Series):
            if columns is not None:
                raise InvalidInputError(
                    "columns must be None when data is a Series. Got a list of "
                    f"{len(list(columns))} names. Pass a DataFrame to choose columns."
                )
            return self._tokenise_series(data)
        if isinstance(data, pd.DataFrame):
            if columns is None or isinstance(columns, (str, bytes)):
                got = "nothing" if columns is None else "a single string"
                raise InvalidInputError(
                    "columns must be a list of the DataFrame columns to tokenise. "
                    f"Got {got}. Pass for example columns=['customer_id', 'email']."
                )
            cols = list(columns)
            if not cols:
                raise InvalidInputError(
                    "columns must name at least one column. Got an empty list. "
                    "Name the identifier columns to tokenise."
                )
            missing = [c for c in cols if c not in data.columns]
            if missing:
                raise InvalidInputError(
                    f"columns must name columns of data. Got {missing[:5]!r}, which are "
                    f"not there ({len(missing)} in all). Columns include "
                    f"{[str(c) for c in list(data.columns)[:5]]!r}."
                )
            out = data.copy()
            for c in dict.fromkeys(cols):
                out[c] = self._tokenise_series(data[c])
            return out
        raise InvalidInputError(
            "data must be a pandas Series or DataFrame. "
            f"Got an object of type {type(data).__name__}. Wrap it with pandas.Series(...)."
        )

    def _tokenise_series(self, s: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        tokens = np.array([self._token(u) for u in uniques] + [np.nan], dtype=object)
        return pd.Series(tokens[codes], index=s.index, name=s.name, dtype=object)

    # -- no leaks ---------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Pseudonymiser(key=<hidden>, length={self._length!r})"

    __str__ = __repr__

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Pseudonymiser is immutable; create a new one instead.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Pseudonymiser is immutable; create a new one instead.")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise KeyExposureError(
            "A Pseudonymiser must not be pickled: the pickle would hold the secret key. "
            "Got a request to pickle or copy one. Store the key in a protected file or "
            "environment variable and rebuild with Pseudonymiser.from_file or from_env."
        )

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def __getstate__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def __copy__(self) -> Pseudonymiser:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Pseudonymiser:
        return self


def _is_missing_scalar(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_UNKEYED_REASON = (
    "A plain (unkeyed) hash such as SHA-256 or MD5 of an email address or phone number can "
    "be reversed by enumeration: there are only about 10**10 phone numbers and most email "
    "addresses can be guessed from names and common domains, so anyone can hash every "
    "candidate and match the hashes."
)


def unkeyed_hash(*args: object, **kwargs: object) -> NoReturn:
    """Refuse to hash identifiers without a key; always raises.

    This function exists so that a search for "hash" in the API finds the reason: an
    unkeyed hash of an identifier is reversible by enumeration. Use :class:`Pseudonymiser`.

    Raises
    ------
    InvalidInputError
        Always.
    """
    raise InvalidInputError(
        "Identifiers must be pseudonymised with a secret key. Got a request for an unkeyed "
        f"hash. {_UNKEYED_REASON} Use explainer.inventory.Pseudonymiser (keyed HMAC-SHA256) "
        "instead."
    )


def hash_identifier(
    values: pd.Series | Iterable[object],
    *,
    allow_unkeyed: bool = False,
    algorithm: Literal["sha256", "md5"] = "sha256",
) -> pd.Series:
    """Hash identifiers without a key, only when explicitly allowed.

    By default this refuses: an unkeyed hash of emails or phone numbers can be reversed by
    hashing every candidate value (enumeration). Use :class:`Pseudonymiser` instead. With
    ``allow_unkeyed=True`` it hashes, and warns with the reason.

    Parameters
    ----------
    values : pandas.Series or iterable
        The identifiers. Missing values stay missing.
    allow_unkeyed : bool, default=False
        Hash anyway. Only for values that are not guessable (for example random ids).
    algorithm : {"sha256", "md5"}, default="sha256"
        Hash function.

    Returns
    -------
    pandas.Series
        Hex digests, with the index and name of ``values`` if it was a Series.

    Raises
    ------
    InvalidInputError
        If ``allow_unkeyed`` is False, or ``algorithm`` is unknown.

    Warns
    -----
    ExplainerWarning
        When ``allow_unkeyed`` is True, with the reason the result is not a safe pseudonym.
    """
    if not allow_unkeyed:
        raise InvalidInputError(
            "hash_identifier must be given allow_unkeyed=True to hash without a key. "
            f"Got allow_unkeyed=False. {_UNKEYED_REASON} Use "
            "explainer.inventory.Pseudonymiser (keyed HMAC-SHA256) instead."
        )
    if algorithm not in ("sha256", "md5"):
        raise InvalidInputError(
            f"algorithm must be 'sha256' or 'md5'. Got {algorithm!r}. Prefer a Pseudonymiser."
        )
    warnings.warn(
        f"Unkeyed {algorithm} hashes are not safe pseudonyms. {_UNKEYED_REASON} "
        "Use explainer.inventory.Pseudonymiser unless the values are random and unguessable.",
        ExplainerWarning,
        stacklevel=2,
    )
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)

    def _h(v: object) -> str:
        data = bytes(v) if isinstance(v, (bytes, bytearray)) else str(v).encode("utf-8")
        return hashlib.new(algorithm, data).hexdigest()

    digests = np.array([_h(u) for u in uniques] + [np.nan], dtype=object)
    return pd.Series(digests[codes], index=s.index, name=s.name, dtype=object)


# --------------------------------------------------------------------------------------
# Generalisers
# --------------------------------------------------------------------------------------


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




_Parts = tuple[object, object, object]
_NO_PARTS: _Parts = (np.nan, np.nan, np.nan)


_POSTCODE = re.compile(
    r"\s*(?:([0-9]{5})(?:-?[0-9]{4})?|(([A-Z]{1,2})[0-9][A-Z0-9]?)(?:\s*([0-9])[A-Z]{2})?)\s*"
)


def _postcode_parts(text: str, country: str) -> _Parts:
    """(sector, district, area) of one postcode, or missing parts if it is not one."""
    m = _POSTCODE.fullmatch(text.upper())
    if m is None:
        return _NO_PARTS
    zip5, outward, area, inward_digit = m.groups()
    if zip5 is not None:
        return _NO_PARTS if country == "uk" else (zip5, zip5[:3], zip5[:1])
    if country == "us":
        return _NO_PARTS
    sector = np.nan if inward_digit is None else f"{outward} {inward_digit}"
    return (sector, outward, area)


def _postcode_levels(s: pd.Series, country: str) -> dict[str, pd.Series]:
    """All three levels of a column of postcodes, parsing each distinct value once."""
    if pd.api.types.is_integer_dtype(s.dtype) or (
        pd.api.types.is_float_dtype(s.dtype) and country != "uk"
    ):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        num = np.asarray(uniques, dtype="float64")
        ok = np.isfinite(num) & (num >= 0) & (num <= 99999) & (num == np.floor(num))
        parts = [
            _postcode_parts(f"{int(v):05d}", "us") if good else _NO_PARTS
            for v, good in zip(num, ok)
        ]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        parts = [
            _postcode_parts(u, country) if isinstance(u, str) else _NO_PARTS
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
