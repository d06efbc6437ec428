"""Membership inference (loss-threshold attack): planted overfitting, a regularised model, no holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve

from explainer.analyses._membership import _auc_adv, membership_inference_risk
from explainer.errors import InvalidInputError


def _noisy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = ((X[:, 0] + rng.normal(scale=1.5, size=n)) > 0).astype(int)  # noisy labels
    return X, y


def test_overfitted_forest_is_clearly_attackable() -> None:
    X, y = _noisy(4000, 1)
    rf = RandomForestClassifier(n_estimators=50, min_samples_leaf=1, random_state=0, n_jobs=1)
    rf.fit(X[:2000], y[:2000])
    r = membership_inference_risk(rf, X[:2000], y[:2000], X[2000:], y[2000:], n_boot=300)
    assert r.available and r.reason is None
    assert r.auc is not None and r.auc > 0.7
    assert r.auc_interval is not None and r.auc_interval[0] > 0.6
    assert r.level == "clear"
    assert r.summary.startswith("An attacker could clearly tell")
    assert r.train_loss is not None and r.holdout_loss is not None
    assert r.train_loss < r.holdout_loss
    assert r.n_members == r.n_nonmembers == 2000


def test_regularised_logistic_regression_is_at_chance() -> None:
    rng = np.random.default_rng(0)
    n = 20000
    X = rng.normal(size=(2 * n, 5))
    y = ((X[:, 0] + X[:, 1] + rng.normal(size=2 * n)) > 0).astype(int)
    lr = LogisticRegression().fit(X[:n], y[:n])
    r = membership_inference_risk(lr, X[:n], y[:n], X[n:], y[n:])
    assert r.auc is not None and 0.45 <= r.auc <= 0.56
    assert r.auc_interval is not None and r.auc_interval[0] <= 0.5 <= r.auc_interval[1]
    assert r.level == "none"
    assert r.summary.startswith(
        f"With {n} training and {n} held-out rows, the attack showed no measurable advantage over chance"
    )
    assert "does not prove there is no risk" in r.summary


def test_no_holdout_means_not_available() -> None:
    X, y = _noisy(200, 2)
    lr = LogisticRegression().fit(X, y)
    r = membership_inference_risk(lr, X, y)
    assert r.available is False
    assert r.auc is None and r.auc_interval is None and r.advantage is None
    assert r.level == "not_assessed"
    assert r.reason is not None and "no held-out data" in r.reason
    assert r.to_frame().empty
    assert r.to_dict()["auc"] is None


def test_point_estimates_match_sklearn_on_the_same_rows() -> None:
    X, y = _noisy(1200, 4)
    rf = RandomForestClassifier(n_estimators=20, random_state=0, n_jobs=1).fit(X[:600], y[:600])
    r = membership_inference_risk(rf, X[:600], y[:600], X[600:], y[600:], n_boot=50)
    p = rf.predict_proba(X)[np.arange(1200), y]
    score = np.log(np.clip(p, 1e-12, 1))
    member = np.r_[np.ones(600), np.zeros(600)]
    assert r.auc == pytest.approx(roc_auc_score(member, score))
    fpr, tpr, _ = roc_curve(member, score)
    assert r.advantage == pytest.approx(np.max(tpr - fpr))


def test_auc_from_counts_handles_ties_by_hand() -> None:
    # unique scores s0 < s1 < s2. Members: one at s1, one at s2. Non-members: one at s0, one at s1.
    # pairs: (s1 vs s0)=1, (s1 vs s1)=0.5, (s2 vs s0)=1, (s2 vs s1)=1 -> 3.5 / 4
    auc, adv = _auc_adv(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0]))
    assert auc == pytest.approx(0.875)
    # threshold s2: TPR 1/2, FPR 0; threshold s1: TPR 1, FPR 1/2 -> advantage 1/2
    assert adv == pytest.approx(0.5)


def test_callable_and_dataframe_inputs_and_balancing() -> None:
    X, y = _noisy(3000, 5)
    cols = [f"f{i}" for i in range(5)]
    Xdf = pd.DataFrame(X, columns=cols)
    rf = RandomForestClassifier(n_estimators=20, random_state=0, n_jobs=1).fit(Xdf.iloc[:1000], y[:1000])
    by_model = membership_inference_risk(
        rf, Xdf.iloc[:1000], y[:1000], Xdf.iloc[1000:], y[1000:], n_boot=50, random_state=7
    )
    by_callable = membership_inference_risk(
        lambda rows: rf.predict_proba(rows)[:, 1],
        Xdf.iloc[:1000], y[:1000], Xdf.iloc[1000:], y[1000:], n_boot=50, random_state=7,
    )
    assert by_model.auc == pytest.approx(by_callable.auc)
    assert by_model.auc_interval == pytest.approx(by_callable.auc_interval)
    # 1000 members vs 2000 non-members: the larger side is subsampled to 1000
    assert by_model.n_members == by_model.n_nonmembers == 1000
    capped = membership_inference_risk(
        rf, Xdf.iloc[:1000], y[:1000], Xdf.iloc[1000:], y[1000:], n_boot=50, max_rows=300
    )
    assert capped.n_members == capped.n_nonmembers == 300


def test_string_labels_use_classes() -> None:
    X, y = _noisy(1000, 6)
    labels = np.where(y == 1, "bought", "ignored")
    rf = RandomForestClassifier(n_estimators=10, random_state=0, n_jobs=1).fit(X[:500], labels[:500])
    r = membership_inference_risk(rf, X[:500], labels[:500], X[500:], labels[500:], n_boot=50)
    p = rf.predict_proba(X)[np.arange(1000), np.searchsorted(rf.classes_, labels)]
    member = np.r_[np.ones(500), np.zeros(500)]
    assert r.auc == pytest.approx(roc_auc_score(member, np.log(np.clip(p, 1e-12, 1))))
    assert r.auc > 0.6


def test_errors() -> None:
    X, y = _noisy(100, 7)
    lr = LogisticRegression().fit(X, y)
    with pytest.raises(InvalidInputError, match="X_holdout and y_holdout must be given together"):
        membership_inference_risk(lr, X, y, X)
    with pytest.raises(InvalidInputError, match="y_train must be 1-d with one label per row"):
        membership_inference_risk(lr, X, y[:50], X, y)
    with pytest.raises(InvalidInputError, match="predict_proba_or_model must be"):
        membership_inference_risk("model", X, y, X, y)
    with pytest.raises(InvalidInputError, match="n_boot must be an integer of at least 50"):
        membership_inference_risk(lr, X, y, X, y, n_boot=10)
    with pytest.raises(InvalidInputError, match="Labels must be among the model's classes_"):
        membership_inference_risk(lr, X, y + 5, X, y)
    small = membership_inference_risk(lr, X[:5], y[:5], X[5:], y[5:])
    assert small.available is False and small.reason is not None and "too few rows" in small.reason


# ------------------------------------------------------------------ readings with known answers
def _attack_on_scores(member_z: np.ndarray, nonmember_z: np.ndarray, **kw):
    """Attack a 'model' whose probability of each row's (positive) label is sigmoid(z) of that row.

    The attack score log p is increasing in z, so the attack AUC is the AUC of z itself.
    """
    model = lambda X: 1 / (1 + np.exp(-np.asarray(X)[:, 0]))  # noqa: E731
    Xm, Xn = member_z.reshape(-1, 1), nonmember_z.reshape(-1, 1)
    r = membership_inference_risk(model, Xm, np.ones(len(Xm), int), Xn, np.ones(len(Xn), int), **kw)
    truth = roc_auc_score(np.r_[np.ones(len(Xm)), np.zeros(len(Xn))], np.r_[member_z, nonmember_z])
    return r, truth


def _shift_for_auc(auc: float) -> float:
    """Mean shift d of N(d, 1) against N(0, 1) with AUC = Phi(d / sqrt(2))."""
    from scipy.stats import norm

    return float(np.sqrt(2) * norm.ppf(auc))


def test_identical_scores_give_chance_and_no_measurable_advantage() -> None:
    z = np.random.default_rng(11).normal(size=3000)
    r, truth = _attack_on_scores(z, z[::-1].copy(), n_boot=200)
    assert truth == 0.5 and r.auc == pytest.approx(0.5)
    assert r.auc_interval[0] < 0.5 < r.auc_interval[1]
    assert r.level == "none"
    assert "no measurable advantage over chance" in r.summary and "3000 rows on each side" in r.summary
    assert "does not prove there is no risk" in r.summary


@pytest.mark.parametrize(("target", "level", "opening"), [
    (0.53, "slight", "An attacker could tell training rows from others slightly better than chance"),
    (0.62, "some", "An attacker could somewhat tell"),
    (0.80, "clear", "An attacker could clearly tell"),
])
def test_known_auc_gives_its_level(target: float, level: str, opening: str) -> None:
    rng = np.random.default_rng(12)
    n = 20000  # the AUC's standard error is about 0.003: the interval of 0.53 leaves out 0.5
    d = _shift_for_auc(target)
    r, truth = _attack_on_scores(rng.normal(d, 1, n), rng.normal(0, 1, n), n_boot=200)
    assert r.auc == pytest.approx(truth)
    assert r.auc == pytest.approx(target, abs=0.01)
    assert r.auc_interval[0] > 0.5
    assert r.auc_interval[0] <= r.auc <= r.auc_interval[1]
    assert r.level == level
    assert r.summary.startswith(opening)


def test_slight_advantage_is_a_low_finding_and_chance_is_none() -> None:
    from explainer.findings import privacy_findings as _privacy_findings

    rng = np.random.default_rng(13)
    n = 20000
    slight, _ = _attack_on_scores(rng.normal(_shift_for_auc(0.53), 1, n), rng.normal(0, 1, n), n_boot=200)
    assert slight.auc < 0.55 and slight.auc_interval[0] > 0.5 and slight.level == "slight"
    (f,) = _privacy_findings(None, slight, "customers")
    assert f.code == "privacy.membership_inference_risk" and f.severity.value == "low"
    assert "slightly better than chance" in f.text and "small but measurable" in f.text
    z = rng.normal(size=n)
    chance, _ = _attack_on_scores(z, rng.permutation(z), n_boot=200)
    assert chance.level == "none"
    assert _privacy_findings(None, chance, "customers") == []


def test_attack_worse_than_chance_is_read_as_such() -> None:
    rng = np.random.default_rng(14)
    n = 20000
    r, _ = _attack_on_scores(rng.normal(-_shift_for_auc(0.6), 1, n), rng.normal(0, 1, n), n_boot=200)
    assert r.auc_interval[1] < 0.5
    assert r.level == "none"
    assert r.summary.startswith("The attack did worse than chance")
    assert "no proof that there is no risk" in r.summary


def test_readings_never_claim_safety() -> None:
    from explainer.analyses._membership import _reading

    for auc, lo, hi in [(0.5, 0.48, 0.52), (0.45, 0.43, 0.47), (0.53, 0.52, 0.54), (0.6, 0.58, 0.62),
                        (0.8, 0.78, 0.82)]:
        _, text = _reading(auc, lo, hi, 1000, "customers")
        low = text.lower()
        for word in ("safe", "anonymous", "cannot tell", "could not tell"):
            assert word not in low
        # "no risk" only ever in "does not prove there is no risk" / "no proof that there is no risk"
        assert low.count("no risk") == low.count("prove there is no risk") + low.count("proof that there is no risk")
