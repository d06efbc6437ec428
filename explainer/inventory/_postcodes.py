"""Postcodes: the one grammar of UK postcodes and US ZIP codes that the package reads.

Every reader of postcodes is built here from the same pieces:

* :func:`is_postcode` and :func:`is_zip5`, the scanner's value patterns (strict forms
  that are rarely anything else);
* :data:`UK_FULL`, :data:`UK_OUTWARD` and :data:`US_ZIP`, the forms the privacy analysis
  matches on normalised text (upper case, single spaces) to choose a generaliser;
* :func:`postcode_parts`, the (sector, district, area) of one postcode for
  :func:`~explainer.inventory.generalise_postcode`.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["UK_FULL", "UK_OUTWARD", "US_ZIP", "Parts", "NO_PARTS", "is_postcode", "is_zip5", "postcode_parts"]

# The pieces. A UK postcode is an outward code (area letters, a district digit, an optional
# letter or digit) then an inward code (a sector digit and two unit letters): "SW1A 1AA".
# A US ZIP code is five digits with an optional "+4" extension: "94105-1234".
_AREA = r"[A-Z]{1,2}"
_DISTRICT = r"[0-9][A-Z0-9]?"
_OUTWARD = _AREA + _DISTRICT
_INWARD = r"[0-9][A-Z]{2}"
#: Letters Royal Mail uses in the unit part of the inward code (no C, I, K, M, O, V).
_UNIT = r"[ABD-HJLNP-UW-Z]{2}"
_ZIP5 = r"[0-9]{5}"
_PLUS4 = r"[0-9]{4}"

#: A full UK postcode in normalised text ("SW1A 1AA").
UK_FULL = re.compile(rf"{_OUTWARD} ?{_INWARD}")
#: A UK outward code, with or without its inward code, in normalised text ("M1", "M1 1AE").
UK_OUTWARD = re.compile(rf"{_OUTWARD}(?: ?{_INWARD})?")
#: A US ZIP code with an optional extension, the dash optional ("94105", "941051234").
US_ZIP = re.compile(rf"{_ZIP5}(?:-?{_PLUS4})?")

_STRICT_UK = re.compile(rf"(?:{_OUTWARD}|GIR) ?[0-9]{_UNIT}", re.IGNORECASE)
_ZIP_PLUS4 = re.compile(rf"{_ZIP5}-{_PLUS4}")
_ZIP_ONLY = re.compile(_ZIP5)
_PARTS = re.compile(
    rf"\s*(?:(?P<zip5>{_ZIP5})(?:-?{_PLUS4})?"
    rf"|(?P<outward>(?P<area>{_AREA}){_DISTRICT})(?:\s*(?P<sector>[0-9])[A-Z]{{2}})?)\s*"
)


def is_postcode(value: str) -> bool:
    """Return True for a UK postcode or a US ZIP+4 code (forms that are rarely anything else).

    Plain five-digit ZIP codes are ambiguous; see :func:`is_zip5`.

    Examples
    --------
    >>> is_postcode("SW1A 1AA"), is_postcode("90210-1234"), is_postcode("90210")
    (True, True, False)
    """
    v = value.strip()
    return _STRICT_UK.fullmatch(v) is not None or _ZIP_PLUS4.fullmatch(v) is not None


def is_zip5(value: str) -> bool:
    """Return True for a five-digit string (a US ZIP code, or many other things).

    Examples
    --------
    >>> is_zip5(" 02139 "), is_zip5("2139")
    (True, False)
    """
    return _ZIP_ONLY.fullmatch(value.strip()) is not None


#: (sector, district, area) of one postcode; missing parts are NaN.
Parts = tuple[object, object, object]
NO_PARTS: Parts = (np.nan, np.nan, np.nan)


def postcode_parts(text: str, country: str) -> Parts:
    """(sector, district, area) of one postcode, or missing parts if it is not one.

    ``country`` is "uk", "us" or "auto" (decide from the form). Case and spaces do not matter.

    Examples
    --------
    >>> postcode_parts("sw1a 1aa", "auto")
    ('SW1A 1', 'SW1A', 'SW')
    >>> postcode_parts("94105-1234", "auto")
    ('94105', '941', '9')
    """
    m = _PARTS.fullmatch(text.upper())
    if m is None:
        return NO_PARTS
    zip5, outward, area, sector = m.group("zip5", "outward", "area", "sector")
    if zip5 is not None:
        return NO_PARTS if country == "uk" else (zip5, zip5[:3], zip5[:1])
    if country == "us":
        return NO_PARTS
    return (np.nan if sector is None else f"{outward} {sector}", outward, area)
