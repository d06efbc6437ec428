"""The findings phrase bank: the title, reviewer detail and consumer sentence of every finding
code, and the domain wording (:class:`Wording`, labels of categories, columns and items) that
every audience's sentences are filled with.

Scope: findings only. The public pages' sentences are in ``explainer/report/_phrases.py``;
the reviewer report's (audit.html) in ``explainer/report/_reviewer_phrases.py``.

Wording rules: assess and measure; never claim that a model is fair, unbiased,
anonymous or compliant. Consumer phrases avoid jargon and stay short.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from ..inventory import CATEGORY_LABELS

__all__ = ["PHRASES", "phrase", "category_label", "column_label", "Wording", "DEFAULT_WORDS",
           "use_wording", "current_wording", "is_derived", "name_item"]

#: The kind of decision a system makes; it shapes every public sentence.
DecisionType = Literal["ranking", "binary", "regression"]

#: Neutral domain words, used where the publisher config names none (each such word is a gap).
#: ``decision`` completes "decides ..." (yes/no) or "estimates ..." (scores); ``chose`` is what
#: a person did with a suggested item ("bought", "watched").
DEFAULT_WORDS: dict[str, str] = {
    "item_word": "item", "items": "items", "people": "people",
    "activity": "your activity with us", "observed": "We see it when you use our service",
    "chose": "chose",
}
_DEFAULT_DECISION: dict[str, str] = {
    "ranking": "which items you see first", "binary": "whether to say yes to you", "regression": "a number for you",
}


@dataclass(frozen=True)
class Wording:
    """The words of one system: its decision type and its domain words (item, people, activity).

    Phrases are chosen by decision type first (``key.binary``), then filled with the words.

    Examples
    --------
    >>> w = Wording("binary", {"people": "applicants", "decision": "whether to offer you a loan"})
    >>> w.words["people"], w.words["item_word"]
    ('applicants', 'item')
    """

    task: str = "ranking"
    given: Mapping[str, str] = field(default_factory=dict)

    @property
    def words(self) -> dict[str, str]:
        out = {**DEFAULT_WORDS, "decision": _DEFAULT_DECISION.get(self.task, _DEFAULT_DECISION["ranking"])}
        out.update({k: v for k, v in self.given.items() if v})
        if not self.given.get("items") and self.given.get("item_word"):
            out["items"] = self.given["item_word"] + "s"
        return out

    def pick(self, bank: Mapping[str, Any], key: str) -> Any:
        """The entry ``key.<task>`` of ``bank`` if there is one, else ``key``."""
        return bank.get(f"{key}.{self.task}", bank.get(key))


_CURRENT: ContextVar[Wording] = ContextVar("explainer_wording", default=Wording())  # noqa: B039 - frozen


def current_wording() -> Wording:
    """The wording in force (neutral ranking words unless :func:`use_wording` set one)."""
    return _CURRENT.get()


@contextmanager
def use_wording(wording: Wording) -> Iterator[Wording]:
    """Render with ``wording``: every phrase and category label in the block reads its words."""
    token = _CURRENT.set(wording)
    try:
        yield wording
    finally:
        _CURRENT.reset(token)


def is_derived(column: str, sensitive: str) -> bool:
    """True when ``sensitive`` reads as a coarsening of ``column`` (``age`` and ``age_band``).

    A proxy line between the two says nothing a reader can use, so the public page leaves it out.
    """
    from ..inventory._patterns import names_related

    return names_related(column, sensitive)

#: Named parts of a phrase that always hold a sentence; only "public" may be None (no consumer sentence).
PhrasePart = Literal["text", "refit", "inconclusive", "slight", "l_diversity", "steps", "steps_reached",
                     "public_refit"]

PHRASES: dict[str, dict[str, str | None]] = {
    "data.unused_column": {
        "text": "Column {column} ({category}) is collected but is not an input of the model.",
        "public": "We collect your {label}, but this system does not use it.",
    },
    "data.low_value_column": {
        "text": "Column {column} is an input but accounts for {share} of the model's influence "
                "(interval {ci}); no refit was run. Verdict: {verdict}. It is a candidate for removal.",
        "refit": "Column {column} is an input with {share} of the model's influence (interval {ci}). "
                 "Refitted without it, {metric} changes by {delta} (interval {dci}). Verdict: {verdict}. "
                 "It is a candidate for removal.",
        "inconclusive": "Column {column} is an input but accounts for {share} of the model's influence "
                        "(interval {ci}); no refit was run. Verdict: {verdict}: the share alone cannot separate "
                        "fitted noise from signal; refit without it with the training data to decide.",
        "public": "Your {label} counts for very little in the results.",
        # an input above the low-share line that a refit showed the system can do without
        "public_refit": "Leaving out your {label} changes the results very little. We are checking if we need it.",
    },
    "data.key_column": {
        "text": "Column {column} identifies the {what} of each row; it is used to join and rank, not as an input.",
        "public": None,
    },
    "privacy.direct_identifier": {
        "text": "Column {column} ({category}) identifies a person directly and is an input of the model.",
        "public": "This system uses your {label} when it works out its results.",
    },
    "privacy.special_category_input": {
        "text": "Column {column} holds special-category data and is an input of the model.",
        "public": "This system uses sensitive data about you ({label}) when it works out its results.",
    },
    "privacy.special_category_for_testing": {
        "text": "Column {column} holds special-category data. It is not a model input; it is used to test "
                "for differences between groups.",
        "public": "We keep your {label} only to check how groups of people are treated. "
                  "It is not used to work out your results.",
    },
    "fairness.exposure_gap": {
        "text": "Exposure differs by {feature} for {n_gaps} of {n_items} items (ratio and its whole interval below "
                "the four-fifths line, and a Fisher exact test passing at a 5% false discovery rate). Largest: {item} is shown to "
                "people in group {low_group} at {low_rate}, against {high_rate} in group {high_group}: a ratio of {ratio} "
                "(interval {ci}, adjusted p {p}).",
        "public": "We found that {item} is suggested much less often to one group of people by {feature_label}.",
    },
    "fairness.selection_rate_gap": {
        "text": "Selection rates differ by {feature}: the ratio of the lowest group ({low_group}) to the highest "
                "({high_group}) is {ratio} (interval {ci}, adjusted p {p}), below the four-fifths line.",
        "public": "We found that people are chosen at different rates by {feature_label}.",
    },
    "fairness.proxy": {
        "text": "Input {column} predicts {sensitive}: it picks out {groups} from the rest (cross-validated, "
                "each test passing at a 5% false discovery rate; {auc} averaged over all groups), so it can act "
                "as a stand-in for it.",
        "public": "Your {label} is linked to your {sensitive_label}. We check how this affects results.",
    },
    "fairness.proxy_flow": {
        "text": "Through {column}, the model gives {group} ({sensitive}) {direction} scores{item_part} than everyone "
                "else: {column} carries {contribution} {unit} of a gap of {gap} (interval {ci}), {share} of it.",
        "public": None,
    },
    "fairness.item_exposure_gap": {
        "text": "{n_flagged} of {n_groups} item groups get a share of the recommendation slots below four-fifths of "
                "their share of the outcomes ({n_strict} with the whole interval below that line). Lowest: items in "
                "{item_group} fill {slot_share} of the slots but account for {outcome_share} of the outcomes: a "
                "ratio of {ratio} (interval {ci}).",
        "public": None,
    },
    "privacy.reidentification_risk": {
        "text": "{n_unique} of {n} {unit} ({unique_share}) are the only one with their values of {columns}; "
                "the smallest group sharing the same values has {k} (aim: at least {k_threshold}), and "
                "{below} of {unit} are in groups under {k_threshold}.{l_text}{steps_text}",
        "public": None,  # the disclosure says it in its own words (report/_phrases.py, privacy_reid)
        "l_diversity": " In the smallest groups everyone has the same {sensitive}, so knowing a person's group "
                       "reveals it (l = 1).",
        "steps": " Coarsening {steps} gives a smallest group of {k_after} ({unique_after} alone).",
        "steps_reached": " Coarsening {steps} reaches the aim: a smallest group of {k_after}.",
    },
    "privacy.membership_inference_risk": {
        "text": "A loss-threshold attack tells training {unit} from held-out {unit} with AUC {auc} "
                "(interval {ci}; 0.5 is chance): the model fits its training data more closely than new data "
                "(mean log loss {train_loss} against {holdout_loss}), so its results reveal who was in the training "
                "data.",
        "public": None,
        "slight": "A loss-threshold attack tells training {unit} from held-out {unit} slightly better than chance: "
                  "AUC {auc} (interval {ci}; 0.5 is chance). The advantage is small but measurable: the model fits "
                  "its training data a little more closely than new data (mean log loss {train_loss} against "
                  "{holdout_loss}).",
    },
    "recsys.served_gap": {
        "text": "The recommender ranks by scores from the factors it stored for each person; the explanations are of the "
                "score recomputed from each person's history. Over {n} audited pairs the two differ by {mean} on average "
                "(at most {max}), {relative} of the mean served score.",
        "public": None,
    },
    "recsys.popularity_concentration": {
        "text": "The most popular {head} of items ({n_head}) fill {slot_share} of the top-{k} slots (interval {ci}) "
                "but account for {interaction_share} of interactions: {ratio} times their share. The other items "
                "fill {rest_slot} of the slots against {rest_share} of interactions.",
        "public": None,
    },
    "recsys.factor_proxy": {
        "text": "The factors learned for each person predict {sensitive} (cross-validated AUC {auc}): the model's picture "
                "of a person's taste can stand in for it.",
        "public": None,
    },
    "model.additivity": {
        "text": "Attributions do not add up to the model output: the largest gap is {error} {unit}.",
        "public": None,
    },
}


def category_label(category: str) -> str:
    """The plain name of a data category, in the domain words of the wording in force."""
    label = CATEGORY_LABELS.get(category, category.replace("_", " "))
    return label.format(**current_wording().words)


def name_item(item: Any, label: Any = None) -> str:
    """How a public sentence names an item: its display label, else its id after the item word.

    An id that holds a digit is never shown alone ("movie 121", "item 121"); a name such as
    "garden" is shown as it is.

    Examples
    --------
    >>> name_item(121), name_item("garden"), name_item(121, "The Night Glass")
    ('item 121', 'garden', 'The Night Glass')
    """
    if label is not None and str(label).strip() and str(label) != "nan":
        return str(label)
    if item is None:
        return ""
    text = str(item)
    if any(ch.isdigit() for ch in text):
        return f"{current_wording().words['item_word']} {text}"
    return text


#: Readable names of common short column names.
_LABELS = {"phone": "phone number", "mobile": "mobile number", "tel": "phone number", "email": "email address",
           "dob": "date of birth", "ip": "IP address", "ip_address": "IP address", "zip": "ZIP code"}


def column_label(column: str) -> str:
    """A readable name for a column: ``date_of_birth`` -> ``date of birth``, ``phone`` -> ``phone number``."""
    import re

    key = column.strip().lower()
    if key in _LABELS:
        return _LABELS[key]
    text = re.sub(r"(?<![a-z0-9])(\d+)d(?![a-z0-9])", r"(last \1 days)", column.replace("_", " ")).strip()
    words = text.split()
    if len(words) >= 2 and words[0].lower() in ("n", "num", "nb"):  # n_sci_fi: a count
        text = "number of " + " ".join(words[1:])
    return text


@overload
def phrase(code: str, which: Literal["public"], **values: Any) -> str | None: ...


@overload
def phrase(code: str, which: PhrasePart = "text", **values: Any) -> str: ...


def phrase(code: str, which: str = "text", **values: Any) -> str | None:
    """The sentence of ``code``: ``which`` is "text" (reviewers), "public" or a named part.

    Only the "public" sentence can be None (the finding has no consumer sentence).
    """
    entry = PHRASES[code]
    template = entry[which] if which in entry else entry["text"]
    if template is None:
        if which == "public":
            return None
        raise KeyError(f"phrase {code!r} part {which!r} must be a sentence. Got None. Give it a template.")
    return template.format(**values)
