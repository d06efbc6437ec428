"""Any domain, any decision: the public pages of a streaming recommender and a yes/no decision
say true things in their own words, with and without a publisher config (issue 16)."""

from __future__ import annotations

import json
import re

import pytest

from test_disclosure_targets import _visible

from explainer.demo import (
    decision_column_labels,
    make_decision_demo,
    make_streaming_demo,
    train_decision_model,
    train_streaming_recommender,
)
from explainer.report._config import DisclosureConfig
from explainer.report._readability import measure_text
from explainer.report._render import section_texts

#: Words that belong to one domain only: a page of another domain must not use them.
RETAIL = [r"\bshop", r"\bproducts?\b", r"\bbought\b", r"\bbuy\b", r"\bbrowse\b", r"\bcustomers?\b"]
STREAMING = [r"\bmovies?\b", r"\bwatch(ed)?\b", r"\bmembers?\b"]
HIRING = [r"\bapplicants?\b", r"\binterview\b"]
#: A yes/no decision is not a recommender.
RECOMMENDER = [r"recommend", r"in order for you", r"what to show you", r"what you see", r"why you see",
               r"suggest", r"sets the order"]
JARGON = [r"\bshap\b", r"\bshapley\b", r"log[-\s]?odds", r"\bfeatures?\b", r"\bmodel\b", r"\bauc\b"]

STREAMING_CONFIG = {
    "organisation": {"name": "Reelhouse Ltd", "contact_email": "privacy@reelhouse.example"},
    "system": {"name": "Movie suggestions", "what_it_does": "It puts movies in order for you."},
    "domain": {"item": "movie", "items": "movies", "people": "members", "activity": "what you watch and rate",
               "observed": "We see it when you watch", "chose": "watched"},
    "automation": {"fully_automated": True},
}
HIRING_CONFIG = {
    "organisation": {"name": "Talentbridge Ltd", "contact_email": "privacy@talentbridge.example"},
    "system": {"name": "Interview shortlist", "what_it_does": "It decides who we invite to an interview."},
    "domain": {"people": "applicants", "activity": "what you told us in your application",
               "observed": "We note it from your application",
               "decision": "whether to invite you to an interview"},
    "automation": {"fully_automated": False},
}


def _found(patterns, text, columns=()):
    """Patterns found in ``text``; the data's own column names (``movie id``) are not wording."""
    from explainer.findings import column_label

    for c in sorted(columns, key=len, reverse=True):
        text = text.replace(column_label(str(c)), " ")
    return [p for p in patterns if re.search(p, text, re.I)]


@pytest.fixture(scope="module")
def streaming_audit():
    import explainer as ex

    demo = make_streaming_demo(500, random_state=3)
    model = train_streaming_recommender(demo)
    return ex.audit(model, demo.interactions, target="watched", sensitive_features=["gender", "age_band"],
                    task="ranking", user_id="member_id", item_id="movie_id", item_label="title",
                    sample_size=300, n_boot=30, random_state=0)


@pytest.fixture(scope="module")
def decision_audit():
    import explainer as ex

    demo = make_decision_demo(1_500, random_state=4)
    model = train_decision_model(demo)
    return ex.audit(model, demo.applications, target="approved", sensitive_features=["sex", "race"],
                    sample_size=300, n_boot=30, random_state=0)


@pytest.fixture(scope="module")
def pages(streaming_audit, decision_audit, tmp_path_factory):
    """disclosure.html and why.html of each system, with its config and without one."""
    root = tmp_path_factory.mktemp("domains")
    out = {}
    cases = {"streaming": (streaming_audit, STREAMING_CONFIG), "hiring": (decision_audit, HIRING_CONFIG)}
    for name, (audit, raw) in cases.items():
        for cfg_name, cfg in (("config", DisclosureConfig.from_dict(raw)), ("none", None)):
            folder = root / f"{name}-{cfg_name}"
            audit.to_html(folder, config=cfg)
            if name == "streaming":
                row = audit.data.iloc[0]
                w = audit.why(row["member_id"], row["movie_id"], config=cfg)
            else:
                w = audit.why(audit.data.index[0], config=cfg)
            w.to_html(folder / "why.html")
            out[(name, cfg_name)] = folder
    return out


