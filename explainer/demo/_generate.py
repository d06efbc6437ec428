"""The embedded retail demo: synthetic customers, a catalogue and purchase outcomes.

Everything is generated from a seed; nothing is downloaded. The generator plants four
truths that an audit should discover on its own (the audit code never reads them; the
tests compare the audit's findings with them):

(a) Purchase and browsing history carry most of the signal. Whether a customer buys in
    a category in the next 30 days depends mainly on their purchases and browsing
    minutes in that category over the last 90 days.
(b) Full name, email, phone and pet name are collected but carry no signal: they are
    drawn independently of everything else and no outcome depends on them.
    Device and marketing consent are drawn the same way: the demo recommender reads them,
    but they carry no signal either, so a refit without them loses nothing.
(c) Postcode is a proxy of ethnicity, a special-category attribute kept only to test for
    bias. Where customers live (the postcode district) depends strongly on the ethnicity
    group, and the district also shifts interest in the garden category a little, so a
    model that uses the postcode learns something that is correlated with ethnicity.
(d) The electronics category is recommended to customers aged 65 and over at a markedly
    lower rate: their electronics browsing, purchases and base interest are planted
    lower, so a model trained on the outcomes ranks electronics lower for them.

Gender and the other age bands do not change interest in any category. Ethnicity does not
change interest in any category directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..errors import InvalidInputError

__all__ = ["CATEGORIES", "RetailDemo", "make_retail_demo", "planted_truths", "REFERENCE_DATE"]

#: Product categories of the demo catalogue.
CATEGORIES: tuple[str, ...] = (
    "garden",
    "electronics",
    "fashion",
    "beauty",
    "sports",
    "books",
    "home",
    "toys",
)
#: The demo's "today": ages and tenure are computed against it so output is deterministic.
REFERENCE_DATE = date(2026, 11, 1)

_DEPARTMENT = {
    "garden": "outdoor",
    "electronics": "tech",
    "fashion": "clothing",
    "beauty": "health and beauty",
    "sports": "outdoor",
    "books": "media",
    "home": "home",
    "toys": "kids",
}
_BASE_LOGIT = {
    "garden": -2.4,
    "electronics": -2.0,
    "fashion": -1.8,
    "beauty": -2.2,
    "sports": -2.3,
    "books": -2.1,
    "home": -1.9,
    "toys": -2.5,
}
_BASE_RATE = {  # mean purchases in 90 days, before the planted age effect
    "garden": 0.9,
    "electronics": 1.0,
    "fashion": 1.4,
    "beauty": 1.0,
    "sports": 0.8,
    "books": 1.1,
    "home": 1.2,
    "toys": 0.7,
}

_FIRST = (
    "Olivia Amelia Isla Ava Mia Sophia Grace Lily Freya Emily Ivy Ella Rosie Evie Florence "
    "Poppy Charlotte Willow Aisha Priya Zara Fatima Mei Chloe Hannah Nia Leah Maya Sara Ruby "
    "Oliver George Noah Arthur Leo Muhammad Harry Oscar Archie Henry Theo Jack Charlie Jacob "
    "Thomas Ethan Arjun Kwame Tariq Daniel Samuel Lucas Adam Ravi Omar Joseph Isaac Kofi"
).split()
_LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Wood Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wright Khan Ali Begum Okafor "
    "Mensah Chen Wong Singh Kaur Hughes Edwards Lewis Harris Martin Cooper King Lee Baker Morris"
).split()
_PETS = (
    "Biscuit Luna Max Bella Milo Daisy Teddy Poppy Alfie Coco Bailey Rosie Charlie Nala Oscar "
    "Willow Buster Pepper Rocky Ziggy Mochi Simba Bonnie Murphy Hazel Bruno"
).split()
_DOMAINS = ("example.com", "example.org", "mail.example", "post.example")
_ETHNICITY = ("White", "Asian", "Black", "Mixed", "Other")
_ETHNICITY_P = (0.72, 0.12, 0.07, 0.05, 0.04)
#: Postcode districts, in two groups of areas. The ethnicity mix differs sharply between them.
_DISTRICTS = (
    "LS6", "LS11", "LS8", "M14", "M13", "B11", "B20", "E12",   # urban, mixed
    "HG2", "HG5", "YO62", "LA9", "CA12", "TR19", "EX35", "DL8",  # rural/suburban
)
_URBAN = 8
_GARDEN_BY_DISTRICT = np.r_[np.full(_URBAN, -0.35), np.full(len(_DISTRICTS) - _URBAN, 0.35)]
_INCOME = ("under 20k", "20-40k", "40-70k", "over 70k")
_DEVICES = ("ios app", "android app", "desktop web", "mobile web")
_AGE_BANDS = ("18-29", "30-44", "45-64", "65+")


@dataclass(frozen=True)
class RetailDemo:
    """The generated demo data.

    Attributes
    ----------
    customers : DataFrame
        One row per customer with identifiers, contact details, demographics, the
        special-category column ``ethnicity`` (kept only for bias testing), and
        ``purchases_<category>`` / ``browse_minutes_<category>`` over the last 90 days.
    catalogue : DataFrame
        One row per product category.
    outcomes : DataFrame
        ``customer_id``, ``category``, ``bought``: did the customer buy in that category
        in the next 30 days.
    random_state : int
        The seed the data was drawn with.
    """

    customers: pd.DataFrame
    catalogue: pd.DataFrame
    outcomes: pd.DataFrame
    random_state: int

    def interactions(self) -> pd.DataFrame:
        """The customer x category table the recommender scores, one row per pair.

        Holds every customer column except the wide per-category history, plus the
        catalogue columns, ``category_purchases_90d`` and ``category_browse_minutes_90d``
        for the row's own category, and the outcome ``bought``.
        """
        cust = self.customers
        wide_p = [f"purchases_{c}" for c in CATEGORIES]
        wide_b = [f"browse_minutes_{c}" for c in CATEGORIES]
        base = cust.drop(columns=wide_p + wide_b)
        n = len(cust)
        k = len(CATEGORIES)
        rep = base.loc[base.index.repeat(k)].reset_index(drop=True)
        rep.insert(1, "category", np.tile(np.array(CATEGORIES, dtype=object), n))
        rep["category_purchases_90d"] = cust[wide_p].to_numpy().reshape(-1)
        rep["category_browse_minutes_90d"] = cust[wide_b].to_numpy().reshape(-1)
        rep["total_purchases_90d"] = np.repeat(cust[wide_p].sum(axis=1).to_numpy(), k)
        rep = rep.merge(self.catalogue[["category", "department"]], on="category", how="left")
        out = self.outcomes.set_index(["customer_id", "category"])["bought"]
        rep["bought"] = out.reindex(pd.MultiIndex.from_frame(rep[["customer_id", "category"]])).to_numpy()
        return rep


def _check_args(n_customers: int, random_state: int) -> None:
    if not isinstance(n_customers, (int, np.integer)) or isinstance(n_customers, bool) or n_customers < 200:
        raise InvalidInputError(
            f"n_customers must be an integer of at least 200. Got {n_customers!r}. "
            "Use the default 20000 or a larger number."
        )
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool):
        raise InvalidInputError(f"random_state must be an integer seed. Got {type(random_state).__name__}.")


def _phone(rng: np.random.Generator, n: int) -> np.ndarray:
    mobile = rng.integers(100_000_000, 999_999_999, n)
    fmt = rng.integers(0, 3, n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        d = f"{mobile[i]:09d}"
        if fmt[i] == 0:
            out[i] = f"07{d[:3]} {d[3:9]}"
        elif fmt[i] == 1:
            out[i] = f"+44 7{d[:3]} {d[3:9]}"
        else:
            out[i] = f"07{d}"[:11]
    return out


def make_retail_demo(n_customers: int = 20_000, *, random_state: int = 0) -> RetailDemo:
    """Generate the retail demo data set.

    Parameters
    ----------
    n_customers : int, default=20000
        Number of customers (at least 200).
    random_state : int, default=0
        Seed. The same seed gives the same data, byte for byte.

    Returns
    -------
    RetailDemo

    Examples
    --------
    >>> demo = make_retail_demo(500, random_state=1)
    >>> demo.customers.shape[0], demo.outcomes.shape[0]
    (500, 4000)
    """
    _check_args(n_customers, random_state)
    rng = np.random.default_rng(random_state)
    n = int(n_customers)

    customer_id = np.arange(100_001, 100_001 + n)
    first = rng.choice(_FIRST, n)
    last = rng.choice(_LAST, n)
    full_name = np.char.add(np.char.add(first.astype(str), " "), last.astype(str)).astype(object)
    email = np.array(
        [f"{f.lower()}.{s.lower()}{rng.integers(1, 999)}@{rng.choice(_DOMAINS)}" for f, s in zip(first, last)],
        dtype=object,
    )
    phone = _phone(rng, n)

    age = rng.integers(18, 88, n)
    day_offset = rng.integers(0, 365, n)
    dob = np.array(
        [REFERENCE_DATE - timedelta(days=int(a) * 365 + int(a) // 4 + int(d)) for a, d in zip(age, day_offset)],
        dtype="datetime64[D]",
    )
    age_years = ((np.datetime64(REFERENCE_DATE, "D") - dob).astype(int) / 365.25).astype(int)
    age_band = np.select(
        [age_years < 30, age_years < 45, age_years < 65], list(_AGE_BANDS[:3]), default=_AGE_BANDS[3]
    ).astype(object)
    senior = age_band == "65+"

    gender = rng.choice(np.array(["female", "male", "non-binary"], dtype=object), n, p=[0.505, 0.48, 0.015])
    ethnicity = rng.choice(np.array(_ETHNICITY, dtype=object), n, p=_ETHNICITY_P)

    # (c) where you live depends on the ethnicity group: minority groups mostly urban districts.
    urban_p = np.where(ethnicity == "White", 0.25, 0.9)
    urban = rng.random(n) < urban_p
    district_idx = np.where(
        urban, rng.integers(0, _URBAN, n), rng.integers(_URBAN, len(_DISTRICTS), n)
    )
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = np.array(
        [
            f"{_DISTRICTS[d]} {rng.integers(1, 10)}{letters[rng.integers(0, 20)]}{letters[rng.integers(0, 20)]}"
            for d in district_idx
        ],
        dtype=object,
    )

    income_idx = rng.choice(4, n, p=[0.25, 0.35, 0.28, 0.12])
    income_band = np.array(_INCOME, dtype=object)[income_idx]
    has_pet = rng.random(n) < 0.45
    pets = rng.choice(np.array(_PETS, dtype=object), n)
    pet_name = np.full(n, None, dtype=object)
    pet_name[has_pet] = pets[has_pet]
    marketing_consent = rng.random(n) < 0.62
    loyalty_tenure_months = rng.gamma(2.0, 14.0, n).round().astype(int)
    device = rng.choice(np.array(_DEVICES, dtype=object), n, p=[0.3, 0.3, 0.25, 0.15])

    # Per-customer latent interest per category drives history and future outcomes (a).
    k = len(CATEGORIES)
    interest = rng.normal(0.0, 0.8, (n, k))
    e = CATEGORIES.index("electronics")
    interest[senior, e] -= 1.2  # (d) planted: less interest in electronics at 65+
    rates = np.array([_BASE_RATE[c] for c in CATEGORIES])
    lam = rates * np.exp(interest - 0.3)
    purchases = rng.poisson(lam)
    browse = np.round(rng.gamma(1.5, 1.0, (n, k)) * 6.0 * np.exp(interest) + rng.exponential(2.0, (n, k)), 1)

    # Outcomes: mainly history and interest; small income and tenure effects; district on garden.
    base = np.array([_BASE_LOGIT[c] for c in CATEGORIES])
    logit = (
        base
        + 0.55 * np.log1p(purchases)
        + 0.035 * np.minimum(browse, 60)
        + 0.55 * interest
        + 0.10 * (income_idx[:, None] - 1.5)
        + 0.004 * np.minimum(loyalty_tenure_months, 60)[:, None]
    )
    g = CATEGORIES.index("garden")
    logit[:, g] += _GARDEN_BY_DISTRICT[district_idx]
    logit[senior, e] -= 0.6  # (d)
    bought = (rng.random((n, k)) < 1.0 / (1.0 + np.exp(-logit))).astype(int)

    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "date_of_birth": pd.to_datetime(dob).strftime("%Y-%m-%d").astype(object),
            "gender": gender,
            "age_band": age_band,
            "ethnicity": ethnicity,
            "postcode": postcode,
            "income_band": income_band,
            "pet_name": pet_name,
            "marketing_consent": marketing_consent,
            "loyalty_tenure_months": loyalty_tenure_months,
            "device": device,
        }
    )
    for j, c in enumerate(CATEGORIES):
        customers[f"purchases_{c}"] = purchases[:, j]
    for j, c in enumerate(CATEGORIES):
        customers[f"browse_minutes_{c}"] = browse[:, j]

    catalogue = pd.DataFrame(
        {
            "category": list(CATEGORIES),
            "department": [_DEPARTMENT[c] for c in CATEGORIES],
            "n_products": rng.integers(80, 900, k),
        }
    )
    outcomes = pd.DataFrame(
        {
            "customer_id": np.repeat(customer_id, k),
            "category": np.tile(np.array(CATEGORIES, dtype=object), n),
            "bought": bought.reshape(-1),
        }
    )
    return RetailDemo(customers=customers, catalogue=catalogue, outcomes=outcomes, random_state=int(random_state))


def planted_truths() -> dict[str, object]:
    """The truths the generator plants, for tests to compare the audit's findings with.

    No code path of the audit reads this; it documents the generator.
    """
    return {
        "signal_columns": ["category_purchases_90d", "category_browse_minutes_90d"],
        "signal_categories": ["behavioural"],
        "no_signal_columns": ["full_name", "email", "phone", "pet_name"],
        "no_signal_inputs": ["device", "marketing_consent"],
        "proxy": {"column": "postcode", "sensitive_feature": "ethnicity"},
        "disparity": {"category": "electronics", "sensitive_feature": "age_band", "group": "65+"},
        "sensitive_only_for_bias_testing": ["ethnicity"],
    }
