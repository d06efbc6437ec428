"""The report phrase bank: every sentence the disclosure and the per-person page say.

Templates hold structure; wording lives here so it can be checked in one place (banned
words, readability). Sentences are short and plain. Never claim that a system is fair,
unbiased, anonymous or compliant: we assess and measure.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SAY", "say", "HEADINGS", "GAP_TEXT", "AMOUNTS", "STRENGTHS", "UNITS"]

GAP_TEXT = "To be completed by the publisher."

HEADINGS: dict[str, str] = {
    "who": "Who runs this",
    "what": "What it does",
    "automation": "Is a person involved?",
    "purposes": "Why we use your data",
    "data": "The data we use",
    "special": "Sensitive data",
    "parameters": "What counts most",
    "commercial": "Paid placement",
    "controls": "How you can change what you see",
    "meaning": "What this means for you",
    "profile": "How your profile is built",
    "accuracy": "How well it works",
    "groups": "How it works for different groups",
    "sharing": "Who else gets your data, and for how long",
    "rights": "Your rights",
    "version": "Version and changes",
    "quality": "How readable this page is",
}

SAY: dict[str, str] = {
    # first layer summary
    "summary_intro": "This page explains how {system} picks what to show you.",
    "summary_data": "It uses {n_used} kinds of data about you. The data that counts most is {top}.",
    "summary_data_unknown": "We checked its choices. We did not check which data it reads.",
    "summary_unused": "We also hold {n_unused} kinds of data that it does not use.",
    # section 2
    "surfaces": "You see its choices here: {surfaces}.",
    # section 3
    "automated_yes": "A computer makes these choices on its own.",
    "automated_no": "A computer suggests these choices. A person checks them.",
    # section 5
    "data_intro": "This table lists each kind of data we hold, where it comes from, and if the system uses it.",
    "data_unused": "We collect your {labels}, but no model uses {them}.",
    "data_unused_more": "We also collect {n} other {kinds} of data that no model uses. The report for reviewers lists them.",
    "used_yes": "Used",
    "used_no": "Not used",
    "used_unknown": "Not checked",
    "privacy_reid": "We checked how easy it is to pick out one customer from their {labels}. "
                    "{pct} of our customers could be picked out this way.",
    "privacy_reid_low": "We checked how easy it is to pick out one customer from their {labels}. "
                        "Each customer shares these with at least {others} others.",
    "privacy_member_none": "We also checked if someone could tell from the results who is in the data "
                           "the system learned from. They could do no better than a guess.",
    "privacy_member_some": "We also checked if someone could tell from the results who is in the data "
                           "the system learned from. In our test, they could do better than a guess.",
    "source_provided": "You gave it to us",
    "source_observed": "We see it when you shop",
    "source_inferred": "We work it out",
    "source_third_party": "From a partner",
    "source_unknown": "Not stated",
    # section 6
    "special_none": "We hold no sensitive data of this kind.",
    "special_testing": "We hold {label}. The system does not use it to choose what you see. "
                       "We use it only to check how the system treats different groups.",
    "special_input": "The system uses {label} to choose what you see.",
    "special_unknown": "We hold {label}. We use it to check how the system treats different groups. "
                       "This check did not cover what the system reads.",
    # section 7
    "parameters_intro": "These kinds of data count most, from most to least. "
                        "The numbers are estimates from our own tests.",
    "parameter_row": "{label}: about {pct} of what decides the order.",
    "item_reason": "Some kinds of products suit more people than others.",
    "no_reason": "The reason is to be completed by the publisher.",
    # section 8
    "commercial_no": "Nobody pays to be placed higher.",
    "commercial_yes": "Some places are paid for.",
    # section 9
    "controls_none": "There is no way to change this yet.",
    # section 12
    "accuracy_ranking": "We tested it on {n} customers it had not seen before. "
                        "For {hit} of them, at least one of the top {k} suggestions was something they then bought.",
    "accuracy_binary": "We tested it on {n} people. It was right for {acc} of them.",
    "accuracy_regression": "We tested it on {n} people.",
    # section 13
    "groups_intro": "We checked how often each group of customers is shown each kind of product.",
    "groups_none": "We found no large gaps between the groups we checked.",
    "groups_intro_binary": "We checked how often each group of people gets a yes.",
    "groups_rate_gap": "By {feature}, one group gets a yes at only {ratio} of the rate of another group.",
    "groups_gap": "{item} is shown to people aged or grouped as {low_group} ({feature}) less often: "
                  "{low_rate} of them, against {high_rate} of {high_group}.",
    "groups_small": "Groups with fewer than {n} people are left out, so no one can be singled out.",
    "groups_not_tested": "We did not test results by group for this system.",
    "proxy": "Your {column} is linked to {sensitive}. We keep watch on this.",
    # section 15
    "rights_intro": "You can ask us to do these things at any time.",
    # section 16
    "version": "Model checked on {date}. Data rows checked: {rows}.",
    # per person
    "why_intro": "A computer picked {item} for you. {review}",
    "why_review_none": "No person checked this choice.",
    "why_review_some": "A person checks these choices.",
    "why_title_item": "Why you see {item}",
    "why_title_lower": "Why {item} is not in your top {k}",
    "why_title_result": "Why you got this result",
    "why_rank_in": "A computer put {item} at place {rank} of your list. So it is in your top {k}.",
    "why_rank_out": "A computer put {item} at place {rank} of your list. So it is not in your top {k}.",
    "why_selected": "A computer chose this result for you.",
    "why_not_selected": "A computer did not choose you for this.",
    "why_score": "A computer worked out this result for you.",
    "why_reasons_intro": "The main reasons:",
    "why_reason": "Your {label} {verb} it {strength}.",
    "why_reason_item_raises": "Many people choose {item}. This raised it {strength}.",
    "why_reason_item_lowers": "Fewer people choose {item}. This lowered it {strength}.",
    "why_cf_intro": "What would change it:",
    "why_cf_none": "We found no small change in what you do that would change this.",
    "why_cf_zero": "If you had no {labels}, {effect}.",
    "why_cf_scaled": "If your {labels} were {amount}, {effect}.",
    "why_cf_zero_many": "Suppose you had no {labels}. Then {effect}.",
    "why_cf_scaled_many": "Suppose your {labels} were {amount}. Then {effect}.",
    "why_cf_leaves": "{item} would drop out of your top {k}",
    "why_cf_enters": "{item} would move into your top {k}",
    "why_cf_unselect": "you would no longer get this result",
    "why_cf_select": "you would get this result",
    "why_estimates": "These reasons are estimates from our own tests.",
    "why_used_intro": "We used these kinds of data about you:",
    "why_not_used_intro": "We hold these kinds of data about you, but did not use them here:",
    "why_not_used_none": "We used all the kinds of data we hold about you.",
    "why_act_intro": "You can change what you see:",
    "why_rights": "You can ask us to correct your data, or to stop using it.",
    "why_contact": "Write to {contact}.",
    "why_numbers_note": "Each number is an estimate. It shows how much one fact moved the result, in {unit}. "
                        "Bigger numbers moved it more.",
}

#: How much a change scales a person's own value, in words.
AMOUNTS: dict[float, str] = {
    0.75: "a quarter lower", 0.5: "half as high", 0.25: "a quarter as high", 1.5: "half as high again",
    2.0: "twice as high", 3.0: "three times as high",
}
STRENGTHS: dict[str, str] = {"strong": "a lot", "moderate": "quite a bit", "weak": "a little"}
UNITS: dict[str, str] = {"log-odds": "log-odds (the model's own score scale)",
                         "probability": "chance out of 1", "score": "points of the model's score"}


def say(key: str, **values: Any) -> str:
    """The sentence ``key`` with ``values`` filled in."""
    return SAY[key].format(**values)
