"""The three report files: written whole, schema-valid, deterministic, free of personal values."""

from __future__ import annotations

import json

import jsonschema
import pytest

from explainer._document import SCHEMA_PATH


def test_three_files_are_written(demo_reports):
    assert sorted(p.name for p in demo_reports.iterdir()) == [".explainer-files.json", "audit.html", "audit.json", "disclosure.html"]


def test_audit_json_follows_its_schema(demo_reports):
    doc = json.loads((demo_reports / "audit.json").read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(doc, schema)
    assert doc["schema_version"] == "1.0"
    assert doc["data"]["rows"] > 0 and len(doc["data"]["sha256"]) == 64
    cols = {f["column"] for f in doc["features"]}
    assert {"email", "category_purchases_90d"} <= cols


def test_same_input_and_seed_give_the_same_audit_json(recommender, demo_audit):
    import explainer as ex

    again = ex.audit(recommender.pipeline, recommender.test, target="bought",
                     sensitive_features=["gender", "age_band", "ethnicity"], user_id="customer_id",
                     item_id="category", item_group="department", k=3, sample_size=1500, n_boot=200,
                     random_state=0, train_data=recommender.train)
    a, b = demo_audit.to_dict(), again.to_dict()
    a["provenance"].pop("created_at")
    b["provenance"].pop("created_at")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_no_personal_value_appears_in_any_output(demo_reports, recommender):
    test = recommender.test
    values = set()
    for col in ("full_name", "email", "phone", "postcode", "date_of_birth"):
        values.update(str(v) for v in test[col].dropna().unique())
    for name in ("audit.json", "audit.html", "disclosure.html"):
        text = (demo_reports / name).read_text()
        leaked = [v for v in values if v in text]
        assert leaked == [], f"{name} holds {len(leaked)} personal values"


def test_html_is_self_contained(demo_reports):
    for name in ("audit.html", "disclosure.html"):
        html = (demo_reports / name).read_text()
        assert "<script" not in html
        assert "http://" not in html and "https://" not in html.replace("https://ico.org.uk", "")
        assert 'lang="en"' in html


def test_disclosure_names_main_parameters_and_marks_no_gaps_with_demo_config(demo_reports):
    html = (demo_reports / "disclosure.html").read_text()
    doc = json.loads((demo_reports / "audit.json").read_text())
    assert doc["gaps"] == []
    assert "To be completed by the publisher" not in html
    assert "What you buy and browse" in html


def test_missing_config_shows_markers_and_lists_gaps(demo_audit, tmp_path):
    out = demo_audit.to_html(tmp_path / "r")
    html = (tmp_path / "r" / "disclosure.html").read_text()
    assert "To be completed by the publisher" in html
    assert out["gaps"] and all(g.startswith("section ") for g in out["gaps"])
    assert json.loads((tmp_path / "r" / "audit.json").read_text())["gaps"] == out["gaps"]


def test_a_failed_render_leaves_the_old_report_intact(demo_audit, tmp_path, monkeypatch):
    from explainer.report import _render

    demo_audit.to_html(tmp_path / "r")
    before = (tmp_path / "r" / "audit.json").read_bytes()

    def boom(doc):
        raise RuntimeError("render failed halfway")

    monkeypatch.setattr(_render, "render_audit", boom)
    with pytest.raises(RuntimeError):
        demo_audit.to_html(tmp_path / "r", force=True)
    assert (tmp_path / "r" / "audit.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_item_exposure_proxy_flow_and_mitigation_are_in_both_reviewer_outputs(demo_reports):
    doc = json.loads((demo_reports / "audit.json").read_text())
    html = (demo_reports / "audit.html").read_text()
    assert doc["fairness"]["item_exposure"] and doc["fairness"]["method"]["item_group"] == "department"
    assert doc["proxy_flow"]["table"] and doc["proxy_flow"]["method"]["rows_explained"] > 0
    assert "Item-side exposure" in html and "flows through proxies" in html
    # a recommender is not post-processed: the report says so instead of showing a table
    assert doc["fairness"]["mitigation"] is None
    assert "Mitigation comparison (not applied)" in html and "not to top-k recommendation lists" in html