def test_retail_pages_keep_the_shop_words_and_nothing_else(demo_reports, demo_audit):
    from explainer.demo._paths import DEMO_CONFIG

    text = _visible((demo_reports / "disclosure.html").read_text())
    assert "We see it when you shop" in text and "What you buy and browse" in text
    assert "puts product groups in order for you" in text
    assert _found(STREAMING + HIRING, text) == []
    row = demo_audit.data.iloc[0]
    why = _visible(demo_audit.why(row["customer_id"], row["category"], config=DEMO_CONFIG)._repr_html_())
    assert _found(STREAMING + HIRING + JARGON, why) == []


@pytest.mark.parametrize("cfg_name", ["config", "none"])
def test_streaming_pages_speak_of_movies_and_members_only(pages, cfg_name):
    folder = pages[("streaming", cfg_name)]
    for page in ("disclosure.html", "why.html"):
        text = _visible((folder / page).read_text())
        assert _found(RETAIL + HIRING + JARGON, text) == [], page
        if cfg_name == "config":
            assert re.search(r"\bmovies?\b", text), page
        else:
            cols = make_streaming_demo(20).interactions.columns
            assert _found(STREAMING, text, cols) == [], page  # neutral words without a config
    disclosure = _visible((folder / "disclosure.html").read_text())
    assert ("What you watch and rate" if cfg_name == "config" else "Your activity with us") in disclosure
    # movies are named by their titles, never by a bare id
    why = (folder / "why.html").read_text()
    title = re.search(r"<h1>(.*?)</h1>", why).group(1)
    assert title.startswith("Why you see The ") or "is not in your top" in title, title
    assert not re.search(r"\b(see|show) \d+\b", disclosure + _visible(why))


@pytest.mark.parametrize("cfg_name", ["config", "none"])
def test_a_yes_no_decision_is_never_called_a_recommender(pages, cfg_name):
    folder = pages[("hiring", cfg_name)]
    for page in ("disclosure.html", "why.html"):
        text = _visible((folder / page).read_text())
        assert _found(RECOMMENDER + RETAIL + STREAMING + JARGON, text) == [], page
    disclosure = _visible((folder / "disclosure.html").read_text())
    why = _visible((folder / "why.html").read_text())
    if cfg_name == "config":
        assert "decides whether to invite you to an interview" in disclosure
        assert "Why we decided whether to invite you to an interview" in why
        assert "applicants" in disclosure
    else:
        assert "decides whether to say yes to you" in disclosure
        assert re.search(r"The answer was (yes|no)\.", why)
    assert "A computer did not choose you" not in why


def test_missing_domain_words_are_gaps_for_the_publisher(pages):
    doc = json.loads((pages[("hiring", "none")] / "audit.json").read_text())
    for key in ("item", "items", "people", "activity", "observed", "decision"):
        assert f"section 2: domain.{key}" in doc["gaps"]
    assert "section 2: domain.chose" not in doc["gaps"]  # a yes/no decision has no items to choose
    doc = json.loads((pages[("streaming", "none")] / "audit.json").read_text())
    assert "section 2: domain.chose" in doc["gaps"] and "section 2: domain.decision" not in doc["gaps"]


def _data_table(html):
    table = html[html.index("<caption>Data we hold about you</caption>"):]
    table = table[: table.index("</table>")]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
    return rows


@pytest.mark.parametrize("cfg_name", ["config", "none"])
def test_group_columns_are_testing_only_and_special_category_is_sensitive(pages, cfg_name):
    html = (pages[("hiring", cfg_name)] / "disclosure.html").read_text()
    rows = {r[1]: r for r in _data_table(html)}
    race = rows["race"]
    assert race[0].startswith("Sensitive data") and race[3] == "Only to check how groups are treated"
    assert race[4] == "Yes"
    assert rows["sex"][3] == "Only to check how groups are treated"
    assert not any("race" in r[1] or "sex" in r[1] for r in _data_table(html) if r[3] == "Used")
    assert not any("race" in r[1] for r in _data_table(html) if r[0] == "Identifiers")
    special = " ".join(section_texts(html)["special"])
    assert "We hold no sensitive data" not in special and "race" in special
    # the streaming service's gender and age band are groups, not inputs
    html = (pages[("streaming", cfg_name)] / "disclosure.html").read_text()
    assert {r[1]: r[3] for r in _data_table(html)}["gender and age band"] == "Only to check how groups are treated"


