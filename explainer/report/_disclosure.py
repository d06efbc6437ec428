"""The disclosure page (disclosure.html): its sections and their sentences, from the plain
audit.json document and the publisher's facts. Rendering only; nothing is recomputed."""

from __future__ import annotations

from typing import Any

from ..findings import category_label, column_label, is_derived, name_item
from ._phrases import CONTACT_LABELS, GAP_TEXT, UNITS, headings, say
from ._words import cap, list_words, pct

__all__ = ["FIRST_LAYER", "customer_categories", "use_of", "main_parameters", "undescribed_share", "undescribed_gaps",
           "disclosure_context"]

# (key, DISCLOSURE.md section, first layer). The page shows the first layer on top, then the rest.
_SECTIONS = [
    ("who", 1, True), ("what", 2, True), ("automation", 3, True), ("purposes", 4, True),
    ("data", 5, True), ("special", 6, False), ("parameters", 7, True), ("commercial", 8, False),
    ("controls", 9, True), ("meaning", 10, True), ("profile", 11, False), ("accuracy", 12, False),
    ("groups", 13, False), ("sharing", 14, False), ("privacy", 14, False), ("rights", 15, True),
    ("version", 16, False), ("changes", 16, False), ("quality", 17, False),
]
FIRST_LAYER = frozenset(k for k, _, first in _SECTIONS if first) | {"summary"}
#: Roles whose columns are not data about the customer (the outcome, the ranked item and its facts).
_NOT_CUSTOMER = ("target", "item")


