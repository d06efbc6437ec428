"""`explainer report audit.json --out DIR` re-renders the same files without recomputing."""

from __future__ import annotations

import json

from explainer.cli import main


def test_report_rerenders_identically_without_recomputing(demo_reports, tmp_path, monkeypatch):
    import explainer
    from explainer.analyses import _explain, _fairness

    def forbidden(*a, **k):
        raise AssertionError("the report must not recompute")

    for mod, name in ((explainer, "audit"), (_explain, "explain"), (_fairness, "assess_fairness")):
        monkeypatch.setattr(mod, name, forbidden)
    rc = main(["report", str(demo_reports / "audit.json"), "--out", str(tmp_path / "again")])
    assert rc == 0
    for name in ("disclosure.html", "audit.html", "audit.json"):
        assert (tmp_path / "again" / name).read_bytes() == (demo_reports / name).read_bytes(), name


def test_report_with_another_config_changes_only_publisher_facts(demo_reports, tmp_path):
    cfg = tmp_path / "d.yaml"
    cfg.write_text("organisation:\n  name: Southwind Ltd\n")
    assert main(["report", str(demo_reports / "audit.json"), "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "disclosure.html").read_text()
    assert "Southwind Ltd runs this system." in html and "Northwind" not in html
    doc = json.loads((tmp_path / "o" / "audit.json").read_text())
    before = json.loads((demo_reports / "audit.json").read_text())
    assert "section 15: rights.access" in doc["gaps"] and before["gaps"] == []
    assert doc["main_parameters"] == before["main_parameters"]
