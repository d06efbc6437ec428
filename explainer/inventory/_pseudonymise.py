"""Pseudonymise identifiers with a keyed hash.

* :class:`Pseudonymiser` replaces identifiers (customer ids, emails, phone numbers) with
  keyed HMAC-SHA256 tokens. Without the key nobody can recompute a token from a guessed
  value. :func:`hash_identifier` refuses plain, unkeyed hashing, which can be reversed by
  trying every likely value.
* The generalisers that coarsen quasi-identifiers live in :mod:`._generalise`.

Pseudonymised data is still personal data: whoever holds the key can link tokens back.
Nothing here prints, logs or raises with a value of the data or the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

import numpy as np
import pandas as pd

from ..errors import DataFileNotFoundError, ExplainerError, ExplainerWarning, InvalidInputError
from .._messages import columns_include

__all__ = [
    "KeyExposureError",
    "MIN_KEY_BYTES",
    "Pseudonymiser",
    "hash_identifier",
    "unkeyed_hash",
]

#: Shortest key accepted, in bytes (256 bits, the output size of SHA-256).
MIN_KEY_BYTES = 32

#: Shortest token accepted when tokens are truncated, in hex characters (64 bits).
_MIN_TOKEN_CHARS = 16

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
                    f"not there ({len(missing)} in all). {columns_include(data.columns)}"
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
