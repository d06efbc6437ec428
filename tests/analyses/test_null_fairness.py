"""Null and power tests of the fairness findings.

Null: the sensitive columns are shuffled across customers (each customer keeps one value),
so every difference between groups is noise. Over 20 seeds, the share of runs that raise
any medium or high finding about groups (``fairness.exposure_gap``,
``fairness.selection_rate_gap``, ``fairness.proxy``) must be at most 10%; the design target
is 5% per family (Benjamini-Hochberg at 5%). Item-side exposure does not involve the
sensitive columns and is not part of this test.

Power: a planted exposure gap is found at the smallest size where the test is expected
to find it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from nulldata import credit, streaming

import explainer as ex
from explainer.findings import audit_findings
from explainer.analyses._fairness import audit_fairness

GROUP_CODES = ("fairness.exposure_gap", "fairness.selection_rate_gap", "fairness.proxy", "fairness.proxy_flow")
SEEDS = range(20)


def _group_findings(findings) -> list:
    return [f for f in findings if f.code in GROUP_CODES and f.severity.value in ("medium", "high")]


def _shuffled(df: pd.DataFrame, unit: str, columns: list[str], seed: int) -> pd.DataFrame:
    """``columns`` permuted across the units (customers), each unit keeping one value on all its rows."""
    per = df.groupby(unit, sort=True)[columns].first()
    per = pd.DataFrame(per.to_numpy()[np.random.default_rng(seed).permutation(len(per))], index=per.index,
                       columns=columns)
    out = df.copy()
    for c in columns:
        out[c] = df[unit].map(per[c]).to_numpy()
    return out


def _ranking_fairness(df: pd.DataFrame, sensitive: list[str], *, user: str, item: str, y: str, pred: str,
                      score: str) -> list:
    # the finding rules read exposure and group metrics: quality (from scores) and intersections are
    # left out to keep 20 seeds cheap; score is kept in the signature for the callers' clarity
    del score
    fair = audit_fairness(df[y].to_numpy(), df[pred].to_numpy(), sensitive_features=df[sensitive],
                          user_ids=df[user].to_numpy(), items=df[item].to_numpy(), k=3, n_boot=20,
                          intersections=False, check_metricframe=False, random_state=0)
    return _group_findings(audit_findings("ranking", fairness=fair))


def test_null_streaming_recommender_shuffled_groups():
    base = streaming(300, n_movies=15, seed=11)
    runs = [bool(_ranking_fairness(_shuffled(base, "viewer", ["age_band", "sex"], s), ["age_band", "sex"],
                                   user="viewer", item="movie", y="watched", pred="shown", score="score"))
            for s in SEEDS]
    assert sum(runs) <= 2, f"{sum(runs)} of 20 null runs raised a medium or high group finding"


def test_null_credit_decisions_shuffled_groups():
    base = credit(1500, seed=3)
    base["applicant"] = np.arange(len(base))
    hits = 0
    for s in SEEDS:
        df = _shuffled(base, "applicant", ["sex", "age_band"], s)
        fair = audit_fairness(df["repaid"], df["approved"], sensitive_features=df[["sex", "age_band"]],
                              y_score=df["score"], n_boot=20, check_metricframe=False, random_state=0)
        hits += bool(_group_findings(audit_findings("binary", fairness=fair)))
    assert hits <= 2, f"{hits} of 20 null runs raised a medium or high group finding"


def test_null_demo_shuffled_groups(recommender, demo_audit):
    test = recommender.test.reset_index(drop=True)
    shown = demo_audit.model.predict_decision(test)
    score = demo_audit.model.predict_score(test)
    base = test.assign(_shown=shown, _score=score)
    sensitive = ["gender", "age_band", "ethnicity"]
    runs = [bool(_ranking_fairness(_shuffled(base, "customer_id", sensitive, s), sensitive, user="customer_id",
                                   item="category", y="bought", pred="_shown", score="_score"))
            for s in SEEDS]
    assert sum(runs) <= 2, f"{sum(runs)} of 20 null runs raised a medium or high group finding"
    # the same data with the real groups still shows the planted gap (the shuffle is what removed it)
    assert _ranking_fairness(base, sensitive, user="customer_id", item="category", y="bought", pred="_shown",
                             score="_score")


def test_null_end_to_end_through_audit():
    """The whole audit (explanation, proxies, privacy and the finding rules) on small credit data."""
    from sklearn.linear_model import LogisticRegression

    base = credit(300, seed=5)
    base["applicant"] = np.arange(len(base))
    model = LogisticRegression().fit(base[["income", "debt", "noise_a"]], base["repaid"])
    hits = 0
    for s in SEEDS:
        df = _shuffled(base, "applicant", ["sex", "age_band"], s).drop(columns=["applicant", "score", "approved"])
        a = ex.audit(model, df, target="repaid", sensitive_features=["sex", "age_band"], sample_size=60,
                     n_boot=20, refit=False, quasi_identifiers=[], random_state=s)
        hits += bool(_group_findings(a.findings))
    assert hits <= 2, f"{hits} of 20 null audits raised a medium or high group finding"


#: Smallest streaming audience at which the planted gap below is expected to be found (power of
#: at least 80%): with 15 movies, 3 of them documentaries whose scores drop by 1.0 for the 55+
#: band, seeds 100-109 find it in 1 of 10 runs at 200 viewers, 8 of 10 at 400 (about 100 per
#: age band), 9 of 10 at 600 and 10 of 10 at 800.
PLANTED_MIN_VIEWERS = 400


def test_power_planted_exposure_gap_found_at_the_stated_size():
    found_in = 0
    for seed in range(100, 110):
        df = streaming(PLANTED_MIN_VIEWERS, n_movies=15, seed=seed, planted=("55+", "documentary", 1.0))
        docs = set(df.loc[df["genre"] == "documentary", "movie"])
        found = _ranking_fairness(df, ["age_band", "sex"], user="viewer", item="movie", y="watched",
                                  pred="shown", score="score")
        gaps = [g for f in found if f.code == "fairness.exposure_gap" for g in f.evidence["gaps"]]
        found_in += any(g["low_group"] == "55+" and g["item"] in docs for g in gaps)
        # nothing is claimed about sex, which plays no part in the scores
        assert not [f for f in found if f.columns == ("sex",)]
    assert found_in >= 8
