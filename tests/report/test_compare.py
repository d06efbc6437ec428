"""What changed: two audits whose differences are known, compared and rendered."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from explainer.errors import DataFileNotFoundError, InvalidInputError
from explainer.report._compare import compare_audits

sys.path.insert(0, str(Path(__file__).parent))
from small_audit import small_audit


def _doc(date, used, shares, gaps=()):
    return {
        "schema_version": "1.0",
        "provenance": {"created_at": f"{date}T10:00:00+00:00"}, "data": {"sha256": date},
        "model": {"type": "M"},
        "features": [{"column": c, "used_by_model": u} for c, u in used.items()],
        "main_parameters": [{"category": c, "importance_share": v, "ci": list(ci)} for c, (v, ci) in shares.items()],
        "fairness": {"exposure_gaps": [dict(feature="age_band", item="toys", low_group="65+", high_group="18-29",
                                            low_rate=lo, high_rate=0.4, ratio=r, ratio_ci_low=a, ratio_ci_high=b)
                                       for lo, r, a, b in gaps], "by_feature": {}},
        "findings": [],
    }


def test_overlapping_intervals_are_no_change_and_apart_ones_are():
    before = _doc("2026-01-01", {"age": True, "email": False},
                  {"behavioural": (0.70, (0.68, 0.72)), "location": (0.10, (0.09, 0.11))}, [(0.1, 0.25, 0.2, 0.3)])
    now = _doc("2026-06-01", {"age": False, "email": False, "device": True},
               {"behavioural": (0.71, (0.69, 0.73)), "location": (0.20, (0.18, 0.22))}, [(0.3, 0.75, 0.7, 0.8)])
    c = compare_audits(before, now)
    assert (c["previous_date"], c["current_date"]) == ("2026-01-01", "2026-06-01")
    assert c["data_newly_used"] == ["device"] and c["data_no_longer_used"] == ["age"]
    assert c["data_newly_collected"] == ["device"] and c["data_no_longer_collected"] == []
    shifts = {p["category"]: p["beyond_intervals"] for p in c["parameter_shifts"]}
    assert shifts == {"behavioural": False, "location": True}
    (g,) = c["group_shifts"]
    assert g["beyond_intervals"] and g["before"] == 0.25 and g["now"] == 0.75


def test_touching_intervals_do_not_count_as_a_change():
    before = _doc("2026-01-01", {}, {"x": (0.1, (0.05, 0.15))})
    now = _doc("2026-02-01", {}, {"x": (0.2, (0.15, 0.25))})
    assert compare_audits(before, now)["parameter_shifts"][0]["beyond_intervals"] is False


def test_compare_refuses_something_that_is_not_an_audit():
    with pytest.raises(InvalidInputError, match="previous must be an audit.json document"):
        compare_audits([], _doc("2026-01-01", {}, {}))


@pytest.fixture(scope="module")
def two_audits(recommender, tmp_path_factory):
    rows = recommender.test[recommender.test["customer_id"] % 2 == 0]
    base = ["category_purchases_90d", "category_browse_minutes_90d"]
    before = small_audit(rows, base + ["income_band"])
    now = small_audit(rows, base + ["device"])
    d = tmp_path_factory.mktemp("compare")
    before.to_html(d / "before")
    return before, now, d


def test_report_says_what_changed_since_the_previous_audit(two_audits):
    from explainer.cli import main

    before, now, d = two_audits
    (d / "now.json").write_text(json.dumps(now.to_dict()))
    rc = main(["report", str(d / "now.json"), "--previous", str(d / "before" / "audit.json"), "--out",
               str(d / "now")])
    assert rc == 0
    doc = json.loads((d / "now" / "audit.json").read_text())
    comp = doc["comparison"]
    assert comp["data_newly_used"] == ["device"]
    assert comp["data_no_longer_used"] == ["income_band"]
    fin = {p["category"]: p for p in comp["parameter_shifts"]}
    assert fin["financial"]["now"] is None and fin["financial"]["beyond_intervals"]
    date = comp["previous_date"]
    html = (d / "now" / "disclosure.html").read_text()
    assert f"What changed since {date}" in html
    assert "It now uses your device." in html and "It no longer uses your income band." in html
    audit_html = (d / "now" / "audit.html").read_text()
    assert f"What changed since {date}" in audit_html
    assert doc["readability"]["failures"] == [] or all("'changes'" not in f for f in doc["readability"]["failures"])


def test_to_html_takes_a_previous_audit_as_a_dict(two_audits, tmp_path):
    before, now, _ = two_audits
    out = now.to_html(tmp_path / "r", previous=before.to_dict())
    doc = json.loads((tmp_path / "r" / "audit.json").read_text())
    assert doc["comparison"]["data_newly_used"] == ["device"]
    assert out["paths"][0].name == "disclosure.html"


def test_previous_that_is_missing_is_one_line_and_exit_2(two_audits, capsys):
    from explainer.cli import main

    _, _, d = two_audits
    rc = main(["report", str(d / "before" / "audit.json"), "--previous", str(d / "nope.json"), "--out",
               str(d / "x")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "previous must be an existing audit.json" in err[0]
    with pytest.raises(DataFileNotFoundError):
        two_audits[1].to_html(d / "y", previous=d / "nope.json")
