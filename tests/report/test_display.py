"""Rich display: every result object renders through the report's fragment templates."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import explainer as ex
from explainer._display import HTMLDisplay
from explainer.errors import InvalidInputError
from explainer.report import render_fragment
from explainer.report._fragments import FRAGMENTS
from html_tables import personal_values, table, tables

FRAGMENT_DIR = Path(ex.__file__).parent / "report" / "templates" / "fragments"
PERSONAL = ["full_name", "email", "phone", "postcode", "date_of_birth", "pet_name"]


@pytest.fixture(scope="module")
def results(demo_audit):
    from explainer.analyses import membership_inference_risk, reidentification_risk

    people = pd.DataFrame({"age": np.arange(200) % 50 + 20, "zip": [f"LS{i % 7}" for i in range(200)],
                           "illness": ["a", "b", "c", "d"] * 50})
    reid = reidentification_risk(people, quasi_identifiers=["age", "zip"], sensitive_columns=["illness"])
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=400)})
    y = (X["x"] + rng.normal(size=400) > 0).astype(int)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(X.iloc[:200], y.iloc[:200])
    member = membership_inference_risk(model, X.iloc[:200], y.iloc[:200], X.iloc[200:], y.iloc[200:], n_boot=50)
    from explainer.analyses._mitigation import compare_mitigations
    from explainer.report._readability import measure_sections

    g = rng.choice(["a", "b"], 1000)
    yy = (rng.random(1000) < np.where(g == "a", 0.6, 0.3)).astype(int)
    mitigation = compare_mitigations(yy, np.clip(0.4 * yy + rng.normal(0.3, 0.2, 1000), 0, 1),
                                     pd.DataFrame({"g": g}), n_boot=30)
    readability = measure_sections({"summary": "We rank products for you. You can turn it off.",
                                    "data": ["We use what you bought.", "We do not use your name."]},
                                   first_layer=["summary"])
    return {
        "mitigation": mitigation, "proxy_flow": demo_audit.proxy_flow, "readability": readability,
        "audit": demo_audit, "explanation": demo_audit.explanation, "fairness": demo_audit.fairness,
        "groups": demo_audit.fairness.groups, "proxies": demo_audit.proxies,
        "minimisation": demo_audit.minimisation, "inventory": demo_audit.inventory,
        "finding": demo_audit.findings[0], "reidentification": reid, "membership": member,
        "scan": ex.scan(pd.DataFrame({"email": ["a@b.example", "c@d.example"] * 20})),
    }


def test_every_result_object_has_html_and_plain_text(results):
    for name, obj in results.items():
        assert isinstance(obj, HTMLDisplay), name
        html = obj._repr_html_()
        assert html.lstrip().startswith('<div class="explainer-fragment'), name
        text = repr(obj)
        assert text.startswith(type(obj).__name__ + "(") and "array(" not in text, name
        assert len(text.splitlines()[0]) < 400, name


#: Tags that belong to a page, never inside a notebook output.
DOCUMENT_TAGS = re.compile(r"<\s*(?:!doctype|html|head|body|meta|title|link|script|base)\b", re.IGNORECASE)


def _selectors(css: str) -> list[str]:
    """Every selector of a style sheet, those inside @media and similar blocks included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for head in re.findall(r"([^{}]+)\{", css):
        if not head.strip().startswith("@"):
            out += [sel.strip() for sel in head.split(",")]
    return out


