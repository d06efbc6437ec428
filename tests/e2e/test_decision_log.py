"""Auditing a log of decisions without the model, end to end through main(argv) and the API.

The log is made by hand so that every rate is known:

group A (20 rows): 10 positives, 8 scored >= 0.5 (TP 8, FN 2); 10 negatives, 3 scored >= 0.5
    (FP 3, one of them exactly at the threshold), 7 below (TN 7).
    selection rate 11/20, TPR 8/10, FPR 3/10, FNR 2/10, precision 8/11, accuracy 15/20.
group B (20 rows): 5 positives, 2 scored >= 0.5 (TP 2, FN 3); 15 negatives, 1 scored >= 0.5
    (FP 1), 14 below (TN 14, one of them at 0.49).
    selection rate 3/20, TPR 2/5, FPR 1/15, precision 2/3, accuracy 16/20.
Demographic parity difference 0.55 - 0.15 = 0.40, ratio 0.15 / 0.55; equalized odds
difference max(|0.8 - 0.4|, |0.3 - 1/15|) = 0.4.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer.cli import main
from explainer.errors import InvalidInputError


def _log() -> pd.DataFrame:
    a_scores = [0.9] * 8 + [0.2] * 2 + [0.7, 0.7, 0.5] + [0.1] * 7
    a_y = [1] * 10 + [0] * 10
    b_scores = [0.8] * 2 + [0.3] * 3 + [0.6] + [0.2] * 13 + [0.49]
    b_y = [1] * 5 + [0] * 15
    df = pd.DataFrame({
        "score": a_scores + b_scores,
        "repaid": a_y + b_y,
        "region": ["A"] * 20 + ["B"] * 20,
        "channel": (["web", "branch"] * 20),
        "amount": np.arange(40) * 10.0,
    })
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True)  # order must not matter


EXPECTED = {
    "A": {"count": 20, "selection_rate": 11 / 20, "true_positive_rate": 0.8, "false_positive_rate": 0.3,
          "false_negative_rate": 0.2, "precision": 8 / 11, "accuracy": 0.75},
    "B": {"count": 20, "selection_rate": 3 / 20, "true_positive_rate": 0.4, "false_positive_rate": 1 / 15,
          "false_negative_rate": 0.6, "precision": 2 / 3, "accuracy": 0.8},
}


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory):
    d = tmp_path_factory.mktemp("log")
    _log().to_csv(d / "log.csv", index=False)
    _log().assign(decision=lambda t: (t["score"] >= 0.5).astype(int)).to_parquet(d / "log.parquet")
    return d


def _run(args, capsys):
    rc = main(args)
    return rc, capsys.readouterr().err


def test_cli_audits_a_score_log_with_hand_computed_rates(log_csv, capsys):
    out = log_csv / "out"
    rc, err = _run(["audit", str(log_csv / "log.csv"), "--predictions", "score", "--target", "repaid",
                    "--sensitive", "region", "--threshold", "0.5", "--min-group-size", "10", "--n-boot", "50",
                    "--out", str(out), "--quiet"], capsys)
    assert rc == 0, err
    doc = json.loads((out / "audit.json").read_text())
    groups = {g["group"]: g for g in doc["fairness"]["by_feature"]["region"]["groups"]}
    for name, expected in EXPECTED.items():
        for metric, value in expected.items():
            assert groups[name]["metrics"][metric]["value"] == pytest.approx(value, abs=1e-9), (name, metric)
            lo, hi = groups[name]["metrics"][metric]["ci"]
            assert lo <= value + 1e-9 and value - 1e-9 <= hi
    dis = {d["measure"]: d for d in doc["fairness"]["by_feature"]["region"]["disparities"]}
    assert dis["demographic_parity_difference"]["value"] == pytest.approx(0.40)
    assert dis["demographic_parity_ratio"]["value"] == pytest.approx(0.15 / 0.55)
    assert dis["demographic_parity_ratio"]["flagged"] is True
    assert dis["equalized_odds_difference"]["value"] == pytest.approx(0.4)
    # overall rates, also by hand: 14 of 40 selected, 25 of 40 right, 15 of 40 positive
    m = doc["model"]["metrics"]
    assert m["selection_rate"] == pytest.approx(14 / 40)
    assert m["accuracy"] == pytest.approx(31 / 40)
    assert m["base_rate"] == pytest.approx(15 / 40)
    assert doc["model"]["type"] == "decision log" and doc["model"]["threshold"] == 0.5
    # no model: nothing attributed, nothing claimed about use
    assert doc["explanation"] is None and doc["minimisation"] is None and doc["proxy_flow"] is None
    assert all(f["used_by_model"] is None for f in doc["features"])
    html = (out / "audit.html").read_text()
    for section in ("influence", "columns", "minimisation", "proxies"):
        part = html.split(f'<section id="{section}">')[1].split("</section>")[0]
        assert "Not assessed: no model" in part, section
    assert "ThresholdOptimizer" in html and "not applied" in html.lower()
    assert (out / "disclosure.html").is_file()
    codes = {f["code"] for f in doc["findings"]}
    # 11 of 20 against 3 of 20 is below four-fifths, but 20 people a side are too few for a claim:
    # Fisher's exact p is 0.0187 (scipy.stats.fisher_exact([[11, 9], [3, 17]])), and adjusted for
    # the family's three tests (selection rate, TPR, FPR) it does not pass at 5%
    sr = dis["demographic_parity_ratio"]
    assert sr["p_value"] == pytest.approx(0.018701126, abs=1e-6)
    assert sr["p_adjusted"] > 0.05 and sr["significant"] is False
    assert (sr["low_group"], sr["high_group"]) == ("B", "A")
    assert sr["ci_low"] <= sr["value"] <= sr["ci_high"]
    assert "fairness.selection_rate_gap" not in codes


def test_cli_audits_a_parquet_log_of_decisions(log_csv, capsys):
    out = log_csv / "out_dec"
    rc, err = _run(["audit", str(log_csv / "log.parquet"), "--predictions", "decision", "--target", "repaid",
                    "--sensitive", "region", "channel", "--min-group-size", "10", "--n-boot", "20",
                    "--out", str(out), "--quiet"], capsys)
    assert rc == 0, err
    doc = json.loads((out / "audit.json").read_text())
    groups = {g["group"]: g for g in doc["fairness"]["by_feature"]["region"]["groups"]}
    assert groups["A"]["metrics"]["selection_rate"]["value"] == pytest.approx(0.55)
    assert groups["B"]["metrics"]["true_positive_rate"]["value"] == pytest.approx(0.4)
    assert doc["model"]["predictions_kind"] == "decisions"
    # decisions only: no scores to post-process, so no mitigation comparison
    assert doc["fairness"]["mitigation"] is None
    assert "it needs scores" in (out / "audit.html").read_text()


def test_scores_without_threshold_is_a_clear_error(log_csv, capsys):
    rc, err = _run(["audit", str(log_csv / "log.csv"), "--predictions", "score", "--target", "repaid",
                    "--sensitive", "region", "--out", str(log_csv / "o2"), "--quiet"], capsys)
    assert rc == 2
    line = err.strip().splitlines()
    assert len(line) == 1 and "threshold must be given" in line[0] and "'score'" in line[0]
    assert not (log_csv / "o2").exists()


def test_model_or_predictions_is_required(log_csv, capsys):
    rc, err = _run(["audit", str(log_csv / "log.csv"), "--target", "repaid", "--out", str(log_csv / "o3")], capsys)
    assert rc == 2 and "--model or --predictions is required" in err


@pytest.mark.parametrize("bad, message", [
    (["--sensitive", "no_such_column"], "sensitive_features must name columns"),
    (["--sensitive", "single"], "must have at least two groups"),
])
def test_cli_sensitive_feature_errors_with_a_log(log_csv, capsys, bad, message):
    df = _log().assign(single="zz_only_group")
    df.to_csv(log_csv / "log_single.csv", index=False)
    rc, err = _run(["audit", str(log_csv / "log_single.csv"), "--predictions", "score", "--target", "repaid",
                    "--threshold", "0.5", *bad, "--out", str(log_csv / "o4"), "--quiet"], capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "zz_only_group" not in err  # no cell value of the data in the message


def test_api_audit_decisions_matches_the_hand_table():
    a = ex.audit_decisions(_log(), predictions="score", target="repaid", sensitive_features=["region"],
                           threshold=0.5, min_group_size=10, n_boot=50)
    assert isinstance(a, ex.Audit) and a.model is None and a.explanation is None
    for name, expected in EXPECTED.items():
        for metric, value in expected.items():
            assert a.fairness.groups.value("region", name, metric) == pytest.approx(value)
    assert "decision log" in repr(a)


def test_api_sensitive_feature_errors():
    log = _log().assign(single="zz_only_group")
    with pytest.raises(InvalidInputError, match="sensitive_features must name columns.*no_such"):
        ex.audit_decisions(log, predictions="score", target="repaid", sensitive_features=["no_such"], threshold=0.5)
    with pytest.raises(InvalidInputError, match="'single' must have at least two groups. Got 1"):
        ex.audit_decisions(log, predictions="score", target="repaid", sensitive_features=["single"], threshold=0.5)
    with pytest.raises(InvalidInputError, match="predictions must name a column"):
        ex.audit_decisions(log, predictions="nope", target="repaid", sensitive_features=["region"], threshold=0.5)
