"""Render audit results into self-contained HTML files and audit.json. Rendering only."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..findings import category_label, column_label
from ._phrases import GAP_TEXT, HEADINGS, UNITS, say

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["render_disclosure", "render_audit", "write_reports", "section_texts"]

_SECTIONS = [  # (key, DISCLOSURE.md section, first layer)
    ("who", 1, True), ("what", 2, True), ("automation", 3, True), ("purposes", 4, True),
    ("data", 5, True), ("special", 6, False), ("parameters", 7, True), ("commercial", 8, False),
    ("controls", 9, True), ("meaning", 10, True), ("profile", 11, False), ("accuracy", 12, False),
    ("groups", 13, False), ("sharing", 14, False), ("rights", 15, True), ("version", 16, False),
    ("quality", 17, False),
]
FIRST_LAYER = frozenset(k for k, _, first in _SECTIONS if first) | {"summary"}


def _env() -> Any:
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
    env.globals.update(version=__version__, gap_text=GAP_TEXT, h=HEADINGS)
    return env


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.0f}%"


def _list_words(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- disclosure
def _disclosure_context(doc: dict[str, Any], cfg: Any) -> dict[str, Any]:
    from ._config import GAP

    g = cfg.get
    system = g("system.name")
    system_name = "our recommendation system" if system is GAP else str(system)
    used_cats, unused_cats = [], []
    rows = []
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for f in doc["features"]:
        if f["role"] in ("target",) or (f["role"] == "item" and not f["used_by_model"]):
            continue  # the outcome, and facts about the product rather than the customer
        by_cat.setdefault(f["category"], []).append(f)
    for cat, feats in by_cat.items():
        known = [f["used_by_model"] for f in feats if f["used_by_model"] is not None]
        used = any(known)
        if known:
            (used_cats if used else unused_cats).append(cat)
        sources = sorted({f["source"] for f in feats})
        rows.append({
            "label": category_label(cat).capitalize(),
            "examples": _list_words([column_label(f["column"]) for f in feats[:4]]),
            "source": "; ".join(say(f"source_{s}") for s in sources),
            "used": say("used_yes") if used else say("used_no") if known else say("used_unknown"),
            "sensitive": cat == "special_category",
        })
    unused = [m["column"] for m in (doc.get("minimisation") or {}).get("columns") or []
              if not m["is_input"] and m["verdict"] in ("drop", "review")]
    data_unused = []
    if unused:
        shown = unused[:6]
        data_unused.append(say("data_unused", labels=_list_words([column_label(c) for c in shown]),
                               them="it" if len(shown) == 1 else "them"))
        if len(unused) > len(shown):
            more = len(unused) - len(shown)
            data_unused.append(say("data_unused_more", n=more, kinds="kind" if more == 1 else "kinds"))
    params = []
    for p in doc["main_parameters"]:
        if p["importance_share"] is None or p["importance_share"] < 0.005:
            continue
        reason = say("item_reason") if p["category"] == "item" else g(f"category_rationale.{p['category']}")
        params.append({"label": category_label(p["category"]).capitalize(),
                       "pct": _pct(p["importance_share"]),
                       "range": f"{_pct(p['ci'][0])} to {_pct(p['ci'][1])}",
                       "sentence": say("parameter_row", label=category_label(p["category"]).capitalize(),
                                       pct=_pct(p["importance_share"])),
                       "reason": reason})
    chart = alt = None
    if params:
        from ._figures import bar_chart

        chart = bar_chart([p["label"] for p in params],
                          [q["importance_share"] for q in doc["main_parameters"][: len(params)]])
        alt = "Bar chart of what decides the order: " + "; ".join(f"{p['label']} {p['pct']}" for p in params) + "."
    top = _list_words([p["label"].lower() for p in params[:2]]) or "not measured"

    surfaces = g("system.surfaces")
    fully = g("automation.fully_automated")
    purposes = g("purposes")
    if purposes is not GAP:
        purposes = [{"purpose": pp.purpose or GAP, "legal_basis": pp.legal_basis or GAP,
                     "categories": _list_words([category_label(c) for c in (pp.data_categories or ())])}
                    for pp in purposes]
    controls = g("controls")
    sharing = g("sharing")
    if sharing not in (GAP, "none"):
        sharing = [{"recipient": s.recipient or GAP, "purpose": s.purpose or GAP,
                    "categories": _list_words([category_label(c) for c in (s.categories or ())])} for s in sharing]
    commercial = g("commercial_influence.affects_ranking")
    special = []
    for f in doc["features"]:
        if f["category"] == "special_category":
            key = ("special_unknown" if f["used_by_model"] is None
                   else "special_input" if f["used_by_model"] else "special_testing")
            special.append(say(key, label=column_label(f["column"])))
    accuracy = []
    m = doc["model"].get("metrics") or {}
    task, k = doc["model"]["task"], doc["model"].get("k")
    if task == "ranking" and m:
        accuracy.append(say("accuracy_ranking", n=m.get("users_evaluated"), k=k, hit=_pct(m.get(f"hit_rate_at_{k}"))))
    elif task == "binary" and m:
        accuracy.append(say("accuracy_binary", n=doc["data"]["rows"], acc=_pct(m.get("accuracy"))))
    groups = []
    fair = doc.get("fairness")
    if not fair:
        groups.append(say("groups_not_tested"))
    else:
        groups.append(say("groups_intro" if task == "ranking" else "groups_intro_binary"))
        flagged = sorted((g for g in fair["exposure_gaps"] if g["flagged"] and g["ratio_ci_high"] < 0.8),
                         key=lambda g: g["ratio"])
        rate_gaps = [] if task == "ranking" else [
            say("groups_rate_gap", feature=column_label(name), ratio=_pct(d["value"]))
            for name in fair["sensitive_features"] for d in fair["by_feature"][name]["disparities"]
            if d["measure"] == "demographic_parity_ratio" and d["ci_high"] is not None and d["ci_high"] < 0.8]
        if not flagged and not rate_gaps:
            groups.append(say("groups_none"))
        groups.extend(rate_gaps)
        for r in flagged[:5]:
            groups.append(say("groups_gap", item=str(r["item"]).capitalize(), low_group=r["low_group"],
                              feature=column_label(str(r["feature"])), low_rate=_pct(r["low_rate"]),
                              high_rate=_pct(r["high_rate"]), high_group=r["high_group"]))
        groups.append(say("groups_small", n=doc["options"]["min_group_size"]))
    for r in doc.get("proxies") or []:
        if r["flagged"]:
            groups.append(say("proxy", column=column_label(str(r["column"])),
                              sensitive=column_label(str(r["sensitive_feature"]))))
    retention = []
    for cat in by_cat:
        retention.append({"label": category_label(cat).capitalize(), "period": g(f"retention.{cat}")})
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
        privacy.append(say("privacy_member_none" if member["level"] == "none" else "privacy_member_some"))
    special_use = g("special_categories_use") if any(f["category"] == "special_category" for f in doc["features"]) else None
    return {
        "system_name": system_name,
        "summary_intro": say("summary_intro", system=system_name),
        "summary_data": (say("summary_data", n_used=len(used_cats), top=top) if used_cats or unused_cats
                         else say("summary_data_unknown")),
        "summary_unused": say("summary_unused", n_unused=len(unused_cats)) if unused_cats else "",
        "sections": [{"key": k, "heading": HEADINGS[k]} for k, _, _ in _SECTIONS],
        "surfaces": surfaces if surfaces is GAP else say("surfaces", surfaces=_list_words(list(surfaces))),
        "automated": fully if fully is GAP else say("automated_yes" if fully else "automated_no"),
        "purposes": purposes,
        "data_intro": say("data_intro"),
        "data_rows": rows,
        "privacy": privacy,
        "data_unused": data_unused,
        "special": special or [say("special_none")],
        "special_use": special_use,
        "parameters_intro": say("parameters_intro"),
        "parameters": params,
        "parameter_unit": UNITS.get((doc.get("explanation") or {}).get("unit", ""), "the model's score"),
        "parameter_chart": chart,
        "parameter_chart_alt": alt,
        "commercial": commercial if commercial is GAP else say("commercial_yes" if commercial else "commercial_no"),
        "controls": controls,
        "controls_none": say("controls_none"),
        "accuracy": accuracy or ["Not measured: no outcomes were given."],
        "groups": groups,
        "sharing": sharing,
        "retention": retention,
        "rights_intro": say("rights_intro"),
        "version_text": say("version", date=doc["provenance"]["created_at"][:10], rows=doc["data"]["rows"]),
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


def render_disclosure(doc: dict[str, Any], config: Any = None) -> tuple[str, Any, list[str]]:
    """Render disclosure.html from an audit.json document; returns (html, readability, gaps)."""
    from ._config import DisclosureConfig
    from ._readability import measure_sections

    cfg = config if config is not None else DisclosureConfig.empty()
    ctx = _disclosure_context(doc, cfg)
    env = _env()
    tpl = env.get_template("disclosure.html.j2")
    draft = tpl.render(d=ctx, g=cfg.get, readability=None)
    texts = {k: v for k, v in section_texts(draft).items() if k != "quality"}
    report = measure_sections(texts, first_layer=[k for k in texts if k in FIRST_LAYER])
    rows = []
    for name, s in report.sections.items():
        rows.append({"section": HEADINGS.get(name, "Summary"), "grade": f"{s.fk_grade:.1f}",
                     "ease": f"{s.reading_ease:.0f}", "words": s.words,
                     "wps": f"{s.mean_sentence_words:.1f}", "seconds": f"{s.reading_time_s:.0f}"})
    lib = report.library
    html = tpl.render(d=ctx, g=cfg.get, readability={"library": f"{lib['name']} {lib['version']}", "rows": rows})
    gaps = cfg.gaps(categories=ctx["categories"])
    return html, report, gaps


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
            metrics = [m for m in wanted if m in present]
            groups = [{"group": g["group"], "n": g["n"], "too_few": g["too_few_to_judge"],
                       "cells": {m: _fmt_ci(g["metrics"][m]["value"], *g["metrics"][m]["ci"]) for m in metrics
                                 if m in g["metrics"]}} for g in block["groups"]]
            feats.append({"name": name, "metrics": metrics, "groups": groups, "disparities": block["disparities"]})
        fairness = {"features": feats, "min_group_size": doc["options"]["min_group_size"],
                    "interval": fair["method"].get("exposure_interval", "bootstrap"),
                    "mf_diff": fair.get("metricframe_max_abs_diff"),
                    "gaps": fair.get("exposure_gaps", []), "quality": fair.get("quality", []),
                    "item_exposure": fair.get("item_exposure") or [],
                    "item_group": (fair["method"].get("item_group") or "item"),
                    "mitigation": fair.get("mitigation"), "task": doc["model"]["task"]}
    metrics = [(k, f"{v:.4f}" if isinstance(v, float) else v) for k, v in (doc["model"].get("metrics") or {}).items()]
    prov = doc["provenance"]
    provenance = [("created at", prov["created_at"]), ("random seed", prov["random_state"]),
                  ("command", prov.get("command") or "Python API")]
    provenance += [(f"version of {k}", v) for k, v in prov["versions"].items()]
    provenance += [("audit.json schema", doc["schema_version"])]
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
        "Group metrics use fairlearn's definitions, computed from per-group confusion counts and checked against "
        "fairlearn's MetricFrame; intervals from a stratified bootstrap of counts.",
        f"Groups under {opts.get('min_group_size')} rows are too few to judge and never enter a disparity.",
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
        "Limitations: attributions describe this model on these rows, not causes in the world. A low share "
        "does not prove a column is harmless, and group results depend on the outcome data, which may carry "
        "past differences.",
    ]
    if not has_model:
        methods.pop(1)  # no influence shares without a model
    return {
        "title": doc["model"].get("type", "model"),
        "model": doc["model"], "data": doc["data"], "unit": unit,
        "n_inputs": len(doc["model"]["input_columns"]), "metrics": metrics,
        "findings": doc["findings"], "categories": cats, "columns": doc["features"],
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
        "methods": methods, "provenance": provenance,
        "privacy": _privacy_context(doc),
    }


def _privacy_context(doc: dict[str, Any]) -> dict[str, Any]:
    """Re-identification and membership inference blocks of audit.html, from audit.json."""
    priv = doc.get("privacy") or {}
    reid = priv.get("reidentification")
    member = priv.get("membership_inference")
    opts = doc.get("options") or {}
    out: dict[str, Any] = {"reid": None, "member": member, "k_anonymity": opts.get("k_anonymity"),
                           "qi_from": opts.get("quasi_identifiers_from")}
    if reid:
        pct1 = lambda v: f"{v * 100:.1f}%"  # noqa: E731
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
    return x if x == x else None


def render_audit(doc: dict[str, Any]) -> str:
    """Render audit.html from an audit.json document."""
    return _env().get_template("audit.html.j2").render(r=_audit_context(doc))


def write_reports(audit: Audit | dict[str, Any], out: str | os.PathLike[str], *, force: bool = False,
                  config: Any = None) -> dict[str, Any]:
    """Write disclosure.html, audit.html and audit.json into ``out``, whole or not at all.

    ``audit`` is an :class:`~explainer.Audit` or an audit.json document (re-rendering
    without recomputing). Returns the paths written, the readability report and the gaps.
    """
    import json

    from .._io import ReportDir
    from ._config import DisclosureConfig

    doc = audit if isinstance(audit, dict) else audit.to_dict()
    if config is not None and not isinstance(config, DisclosureConfig):
        config = DisclosureConfig.from_yaml(config)
    with ReportDir(out, force=force) as tmp:
        disclosure, readability, gaps = render_disclosure(doc, config)
        (tmp / "disclosure.html").write_text(disclosure, encoding="utf-8")
        (tmp / "audit.html").write_text(render_audit(doc), encoding="utf-8")
        doc = {**doc, "readability": readability.to_dict(), "gaps": gaps}
        (tmp / "audit.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    root = Path(out)
    return {"paths": [root / "disclosure.html", root / "audit.html", root / "audit.json"],
            "readability": readability, "gaps": gaps}
