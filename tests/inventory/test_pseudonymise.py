"""Keyed pseudonyms, refusal of unkeyed hashes, and the generalisers, with hand-checked answers."""

from __future__ import annotations

import copy
import hashlib
import hmac
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from explainer.errors import DataFileNotFoundError, ExplainerWarning, InvalidInputError
from explainer.inventory import (
    KeyExposureError,
    Pseudonymiser,
    generalise_age,
    generalise_category,
    generalise_date,
    generalise_numeric,
    generalise_postcode,
    hash_identifier,
)
from explainer.inventory._pseudonymise import unkeyed_hash

KEY = bytes.fromhex("8f3a" * 16)  # 32 bytes
KEY_HEX = KEY.hex()
OTHER_KEY = b"another-secret-key-of-at-least-32-bytes!"
EMAIL = "jane.doe@example.org"


def _ref(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ tokens


def test_token_equals_reference_hmac() -> None:
    p = Pseudonymiser(KEY)
    assert p.token(EMAIL) == _ref(KEY, EMAIL)
    assert p.token("") == _ref(KEY, "")
    assert p.token("Zoë") == hmac.new(KEY, "Zoë".encode(), hashlib.sha256).hexdigest()
    assert p.token(1042) == _ref(KEY, "1042")
    assert p.token(b"raw") == hmac.new(KEY, b"raw", hashlib.sha256).hexdigest()


def test_tokens_deterministic_per_key_and_differ_between_keys() -> None:
    a, b = Pseudonymiser(KEY), Pseudonymiser(KEY)
    c = Pseudonymiser(OTHER_KEY)
    assert a.token(EMAIL) == b.token(EMAIL)
    assert a.token(EMAIL) != c.token(EMAIL)
    assert c.token(EMAIL) == _ref(OTHER_KEY, EMAIL)
    assert a.token(EMAIL) != a.token(EMAIL.upper())


def test_truncated_tokens_are_prefixes() -> None:
    p = Pseudonymiser(KEY, length=16)
    assert p.token(EMAIL) == _ref(KEY, EMAIL)[:16]
    assert p.length == 16
    with pytest.raises(InvalidInputError, match="length must be"):
        Pseudonymiser(KEY, length=8)


def test_tokenise_series_keeps_index_name_and_missing() -> None:
    s = pd.Series(["a@x.org", None, "b@y.org", "a@x.org"], index=[10, 11, 12, 13], name="email")
    out = Pseudonymiser(KEY).tokenise(s)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.name == "email"
    assert out[10] == _ref(KEY, "a@x.org") == out[13]
    assert out[12] == _ref(KEY, "b@y.org")
    assert pd.isna(out[11])
    # the input is not changed
    assert s[10] == "a@x.org"


def test_tokenise_dataframe_only_named_columns() -> None:
    df = pd.DataFrame({"customer_id": [7, 8], "email": ["a@x.org", "b@y.org"], "spend": [1.5, 2.5]})
    out = Pseudonymiser(KEY).tokenise(df, columns=["customer_id", "email"])
    assert out["customer_id"].tolist() == [_ref(KEY, "7"), _ref(KEY, "8")]
    assert out["email"].tolist() == [_ref(KEY, "a@x.org"), _ref(KEY, "b@y.org")]
    assert out["spend"].tolist() == [1.5, 2.5]
    assert df["email"].tolist() == ["a@x.org", "b@y.org"]
    with pytest.raises(InvalidInputError, match="columns must name columns of data") as err:
        Pseudonymiser(KEY).tokenise(df, columns=["phone"])
    assert "phone" in str(err.value)
    with pytest.raises(InvalidInputError, match="columns must be a list"):
        Pseudonymiser(KEY).tokenise(df)


def test_missing_value_token_refused() -> None:
    with pytest.raises(InvalidInputError, match="value must be a present identifier"):
        Pseudonymiser(KEY).token(None)
    with pytest.raises(InvalidInputError, match="value must be a present identifier"):
        Pseudonymiser(KEY).token(np.nan)


# ------------------------------------------------------------------ the key does not leak


def _assert_no_key(text: str) -> None:
    for form in (KEY_HEX, KEY_HEX.upper(), repr(KEY), str(KEY), KEY.decode("latin-1")):
        assert form not in text


def test_key_absent_from_repr_str() -> None:
    p = Pseudonymiser(KEY)
    assert repr(p) == "Pseudonymiser(key=<hidden>, length=None)"
    _assert_no_key(repr(p))
    _assert_no_key(str(p))
    _assert_no_key(f"{p}")


def test_pickle_refused_without_key_in_message() -> None:
    p = Pseudonymiser(KEY)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(KeyExposureError, match="must not be pickled") as err:
            pickle.dumps(p, protocol=protocol)
        _assert_no_key(str(err.value))
    # copies are the same (immutable) object, never a serialised one
    assert copy.copy(p) is p
    assert copy.deepcopy(p) is p
    with pytest.raises(AttributeError):
        p._key = b"x" * 32  # type: ignore[misc]


def test_short_key_errors_give_length_not_key() -> None:
    short = b"short-secret-123"
    with pytest.raises(InvalidInputError, match="key must be at least 32 bytes long. Got 16 bytes") as err:
        Pseudonymiser(short)
    assert short.decode() not in str(err.value)
    with pytest.raises(InvalidInputError, match="key must be bytes"):
        Pseudonymiser(KEY_HEX)  # type: ignore[arg-type]


def test_from_env_hex_and_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLAINER_PSEUDONYM_KEY", KEY_HEX + "\n")
    assert Pseudonymiser.from_env().token(EMAIL) == _ref(KEY, EMAIL)
    raw = "correct horse battery staple, long enough!"
    monkeypatch.setenv("MY_KEY", raw)
    assert Pseudonymiser.from_env("MY_KEY").token(EMAIL) == _ref(raw.encode(), EMAIL)


def test_from_env_missing_and_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPLAINER_PSEUDONYM_KEY", raising=False)
    with pytest.raises(InvalidInputError, match="'EXPLAINER_PSEUDONYM_KEY' must hold a key") as err:
        Pseudonymiser.from_env()
    assert "it is not set" in str(err.value)
    short_hex = "ab12" * 8  # 16 bytes as hex
    monkeypatch.setenv("EXPLAINER_PSEUDONYM_KEY", short_hex)
    with pytest.raises(InvalidInputError, match="Got 16 bytes") as err:
        Pseudonymiser.from_env()
    assert short_hex not in str(err.value)


def test_from_file(tmp_path: pytest.TempPathFactory) -> None:
    f = tmp_path / "key.hex"  # type: ignore[operator]
    f.write_text(KEY_HEX + "\n")
    assert Pseudonymiser.from_file(f).token(EMAIL) == _ref(KEY, EMAIL)
    b = tmp_path / "key.bin"  # type: ignore[operator]
    raw = bytes(range(200, 240))  # 40 bytes, not UTF-8
    b.write_bytes(raw)
    assert Pseudonymiser.from_file(b).token(EMAIL) == _ref(raw, EMAIL)
    s = tmp_path / "short.txt"  # type: ignore[operator]
    s.write_text("tiny")
    with pytest.raises(InvalidInputError, match="at least 32 bytes of key. Got 4 bytes"):
        Pseudonymiser.from_file(s)
    with pytest.raises(DataFileNotFoundError, match="path must name an existing key file"):
        Pseudonymiser.from_file(tmp_path / "absent")  # type: ignore[operator]


# ------------------------------------------------------------------ unkeyed hashing refused


def test_unkeyed_hash_of_emails_refused_with_reason() -> None:
    emails = pd.Series([EMAIL, "john@example.com"], name="email")
    with pytest.raises(InvalidInputError, match="enumeration") as err:
        hash_identifier(emails)
    msg = str(err.value)
    assert "allow_unkeyed" in msg and "Pseudonymiser" in msg
    assert EMAIL not in msg
    with pytest.raises(InvalidInputError, match="enumeration"):
        unkeyed_hash(emails)


def test_unkeyed_hash_allowed_warns_and_hashes() -> None:
    ids = pd.Series(["r-1", None], name="rid")
    with pytest.warns(ExplainerWarning, match="enumeration"):
        out = hash_identifier(ids, allow_unkeyed=True)
    assert out[0] == hashlib.sha256(b"r-1").hexdigest()
    assert pd.isna(out[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExplainerWarning)
        md5 = hash_identifier(["r-1"], allow_unkeyed=True, algorithm="md5")
    assert md5[0] == hashlib.md5(b"r-1").hexdigest()


# ------------------------------------------------------------------ generalisers


def test_generalise_postcode_uk_and_us() -> None:
    pcs = pd.Series(["SW1A 1AA", "sw1a1aa", "M1 1AE", "94105-1234", "02139", None, "not a code"])
    assert generalise_postcode(pcs, "district").tolist()[:5] == ["SW1A", "SW1A", "M1", "941", "021"]
    assert generalise_postcode(pcs, "area").tolist()[:5] == ["SW", "SW", "M", "9", "0"]
    assert generalise_postcode(pcs, "sector").tolist()[:5] == ["SW1A 1", "SW1A 1", "M1 1", "94105", "02139"]
    out = generalise_postcode(pcs)
    assert pd.isna(out[5]) and pd.isna(out[6])
    # integer ZIP codes lose leading zeros; they are restored
    assert generalise_postcode(pd.Series([2139, 94105])).tolist() == ["021", "941"]
    uk_only = generalise_postcode(["SW1A 1AA", "94105"], country="uk")
    assert uk_only[0] == "SW1A" and pd.isna(uk_only[1])


def test_generalise_age_bands() -> None:
    ages = pd.Series([5, 17, 18, 29.9, 30, 44, 45, 64, 65, 99, -1, None])
    assert generalise_age(ages).tolist()[:10] == [
        "under 18", "under 18", "18-29", "18-29", "30-44", "30-44", "45-64", "45-64", "65+", "65+"
    ]
    assert generalise_age(ages).isna().tolist()[10:] == [True, True]
    assert generalise_age([0, 9, 10, 89, 90, 120], bands=10).tolist() == [
        "0-9", "0-9", "10-19", "80-89", "90+", "90+"
    ]


def test_generalise_age_from_dob() -> None:
    dob = pd.Series(pd.to_datetime(["1990-06-15", "1990-06-16", "2010-01-01"]))
    # on 2020-06-15 the first person just turned 30, the second is still 29
    assert generalise_age(dob, reference_date="2020-06-15").tolist() == ["30-44", "18-29", "under 18"]
    assert generalise_age(dob, 10, reference_date="2020-06-15").tolist() == ["30-39", "20-29", "10-19"]


def test_generalise_date() -> None:
    d = pd.Series(pd.to_datetime(["1984-03-07", "1979-12-31", None]))
    assert generalise_date(d, "month").tolist()[:2] == ["1984-03", "1979-12"]
    assert generalise_date(d, "year").tolist()[:2] == ["1984", "1979"]
    assert generalise_date(d, "decade").tolist()[:2] == ["1980s", "1970s"]
    assert pd.isna(generalise_date(d, "year")[2])
    assert generalise_date(["2001-02-03"], "month").tolist() == ["2001-02"]
    with pytest.raises(InvalidInputError, match="to must be"):
        generalise_date(d, "week")  # type: ignore[arg-type]


def test_generalise_numeric() -> None:
    assert generalise_numeric([1, 2, 3, 4, 5, 6, 7, 8], 4).tolist() == [
        "[1, 2.75)", "[1, 2.75)", "[2.75, 4.5)", "[2.75, 4.5)",
        "[4.5, 6.25)", "[4.5, 6.25)", "[6.25, 8]", "[6.25, 8]",
    ]
    assert generalise_numeric([-5, 0, 999, 1000, 7000, np.nan], [0, 1000, 5000]).tolist()[:5] == [
        "< 0", "[0, 1000)", "[0, 1000)", "[1000, 5000)", ">= 5000"
    ]
    with pytest.raises(InvalidInputError, match="values must be numeric"):
        generalise_numeric(["a", "b"], 2)


def test_generalise_category_top_n() -> None:
    s = pd.Series(["x", "y", "x", "z", "y", "x", None, "w"])
    assert generalise_category(s, 2).tolist()[:6] == ["x", "y", "x", "other", "y", "x"]
    assert pd.isna(generalise_category(s, 2)[6])
    assert generalise_category(s, 2)[7] == "other"


def test_generalisers_return_ordered_categories_in_band_order() -> None:
    out = generalise_age([70, 20, 5])
    assert out.cat.ordered
    assert out.cat.categories.tolist() == ["under 18", "18-29", "30-44", "45-64", "65+"]
    dates = generalise_date(pd.Series(pd.to_datetime(["2001-05-01", "1999-01-01"])), "year")
    assert dates.cat.categories.tolist() == ["1999", "2001"]
    assert generalise_numeric([3, 1, 2, 4], 2).cat.categories.tolist() == ["[1, 2.5)", "[2.5, 4]"]


# ------------------------------------------------------------------ the command reads the written text


def _pseudonymise_file(tmp_path, text: str, *columns: str, name: str = "in.csv", out: str = "out.csv",
                       extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Run ``explainer pseudonymise`` on a CSV written byte for byte; return the output read as text."""
    from explainer.cli import main

    src = tmp_path / name
    src.write_bytes(text.encode("utf-8"))
    key = tmp_path / "key.hex"
    key.write_text(KEY_HEX)
    dest = tmp_path / out
    rc = main(["pseudonymise", str(src), "--columns", *columns, "--key-file", str(key), "--out", str(dest),
               "--force", *extra])
    assert rc == 0
    if dest.suffix == ".parquet":
        return pd.read_parquet(dest)
    return pd.read_csv(dest, dtype=str, keep_default_na=False)


def test_ids_with_leading_zeros_get_their_own_tokens(tmp_path) -> None:
    got = _pseudonymise_file(tmp_path, "customer_id,phone\n00123,07700900123\n0123,7700900123\n123,07700900123\n",
                             "customer_id", "phone")
    assert got["customer_id"].tolist() == [_ref(KEY, "00123"), _ref(KEY, "0123"), _ref(KEY, "123")]
    assert got["phone"].tolist() == [_ref(KEY, "07700900123"), _ref(KEY, "7700900123"), _ref(KEY, "07700900123")]


def test_a_one_column_list_of_ids_is_tokenised_whole(tmp_path) -> None:
    got = _pseudonymise_file(tmp_path, "customer_id\n00123\n0123\n", "customer_id")
    assert list(got.columns) == ["customer_id"]
    assert got["customer_id"].tolist() == [_ref(KEY, "00123"), _ref(KEY, "0123")]


def test_the_same_written_id_gets_the_same_token_with_or_without_blank_rows(tmp_path) -> None:
    full = _pseudonymise_file(tmp_path, "customer_id,spend\n1,10\n2,20\n", "customer_id", out="a.csv")
    gaps = _pseudonymise_file(tmp_path, "customer_id,spend\n1,10\n,15\n  \t,16\n2,20\n", "customer_id",
                              out="b.csv")
    assert full["customer_id"].tolist() == [_ref(KEY, "1"), _ref(KEY, "2")]
    assert gaps["customer_id"].tolist() == [_ref(KEY, "1"), "", "", _ref(KEY, "2")]  # a blank stays blank


def test_only_surrounding_whitespace_is_removed_and_missing_markers_are_values(tmp_path) -> None:
    got = _pseudonymise_file(tmp_path, 'id,n\n" 42 ",1\n42,2\n4 2,3\nNA,4\nABC,5\nabc,6\n', "id")
    assert got["id"].tolist() == [_ref(KEY, "42"), _ref(KEY, "42"), _ref(KEY, "4 2"), _ref(KEY, "NA"),
                                  _ref(KEY, "ABC"), _ref(KEY, "abc")]


def test_string_ids_keep_the_tokens_they_had(tmp_path) -> None:
    """Text ids gave HMAC(key, text) before the reader change; they still do, in CSV and Parquet output."""
    text = f"customer_id,email\nC-001,{EMAIL}\nC-002,bo@example.com\n"
    got = _pseudonymise_file(tmp_path, text, "customer_id", "email")
    assert got["customer_id"].tolist() == [_ref(KEY, "C-001"), _ref(KEY, "C-002")]
    assert got["email"].tolist() == [_ref(KEY, EMAIL), _ref(KEY, "bo@example.com")]
    got = _pseudonymise_file(tmp_path, text, "customer_id", out="out.parquet")
    assert got["customer_id"].tolist() == [_ref(KEY, "C-001"), _ref(KEY, "C-002")]


def test_other_columns_are_read_as_before(tmp_path) -> None:
    got = _pseudonymise_file(tmp_path, "id,spend,city\n1,10.5,north\n2,,NA\n", "id")
    assert got["spend"].tolist() == ["10.5", ""] and got["city"].tolist() == ["north", ""]


def test_pseudonymise_reads_a_spreadsheet_csv_with_a_byte_order_mark(tmp_path) -> None:
    got = _pseudonymise_file(tmp_path, "\ufeffcustomer_id;spend\n007;1\n", "customer_id")
    assert list(got.columns) == ["customer_id", "spend"]
    assert got["customer_id"].tolist() == [_ref(KEY, "007")]


def test_read_table_text_columns_keep_the_written_text(tmp_path) -> None:
    from explainer import read_table

    (tmp_path / "t.csv").write_text("id,phone,n\n00123,07700900123,1\n,  ,2\n1,+44 7700,3\n")
    df = read_table(tmp_path / "t.csv", text_columns=["id", "phone"])
    assert df["id"].tolist()[0::2] == ["00123", "1"] and pd.isna(df["id"].iloc[1])
    assert df["phone"].tolist()[0::2] == ["07700900123", "+44 7700"] and pd.isna(df["phone"].iloc[1])
    assert df["n"].tolist() == [1, 2, 3]


def test_read_table_text_columns_of_a_parquet_file_follow_the_same_rule(tmp_path) -> None:
    from explainer import read_table

    pd.DataFrame({"id": [" 00123 ", "", "0123"], "n": [1, 2, 3]}).to_parquet(tmp_path / "t.parquet")
    df = read_table(tmp_path / "t.parquet", text_columns=["id", "n"])
    assert df["id"].tolist()[0::2] == ["00123", "0123"] and pd.isna(df["id"].iloc[1])
    assert df["n"].tolist() == [1, 2, 3]
