"""The dashboard's performance, error-slices, dependence and what-if tabs, driven from Python.

A small yes/no audit of a logistic model on generated data: its numbers are known by hand
(the margin is intercept + coef . x; linear SHAP is coef * (x - mean) with every row as the
background, at 150 rows). The recommender tabs are read on the demo audit.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from html_tables import table, tables

N = 150


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def loan():
    from sklearn.linear_model import LogisticRegression

    import explainer as ex

    rng = np.random.default_rng(11)
    df = pd.DataFrame({"income": rng.normal(30, 8, N).round(2), "visits": rng.integers(0, 5, N),
                       "tenure": rng.normal(5, 2, N).round(2),
                       "sex": rng.choice(["female", "male"], N),
                       # a group of 12 rows: too few to judge at min_group_size 30
                       "band": np.where(np.arange(N) < 12, "rare", "common")})
    margin = -3 + 0.08 * df.income + 0.3 * df.visits - 0.2 * df.tenure
    df["approved"] = (rng.random(N) < _sigmoid(margin)).astype(int)
    inputs = ["income", "visits", "tenure"]
    clf = LogisticRegression().fit(df[inputs], df["approved"])
    audit = ex.audit(clf, df, target="approved", sensitive_features=["sex", "band"], sample_size=None, n_boot=30,
                     min_group_size=30, random_state=0, refit=False)
    return df, clf, audit


@pytest.fixture()
def dash(loan):
    return loan[2].dashboard()


def _f(text: str) -> float:
    return float(text)


def test_the_dashboard_has_the_model_tabs(dash):
    assert list(dash.widget.titles)[6:] == ["Performance", "Error slices", "Dependence", "What if"]


def test_performance_of_a_group_matches_sklearn_and_a_hand_count(loan, dash):
    from sklearn.metrics import roc_auc_score

    df, clf, audit = loan
    tab = dash.performance_tab
    rows = {r["Measure"]: r for r in table(tab.output.value, "Model performance (all rows)")}
    for metric, v in audit.performance.overall.items():
        shown = rows[tab_name(metric)]
        assert abs(_f(shown["Value"]) - v["value"]) <= 5e-4
    score = clf.predict_proba(df[["income", "visits", "tenure"]])[:, 1]
    y = df["approved"].to_numpy()
    assert abs(_f(rows["ROC AUC"]["Value"]) - roc_auc_score(y, score)) <= 5e-4
    # the rare group is not offered; it is named as too few to judge
    assert [label for label, _ in tab.group.options] == ["all rows", "sex = female", "sex = male", "band = common"]
    assert "Too few to judge (under 30 rows), so not offered: band = rare." in tab.output.value
    tab.group.value = tab.group.options[1][1]
    mask = (df["sex"] == "female").to_numpy()
    html = tab.output.value
    rows = {r["Measure"]: r for r in table(html, "Model performance (sex = female)")}
    assert abs(_f(rows["ROC AUC"]["Value"]) - roc_auc_score(y[mask], score[mask])) <= 5e-4
    by_group = audit.performance.by_group
    auc = by_group[(by_group["group"] == "female") & (by_group["metric"] == "roc_auc")].iloc[0]
    lo, hi = rows["ROC AUC"]["Interval"].split(" to ")
    assert abs(_f(lo) - auc["ci_low"]) <= 5e-4 and abs(_f(hi) - auc["ci_high"]) <= 5e-4  # the audit's own interval
    cm = {r[""]: r for r in table(html, "Confusion matrix (sex = female) at threshold 0.500")}
    yes = score >= 0.5
    assert int(cm["actually yes"]["decided yes"]) == int((yes & (y == 1) & mask).sum())
    assert int(cm["actually yes"]["decided no"]) == int((~yes & (y == 1) & mask).sum())
    assert int(cm["actually no"]["decided yes"]) == int((yes & (y == 0) & mask).sum())
    assert int(cm["actually no"]["decided no"]) == int((~yes & (y == 0) & mask).sum())
    captions = [c for c, _ in tables(html)]
    for title in ("ROC curve (sex = female)", "Precision-recall curve (sex = female)", "Reliability (sex = female)"):
        assert any(c.startswith(title) for c in captions), title  # each chart has its data table
    assert html.count("data:image/svg+xml;base64,") == 3 and html.count('alt="') == 3
    reliability = table(html, "Reliability (sex = female)")
    assert sum(int(r["rows"]) for r in reliability) == int(mask.sum())


def tab_name(metric: str) -> str:
    from explainer.widgets._performance_tab import _name

    return _name(metric)


def test_error_slices_tab_lists_every_slice_tested_with_its_numbers(loan, dash):
    df, clf, audit = loan
    res = audit.error_slices
    rows = table(dash.slices_tab.output.value, f"All {len(res.slices)} slices tested")
    assert len(rows) == len(res.slices)
    rates = [_f(r["Error rate"]) for r in rows]
    assert rates == sorted(rates, reverse=True)
    by_name = res.slices.set_index("slice")
    for r in rows:
        s = by_name.loc[r["Slice"]]
        assert int(r["Rows"]) == s["n"] and int(r["Errors"]) == s["errors"]
        assert abs(_f(r["Error rate"]) - s["errors"] / s["n"]) <= 5e-4
        assert r["Adjusted p"] == f"{s['p_adjusted']:.3f}" and r["Reported"] == ("yes" if s["reported"] else "no")
    wrong = clf.predict(df[["income", "visits", "tenure"]]) != df["approved"].to_numpy()
    assert f"Overall error rate {wrong.mean():.3f}" in dash.slices_tab.output.value


def test_slices_under_the_minimum_size_are_not_shown(loan):
    from explainer.widgets._performance_tab import SlicesTab

    audit = loan[2]
    res = audit.error_slices
    small = res.slices.iloc[[0]].assign(slice="a planted slice of 3 rows", n=3, errors=3)
    shrunk = dataclasses.replace(res, slices=pd.concat([res.slices, small], ignore_index=True))
    tab = SlicesTab(dataclasses.replace(audit, error_slices=shrunk))
    rows = table(tab.output.value, "All ")
    assert len(rows) == len(res.slices) and "a planted slice" not in tab.output.value


def test_dependence_tab_shows_coef_times_distance_from_the_mean_and_states_the_method(loan, dash):
    df, clf, _ = loan
    tab = dash.dependence_tab
    tab.column.value = "income"
    coef = clf.coef_[0][0]
    rows = table(tab.output.value, "Dependence on income (log-odds)")
    assert len(rows) == 10
    for r in rows:
        assert abs(_f(r["Mean attribution (log-odds)"]) - coef * (_f(r["Mean of income"]) - df["income"].mean())) <= 2e-4
    assert "exact where the SHAP values are exact" in tab.output.value
    tab.scale.value = "probability"
    html = tab.output.value
    rows = table(html, "Dependence on income (change of probability)")
    base = clf.intercept_[0] + clf.coef_[0] @ df[["income", "visits", "tenure"]].mean().to_numpy()
    phi = coef * (df["income"] - df["income"].mean())
    change = (_sigmoid(base + phi) - _sigmoid(base)).groupby(pd.qcut(df["income"], 10), observed=True).mean()
    assert [_f(r["Mean attribution (change of probability)"]) for r in rows] == pytest.approx(list(change), abs=5e-5)
    assert "approximate" in html and "sigmoid(base + SHAP value) - sigmoid(base)" in html


def test_what_if_raising_income_raises_the_score_by_the_hand_computed_amount(loan, dash):
    df, clf, _ = loan
    w = dash.what_if_tab
    assert w.row.max == N and "Choose a row by number" in w.output.value and not w.inputs
    w.row.value = 4
    row = df.iloc[3]
    assert set(w.inputs) == {"income", "visits", "tenure"}
    assert (w.inputs["income"].min, w.inputs["income"].max) == (df["income"].min(), df["income"].max())
    coef = dict(zip(["income", "visits", "tenure"], clf.coef_[0]))
    margin0 = clf.intercept_[0] + sum(coef[c] * row[c] for c in coef)
    new_income = min(row["income"] + 5.0, df["income"].max())
    w.inputs["income"].value = new_income
    margin1 = margin0 + coef["income"] * (new_income - row["income"])
    r = w.result
    assert r["before"]["score"] == pytest.approx(_sigmoid(margin0), abs=1e-12)
    assert r["after"]["score"] == pytest.approx(_sigmoid(margin1), abs=1e-12)
    assert r["after"]["output"] == pytest.approx(margin1, abs=1e-9)
    # the financial category holds income alone: its attribution moves by coef * change
    assert r["after"]["categories"]["financial"] - r["before"]["categories"]["financial"] == pytest.approx(
        coef["income"] * (new_income - row["income"]), abs=1e-9)
    assert sum(r["after"]["categories"].values()) == pytest.approx(r["after"]["output"] - r["after"]["base"], abs=1e-9)
    measures = {m["Measure"]: m for m in table(w.output.value, "What if: row no. 4 of 150")}
    assert abs(_f(measures["score"]["After"]) - _sigmoid(margin1)) <= 5e-5
    assert abs(_f(measures["score"]["Change"]) - (_sigmoid(margin1) - _sigmoid(margin0))) <= 1e-4
    cats = {c["Category"]: c for c in table(w.output.value, "Attribution by data category (log-odds)")}
    assert abs(_f(cats["all categories"]["After"]) - (margin1 - r["after"]["base"])) <= 1e-4
    assert "Inputs changed: income." in w.output.value
    for value in (row["income"], new_income, row["tenure"]):  # the row's values stay in the edit boxes
        assert not re.search(rf"(?<![\d.]){re.escape(f'{value:g}')}(?![\d])", w.output.value), value
    w.row.value = 0
    assert not w.inputs and w.result is None and "Choose a row by number" in w.output.value


def test_what_if_values_are_dropped_from_the_saved_widget_state(loan, dash):
    from explainer.widgets import pre_save_hook

    df = loan[0]
    w = dash.what_if_tab
    w.row.value = 4
    w.inputs["tenure"].value = 1.2345
    import ipywidgets as W

    states, todo = {}, [dash.widget]
    while todo:  # every widget the dashboard holds, keyed by model id, as JupyterLab saves them
        widget = todo.pop()
        if widget.model_id not in states:
            states[widget.model_id] = {"model_name": widget._model_name, "state": widget.get_state()}
            todo += [v for key in widget.keys for v in (lambda x: x if isinstance(x, (list, tuple)) else [x])(
                getattr(widget, key)) if isinstance(v, W.Widget)]
    assert "1.2345" in json.dumps(states) and str(df.iloc[3]["income"]) in json.dumps(states)
    model = {"type": "notebook", "content": {"cells": [], "metadata": {"widgets": {
        "application/vnd.jupyter.widget-state+json": {"state": states, "version_major": 2, "version_minor": 0}}}}}
    before = len(states)
    pre_save_hook(model)
    saved = json.dumps(model)
    assert "1.2345" not in saved and str(df.iloc[3]["income"]) not in saved
    assert before - len(states) == len(w.inputs) + 1  # the edit widgets and the what-if output, nothing else
    assert "Row no." in saved and "Customer no." in saved  # the pickers (positions only) are kept
    links = {c for v in states.values() for c in v["state"].get("children", [])}
    assert links <= {f"IPY_MODEL_{k}" for k in states}  # no box points at a widget that was dropped


def test_still_copy_adds_the_aggregate_tabs_and_no_what_if(loan, dash):
    w = dash.what_if_tab
    w.row.value = 2
    html = dash.snapshot()
    captions = [c for c, _ in tables(html)]
    for start in ("Model performance (all rows)", "All ", "Dependence on "):
        assert any(c.startswith(start) for c in captions), start
    assert not any(c.startswith("What if") for c in captions)


def test_recommender_performance_and_what_if_rank(demo_audit, recommender):
    data = recommender.test
    dash = demo_audit.dashboard(data)
    tab = dash.performance_tab
    perf = demo_audit.performance
    rows = {r["Measure"]: r for r in table(tab.output.value, "Model performance (all customers)")}
    assert {"precision at 3", "recall at 3", "hit rate at 3", "NDCG at 3", "MRR (reciprocal rank) at 3",
            "catalogue coverage"} <= set(rows)
    assert abs(_f(rows["NDCG at 3"]["Value"]) - perf.overall["ndcg_at_3"]["value"]) <= 5e-4
    key = next(v for label, v in tab.group.options if label.startswith("age_band = "))
    tab.group.value = key
    feature, group = key.split("\x1f")
    bg = perf.by_group
    hit = bg[(bg["feature"] == feature) & (bg["group"] == group) & (bg["metric"] == "hit_rate_at_3")].iloc[0]
    rows = {r["Measure"]: r for r in table(tab.output.value, f"Model performance (age_band = {group})")}
    assert abs(_f(rows["hit rate at 3"]["Value"]) - hit["value"]) <= 5e-4
    assert rows["hit rate at 3"]["Interval"] == f"{hit['ci_low']:.3f} to {hit['ci_high']:.3f}"
    # what-if opens on the row's own rank, which audit.why finds by its own path
    w = dash.what_if_tab
    w.row.value = 5
    customer, item = data.iloc[4][demo_audit.model.user_id], data.iloc[4][demo_audit.model.item_id]
    why = demo_audit.why(customer, item)
    assert w.result["before"]["rank"] == why.rank
    assert w.result["before"]["score"] == pytest.approx(why.score, abs=1e-12)
    assert demo_audit.model.item_id not in w.inputs  # which item it is stays fixed
    # a customer-level input changes on every candidate: the new rank is the rank of the row among
    # the customer's candidates scored with that change
    model = demo_audit.model
    mine = data[data[model.user_id] == customer].copy()
    column = "loyalty_tenure_months"
    box = w.inputs[column]
    new = box.max if data.iloc[4][column] != box.max else box.min
    box.value = new
    mine[column] = new
    score = model.predict_score(mine)
    at = list(mine.index).index(data.index[4])
    order = np.lexsort((np.arange(len(score)), -score))
    assert w.result["after"]["rank"] == int(np.flatnonzero(order == at)[0]) + 1
    assert w.result["after"]["score"] == pytest.approx(score[at], abs=1e-12)
    measures = {m["Measure"]: m for m in table(w.output.value, "What if: row no. 5")}
    assert measures[f"rank among the customer's {len(mine)} candidates"]["After"] == str(w.result["after"]["rank"])
