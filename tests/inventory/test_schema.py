"""The inventory schema: YAML round trip, one clear error per malformed file, the documented example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from explainer.errors import InvalidInputError
from explainer.inventory import CATEGORIES, ROLES, SOURCES, ColumnRecord, DataInventory
from explainer.inventory._schema import SPECIAL_KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "inventory.md"


def _full_inventory() -> DataInventory:
    return DataInventory([
        ColumnRecord("customer_id", "direct_identifier", purposes=("link orders",), legal_basis="contract",
                     source="provided", retention="24 months", role="identifier"),
        ColumnRecord("email", "contact", purposes=("order confirmations", "password reset"), legal_basis="contract",
                     source="provided", retention="24 months", recipients=("mail processor", "support desk")),
        ColumnRecord("ip_address", "device", purposes=("fraud checks",), legal_basis="legitimate interests",
                     source="observed", retention="90 days"),
        ColumnRecord("ethnicity", "special_category", special_category_kind="ethnicity", role="sensitive",
                     source="provided", legal_basis="explicit consent (Art. 9(2)(a))",
                     description="optional survey: 'Ethnic group'\nnever an input"),
        ColumnRecord("churn_score", "inferred", source="inferred"),
        ColumnRecord("partner_segment", "other", source="third_party"),
        ColumnRecord("bought", "behavioural", role="target", source="observed"),
    ], notes=("reviewed",))


def test_schema_covers_the_issue_vocabulary():
    assert set(CATEGORIES) == {"direct_identifier", "contact", "demographic", "special_category", "location",
                               "financial", "work_education", "behavioural", "device", "inferred", "other"}
    assert set(SPECIAL_KINDS) == {"ethnicity", "health", "religion", "sexual_orientation", "political_opinion",
                                  "biometric", "genetic", "trade_union"}
    assert {"provided", "observed", "inferred", "third_party"} <= set(SOURCES)
    assert {"feature", "target", "identifier", "sensitive"} <= set(ROLES)


def test_yaml_round_trip_through_a_file(tmp_path):
    inv = _full_inventory()
    path = tmp_path / "inventory.yaml"
    text = inv.to_yaml(path)
    assert path.read_text(encoding="utf-8") == text
    again = DataInventory.from_yaml(path)
    assert again == inv
    assert again.to_yaml() == text
    assert again["email"].recipients == ("mail processor", "support desk")
    assert again["ethnicity"].special_category_kind == "ethnicity"
    assert "docs/inventory.md" in text.splitlines()[0]


def test_a_scan_draft_round_trips(tmp_path):
    import pandas as pd

    from explainer import scan

    df = pd.DataFrame({"email": ["a@example.com", "b@example.org"] * 20, "n_orders": list(range(40))})
    draft = scan(df).inventory
    draft.to_yaml(tmp_path / "draft.yaml")
    assert DataInventory.from_yaml(tmp_path / "draft.yaml") == draft


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "inv.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("entry,field,extra", [
    ("{column: email, category: contact, purpose: [x]}", "purpose", "Did you mean 'purposes'?"),
    ("{column: email, category: contacts}", "category", "Did you mean 'contact'?"),
    ("{column: email, category: contact, role: sensitve}", "role", "Did you mean 'sensitive'?"),
    ("{column: email, category: contact, source: customer}", "source", "Got 'customer'"),
    ("{column: email}", "category", "is required"),
    ("{column: email, category: contact, recipients: {a: 1}}", "recipients", "YAML list"),
    ("{column: email, category: demographic, special_category_kind: health}", "special_category_kind",
     "special_category"),
    ("{column: email, category: special_category, special_category_kind: helth}", "special_category_kind",
     "Did you mean 'health'?"),
    ("{column: email, category: contact, legal_basis: [a, b]}", "legal_basis", "must be a string"),
])
def test_a_malformed_entry_gives_one_error_naming_file_column_and_field(tmp_path, entry, field, extra):
    path = _write(tmp_path, f"version: 1\ncolumns:\n  - {{column: id, category: other}}\n  - {entry}\n")
    with pytest.raises(InvalidInputError) as info:
        DataInventory.from_yaml(path)
    msg = str(info.value)
    assert msg.startswith("inventory file 'inv.yaml', entry 2 (column 'email'): ")
    assert f"'{field}'" in msg
    assert extra in msg
    assert msg.count("inv.yaml") == 1 and "\n" not in msg


def test_file_level_errors_name_the_file(tmp_path):
    with pytest.raises(InvalidInputError, match=r"inventory file 'inv.yaml': unknown top-level key 'column'.*"
                                                r"Did you mean 'columns'\?"):
        DataInventory.from_yaml(_write(tmp_path, "column: []\n"))
    with pytest.raises(InvalidInputError, match=r"'columns' must be a non-empty list"):
        DataInventory.from_yaml(_write(tmp_path, "version: 1\ncolumns: []\n"))
    with pytest.raises(InvalidInputError, match=r"entry 1: field 'column' must be a non-empty string"):
        DataInventory.from_yaml(_write(tmp_path, "columns:\n  - {category: other}\n"))
    with pytest.raises(InvalidInputError, match=r"'email' twice"):
        DataInventory.from_yaml(_write(tmp_path, "columns:\n  - {column: email, category: contact}\n"
                                                 "  - {column: email, category: contact}\n"))
    with pytest.raises(InvalidInputError, match=r"inventory file .inv.yaml. must be valid YAML.*at line \d"):
        DataInventory.from_yaml(_write(tmp_path, "columns:\n  - {column: [\n"))


def test_errors_never_echo_free_text_fields(tmp_path):
    secret = "Jane Q. Secret"
    path = _write(tmp_path, f"columns:\n  - {{column: email, category: contact, retention: [a], "
                            f"description: '{secret}'}}\n")
    with pytest.raises(InvalidInputError) as info:
        DataInventory.from_yaml(path)
    assert secret not in str(info.value)


def test_the_documented_example_is_valid_and_uses_every_field():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    inv = DataInventory.from_dict(yaml.safe_load(blocks[0]), source="docs example")
    used = {k for r in inv for k, v in r.to_dict().items()}
    assert used == {"column", "category", "purposes", "legal_basis", "source", "retention", "recipients", "role",
                    "description", "special_category_kind"}
    # every category, role and source the schema knows is documented
    for word in CATEGORIES + ROLES + SOURCES + SPECIAL_KINDS:
        assert f"`{word}`" in text, word
