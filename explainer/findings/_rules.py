"""Finding rules: when a measured result becomes a finding, one function per analysis.

Each rule reads one analysis's result and returns the :class:`Finding` objects it supports,
with the thresholds below as the only numbers that decide. :func:`audit_findings` runs every
rule and orders the findings by severity, code and columns. Results are read through their
attributes only (this stage imports no analysis), so a rule is the one place to change when a
threshold or a wording changes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._finding import Finding, Severity
from ._phrases import category_label, column_label, is_derived, name_item, phrase

__all__ = ["audit_findings", "minimisation_findings", "privacy_findings", "reidentification_findings",
           "membership_findings", "selection_rate_findings", "exposure_gap_findings", "item_exposure_findings",
           "proxy_findings", "proxy_flow_findings", "explanation_findings", "FOUR_FIFTHS"]

#: The four-fifths line of a ratio between groups (the same line as the group metrics'; a
#: contract test keeps the two equal).
FOUR_FIFTHS = 0.8
#: Re-identification: a share of unique customers at or above this is high severity; a share
#: below ``k_anonymity`` at or above it is medium.
REID_HIGH_UNIQUE_SHARE = 0.05
REID_MEDIUM_BELOW_SHARE = 0.05
#: Membership inference: severity per level of the attack's advantage.
MEMBERSHIP_SEVERITY = {"clear": Severity.HIGH, "some": Severity.MEDIUM, "slight": Severity.LOW}
#: Exposure gap: a ratio below this is high severity (else medium).
EXPOSURE_HIGH_RATIO = 0.5
#: Proxy flow: the adjusted p-value at most this, and the proxy's share of the gap at least this.
FLOW_P_ADJUSTED = 0.05
FLOW_MIN_SHARE = 0.25
#: Item exposure: medium severity when the whole interval of the ratio is below this (else low).
ITEM_EXPOSURE_MEDIUM_CI_HIGH = 0.8
#: Exact SHAP values off their additivity by more than this give ``model.additivity``.
ADDITIVITY_TOLERANCE = 1e-6
#: The default line under which an input "counts for very little" (minimisation's ``low_share``).
LOW_SHARE = 0.01
#: Data categories that identify a person on their own.
IDENTIFYING = ("direct_identifier", "contact")

_ORDER = {s: i for i, s in enumerate(["high", "medium", "low", "info"])}


def _pct(v: float) -> str:
    return f"{v:.1%}"


def _plain_items(r: Any) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}


def reidentification_findings(reid: Any, unit: str) -> list[Finding]:
    """``privacy.reidentification_risk`` when the smallest class is below ``k_anonymity``."""
    code = "privacy.reidentification_risk"
    if reid is None or reid.k >= reid.k_threshold:
        return []
    if reid.unique_share >= REID_HIGH_UNIQUE_SHARE:
        sev = Severity.HIGH
    elif reid.unique_share > 0 or reid.share_below_threshold >= REID_MEDIUM_BELOW_SHARE:
        sev = Severity.MEDIUM
    else:
        sev = Severity.LOW
    l_one = [c for c, v in reid.l_diversity.items() if v <= 1]
    l_text = phrase(code, "l_diversity", sensitive=" and ".join(l_one)) if l_one else ""
    steps_text = ""
    if reid.suggestions:
        last = reid.suggestions[-1]
        final: dict[str, str] = {}  # each column's last (coarsest) suggested step, in order of first use
        for st in reid.suggestions:
            final[st.column] = st.description
        steps = "; ".join(final.values())
        if reid.reached_threshold:
            steps_text = phrase(code, "steps_reached", steps=steps, k_after=last.k_after)
        else:
            steps_text = phrase(code, "steps", steps=steps, k_after=last.k_after,
                                unique_after=_pct(last.unique_share_after))
    return [Finding(
        code, sev, reid.quasi_identifiers,
        phrase(code, n_unique=reid.n_unique, n=reid.n_rows, unit=unit, unique_share=_pct(reid.unique_share),
               columns=", ".join(reid.quasi_identifiers), k=reid.k, k_threshold=reid.k_threshold,
               below=_pct(reid.share_below_threshold), l_text=l_text, steps_text=steps_text),
        None,
        {"k": reid.k, "k_threshold": reid.k_threshold, "unique_share": reid.unique_share,
         "share_below_threshold": reid.share_below_threshold, "n": reid.n_rows, "unit": unit,
         "l_diversity": dict(reid.l_diversity),
         "k_after_suggestions": reid.suggestions[-1].k_after if reid.suggestions else reid.k,
         "reached_threshold": reid.reached_threshold})]


def membership_findings(member: Any, unit: str) -> list[Finding]:
    """``privacy.membership_inference_risk`` when the attack does better than chance."""
    code = "privacy.membership_inference_risk"
    if member is None or not member.available or member.level not in MEMBERSHIP_SEVERITY:
        return []
    assert member.auc is not None and member.auc_interval is not None
    return [Finding(
        code, MEMBERSHIP_SEVERITY[member.level], (),
        phrase(code, "slight" if member.level == "slight" else "text", unit=unit, auc=f"{member.auc:.3f}",
               ci=f"{member.auc_interval[0]:.3f} to {member.auc_interval[1]:.3f}",
               train_loss=f"{member.train_loss:.3f}", holdout_loss=f"{member.holdout_loss:.3f}"),
        None,
        {"auc": member.auc, "ci_low": member.auc_interval[0], "ci_high": member.auc_interval[1],
         "advantage": member.advantage, "level": member.level, "n_members": member.n_members,
         "unit": unit})]


def privacy_findings(reid: Any, member: Any, unit: str) -> list[Finding]:
    """``privacy.reidentification_risk`` and ``privacy.membership_inference_risk``, when measured."""
    return reidentification_findings(reid, unit) + membership_findings(member, unit)


def _low_value_finding(r: Any, mini: Any) -> Finding:
    """An input the model does not need, or barely needs, with the evidence behind it."""
    col = r["column"]

    def pct(v: float | None) -> str:
        return "not measured" if v is None or pd.isna(v) else f"{v:.1%}"

    def sgn(v: float) -> str:
        return f"{v:+.4f}"

    evidence = {"share": r["share"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "verdict": r["verdict"],
                "refit_delta": r["refit_delta"], "refit_ci_low": r["refit_ci_low"],
                "refit_ci_high": r["refit_ci_high"]}
    ci = "n/a" if r["ci_low"] is None or pd.isna(r["ci_low"]) else f"{pct(r['ci_low'])} to {pct(r['ci_high'])}"
    if r["refit_delta"] is not None and not pd.isna(r["refit_delta"]):
        metric = mini.refit.metric if mini.refit is not None else "the metric"
        evidence["refit_metric"] = metric
        text = phrase("data.low_value_column", "refit", column=col, share=pct(r["share"]), ci=ci, metric=metric,
                      delta=sgn(r["refit_delta"]), dci=f"{sgn(r['refit_ci_low'])} to {sgn(r['refit_ci_high'])}",
                      verdict=r["verdict"])
    else:
        text = phrase("data.low_value_column", "inconclusive" if r["verdict"] == "inconclusive" else "text",
                      column=col, share=pct(r["share"]), ci=ci, verdict=r["verdict"])
    # "counts for very little" is true only under the low-share line; above it, the refit is the reason
    low = r["share"] is not None and not pd.isna(r["share"]) and r["share"] < mini.method.get("low_share", LOW_SHARE)
    public = phrase("data.low_value_column", "public" if low else "public_refit", label=column_label(col))
    return Finding("data.low_value_column", Severity.LOW, (col,), text or "", public, evidence)


def minimisation_findings(mini: Any) -> list[Finding]:
    """Unused and low-value columns, identifying inputs and special-category columns."""
    if mini is None:
        return []
    out: list[Finding] = []
    low_value = set(mini.low_value)
    for _, r in mini.table.iterrows():
        col, c = r["column"], r["category"]
        if r["verdict"] == "drop" and not r["is_input"]:
            out.append(Finding("data.unused_column", Severity.LOW, (col,),
                               phrase("data.unused_column", column=col, category=category_label(c)),
                               phrase("data.unused_column", "public", label=column_label(col)),
                               {"category": c, "is_input": False}))
        elif r["is_input"] and r["column"] in low_value:
            out.append(_low_value_finding(r, mini))
        if r["is_input"] and c in IDENTIFYING:
            out.append(Finding("privacy.direct_identifier", Severity.HIGH, (col,),
                               phrase("privacy.direct_identifier", column=col, category=category_label(c)),
                               phrase("privacy.direct_identifier", "public", label=column_label(col)),
                               {"category": c, "verdict": r["verdict"]}))
        if c == "special_category":
            code = "privacy.special_category_input" if r["is_input"] else "privacy.special_category_for_testing"
            out.append(Finding(code, Severity.HIGH if r["is_input"] else Severity.INFO, (col,),
                               phrase(code, column=col), phrase(code, "public", label=column_label(col)),
                               {"is_input": bool(r["is_input"])}))
    return out


def exposure_gap_findings(fair: Any, item_labels: dict[str, str] | None = None) -> list[Finding]:
    """One ``fairness.exposure_gap`` per sensitive feature: how many items pass the test, and the largest.

    A gap is reported when the whole interval of its ratio is below the four-fifths line, both
    groups have at least the minimum number of customers, and its Fisher test passes after the
    Benjamini-Hochberg adjustment over every feature x item. The full list is in the evidence and in audit.json.
    """
    gaps = fair.exposure_gaps if fair is not None else None
    if gaps is None or not len(gaps):
        return []
    out = []
    for feat in dict.fromkeys(gaps["feature"]):
        tested = gaps[gaps["feature"] == feat]
        hits = tested[tested["reported"]].sort_values(["ratio", "item"])
        if not len(hits):
            continue
        g = hits.iloc[0]
        sev = Severity.HIGH if g["ratio"] < EXPOSURE_HIGH_RATIO else Severity.MEDIUM
        evidence = _plain_items(g)
        evidence.update(n_gaps=int(len(hits)), n_items_tested=int(len(tested)), gaps=[
            {"item": (r["item"].item() if hasattr(r["item"], "item") else r["item"]), "low_group": r["low_group"],
             "high_group": r["high_group"], "ratio": float(r["ratio"]), "ratio_ci_low": float(r["ratio_ci_low"]),
             "ratio_ci_high": float(r["ratio_ci_high"]), "p_adjusted": float(r["p_adjusted"])}
            for _, r in hits.iterrows()])
        out.append(Finding(
            "fairness.exposure_gap", sev, (str(feat),),
            phrase("fairness.exposure_gap", n_gaps=len(hits), n_items=len(tested), feature=feat, item=g["item"],
                   low_group=g["low_group"], low_rate=f"{g['low_rate']:.1%}", high_rate=f"{g['high_rate']:.1%}",
                   high_group=g["high_group"], ratio=f"{g['ratio']:.2f}",
                   ci=f"{g['ratio_ci_low']:.2f} to {g['ratio_ci_high']:.2f}", p=f"{g['p_adjusted']:.2g}"),
            phrase("fairness.exposure_gap", "public",
                   item=name_item(g["item"], (item_labels or {}).get(str(g["item"]))),
                   feature_label=column_label(str(feat))),
            evidence))
    return out


def selection_rate_findings(task: str, fair: Any) -> list[Finding]:
    """``fairness.selection_rate_gap``: below four-fifths with the whole interval, and the adjusted
    test of equal rates passes. Never for a recommender: every customer gets k of n items, so
    selection rates are equal by construction."""
    if fair is None or task == "ranking":
        return []
    d = fair.groups.disparities
    dp = d[(d["measure"] == "demographic_parity_ratio") & (d["flagged"] == True)  # noqa: E712
           & d["significant"] & (d["ci_high"] < FOUR_FIFTHS)]
    return [Finding(
        "fairness.selection_rate_gap", Severity.MEDIUM, (str(r["feature"]),),
        phrase("fairness.selection_rate_gap", feature=r["feature"], ratio=f"{r['value']:.2f}",
               ci=f"{r['ci_low']:.2f} to {r['ci_high']:.2f}", low_group=r["low_group"],
               high_group=r["high_group"], p=f"{r['p_adjusted']:.2g}"),
        phrase("fairness.selection_rate_gap", "public", feature_label=column_label(str(r["feature"]))),
        {"ratio": float(r["value"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
         "low_group": r["low_group"], "high_group": r["high_group"], "p_value": float(r["p_value"]),
         "p_adjusted": float(r["p_adjusted"])}) for _, r in dp.iterrows()]


def item_exposure_findings(fair: Any) -> list[Finding]:
    """One ``fairness.item_exposure_gap`` for the item side: how many item groups get fewer slots than
    their share of outcomes, and the lowest.

    An item group is counted when its ratio (slot share over outcome share) is below the
    four-fifths line; medium severity when at least one has the whole interval of its ratio
    below the line, low otherwise. One finding however many items: with every item its own
    group, a catalogue would otherwise give one finding per item. The full list is in the
    evidence and in audit.json.
    """
    if fair is None or fair.item_exposure is None or not len(fair.item_exposure):
        return []
    t = fair.item_exposure
    flagged = t[t["flagged"].astype(bool)].copy()
    if not len(flagged):
        return []
    flagged["strict"] = flagged["ratio_ci_high"] < ITEM_EXPOSURE_MEDIUM_CI_HIGH
    flagged = flagged.sort_values(["strict", "ratio", "item_group"], ascending=[False, True, True], kind="stable")
    r = flagged.iloc[0]
    n_strict = int(flagged["strict"].sum())
    evidence = _plain_items(r.drop(labels=["strict"]))
    evidence.update(n_flagged=int(len(flagged)), n_item_groups=int(len(t)), n_whole_interval_below=n_strict,
                    groups=[{"item_group": g["item_group"], "ratio": float(g["ratio"]),
                             "ratio_ci_low": float(g["ratio_ci_low"]), "ratio_ci_high": float(g["ratio_ci_high"])}
                            for _, g in flagged.iterrows()])
    return [Finding(
        "fairness.item_exposure_gap", Severity.MEDIUM if n_strict else Severity.LOW, (),
        phrase("fairness.item_exposure_gap", n_flagged=len(flagged), n_groups=len(t), n_strict=n_strict,
               item_group=r["item_group"], slot_share=_pct(r["slot_share"]), outcome_share=_pct(r["outcome_share"]),
               ratio=f"{r['ratio']:.2f}", ci=f"{r['ratio_ci_low']:.2f} to {r['ratio_ci_high']:.2f}"),
        None, evidence)]


def proxy_findings(proxies: Any) -> list[Finding]:
    """``fairness.proxy``: an input that predicts a sensitive feature, with the groups it singles out."""
    if proxies is None:
        return []
    out = []
    t = proxies.table
    bg = getattr(proxies, "by_group", None)
    for _, r in t[t["flagged"]].iterrows():
        groups: list[dict[str, Any]] = []
        if bg is not None and len(bg):
            hit = bg[(bg["sensitive_feature"] == r["sensitive_feature"]) & (bg["column"] == r["column"])
                     & bg["flagged"].astype(bool)].sort_values("auc", ascending=False)
            groups = [{"group": str(h["group"]), "n": int(h["n"]), "auc": float(h["auc"]),
                       "ci_low": float(h["ci_low"]), "ci_high": float(h["ci_high"]),
                       "p_adjusted": float(h["p_adjusted"])} for _, h in hit.iterrows()]
        named = ", ".join(f"'{g['group']}' (AUC {g['auc']:.2f}, interval {g['ci_low']:.2f} to {g['ci_high']:.2f})"
                          for g in groups)
        out.append(Finding(
            "fairness.proxy", Severity.MEDIUM, (r["column"], r["sensitive_feature"]),
            phrase("fairness.proxy", column=r["column"], sensitive=r["sensitive_feature"], auc=f"{r['auc']:.2f}",
                   groups=named or "its groups"),
            None if is_derived(str(r["column"]), str(r["sensitive_feature"])) else
            phrase("fairness.proxy", "public", label=column_label(r["column"]),
                   sensitive_label=column_label(r["sensitive_feature"])),
            {"auc": float(r["auc"]), "sensitive_feature": r["sensitive_feature"], "groups": groups}))
    return out


def proxy_flow_findings(flow: Any) -> list[Finding]:
    """``fairness.proxy_flow``: a clear part of a clear output gap flows through a proxy."""
    if flow is None:
        return []
    out = []
    for _, r in flow.table[~flow.table["too_few_to_judge"]].iterrows():
        out_clear = r["output_ci_low"] > 0 or r["output_ci_high"] < 0
        part_clear = r["contribution_ci_low"] > 0 or r["contribution_ci_high"] < 0
        passes = r["p_adjusted"] is not None and not pd.isna(r["p_adjusted"]) and r["p_adjusted"] <= FLOW_P_ADJUSTED
        if not (out_clear and part_clear and passes and r["share_of_gap"] is not None
                and r["share_of_gap"] >= FLOW_MIN_SHARE):
            continue
        out.append(Finding(
            "fairness.proxy_flow", Severity.MEDIUM, (r["column"], r["sensitive_feature"]),
            phrase("fairness.proxy_flow", column=r["column"], group=r["group"], sensitive=r["sensitive_feature"],
                   direction="higher" if r["output_gap"] > 0 else "lower",
                   item_part=f" for {r['item']}" if r["item"] is not None else "",
                   contribution=f"{r['contribution_gap']:.3f}", unit=flow.method.get("unit", "score"),
                   gap=f"{r['output_gap']:.3f}", ci=f"{r['output_ci_low']:.3f} to {r['output_ci_high']:.3f}",
                   share=_pct(r["share_of_gap"])),
            None, _plain_items(r)))
    return out


def explanation_findings(shap: Any) -> list[Finding]:
    """``model.additivity``: exact attributions that do not add up to the model's output."""
    if shap is None or not (shap.max_additivity_error > ADDITIVITY_TOLERANCE and shap.exact):
        return []
    return [Finding("model.additivity", Severity.MEDIUM, (),
                    phrase("model.additivity", error=f"{shap.max_additivity_error:.2e}", unit=shap.unit),
                    None, {"max_additivity_error": shap.max_additivity_error})]


def audit_findings(task: str, *, explanation: Any = None, fairness: Any = None, minimisation: Any = None,
                   proxies: Any = None, proxy_flow: Any = None, reidentification: Any = None,
                   membership: Any = None, unit: str = "rows",
                   item_labels: dict[str, str] | None = None) -> list[Finding]:
    """Every rule on one audit's results, ordered by severity, code and columns.

    Parameters
    ----------
    task : {"binary", "ranking", "regression"}
        The model's task.
    explanation, fairness, minimisation, proxies, proxy_flow, reidentification, membership
        The audit's results; None where an analysis did not run.
    unit : str, default="rows"
        What the privacy numbers count ("customers" or "rows").
    item_labels : dict, default=None
        Item id -> display name, for the public wording of exposure gaps.

    Returns
    -------
    list of Finding
    """
    out = privacy_findings(reidentification, membership, unit) + minimisation_findings(minimisation)
    out += exposure_gap_findings(fairness, item_labels) + selection_rate_findings(task, fairness)
    out += proxy_findings(proxies) + proxy_flow_findings(proxy_flow) + item_exposure_findings(fairness)
    out += explanation_findings(explanation)
    out.sort(key=lambda f: (_ORDER[f.severity.value], f.code, f.columns))
    return out
