"""The publisher config disclosure.yaml: loading, validation, gaps and the demo's prose."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

import explainer
from explainer.errors import DataFileNotFoundError, InvalidInputError
from explainer.inventory._schema import CATEGORIES
from explainer.report._config import (
    GAP,
    GAP_TEXT,
    DisclosureConfig,
    is_gap,
    section_of,
)
from explainer.report._readability import BANNED_CLAIM_WORDS, measure_sections, measure_text

DEMO = Path(explainer.__file__).parent / "demo" / "disclosure.yaml"

#: Every gap of an empty config, by hand, in DISCLOSURE.md section order.
ALL_GAPS = (
    [
        "section 1: organisation.name",
        "section 1: organisation.contact_email",
        "section 1: organisation.contact_address",
        "section 1: organisation.dpo_contact",
        "section 2: system.name",
        "section 2: system.what_it_does",
        "section 2: system.surfaces",
        "section 2: domain.item",
        "section 2: domain.items",
        "section 2: domain.people",
        "section 2: domain.activity",
        "section 2: domain.observed",
        "section 2: domain.decision",
        "section 2: domain.chose",
        "section 3: automation.fully_automated",
        "section 3: automation.human_review",
        "section 4: purposes",
        "section 6: special_categories_use",
    ]
    + [f"section 7: category_rationale.{c}" for c in CATEGORIES]
    + [
        "section 8: commercial_influence.affects_ranking",
        "section 8: commercial_influence.explanation",
        "section 9: controls",
        "section 10: consequences",
        "section 11: profile.time_window",
        "section 11: profile.refresh",
        "section 14: sharing",
    ]
    + [f"section 14: retention.{c}" for c in CATEGORIES]
    + [
        "section 15: rights.access",
        "section 15: rights.correction",
        "section 15: rights.erasure",
        "section 15: rights.objection",
        "section 15: rights.complaint.authority",
        "section 15: rights.complaint.url",
        "section 15: rights.human_review_on_request",
        "section 16: disclosure.version",
        "section 16: disclosure.date",
        "section 16: disclosure.changes",
        "section 16: model_names",
    ]
)


@pytest.fixture(scope="module")
def demo() -> DisclosureConfig:
    return DisclosureConfig.from_yaml(DEMO)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "disclosure.yaml"
    p.write_text(text, encoding="utf-8")
    return p


# --- the demo config -----------------------------------------------------------------------
def test_demo_config_loads_with_zero_gaps(demo: DisclosureConfig) -> None:
    assert demo.gaps() == []
    assert not demo.has_gaps()
    assert demo.get("organisation.name") == "Northwind Home & Garden Ltd"
    assert demo.get("organisation.contact_email") == "privacy@northwind.example"
    assert demo.get("system.surfaces") == ("Home page", "Suggestion emails")
    assert demo.get("automation.fully_automated") is True
    assert demo.get("commercial_influence.affects_ranking") is False
    assert demo.get("disclosure.date") == "2025-06-01" and demo.get("disclosure.version") == "1.0"
    assert len(demo.purposes or ()) == 3 and len(demo.controls or ()) == 3


def test_demo_has_a_rationale_for_every_category(demo: DisclosureConfig) -> None:
    assert set(demo.category_rationale or {}) == set(CATEGORIES)
    special = demo.get("category_rationale.special_category")
    assert "only to test for bias" in special and "never" in special
    assert "only to test for bias" in demo.get("special_categories_use")


def test_demo_prose_meets_readability_targets(demo: DisclosureConfig) -> None:
    prose = demo.prose()
    first = demo.prose(first_layer_only=True)
    assert len(prose) == 36 and len(first) == 29  # + domain.observed and the work_education reason (both first layer)
    for path, text in prose.items():
        score = measure_text(text)
        assert score.fk_grade <= 8, path
        assert score.lints == (), path
    rep = measure_sections(prose, first_layer=list(first))
    assert rep.failures() == []
    assert all(rep.targets_met.values())
    assert max(rep.sections[p].fk_grade for p in first) <= 6


def test_demo_file_claims_nothing_banned() -> None:
    text = DEMO.read_text(encoding="utf-8")
    found = re.findall(r"\b(" + "|".join(BANNED_CLAIM_WORDS) + r")\b", text, flags=re.IGNORECASE)
    assert found == []


def test_round_trip_through_dict(demo: DisclosureConfig) -> None:
    again = DisclosureConfig.from_dict(demo.to_dict())
    assert again == demo
    assert again.to_dict() == demo.to_dict()


# --- gaps ----------------------------------------------------------------------------------
def test_empty_config_lists_every_gap(tmp_path: Path) -> None:
    assert DisclosureConfig.empty().gaps() == ALL_GAPS
    assert DisclosureConfig.from_dict({}).gaps() == ALL_GAPS
    assert DisclosureConfig.from_yaml(_write(tmp_path, "# nothing yet\n")).gaps() == ALL_GAPS
    assert len(ALL_GAPS) == 58  # 49 before issue 16, + 7 domain words, + work_education reason and retention


def test_every_gap_reads_as_the_marker() -> None:
    empty = DisclosureConfig.empty()
    for item in ALL_GAPS:
        path = item.split(": ", 1)[1]
        assert empty.get(path) is GAP, path
        assert section_of(path) == int(item.split()[1].rstrip(":")), path
    assert str(GAP) == GAP_TEXT == "To be completed by the publisher."
    assert not GAP and is_gap(GAP) and not is_gap("")
    assert pickle.loads(pickle.dumps(GAP)) is GAP
    assert empty.get("organisation.name", default=None) is None


def test_gaps_only_for_the_categories_asked(demo: DisclosureConfig) -> None:
    cfg = DisclosureConfig.from_dict(
        {"category_rationale": {"behavioural": "What you buy shows what you like."},
         "retention": {"behavioural": "24 months."}}
    )
    gaps = cfg.gaps(categories=["behavioural", "location"])
    assert "section 7: category_rationale.location" in gaps
    assert "section 14: retention.location" in gaps
    assert not any(g.endswith(".behavioural") for g in gaps)
    assert not any(g.endswith(".device") for g in gaps)
    with pytest.raises(InvalidInputError, match="Did you mean 'behavioural'"):
        demo.gaps(categories=["behavioral"])


def test_partial_entries_and_explicit_none() -> None:
    cfg = DisclosureConfig.from_dict(
        {"purposes": [{"purpose": "To rank product groups.", "data_categories": ["behavioural"]}],
         "controls": "none", "sharing": "None"}
    )
    gaps = cfg.gaps()
    assert "section 4: purposes.0.legal_basis" in gaps
    assert "section 4: purposes" not in gaps
    assert not any(g.startswith(("section 9", "section 14: sharing")) for g in gaps)
    assert cfg.get("controls") == "none" and cfg.get("controls.0.name") is GAP
    assert cfg.get("purposes.0.legal_basis") is GAP and cfg.get("purposes.4.purpose") is GAP


# --- validation errors ---------------------------------------------------------------------
def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    p = _write(tmp_path, "organisaton:\n  name: Northwind\n")
    with pytest.raises(InvalidInputError) as err:
        DisclosureConfig.from_yaml(p)
    msg = str(err.value)
    assert "disclosure config file 'disclosure.yaml'" in msg
    assert "key 'organisaton' must be one of the valid keys" in msg
    assert "Did you mean 'organisation'?" in msg


def test_unknown_nested_key_names_its_path() -> None:
    with pytest.raises(InvalidInputError, match=r"key 'organisation\.contact_emial'.*Did you mean 'contact_email'"):
        DisclosureConfig.from_dict({"organisation": {"contact_emial": "a@b.example"}})
    with pytest.raises(InvalidInputError, match=r"key 'rights\.complaint\.autority'.*Did you mean 'authority'"):
        DisclosureConfig.from_dict({"rights": {"complaint": {"autority": "ICO"}}})


@pytest.mark.parametrize(
    ("raw", "pattern"),
    [
        ({"automation": {"fully_automated": "yes"}},
         r"automation\.fully_automated must be true or false\. Got str\. Write true or false"),
        ({"purposes": [{"purpose": "x"}, {"data_categories": ["behavior"]}]},
         r"purposes\.1\.data_categories\.0 must be a data category.*Did you mean 'behavioural'"),
        ({"controls": 5}, r"controls must be a list of entries or the word none\. Got int"),
        ({"purposes": {"purpose": "x"}}, r"purposes must be a list of entries\. Got dict"),
        ({"organisation": ["Northwind"]}, r"organisation must be a mapping of keys to values\. Got list"),
        ({"organisation": {"contact_email": "privacy at northwind"}},
         r"organisation\.contact_email must be an e-mail address"),
        ({"rights": {"complaint": {"url": "ico.org.uk"}}}, r"rights\.complaint\.url must be a web address"),
        ({"disclosure": {"date": "June 2025"}}, r"disclosure\.date must be a date written YYYY-MM-DD"),
        ({"consequences": ["a", "b"]}, r"consequences must be text\. Got list"),
        ({"retention": {"behavior": "1 year"}},
         r"key 'retention\.behavior' must be a data category.*Did you mean 'behavioural'"),
        ({"system": {"surfaces": [1, 2]}}, r"system\.surfaces must be a list of text items"),
        (["organisation"], r"the top level must be a mapping of keys to values\. Got list"),
    ],
)
def test_wrong_type_names_the_key_path(raw: object, pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        DisclosureConfig.from_dict(raw, source="disclosure config file 'x.yaml'")
    with pytest.raises(InvalidInputError, match=r"^disclosure config file 'x\.yaml': "):
        DisclosureConfig.from_dict(raw, source="disclosure config file 'x.yaml'")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="disclosure config file must exist"):
        DisclosureConfig.from_yaml(tmp_path / "missing.yaml")
    bad = _write(tmp_path, "organisation:\n  name: [unclosed\n")
    with pytest.raises(InvalidInputError, match="must be valid YAML. It fails to parse at line"):
        DisclosureConfig.from_yaml(bad)


def test_get_rejects_paths_outside_the_schema(demo: DisclosureConfig) -> None:
    with pytest.raises(InvalidInputError, match="Did you mean 'organisation'"):
        demo.get("organisaton.name")
    with pytest.raises(InvalidInputError, match="Did you mean 'behavioural'"):
        demo.get("category_rationale.behavioral")
    with pytest.raises(InvalidInputError, match="must use a number"):
        demo.get("purposes.first.purpose")


def test_documented_example_and_key_table_match_the_schema() -> None:
    import yaml

    doc = (Path(__file__).parents[2] / "docs" / "disclosure-config.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", doc, flags=re.DOTALL)
    assert block is not None
    cfg = DisclosureConfig.from_dict(yaml.safe_load(block.group(1)))
    assert cfg.gaps(categories=["behavioural"]) == []
    assert cfg.get("sharing") == "none"
    # every gap path of an empty config is documented in the key table with its section
    for item in ALL_GAPS:
        section, path = item.removeprefix("section ").split(": ", 1)
        key = re.sub(r"\.(" + "|".join(CATEGORIES) + r")$", ".<category>", path)
        if key == "model_names":
            key = "model_names.<algorithm>"
        assert re.search(rf"^\| `{re.escape(key)}` \| [^|]+ \| {section}\*? \|", doc, flags=re.M), key
