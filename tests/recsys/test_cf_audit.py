"""CF audits: popularity bias against a planted recommender and a brute force; proxies in learned factors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers_recsys import fit_item_item

import explainer as ex
from explainer.analyses._cf_audit import gini
from explainer.errors import InvalidInputError


def _planted_item_item(X, favourites):
    """An item-item model whose every item points at ``favourites`` only: they fill every list."""
    from implicit._nearest_neighbours import NearestNeighboursScorer
    from implicit.nearest_neighbours import ItemItemRecommender

    n = X.shape[1]
    S = np.zeros((n, n))
    for w, f in enumerate(favourites):
        S[:, f] = 1.0 / (w + 1)
    np.fill_diagonal(S, 0.0)
    m = ItemItemRecommender(K=n, num_threads=1)
    m.similarity = sp.csr_matrix(S)
    m.scorer = NearestNeighboursScorer(m.similarity)
    return m


def test_gini_is_the_mean_absolute_difference_formula():
    rng = np.random.default_rng(0)
    for x in (rng.integers(0, 20, 50), np.ones(10), np.r_[np.zeros(9), 5.0]):
        brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
        assert gini(x) == pytest.approx(brute)
    assert gini(np.ones(10)) == 0.0
    assert gini(np.r_[np.zeros(9), 5.0]) == pytest.approx(0.9)


def test_planted_head_recommender_fills_every_slot_with_the_head(histories):
    X = histories["X"]
    counts = np.diff(X.tocsc().indptr)
    order = np.lexsort((np.arange(X.shape[1]), -counts))
    head10 = order[:4]  # 10% of 40 items
    m = _planted_item_item(X, list(head10) + list(order[4:8]))
    cf = ex.wrap_model(m, interactions=X, user_ids=histories["user_ids"], item_ids=histories["item_ids"], k=3)
    res = ex.popularity_bias(cf, n_boot=50)
    # brute force from the model's own lists
    recs = np.concatenate([cf.recommend(u) for u in histories["user_ids"]])
    exposure = np.bincount(recs, minlength=X.shape[1])
    assert res.slot_share[0.1] == pytest.approx(np.isin(recs, head10).mean())
    assert res.slot_share[0.01] == pytest.approx((recs == order[0]).mean())
    assert res.interaction_share[0.1] == pytest.approx(counts[head10].sum() / counts.sum())
    assert res.head_size == {0.01: 1, 0.1: 4}
    assert res.gini == pytest.approx(gini(exposure))
    assert res.coverage == pytest.approx((exposure > 0).mean())
    # planted: only the 8 favourites are ever shown, mostly the head
    assert res.coverage <= 8 / 40
    assert res.slot_share[0.1] > 0.7 and res.amplification(0.1) > 2
    lo, hi = res.intervals["slot_share@0.1"]
    assert lo <= res.slot_share[0.1] <= hi
    assert set(res.to_frame()["measure"]) == {"slot_share@0.01", "slot_share@0.1", "gini", "coverage"}
    audit = ex.audit_collaborative(cf, n_boot=50)
    found = [f for f in audit.findings if f.code == "recsys.popularity_concentration"]
    assert 0.1 in {f.evidence["head"] for f in found}
    assert audit.fairness is None and audit.proxies is None  # no customer table, item-item keeps no factors
    assert not any(f.code == "recsys.served_gap" for f in audit.findings)  # item-item serves what it explains
    assert repr(audit).startswith("CollaborativeAudit(model=ItemItemRecommender, customers=240, k=3, findings={")


def test_als_shows_the_head_less_than_the_planted_head_recommender(als, histories):
    X = histories["X"]
    cf = ex.wrap_model(als, interactions=X, user_ids=histories["user_ids"], item_ids=histories["item_ids"], k=3)
    res = ex.popularity_bias(cf, n_boot=50)
    counts = np.diff(X.tocsc().indptr)
    order = np.lexsort((np.arange(X.shape[1]), -counts))
    planted = ex.popularity_bias(ex.wrap_model(_planted_item_item(X, list(order[:8])), interactions=X, k=3), n_boot=50)
    for r in (res, planted):
        for m, (lo, hi) in r.intervals.items():
            value = r.slot_share[float(m.split("@")[1])] if "@" in m else getattr(r, m)
            assert lo <= value <= hi, m
    assert res.coverage > planted.coverage
    assert res.gini < planted.gini
    assert res.intervals["gini"][1] < planted.intervals["gini"][0]


def test_learned_factors_reveal_a_planted_attribute_but_not_a_random_one(als, histories):
    rng = np.random.default_rng(5)
    fav = histories["fav"]
    # planted: "group" follows the favourite genre (crime/comedy vs drama/documentary) for 9 in 10 viewers
    group = np.where((fav < 2) ^ (rng.random(len(fav)) < 0.1), "a", "b")
    customers = pd.DataFrame({"viewer": histories["user_ids"], "group": group,
                              "coin": rng.choice(["x", "y"], len(fav))})
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"])
    res = ex.factor_proxies(cf, customers, sensitive_features=["group", "coin"], user_id="viewer")
    t = res.to_frame().set_index("sensitive_feature")
    assert t.loc["group", "column"] == "learned factors"
    assert t.loc["group", "auc"] > 0.8 and bool(t.loc["group", "flagged"])
    assert abs(t.loc["coin", "auc"] - 0.5) < 0.12 and not bool(t.loc["coin", "flagged"])


def test_factor_proxies_refuse_item_item_and_bad_columns(histories, als):
    from implicit.nearest_neighbours import CosineRecommender

    customers = pd.DataFrame({"group": ["a", "b"] * (len(histories["user_ids"]) // 2)},
                             index=histories["user_ids"])
    cf = ex.wrap_model(fit_item_item(CosineRecommender, histories["X"]), interactions=histories["X"],
                       user_ids=histories["user_ids"])
    with pytest.raises(InvalidInputError, match="cf must learn a factor per customer"):
        ex.factor_proxies(cf, customers, sensitive_features=["group"])
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"])
    with pytest.raises(InvalidInputError, match="sensitive_features must name columns of customers"):
        ex.factor_proxies(cf, customers, sensitive_features=["gender"])


def test_audit_collaborative_finds_the_planted_exposure_gap_and_explains_from_the_audit(als, histories):
    import json

    from test_cf_sources import _split

    views, trailers, test = _split()
    X = views + trailers
    from test_cf_sources import _als

    h = histories
    fav = h["fav"]
    rng = np.random.default_rng(5)
    group = np.where((fav < 2) ^ (rng.random(len(fav)) < 0.1), "a", "b")
    customers = pd.DataFrame({"viewer": h["user_ids"], "group": group})
    inv = ex.DataInventory.from_dict({"columns": [
        {"column": "views", "category": "behavioural", "source": "observed"},
        {"column": "trailers", "category": "behavioural", "source": "observed"},
    ]})
    cf = ex.wrap_model(_als(X), interactions=X, user_ids=h["user_ids"], item_ids=h["item_ids"],
                       item_labels=h["labels"], sources={"views": views, "trailers": trailers}, k=3)
    audit = ex.audit_collaborative(cf, customers, sensitive_features=["group"], user_id="viewer",
                                   test_interactions=test, inventory=inv, n_boot=50)
    # planted: group "a" likes crime and comedy, so crime titles (columns 0-9) reach "a" far more
    exp = audit.fairness.exposure
    crime = exp[(exp["feature"] == "group") & (exp["item"] < 10)].pivot_table(index="item", columns="group",
                                                                              values="rate", aggfunc="first")
    assert (crime["a"] > crime["b"]).mean() > 0.8
    # the exposure rate: share of the whole group that has the item in their top k (brute force); a
    # person who already watched it is not shown it and counts as not shown, so the denominator is
    # the group's size for every item and says nothing about who watched what
    item = int(crime.index[0])
    in_top = np.array([item in cf.recommend(u) for u in h["user_ids"]])
    assert crime.loc[item, "a"] == pytest.approx(in_top[group == "a"].mean())
    n_of = exp[exp["feature"] == "group"].groupby("group")["n"].agg(["min", "max"])
    assert (n_of["min"] == n_of["max"]).all() and n_of.loc["a", "min"] == (group == "a").sum()
    assert audit.fairness.quality is not None
    assert audit.served_gap.n_pairs == 3 * len(h["user_ids"]) and audit.served_gap.mean_abs > 0
    assert audit.sources.shares["views"] > audit.sources.shares["trailers"]
    assert bool(audit.proxies.to_frame().set_index("sensitive_feature").loc["group", "flagged"])
    codes = {f.code for f in audit.findings}
    assert {"recsys.served_gap", "recsys.factor_proxy"} <= codes
    gap_finding = next(f for f in audit.findings if f.code == "recsys.served_gap")
    assert f"{audit.served_gap.relative:.1%}" in gap_finding.text
    # the popularity finding appears exactly when the head's slot share is above its interaction share
    expected = {h for h in (0.01, 0.1) if audit.popularity.intervals[f"slot_share@{h:g}"][0]
                > audit.popularity.interaction_share[h]}
    assert {f.evidence["head"] for f in audit.findings if f.code == "recsys.popularity_concentration"} == expected
    # the planted gap is a finding: one roll-up for the feature, naming the catalogue item with the
    # largest gap (a recommended title, aggregate over groups; never a history item of a customer)
    gap = [f for f in audit.findings if f.code == "fairness.exposure_gap"]
    assert len(gap) == 1 and gap[0].severity.value in ("medium", "high") and gap[0].columns == ("group",)
    hits = audit.fairness.exposure_gaps[audit.fairness.exposure_gaps["reported"]]
    assert gap[0].evidence["n_gaps"] == len(hits) and gap[0].evidence["n_items_tested"] == 40
    largest = hits.sort_values(["ratio", "item"]).iloc[0]
    assert gap[0].evidence["item"] == cf.label(int(largest["item"]))
    # planted: titles of genres 0-1 (columns 0-19) reach "a" more, of genres 2-3 reach "b" more
    assert all(r["high_group"] == ("a" if int(r["item"]) < 20 else "b") for _, r in hits.iterrows())
    plain_doc = audit.to_dict()
    plain_doc["findings"] = [f for f in plain_doc["findings"] if f["code"] != "fairness.exposure_gap"]
    doc = json.dumps(plain_doc, default=str)
    assert not any(v in doc for v in h["labels"].values())
    assert not any(f'"{i}"' in doc for i in h["user_ids"] + h["item_ids"])
    w = audit.why("v0000", h["item_ids"][int(cf.recommend("v0000")[0])])
    assert w.basis == "history" and abs(sum(w.attributions.values()) - w.score) < 1e-6


def test_shuffled_groups_give_no_medium_or_high_exposure_finding(als, histories):
    """Null test: the group column shuffled across viewers (each keeps one value), 20 seeds; any
    medium or high fairness finding in at most 2 of 20 runs (design target 5% per family)."""
    X = histories["X"]
    cf = ex.wrap_model(als, interactions=X, user_ids=histories["user_ids"], k=3)
    fav = histories["fav"]
    planted = np.where(fav < 2, "a", "b")
    runs = 0
    for seed in range(20):
        customers = pd.DataFrame({"group": np.random.default_rng(seed).permutation(planted)},
                                 index=histories["user_ids"])
        a = ex.audit_collaborative(cf, customers, sensitive_features=["group"], n_boot=20, random_state=seed)
        runs += any(f.code.startswith("fairness.") and f.severity.value in ("medium", "high") for f in a.findings)
    assert runs <= 2
    # power, same data: the planted groups (taste-aligned) give the exposure finding
    customers = pd.DataFrame({"group": planted}, index=histories["user_ids"])
    a = ex.audit_collaborative(cf, customers, sensitive_features=["group"], n_boot=20)
    assert any(f.code == "fairness.exposure_gap" and f.severity.value in ("medium", "high") for f in a.findings)



def test_exposure_rows_do_not_tell_who_in_a_group_interacted_with_an_item(als, histories, tmp_path):
    """Differencing: counted over candidates, an item's exposure row has n = group size less the
    group's people who already interacted with it, so an item with one interaction tells that
    person's group (a job-ad trial read an applicant's gender and age band this way). Counted over
    the whole group, every published row's n is the group's size, whatever anyone's history."""
    from html_tables import table

    X = histories["X"]
    rng = np.random.default_rng(11)
    group = rng.choice(["a", "b"], X.shape[0])
    customers = pd.DataFrame({"viewer": histories["user_ids"], "group": group})
    sizes = pd.Series(group).value_counts().to_dict()
    cf = ex.wrap_model(als, interactions=X, user_ids=histories["user_ids"], item_ids=histories["item_ids"],
                       item_labels=histories["labels"], k=3)
    audit = ex.audit_collaborative(cf, customers, sensitive_features=["group"], user_id="viewer", n_boot=20)
    watched = np.asarray((X > 0).sum(axis=0)).ravel()
    assert watched.min() >= 1  # every item has someone who watched it: the old count would differ
    rows = audit.to_dict()["fairness"]["exposure_gaps"]
    assert len(rows) == X.shape[1]
    for r in rows:
        assert (r["low_n"], r["high_n"]) == (sizes[r["low_group"]], sizes[r["high_group"]])
    exp = audit.fairness.exposure
    assert (exp["n"] == exp["group"].map(sizes)).all()
    audit.to_html(tmp_path / "cf", user_id="viewer")
    page = (tmp_path / "cf" / "audit.html").read_text(encoding="utf-8")
    assert {int(r["People"]) for r in table(page, "Exposure per group")} <= set(sizes.values())


@pytest.mark.parametrize(("slot", "interactions", "severity"), [
    (0.30, 0.10, "medium"),   # the head triples its share
    (0.18, 0.10, "low"),      # 1.8 times, and the rest keep 82% against 90%
    (1.00, 0.626, "medium"),  # a head with 62.6% of interactions takes every slot: the rest lose all of 37.4%
    (0.811, 0.626, "low"),    # the rest keep 18.9% against 37.4%: just over half of their share
    (0.82, 0.626, "medium"),  # the rest keep 18.0%, under half of 37.4%
])
def test_popularity_severity_counts_the_rests_loss_as_well_as_the_heads_gain(slot, interactions, severity):
    """A head that already holds more than half of the interactions can never double its share; the
    cosine recommender of a job-ad trial gave every slot to 60 ads and was rated low."""
    from explainer._collaborative_audit import _popularity_severity

    assert _popularity_severity(slot, interactions).value == severity
