"""Render one person's explanation ("why am I seeing this?") as text and as a self-contained page.

Reads the document of ``WhyExplanation.to_dict()`` only; nothing is recomputed. The page
shows that person's reasons, categories and counterfactual, never a raw value of their
data and never anyone else's data. Wording lives in the phrase bank (``_phrases.py``).
"""

from __future__ import annotations

from typing import Any

from ..findings import category_label, column_label, name_item, use_wording
from ._phrases import AMOUNTS, HISTORY_AMOUNTS, STRENGTHS, UNITS, say

__all__ = ["why_context", "render_why_text", "render_why_html", "render_why_fragment", "why_first_layer"]


def _words(items: list[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _label(doc: dict[str, Any], column: str) -> str:
    """Plain name of a column for this person; the item column's name becomes the item itself."""
    if column in doc.get("labels", {}):
        return str(doc["labels"][column])
    label = column_label(column)
    item_col = doc.get("item_column")
    if doc.get("item") and item_col:
        label = label.replace(column_label(item_col), str(doc["item"]))
    return label


def _cfg(config: Any, path: str) -> Any:
    if config is None:
        return None
    from ._config import is_gap

    v = config.get(path)
    return None if is_gap(v) else v


def _wording(doc: dict[str, Any], config: Any) -> Any:
    from ._config import DisclosureConfig

    cfg = config if isinstance(config, DisclosureConfig) else DisclosureConfig.empty()
    return cfg.wording(doc.get("task"))


def item_name(item: Any, label: Any = None) -> str:
    """How a page names an item (see :func:`explainer.findings.name_item`)."""
    return name_item(item, label)


def why_context(doc: dict[str, Any], config: Any = None) -> dict[str, Any]:
    """Everything the text and the page say, as plain strings and small tables."""
    with use_wording(_wording(doc, config)):
        return _why_context(doc, config)


def _why_context(doc: dict[str, Any], config: Any = None) -> dict[str, Any]:
    item_name_ = item_name(doc.get("item"), doc.get("item_label"))
    title, result = _result(doc, item_name_)
    automated = _cfg(config, "automation.fully_automated")
    review = None if automated is None else say("why_review_none" if automated else "why_review_some")
    hist = str((doc.get("labels") or {}).get("history", "history"))
    sources = doc.get("sources") or {}
    used = [{"label": category_label(c).capitalize(),
             "source": "; ".join(say(f"source_{s}") for s in sources.get(c, ["unknown"]))}
            for c in doc["categories_used"]]
    not_used = [category_label(c).capitalize() for c in doc["categories_not_used"]]
    by_features = doc.get("basis", "features") == "features"
    not_used_intro = (say("why_not_used_intro") if not_used else
                      say("why_not_used_none") if by_features else say("why_not_used_unknown"))
    controls = _cfg(config, "controls")
    contact = _cfg(config, "organisation.contact_email")
    unit = UNITS.get(doc["unit"], doc["unit"])
    return {
        "title": title,
        "result": result,
        "review": review,
        "reasons_intro": say("why_reasons_intro"),
        "reasons": [_reason(doc, r, item_name_, hist, config) for r in doc["reasons"]],
        "cf_intro": say("why_cf_intro"),
        "change": _change(doc, item_name_, hist),
        "estimates": _estimates(doc, item_name_),
        "used_intro": say("why_used_intro"),
        "used": used,
        "not_used_intro": not_used_intro,
        "not_used": not_used,
        "act_intro": say("why_act_intro"),
        "controls": controls if isinstance(controls, (list, tuple)) else [],
        "rights": say("why_rights"),
        "contact": say("why_contact", contact=contact) if contact else None,
        "unit": unit,
        "numbers_note": say("why_numbers_note" if by_features else "why_numbers_note_exact", unit=unit),
        "numbers_exact": not by_features,  # a history decomposition is exact: no "estimate" in the table
        "method": ("exact calculation" if doc["exact"] else "estimate from random samples") + f", in {unit}",
    }


def _result(doc: dict[str, Any], item_name_: str) -> tuple[str, str]:
    """The page's title and its first sentence: the result this person got."""
    if doc["task"] == "ranking":
        title = say("why_title_item" if doc["in_top_k"] else "why_title_lower", item=item_name_, k=doc["k"])
        key = "why_rank_in" if doc["in_top_k"] else "why_rank_out"
        return title, say(key, item=item_name_, rank=doc["rank"], k=doc["k"])
    if doc["task"] == "binary":
        return say("why_title_result"), say("why_selected" if doc["selected"] else "why_not_selected")
    return say("why_title_result"), say("why_score")


def _reason(doc: dict[str, Any], r: dict[str, Any], item_name_: str, hist: str, config: Any) -> dict[str, Any]:
    """One reason in words, with its estimate, share and the publisher's rationale."""
    strength = STRENGTHS[r["strength"]]
    if doc.get("basis") == "history":
        text = say(f"why_reason_history_{r['direction']}", label=_label(doc, r["column"]),
                   history=(doc.get("labels") or {}).get(f"{r['column']}|source", hist), strength=strength)
    elif r["category"] == "item":
        cap = item_name_[:1].upper() + item_name_[1:]
        text = say(f"why_reason_item_{r['direction']}", item=cap or "This", strength=strength)
    else:
        verb = "raised" if r["direction"] == "raises" else "lowered"
        text = say("why_reason", label=_label(doc, r["column"]), verb=verb, strength=strength)
    rationale = (say("item_reason") if r["category"] == "item" else
                 ((doc.get("rationale") or {}).get(r["category"]) or _cfg(config, f"category_rationale.{r['category']}")))
    return {"category": category_label(r["category"]).capitalize(), "text": text,
            "direction": r["direction"], "strength": r["strength"],
            "estimate": f"{r['attribution']:+.3f}", "share": f"{r['share'] * 100:.0f}%", "rationale": rationale}


def _change(doc: dict[str, Any], item_name_: str, hist: str) -> str:
    """What would change the result (the counterfactual), or that none was found."""
    cf = doc.get("counterfactual")
    history = doc.get("basis") == "history"
    if cf is None:
        return say("why_cf_history_none", history=hist) if history else say("why_cf_none")
    if history:
        return _history_change(doc, cf, item_name_, hist)
    if doc["task"] == "ranking":
        effect = say("why_cf_leaves" if cf["effect"] == "leaves_top_k" else "why_cf_enters", item=item_name_, k=doc["k"])
    else:
        effect = say("why_cf_unselect" if doc["selected"] else "why_cf_select")
    labels = _words([_label(doc, ch["column"]) for ch in cf["changes"]])
    factor = float(cf["changes"][0]["factor"])
    amount = AMOUNTS.get(factor, f"{factor:g} times as high")
    if len(cf["changes"]) == 1:
        change = (say("why_cf_zero", labels=labels, effect=effect) if factor == 0
                  else say("why_cf_scaled", labels=labels, amount=amount, effect=effect))
    else:  # two short sentences rather than one long one
        labels = " and no ".join(_label(doc, ch["column"]) for ch in cf["changes"]) if factor == 0 else labels
        change = (say("why_cf_zero_many", labels=labels, effect=effect) if factor == 0
                  else say("why_cf_scaled_many", labels=labels, amount=amount, effect=effect))
    return change[0].upper() + change[1:]


def _estimates(doc: dict[str, Any], item_name_: str) -> str:
    """How to read the numbers: estimates, or (history-based) exact parts of the served score."""
    if doc.get("basis", "features") == "features":
        return say("why_estimates")
    base = float(doc.get("base_value") or 0.0)
    if abs(base) > 1e-12:  # LightFM: the item's own side is the same for everyone and is part of the score
        estimates = say("why_user_features_exact", item=item_name_, base=f"{base:+.3f}")
    else:
        estimates = say("why_history_estimates", item=item_name_)
    served = doc.get("served_score")
    if served is not None and abs(float(served) - float(doc["score"])) > 1e-9:
        estimates += " " + say("why_history_served", gap=f"{abs(float(served) - float(doc['score'])):.3f}")
    return estimates


def _history_change(doc: dict[str, Any], cf: dict[str, Any], item_name: str, hist: str) -> str:
    """What would change the result, in terms of the person's own history items."""
    effect = say("why_cf_leaves" if cf["effect"] == "leaves_top_k" else "why_cf_enters", item=item_name, k=doc["k"])
    labels = _words([_label(doc, ch["column"]) for ch in cf["changes"]])
    factor = float(cf["changes"][0]["factor"])
    if factor == 0:
        return say("why_cf_history_zero", labels=labels, history=hist, effect=effect)
    amount = HISTORY_AMOUNTS.get(factor, f"{factor:g} times as much")
    return say("why_cf_history_scaled", labels=labels, amount=amount, history=hist, effect=effect)


def why_first_layer(doc: dict[str, Any], config: Any = None) -> list[str]:
    """The prose blocks a person reads first (result, reasons, what would change it)."""
    c = why_context(doc, config)
    blocks = [" ".join(x for x in (c["result"], c["review"]) if x)]
    blocks += [r["text"] for r in c["reasons"]]
    blocks += [c["change"], c["estimates"]]
    return blocks


def render_why_text(doc: dict[str, Any], config: Any = None) -> str:
    """The explanation as plain text: first the short part, then the data used."""
    c = why_context(doc, config)
    lines = [c["title"], "", " ".join(x for x in (c["result"], c["review"]) if x), "", c["reasons_intro"]]
    lines += [f"- {r['text']}" for r in c["reasons"]]
    lines += ["", c["cf_intro"], c["change"], "", c["estimates"], "", c["used_intro"]]
    lines += [f"- {u['label']} ({u['source'].lower()})" for u in c["used"]]
    lines += ["", c["not_used_intro"]] + [f"- {n}" for n in c["not_used"]]
    lines += ["", c["rights"]] + ([c["contact"]] if c["contact"] else [])
    return "\n".join(lines) + "\n"


def _page_context(doc: dict[str, Any], config: Any) -> dict[str, Any]:
    from ._readability import measure_text

    score = measure_text(why_first_layer(doc, config))
    quality = {"words": score.words, "grade": f"{score.fk_grade:.1f}", "seconds": f"{score.reading_time_s:.0f}"}
    return {"w": why_context(doc, config), "quality": quality}


def render_why_html(doc: dict[str, Any], config: Any = None) -> str:
    """The explanation as a self-contained HTML page (no scripts, no network, no raw values)."""
    from ._render import _env

    return str(_env().get_template("why.html.j2").render(**_page_context(doc, config)))


def render_why_fragment(doc: dict[str, Any], config: Any = None) -> str:
    """The same explanation as an HTML fragment for a notebook: what the page says, scoped to its own root."""
    from ._fragments import render_fragment

    return render_fragment("why_page", **_page_context(doc, config))
