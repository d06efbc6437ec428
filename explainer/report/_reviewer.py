"""The reviewer report (audit.html): its tables, charts, methods and limitations, from the plain
audit.json document. Rendering only; nothing is recomputed."""

from __future__ import annotations

from typing import Any

from ._reviewer_phrases import LIMITATIONS, PERF_NAMES, reviewer_say
from ._words import fmt_ci

__all__ = ["audit_context"]


def audit_context(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything audit.html shows, from a plain audit.json document."""
    ex = doc.get("explanation") or {}
    unit = ex.get("unit", "n/a")
    cats = doc["categories"]
    chart, alt = _category_chart(cats)
    has_model = doc["model"].get("type") != "decision log"
    mini = doc.get("minimisation") or {}
    opts = doc["options"]
    return {
        "title": doc["model"].get("type", "model"),
        "model": doc["model"], "data": doc["data"], "unit": unit,
        "n_inputs": len(doc["model"]["input_columns"]), "metrics": _metric_rows(doc["model"]),
        "findings": doc["findings"], "findings_by_severity": _findings_by_severity(doc["findings"]),
        "categories": cats, "columns": doc["features"],
        "category_chart": chart, "category_chart_alt": alt,
        "explained": ex.get("rows_explained"), "algorithm": ex.get("algorithm"),
        "additivity": f"{ex.get('max_additivity_error', 0.0):.1e} {unit}",
        "ci_pct": "95%", "dependence": _dependence(ex.get("dependence") or {}, unit),
        "fairness": _fairness(doc),
        "proxies": doc["proxies"], "proxy_threshold": opts.get("proxy_threshold"),
        "proxy_flow": (doc.get("proxy_flow") or {}).get("table") or [], "has_model": has_model,
        "minimisation": mini.get("columns") or [],
        "minimisation_categories": mini.get("categories") or [],
        "refit_metric": ((mini.get("method") or {}).get("refit") or {}).get("metric"),
        "refit_summary": _refit_method(doc.get("minimisation")),
        "methods": _methods(doc, has_model=has_model), "limitations": _limitations(doc),
        "provenance": _provenance(doc),
        "comparison": doc.get("comparison"), "readability": doc.get("readability") or {}, "gaps": doc.get("gaps") or [],
        "privacy": _privacy_context(doc),
        "performance": _performance_context(doc),
    }


def _category_chart(cats: list[dict[str, Any]]) -> tuple[str | None, str]:
    """The bar chart of the share of influence per data category, and its text alternative."""
    from ._figures import bar_chart

    chart = bar_chart([c["category"] for c in cats], [c["importance_share"] for c in cats],
                      [c["ci_low"] for c in cats], [c["ci_high"] for c in cats]) if cats else None
    alt = reviewer_say("category_chart_alt",
                       bars="; ".join(f"{c['category']} {c['importance_share'] * 100:.1f}%" for c in cats))
    return chart, alt


def _dependence(tables: dict[str, list[dict[str, Any]]], unit: str) -> list[dict[str, Any]]:
    """Per explained column: its dependence table (binned means, no rows) and chart."""
    if not tables:
        return []
    import pandas as pd

    from ._figures import dependence_chart

    return [{"column": col, "table": table, "chart": dependence_chart(pd.DataFrame(table), column=col, unit=unit)}
            for col, table in tables.items()]


#: Group metrics shown side by side in the reviewer report, when present.
_GROUP_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "accuracy", "mean_score")


def _fairness_feature(name: str, block: dict[str, Any]) -> dict[str, Any]:
    """One sensitive feature's table: each group's size and metrics with intervals, and its disparities."""
    present = {m for g in block["groups"] for m in g["metrics"]}
    feat_metrics = [m for m in _GROUP_METRICS if m in present]
    groups = [{"group": g["group"], "n": g["n"], "too_few": g["too_few_to_judge"],
               "cells": {m: fmt_ci(g["metrics"][m]["value"], *g["metrics"][m]["ci"]) for m in feat_metrics
                         if m in g["metrics"]}} for g in block["groups"]]
    return {"name": name, "metrics": feat_metrics, "groups": groups, "disparities": block["disparities"]}


def _fairness(doc: dict[str, Any]) -> dict[str, Any] | None:
    fair = doc.get("fairness")
    if not fair:
        return None
    method = fair["method"]
    return {"features": [_fairness_feature(name, block) for name, block in fair["by_feature"].items()],
            "min_group_size": doc["options"]["min_group_size"],
            "unit": method.get("group_size_unit", "rows"),
            "interval": method.get("exposure_interval", "bootstrap"),
            "mf_diff": fair.get("metricframe_max_abs_diff"),
            "gaps": fair.get("exposure_gaps", []), "quality": fair.get("quality", []),
            "item_exposure": fair.get("item_exposure") or [],
            "item_group": (method.get("item_group") or "item"),
            "mitigation": fair.get("mitigation"), "task": doc["model"]["task"]}


def _metric_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The model's metrics with their intervals, in words where there is none."""
    ivs = model.get("metric_intervals") or {}
    rows = []
    for k, v in (model.get("metrics") or {}).items():
        iv = ivs.get(k)
        rows.append({"name": k, "value": f"{v:.4f}" if isinstance(v, float) else v,
                     "interval": f"{iv[0]:.4f} to {iv[1]:.4f}" if iv else
                     ("exact count" if isinstance(v, int) else "not computed")})
    return rows


def _provenance(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """Where, when and with what the audit ran: (label, value) rows."""
    prov = doc["provenance"]
    rd = doc.get("readability") or {}
    rows = [("created at", prov["created_at"]), ("random seed", prov["random_state"]),
            ("command line", prov.get("command") or "Python API (no command line)"),
            (f"data fingerprint (SHA-256 of {doc['data'].get('sha256_of', 'data')})", doc["data"]["sha256"]),
            ("platform", prov.get("platform", "n/a"))]
    rows += [(f"version of {k}", v) for k, v in prov["versions"].items()]
    if rd.get("library"):
        rows.append(("readability library", f"{rd['library'].get('name')} {rd['library'].get('version')}"))
    rows += [("audit.json schema", doc["schema_version"])]
    if doc.get("comparison"):
        rows.append(("compared with the audit of", doc["comparison"]["previous_date"]))
    return rows


def _methods(doc: dict[str, Any], *, has_model: bool) -> list[str]:
    """How each number was measured, one paragraph per analysis."""
    ex = doc.get("explanation") or {}
    opts = doc["options"]
    model = doc["model"]
    unit = ((doc.get("fairness") or {}).get("method") or {}).get("group_size_unit", "rows")
    first = (reviewer_say("method_attributions", algorithm=ex.get("algorithm"), rows=ex.get("rows_explained"),
                          unit=ex.get("unit", "n/a")) if has_model else
             reviewer_say("method_no_model", predictions=repr(model.get("predictions")),
                          threshold=(reviewer_say("method_threshold", threshold=model["threshold"])
                                     if model.get("threshold") is not None else ".")))
    shares = [reviewer_say("method_share", n_boot=opts.get("n_boot"))] if has_model else []  # no shares without a model
    return [first, *shares, reviewer_say("method_metrics", n_boot=opts.get("n_boot")), reviewer_say("method_groups"),
            reviewer_say("method_group_size", min_group_size=opts.get("min_group_size"), unit=unit),
            *(reviewer_say(k) for k in ("method_proxies", "method_mitigation", "method_reidentification",
                                        "method_membership")),
            _refit_method(doc.get("minimisation")), reviewer_say("method_items"), reviewer_say("method_readability")]


def _limitations(doc: dict[str, Any]) -> list[str]:
    """What the numbers cannot say: this audit's own warnings first."""
    return [*(doc.get("warnings") or []), *LIMITATIONS]


def _findings_by_severity(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for sev in ("high", "medium", "low", "info"):
        fs = [f for f in findings if f["severity"] == sev]
        if fs:
            out.append({"severity": sev, "findings": fs})
    return out


def _perf_name(m: str) -> str:
    """A performance metric in words: ``hit_rate_at_5`` is "hit rate at 5"."""
    base = m.rsplit("_at_", 1)
    return (PERF_NAMES.get(m) or (base[0].replace("_", " ") + f" at {base[1]}" if len(base) == 2
                                   else m.replace("_", " ")))


def _curve_charts(curves: dict[str, Any]) -> list[dict[str, Any]]:
    """ROC, precision-recall and reliability charts, each with its points as a table."""
    from ._figures import curve_chart

    out = []
    if curves.get("roc"):
        roc = curves["roc"]
        out.append({"title": "ROC curve", "uri": curve_chart(roc["fpr"], roc["tpr"], xlabel="false positive rate",
                                                              ylabel="true positive rate", diagonal=True),
                    "alt": reviewer_say("roc_alt"),
                    "columns": ["false positive rate", "true positive rate"],
                    "rows": list(zip(roc["fpr"], roc["tpr"]))[:: max(1, len(roc["fpr"]) // 20)]})
    if curves.get("pr"):
        pr = curves["pr"]
        out.append({"title": "Precision-recall curve",
                    "uri": curve_chart(pr["recall"], pr["precision"], xlabel="recall", ylabel="precision"),
                    "alt": reviewer_say("pr_alt"),
                    "columns": ["recall", "precision"],
                    "rows": list(zip(pr["recall"], pr["precision"]))[:: max(1, len(pr["recall"]) // 20)]})
    if curves.get("calibration"):
        cal = curves["calibration"]
        out.append({"title": "Reliability (calibration)",
                    "uri": curve_chart([c["mean_score"] for c in cal], [c["observed"] for c in cal],
                                       xlabel="mean score in the bin", ylabel="observed rate", diagonal=True),
                    "alt": reviewer_say("calibration_alt"),
                    "columns": ["mean score", "observed rate", "interval", "rows"],
                    "rows": [(c["mean_score"], c["observed"], (c["ci_low"], c["ci_high"]), c["n"]) for c in cal]})
    return out


def _performance_rows(perf: dict[str, Any]) -> dict[str, Any]:
    """Overall metrics, curves, per-group rows and the disparities that passed their test."""
    shown = {"roc_auc", "true_positive_rate", "false_positive_rate", "precision", "predicted_positive_rate"}
    groups = []
    for r in perf["by_group"]:
        if r["too_few_to_judge"]:
            groups.append({**r, "name": "too few to judge"})
        elif perf["task"] == "ranking" or r["metric"] in shown:
            groups.append({**r, "name": _perf_name(str(r["metric"]))})
    return {"task": perf["task"], "method": perf["method"], "reference_groups": perf["reference_groups"],
            "overall": [{"name": _perf_name(k), **v} for k, v in perf["overall"].items()],
            "charts": _curve_charts(perf.get("curves") or {}), "groups": groups,
            "disparities": [{**d, "name": _perf_name(str(d["metric"]))} for d in perf["disparities"]
                            if d["p_adjusted"] is not None and d["p_adjusted"] <= 0.05]}


def _performance_context(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Performance, curves and error slices for audit.html, from audit.json (aggregates only)."""
    perf = doc.get("performance")
    slices = doc.get("error_slices")
    if perf is None and slices is None:
        return None
    out: dict[str, Any] = {"overall": [], "charts": [], "groups": [], "disparities": [], "slices": None}
    if perf is not None:
        out.update(_performance_rows(perf))
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
        out["member_auc"] = fmt_ci(member["auc"], *member["auc_interval"])
        out["member_adv"] = fmt_ci(member["advantage"], *member["advantage_interval"])
    return out


def _refit_method(mini: dict[str, Any] | None) -> str:
    """One sentence on how drop-column importance was measured, or why it was not."""
    if not mini:
        return reviewer_say("refit_no_model")
    r = (mini.get("method") or {}).get("refit") or {}
    if r.get("status") != "run":
        return reviewer_say("refit_not_run", reason=str(r.get("reason") or "no reason recorded"))
    return reviewer_say("refit_run", refit_by=r.get("refit_by"), n_folds=r.get("n_folds"), folds=r.get("folds"),
                        rows=r.get("rows"), units=r.get("customers") or r.get("units"),
                        unit="customers" if r.get("customers") else "rows", metric=r.get("metric"),
                        interval=r.get("interval"), n_boot=r.get("n_boot"),
                        small_loss=mini["method"].get("small_loss"))
