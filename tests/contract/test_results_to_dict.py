"""Contract: every public result type writes itself as plain JSON through one protocol.

``explainer._document.ToDict`` is the protocol; ``to_dict()`` must return what ``json.dumps``
takes without a converter (no numpy scalars, tuples or NaN) and what comes back from
``json.loads`` unchanged. audit.json is assembled from these sections only.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import explainer as ex
import explainer.analyses as analyses
import explainer.findings as findings
import explainer.inventory as inventory
from explainer._document import SIGNIFICANT_DIGITS, ToDict, plain

#: Public types that are not results: adapters, configuration, wording, and the parts of a
#: scan that its ScanResult writes.
NOT_RESULTS = {"CollaborativeAdapter", "ModelAdapter", "Pseudonymiser", "Severity", "DisclosureConfig", "Wording",
               "ColumnGuess", "Evidence"}


def _public_result_types() -> dict[str, type]:
    found: dict[str, type] = {}
    for mod in (ex, analyses, findings, inventory):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if (inspect.isclass(obj) and dataclasses.is_dataclass(obj) and not issubclass(obj, Exception)
                    and name not in NOT_RESULTS):
                found[name] = obj
    return found


def test_every_public_result_type_implements_the_protocol():
    types = _public_result_types()
    assert {"FairnessResult", "ProxyFlowResult", "MitigationResult", "ShapMatrix", "ScanResult", "Audit",
            "GroupMetricsResult", "ShapResult", "WhyExplanation"} <= set(types)
    missing = sorted(name for name, cls in types.items() if not issubclass(cls, ToDict))
    assert missing == []


def _round_trips(result: Any) -> dict[str, Any]:
    doc = result.to_dict()
    assert isinstance(doc, dict)
    back = json.loads(json.dumps(doc, allow_nan=False))
    assert back == doc, type(result).__name__
    return doc


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """One instance of every public result type, from two small audits of generated data."""
    from sklearn.linear_model import LinearRegression

    from explainer.demo import make_retail_demo, train_demo_recommender
    from explainer.demo._domains import make_decision_demo, train_decision_model

    demo = make_retail_demo(500, random_state=3)
    rec = train_demo_recommender(demo, random_state=3)
    retail = ex.audit(rec.pipeline, rec.test, target="bought", sensitive_features=["gender", "age_band"],
                      user_id="customer_id", item_id="category", k=3, sample_size=100, n_boot=20,
                      train_data=rec.train, random_state=0)
    dec = make_decision_demo(600, random_state=5)
    decision = ex.audit(train_decision_model(dec), dec.applications, target="approved",
                        sensitive_features=["sex", "race"], sample_size=100, n_boot=20, random_state=0)
    X = np.random.default_rng(0).normal(size=(40, 3))
    linear = LinearRegression().fit(X, X @ np.array([1.0, -2.0, 0.5]))
    out: dict[str, Any] = {}
    for a in (retail, decision):
        for r in (a, a.inventory, *a.inventory.records, a.explanation, a.fairness, a.minimisation, a.proxies,
                  a.proxy_flow, a.reidentification, a.membership, a.performance, a.error_slices, *a.findings):
            if r is not None:
                out.setdefault(type(r).__name__, r)
        if a.fairness is not None:
            out.setdefault("GroupMetricsResult", a.fairness.groups)
            if a.fairness.mitigation is not None:
                out.setdefault("MitigationResult", a.fairness.mitigation)
        if a.minimisation is not None and a.minimisation.refit is not None:
            out.setdefault("RefitResult", a.minimisation.refit)
        if a.reidentification is not None and a.reidentification.suggestions:
            out.setdefault("GeneralisationStep", a.reidentification.suggestions[0])
    for a, rows in ((retail, rec.test), (decision, dec.applications)):
        found = analyses.top_dependence(a.explanation, a.data if a.data is not None else rows, n=1)
        if found:
            out.setdefault("DependenceResult", next(iter(found.values())))
    out["WhyExplanation"] = retail.why(rec.test["customer_id"].iloc[0], rec.test["category"].iloc[0])
    out["ShapMatrix"] = analyses.explain_matrix(linear, X)
    out["ScanResult"] = ex.scan(dec.applications)
    out["ProxyFlowResult"] = out.get("ProxyFlowResult") or analyses.proxy_flow(
        np.ones((40, 1)), ["x"], pd.DataFrame({"g": ["a", "b"] * 20}), [("g", "x")], min_group_size=5, n_boot=20)
    return out


#: Collaborative-filtering results need a CF model; tests/recsys round-trips them.
CF_ONLY = {"CollaborativeAudit", "PopularityResult", "SourceShares", "SourceRefitResult"}


def test_every_public_result_round_trips_through_json(results):
    types = _public_result_types()
    assert set(types) - CF_ONLY - set(results) == set()
    for name in sorted(set(types) - CF_ONLY):
        _round_trips(results[name])


def test_the_one_converter_keeps_ten_significant_digits_and_drops_nan():
    assert SIGNIFICANT_DIGITS == 10
    assert plain(np.float64(2 / 3)) == 0.6666666667
    assert plain(123456.789012345) == 123456.789
    assert plain([np.nan, np.inf, pd.NA, None]) == [None, None, None, None]
    assert plain({1: (np.int64(2), np.bool_(False))}) == {"1": [2, False]}
    assert plain(pd.Timestamp("2026-01-02")) == "2026-01-02 00:00:00"


def test_results_round_the_same_way_as_audit_json(results):
    """Performance and error slices used to round to 6 decimals, audit.json to 10 digits."""
    perf = results["PerformanceResult"]
    raw = next(v["value"] for v in perf.overall.values() if v["value"] is not None and np.isfinite(v["value"]))
    doc = perf.to_dict()
    written = next(v["value"] for v in doc["overall"].values() if v["value"] is not None)
    assert written == float(f"{raw:.10g}")


def test_a_result_is_not_changed_after_it_is_built(results):
    flow = results["ProxyFlowResult"]
    before = dict(flow.method)
    noted = flow.with_method(reviewer_note="checked")
    assert flow.method == before and "reviewer_note" not in before
    assert noted.method == {**before, "reviewer_note": "checked"}
