"""One name splitter and one postcode grammar: every reader in the package agrees with them."""

from __future__ import annotations

import pandas as pd
import pytest

from explainer.analyses import _privacy
from explainer.inventory import generalise_postcode
from explainer.inventory._patterns import name_tokens
from explainer.inventory._postcodes import UK_FULL, UK_OUTWARD, US_ZIP, is_postcode, is_zip5, postcode_parts


@pytest.mark.parametrize("column,tokens", [
    ("customerID", ("customer", "id")),
    ("ZIPArea", ("zip", "area")),        # an acronym before a capitalised word is a word of its own
    ("âge", ("age",)),                   # accents are folded, not separators
    ("date_of-birth Day", ("date", "of", "birth", "day")),
])
def test_the_privacy_analysis_splits_names_as_the_scanner_does(column: str, tokens: tuple[str, ...]) -> None:
    assert name_tokens(column) == tokens
    assert _privacy._tokens(column) == set(tokens)


def test_a_french_age_column_is_generalised_as_ages() -> None:
    # "âge" lost its first letter in the privacy analysis' own splitter ("ge") and was read
    # as a plain number; with the one splitter it is an age, as the scanner reads it.
    s = pd.Series([23, 35, 47, 51, 62, 29, 33, 41, 58, 70, 19, 44])
    assert _privacy._infer_kind("âge", s) == "age"
    assert _privacy._infer_kind("ZIPArea", pd.Series([2139, 94105, 10001, 60601])) == "postcode"


@pytest.mark.parametrize("text,full,outward,zip_", [
    ("SW1A 1AA", True, True, False),
    ("SW1A1AA", True, True, False),
    ("M1", False, True, False),
    ("94105", False, False, True),
    ("94105-1234", False, False, True),
    ("941051234", False, False, True),
    ("SKU 123", False, False, False),
])
def test_normalised_forms(text: str, full: bool, outward: bool, zip_: bool) -> None:
    assert (UK_FULL.fullmatch(text) is not None, UK_OUTWARD.fullmatch(text) is not None,
            US_ZIP.fullmatch(text) is not None) == (full, outward, zip_)


@pytest.mark.parametrize("text,country,parts", [
    ("sw1a 1aa", "auto", ("SW1A 1", "SW1A", "SW")),
    (" M1  1AE ", "uk", ("M1 1", "M1", "M")),
    ("94105-1234", "auto", ("94105", "941", "9")),
    ("94105", "uk", None),
    ("SW1A 1AA", "us", None),
    ("hello", "auto", None),
])
def test_postcode_parts_by_hand(text: str, country: str, parts: tuple[str, str, str] | None) -> None:
    got = postcode_parts(text, country)
    if parts is None:
        assert all(pd.isna(p) for p in got)
    else:
        assert got == parts


def test_every_strict_postcode_the_scanner_accepts_is_generalised() -> None:
    values = ["SW1A 1AA", "m1 1ae", "EC1A1BB", "90210-1234", "B33 8TH", "02139-0001"]
    assert all(is_postcode(v) for v in values)
    assert not is_zip5("90210-1234") and is_zip5("02139")
    assert generalise_postcode(values).isna().sum() == 0
