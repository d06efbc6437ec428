"""Output safety: canary values planted in every personal column never reach any output.

Unique canaries go into the names, emails, phones, postcodes, dates of birth and pet names of
some demo customers, in the audited rows and in the training rows. The demo is then audited
through the Python API and through the command line (audit, scan, report, pseudonymise), and
errors are triggered on the same data. No canary may appear in any file written (every file
of every output folder, so why.html and exported notebooks are covered when they exist), in
the printed output, in log records, in warnings or in error messages. (A model's own error,
which can quote a value, stays the chained cause of the toolkit's error: it shows in a Python
traceback or with ``--debug``, never in the message or the CLI's one line.)

What is public: disclosure.html and why.html are published to customers; audit.html and
audit.json are reviewer outputs. Public outputs never name a group under the minimum size;
reviewer outputs may name it, marked too few to judge, without its numbers.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import explainer as ex
from explainer.cli import main
from explainer.demo import MODEL_INPUTS, make_retail_demo, train_demo_recommender
from explainer.demo._paths import DEMO_CONFIG

from canaries import _DATA_URI, plant
from canaries import leaks as _leaks

SENSITIVE = ["gender", "age_band", "ethnicity"]
TINY_GROUP = "Xylogender"  # a gender value given to 3 customers: a group far under the minimum size
REPO_REPORTS = Path(__file__).resolve().parents[2] / "reports"


def _files(*folders: Path) -> list[Path]:
    return sorted(p for f in folders for p in f.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def canary_demo():
    demo = make_retail_demo(1500, random_state=11)
    cust, ids = plant(demo.customers)
    demo = replace(demo, customers=cust)
    rec = train_demo_recommender(demo, random_state=11)
    planted = set(ids)
    assert len(planted & set(rec.test["customer_id"])) >= 3  # canaries among the audited customers
    assert len(planted & set(rec.train["customer_id"])) >= 3  # and among the training customers
    # three audited customers form a gender group far under the minimum size (gender is not a model input)
    tiny = rec.test["customer_id"].drop_duplicates().iloc[[5, 50, 150]]
    test = rec.test.copy()
    test.loc[test["customer_id"].isin(tiny), "gender"] = TINY_GROUP
    return replace(rec, test=test)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _captured():
    """Capture stdout, stderr, every log record (DEBUG and up) and every warning."""
    handler = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            warnings.simplefilter("always")
            box: dict[str, list[str]] = {}
            yield box
        box["stdout"] = [out.getvalue()]
        box["stderr"] = [err.getvalue()]
        box["logs"] = handler.messages
        box["warnings"] = [str(w.message) for w in caught]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.fixture(scope="module")
def runs(canary_demo, tmp_path_factory):
    """Audit the canary data every way a user can; return the output folders and captured streams."""
    import joblib

    rec = canary_demo
    d = tmp_path_factory.mktemp("canary")
    rec.test.to_csv(d / "test.csv", index=False)
    rec.train.to_csv(d / "train.csv", index=False)
    joblib.dump(rec.pipeline, d / "model.joblib")
    (d / "key.hex").write_text("ab" * 32)
    outputs = [d / "api", d / "cli", d / "rerendered", d / "scan", d / "tokens"]
    (d / "scan").mkdir()
    (d / "tokens").mkdir()
    with _captured() as streams:
        a = ex.audit(rec.pipeline, rec.test, target="bought", sensitive_features=SENSITIVE, user_id="customer_id",
                     item_id="category", k=3, sample_size=800, n_boot=60, train_data=rec.train, random_state=0,
                     progress=print)
        a.to_html(d / "api", config=DEMO_CONFIG)
        print(repr(a))
        print(a._repr_html_())
        print(a.to_json())
        codes = [
            main(["audit", str(d / "test.csv"), "--model", str(d / "model.joblib"), "--trust-model",
                  "--target", "bought", "--sensitive", *SENSITIVE, "--user-id", "customer_id", "--item-id",
                  "category", "--k", "3", "--train-data", str(d / "train.csv"), "--n-boot", "60",
                  "--sample-size", "800", "--config", str(DEMO_CONFIG), "--out", str(d / "cli")]),
            main(["scan", str(d / "test.csv"), "--out", str(d / "scan" / "inventory.yaml")]),
            main(["scan", str(d / "test.csv")]),
            main(["report", str(d / "cli" / "audit.json"), "--out", str(d / "rerendered")]),
            main(["pseudonymise", str(d / "test.csv"), "--columns", "full_name", "email", "phone", "postcode",
                  "date_of_birth", "pet_name", "--key-file", str(d / "key.hex"), "--out",
                  str(d / "tokens" / "test.csv")]),
        ]
    assert codes == [0, 0, 0, 0, 0], streams["stderr"]
    return {"audit": a, "outputs": outputs, "streams": streams, "dir": d}


def test_canaries_are_in_the_input(canary_demo):
    text = canary_demo.test.to_csv(index=False) + canary_demo.train.to_csv(index=False)
    assert len(_leaks(text)) > 100  # the search finds them where they are


def test_no_canary_in_any_output_file(runs):
    files = _files(*runs["outputs"])
    names = {p.name for p in files}
    assert {"disclosure.html", "audit.html", "audit.json", "inventory.yaml", "test.csv"} <= names
    leaked = {str(p.relative_to(runs["dir"])): _leaks(p.read_text(encoding="utf-8")) for p in files}
    assert {k: v for k, v in leaked.items() if v} == {}


def test_no_canary_in_printed_output_logs_or_warnings(runs):
    s = runs["streams"]
    assert len(s["stdout"][0]) > 1000  # progress, repr and the JSON were printed
    for name in ("stdout", "stderr", "logs", "warnings"):
        assert _leaks("\n".join(s[name])) == [], name
    assert "ab" * 32 not in "\n".join(s["stdout"] + s["stderr"] + s["logs"])  # nor the key


def test_the_pseudonymised_file_keeps_rows_and_joins(runs, canary_demo):
    tokens = pd.read_csv(runs["dir"] / "tokens" / "test.csv")
    assert len(tokens) == len(canary_demo.test)
    assert tokens["email"].str.fullmatch(r"[0-9a-f]{64}").all()
    # the same email gives the same token on every row of that customer
    assert tokens.groupby("customer_id")["email"].nunique().max() == 1
    assert tokens["bought"].tolist() == canary_demo.test["bought"].tolist()


def test_the_privacy_findings_are_measured_on_the_canary_data(runs):
    a = runs["audit"]
    assert a.membership.available
    assert "privacy.reidentification_risk" in {f.code for f in a.findings}
    doc = json.loads((runs["dir"] / "cli" / "audit.json").read_text())
    assert doc["privacy"]["membership_inference"]["available"] is True
    assert doc["privacy"]["reidentification"]["quasi_identifiers"] == ["date_of_birth", "gender", "age_band",
                                                                        "postcode"]


def _message(err: BaseException) -> str:
    """The error as a user reads it: the message, and the message of a toolkit error it chains to."""
    from explainer.errors import ExplainerError

    parts = [f"{type(err).__name__}: {err}"]
    cause = err.__cause__ or err.__context__
    if isinstance(err, ExplainerError) and isinstance(cause, ExplainerError):
        parts.append(str(cause))
    return "\n".join(parts)


def _bad_calls(rec, tmp: Path):
    from explainer.analyses import membership_inference_risk, reidentification_risk
    from explainer.inventory import Pseudonymiser, generalise_age, generalise_date, generalise_postcode

    test, train = rec.test, rec.train
    kw = dict(user_id="customer_id", item_id="category", k=3, sample_size=200, n_boot=50)
    (tmp / "bad.csv").write_text("a,b\n" + "\n".join(f'"{v}",1,2,3' for v in test["email"].head(50)))
    return {
        "text target": lambda: ex.audit(rec.pipeline, test, target="email", **kw),
        "missing group": lambda: ex.audit(rec.pipeline, test.assign(gender=test["gender"].where(test.index % 7 > 0)),
                                          target="bought", sensitive_features=["gender"], **kw),
        "names as groups": lambda: ex.audit(rec.pipeline, test, target="bought", sensitive_features=["full_name"],
                                            **kw),
        "unknown quasi-identifier": lambda: ex.audit(rec.pipeline, test, target="bought",
                                                     quasi_identifiers=["nope"], **kw),
        "model inputs missing": lambda: ex.audit(rec.pipeline, test[["customer_id", "category", "email", "bought"]],
                                                 target="bought", **kw),
        "text in a numeric input": lambda: ex.audit(rec.pipeline, test.assign(loyalty_tenure_months=test["email"]),
                                                    target="bought", **kw),
        "train data without inputs": lambda: ex.audit(rec.pipeline, test, target="bought",
                                                      train_data=train.drop(columns=["postcode"]), **kw),
        "quasi-identifier also sensitive": lambda: reidentification_risk(
            test, quasi_identifiers=["postcode"], sensitive_columns=["postcode"]),
        "labels the model does not know": lambda: membership_inference_risk(
            rec.pipeline, train[list(MODEL_INPUTS)], train["email"], test[list(MODEL_INPUTS)], test["bought"]),
        "tokenise absent column": lambda: Pseudonymiser(bytes(32)).tokenise(test, columns=["nope"]),
        "postcodes that are emails": lambda: generalise_postcode(test["email"], "district"),
        "dates that are names": lambda: generalise_date(test["full_name"], to="month"),
        "ages that are emails": lambda: generalise_age(test["email"], 10),
        "malformed csv": lambda: ex.read_table(tmp / "bad.csv"),
    }


def test_error_messages_never_hold_a_canary(canary_demo, tmp_path):
    messages = {}
    for name, call in _bad_calls(canary_demo, tmp_path).items():
        with _captured() as streams:
            try:
                call()
            except Exception as err:  # noqa: BLE001 - any error, ours or a library's, must be clean
                messages[name] = _message(err) + "\n" + "\n".join(streams.get("logs", []))
            else:
                messages[name] = None
        messages[name] = (messages[name] or "") + "\n".join(streams["logs"] + streams["warnings"])
    leaked = {k: _leaks(v) for k, v in messages.items() if _leaks(v)}
    assert leaked == {}


def test_the_cli_prints_one_clean_line_for_bad_input(runs):
    d = runs["dir"]
    with _captured() as streams:
        rc = [
            main(["audit", str(d / "test.csv"), "--model", str(d / "model.joblib"), "--trust-model", "--target",
                  "email", "--user-id", "customer_id", "--item-id", "category", "--out", str(d / "bad1")]),
            main(["audit", str(d / "test.csv"), "--model", str(d / "model.joblib"), "--trust-model", "--target",
                  "bought", "--sensitive", "full_name", "--user-id", "customer_id", "--item-id", "category",
                  "--out", str(d / "bad2")]),
            main(["pseudonymise", str(d / "test.csv"), "--columns", "nope", "--key-file", str(d / "key.hex"),
                  "--out", str(d / "bad3.csv")]),
            main(["pseudonymise", str(d / "test.csv"), "--columns", "email", "--key-env", "EXPLAINER_NO_SUCH_KEY",
                  "--out", str(d / "bad4.csv")]),
        ]
    assert rc == [2, 2, 2, 2]
    err = streams["stderr"][0].strip().splitlines()
    assert len(err) == 4 and all(e.startswith("explainer") for e in err)
    assert _leaks("\n".join(streams["stderr"] + streams["stdout"] + streams["logs"])) == []
    assert not any((d / n).exists() for n in ("bad1", "bad2", "bad3.csv", "bad4.csv"))


# ------------------------------------------------------------------ groups under the minimum size
def test_public_outputs_never_name_a_group_under_the_minimum_size(runs):
    for folder in (runs["dir"] / "api", runs["dir"] / "cli"):
        doc = json.loads((folder / "audit.json").read_text())
        small = {g["group"] for b in doc["fairness"]["by_feature"].values() for g in b["groups"]
                 if g["too_few_to_judge"]}
        judged = {g["group"] for b in doc["fairness"]["by_feature"].values() for g in b["groups"]
                  if not g["too_few_to_judge"]}
        assert TINY_GROUP in small  # the planted tiny group is there, marked too few to judge
        assert any(" | " in g and TINY_GROUP in g for g in small)  # and its intersections
        public = [p for p in _files(folder) if p.name in ("disclosure.html", "why.html")]
        assert public
        for p in public:
            # "Other: pet name" labels a kind of data, not the group "Other"
            text = re.sub(r"Other: ", "", p.read_text(encoding="utf-8"))
            named = sorted(g for g in small - judged if re.search(rf"(?<!\w){re.escape(g)}(?!\w)", text))
            assert named == [], p.name
            assert TINY_GROUP.lower() not in text.lower()


def test_reviewer_outputs_mark_small_groups_without_their_numbers(runs):
    doc = json.loads((runs["dir"] / "api" / "audit.json").read_text())
    for block in doc["fairness"]["by_feature"].values():
        for g in block["groups"]:
            if g["too_few_to_judge"]:
                assert g["metrics"] == {} and g["n"] < doc["options"]["min_group_size"]
    for rec in doc["fairness"]["exposure"] + doc["fairness"]["quality"]:
        if rec["too_few_to_judge"]:
            assert rec.get("rate") is None and rec.get("value") is None and rec["ci_low"] is None
    for gap in doc["fairness"]["exposure_gaps"]:
        assert TINY_GROUP not in (gap["low_group"], gap["high_group"])
    html = (runs["dir"] / "api" / "audit.html").read_text()
    row = re.search(rf"<tr><td>{TINY_GROUP}</td>.*?</tr>", html)
    assert row is not None and "too few to judge" in row.group(0)


def test_committed_reports_hold_no_personal_value_of_the_demo():
    """Every file under reports/ (the committed demo output) against the default demo's personal values."""
    files = [p for p in _files(REPO_REPORTS) if p.suffix in (".html", ".json", ".ipynb", ".md", ".txt")]
    demo = make_retail_demo(20_000, random_state=0).customers
    values = set()
    for col in ("full_name", "email", "phone", "postcode", "date_of_birth"):
        values.update(str(v).lower() for v in demo[col].dropna().unique())
    for p in files:
        low = _DATA_URI.sub(" ", p.read_text(encoding="utf-8")).lower()
        assert [v for v in values if v in low] == [], p.name