class _Root(HTMLParser):
    """The outermost elements of a fragment."""

    VOID = frozenset({"img", "br", "hr", "input", "meta", "link", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.roots = 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.roots.append((tag, dict(attrs).get("class", "")))
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1


def _check_scoped(name: str, html: str) -> None:
    assert not DOCUMENT_TAGS.search(html), (name, DOCUMENT_TAGS.search(html).group(0))
    root = _Root()
    root.feed(html)
    assert len(root.roots) == 1 and root.roots[0][0] == "div", (name, root.roots)
    assert root.roots[0][1].split()[0] == "explainer-fragment", name
    assert root.depth == 0, name
    sheets = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S)
    assert sheets, name
    for sel in (s for css in sheets for s in _selectors(css)):
        assert sel.startswith(".explainer-fragment"), (name, sel)  # never body, *, h1, p, table, ...


def test_every_display_is_a_fragment_scoped_to_its_own_root(results, demo_audit, recommender):
    """No doctype, meta or other page tag, and no style rule outside the fragment's root.

    A page-level rule in one output restyles the whole notebook: its headings, its paragraphs
    and every other table, the dashboard's included.
    """
    shown = {name: obj._repr_html_() for name, obj in results.items()}
    data = recommender.test
    customer = data["customer_id"].iloc[0]
    shown["why"] = demo_audit.why(customer, data.loc[data["customer_id"] == customer, "category"].iloc[0])._repr_html_()
    dash = demo_audit.dashboard(data)
    shown["dashboard still copy"] = dash.snapshot()
    for part in ("overview", "findings", "data_use", "fairness", "why", "minimisation"):
        if getattr(dash, part).value:
            shown[f"dashboard {part}"] = getattr(dash, part).value
    for name, html in shown.items():
        _check_scoped(name, html)


def test_the_scope_check_finds_page_tags_and_global_rules():
    ok = '<div class="explainer-fragment"><style>.explainer-fragment p { color: red; }</style><p>x</p></div>'
    _check_scoped("ok", ok)
    for bad in ('<!DOCTYPE html>' + ok, ok.replace("<p>x", '<meta charset="utf-8"><p>x'),
                ok.replace(".explainer-fragment p {", "body, .explainer-fragment p {"),
                ok.replace(".explainer-fragment p {", "@media print { h1 {"),
                ok + "<p>after</p>"):
        with pytest.raises(AssertionError):
            _check_scoped("bad", bad)


def test_table_rules_beat_the_notebook_rules_they_compete_with():
    """JupyterLab right-aligns every cell and fixes the layout with a selector of two classes and a tag
    (`:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`, specificity 0,2,1): the fragment's cell
    rules must be more specific. The browser test checks the result in a real JupyterLab."""
    html = render_fragment("message", text="x")
    css = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S)[0]

    def specificity(sel: str) -> tuple[int, int]:
        return len(re.findall(r"[.:#]", sel)), len(re.findall(r"(?:^|[\s>+~])[a-z]+", sel))

    rules = {head.strip(): body for head, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)}
    # JupyterLab's competing rules: cells (0,2,1) as above, tables `.jp-RenderedHTMLCommon table` (0,1,1)
    for wanted, prop, theirs in (("td", "text-align: left", (2, 1)), ("td.num", "text-align: right", (2, 1)),
                                 ("table", "table-layout: auto", (1, 1))):
        hits = [sel for head, body in rules.items() if prop in body for sel in head.split(",")
                if sel.strip().endswith(" " + wanted)]
        assert hits, wanted
        assert all(specificity(sel) > theirs for sel in hits), hits


def test_every_fragment_has_a_template_and_unknown_names_are_refused():
    assert sorted(p.name for p in FRAGMENT_DIR.glob("[!_]*.html.j2")) == sorted(f"{n}.html.j2" for n in FRAGMENTS)
    with pytest.raises(InvalidInputError, match="name must be one of the display fragments"):
        render_fragment("nope")


def test_fragments_use_the_report_templates_and_macros():
    # a fragment renders through the report's environment: its macros and its autoescaping
    html = render_fragment("message", text="<script>alert(1)</script>")
    assert "&lt;script&gt;" in html and "<script>" not in html
    src = (FRAGMENT_DIR / "shap_result.html.j2").read_text(encoding="utf-8")
    assert '{% import "_macros.html.j2" as m %}' in src


def test_shap_display_shows_each_category_share_with_its_interval(results):
    shap = results["explanation"]
    rows = table(shap._repr_html_(), "Share of influence by data category")
    assert [r["Category"] for r in rows] == list(shap.category_share["category"])
    for r, (_, c) in zip(rows, shap.category_share.iterrows()):
        assert r["Share"] == f"{c['share'] * 100:.1f}%"
        assert r["Interval"] == f"{c['ci_low'] * 100:.1f}% to {c['ci_high'] * 100:.1f}%"
    assert '<img src="data:image/svg+xml;base64,' in shap._repr_html_()


