"""The public phrase bank: every sentence of the pages written for the people a system decides
about, in the publisher's domain words: disclosure.html, the combined disclosure and why.html
(the per-person page), with their headings and units.

Scope: public pages only. The reviewer report's wording (audit.html: methods, limitations,
metric names) is in ``_reviewer_phrases.py``; the title, detail and consumer sentence of each
finding are in ``explainer/findings/_phrases.py``.

Templates hold structure; wording lives here so it can be checked in one place (banned
words, readability). Sentences are short and plain. Never claim that a system is fair,
unbiased, anonymous or compliant: we assess and measure.
"""

from __future__ import annotations

from typing import Any

from ..findings import current_wording

__all__ = ["SAY", "say", "heading", "headings", "HEADINGS", "GAP_TEXT", "AMOUNTS", "HISTORY_AMOUNTS", "STRENGTHS",
           "UNITS", "CONTACT_LABELS"]

GAP_TEXT = "To be completed by the publisher."

HEADINGS: dict[str, str] = {
    "summary": "In short",
    "who": "Who runs this",
    "what": "What it does",
    "automation": "Is a person involved?",
    "purposes": "Why we use your data",
    "data": "The data we use",
    "special": "Sensitive data",
    "parameters": "What counts most",
    "commercial": "Paid placement",
    "controls": "How you can change what you see",
    "controls.binary": "How you can change the decision",
    "controls.regression": "How you can change the number",
    "meaning": "What this means for you",
    "profile": "How your profile is built",
    "accuracy": "How well it works",
    "groups": "How it works for different groups",
    "sharing": "Who else gets your data, and for how long",
    "privacy": "Could someone pick you out?",
    "rights": "Your rights",
    "version": "Version",
    "changes": "What changed since {date}",
    "quality": "How readable this page is",
    "algorithms": "Our systems and what they decide",
    "matrix": "Which data each system uses",
}

#: Labels of the contact list in section 1. Contact details are shown as a list of labels
#: and values, not as prose: an e-mail or street address is not a sentence to score.
CONTACT_LABELS: dict[str, str] = {
    "contact_email": "Email",
    "contact_address": "Post",
    "dpo_contact": "Data protection officer",
}

