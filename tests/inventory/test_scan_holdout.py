"""The scanner on a held-out labelled set written after it and never used to tune it.

Measured when the set was first run (see benchmarks/scan_accuracy.py, which prints the
per-category table): overall precision 0.97, recall 0.80 on 51 columns, against 1.00 and
1.00 on the corpus written alongside the scanner. The issue's recall target (0.90) is not
met on this set; the test guards the measured level so that a change that lowers it fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from scan_accuracy import measure
from scan_holdout import make_holdout

from explainer.inventory import scan


@pytest.fixture(scope="module")
def holdout():
    df, labels = make_holdout(1_500, seed=11)
    return df, labels, scan(df)


def test_holdout_is_large_labelled_and_messy(holdout):
    df, labels, _ = holdout
    assert df.shape[1] >= 40 and set(labels) == set(df.columns)
    assert sum(1 for v in labels.values() if v == "other") >= 10  # hard negatives
    assert (df == "N/A").any().sum() >= 5 and df.isna().any().sum() >= 5


def test_holdout_precision_and_recall_at_the_measured_level(holdout):
    _, labels, result = holdout
    m = measure(labels, {g.column: g.category for g in result.guesses})
    assert m["precision"] >= 0.95, m["wrong"]
    assert m["recall"] >= 0.90, m["wrong"]  # issue 16's target (0.80 before its multilingual vocabularies)
    # no special-category column filed as anything else (an identifier, or "not sensitive")
    special = [c for c, lab in labels.items() if lab == "special_category"]
    assert special and all(result[c].category == "special_category" for c in special)
    # the hard negatives shaped like phones, cards and IP addresses stay 'other'
    predicted = {g.column: g.category for g in result.guesses}
    for col in ("numero_facture", "ean13", "version_app", "hash_transaccion", "numero_commande"):
        assert predicted[col] == "other", col


def test_holdout_output_holds_no_value(holdout):
    df, _, result = holdout
    text = repr(result) + result._repr_html_() + result.inventory.to_yaml() + result.to_frame().to_csv()
    values = {str(v).strip() for c in df.columns for v in df[c].dropna().unique()}
    # short decimals can equal a match share by chance (0.9987); everything else must be absent
    leaked = [v for v in values if len(v) >= 6 and v in text and not (len(v) < 8 and v.replace(".", "").isdigit())]
    assert leaked == []
    assert result.rows_read == 1_500
