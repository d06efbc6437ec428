"""Render audit results into self-contained HTML files and audit.json. Rendering only."""

from __future__ import annotations

import math

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..findings import category_label, column_label, is_derived, name_item, use_wording
from ._phrases import CONTACT_LABELS, GAP_TEXT, HEADINGS, UNITS, headings, say

if TYPE_CHECKING:
    import jinja2

    from .._audit import Audit

__all__ = ["render_disclosure", "render_audit", "write_reports", "write_report_files",
           "prepare_document", "section_texts", "FIRST_LAYER"]

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


def _env() -> jinja2.Environment:
    import jinja2

    from ._config import is_gap

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("explainer", "report/templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["gap"] = is_gap
    env.globals.update(version=__version__, gap_text=GAP_TEXT, h=HEADINGS, say=say)
    return env


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.0f}%"


def _list_words(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _config_for(doc: dict[str, Any], config: Any) -> Any:
    """The publisher config: the one given, else the one recorded in audit.json, else empty."""
    from ._config import DisclosureConfig

    if config is not None:
        return config if isinstance(config, DisclosureConfig) else DisclosureConfig.from_yaml(config)
    if isinstance(doc.get("publisher"), dict):
        return DisclosureConfig.from_dict(doc["publisher"], source="publisher facts recorded in audit.json")
    return DisclosureConfig.empty()


# ----------------------------------------------------------------------------- disclosure
def customer_categories(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Columns about the customer, by category, in data order (no outcome, no product facts)."""
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for f in doc["features"]:
        if f.get("role") in _NOT_CUSTOMER or f["category"] == "item":
            continue
        by_cat.setdefault(f["category"], []).append(f)
    return by_cat


def _use_of(feats: list[dict[str, Any]]) -> str:
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
    rows = []
    for cat, feats in by_cat.items():
        if cat == "other" and not other_described:
            groups = [feats]
        elif cat == "other":  # "other data" says nothing: list each such column on its own row instead
            groups = [[f] for f in feats]
        else:
            groups = [[f for f in feats if not _testing_only(f)], [f for f in feats if _testing_only(f)]]
        for part in groups:
            if not part:
                continue
            undescribed = cat == "other" and not other_described
            label = (say("data_undescribed") if undescribed
                     else say("other_row", label=column_label(part[0]["column"])) if cat == "other"
                     else _cap(category_label(cat)))
            use = _use_of(part)
            rows.append({
                "label": label,
                "examples": GAP_TEXT if undescribed else _list_words([column_label(f["column"]) for f in part]),
                "source": "; ".join(say(f"source_{s}") for s in sorted({f["source"] for f in part})),
                "used": say({"used": "used_yes", "testing": "used_testing", "not_used": "used_no",
                            "unknown": "used_unknown"}[use]),
                "sensitive": (GAP_TEXT if undescribed else
                              say("sensitive_yes" if cat == "special_category" else "sensitive_no")),
            })
    return rows


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
        label = _cap(category_label(p["category"]))
        reason = say("item_reason") if p["category"] == "item" else cfg.get(f"category_rationale.{p['category']}")
        out.append({"category": p["category"], "label": label, "share": share, "pct": _pct(share),
                    "range": f"{_pct(p['ci'][0])} to {_pct(p['ci'][1])}",
                    "sentence": say("parameter_row", label=label, pct=_pct(share)), "reason": reason})
    return out


def undescribed_share(doc: dict[str, Any], cfg: Any) -> str:
    """The sentence on the share of data not yet described, or "" when there is none."""
    if _other_described(cfg):
        return ""
    for p in doc["main_parameters"]:
        if p["category"] == "other" and (p["importance_share"] or 0) >= 0.01:
            return say("parameters_undescribed", pct=_pct(p["importance_share"]))
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
        rest.append(_list_words([column_label(c) for c in p.get("columns") or []]) if p["category"] == "other"
                    else category_label(p["category"]))
    return say("parameters_rest", labels=_cap(_list_words(rest))) if rest and params else ""


def _group_sentences(doc: dict[str, Any]) -> list[str]:
    out = []
    fair = doc.get("fairness")
    if not fair:
        return [say("groups_not_tested")]
    ranking = doc["model"]["task"] == "ranking"
    out.append(say("groups_intro" if ranking else "groups_intro_binary"))
    # only gaps that passed their test (four-fifths line, adjusted p at the false discovery rate)
    flagged = sorted((g for g in fair.get("exposure_gaps") or [] if g.get("reported")),
                     key=lambda g: g["ratio"])
    rate_gaps = []
    if not ranking:
        for name, block in fair["by_feature"].items():
            if block.get("intersection"):
                continue
            for d in block["disparities"]:
                if (d["measure"] == "demographic_parity_ratio" and d["flagged"] and d.get("significant")
                        and (d["ci_high"] or 1) < 0.8):
                    groups = [g for g in block["groups"] if not g["too_few_to_judge"]
                              and "selection_rate" in g["metrics"]]
                    if groups:
                        low = min(groups, key=lambda g: g["metrics"]["selection_rate"]["value"])
                        rate_gaps.append(say("groups_rate_gap", feature=column_label(name), low_group=low["group"],
                                             ratio=_pct(d["value"])))
    if not flagged and not rate_gaps:
        out.append(say("groups_none"))
    for r in flagged[:5]:
        out.append(say("groups_gap", item=_cap(name_item(r["item"], _item_labels(doc).get(str(r["item"])))),
                       low_group=r["low_group"],
                       feature=column_label(str(r["feature"])), low_rate=_pct(r["low_rate"]),
                       high_rate=_pct(r["high_rate"]), high_group=r["high_group"]))
    out.extend(rate_gaps)
    if (fair.get("mitigation") or {}).get("table") and (flagged or rate_gaps):
        out.append(say("mitigation"))
    out.append(say("groups_small", n=doc["options"]["min_group_size"]))
    for r in doc.get("proxies") or []:
        # "your age is linked to your age band" says nothing: left out where one is cut from the other
        if r["flagged"] and not is_derived(str(r["column"]), str(r["sensitive_feature"])):
            out.append(say("proxy", column=column_label(str(r["column"])),
                           sensitive=column_label(str(r["sensitive_feature"]))))
    return out


def _item_labels(doc: dict[str, Any]) -> dict[str, str]:
    """Item id -> display name, recorded in audit.json when the audit was given ``item_label``."""
    labels = (doc.get("model") or {}).get("item_labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def _accuracy_sentences(doc: dict[str, Any]) -> list[str]:
    m = doc["model"].get("metrics") or {}
    task, k = doc["model"]["task"], doc["model"].get("k")
    if task == "ranking" and m:
        return [say("accuracy_ranking", n=m.get("users_evaluated"), k=k, hit=_pct(m.get(f"hit_rate_at_{k}")))]
    if task == "binary" and m:
        return [say("accuracy_binary", n=doc["data"]["rows"], acc=_pct(m.get("accuracy")))]
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
            lines.append(say(key, label=_cap(category_label(p["category"])), now=_pct(p["now"]),
                             before=_pct(p["before"])))
    for g in comp["group_shifts"]:
        if g["beyond_intervals"] and g.get("now_low_rate") is not None and g.get("before_low_rate") is not None:
            lines.append(say("changes_group", item=name_item(g["item"], _item_labels(doc).get(str(g["item"]))), feature=column_label(str(g["feature"])),
                             group=g["now_low_group"], high_group=g["now_high_group"],
                             now_low=_pct(g["now_low_rate"]), now_high=_pct(g["now_high_rate"]),
                             before_low=_pct(g["before_low_rate"]), before_high=_pct(g["before_high_rate"])))
    if not lines:
        lines.append(say("changes_none"))
    date = comp["previous_date"]
    return {"heading": headings()["changes"].format(date=date),
            "intro": say("changes_intro", date=comp["current_date"], previous=date), "lines": lines}


def _disclosure_context(doc: dict[str, Any], cfg: Any) -> dict[str, Any]:
    from ._config import GAP

    g = cfg.get
    system = g("system.name")
    system_name = say("system_default") if system is GAP else str(system)
    by_cat = customer_categories(doc)
    used_cats = [c for c, fs in by_cat.items() if any(f["used_by_model"] for f in fs)]
    unused_cats = [c for c, fs in by_cat.items()  # without a model (a decision log) use is unknown
                   if c not in used_cats and any(f["used_by_model"] is not None for f in fs)]
    item_cols = [f["column"] for f in doc["features"] if f["category"] == "item" or f.get("role") == "item"]
    params = main_parameters(doc, cfg)
    chart, alt = _parameter_chart(params, doc)
    unused = [m["column"] for m in (doc.get("minimisation") or {}).get("columns") or []
              if not m["is_input"] and m["verdict"] == "drop" and m["column"] not in item_cols]
    data_unused = []
    if unused:
        shown = unused[:6]
        data_unused.append(say("data_unused", labels=_list_words([column_label(c) for c in shown]),
                               them="it" if len(shown) == 1 else "them"))
        if len(unused) > len(shown):
            n_more = len(unused) - len(shown)
            data_unused.append(say("data_unused_more", n=n_more, kinds="kind" if n_more == 1 else "kinds"))
    top = _list_words([p["label"].lower() for p in params[:2]]) or "not measured"

    surfaces = g("system.surfaces")
    fully = g("automation.fully_automated")
    purposes = g("purposes")
    if purposes is not GAP:
        purposes = [{"purpose": pp.purpose or GAP, "legal_basis": pp.legal_basis or GAP,
                     "categories": _list_words([category_label(c) for c in (pp.data_categories or ())])}
                    for pp in purposes]
    sharing = g("sharing")
    if sharing not in (GAP, "none"):
        sharing = [{"recipient": s.recipient or GAP, "purpose": s.purpose or GAP,
                    "categories": _list_words([category_label(c) for c in (s.categories or ())])} for s in sharing]
    commercial = g("commercial_influence.affects_ranking")
    privacy = []
    reid = (doc.get("privacy") or {}).get("reidentification")
    if reid:
        labels = _list_words([column_label(c) for c in reid["quasi_identifiers"]])
        if reid["k"] < reid["k_threshold"]:
            privacy.append(say("privacy_reid", labels=labels, pct=_pct(reid["unique_share"])))
        else:
            privacy.append(say("privacy_reid_low", labels=labels, others=reid["k"] - 1))
    member = (doc.get("privacy") or {}).get("membership_inference")
    if member and member.get("available"):
        key = {"none": "privacy_member_none", "slight": "privacy_member_slight"}.get(member["level"],
                                                                                 "privacy_member_some")
        privacy.append(say(key, n=f"{member['n_members']:,}"))
    special = [say("special_unknown" if f["used_by_model"] is None else
                   "special_input" if f["used_by_model"] else "special_testing", label=column_label(f["column"]))
               for f in doc["features"] if f["category"] == "special_category"]
    org = g("organisation.name")
    contact = [{"label": label, "value": g(f"organisation.{key}")} for key, label in CONTACT_LABELS.items()]
    first = [k for k, _, f in _SECTIONS if f]
    changes = _changes_context(doc)
    more = [k for k, _, f in _SECTIONS if not f and (k != "changes" or changes) and (k != "privacy" or privacy)]
    heads = headings()
    heads = {**heads, "changes": changes["heading"] if changes else heads["changes"]}
    return {
        "system_name": system_name,
        "summary_intro": say("summary_intro", system=system_name),
        "summary_data": (say("summary_data", n_used=len(used_cats), top=top) if used_cats or unused_cats
                         else say("summary_data_unknown")),
        "summary_unused": say("summary_unused", n_unused=len(unused_cats)) if unused_cats else "",
        "toc": [{"title": say("layer_short"), "sections": [{"key": k, "heading": heads[k]} for k in first]},
                {"title": say("layer_more"), "sections": [{"key": k, "heading": heads[k]} for k in more]}],
        "first": first, "more": more, "headings": heads,
        "who": org if org is GAP else say("who_intro", org=org), "contact": contact,
        "surfaces": surfaces if surfaces is GAP else say("surfaces", surfaces=_list_words(list(surfaces))),
        "automated": fully if fully is GAP else say("automated_yes" if fully else "automated_no"),
        "purposes": purposes,
        "data_intro": say("data_intro"),
        "data_rows": _data_rows(by_cat, other_described=_other_described(cfg)),
        "data_items": say("data_items", columns=_list_words([column_label(c) for c in item_cols])) if item_cols
        else "",
        "privacy": privacy,
        "data_unused": data_unused,
        "special": special or [say("special_none")],
        "special_use": g("special_categories_use") if special else None,
        "parameters_intro": say("parameters_intro") if params else say("parameters_none"),
        "parameters": params,
        "parameter_unit": UNITS.get((doc.get("explanation") or {}).get("unit", ""), "the model's score"),
        "parameters_rest": _minor_parameters(doc, params),
        "parameters_undescribed": undescribed_share(doc, cfg),
        "parameter_chart": chart,
        "parameter_chart_alt": alt,
        "commercial": commercial if commercial is GAP else say("commercial_yes" if commercial else "commercial_no"),
        "controls": g("controls"),
        "sharing": sharing,
        "retention": [{"label": (say("other_row", label=_list_words([column_label(f["column"]) for f in by_cat[c]]))
                                 if c == "other" else _cap(category_label(c))),
                       "period": g(f"retention.{c}")} for c in by_cat],
        "accuracy": _accuracy_sentences(doc),
        "groups": _group_sentences(doc),
        "version_text": say("version", date=doc["provenance"]["created_at"][:10], rows=doc["data"]["rows"]),
        "changes": changes,
        "categories": sorted(by_cat),
    }


class _SectionText(HTMLParser):
    """Collect the prose blocks (p, li, td) of each <section id="s-..."> of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self._cur: str | None = None
        self._depth = 0
        self._buf: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and (a.get("id") or "").startswith("s-"):
            self._cur = (a.get("id") or "")[2:]
            self.sections.setdefault(self._cur, [])
        if tag in ("table", "figure"):
            self._skip += 1
        if self._cur and tag in ("p", "li") and not self._skip:
            self._buf = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("table", "figure"):
            self._skip -= 1
        if tag in ("p", "li") and self._buf is not None and self._cur:
            text = " ".join("".join(self._buf).split())
            if text:
                self.sections[self._cur].append(text)
            self._buf = None
        if tag == "section":
            self._cur = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None:
            self._buf.append(data)


def section_texts(html: str) -> dict[str, list[str]]:
    """The prose blocks of each section of a rendered disclosure, as a reader sees them."""
    p = _SectionText()
    p.feed(html)
    return {k: v for k, v in p.sections.items() if v}


def _measure(tpl: Any, ctx: dict[str, Any], *, first_layer: Any = FIRST_LAYER, **kw: Any) -> tuple[str, Any]:
    """Render twice: once to extract the prose a reader sees, then with its readability appendix."""
    from ._readability import measure_sections

    draft = tpl.render(readability=None, **ctx, **kw)
    texts = {k: v for k, v in section_texts(draft).items() if k != "quality"}
    report = measure_sections(texts, first_layer=[k for k in texts if k in first_layer])
    rows = []
    for name, sc in report.sections.items():
        rows.append({"section": ctx["d"]["headings"].get(name, name), "grade": f"{sc.fk_grade:.1f}",
                     "ease": f"{sc.reading_ease:.0f}", "words": sc.words,
                     "wps": f"{sc.mean_sentence_words:.1f}", "seconds": f"{sc.reading_time_s:.0f}",
                     "layer": "first" if name in report.first_layer else "more"})
    lib = report.library
    ov = report.overall
    quality = {"note": say("quality_note", library=f"{lib['name']} {lib['version']}"), "rows": rows,
               "first_layer_s": f"{report.first_layer_reading_time_s:.0f}", "total_s": f"{ov.reading_time_s:.0f}",
               "words": ov.words}
    return tpl.render(readability=quality, **ctx, **kw), report


def render_disclosure(doc: dict[str, Any], config: Any = None) -> tuple[str, Any, list[str]]:
    """Render disclosure.html from an audit.json document; returns (html, readability, gaps).

    ``config`` is a :class:`DisclosureConfig`, a path to ``disclosure.yaml`` or None (the
    publisher facts recorded in ``doc`` if any, else every fact is a gap).
    """
    cfg = _config_for(doc, config)
    with use_wording(cfg.wording(doc["model"].get("task"))):
        ctx = _disclosure_context(doc, cfg)
        env = _env()
        html, report = _measure(env.get_template("disclosure.html.j2"), {"d": ctx}, g=cfg.get, h=headings())
    gaps = cfg.gaps(categories=ctx["categories"], task=doc["model"].get("task")) + undescribed_gaps(doc, cfg)
    return html, report, gaps


def undescribed_gaps(doc: dict[str, Any], cfg: Any) -> list[str]:
    """Columns about people that nobody has placed in a category: gaps for the publisher to fill."""
    if _other_described(cfg):
        return []
    return [f"section 5: inventory.{f['column']}.category" for f in doc["features"]
            if f["category"] == "other" and f.get("role") not in _NOT_CUSTOMER]


# ----------------------------------------------------------------------------- reviewer report
def _fmt_ci(v: Any, lo: Any, hi: Any) -> str:
    if v is None:
        return "n/a"
    if lo is None or hi is None:
        return f"{v:.3f}"
    return f"{v:.3f} ({lo:.3f} to {hi:.3f})"


def _audit_context(doc: dict[str, Any]) -> dict[str, Any]:
    from ._figures import bar_chart, dependence_chart

    ex = doc.get("explanation") or {}
    unit = ex.get("unit", "n/a")
    cats = doc["categories"]
    chart = bar_chart([c["category"] for c in cats], [c["importance_share"] for c in cats],
                      [c["ci_low"] for c in cats], [c["ci_high"] for c in cats]) if cats else None
    alt = "Bar chart of share of influence by data category: " + "; ".join(
        f"{c['category']} {c['importance_share'] * 100:.1f}%" for c in cats) + ". The data table follows."
    dependence = []
    for col, table in (ex.get("dependence") or {}).items():
        import pandas as pd

        dependence.append({"column": col, "table": table,
                           "chart": dependence_chart(pd.DataFrame(table), column=col, unit=unit)})
    fairness = None
    fair = doc.get("fairness")
    has_model = doc["model"].get("type") != "decision log"
    if fair:
        wanted = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "accuracy", "mean_score")
        feats = []
        for name, block in fair["by_feature"].items():
            present = {m for g in block["groups"] for m in g["metrics"]}
            feat_metrics = [m for m in wanted if m in present]
            groups = [{"group": g["group"], "n": g["n"], "too_few": g["too_few_to_judge"],
                       "cells": {m: _fmt_ci(g["metrics"][m]["value"], *g["metrics"][m]["ci"]) for m in feat_metrics
                                 if m in g["metrics"]}} for g in block["groups"]]
            feats.append({"name": name, "metrics": feat_metrics, "groups": groups, "disparities": block["disparities"]})
        fairness = {"features": feats, "min_group_size": doc["options"]["min_group_size"],
                    "unit": fair["method"].get("group_size_unit", "rows"),
                    "interval": fair["method"].get("exposure_interval", "bootstrap"),
                    "mf_diff": fair.get("metricframe_max_abs_diff"),
                    "gaps": fair.get("exposure_gaps", []), "quality": fair.get("quality", []),
                    "item_exposure": fair.get("item_exposure") or [],
                    "item_group": (fair["method"].get("item_group") or "item"),
                    "mitigation": fair.get("mitigation"), "task": doc["model"]["task"]}
    ivs = doc["model"].get("metric_intervals") or {}
    metrics = []
    for k, v in (doc["model"].get("metrics") or {}).items():
        iv = ivs.get(k)
        metrics.append({"name": k, "value": f"{v:.4f}" if isinstance(v, float) else v,
                        "interval": f"{iv[0]:.4f} to {iv[1]:.4f}" if iv else
                        ("exact count" if isinstance(v, int) else "not computed")})
    prov = doc["provenance"]
    rd = doc.get("readability") or {}
    provenance = [("created at", prov["created_at"]), ("random seed", prov["random_state"]),
                  ("command line", prov.get("command") or "Python API (no command line)"),
                  (f"data fingerprint (SHA-256 of {doc['data'].get('sha256_of', 'data')})", doc["data"]["sha256"]),
                  ("platform", prov.get("platform", "n/a"))]
    provenance += [(f"version of {k}", v) for k, v in prov["versions"].items()]
    if rd.get("library"):
        provenance.append(("readability library", f"{rd['library'].get('name')} {rd['library'].get('version')}"))
    provenance += [("audit.json schema", doc["schema_version"])]
    if doc.get("comparison"):
        provenance.append(("compared with the audit of", doc["comparison"]["previous_date"]))
    opts = doc["options"]
    methods = [
        f"Attributions: {ex.get('algorithm')} on {ex.get('rows_explained')} sampled rows; unit {unit}. "
        "Engineered columns are mapped back to raw columns by perturbation and summed."
        if has_model else "Attributions, influence shares, proxies and minimisation: not assessed: no model. "
        f"This audit reads logged decisions from the column {doc['model'].get('predictions')!r}"
        + (f" (decision: score >= {doc['model']['threshold']})." if doc["model"].get("threshold") is not None
           else "."),
        "Share of influence: mean absolute attribution per column divided by the total; intervals from a "
        f"bootstrap over explained rows ({opts.get('n_boot')} resamples).",
        "Model metrics: intervals from a percentile bootstrap over customers (recommenders) or rows "
        f"({opts.get('n_boot')} resamples).",
        "Group metrics use fairlearn's definitions, computed from per-group confusion counts and checked against "
        "fairlearn's MetricFrame; intervals from a stratified bootstrap of counts.",
        f"Groups under {opts.get('min_group_size')} "
        f"{((doc.get('fairness') or {}).get('method') or {}).get('group_size_unit', 'rows')} are too few to judge "
        "and never enter a disparity (a recommender's groups are counted in customers, not customer x item rows).",
        "Proxies: each input alone predicts the sensitive attribute in cross-validation; the AUC says how much "
        "it reveals, not whether the model uses that link. Where the attribute is not a model input, the gap "
        "in mean model output between each group and the rest is split by additivity of the attributions; "
        "the part carried by a flagged input is the difference in its mean attribution.",
        "Mitigation comparison: fairlearn's ThresholdOptimizer is fitted on a random half of the rows (within "
        "each group and outcome) and measured with the current decisions on the other half. It is a "
        "comparison only; it was not applied to the model. Recommenders are not assessed this way.",
        "Re-identification: customers (one row each) are grouped by their quasi-identifier values; k is the "
        "smallest group, l the fewest distinct sensitive values in a group. Generalisation steps are chosen "
        "greedily, each the coarsening that raises k most. Only counts are reported, never values.",
        "Membership inference: loss-threshold attack (Yeom et al., 2018); each training and held-out customer "
        "(or row) is scored by the mean log-probability the model gives to their true outcomes; the attack AUC "
        "and its bootstrap interval compare equal numbers of each.",
        _refit_method(doc.get("minimisation")),
        "Columns that hold one value per item (catalogue facts) are product data, not data about the customer.",
        "Readability of the disclosure: Flesch-Kincaid grade and Flesch reading ease per section, on the prose "
        "a reader sees (paragraphs and list items); contact lists, tables and charts are not scored.",
    ]
    if not has_model:
        methods.pop(1)  # no influence shares without a model
    limitations = [  # this audit's own warnings first
        *(doc.get("warnings") or []),
        "Attributions describe this model on these rows, not causes in the world.",
        "A low share does not prove a column is harmless: a column can matter through another one (see proxies).",
        "Group results depend on the outcome data, which may carry past differences between groups.",
        "Intervals cover sampling variation of the audited rows only, not changes in the population over time.",
        "Groups that were not recorded (for example disability) could not be assessed.",
    ]
    by_sev = []
    for sev in ("high", "medium", "low", "info"):
        fs = [f for f in doc["findings"] if f["severity"] == sev]
        if fs:
            by_sev.append({"severity": sev, "findings": fs})
    return {
        "title": doc["model"].get("type", "model"),
        "model": doc["model"], "data": doc["data"], "unit": unit,
        "n_inputs": len(doc["model"]["input_columns"]), "metrics": metrics,
        "findings": doc["findings"], "findings_by_severity": by_sev, "categories": cats, "columns": doc["features"],
        "category_chart": chart, "category_chart_alt": alt,
        "explained": ex.get("rows_explained"), "algorithm": ex.get("algorithm"),
        "additivity": f"{ex.get('max_additivity_error', 0.0):.1e} {unit}",
        "ci_pct": "95%", "dependence": dependence, "fairness": fairness,
        "proxies": doc["proxies"], "proxy_threshold": opts.get("proxy_threshold"),
        "proxy_flow": (doc.get("proxy_flow") or {}).get("table") or [], "has_model": has_model,
        "minimisation": (doc.get("minimisation") or {}).get("columns") or [],
        "minimisation_categories": (doc.get("minimisation") or {}).get("categories") or [],
        "refit_metric": (((doc.get("minimisation") or {}).get("method") or {}).get("refit") or {}).get("metric"),
        "refit_summary": _refit_method(doc.get("minimisation")),
        "methods": methods, "limitations": limitations, "provenance": provenance,
        "comparison": doc.get("comparison"), "readability": rd, "gaps": doc.get("gaps") or [],
        "privacy": _privacy_context(doc),
        "performance": _performance_context(doc),
    }


_PERF_NAMES = {
    "roc_auc": "area under the ROC curve", "average_precision": "average precision", "brier_score": "Brier score",
    "true_positive_rate": "true positive rate", "true_negative_rate": "true negative rate",
    "false_positive_rate": "false positive rate", "false_negative_rate": "false negative rate",
    "precision": "precision", "negative_predictive_value": "negative predictive value",
    "false_discovery_rate": "false discovery rate", "false_omission_rate": "false omission rate",
    "predicted_positive_rate": "predicted positive rate", "prevalence": "prevalence",
    "catalogue_coverage": "catalogue coverage",
}


def _performance_context(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Performance, curves and error slices for audit.html, from audit.json (aggregates only)."""
    from ._figures import curve_chart

    perf = doc.get("performance")
    slices = doc.get("error_slices")
    if perf is None and slices is None:
        return None
    out: dict[str, Any] = {"overall": [], "charts": [], "groups": [], "disparities": [], "slices": None}
    if perf is not None:
        def name(m: str) -> str:
            base = m.rsplit("_at_", 1)
            return (_PERF_NAMES.get(m) or (base[0].replace("_", " ") + f" at {base[1]}" if len(base) == 2
                                           else m.replace("_", " ")))

        out["task"] = perf["task"]
        out["method"] = perf["method"]
        out["reference_groups"] = perf["reference_groups"]
        out["overall"] = [{"name": name(k), **v} for k, v in perf["overall"].items()]
        curves = perf.get("curves") or {}
        if curves.get("roc"):
            roc = curves["roc"]
            out["charts"].append({"title": "ROC curve", "uri": curve_chart(roc["fpr"], roc["tpr"],
                                                                           xlabel="false positive rate",
                                                                           ylabel="true positive rate", diagonal=True),
                                  "alt": "ROC curve: true positive rate against false positive rate; the points "
                                         "follow in a table.",
                                  "columns": ["false positive rate", "true positive rate"],
                                  "rows": list(zip(roc["fpr"], roc["tpr"]))[:: max(1, len(roc["fpr"]) // 20)]})
        if curves.get("pr"):
            pr = curves["pr"]
            out["charts"].append({"title": "Precision-recall curve",
                                  "uri": curve_chart(pr["recall"], pr["precision"], xlabel="recall",
                                                     ylabel="precision"),
                                  "alt": "Precision against recall; the points follow in a table.",
                                  "columns": ["recall", "precision"],
                                  "rows": list(zip(pr["recall"], pr["precision"]))[:: max(1, len(pr["recall"]) // 20)]})
        if curves.get("calibration"):
            cal = curves["calibration"]
            out["charts"].append({"title": "Reliability (calibration)",
                                  "uri": curve_chart([c["mean_score"] for c in cal], [c["observed"] for c in cal],
                                                     xlabel="mean score in the bin", ylabel="observed rate",
                                                     diagonal=True),
                                  "alt": "Observed rate against mean score in ten bins of equal size; the bins "
                                         "follow in a table.",
                                  "columns": ["mean score", "observed rate", "interval", "rows"],
                                  "rows": [(c["mean_score"], c["observed"], (c["ci_low"], c["ci_high"]), c["n"])
                                           for c in cal]})
        shown = {"roc_auc", "true_positive_rate", "false_positive_rate", "precision", "predicted_positive_rate"}
        for r in perf["by_group"]:
            if r["too_few_to_judge"]:
                out["groups"].append({**r, "name": "too few to judge"})
            elif perf["task"] == "ranking" or r["metric"] in shown:
                out["groups"].append({**r, "name": name(str(r["metric"]))})
        out["disparities"] = [{**d, "name": name(str(d["metric"]))} for d in perf["disparities"]
                              if d["p_adjusted"] is not None and d["p_adjusted"] <= 0.05]
    if slices is not None:
        out["slices"] = {"unit": slices["unit"], "overall": slices["overall_rate"], "method": slices["method"],
                         "tested": len(slices["slices"]),
                         "rows": [s for s in slices["slices"] if s["reported"]][: slices["method"].get("show", 5)]}
    return out


def _privacy_context(doc: dict[str, Any]) -> dict[str, Any]:
    """Re-identification and membership inference blocks of audit.html, from audit.json."""
    priv = doc.get("privacy") or {}
    reid = priv.get("reidentification")
    member = priv.get("membership_inference")
    opts = doc.get("options") or {}
    out: dict[str, Any] = {"reid": None, "member": member, "k_anonymity": opts.get("k_anonymity"),
                           "qi_from": opts.get("quasi_identifiers_from")}
    if reid:
        def pct1(v: float) -> str:
            return f"{v * 100:.1f}%"

        stages = [{"step": "as collected", "k": reid["k"], "unique": pct1(reid["unique_share"]),
                   "below": pct1(reid["share_below_threshold"]), "classes": reid["n_classes"]}]
        for st in reid["suggestions"]:
            stages.append({"step": "then " + st["description"], "k": st["k_after"],
                           "unique": pct1(st["unique_share_after"]),
                           "below": pct1(st["share_below_threshold_after"]), "classes": st["n_classes_after"]})
        out["reid"] = {**reid, "stages": stages,
                       "sizes": [(c["class_size"], c["n_classes"]) for c in reid["class_size_distribution"][:10]],
                       "n_sizes": len(reid["class_size_distribution"])}
    if member and member.get("available"):
        out["member_auc"] = _fmt_ci(member["auc"], *member["auc_interval"])
        out["member_adv"] = _fmt_ci(member["advantage"], *member["advantage_interval"])
    return out


def _refit_method(mini: dict[str, Any] | None) -> str:
    """One sentence on how drop-column importance was measured, or why it was not."""
    if not mini:
        return "Data minimisation: not assessed, as there is no model."
    r = (mini.get("method") or {}).get("refit") or {}
    if r.get("status") != "run":
        return ("Data minimisation: no refit was run (" + str(r.get("reason") or "no reason recorded")
                + "), so verdicts on inputs rely on the share of influence alone.")
    units = r.get("customers") or r.get("units")
    return (f"Data minimisation: the model was refitted without each input and each data category "
            f"({r.get('refit_by')}), on the same {r.get('n_folds')} cross-validation folds "
            f"({r.get('folds')}) of {r.get('rows')} training rows ({units} "
            f"{'customers' if r.get('customers') else 'rows'}); the change in {r.get('metric')} is "
            f"shown with a {r.get('interval')} interval ({r.get('n_boot')} resamples). A column is dropped when "
            f"the interval covers no loss of {mini['method'].get('small_loss')} or more, kept when the loss is "
            "measurable and at least that, and reviewed otherwise.")


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def render_audit(doc: dict[str, Any]) -> str:
    """Render audit.html from an audit.json document."""
    return _env().get_template("audit.html.j2").render(r=_audit_context(doc))


def prepare_document(audit: Audit | dict[str, Any], *, config: Any = None,
                     previous: Any = None) -> tuple[dict[str, Any], Any]:
    """The audit.json document to render, with the publisher facts and the comparison recorded.

    ``previous`` is an earlier audit.json (path or dict) of the same system; ``config`` a
    :class:`DisclosureConfig`, a path to disclosure.yaml or None (the facts already recorded).
    Returns ``(doc, config)``.
    """
    from ._compare import compare_audits, read_audit_json

    doc = dict(audit) if isinstance(audit, dict) else audit.to_dict()
    cfg = _config_for(doc, config)
    doc["publisher"] = cfg.to_dict()
    if previous is not None:
        prev = previous if isinstance(previous, dict) else read_audit_json(previous, param="previous")
        doc["comparison"] = compare_audits(prev, doc)
    return doc, cfg


def write_reports(audit: Audit | dict[str, Any], out: str | os.PathLike[str], *, force: bool = False,
                  config: Any = None, previous: Any = None) -> dict[str, Any]:
    """Write disclosure.html, audit.html and audit.json into ``out``, whole or not at all.

    Parameters
    ----------
    audit : Audit or dict
        An :class:`~explainer.Audit`, or an audit.json document (re-rendering without
        recomputing).
    out : path
        The report folder. It is built in a temporary sibling and moved into place whole.
    force : bool, default=False
        Replace a report already in ``out``.
    config : DisclosureConfig, path or None, default=None
        Publisher facts (``disclosure.yaml``). None uses the facts recorded in an
        audit.json document, if any; missing facts are gaps.
    previous : path or dict, default=None
        The audit.json of an earlier audit of the same system: the reports gain a
        "what changed" section and audit.json records the comparison.

    Returns
    -------
    dict
        ``paths`` written, the ``readability`` report and the ``gaps``.
    """
    from .._outputs import ReportDir

    doc, cfg = prepare_document(audit, config=config, previous=previous)
    with ReportDir(out, force=force) as tmp:
        doc = write_report_files(doc, tmp, config=cfg)
    root = Path(out)
    return {"paths": [root / "disclosure.html", root / "audit.html", root / "audit.json"],
            "readability": doc["_readability"], "gaps": doc["gaps"]}


def write_report_files(doc: dict[str, Any], folder: Path, *, config: Any = None) -> dict[str, Any]:
    """Render the three files of one audit into an existing ``folder`` (no atomicity here).

    Returns the document as written (with ``readability`` and ``gaps``), plus the
    :class:`ReadabilityReport` under the private key ``_readability`` (not written).
    """
    import json

    disclosure, readability, gaps = render_disclosure(doc, config)
    doc = {**doc, "readability": readability.to_dict(), "gaps": gaps}
    (folder / "disclosure.html").write_text(disclosure, encoding="utf-8")
    (folder / "audit.html").write_text(render_audit(doc), encoding="utf-8")
    (folder / "audit.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {**doc, "_readability": readability}
