"""The scanner on data that is not a shop: a streaming service, a yes/no decision, insurance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainer.demo import (
    decision_column_labels,
    make_decision_demo,
    make_streaming_demo,
    streaming_column_labels,
)
from explainer.inventory import scan

#: Labels the audit sets from its arguments (the ranked item and its facts, the outcome).
_AUDIT_ROLES = ("item", "target")


@pytest.fixture(scope="module")
def streaming():
    return make_streaming_demo(600, random_state=3).interactions, streaming_column_labels()


@pytest.fixture(scope="module")
def decision():
    return make_decision_demo(1_200, random_state=4).applications, decision_column_labels()


@pytest.mark.parametrize("which", ["streaming", "decision"])
def test_every_person_column_gets_its_true_category(which, request):
    df, labels = request.getfixturevalue(which)
    assert set(labels) == set(df.columns)
    result = scan(df)
    wrong = {c: (lab, result[c].category) for c, lab in labels.items()
             if lab not in _AUDIT_ROLES and result[c].category != lab}
    assert wrong == {}


def test_special_category_columns_are_never_identifiers_in_any_language():
    n = 400
    rng = np.random.default_rng(0)
    groups = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
    df = pd.DataFrame({
        "race": rng.choice(groups, n), "raza": rng.choice(groups, n), "Rasse": rng.choice(groups, n),
        "origine_ethnique": rng.choice(groups, n), "religion": rng.choice(["Smith", "Young"], n),
        "gesundheit": rng.choice(["ok", "not ok"], n), "salud": rng.choice(["a", "b"], n),
        "orientation_sexuelle": rng.choice(["a", "b", "c"], n), "sexuelle_orientierung": rng.choice(["a", "b"], n),
        "orientacion_sexual": rng.choice(["a", "b"], n), "syndicat": rng.choice(["y", "n", "?"], n),
        "gewerkschaft": rng.choice(["ja", "nein", "?"], n), "sindicato": rng.choice(["si", "no", "?"], n),
        "opinion_politique": rng.choice(["a", "b", "c"], n), "politische_meinung": rng.choice(["a", "b", "c"], n),
        "fingerabdruck": [f"h{i}" for i in range(n)], "handicap": rng.choice(["a", "b", "c"], n),
    })
    result = scan(df)
    for g in result.guesses:
        assert g.category == "special_category", (g.column, g.category, g.rule)
        assert g.role == "sensitive"


def test_near_unique_reference_codes_are_identifiers_whatever_their_name():
    n = 300
    df = pd.DataFrame({
        "policy_ref": [f"PX-{100_000 + i}" for i in range(n)],
        "x7": [f"QZ{500_000 + i}" for i in range(n)],
        "claim_no": np.arange(n) * 3 + 17,
        "member_number": np.arange(n) + 1,
        "order_no": np.arange(n) + 1,
        "invoice_ref": [f"INV-{i:06d}" for i in range(n)],
        "premium_code": np.random.default_rng(1).integers(0, 5, n),  # not near-unique: not an id
    })
    result = scan(df)
    for col in ("policy_ref", "x7", "claim_no", "member_number"):
        assert result[col].category == "direct_identifier", (col, result[col].rule)
        assert result[col].role == "identifier"
    for col in ("order_no", "invoice_ref", "premium_code"):
        assert result[col].category != "direct_identifier", col


def test_an_unambiguous_name_wins_over_a_weak_value_check():
    names = [f"{a} {b}" for a, b in zip(["Zephyra", "Orrin", "Talwyn", "Quillon"] * 50,
                                         ["Quarrington", "Vellacott", "Ashbury", "Penhallow", "Oyelaran"] * 40)]
    df = pd.DataFrame({"full_name": names, "surname": [x.split()[1] for x in names],
                       "name": ["Blue Mug", "Oak Table", "Desk Lamp", "Wool Scarf"] * 50})
    result = scan(df)
    assert result["full_name"].category == "direct_identifier"
    assert result["surname"].category == "direct_identifier"
    assert result["name"].category == "other"  # a bare "name" still needs values that read as names


def test_activity_counts_work_and_money_columns():
    n = 200
    rng = np.random.default_rng(2)
    df = pd.DataFrame({
        "n_sci_fi": rng.poisson(3, n), "num_visits": rng.poisson(3, n), "rating_count": rng.poisson(3, n),
        "nb_achats": rng.poisson(3, n), "minutes_watched": rng.poisson(30, n), "sessions_7d": rng.poisson(3, n),
        "occupation": rng.choice(["nurse", "clerk", "driver"], n), "hours_per_week": rng.integers(10, 60, n),
        "education": rng.choice(["HS-grad", "Bachelors"], n), "employer": rng.choice(["A Ltd", "B plc"], n),
        "beruf": rng.choice(["a", "b"], n), "ocupacion": rng.choice(["a", "b"], n),
        "capital_gain": rng.integers(0, 9_000, n), "capital_loss": rng.integers(0, 900, n),
        "n_children": rng.integers(0, 4, n),
    })
    result = scan(df)
    for col in ("n_sci_fi", "num_visits", "rating_count", "nb_achats", "minutes_watched", "sessions_7d"):
        assert result[col].category == "behavioural", (col, result[col].rule)
    for col in ("occupation", "hours_per_week", "education", "employer", "beruf", "ocupacion"):
        assert result[col].category == "work_education", (col, result[col].rule)
    for col in ("capital_gain", "capital_loss"):
        assert result[col].category == "financial", col
    assert result["n_children"].category == "demographic"  # a count of children is not activity


def test_missing_value_markers_are_not_values():
    df = pd.DataFrame({"genre": ["Homme", "Femme", "Autre", "?", "N/A", "-"] * 40})
    assert scan(df)["genre"].category == "demographic"


def test_a_near_unique_code_under_a_topic_word_is_an_identifier():
    import numpy as np
    import pandas as pd

    import explainer as ex

    n = 300
    df = pd.DataFrame({"loan_ref": np.arange(500_000, 500_000 + n), "policy_no": [f"PX-{i}" for i in range(n)],
                       "loan_amount": np.random.default_rng(0).gamma(2.0, 5000.0, n).round(2)})
    cats = {g.column: g.category for g in ex.scan(df).guesses}
    # one code per row singles out the person; the amount stays financial
    assert cats == {"loan_ref": "direct_identifier", "policy_no": "direct_identifier", "loan_amount": "financial"}