def customer_categories(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Columns about the customer, by category, in data order (no outcome, no product facts)."""
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for f in doc["features"]:
        if f.get("role") in _NOT_CUSTOMER or f["category"] == "item":
            continue
        by_cat.setdefault(f["category"], []).append(f)
    return by_cat


def use_of(feats: list[dict[str, Any]]) -> str:
    """How the model uses a kind of data: ``used``, ``testing`` (kept only to compare groups),
    ``unknown`` (a decision log) or ``not_used``."""
    if any(f["used_by_model"] for f in feats):
        return "used"
    if all(f.get("role") == "sensitive" for f in feats):
        return "testing"
    if all(f["used_by_model"] is None for f in feats):
        return "unknown"  # a decision log: which data the decisions read is not known
    return "not_used"


def _testing_only(f: dict[str, Any]) -> bool:
    """A column kept only to compare groups: given as sensitive and not read by the model."""
    return f.get("role") == "sensitive" and not f["used_by_model"]


def _data_rows(by_cat: dict[str, list[dict[str, Any]]], *, other_described: bool = True) -> list[dict[str, Any]]:
    """One row per kind of data; columns kept only to compare groups get a row of their own.

    Without a publisher's word on "other" data, columns the toolkit could not place are one
    row marked for the publisher, never a kind of data named after a column.
    """
    return [_data_row(cat, part, undescribed=cat == "other" and not other_described)
            for cat, feats in by_cat.items() for part in _row_parts(cat, feats, other_described) if part]


def _row_parts(cat: str, feats: list[dict[str, Any]], other_described: bool) -> list[list[dict[str, Any]]]:
    if cat == "other" and not other_described:
        return [feats]
    if cat == "other":  # "other data" says nothing: list each such column on its own row instead
        return [[f] for f in feats]
    return [[f for f in feats if not _testing_only(f)], [f for f in feats if _testing_only(f)]]


_USE_PHRASES = {"used": "used_yes", "testing": "used_testing", "not_used": "used_no", "unknown": "used_unknown"}


def _data_row(cat: str, part: list[dict[str, Any]], *, undescribed: bool) -> dict[str, Any]:
    label = (say("data_undescribed") if undescribed
             else say("other_row", label=column_label(part[0]["column"])) if cat == "other"
             else cap(category_label(cat)))
    return {
        "label": label,
        "examples": GAP_TEXT if undescribed else list_words([column_label(f["column"]) for f in part]),
        "source": "; ".join(say(f"source_{s}") for s in sorted({f["source"] for f in part})),
        "used": say(_USE_PHRASES[use_of(part)]),
        "sensitive": (GAP_TEXT if undescribed else
                      say("sensitive_yes" if cat == "special_category" else "sensitive_no")),
    }


def _other_described(cfg: Any) -> bool:
    """True when the publisher says what its "other" data is (a reason for it in the config)."""
    from ._config import GAP

    return cfg.get("category_rationale.other") is not GAP


def main_parameters(doc: dict[str, Any], cfg: Any, *, min_share: float = 0.01) -> list[dict[str, Any]]:
    """Main parameters with a share of at least ``min_share``, most influential first, in words.

    Data the publisher has not described ("other" without a reason in the config) is left out:
    a kind of data nobody can name is not a main parameter (see :func:`undescribed_share`).
    """
    out = []
    described = _other_described(cfg)
    for p in doc["main_parameters"]:
        share = p["importance_share"]
        if share is None or share < min_share or (p["category"] == "other" and not described):
            continue
        label = cap(category_label(p["category"]))
        reason = say("item_reason") if p["category"] == "item" else cfg.get(f"category_rationale.{p['category']}")
        out.append({"category": p["category"], "label": label, "share": share, "pct": pct(share),
                    "range": f"{pct(p['ci'][0])} to {pct(p['ci'][1])}",
                    "sentence": say("parameter_row", label=label, pct=pct(share)), "reason": reason})
    return out


def undescribed_share(doc: dict[str, Any], cfg: Any) -> str:
    """The sentence on the share of data not yet described, or "" when there is none."""
    if _other_described(cfg):
        return ""
    for p in doc["main_parameters"]:
        if p["category"] == "other" and (p["importance_share"] or 0) >= 0.01:
            return say("parameters_undescribed", pct=pct(p["importance_share"]))
    return ""


def _minor_parameters(doc: dict[str, Any], params: list[dict[str, Any]]) -> str:
    shown = {p["category"] for p in params}
    rest = []
    for p in doc["main_parameters"]:
        if p["category"] in shown or not (p["importance_share"] or 0) > 0:
            continue
        if p["category"] == "other" and not any(q["category"] == "other" for q in params) and (
                p["importance_share"] or 0) >= 0.01:
            continue  # said by undescribed_share
        rest.append(list_words([column_label(c) for c in p.get("columns") or []]) if p["category"] == "other"
                    else category_label(p["category"]))
    return say("parameters_rest", labels=cap(list_words(rest))) if rest and params else ""


def _group_sentences(doc: dict[str, Any]) -> list[str]:
    """How groups of people fare: only gaps that passed their test, then the proxies."""
    fair = doc.get("fairness")
    if not fair:
        return [say("groups_not_tested")]
    ranking = doc["model"]["task"] == "ranking"
    out = [say("groups_intro" if ranking else "groups_intro_binary")]
    # only gaps that passed their test (four-fifths line, adjusted p at the false discovery rate)
    flagged = sorted((g for g in fair.get("exposure_gaps") or [] if g.get("reported")),
                     key=lambda g: g["ratio"])
    rate_gaps = [] if ranking else _rate_gap_sentences(fair)
    if not flagged and not rate_gaps:
        out.append(say("groups_none"))
    labels = _item_labels(doc)
    for r in flagged[:5]:
        out.append(say("groups_gap", item=cap(name_item(r["item"], labels.get(str(r["item"])))),
                       low_group=r["low_group"],
                       feature=column_label(str(r["feature"])), low_rate=pct(r["low_rate"]),
                       high_rate=pct(r["high_rate"]), high_group=r["high_group"]))
    out.extend(rate_gaps)
    if (fair.get("mitigation") or {}).get("table") and (flagged or rate_gaps):
        out.append(say("mitigation"))
    out.append(say("groups_small", n=doc["options"]["min_group_size"]))
    return out + _proxy_sentences(doc.get("proxies") or [])


def _rate_gap_sentences(fair: dict[str, Any]) -> list[str]:
    """Yes/no decisions: a selection rate ratio whose whole interval lies below four-fifths, per feature."""
    out = []
    for name, block in fair["by_feature"].items():
        if block.get("intersection"):
            continue
        for d in block["disparities"]:
            if not (d["measure"] == "demographic_parity_ratio" and d["flagged"] and d.get("significant")
                    and (d["ci_high"] or 1) < 0.8):
                continue
            groups = [g for g in block["groups"] if not g["too_few_to_judge"] and "selection_rate" in g["metrics"]]
            if groups:
                low = min(groups, key=lambda g: g["metrics"]["selection_rate"]["value"])
                out.append(say("groups_rate_gap", feature=column_label(name), low_group=low["group"],
                               ratio=pct(d["value"])))
    return out


def _proxy_sentences(proxies: list[dict[str, Any]]) -> list[str]:
    # "your age is linked to your age band" says nothing: left out where one is cut from the other
    return [say("proxy", column=column_label(str(r["column"])), sensitive=column_label(str(r["sensitive_feature"])))
            for r in proxies if r["flagged"] and not is_derived(str(r["column"]), str(r["sensitive_feature"]))]


def _item_labels(doc: dict[str, Any]) -> dict[str, str]:
    """Item id -> display name, recorded in audit.json when the audit was given ``item_label``."""
    labels = (doc.get("model") or {}).get("item_labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def _accuracy_sentences(doc: dict[str, Any]) -> list[str]:
    m = doc["model"].get("metrics") or {}
    task, k = doc["model"]["task"], doc["model"].get("k")
    if task == "ranking" and m:
        return [say("accuracy_ranking", n=m.get("users_evaluated"), k=k, hit=pct(m.get(f"hit_rate_at_{k}")))]
    if task == "binary" and m:
        return [say("accuracy_binary", n=doc["data"]["rows"], acc=pct(m.get("accuracy")))]
    if task == "regression" and m:
        return [say("accuracy_regression", n=doc["data"]["rows"])]
    return [say("accuracy_none")]


def _parameter_chart(params: list[dict[str, Any]], doc: dict[str, Any]) -> tuple[str | None, str | None]:
    if not params:
        return None, None
    from ._figures import bar_chart

    ci = {p["category"]: p["ci"] for p in doc["main_parameters"]}
    chart = bar_chart([p["label"] for p in params], [p["share"] for p in params],
                      [ci[p["category"]][0] for p in params], [ci[p["category"]][1] for p in params])
    alt = say("chart_alt", bars="; ".join(f"{p['label']} {p['pct']}" for p in params))
    return chart, alt


def _changes_context(doc: dict[str, Any]) -> dict[str, Any] | None:
    comp = doc.get("comparison")
    if not comp:
        return None
    lines = []
    for c in comp["data_newly_used"]:
        lines.append(say("changes_new_used", label=column_label(c)))
    for c in comp["data_no_longer_used"]:
        lines.append(say("changes_dropped", label=column_label(c)))
    for c in comp["data_newly_collected"]:
        lines.append(say("changes_new_collected", label=column_label(c)))
    for c in comp["data_no_longer_collected"]:
        lines.append(say("changes_no_longer_collected", label=column_label(c)))
    for p in comp["parameter_shifts"]:
        if p["beyond_intervals"] and p["before"] is not None and p["now"] is not None:
            key = "changes_param_up" if p["now"] > p["before"] else "changes_param_down"
            lines.append(say(key, label=cap(category_label(p["category"])), now=pct(p["now"]),
                             before=pct(p["before"])))
    for g in comp["group_shifts"]:
        if g["beyond_intervals"] and g.get("now_low_rate") is not None and g.get("before_low_rate") is not None:
            lines.append(say("changes_group", item=name_item(g["item"], _item_labels(doc).get(str(g["item"]))), feature=column_label(str(g["feature"])),
                             group=g["now_low_group"], high_group=g["now_high_group"],
                             now_low=pct(g["now_low_rate"]), now_high=pct(g["now_high_rate"]),
                             before_low=pct(g["before_low_rate"]), before_high=pct(g["before_high_rate"])))
    if not lines:
        lines.append(say("changes_none"))
    date = comp["previous_date"]
    return {"heading": headings()["changes"].format(date=date),
            "intro": say("changes_intro", date=comp["current_date"], previous=date), "lines": lines}


def disclosure_context(doc: dict[str, Any], cfg: Any) -> dict[str, Any]:
    """Everything disclosure.html shows, from a plain audit.json document and the publisher's facts."""
    from ._config import GAP

    g = cfg.get
    system = g("system.name")
    system_name = say("system_default") if system is GAP else str(system)
    by_cat = customer_categories(doc)
    item_cols = [f["column"] for f in doc["features"] if f["category"] == "item" or f.get("role") == "item"]
    params = main_parameters(doc, cfg)
    privacy = _privacy_sentences(doc)
    special = _special(doc)
    changes = _changes_context(doc)
    first = [k for k, _, f in _SECTIONS if f]
    more = [k for k, _, f in _SECTIONS if not f and (k != "changes" or changes) and (k != "privacy" or privacy)]
    heads = headings()
    heads = {**heads, "changes": changes["heading"] if changes else heads["changes"]}
    return {
        "system_name": system_name,
        **_summary(system_name, by_cat, params),
        "toc": [{"title": say("layer_short"), "sections": [{"key": k, "heading": heads[k]} for k in first]},
                {"title": say("layer_more"), "sections": [{"key": k, "heading": heads[k]} for k in more]}],
        "first": first, "more": more, "headings": heads,
        **_publisher_facts(cfg),
        "data_intro": say("data_intro"),
        "data_rows": _data_rows(by_cat, other_described=_other_described(cfg)),
        "data_items": say("data_items", columns=list_words([column_label(c) for c in item_cols])) if item_cols
        else "",
        "privacy": privacy,
        "data_unused": _data_unused(doc, item_cols),
        "special": special or [say("special_none")],
        "special_use": g("special_categories_use") if special else None,
        **_parameters(doc, cfg, params),
        "retention": _retention(by_cat, cfg),
        "accuracy": _accuracy_sentences(doc),
        "groups": _group_sentences(doc),
        "version_text": say("version", date=doc["provenance"]["created_at"][:10], rows=doc["data"]["rows"]),
        "changes": changes,
        "categories": sorted(by_cat),
    }


def _parameters(doc: dict[str, Any], cfg: Any, params: list[dict[str, Any]]) -> dict[str, Any]:
    """The main parameters section: the list, its chart, the unit and the minor ones in one sentence."""
    chart, alt = _parameter_chart(params, doc)
    return {"parameters_intro": say("parameters_intro") if params else say("parameters_none"),
            "parameters": params,
            "parameter_unit": UNITS.get((doc.get("explanation") or {}).get("unit", ""), "the model's score"),
            "parameters_rest": _minor_parameters(doc, params),
            "parameters_undescribed": undescribed_share(doc, cfg),
            "parameter_chart": chart,
            "parameter_chart_alt": alt}


def _retention(by_cat: dict[str, list[dict[str, Any]]], cfg: Any) -> list[dict[str, Any]]:
    """How long each kind of data is kept, as the publisher says (a gap where it does not)."""
    return [{"label": (say("other_row", label=list_words([column_label(f["column"]) for f in by_cat[c]]))
                       if c == "other" else cap(category_label(c))),
             "period": cfg.get(f"retention.{c}")} for c in by_cat]


def _summary(system_name: str, by_cat: dict[str, list[dict[str, Any]]],
             params: list[dict[str, Any]]) -> dict[str, str]:
    """The summary on top: how many kinds of data the system uses, the two most influential first."""
    used_cats = [c for c, fs in by_cat.items() if any(f["used_by_model"] for f in fs)]
    unused_cats = [c for c, fs in by_cat.items()  # without a model (a decision log) use is unknown
                   if c not in used_cats and any(f["used_by_model"] is not None for f in fs)]
    top = list_words([p["label"].lower() for p in params[:2]]) or "not measured"
    return {"summary_intro": say("summary_intro", system=system_name),
            "summary_data": (say("summary_data", n_used=len(used_cats), top=top) if used_cats or unused_cats
                             else say("summary_data_unknown")),
            "summary_unused": say("summary_unused", n_unused=len(unused_cats)) if unused_cats else ""}


def _publisher_facts(cfg: Any) -> dict[str, Any]:
    """What only the publisher can say: who, where, automation, purposes, controls, sharing."""
    from ._config import GAP

    g = cfg.get
    org = g("organisation.name")
    surfaces = g("system.surfaces")
    fully = g("automation.fully_automated")
    purposes = g("purposes")
    if purposes is not GAP:
        purposes = [{"purpose": pp.purpose or GAP, "legal_basis": pp.legal_basis or GAP,
                     "categories": list_words([category_label(c) for c in (pp.data_categories or ())])}
                    for pp in purposes]
    sharing = g("sharing")
    if sharing not in (GAP, "none"):
        sharing = [{"recipient": s.recipient or GAP, "purpose": s.purpose or GAP,
                    "categories": list_words([category_label(c) for c in (s.categories or ())])} for s in sharing]
    commercial = g("commercial_influence.affects_ranking")
    return {
        "who": org if org is GAP else say("who_intro", org=org),
        "contact": [{"label": label, "value": g(f"organisation.{key}")} for key, label in CONTACT_LABELS.items()],
        "surfaces": surfaces if surfaces is GAP else say("surfaces", surfaces=list_words(list(surfaces))),
        "automated": fully if fully is GAP else say("automated_yes" if fully else "automated_no"),
        "purposes": purposes,
        "commercial": commercial if commercial is GAP else say("commercial_yes" if commercial else "commercial_no"),
        "controls": g("controls"),
        "sharing": sharing,
    }


def _data_unused(doc: dict[str, Any], item_cols: list[str]) -> list[str]:
    """Collected data the model does not read and the minimisation says can go (at most six named)."""
    unused = [m["column"] for m in (doc.get("minimisation") or {}).get("columns") or []
              if not m["is_input"] and m["verdict"] == "drop" and m["column"] not in item_cols]
    if not unused:
        return []
    shown = unused[:6]
    out = [say("data_unused", labels=list_words([column_label(c) for c in shown]),
               them="it" if len(shown) == 1 else "them")]
    if len(unused) > len(shown):
        n_more = len(unused) - len(shown)
        out.append(say("data_unused_more", n=n_more, kinds="kind" if n_more == 1 else "kinds"))
    return out


def _privacy_sentences(doc: dict[str, Any]) -> list[str]:
    """Re-identification and membership inference, in words (counts and shares only)."""
    out = []
    reid = (doc.get("privacy") or {}).get("reidentification")
    if reid:
        labels = list_words([column_label(c) for c in reid["quasi_identifiers"]])
        if reid["k"] < reid["k_threshold"]:
            out.append(say("privacy_reid", labels=labels, pct=pct(reid["unique_share"])))
        else:
            out.append(say("privacy_reid_low", labels=labels, others=reid["k"] - 1))
    member = (doc.get("privacy") or {}).get("membership_inference")
    if member and member.get("available"):
        key = {"none": "privacy_member_none", "slight": "privacy_member_slight"}.get(member["level"],
                                                                                 "privacy_member_some")
        out.append(say(key, n=f"{member['n_members']:,}"))
    return out


def _special(doc: dict[str, Any]) -> list[str]:
    """One sentence per special category column: a model input, kept for testing, or use unknown."""
    return [say("special_unknown" if f["used_by_model"] is None else
                "special_input" if f["used_by_model"] else "special_testing", label=column_label(f["column"]))
            for f in doc["features"] if f["category"] == "special_category"]


def undescribed_gaps(doc: dict[str, Any], cfg: Any) -> list[str]:
    """Columns about people that nobody has placed in a category: gaps for the publisher to fill."""
    if _other_described(cfg):
        return []
    return [f"section 5: inventory.{f['column']}.category" for f in doc["features"]
            if f["category"] == "other" and f.get("role") not in _NOT_CUSTOMER]
