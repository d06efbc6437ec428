"""The reviewer report (audit.html): its tables, charts, methods and limitations, from the plain
audit.json document. Rendering only; nothing is recomputed."""

from __future__ import annotations

from typing import Any

from ._words import fmt_ci

__all__ = ["audit_context"]


def audit_context(doc: dict[str, Any]) -> dict[str, Any]:
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
                       "cells": {m: fmt_ci(g["metrics"][m]["value"], *g["metrics"][m]["ci"]) for m in feat_metrics
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
        out["member_auc"] = fmt_ci(member["auc"], *member["auc_interval"])
        out["member_adv"] = fmt_ci(member["advantage"], *member["advantage_interval"])
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