SAY: dict[str, str] = {
    # first layer summary
    "summary_intro": "This page explains how {system} puts {items} in order for you.",
    "summary_intro.binary": "This page explains how {system} decides {decision}.",
    "summary_intro.regression": "This page explains how {system} estimates {decision}.",
    "system_default": "our recommendation system",
    "system_default.binary": "our decision system",
    "system_default.regression": "our scoring system",
    "summary_data": "It uses {n_used} kinds of data about you. The data that counts most is {top}.",
    "summary_data_unknown": "We checked its choices. We did not check which data it reads.",
    "summary_unused": "We also hold {n_unused} kinds of data that it does not use.",
    "layer_more": "More detail",
    "layer_short": "The short version",
    # section 1
    "who_intro": "{org} runs this system. You can reach us here.",
    # section 2
    "surfaces": "You see its choices here: {surfaces}.",
    # section 3
    "automated_yes": "A computer makes these choices on its own.",
    "automated_no": "A computer suggests these choices. A person checks them.",
    "automated_yes.binary": "A computer makes these decisions on its own.",
    "automated_no.binary": "A computer makes a first decision. A person checks it.",
    "automated_yes.regression": "A computer works out these numbers on its own.",
    "automated_no.regression": "A computer works out these numbers. A person checks them.",
    # section 5
    "data_intro": "Each row is a kind of data we hold about you.",
    "data_unused": "We collect your {labels}. This system does not use {them}.",
    "data_unused_more": "We also collect {n} other {kinds} of data that this system does not use. "
                        "The report for reviewers lists them.",
    "data_items": "The table leaves out facts about our {items}, like {columns}. They are not data about you.",
    "data_undescribed": "Data not yet described",
    "used_yes": "Used",
    "used_no": "Not used",
    "used_unknown": "Not checked",
    "privacy_reid": "We checked how easy it is to pick out one of our {people} from their {labels}. "
                    "{pct} of them could be picked out this way.",
    "privacy_reid_low": "We checked how easy it is to pick out one of our {people} from their {labels}. "
                        "Each one shares these with at least {others} others.",
    "privacy_member_none": "We also checked if someone could tell from the results who is in the data "
                           "the system learned from. In our test with {n} people on each side, they did no "
                           "better than a guess. A test like this cannot rule out every risk.",
    "privacy_member_slight": "We also checked if someone could tell from the results who is in the data "
                             "the system learned from. In our test, they did a little better than a guess.",
    "privacy_member_some": "We also checked if someone could tell from the results who is in the data "
                           "the system learned from. In our test, they could do better than a guess.",
    "used_testing": "Only to check how groups are treated",
    "sensitive_yes": "Yes",
    "sensitive_no": "No",
    "other_row": "Other: {label}",
    "source_provided": "You gave it to us",
    "source_observed": "{observed}",
    "source_inferred": "We work it out",
    "source_third_party": "From a partner",
    "source_unknown": "Not stated",
    # section 6
    "special_none": "We hold no sensitive data of this kind.",
    "special_testing": "We hold {label}. The system does not use it to choose what you see. "
                       "We use it only to check how the system treats different groups.",
    "special_testing.binary": "We hold {label}. The system does not use it to decide. "
                              "We use it only to check how the system treats different groups.",
    "special_testing.regression": "We hold {label}. The system does not use it to work out its numbers. "
                                  "We use it only to check how the system treats different groups.",
    "special_input": "The system uses {label} to choose what you see.",
    "special_input.binary": "The system uses {label} to decide.",
    "special_input.regression": "The system uses {label} to work out its numbers.",
    "special_unknown": "We hold {label}. We use it to check how the system treats different groups. "
                       "This check did not cover what the system reads.",
    # section 7
    "parameters_intro": "These kinds of data count most, from most to least. The numbers are our own estimates.",
    "parameters_none": "We could not measure what counts most.",
    "parameter_row": "{label}: about {pct} of what sets the order.",
    "parameter_row.binary": "{label}: about {pct} of what sets the decision.",
    "parameter_row.regression": "{label}: about {pct} of what sets the number.",
    "parameters_undescribed": "Data we have not described yet counts for about {pct}.",
    "parameters_rest": "{labels} count for less than 1% each.",
    "item_reason": "Each {item_word} is chosen at its own rate.",
    "chart_caption": "Share of what sets the order, by kind of data. The lines show the range of our estimate.",
    "chart_caption.binary": "Share of what sets the decision, by kind of data. The lines show the range of our "
                            "estimate.",
    "chart_caption.regression": "Share of what sets the number, by kind of data. The lines show the range of our "
                                "estimate.",
    "chart_alt": "Bar chart of what sets the order: {bars}. The table below gives the same numbers.",
    "chart_alt.binary": "Bar chart of what sets the decision: {bars}. The table below gives the same numbers.",
    "chart_alt.regression": "Bar chart of what sets the number: {bars}. The table below gives the same numbers.",
    # section 8
    "commercial_no": "Nobody pays to be placed higher.",
    "commercial_yes": "Paid places can change the order.",
    "commercial_no.binary": "Nobody pays to change a decision.",
    "commercial_yes.binary": "Payments can change a decision.",
    "commercial_no.regression": "Nobody pays to change the number.",
    "commercial_yes.regression": "Payments can change the number.",
    # section 9
    "controls_none": "There is no way to change this yet.",
    # section 12
    "accuracy_ranking": "We tested it on {n} {people} it had not seen before. "
                        "For {hit} of them, one or more of the top {k} {items} was one they then {chose}.",
    "accuracy_binary": "We tested it on {n} {people}. It was right for {acc} of them.",
    "accuracy_regression": "We tested it on {n} {people}.",
    "accuracy_none": "We could not test this: we had no results to compare with.",
    # section 13
    "groups_intro": "We checked which {items} each group of {people} is shown.",
    "groups_intro_binary": "We checked the share of each group of {people} that gets a yes.",
    "groups_none": "We found no large gaps between the groups we checked.",
    "groups_gap": "We show {item} to {low_rate} of people with {feature} {low_group}. "
                  "For people with {feature} {high_group}, it is {high_rate}.",
    "groups_rate_gap": "People with {feature} {low_group} get a yes at {ratio} of the rate of the group "
                       "that gets the most.",
    "groups_small": "Groups with fewer than {n} {people} are left out, so no one can be singled out.",
    "groups_not_tested": "We did not test results by group for this system.",
    "proxy": "Your {column} is linked to your {sensitive}. We check how this affects results.",
    "mitigation": "We tested a change to close this gap. Our review report shows the results.",
    # section 14
    "sharing_none": "We do not share this data.",
    # section 15
    "rights_intro": "You can ask for these at any time.",
    # section 16
    "version": "System checked on {date}. Data rows checked: {rows}.",
    "page_version": "Page version: {version}, {date}.",
    # what changed
    "changes_intro": "We checked the system again on {date}. We compare it here with our check on {previous}.",
    "changes_new_used": "It now uses your {label}.",
    "changes_dropped": "It no longer uses your {label}.",
    "changes_new_collected": "We now hold your {label}.",
    "changes_no_longer_collected": "We no longer hold your {label}.",
    "changes_param_up": "{label} now counts for about {now} of the order, up from {before}.",
    "changes_param_down": "{label} now counts for about {now} of the order, down from {before}.",
    "changes_param_up.binary": "{label} now counts for about {now} of the decision, up from {before}.",
    "changes_param_down.binary": "{label} now counts for about {now} of the decision, down from {before}.",
    "changes_param_up.regression": "{label} now counts for about {now} of the number, up from {before}.",
    "changes_param_down.regression": "{label} now counts for about {now} of the number, down from {before}.",
    "changes_group": "We now show {item} to {now_low} of people with {feature} {group}, "
                     "against {now_high} of {high_group}. Before, it was {before_low} against {before_high}.",
    "changes_group_ratio": "For people with {feature} {group}, the gap in {item} changed beyond our margin of error.",
    "changes_none": "Nothing changed by more than our margin of error.",
    "changes_new_system": "This is the first check of this system.",
    # quality appendix
    "quality_note": "Measured with {library}. Grade is the Flesch-Kincaid school grade. "
                    "Reading time is at 250 words a minute. Lists of contact details, tables and charts "
                    "are not scored, because they are not sentences.",
    # several systems
    "algorithms_intro": "We use {n} systems that make choices with your data. Each one is listed here.",
    "algorithm_decides": "{decides}",
    "matrix_intro": "The table shows which kinds of data each system uses, and how much each counts.",
    "matrix_not_held": "We do not hold it for this",
    "algorithm_uses": "It uses {n} kinds of data about you. The table below shows which.",
    "algorithm_uses_unknown": "We did not check which data it uses.",
    "algorithm_top": "What counts most: {items}.",
    "algorithm_sources": "It learns from your history with us: {items}.",
    "combined_title": "How {org} uses your data",
    "combined_title_unknown": "How we use your data",
    "who_intro_many": "{org} runs these systems. You can reach us here.",
    "matrix_used": "Used, about {pct}",
    "matrix_used_small": "Used, under 1%",
    "matrix_not_used": "Not used",
    "matrix_testing": "Only to check groups",
    "algorithm_more": "More about this system",
    # per person
    "why_intro": "A computer picked {item} for you. {review}",
    "why_review_none": "No person checked this choice.",
    "why_review_some": "A person checks these choices.",
    "why_title_item": "Why you see {item}",
    "why_title_lower": "Why {item} is not in your top {k}",
    "why_title_result": "Why you got this result",
    "why_title_result.binary": "Why we decided {decision}",
    "why_title_result.regression": "How we estimated {decision}",
    "why_rank_in": "A computer put {item} at place {rank} of your list. So it is in your top {k}.",
    "why_rank_out": "A computer put {item} at place {rank} of your list. So it is not in your top {k}.",
    "why_selected": "A computer decided {decision}. The answer was yes.",
    "why_not_selected": "A computer decided {decision}. The answer was no.",
    "why_score": "A computer estimated {decision}.",
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
    "why_cf_unselect": "the answer would be no",
    "why_cf_select": "the answer would be yes",
    "why_estimates": "These reasons are estimates from our own tests.",
    "why_used_intro": "We used these kinds of data about you:",
    "why_not_used_intro": "We hold these kinds of data about you, but did not use them here:",
    "why_not_used_none": "We used all the kinds of data we hold about you.",
    "why_act_intro": "You can change what you see:",
    "why_act_intro.binary": "What you can do about this decision:",
    "why_act_intro.regression": "What you can do about this number:",
    "why_rights": "You can ask us to correct your data, or to stop using it.",
    "why_contact": "Write to {contact}.",
    # per person, collaborative filtering: the reasons are items of the person's own history
    "why_reason_history_raises": "{label} in your {history} raised it {strength}.",
    "why_reason_history_lowers": "{label} in your {history} lowered it {strength}.",
    "why_cf_history_zero": "If {labels} were not in your {history}, {effect}.",
    "why_cf_history_scaled": "If {labels} counted {amount} in your {history}, {effect}.",
    "why_cf_history_none": "We found no small change to your {history} that would change this.",
    "why_history_estimates": "These numbers are exact. They add up to the score the system gave {item}.",
    "why_user_features_exact": "These numbers are exact. With a part that is the same for everyone ({base}), "
                               "they add up to the score the system gave {item}.",
    "why_history_served": "The system ranks by a stored copy of its score. It differs from the score explained "
                          "here by {gap}.",
    "why_numbers_note_exact": "Each number shows how much one fact moved the result, in {unit}. "
                              "Bigger numbers moved it more.",
    "why_not_used_unknown": "This page covers only the data this system reads.",
    "why_numbers_note": "Each number is an estimate. It shows how much one fact moved the result, in {unit}. "
                        "Bigger numbers moved it more.",
}

