"""Canary values for personal columns, and the search for them in outputs.

Each canary customer gets a made-up name, email, phone, postcode, date of birth and pet name
that occur nowhere else, so finding one in an output means the output leaked personal data.
Used by tests/privacy/test_output_safety.py and by the notebook test, which plants them from
inside the kernel with :func:`planting` (so the cell's source holds no canary value).
"""

from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: How many customers get canary values.
N_CANARY = 40
#: The domain of every canary email (not itself a canary: it holds no person's value).
CANARY_DOMAIN = "quarrowind-canary.example"
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


def _tag(i: int) -> str:
    return "Q" + chr(65 + i % 26) + chr(65 + (i // 26) % 26) + "x"


def canary(i: int) -> dict[str, str]:
    """The canary values of the ``i``-th canary customer, by demo column."""
    t = _tag(i)
    return {
        "full_name": f"Zenobius Quarrowind{t}",
        "email": f"zq.canary.{t.lower()}@{CANARY_DOMAIN}",
        "phone": f"+44 7700 9{i:05d}",
        "postcode": f"QZ{i % 9 + 1} {i // 9}QZ",
        "date_of_birth": f"1913-{1 + i // 28:02d}-{1 + i % 28:02d}",
        "pet_name": f"Fluffernox{t}",
    }


def needles(c: dict[str, str]) -> set[str]:
    """Every form in which a canary could leak: whole values, parts and reformatted dates/phones."""
    first, last = c["full_name"].split(" ")
    y, m, d = c["date_of_birth"].split("-")
    digits = re.sub(r"\D", "", c["phone"])
    out = {c["full_name"], last, c["email"], c["email"].split("@")[0], c["phone"], digits, "0" + digits[2:],
           c["postcode"], c["postcode"].replace(" ", ""), c["date_of_birth"], f"{d}/{m}/{y}", f"{m}/{d}/{y}",
           f"{y}/{m}/{d}", c["pet_name"]}
    return {n.lower() for n in out}


NEEDLES = set().union(*(needles(canary(i)) for i in range(N_CANARY)))


def leaks(text: str) -> list[str]:
    """The canary forms found in ``text`` (case-insensitive; base64 images are skipped)."""
    low = _DATA_URI.sub(" ", text).lower()  # base64 images hold no text to search
    return sorted(n for n in NEEDLES if n in low)


def plant(customers: pd.DataFrame, n: int = N_CANARY) -> tuple[pd.DataFrame, list[Any]]:
    """A copy of the demo's ``customers`` with canaries in ``n`` rows spread evenly; and their ids."""
    cust = customers.copy()
    rows = np.linspace(0, len(cust) - 1, n).astype(int)
    for i, r in enumerate(rows):
        for col, value in canary(i).items():
            cust.loc[cust.index[r], col] = value
    return cust, cust["customer_id"].iloc[rows].tolist()


def planting(make: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``explainer.demo.make_retail_demo`` so that the customers it returns carry canaries."""
    def make_with_canaries(*args: Any, **kwargs: Any) -> Any:
        demo = make(*args, **kwargs)
        return replace(demo, customers=plant(demo.customers)[0])
    return make_with_canaries


def count_planted(emails: pd.Series) -> int:
    """How many distinct canary emails a column holds (a count only, never a value)."""
    e = pd.Series(emails).astype(str)
    return int(e[e.str.endswith("@" + CANARY_DOMAIN)].nunique())


def planted_ids(rows: pd.DataFrame, email: str, key: str | None = None) -> list[Any]:
    """Customer ids (``key``), or row labels, of the rows whose ``email`` is a canary, in order."""
    hit = rows[email].astype(str).str.endswith("@" + CANARY_DOMAIN)
    found = rows.loc[hit, key] if key is not None else rows.index[hit].to_series()
    return list(dict.fromkeys(found.tolist()))
