"""The same data and seed give the same audit on any day: nothing measured depends on today's date.

The clock is moved with time-machine, which changes what ``date.today()``, ``datetime.now()`` and
``pandas.Timestamp.now()`` return everywhere in the process.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
import time_machine
from sklearn.linear_model import LogisticRegression

import explainer as ex
from explainer.analyses import reidentification_risk
from explainer.inventory import scan

#: Two days five and a half years apart: ages, and age bands measured at "today", differ.
DAYS = (datetime(2026, 3, 1, 12, tzinfo=timezone.utc), datetime(2031, 9, 15, 12, tzinfo=timezone.utc))


def _people(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dob = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 55 * 365, n), unit="D")
    x = rng.normal(size=n)
    return pd.DataFrame({
        "date_of_birth": dob.strftime("%Y-%m-%d"),
        "gender": rng.choice(["female", "male"], n),
        "postcode": rng.choice(["LS6 2AB", "LS6 3CD", "YO1 7HH", "M1 1AE", "M2 4WU"], n),
        "x1": x,
        "x2": rng.normal(size=n),
        "y": ((x + rng.normal(scale=1.5, size=n)) > 0).astype(int),
    })


def _on(day: datetime, fn):
    with time_machine.travel(day, tick=False):
        assert pd.Timestamp.now(tz="UTC").year == day.year  # the clock really moved
        return fn()


def test_reidentification_without_reference_date_is_the_same_on_any_day():
    df = _people()

    def run():
        return reidentification_risk(df, quasi_identifiers=["date_of_birth", "gender", "postcode"],
                                     k_threshold=5).to_dict()

    a, b = (_on(day, run) for day in DAYS)
    assert a == b
    assert a["reference_date"] is None
    assert any("birth cohort" in s["description"] for s in a["suggestions"])
    assert not any("age band" in s["description"] for s in a["suggestions"])


def test_a_reference_date_gives_age_bands_at_that_date_on_any_day():
    df = _people()

    def run():
        return reidentification_risk(df, quasi_identifiers=["date_of_birth", "gender", "postcode"],
                                     k_threshold=5, reference_date="2025-01-01").to_dict()

    a, b = (_on(day, run) for day in DAYS)
    assert a == b
    assert a["reference_date"] == "2025-01-01"
    assert any("age bands" in s["description"] for s in a["suggestions"])


def test_audit_json_is_the_same_on_two_days():
    df = _people()
    model = LogisticRegression().fit(df[["x1", "x2"]], df["y"])

    def run():
        doc = ex.audit(model, df, target="y", sensitive_features=["gender"], sample_size=200, n_boot=50,
                       random_state=0, refit=False).to_dict()
        doc["provenance"].pop("created_at")
        return doc

    a, b = (_on(day, run) for day in DAYS)
    assert a["privacy"]["reidentification"]["quasi_identifiers"] == ["date_of_birth", "gender", "postcode"]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("hint", [True, False])
def test_date_of_birth_scan_does_not_change_within_a_year(hint):
    """Day-level ages would flip this column: 15% of its dates turn 110 during 2026."""
    rng = np.random.default_rng(2)
    n = 400
    dob = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 60 * 365, n), unit="D")
    dob = pd.Series(dob.strftime("%Y-%m-%d"))
    dob.iloc[: n * 15 // 100] = [f"1916-{m:02d}-15" for m in rng.integers(2, 12, n * 15 // 100)]
    df = pd.DataFrame({"date_of_birth" if hint else "d1": dob})
    col = df.columns[0]

    def run():
        g = scan(df)[col]
        return g.category, g.rule, g.match_share

    first, last = (_on(day, run) for day in (datetime(2026, 1, 2, 12), datetime(2026, 12, 30, 12)))
    assert first == last
    assert first[0] == "demographic" and first[1] == "value:date_of_birth"
