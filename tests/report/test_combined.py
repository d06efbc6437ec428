"""Every algorithm, one disclosure: the recommender and the offer email selection together."""

from __future__ import annotations

import json
import re

import pytest

from explainer.cli import main


@pytest.fixture(scope="module")
def targeting_reports(demo, tmp_path_factory):
    import explainer as ex
    from explainer.demo import targeting_config, train_demo_targeting

    tgt = train_demo_targeting(demo, random_state=7)
    audit = ex.audit(tgt.pipeline, tgt.test, target="bought_two_or_more",
                     sensitive_features=["gender", "age_band", "ethnicity"], sample_size=500, n_boot=50,
                     random_state=0)
    out = tmp_path_factory.mktemp("targeting") / "emails"
    audit.to_html(out, config=targeting_config())
    return out


@pytest.fixture(scope="module")
def combined(demo_reports, targeting_reports, tmp_path_factory):
    out = tmp_path_factory.mktemp("combined") / "all"
    rc = main(["report", str(demo_reports / "audit.json"), str(targeting_reports / "audit.json"), "--out", str(out)])
    assert rc == 0
    return out


def test_combined_disclosure_covers_each_algorithm(combined):
    html = (combined / "disclosure.html").read_text()
    rec = json.loads((combined / "combined.json").read_text())
    names = [a["name"] for a in rec["algorithms"]]
    assert names == ["Product group ranking", "Offer email selection"]
    for a in rec["algorithms"]:
        assert f">{a['name']}</h3>" in html and a["decides"] in html  # what it decides
        assert f'href="{a["key"]}/disclosure.html"' in html
        assert (combined / a["audit_json"]).is_file()
    assert re.search(r"It uses \d+ kinds of data about you", html)  # which ones: the matrix below
    assert "What counts most: what you buy and browse (about" in html


def test_matrix_says_which_algorithm_uses_which_data(combined):
    rec = json.loads((combined / "combined.json").read_text())
    keys = [a["key"] for a in rec["algorithms"]]
    cells = {r["category"]: r["cells"] for r in rec["matrix"]}
    ranker, emails = keys
    # the recommender reads the postcode; the email model does not (known from the two models' inputs)
    assert cells["location"][ranker]["use"] == "used" and cells["location"][emails]["use"] == "not_used"
    assert cells["behavioural"][ranker]["use"] == "used" and cells["behavioural"][emails]["use"] == "used"
    assert cells["special_category"][ranker]["use"] == "testing" == cells["special_category"][emails]["use"]
    assert cells["contact"][ranker]["use"] == "not_used" == cells["contact"][emails]["use"]
    # shares are each algorithm's own measured shares
    for key in keys:
        doc = json.loads((combined / key / "audit.json").read_text())
        for p in doc["main_parameters"]:
            if p["category"] in cells and cells[p["category"]][key]["use"] == "used":
                assert cells[p["category"]][key]["share"] == p["importance_share"]
    html = (combined / "disclosure.html").read_text()
    table = html[html.index("<caption>Kinds of data about you"):]
    assert re.search(r"Where you live</th><td>Used, about \d+%</td><td>Not used</td>", table[: table.index("</table>")])


def test_reviewer_index_links_each_audit_and_the_disclosure_meets_targets(combined):
    index = (combined / "audit.html").read_text()
    rec = json.loads((combined / "combined.json").read_text())
    for a in rec["algorithms"]:
        assert f'href="{a["key"]}/audit.html"' in index and (combined / a["key"] / "audit.html").is_file()
    assert rec["readability"]["failures"] == []
    assert rec["gaps"] == []


def test_combined_needs_two_audits_and_no_previous(demo_reports, tmp_path, capsys):
    from explainer.errors import InvalidInputError
    from explainer.report._combined import write_combined_reports

    with pytest.raises(InvalidInputError, match="audits must hold two or more audits"):
        write_combined_reports([demo_reports / "audit.json"], tmp_path / "x")
    rc = main(["report", str(demo_reports / "audit.json"), str(demo_reports / "audit.json"), "--previous",
               str(demo_reports / "audit.json"), "--out", str(tmp_path / "y")])
    assert rc == 2 and "--previous must go with one audit_json" in capsys.readouterr().err
