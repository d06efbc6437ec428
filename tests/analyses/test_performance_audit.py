"""Performance and error slices inside a whole audit, on data that is not the retail demo."""

from __future__ import annotations

import json

import jsonschema
import pytest

import explainer as ex
from explainer.demo import make_decision_demo, make_streaming_demo
from explainer.demo._domains import STREAMING_INPUTS, train_decision_model, train_streaming_recommender
from explainer.report._json import SCHEMA_PATH


@pytest.fixture(scope="module")
def credit_audit():
    demo = make_decision_demo(2_000, random_state=3)
    model = train_decision_model(demo)
    return ex.audit(model, demo.applications, target="approved", sensitive_features=["sex", "race"],
                    reference_groups={"race": "Black"}, n_boot=50, sample_size=200, refit=False,
                    quasi_identifiers=[]), demo


def test_a_yes_no_audit_measures_performance_per_group_against_the_named_reference(credit_audit, tmp_path):
    from sklearn.metrics import roc_auc_score

    a, demo = credit_audit
    perf = a.performance
    assert perf is not None and perf.task == "binary"
    apps = demo.applications
    score = a.model.predict_score(apps)
    assert perf.overall["roc_auc"]["value"] == pytest.approx(roc_auc_score(apps["approved"], score))
    assert perf.reference_groups == {"sex": "Male" if (apps["sex"] == "Male").sum() >= (apps["sex"] == "Female").sum()
                                     else "Female", "race": "Black"}
    assert set(perf.disparities["reference"]) <= {"Black", "Male", "Female"}
    # groups under the minimum are counted, never measured
    small = perf.by_group[perf.by_group["n"] < 30]
    assert small["too_few_to_judge"].all() and small["value"].isna().all()
    doc = a.to_dict()
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    assert doc["performance"]["overall"]["roc_auc"]["ci_low"] < doc["performance"]["overall"]["roc_auc"]["value"]
    assert doc["error_slices"]["unit"] == "rows"
    # identifiers and sensitive columns are never sliced
    sliced = {c for s in doc["error_slices"]["slices"] for c in s["columns"]}
    assert sliced and sliced <= set(a.model.input_columns) and not sliced & {"application_ref", "surname", "race"}
    a.to_html(tmp_path / "r")
    html = (tmp_path / "r" / "audit.html").read_text()
    assert 'id="performance"' in html and "ROC curve" in html and "Where the model errs most" in html


def test_a_recommender_audit_measures_ranking_quality_and_customer_slices():
    demo = make_streaming_demo(400, random_state=4)
    model = train_streaming_recommender(demo)
    rows = demo.interactions
    a = ex.audit(model, rows, target="watched", user_id="member_id", item_id="movie_id", k=3, task="ranking",
                 sensitive_features=["gender"], n_boot=30, sample_size=200, refit=False, quasi_identifiers=[])
    perf = a.performance
    assert perf is not None and perf.task == "ranking"
    assert {"precision_at_3", "recall_at_3", "hit_rate_at_3", "ndcg_at_3", "reciprocal_rank_at_3",
            "catalogue_coverage"} <= set(perf.overall)
    # the audit's own hit rate and NDCG are the same numbers
    assert perf.overall["hit_rate_at_3"]["value"] == pytest.approx(a.model_info["metrics"]["hit_rate_at_3"])
    assert perf.overall["ndcg_at_3"]["value"] == pytest.approx(a.model_info["metrics"]["ndcg_at_3"])
    if a.error_slices is not None:
        assert a.error_slices.unit == "customers"
        assert set(a.error_slices.slices["columns"].sum()) <= set(STREAMING_INPUTS)


def test_dask_refuses_options_it_cannot_honour(credit_audit):
    _, demo = credit_audit
    with pytest.raises(ex.InvalidInputError, match="reference_groups must keep its default with backend='dask'"):
        ex.audit(object(), demo.applications, backend="dask", reference_groups={"race": "Black"})
    with pytest.raises(ex.InvalidInputError, match="item_label must keep its default with backend='dask'"):
        ex.audit(object(), demo.applications, backend="dask", item_label="race")
