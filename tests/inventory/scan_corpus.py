"""A labelled corpus for the PII scanner: synthetic columns with known categories.

Everything is generated in code from a seed. Columns include hard negatives (order
numbers shaped like phone numbers, product codes that pass Luhn by chance, free text
without personal data, record ids, prices, event timestamps) and columns whose names
mislead (a ``grp`` column of ethnic groups, a ``login_addr`` column of IPv6 addresses).
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

# Partly overlapping with the scanner's embedded lists, partly not, so the test does not
# only check a lookup table against itself.
_FIRST = ["James", "Mary", "Oliver", "Amelia", "Mohammed", "Fatima", "Lukas", "Sofia", "Wei",
          "Priya", "Kwame", "Aoife", "Hugo", "Chloe", "Diego", "Yuki", "Tobias", "Ingrid",
          "Ravi", "Esther", "Bartholomew", "Zsofia"]
_LAST = ["Smith", "Jones", "Patel", "Nguyen", "Muller", "Rossi", "Garcia", "Kowalski", "Chen",
         "Okafor", "Murphy", "Dubois", "Hansen", "Silva", "Lindqvist", "Papadopoulos", "Yilmaz"]
_DOMAINS = ["example.com", "mail.example.org", "example.co.uk", "posteo.example.de", "example.net"]
_WORDS = ("the delivery arrived on time and the packaging was fine but the size runs small "
          "would buy again colour looks different from the photo great value for money "
          "customer service answered quickly please send the invoice again next week").split()


def _luhn_complete(prefix: str, length: int, rng: np.random.Generator) -> str:
    body = prefix + "".join(str(d) for d in rng.integers(0, 10, size=length - len(prefix) - 1))
    for check in "0123456789":
        cand = body + check
        total = 0
        for i, ch in enumerate(reversed(cand)):
            d = int(ch)
            if i % 2 == 1:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return cand
    raise AssertionError("unreachable")


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    num = int("".join(str(int(ch, 36)) for ch in moved))
    check = 98 - num % 97
    return f"{country}{check:02d}{bban}"


def _bban(country: str, rng: np.random.Generator) -> str:
    def digits(k: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, size=k))

    def letters(k: int) -> str:
        return "".join(rng.choice(list(string.ascii_uppercase), size=k))

    if country == "DE":
        return digits(18)
    if country == "GB":
        return letters(4) + digits(14)
    if country == "FR":
        return digits(23)
    if country == "NL":
        return letters(4) + digits(10)
    return digits(16)  # ES


def make_corpus(n_rows: int = 2_000, *, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """Build the labelled corpus.

    Parameters
    ----------
    n_rows : int, default=2000
        Rows to generate.
    seed : int, default=0
        Seed of the generator; the same seed gives the same frame.

    Returns
    -------
    data : DataFrame
        At least 40 columns of synthetic values.
    labels : dict
        Column name -> expected category (``"other"`` for nothing personal).
    roles : dict
        Column name -> expected role, for the identifier and special category columns.
    """
    rng = np.random.default_rng(seed)
    n = n_rows
    pick = lambda seq, size=n: [seq[i] for i in rng.integers(0, len(seq), size=size)]  # noqa: E731

    def dig(k: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, size=k))

    first = pick(_FIRST)
    last = pick(_LAST)
    cols: dict[str, object] = {}
    labels: dict[str, str] = {}

    def add(name: str, values: object, category: str) -> None:
        cols[name] = values
        labels[name] = category

    # --- identifiers -------------------------------------------------------------------
    add("customer_id", rng.permutation(np.arange(100_000, 100_000 + n)), "direct_identifier")
    add("member_ref", [f"M{i:07d}" for i in rng.permutation(n) + 1000], "direct_identifier")
    add("username", [f"{f.lower()}{sur.lower()[:3]}{d}" for f, sur, d in zip(first, last, rng.integers(1, 9999, n))],
        "direct_identifier")
    add("first_name", first, "direct_identifier")
    add("last_name", last, "direct_identifier")
    add("full_name", [f"{f} {sur}" for f, sur in zip(first, last)], "direct_identifier")
    add("account_holder", [f"{f} {sur}" for f, sur in zip(pick(_FIRST), pick(_LAST))], "direct_identifier")
    add("Nachname", pick(_LAST), "direct_identifier")

    # --- contact -----------------------------------------------------------------------
    add("email", [f"{f.lower()}.{sur.lower()}{d}@{dom}" for f, sur, d, dom in
                  zip(first, last, rng.integers(1, 99, n), pick(_DOMAINS))], "contact")
    add("EmailAddress", [f"{f[0]}{sur}+shop@{dom}" for f, sur, dom in zip(first, last, pick(_DOMAINS))], "contact")
    add("phone_uk", [f"07{dig(3)} {dig(6)}" if i % 2 else f"020 {dig(4)} {dig(4)}" for i in range(n)], "contact")
    add("mobile", [f"+44 7{dig(3)} {dig(6)}" if i % 3 == 0 else f"+49 151 {dig(8)}" if i % 3 == 1
                   else f"+33 6 {dig(2)} {dig(2)} {dig(2)} {dig(2)}" for i in range(n)], "contact")
    add("tel_us", [f"({rng.integers(201, 989)}) {dig(3)}-{dig(4)}" if i % 2 else
                   f"{rng.integers(201, 989)}-{dig(3)}-{dig(4)}" for i in range(n)], "contact")
    add("col_17", [f"07{dig(9)}" for _ in range(n)], "contact")  # misleading name, bare UK mobiles
    notes = []
    for i in range(n):
        words = " ".join(pick(_WORDS, 8))
        if i % 5 == 0:
            words += f" call me on 07{dig(3)} {dig(6)}"
        elif i % 7 == 0:
            words += f" or write to {first[i].lower()}@{_DOMAINS[0]}"
        notes.append(words)
    add("notes", notes, "contact")

    # --- demographic -------------------------------------------------------------------
    today = datetime(2024, 6, 1)
    birth = [today - timedelta(days=int(d)) for d in rng.integers(18 * 365, 90 * 365, n)]
    add("dob", [b.strftime("%Y-%m-%d") for b in birth], "demographic")
    add("birth_date", [b.strftime("%d/%m/%Y") for b in pick(birth)], "demographic")
    add("born", pd.to_datetime(pick(birth)), "demographic")  # datetime dtype, short name
    add("gender", pick(["Female", "Male", "Non-binary", "Prefer not to say"]), "demographic")
    add("sex", pick(["M", "F"]), "demographic")
    add("segment_a", pick(["female", "male"]), "demographic")  # misleading name
    add("age", rng.integers(18, 90, n), "demographic")

    # --- special category --------------------------------------------------------------
    eth = ["White British", "Black African", "Asian British", "Mixed", "Chinese", "Arab", "Other"]
    add("ethnicity", pick(eth), "special_category")
    add("grp", pick(eth), "special_category")  # misleading name
    add("religion", pick(["Christian", "Muslim", "Hindu", "Jewish", "No religion", "Sikh"]), "special_category")
    add("health_condition", pick(["none", "asthma", "diabetes", "hypertension"]), "special_category")

    # --- location ----------------------------------------------------------------------
    uk_pc = [f"{a}{d1} {d2}{b}" for a, d1, d2, b in zip(
        pick(["SW", "E", "N", "M", "B", "LS", "EH", "G"]), rng.integers(1, 20, n), rng.integers(1, 9, n),
        pick(["AA", "AB", "BD", "XY", "HJ", "QT"]))]
    add("postcode", uk_pc, "location")
    add("shipping_code", pick(uk_pc), "location")  # misleading name
    add("zip", [f"{rng.integers(501, 99950):05d}" + (f"-{dig(4)}" if i % 3 == 0 else "") for i in range(n)],
        "location")
    add("city", pick(["London", "Leeds", "Berlin", "Paris", "Austin", "Madrid"]), "location")
    add("latitude", rng.uniform(49.0, 59.0, n).round(5), "location")

    # --- financial ---------------------------------------------------------------------
    def card(i: int) -> str:
        kind = i % 4
        if kind == 0:
            c = _luhn_complete("4", 16, rng)
            return " ".join(c[j : j + 4] for j in range(0, 16, 4))
        if kind == 1:
            return _luhn_complete(str(rng.integers(51, 56)), 16, rng)
        if kind == 2:
            c = _luhn_complete(rng.choice(["34", "37"]), 15, rng)
            return f"{c[:4]} {c[4:10]} {c[10:]}"
        return _luhn_complete("6011", 16, rng)

    add("card_number", [card(i) for i in range(n)], "financial")
    add("pm_ref", np.array([int(_luhn_complete("4", 16, rng)) for _ in range(n)], dtype=np.int64),
        "financial")  # misleading name, cards stored as integers
    countries = pick(["DE", "GB", "FR", "NL", "ES"])
    ibans = [_iban(c, _bban(c, rng)) for c in countries]
    add("iban", [" ".join(x[j : j + 4] for j in range(0, len(x), 4)) if i % 2 else x for i, x in enumerate(ibans)],
        "financial")
    add("income", rng.lognormal(10.3, 0.5, n).round(0), "financial")
    add("annual_salary", rng.integers(18_000, 150_000, n), "financial")

    # --- behavioural -------------------------------------------------------------------
    add("tenure_months", rng.integers(0, 120, n), "behavioural")
    add("purchase_count", rng.poisson(4, n), "behavioural")
    add("browsing_minutes", rng.gamma(2.0, 15.0, n).round(1), "behavioural")
    add("sessions_last_30d", rng.poisson(6, n), "behavioural")
    add("emails_sent", rng.poisson(12, n), "behavioural")  # name holds "email", values are counts
    add("basket_value", rng.gamma(2.0, 30.0, n).round(2), "behavioural")
    stamps = [today - timedelta(seconds=int(s)) for s in rng.integers(0, 3 * 365 * 86400, n)]
    add("last_purchase_at", [s.strftime("%Y-%m-%d %H:%M:%S") for s in stamps], "behavioural")

    # --- device ------------------------------------------------------------------------
    add("device_type", pick(["mobile", "desktop", "tablet"]), "device")
    uas = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
           "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"]
    add("user_agent", pick(uas), "device")
    add("phone_model", pick(["iPhone 13", "iPhone 15 Pro", "Galaxy S21", "Pixel 8", "Xperia 5"]), "device")
    add("ip_address", [f"{rng.integers(1, 224)}.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
                       for _ in range(n)], "device")
    add("login_addr", [f"2001:db8:{rng.integers(0, 65535):x}:{rng.integers(0, 65535):x}::{rng.integers(1, 65535):x}"
                       for _ in range(n)], "device")  # misleading name ("addr"), IPv6 values

    # --- inferred ----------------------------------------------------------------------
    add("churn_score", rng.uniform(0, 1, n).round(3), "inferred")
    add("predicted_segment", pick(["bargain hunter", "loyal", "lapsed", "new"]), "inferred")

    # --- hard negatives and other -------------------------------------------------------
    add("order_number", [f"{rng.integers(3, 10)}{dig(10)}" for _ in range(n)], "other")  # 11 digits, no format
    add("parcel_ref", [f"09{dig(9)}" for _ in range(n)], "other")  # 11 digits, wrong phone prefix
    add("order_id", rng.permutation(np.arange(5_000_000, 5_000_000 + n)), "other")
    add("product_code", [f"4{dig(15)}" for _ in range(n)], "other")  # card-like form, Luhn by chance only
    add("sku", [f"SKU-{dig(6)}" for _ in range(n)], "other")
    add("row_id", np.arange(n), "other")
    add("event_uuid", [f"{dig(8)}-{dig(4)}-4{dig(3)}-a{dig(3)}-{dig(12)}" for _ in range(n)], "other")
    add("review_text", [" ".join(pick(_WORDS, 10)) for _ in range(n)], "other")
    add("unit_price", rng.gamma(2.0, 10.0, n).round(2), "other")
    add("created_at", [s.strftime("%Y-%m-%dT%H:%M:%S") for s in pick(stamps)], "other")
    add("signup_date", [(today - timedelta(days=int(d))).strftime("%Y-%m-%d") for d in rng.integers(0, 900, n)],
        "other")
    add("marketing_consent", rng.random(n) < 0.6, "other")
    add("email_opt_in", pick(["yes", "no"]), "other")
    add("product_category", pick(["garden", "books", "kitchen", "toys", "electronics"]), "other")
    add("quantity", rng.integers(1, 5, n), "other")
    add("price_text", [f"£{p:.2f}" for p in rng.gamma(2.0, 10.0, n)], "other")
    add("tracking_number", [f"1Z{dig(3)}AA{dig(10)}" for _ in range(n)], "other")
    add("isbn", [f"978-{dig(1)}-{dig(2)}-{dig(6)}-{dig(1)}" for _ in range(n)], "other")
    add("event_epoch", rng.integers(1_600_000_000, 1_720_000_000, n), "other")
    add("delivery_slot", [f"{h:02d}:00-{h + 2:02d}:00" for h in rng.integers(8, 20, n)], "other")

    # --- more formats and languages -----------------------------------------------------
    add("customerEmail", [f"{sur.lower()}_{d}@{dom}" for sur, d, dom in zip(last, rng.integers(1, 999, n),
                                                                       pick(_DOMAINS))], "contact")
    add("Telefonnummer", [f"0{rng.integers(30, 89)} {dig(7)}" for _ in range(n)], "contact")
    add("ip", [f"10.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}" if i % 2 else
               f"fe80::{rng.integers(1, 65535):x}:{rng.integers(1, 65535):x}" for i in range(n)], "device")
    add("Geburtsdatum", [b.strftime("%d.%m.%Y") for b in pick(birth)], "demographic")

    df = pd.DataFrame(cols)
    # a few missing values, as in real data
    for col in ("email", "phone_uk", "income", "dob"):
        df.loc[rng.choice(n, size=n // 50, replace=False), col] = None
    roles = {c: "identifier" for c, cat in labels.items() if cat == "direct_identifier"}
    roles.update({c: "sensitive" for c, cat in labels.items() if cat == "special_category"})
    return df, labels, roles
