"""The dashboard driven from Python, without a browser: set controls, read the numbers shown."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explainer.errors import InvalidInputError
from explainer.widgets import Dashboard

from html_tables import personal_values, table, tables


@pytest.fixture(scope="module")
def data(recommender):
    return recommender.test


@pytest.fixture()
def dash(demo_audit, data):
    return demo_audit.dashboard(data)


def _num(text: str) -> float:
    return float(text)


def test_dashboard_is_a_tab_widget_with_the_ten_views(dash):
    import ipywidgets as W

    assert isinstance(dash, Dashboard) and isinstance(dash.widget, W.Tab)
    assert list(dash.widget.titles) == ["Overview", "Findings", "Data use", "Fairness", "One customer",
                                        "Minimisation", "Performance", "Error slices", "Dependence", "What if"]


def test_fairness_tab_shows_the_group_values_of_the_chosen_feature_and_metric(dash, demo_audit):
    # a recommender: only metrics that can differ between groups, opening on exposure
    assert [m for _, m in dash.metric.options] == ["exposure", "hit_rate_at_3", "ndcg_at_3"]
    assert dash.metric.value == "exposure"
    q = demo_audit.fairness.quality
    for feature, metric in [("age_band", "hit_rate_at_3"), ("gender", "ndcg_at_3")]:
        dash.feature.value = feature
        dash.metric.value = metric
        rows = table(dash.fairness.value, f"{metric.replace('_', ' ')} by {feature}")
        expected = q[(q["feature"] == feature) & (q["metric"] == metric)]
        assert [r["Group"] for r in rows] == list(expected["group"])
        for r, (_, e) in zip(rows, expected.iterrows()):
            assert int(r["Customers"]) == e["n"]  # a recommender's groups count customers
            if e["too_few_to_judge"]:
                continue
            assert abs(_num(r[metric.replace("_", " ")]) - e["value"]) <= 5e-4
            lo, hi = r["95% interval"].split(" to ")
            assert abs(_num(lo) - e["ci_low"]) <= 5e-4 and abs(_num(hi) - e["ci_high"]) <= 5e-4
    # the summary under the exposure table names the pair, the interval and the adjusted test
    dash.feature.value, dash.metric.value = "age_band", "exposure"
    dash.item.value = "electronics"
    g = demo_audit.fairness.exposure_gaps
    r = g[(g["feature"] == "age_band") & (g["item"] == "electronics")].iloc[0]
    assert f"ratio {r['ratio']:.2f}, interval {r['ratio_ci_low']:.2f} to {r['ratio_ci_high']:.2f}" in dash.fairness.value
    assert "adjusted p" in dash.fairness.value and "a reported gap" in dash.fairness.value


def test_fairness_tab_marks_groups_too_few_to_judge(dash, demo_audit):
    e = demo_audit.fairness.exposure
    small = e[e["too_few_to_judge"]].iloc[0]
    dash.feature.value = small["feature"]
    dash.metric.value = "exposure"
    dash.item.value = str(small["item"])
    rows = table(dash.fairness.value, "exposure to an item")
    m = demo_audit.fairness.min_group_size
    for r in rows:
        assert (r["Note"] == f"too few to judge (under {m} customers)") == (int(r["Customers"]) < m)
    assert any(r["Note"] for r in rows)


def test_exposure_view_finds_the_planted_electronics_gap(dash, demo_audit):
    assert not dash.item.disabled  # the tab opens on exposure
    dash.metric.value = "hit_rate_at_3"
    assert dash.item.disabled
    dash.feature.value = "age_band"
    dash.metric.value = "exposure"
    assert not dash.item.disabled
    dash.item.value = "electronics"
    rows = table(dash.fairness.value, "exposure to an item")
    e = demo_audit.fairness.exposure
    e = e[(e["feature"] == "age_band") & (e["item"] == "electronics")].set_index("group")
    for r in rows:
        assert abs(_num(r["exposure to an item (share shown it)"]) - e.loc[r["Group"], "rate"]) <= 5e-4
    lowest = min(rows, key=lambda r: _num(r["exposure to an item (share shown it)"]))
    assert lowest["Group"] == "65+"
    assert "below four-fifths" in dash.fairness.value and "not below" not in dash.fairness.value


def test_findings_tab_filters_by_severity(dash, demo_audit):
    dash.severity.value = ("high",)
    rows = table(dash.findings.value, "Findings of severity high")
    assert [r["Code"] for r in rows] == [f.code for f in demo_audit.findings if f.severity.value == "high"]
    dash.severity.value = ("low", "info")
    rows = table(dash.findings.value, "Findings of severity low, info")
    assert len(rows) == sum(f.severity.value in ("low", "info") for f in demo_audit.findings)


def test_data_use_tab_lists_a_category_with_its_measured_shares(dash, demo_audit):
    dash.category.value = "behavioural"
    rows = table(dash.data_use.value, "Columns of the category behavioural")
    t = demo_audit.minimisation.table
    expected = t[(t["category"] == "behavioural") & (t["role"] != "target")]
    assert sorted(r["Column"] for r in rows) == sorted(expected["column"])
    cs = demo_audit.explanation.column_share.set_index("column")
    for r in rows:
        if r["Model input"] == "yes":
            assert r["Share"] == f"{cs.loc[r['Column'], 'share'] * 100:.1f}%"
    dash.category.value = ""
    assert "data:image/svg+xml;base64," in dash.data_use.value  # the chart by category


def test_customer_view_shows_audit_why_for_the_chosen_customer_and_item(dash, demo_audit, data):
    import html as html_lib

    decision = demo_audit.model.predict_decision(data)
    seen = []
    assert dash.customers == list(dict.fromkeys(data["customer_id"]))  # in the order of the data
    for position in (1, 2):
        dash.customer.value = position  # chosen by position, never by id
        customer = dash.customers[position - 1]
        assert dash.customer_id == customer
        mine = np.flatnonzero(data["customer_id"].to_numpy() == customer)
        # options are (label, item) pairs; the retail items are names, shown as they are
        assert [v for _, v in dash.customer_item.options] == list(data["category"].iloc[mine])
        assert [lab for lab, _ in dash.customer_item.options] == list(map(str, data["category"].iloc[mine]))
        for item in [v for _, v in dash.customer_item.options][:3]:
            dash.customer_item.value = item
            w = demo_audit.why(customer, item)
            rows = table(dash.why.value, "This customer's attribution by data category")
            assert {r["Category"]: _num(r["Attribution"]) for r in rows} == pytest.approx(w.category_attributions,
                                                                                         abs=5e-4)
            reasons = table(dash.why.value, "The main reasons")
            assert [r["Column"] for r in reasons] == [r.column for r in w.reasons]
            text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", dash.why.value)).split())
            row = mine[list(data["category"].iloc[mine]).index(item)]
            top = f"in the top {demo_audit.model.k}"
            assert f"ranked {w.rank} of {len(mine)}" in text
            assert f"Customer no. {position} of {len(dash.customers)}" in text
            assert (top in text and "not " + top not in text) == bool(decision[row] == 1)
            first = next(line for line in str(w).splitlines() if line.strip())
            assert " ".join(first.split()) in text  # the person's plain-language text is shown
            seen.append(w.score)
    assert len(set(seen)) > 1  # the view changes with the choice


def test_minimisation_tab_filters_by_verdict(dash, demo_audit):
    dash.verdict.value = "drop"
    rows = table(dash.minimisation.value, "Collected columns with verdict drop")
    assert [r["Column"] for r in rows] == list(demo_audit.minimisation.table.query("verdict == 'drop'")["column"])
    assert {"email", "phone"} <= {r["Column"] for r in rows}  # planted truth (b): collected, not used


def test_still_copy_for_html_export_holds_no_customer_data(dash, data):
    bundle, metadata = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert metadata == {"explainer": {"saved_as": "still copy"}}  # the save hook keeps only the still copy
    assert "Run this cell to open the live dashboard" in bundle["text/html"]
    html = bundle["text/html"]
    assert bundle["text/plain"].startswith("Dashboard(")
    captions = [c for c, _ in tables(html)]
    assert any(c.startswith("Findings") for c in captions) and any(c.startswith("Collected columns") for c in captions)
    assert "What moved this customer" not in html
    tokens = set(re.findall(r"\b\d{6}\b", html))
    assert not tokens & set(map(str, data["customer_id"].unique()))
    for col in ("full_name", "email", "phone", "postcode", "date_of_birth"):
        assert not any(v in html for v in personal_values(data[col])[:500]), col


def test_without_data_the_dashboard_uses_the_data_the_audit_holds(demo_audit):
    dash = demo_audit.dashboard()
    assert dash.customers == list(dict.fromkeys(demo_audit.data["customer_id"]))
    dash.customer.value = 3
    assert dash.customer_id == dash.customers[2] and "The main reasons" in dash.why.value


def _widget_states(widget) -> list[dict]:
    """The state of a widget and of every widget it holds: what JupyterLab saves with "save widget state"."""
    import ipywidgets as W

    states, todo, seen = [], [widget], set()
    while todo:
        w = todo.pop()
        if w.model_id in seen:
            continue
        seen.add(w.model_id)
        states.append(w.get_state())
        for key in w.keys:
            value = getattr(w, key)
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(v, W.Widget):
                    todo.append(v)
    return states


def test_saved_widget_state_holds_no_customer_id_and_no_explanation_until_one_is_chosen(dash, data):
    import json

    ids = set(map(str, data["customer_id"].unique()))

    def numbers(states) -> set[str]:
        return set(re.findall(r"\d+", json.dumps(states)))

    start = _widget_states(dash.widget)
    assert len(start) > 20  # tabs, boxes, controls, outputs, layouts and styles
    assert not numbers(start) & ids
    assert "The main reasons" not in json.dumps(start)  # no one's explanation before a choice
    assert "Choose a customer by number" in dash.why.value
    for position in (1, 7):
        dash.customer.value = position
        chosen = _widget_states(dash.widget)
        assert "The main reasons" in json.dumps(chosen)
        assert not numbers(chosen) & ids, position


def test_data_of_another_shape_is_refused(demo_audit, data):
    with pytest.raises(InvalidInputError, match="data must be the DataFrame the audit ran on, with"):
        demo_audit.dashboard(data.iloc[:10])
    with pytest.raises(InvalidInputError, match="data must hold the columns the audit used"):
        demo_audit.dashboard(data.drop(columns=["postcode"]))
    with pytest.raises(InvalidInputError, match="data must be the DataFrame"):
        demo_audit.dashboard(np.zeros(3))


def test_dashboard_of_a_decision_log_shows_hand_computed_rates():
    """A log made by hand (tests/e2e/test_decision_log.py): group A selects 11 of 20, group B 3 of 20."""
    import explainer as ex
    from e2e.test_decision_log import _log

    audit = ex.audit_decisions(_log(), predictions="score", target="repaid", sensitive_features=["region"],
                               threshold=0.5, min_group_size=5, n_boot=50, mitigation=False)
    dash = audit.dashboard()
    dash.feature.value, dash.metric.value = "region", "selection_rate"
    rows = {r["Group"]: r for r in table(dash.fairness.value, "selection rate by region")}
    assert rows["A"]["selection rate"] == "0.550" and rows["B"]["selection rate"] == "0.150"
    assert rows["A"]["Rows"] == "20" and rows["A"]["Note"] == ""
    dash.metric.value = "true_positive_rate"
    rows = {r["Group"]: r for r in table(dash.fairness.value, "true positive rate by region")}
    assert rows["A"]["true positive rate"] == "0.800" and rows["B"]["true positive rate"] == "0.400"
    assert "equal opportunity difference 0.400" in dash.fairness.value
    for out in (dash.data_use, dash.minimisation):
        assert "Not assessed: this audit of a decision log has no model" in out.value
    assert "To explain one customer, the dashboard needs a model" in dash.why.value
