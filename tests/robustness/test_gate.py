"""The CI gate: ``--fail-on`` still writes the reports, then exits 1 when a finding matches.

The workspace has two models on the same data: ``model.skops`` reads age, spend and city;
``model_ethnicity.skops`` also reads ethnicity, a special category of data, which the
audit must report as ``privacy.special_category_input`` with severity high.
"""

from __future__ import annotations

import json

import pytest

from explainer.cli import main

FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100"]


def run(ws, tmp_path, model, *fail_on):
    out = tmp_path / "out"
    argv = ["audit", str(ws / "data.csv"), "--model", str(ws / model), "--target", "bought",
            "--sensitive", "gender", "--out", str(out), *FAST, *fail_on]
    return main(argv), out


@pytest.mark.parametrize("selector", ["privacy.special_category_input", "privacy",
                                      "data.unused_column,medium"])
def test_gate_trips_on_code_prefix_or_severity_and_still_writes_reports(selector, ws, tmp_path, capsys):
    rc, out = run(ws, tmp_path, "model_ethnicity.skops", "--fail-on", selector)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert sorted(p.name for p in out.iterdir()) == [".explainer-files.json", "audit.html", "audit.json", "disclosure.html"]
    doc = json.loads((out / "audit.json").read_text())
    special = [f for f in doc["findings"] if f["code"] == "privacy.special_category_input"]
    assert [(f["columns"], f["severity"]) for f in special] == [(["ethnicity"], "high")]
    assert len(err) == 1 and err[0].startswith("explainer: --fail-on matched")
    assert "privacy.special_category_input" in err[0]


def test_gate_is_clean_when_nothing_matches(ws, tmp_path, capsys):
    gate = "high,privacy.special_category_input,privacy.direct_identifier,fairness.proxy"
    # --k-anonymity 1: the re-identification check (age and city single people out here) is not this test's subject
    rc, out = run(ws, tmp_path, "model.skops", "--fail-on", gate, "--k-anonymity", "1")
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((out / "audit.json").read_text())
    # the model reads no special-category data and no identifier; ethnicity is kept for testing only
    assert [f for f in doc["findings"] if f["severity"] == "high" or f["code"] in gate.split(",")] == []
    assert "privacy.special_category_for_testing" in {f["code"] for f in doc["findings"]}
    assert capsys.readouterr().err == ""


def test_gate_matches_exactly_the_findings_in_audit_json(ws, tmp_path, capsys):
    """Against the written report: the gate trips on a severity iff audit.json holds one at or above it."""
    rc, out = run(ws, tmp_path, "model.skops", "--fail-on", "low")
    doc = json.loads((out / "audit.json").read_text())
    at_or_above_low = [f["code"] for f in doc["findings"] if f["severity"] in ("low", "medium", "high")]
    assert at_or_above_low  # the customer id is collected and not used: data.unused_column, low
    assert rc == 1
    err = capsys.readouterr().err
    assert f"matched {len(at_or_above_low)} finding(s): {', '.join(sorted(set(at_or_above_low)))}" in err


def test_without_fail_on_findings_never_change_the_exit_code(ws, tmp_path):
    rc, out = run(ws, tmp_path, "model_ethnicity.skops")
    assert rc == 0 and (out / "audit.json").is_file()


def test_bad_selector_is_refused_before_any_work(ws, tmp_path, capsys):
    rc, out = run(ws, tmp_path, "model.skops", "--fail-on", "high,privacy.special_categry_input")
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and not out.exists()
    assert len(err) == 1 and "Did you mean 'privacy.special_category_input'?" in err[0]


def test_exit_codes_are_in_help(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "exit codes:" in text
    for line in ("0  done", "1  a --fail-on gate matched", "2  bad input", "3  internal error"):
        assert line in text


def test_parse_fail_on():
    from explainer._validate import parse_fail_on
    from explainer.errors import InvalidInputError

    assert parse_fail_on(" high , fairness ,,model.additivity") == ["high", "fairness", "model.additivity"]
    assert parse_fail_on("") == []
    assert parse_fail_on("fairness.") == ["fairness."]
    with pytest.raises(InvalidInputError, match="'fair' which matches none|Got 'fair', which matches none"):
        parse_fail_on("fair")
    with pytest.raises(InvalidInputError, match="Got 'critical'"):
        parse_fail_on(["critical"])


def test_demo_takes_the_same_gate(recommender, demo, demo_audit, tmp_path, monkeypatch, capsys):
    """``explainer demo --fail-on``: the shared session fixtures stand in for generating, training and
    auditing (they are the same steps at a smaller size); the command renders and gates."""
    import explainer
    import explainer.demo

    monkeypatch.setattr(explainer.demo, "make_retail_demo", lambda *a, **k: demo)
    monkeypatch.setattr(explainer.demo, "train_demo_recommender", lambda *a, **k: recommender)
    monkeypatch.setattr(explainer, "audit", lambda *a, **k: demo_audit)
    out = tmp_path / "demo"
    rc = main(["demo", "--out", str(out), "--quiet", "--fail-on", "privacy.special_category_for_testing"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert err == ["explainer: --fail-on matched 1 finding(s): privacy.special_category_for_testing"]
    doc = json.loads((out / "audit.json").read_text())
    assert [f["columns"] for f in doc["findings"] if f["code"] == "privacy.special_category_for_testing"] == [
        ["ethnicity"]]
    assert main(["demo", "--out", str(out), "--quiet", "--force", "--fail-on", "model.additivity"]) == 0


def test_demo_refuses_a_bad_selector_before_generating(tmp_path, monkeypatch, capsys):
    import explainer.demo

    monkeypatch.setattr(explainer.demo, "make_retail_demo", lambda *a, **k: pytest.fail("generated"))
    assert main(["demo", "--out", str(tmp_path / "demo"), "--fail-on", "hihg"]) == 2
    assert "Did you mean 'high'?" in capsys.readouterr().err