#: How much a change scales a person's own value, in words.
AMOUNTS: dict[float, str] = {
    0.75: "a quarter lower", 0.5: "half as high", 0.25: "a quarter as high", 1.5: "half as high again",
    2.0: "twice as high", 3.0: "three times as high",
}
#: How much a change weights an item of a person's history, in words.
HISTORY_AMOUNTS: dict[float, str] = {0.5: "half as much", 0.25: "a quarter as much"}
STRENGTHS: dict[str, str] = {"strong": "a lot", "moderate": "quite a bit", "weak": "a little"}
UNITS: dict[str, str] = {"log-odds": "points on the system's own score scale",
                         "probability": "chance out of 1", "score": "points of the system's score"}


def say(key: str, **values: Any) -> str:
    """The sentence ``key`` for the decision type in force, with the domain words and ``values`` filled in.

    ``key.binary`` / ``key.regression`` variants replace ``key`` for those decision types; the
    domain words come from :func:`explainer.findings.use_wording` (neutral words by default).
    """
    w = current_wording()
    template: str = w.pick(SAY, key)
    return template.format(**{**w.words, **values})


def heading(key: str) -> str:
    """The heading ``key`` for the decision type in force."""
    text: str = current_wording().pick(HEADINGS, key)
    return text


def headings() -> dict[str, str]:
    """Every heading for the decision type in force (variants resolved)."""
    return {k: heading(k) for k in HEADINGS if "." not in k}
