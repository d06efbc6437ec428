"""The scanner's guess for one column: name rules and value evidence weighed together.

:func:`guess_column` matches the column name against the name rules of
:mod:`._patterns`, keeps the rules the values allow, weighs them against the value
evidence of :mod:`._value_checks`, and falls back on how unique the values are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import _patterns as P
from ._evidence import ColumnGuess, Evidence
from ._value_checks import Hit, Values, column_values, is_name_like, is_text, value_evidence

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["guess_column", "category_from_name"]

_PERSON_ID_FORM = re.compile(
    r"(?:CUST|CUS|CST|CUSTOMER|USR|USER|U|MEM|MEMBER|CLI|CLIENT|ACC|ACCT|PAT|EMP|SUB|PER|P|C|K|KD|KND)"
    r"[-_ #]?\d{3,}",
    re.IGNORECASE,
)
#: Reference codes: a short letter prefix, an optional separator, then digits (PX-100000, AB123456).
_CODE_FORM = re.compile(r"[A-Za-z]{1,6}[-_ #/.]?\d{4,}(?:[-_/]?[A-Za-z0-9]{1,6})?")

#: Joined names that identify an item (an order, a product) rather than a person.
_ITEM_ID_WORDS = ("orderid", "ordernumber", "orderno", "productid", "productcode", "itemid", "skuid",
                  "transactionid")
#: Words that name or group items (product_name, product_type).
_ITEM_NAMING = frozenset({"name", "title", "type", "label", "group", "department", "dept", "level"})
_PRODUCT_WORDS = frozenset({"sku", "product", "products", "item", "items", "article", "artikel", "produkt",
                            "ean", "upc", "gtin", "isbn", "asin", "category", "categories", "brand"})
#: Categories a flag or boolean cannot hold.
_NOT_IN_BOOLEANS = ("contact", "direct_identifier", "financial", "device", "location")
_NAMED_ID_DETAIL = "values are nearly all distinct and the name ends in an id word (ref, no, number, code)"
_NO_VALUES = Evidence("value:empty", 0.0, "no values in the sample to check")


def _is_item_id(tokens: tuple[str, ...]) -> bool:
    t = set(tokens)
    joined = "".join(tokens)
    item = t & P.ITEM_TOKENS or any(w in joined for w in _ITEM_ID_WORDS)
    if not item or t & P.PERSON_TOKENS:
        return False
    # "category_purchases_90d" counts what a person did in a category: behavioural, not an item.
    # An item column names or identifies the item: a single item word, or one with an id/name word.
    return (len(tokens) == 1 or bool(t & P.ID_TOKENS) or bool(t & _ITEM_NAMING)
            or any(w in joined for w in _ITEM_ID_WORDS))


def _is_product(tokens: tuple[str, ...]) -> bool:
    return bool(set(tokens) & _PRODUCT_WORDS)


def _role(category: str, item_like: bool) -> str:
    if category == "direct_identifier":
        return "identifier"
    if category == "special_category":
        return "sensitive"
    return "feature"


def _name_rules(name: str, item_like: bool) -> list[P.NameRule]:
    """The name rules that match; person rules and "order" do not apply to item columns."""
    rules = P.match_name(name)
    if item_like:  # product_name, order_id, product_category
        rules = [r for r in rules if r.category not in ("direct_identifier", "behavioural")
                 or r.rule == "name:count"]
    return rules


def _empty_guess(name: str, rules: list[P.NameRule], item_like: bool) -> ColumnGuess:
    if rules:
        r = rules[0]
        return ColumnGuess(name, r.category, round(r.weight * 0.6, 2),
                           (Evidence(r.rule, 1.0, r.detail), _NO_VALUES),
                           _role(r.category, item_like), r.special_category_kind)
    return ColumnGuess(name, "other", 0.3, (_NO_VALUES,), "other")


def _rules_the_type_allows(rules: list[P.NameRule], v: Values) -> list[P.NameRule]:
    """Flags cannot hold contact details or identifiers; numbers cannot be emails or names."""
    if v.boolean:
        rules = [r for r in rules if r.category not in _NOT_IN_BOOLEANS]
    if v.numeric:  # keep phone/id names: numbers lose their formatting
        rules = [r for r in rules if r.rule not in ("name:email", "name:person_name")]
    return rules


def _few_repeated_words(v: Values) -> bool:
    """A handful of short values that repeat (Mr, Dr), not free words or names."""
    return not (v.n_distinct > 12 or v.share(lambda x: len(x.split()) >= 2) >= 0.5)


def _drop_misleading_names(rules: list[P.NameRule], v: Values, tokens: tuple[str, ...],
                           evidence: list[Evidence]) -> list[P.NameRule]:
    """Drop a leading name rule that the values contradict, and say why in ``evidence``."""
    if not rules or v.numeric or v.n < 20:
        return rules
    tset = set(tokens)
    first = rules[0].rule
    # A bare "name" column (product name, file name) is a person's name only if values agree.
    if (first == "name:person_name" and "name" in tset and len(tset) <= 2
            and not P.unambiguous_person_name(tokens) and v.share(is_name_like) < 0.3):
        evidence.append(Evidence("value:no_person_name", round(v.share(is_name_like), 4),
                                 "the name says 'name' but the values do not read as people's names"))
        return rules[1:]
    # "title" is a salutation (Mr, Dr) only when a handful of short values repeat
    if first == "name:demographic" and tset <= {"title", "titles"} and not _few_repeated_words(v):
        evidence.append(Evidence("value:no_salutation", 0.0,
                                 "the name says 'title' but the values are not salutations"))
        return rules[1:]
    return rules


def _from_values(name: str, values: list[Hit], name_rule: P.NameRule | None,
                 evidence: list[Evidence], item_like: bool) -> ColumnGuess:
    """The strongest value evidence decides; a name rule that agrees raises the confidence."""
    cat, ev, kind = values[0]
    conf = 0.5 + 0.45 * ev.match_share
    evidence.insert(0, ev)
    if name_rule is not None and name_rule.category == cat:
        conf = 1 - (1 - conf) * (1 - name_rule.weight)
        evidence.append(Evidence(name_rule.rule, 1.0, name_rule.detail))
        kind = kind or name_rule.special_category_kind
    elif name_rule is not None:
        conf *= 0.85
        evidence.append(Evidence(name_rule.rule, 1.0, name_rule.detail + ", but the values disagree"))
    evidence.extend(other for _, other, _ in values[1:])
    return ColumnGuess(name, cat, round(min(conf, 0.99), 2), tuple(evidence), _role(cat, item_like), kind)


def _from_name(name: str, name_rule: P.NameRule, evidence: list[Evidence], v: Values,
               near_unique: bool, unique_ratio: float, item_like: bool) -> ColumnGuess:
    """No value evidence: the name rule decides, checked against how unique the values are."""
    cat = name_rule.category
    conf = name_rule.weight
    evidence.insert(0, Evidence(name_rule.rule, 1.0, name_rule.detail))
    if cat == "direct_identifier" and near_unique:
        conf = 1 - (1 - conf) * 0.5
        evidence.append(Evidence("unique:person_id", round(unique_ratio, 4), "values are nearly all distinct"))
    elif cat in ("contact", "direct_identifier") and v.n >= 20 and name_rule.rule != "name:person_id":
        conf *= 0.8
        evidence.append(Evidence("value:no_match", 0.0, "no value pattern confirmed the name"))
    return ColumnGuess(name, cat, round(conf, 2), tuple(evidence), _role(cat, item_like),
                       name_rule.special_category_kind)


def _identifier(name: str, confidence: float, *evidence: Evidence) -> ColumnGuess:
    return ColumnGuess(name, "direct_identifier", confidence, evidence, "identifier")


def _form_share(v: Values, form: re.Pattern[str]) -> float:
    return 0.0 if v.numeric else v.share(lambda x: form.fullmatch(x) is not None)


def _from_uniqueness(name: str, v: Values, tokens: tuple[str, ...], unique_ratio: float,
                     item_like: bool, named_id: bool) -> ColumnGuess:
    """Nearly all values distinct: an identifier of people only when the name or form says so."""
    tset = set(tokens)
    if not item_like:
        if tset & P.PERSON_TOKENS and (tset & P.ID_TOKENS or len(tokens) == 1):
            return _identifier(name, 0.75, Evidence(
                "unique:person_id", round(unique_ratio, 4),
                "values are nearly all distinct and the name refers to a person"))
        form = _form_share(v, _PERSON_ID_FORM)
        if form >= 0.9:
            return _identifier(name, 0.6, Evidence(
                "unique:person_id", round(form, 4),
                "values are nearly all distinct and shaped like customer or user ids"))
        code = _form_share(v, _CODE_FORM)
        if code >= 0.9:
            return _identifier(name, 0.6, Evidence(
                "unique:code", round(code, 4),
                "values are nearly all distinct reference codes (letters then digits), "
                "one per row: they single out the person a row is about"))
        if named_id:
            return _identifier(name, 0.6, Evidence("unique:named_id", round(unique_ratio, 4), _NAMED_ID_DETAIL))
    return ColumnGuess(name, "other", 0.6,
                       (Evidence("unique:record_id", round(unique_ratio, 4),
                                 "values are nearly all distinct, but neither name nor form points to a person"),),
                       "item" if item_like and _is_product(tokens) else "other")


def guess_column(column: Any, s: pd.Series, random_state: int | None) -> ColumnGuess:
    """Guess the data category of one column from its name and a sample of its values."""
    name = str(column)
    tokens = P.name_tokens(name)
    item_like = _is_item_id(tokens)
    rules = _name_rules(name, item_like)
    v = column_values(s, random_state)
    if v.n == 0:
        return _empty_guess(name, rules, item_like)
    evidence: list[Evidence] = []
    rules = _drop_misleading_names(_rules_the_type_allows(rules, v), v, tokens, evidence)
    values = value_evidence(v, rules)
    if item_like:  # batch or order numbers shaped like ZIP codes
        values = [t for t in values if t[1].rule != "value:zip"]
    if not rules and not item_like and P.is_count_name(tokens) and v.numeric:
        rules = [P.COUNT_RULE]
    name_rule = rules[0] if rules else None
    if values:
        return _from_values(name, values, name_rule, evidence, item_like)

    return _without_value_evidence(name, v, tokens, name_rule, evidence, item_like)


def _without_value_evidence(name: str, v: Values, tokens: tuple[str, ...], name_rule: P.NameRule | None,
                            evidence: list[Evidence], item_like: bool) -> ColumnGuess:
    """No value pattern matched: the id words of the name, the name rule, then how unique the values are."""
    unique_ratio = v.n_distinct / v.n
    near_unique = v.n >= 20 and unique_ratio >= 0.95 and not v.boolean
    named_id = bool(tokens) and tokens[-1] in P.ID_TOKENS and len(tokens) >= 2 and not item_like
    if (near_unique and named_id and name_rule is not None
            and name_rule.category not in ("direct_identifier", "contact", "special_category")):
        # "loan_ref", "policy_no": a topic word (loan, policy) names what the code refers to, but
        # near-unique values under an id word single out the person a row is about
        return _identifier(name, 0.6, Evidence("unique:named_id", round(unique_ratio, 4), _NAMED_ID_DETAIL),
                           Evidence(name_rule.rule, 1.0, name_rule.detail + ", but the values are one code per row"))
    if name_rule is not None:
        return _from_name(name, name_rule, evidence, v, near_unique, unique_ratio, item_like)
    if is_text(v):
        return ColumnGuess(name, "other", 0.6,
                           (Evidence("text:none", 0.0,
                                     "free text in which no email address, phone number or card number was found"),),
                           "feature")
    if near_unique:
        return _from_uniqueness(name, v, tokens, unique_ratio, item_like, named_id)
    return ColumnGuess(name, "other", 0.5, tuple(evidence), "item" if item_like and _is_product(tokens) else "feature")


def category_from_name(column: Any) -> str:
    """The data category a column's name alone suggests (no values seen): ``age_band`` demographic,
    ``region`` location; ``other`` when the name says nothing."""
    import pandas as pd  # at call time: this module imports pandas for type checking only

    return guess_column(column, pd.Series([], dtype=object), 0).category
