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
        "An attacker could not tell training customers from others better than chance"
    )


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