def test_audit_categories_match_the_known_answers(decision_audit):
    labels = decision_column_labels()
    got = {r.column: r.category for r in decision_audit.inventory if labels[r.column] != "target"}
    assert got == {c: lab for c, lab in labels.items() if lab != "target"}
    assert decision_audit.inventory["race"].role == "sensitive"


def test_one_categorisation_for_the_audit_and_the_why_page(streaming_audit):
    doc = streaming_audit.to_dict()
    audit_cats = {f["column"]: f["category"] for f in doc["features"]}
    row = streaming_audit.data.iloc[3]
    w = streaming_audit.why(row["member_id"], row["movie_id"])
    for r in w.reasons:
        assert r.category == audit_cats[r.column], r.column
    assert audit_cats["popularity"] == "item" and audit_cats["n_sci_fi"] == "behavioural"


def test_public_finding_lines_are_true(streaming_audit, decision_audit):
    for audit in (streaming_audit, decision_audit):
        for f in audit.findings:
            if f.code == "data.low_value_column":
                low = f.evidence["share"] < audit.minimisation.method["low_share"]
                assert ("counts for very little" in (f.public_text or "")) == low, f.columns
            if f.code == "fairness.proxy" and f.public_text:
                assert f.columns[1].split("_")[0] not in f.columns[0]
            if f.public_text:
                assert _found(JARGON, f.public_text) == [], f.code
                assert measure_text(f.public_text).fk_grade <= 8, f.public_text


def test_combined_page_and_item_labels_everywhere(streaming_audit, decision_audit, tmp_path):
    from explainer.report import write_combined_reports

    a = streaming_audit.to_dict()
    a["publisher"] = STREAMING_CONFIG
    b = decision_audit.to_dict()
    b["publisher"] = HIRING_CONFIG
    write_combined_reports([a, b], tmp_path / "all")
    text = _visible((tmp_path / "all" / "disclosure.html").read_text())
    assert _found(JARGON + RETAIL, text) == []
    assert "What you watch and rate" in text or "what you watch and rate" in text
    labels = streaming_audit.model_info["item_labels"]
    assert labels["101"] == "The Night Orbit" or labels["101"].startswith(("The ", "Night")), labels["101"]
    for f in streaming_audit.findings:
        if f.code == "fairness.exposure_gap":
            assert labels[str(f.evidence["item"])] in (f.public_text or "")


@pytest.mark.parametrize("name", ["streaming", "hiring"])
@pytest.mark.parametrize("cfg_name", ["config", "none"])
def test_other_domains_meet_the_plain_language_targets(pages, streaming_audit, decision_audit, name, cfg_name):
    from explainer.report._readability import measure_sections
    from explainer.report._render import FIRST_LAYER
    from explainer.report._why import why_first_layer

    from explainer.report._config import GAP_TEXT

    html = (pages[(name, cfg_name)] / "disclosure.html").read_text()
    # the generated wording is measured; the publisher's gap markers are not this page's prose
    texts = {k: [b for b in (t.replace(GAP_TEXT, "").strip() for t in v) if b]
             for k, v in section_texts(html).items() if k != "quality"}
    texts = {k: v for k, v in texts.items() if v}
    rep = measure_sections(texts, first_layer=[k for k in texts if k in FIRST_LAYER])
    assert rep.failures() == []
    # the per-person page: the short answer first, at most about 120 words, grade 6 or below
    audit, raw = (streaming_audit, STREAMING_CONFIG) if name == "streaming" else (decision_audit, HIRING_CONFIG)
    cfg = DisclosureConfig.from_dict(raw) if cfg_name == "config" else None
    if name == "streaming":
        row = audit.data.iloc[0]
        w = audit.why(row["member_id"], row["movie_id"], config=cfg)
    else:
        w = audit.why(audit.data.index[0], config=cfg)
    score = measure_text(why_first_layer(w.to_dict(), cfg))
    assert score.fk_grade <= 6 and score.words <= 120 and score.reading_time_s <= 30, score
    assert score.lints == ()
