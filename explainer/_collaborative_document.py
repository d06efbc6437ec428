"""A collaborative-filtering audit as an audit.json document, for the disclosure renderers.

The document has the sections of :func:`explainer.audit`'s audit.json that a CF audit
measures: the model, the data (counts and a digest of the interaction matrix), each
interaction source as an input column with its data category and share of the
attributions, the categories and main parameters, the findings and options. Sections it
does not measure (SHAP dependence, per-column proxies, re-identification risk, refits) are
null or empty. It names no customer and no item of anyone's history; ``sources`` adds each
source's share with its plain label, for the combined disclosure.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

import numpy as np

__all__ = ["collaborative_document", "collaborative_view"]

#: Rows of exposure per group shown in the HTML view at most.
MAX_EXPOSURE_ROWS = 60

#: What the shares are shares of, in the document's ``unit`` fields.
SHARE_UNIT = "share of mean |attribution| (score)"


def _digest(cf: Any) -> str:
    """SHA-256 of the interaction matrix's structure and values (no ids)."""
    m = cf.interactions
    h = hashlib.sha256()
    for part in (np.asarray(m.shape, dtype=np.int64), m.indptr.astype(np.int64), m.indices.astype(np.int64),
                 m.data.astype(np.float64)):
        h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


def _features(a: Any, records: dict[str, Any], user_id: str | None) -> list[dict[str, Any]]:
    """One entry per column: the identifier, each interaction source, each sensitive attribute."""
    from .analyses._cf import column_categories
    from .inventory._column_guess import category_from_name

    cats = column_categories(a.model, {c: r.category for c, r in records.items()})
    observed = {"history", *a.model.source_names}  # the history and its sources: what people did
    out: list[dict[str, Any]] = []
    if user_id is not None:
        rec = records.get(user_id)
        out.append({"column": user_id, "category": rec.category if rec else "direct_identifier",
                    "role": "identifier", "source": rec.source if rec else "provided", "used_by_model": False,
                    "importance_share": 0.0, "importance_ci": None})
    shares = a.sources.shares if a.sources is not None else {s: None for s in a.model.source_names}
    for s, share in shares.items():
        rec = records.get(s)
        ci = list(a.sources.intervals[s]) if a.sources is not None else None
        out.append({"column": s, "category": cats.get(s, "other"), "role": "feature",
                    "source": rec.source if rec else ("observed" if s in observed else "unknown"), "used_by_model": True,
                    "importance_share": share, "importance_ci": ci})
    for s in a.options.get("sensitive_features", []):
        rec = records.get(s)
        out.append({"column": s, "category": rec.category if rec else category_from_name(s), "role": "sensitive",
                    "source": rec.source if rec else "unknown", "used_by_model": False,
                    "importance_share": 0.0, "importance_ci": None})
    what = {"identifier": "not an input", "feature": "not assessed (no refit)", "sensitive": "bias testing only"}
    for f in out:
        f.update({"direction": None, "minimisation": what[f["role"]], "refit_delta": None, "refit_ci": None})
    return out


def _categories(features: list[dict[str, Any]], a: Any) -> list[dict[str, Any]]:
    """Shares per data category of the sources, with intervals (the category's own bootstrap)."""
    cats: dict[str, dict[str, Any]] = {}
    for f in features:
        if f["used_by_model"]:
            c = cats.setdefault(f["category"], {"category": f["category"], "importance_share": 0.0, "columns": []})
            c["importance_share"] = min(1.0, c["importance_share"] + (f["importance_share"] or 0.0))
            c["columns"].append(f["column"])
    intervals = a.sources.category_intervals if a.sources is not None else {}
    for c in cats.values():
        lo, hi = intervals.get(c["category"], (c["importance_share"], c["importance_share"]))
        c["ci_low"], c["ci_high"] = lo, hi
    return sorted(cats.values(), key=lambda c: -c["importance_share"])