def test_group_metrics_display_shows_values_intervals_and_too_few(results):
    groups = results["groups"]
    html = groups._repr_html_()
    rows = table(html, "Groups by age_band")
    bg = groups.by_group
    for r in rows:
        sel = bg[(bg["feature"] == "age_band") & (bg["group"] == r["Group"]) & (bg["metric"] == "selection_rate")]
        v, lo, hi = sel[["value", "ci_low", "ci_high"]].iloc[0]
        assert r["selection rate"] == f"{v:.3f} ({lo:.3f} to {hi:.3f})"
        assert int(r["Customers"]) == int(sel["n"].iloc[0])  # a recommender's groups count customers
    # every group under the minimum size is marked, and only those
    few = bg.drop_duplicates(["feature", "group"])
    marked = [(c, r["Group"]) for c, rs in tables(html) if c.startswith("Groups by")
              for r in [dict(zip(rs[0], x)) for x in rs[1:]] if r["Note"] == "too few to judge"]
    expected = [(f"Groups by {f}: value (95% interval)", g) for f, g, t in
                zip(few["feature"], few["group"], few["too_few_to_judge"]) if t]
    assert marked == expected and expected  # the demo has small intersections


def test_fairness_display_lists_the_planted_exposure_gap(results):
    rows = table(results["fairness"]._repr_html_(), "Exposure gaps")
    hit = [r for r in rows if r["Feature"] == "age_band" and r["Item"] == "electronics"]
    assert hit and hit[0]["Lower group"] == "65+"


def test_proxy_and_minimisation_displays_match_their_tables(results):
    prox = results["proxies"]
    rows = table(prox._repr_html_(), "How well each input predicts")
    assert len(rows) == len(prox.table)
    flagged = {(r["Sensitive attribute"], r["Column"]) for r in rows if r["Flagged"] == "yes"}
    assert flagged == set(prox.flagged) and ("ethnicity", "postcode") in flagged
    mini = results["minimisation"]
    rows = table(mini._repr_html_(), "Collected columns")
    assert {r["Column"]: r["Verdict"] for r in rows} == dict(zip(mini.table["column"], mini.table["verdict"]))


def test_privacy_displays_match_their_numbers(results):
    reid = results["reidentification"]
    rows = table(reid._repr_html_(), "Risk as given")
    assert [int(r["Smallest group"]) for r in rows] == list(reid.to_frame()["k"])
    member = results["membership"]
    rows = table(member._repr_html_(), "Attack measures")
    assert rows[0]["Value"] == f"{member.auc:.3f}"


def test_audit_display_counts_findings_by_severity(results):
    audit = results["audit"]
    html = audit._repr_html_()
    n_high = sum(f.severity.value == "high" for f in audit.findings)
    assert f"{len(audit.findings)} findings: {n_high} high" in " ".join(html.split())
    assert len(table(html, "Findings")) == len(audit.findings)


def test_no_customer_value_in_any_display(results, recommender):
    blob = "\n".join(o._repr_html_() + repr(o) for o in results.values())
    data = recommender.test
    for col in PERSONAL:
        for value in personal_values(data[col])[:500]:
            assert value not in blob, col



def test_markup_in_names_is_shown_as_text():
    evil = "<img src=x onerror=alert(1)>"
    inv = ex.DataInventory([ex.ColumnRecord(evil, "contact")])
    html = inv._repr_html_()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and evil not in html
    assert re.search(r"<img", html) is None


def test_mitigation_flow_and_readability_displays_match_their_numbers(results):
    mit = results["mitigation"]
    rows = table(mit._repr_html_(), "Mitigation comparison")
    assert [r["Decisions"] for r in rows] == ["current", "ThresholdOptimizer (demographic parity)",
                                              "ThresholdOptimizer (equalized odds)"]
    for r, (_, e) in zip(rows, mit.table.iterrows()):
        assert r["Accuracy"].startswith(f"{e['accuracy']:.3f} (")
    flow = results["proxy_flow"]
    rows = table(flow._repr_html_(), "Gap in mean model output")
    top = flow.table.reindex(flow.table["contribution_gap"].abs().sort_values(ascending=False).index).iloc[0]
    assert rows[0]["Proxy"] == top["column"] and rows[0]["Carried by the proxy"] == f"{top['contribution_gap']:.3f}"
    read = results["readability"]
    rows = table(read._repr_html_(), "Readability per section")
    assert [r["Section"] for r in rows] == ["summary", "data", "overall"]
    assert rows[0]["Grade"] == f"{read.sections['summary'].fk_grade:.1f}" and rows[0]["Layer"] == "first"
