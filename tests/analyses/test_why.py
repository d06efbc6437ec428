"""One person's explanation: reasons match local SHAP, the counterfactual really changes the top k,
the page shows no one else's data, and the short part is short and plain."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer.demo import MODEL_INPUTS
from explainer.demo._paths import DEMO_CONFIG
from explainer.errors import InvalidInputError, OutputExistsError
from explainer.report._readability import measure_text
from explainer.report._why import why_first_layer


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    order = np.lexsort((np.arange(len(scores)), -scores))
    mask = np.zeros(len(scores), dtype=bool)
    mask[order[:k]] = True
    return mask


@pytest.fixture(scope="module")
def cases(demo_audit, recommender):
    """For five held-out customers: their best item (in the top 3) and their fourth (just outside)."""
    test = recommender.test
    out = []
    for cid in test["customer_id"].drop_duplicates().iloc[:5]:
        mine = test[test["customer_id"] == cid]
        order = np.argsort(-recommender.pipeline.predict_proba(mine[list(MODEL_INPUTS)])[:, 1], kind="stable")
        for pos in (order[0], order[3]):
            item = mine["category"].iloc[pos]
            out.append((cid, item, demo_audit.why(cid, item, config=DEMO_CONFIG)))
    return out


def test_counterfactual_changes_the_top_k_when_applied(cases, recommender, demo_audit):
    found = 0
    for cid, item, w in cases:
        mine = recommender.test[recommender.test["customer_id"] == cid].reset_index(drop=True)
        pos = int(np.flatnonzero(mine["category"] == item)[0])
        before = _top_k(recommender.pipeline.predict_proba(mine[list(MODEL_INPUTS)])[:, 1], 3)[pos]
        assert before == w.in_top_k
        cf = w.counterfactual
        if cf is None:
            continue
        found += 1
        changed = mine.copy()
        for ch in cf.changes:
            assert demo_audit.inventory[ch.column].category == "behavioural"  # only their own behaviour
            where = changed.index if ch.scope == "person" else [pos]
            vals = changed.loc[where, ch.column] * ch.factor
            if pd.api.types.is_integer_dtype(changed[ch.column]):  # counts stay whole numbers
                vals = np.rint(vals).astype(changed[ch.column].dtype)
            changed.loc[where, ch.column] = vals
        after = _top_k(recommender.pipeline.predict_proba(changed[list(MODEL_INPUTS)])[:, 1], 3)[pos]
        assert after != before, (cid, item, cf)
        assert cf.effect == ("leaves_top_k" if before else "enters_top_k") and cf.verified
    assert found >= 5  # most best items drop out when the person's own browsing or buying is lower


def test_reasons_follow_the_sign_and_size_of_local_attributions(cases, demo_audit, recommender):
    for cid, item, w in cases:
        assert 2 <= len(w.reasons) <= 4
        for r in w.reasons:
            v = w.attributions[r.column]
            assert r.direction == ("raises" if v > 0 else "lowers") and r.attribution == v
        strongest = sorted(w.attributions, key=lambda c: -abs(w.attributions[c]))[: len(w.reasons)]
        assert [r.column for r in w.reasons] == strongest
        # local attributions add up to the model's log-odds for that one row
        row = recommender.test[(recommender.test["customer_id"] == cid) & (recommender.test["category"] == item)]
        raw = demo_audit.model.predict_raw(row)[0]
        assert sum(w.attributions.values()) + w.base_value == pytest.approx(raw, abs=1e-9)
        assert sum(w.category_attributions.values()) == pytest.approx(sum(w.attributions.values()), abs=1e-12)
        assert w.unit == "log-odds"


def test_categories_used_and_not_used_come_from_the_inventory(cases, demo_audit):
    inv = demo_audit.inventory
    inputs = set(demo_audit.model.input_columns) - {"category"}
    expected_used = sorted({inv[c].category for c in inputs})
    _, _, w = cases[0]
    assert list(w.categories_used) == expected_used
    assert {"contact", "special_category"} <= set(w.categories_not_used)  # email, phone; ethnicity
    assert not set(w.categories_used) & set(w.categories_not_used)


def test_page_shows_no_other_customers_data_and_no_raw_values(cases, recommender, demo, tmp_path):
    cid, item, w = cases[0]
    path = w.to_html(tmp_path / "why.html")
    html = path.read_text(encoding="utf-8")
    customers = demo.customers
    # columns that tell people apart (names, e-mails, phones, postcodes, pet names), not a few
    # group labels such as "other" that are ordinary words on any page
    text_cols = [c for c in customers.columns if (customers[c].dtype == object or str(customers[c].dtype) == "str")
                 and customers[c].nunique() > 50]
    assert {"email", "postcode"} <= set(text_cols)
    leaked = []
    for col in text_cols:  # names, e-mails, phones, postcodes of everyone, this person included
        for v in customers[col].dropna().astype(str).unique():
            if isinstance(v, str) and len(v) >= 5 and v in html:
                leaked.append(col)
                break
    assert leaked == []
    mine = recommender.test[recommender.test["customer_id"] == cid]
    for col in ("category_browse_minutes_90d", "total_purchases_90d", "loyalty_tenure_months"):
        for v in mine[col]:
            if float(v) != int(v):  # a value with decimals cannot be a page number or a rank
                assert f"{v}" not in html
    assert str(cid) not in re.sub(r"<[^>]+>", " ", html).split()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "estimate" in html.lower() and "SHAP" not in html


def test_short_part_is_at_most_120_words_and_grade_6(cases):
    for _, _, w in cases:
        score = measure_text(why_first_layer(w.to_dict(), w.config))
        assert score.words <= 120, score
        assert score.fk_grade <= 6.0, (score.fk_grade, why_first_layer(w.to_dict(), w.config))
        assert score.max_sentence_words <= 25


def test_text_html_and_notebook_views_agree(cases, tmp_path):
    cid, item, w = cases[0]
    text = str(w)
    assert text.startswith(f"Why you see {item}") and "estimates" in text
    assert w.counterfactual is None or "top 3" in text.split("What would change it:")[1]
    html = w.to_html(tmp_path / "a.html").read_text(encoding="utf-8")
    # the notebook view says what the page says, without the page around it
    view = w._repr_html_()
    assert view.startswith('<div class="explainer-fragment') and "<!DOCTYPE" not in view and "<meta" not in view

    def said(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", fragment, flags=re.S)).split())

    assert said(html.split("<main>")[1].split("<footer>")[0]) == said(view)
    assert repr(w).startswith("WhyExplanation(item=") and str(cid) not in repr(w)  # saved as text/plain
    with pytest.raises(OutputExistsError, match="force=True"):
        w.to_html(tmp_path / "a.html")
    assert w.to_dict()["counterfactual"] == (None if w.counterfactual is None else w.to_dict()["counterfactual"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.item = "other"  # frozen


def test_bad_customer_or_item_gets_a_clear_error(demo_audit):
    with pytest.raises(InvalidInputError, match="customer must be a value of the 'customer_id' column"):
        demo_audit.why("no-such-customer", "garden")
    cid = demo_audit.data["customer_id"].iloc[0]
    with pytest.raises(InvalidInputError, match="item must be one of this customer's 'category' values"):
        demo_audit.why(cid, "spaceships")
    with pytest.raises(InvalidInputError, match="item must name the 'category' value"):
        demo_audit.why(cid)


def test_binary_model_counterfactual_flips_the_decision_when_applied():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"purchases_90d": rng.poisson(3, n).astype(float), "browse_minutes_90d": rng.gamma(2, 5, n),
                       "age_band": rng.choice(["18-34", "35-64", "65+"], n)})
    y = (0.6 * df["purchases_90d"] + 0.1 * df["browse_minutes_90d"] + rng.logistic(size=n) > 3).astype(int)
    model = LogisticRegression().fit(df[["purchases_90d", "browse_minutes_90d"]], y)
    p = model.predict_proba(df[["purchases_90d", "browse_minutes_90d"]])[:, 1]
    row = int(np.flatnonzero((p > 0.5) & (p < 0.7))[0])
    w = ex.why(model, df, row)
    assert w.selected is True and w.unit == "log-odds"
    cf = w.counterfactual
    assert cf is not None and cf.effect == "decision_flips"
    changed = df.loc[[row], ["purchases_90d", "browse_minutes_90d"]].copy()
    for ch in cf.changes:
        changed[ch.column] = changed[ch.column] * ch.factor
    assert model.predict_proba(changed)[0, 1] < 0.5
    assert "the answer would be no" in str(w)  # a yes/no decision speaks of its answer (issue 16)