def _records(frame: Any, cf: Any = None, *, suppress: bool = False) -> list[dict[str, Any]]:
    """JSON-ready rows; items by label; a group too few to judge keeps its label and size, not its numbers."""
    from ._plain import plain

    if frame is None or len(frame) == 0:
        return []
    out = []
    for r in frame.to_dict(orient="records"):
        if cf is not None and "item" in r:
            r["item"] = cf.label(int(r["item"]))
        if suppress and r.get("too_few_to_judge"):
            r = {k: (None if k in ("rate", "value", "ci_low", "ci_high") else v) for k, v in r.items()}
        out.append(plain(r))
    return out


def _fairness(a: Any) -> dict[str, Any] | None:
    """The audit.json ``fairness`` section of the CF audit's exposure and quality per group."""
    from ._plain import plain

    f = a.fairness
    if f is None:
        return None
    by, dis = f.groups.by_group, f.groups.disparities
    by_feature: dict[str, Any] = {}
    for feat in by["feature"].unique():
        groups = []
        for g, gp in by[by["feature"] == feat].groupby("group", sort=True):
            too_few = bool(gp["too_few_to_judge"].iloc[0])
            metrics = {str(m): {"value": plain(r["value"]), "ci": [plain(r["ci_low"]), plain(r["ci_high"])]}
                       for m, r in gp.set_index("metric").iterrows()}
            groups.append({"group": str(g), "n": int(gp["n"].iloc[0]), "too_few_to_judge": too_few,
                           "metrics": {} if too_few else metrics})
        by_feature[str(feat)] = {"intersection": str(feat) not in f.sensitive_features, "groups": groups,
                                 "disparities": _records(dis[dis["feature"] == feat])}
    return {"sensitive_features": list(f.sensitive_features), "by_feature": by_feature,
            "exposure": _records(f.exposure, a.model, suppress=True),
            "exposure_gaps": _records(f.exposure_gaps, a.model), "quality": _records(f.quality, suppress=True),
            "method": plain(f.method), "metricframe_max_abs_diff": plain(f.metricframe_max_abs_diff),
            "item_exposure": _records(f.item_exposure), "mitigation": None}


def collaborative_document(a: Any, *, user_id: str | None = None, labels: dict[str, str] | None = None,
                           metrics: dict[str, Any] | None = None, command: str | None = None) -> dict[str, Any]:
    """The audit.json document of a :class:`~explainer.CollaborativeAudit`.

    Parameters
    ----------
    a : CollaborativeAudit
    user_id : str, default=None
        Name of the customer id column (listed as an identifier the model does not read).
    labels : mapping of source to str, default=None
        Plain words for each interaction source ("what you browse"); default its name.
    metrics : mapping of str to float, default=None
        Quality of the lists measured elsewhere (hit rate, NDCG on held-out interactions).
    command : str, default=None
        The command line that ran the audit, for provenance.

    Returns
    -------
    dict
        Rendered by :func:`explainer.report.write_reports` and the combined disclosure.
    """
    from ._version import __version__
    from .findings import category_label

    records = {r.column: r for r in a.inventory} if a.inventory is not None else {}
    features = _features(a, records, user_id)
    categories = _categories(features, a)
    cf = a.model
    metrics = dict(metrics or {})
    main = [{"rank": n, "category": c["category"], "label": category_label(c["category"]),
             "importance_share": c["importance_share"], "ci": [c["ci_low"], c["ci_high"]], "unit": SHARE_UNIT,
             "attribution_unit": "score", "columns": c["columns"], "reason": None}
            for n, c in enumerate(categories, start=1)]
    words = dict(labels or {})
    sources = [] if a.sources is None else [
        {"source": s, "label": words.get(s, s.replace("_", " ")), "category": a.sources.categories[s],
         "share": v, "ci": list(a.sources.intervals[s])} for s, v in a.sources.shares.items()]
    doc = a.to_dict()
    return {
        "schema_version": "1.0",
        "model": {"type": type(cf.model).__name__, "kind": "collaborative", "wrapper": None, "task": "ranking",
                  "output_unit": "score", "input_columns": list(cf.source_names), "user_id": user_id,
                  "item_id": None, "k": cf.k, "threshold": None, "metrics": metrics, "collaborative": doc["model"]},
        "data": {"rows": int(a.options.get("n_customers", cf.n_users)), "columns": len(features),
                 "customers": int(a.options.get("n_customers", cf.n_users)), "sha256": _digest(cf),
                 "sha256_of": "interaction matrix"},
        "explanation": {"algorithm": cf.describe()["kind"], "exact": True, "unit": "score",
                        "served_gap": doc["served_gap"]},
        "features": features, "categories": categories, "main_parameters": main, "sources": sources,
        "collaborative": {k: doc[k] for k in ("popularity", "sources", "proxies", "fairness", "served_gap")},
        "fairness": _fairness(a), "proxies": [], "proxies_by_group": [], "proxies_method": None, "minimisation": None,
        "proxy_flow": None, "privacy": {"reidentification": None, "membership": None}, "performance": None,
        "error_slices": None, "findings": doc["findings"], "warnings": [], "options": doc["options"],
        "provenance": {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "versions": {"explainer-toolkit": __version__},
                       "random_state": int(a.options.get("random_state", 0)), "command": command},
    }


def _judged(frame: Any) -> list[dict[str, Any]]:
    """Records of a per-group table without groups too small to judge (suppressed, not shown)."""
    if frame is None:
        return []
    keep = frame[~frame["too_few_to_judge"].astype(bool)] if "too_few_to_judge" in frame else frame
    return [dict(r) for r in keep.to_dict(orient="records")]


def collaborative_view(a: Any) -> dict[str, Any]:
    """Plain context of the ``collaborative_audit`` fragment: aggregates only, items by label."""
    from .findings import phrase

    cf = a.model
    pop = a.popularity
    heads = {f"slot_share@{h:g}": f"top-k slots to the {h:.0%} most used items" for h in pop.slot_share}
    popularity = [{"measure": heads.get(str(r["measure"]), "Gini of item exposure" if r["measure"] == "gini"
                                        else "catalogue coverage"),
                   "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                   "interaction_share": None if r["interaction_share"] != r["interaction_share"]
                   else r["interaction_share"]} for r in pop.to_frame().to_dict(orient="records")]
    sources = [] if a.sources is None else [dict(r) for r in a.sources.to_frame().to_dict(orient="records")]
    exposure: list[dict[str, Any]] = []
    quality: list[dict[str, Any]] = []
    if a.fairness is not None:
        exposure = [{**r, "item": cf.label(int(r["item"]))} for r in _judged(a.fairness.exposure)]
        quality = _judged(a.fairness.quality)
    gap = a.served_gap
    gap_sentence = "" if gap.served != "stored" else phrase(
        "recsys.served_gap", n=gap.n_pairs, mean=f"{gap.mean_abs:.4f}", max=f"{gap.max_abs:.4f}",
        relative=f"{gap.relative:.1%}")
    return {
        "model": {"type": type(cf.model).__name__, "kind": cf.kind, "k": cf.k, "items": cf.n_items,
                  "customers": a.options.get("n_customers", cf.n_users)},
        "gap_sentence": gap_sentence, "confidence": f"{pop.confidence:.0%}", "popularity": popularity,
        "sources": sources, "exposure": exposure[:MAX_EXPOSURE_ROWS],
        "more_exposure": max(0, len(exposure) - MAX_EXPOSURE_ROWS), "quality": quality,
        "min_group_size": a.options.get("min_group_size"),
        "proxies": [] if a.proxies is None else [dict(r) for r in a.proxies.to_frame().to_dict(orient="records")],
        "proxy_threshold": 0.0 if a.proxies is None else float(a.proxies.threshold),
        "findings": [{"severity": f.severity.value, "code": f.code, "text": f.text} for f in a.findings],
    }
