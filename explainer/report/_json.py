"""audit.json: a versioned, documented, deterministic record of the audit's results."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["audit_to_dict", "audit_to_json", "plain", "SCHEMA_PATH"]

SCHEMA_PATH = Path(__file__).with_name("audit.schema.json")


def plain(v: Any) -> Any:
    """Convert numpy/pandas values to JSON-ready Python values; NaN becomes None."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in v]
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if not math.isfinite(f) else float(f"{f:.10g}")
    if hasattr(v, "value") and hasattr(v, "name"):  # Enum
        return v.value
    return v


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or len(df) == 0:
        return []
    return [plain(r) for r in df.to_dict(orient="records")]


def _suppressed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of groups too few to judge keep their label and size but lose their numbers."""
    out = []
    for r in records:
        if r.get("too_few_to_judge"):
            r = {k: (None if k in ("rate", "value", "ci_low", "ci_high") else v) for k, v in r.items()}
        out.append(r)
    return out


def _privacy(a: Audit) -> dict[str, Any]:
    reid = getattr(a, "reidentification", None)
    member = getattr(a, "membership", None)
    unit = "customers" if a.model is not None and a.model.user_id else "rows"
    return {
        "reidentification": ({**plain(reid.to_dict()), "unit": unit, "n_unique": reid.n_unique}
                             if reid is not None else None),
        "membership_inference": {**plain(member.to_dict()), "unit": unit,
                                 **({"training": plain(a.data_info["training"])}
                                    if "training" in a.data_info else {})} if member is not None else None,
    }


def audit_to_dict(a: Audit) -> dict[str, Any]:
    from .._audit import SCHEMA_VERSION

    shap = a.explanation
    has_model = a.model is not None
    inputs = set(a.model_info.get("input_columns") or ())
    share = shap.column_share.set_index("column") if shap is not None else None
    features = []
    mini_rows = ({r["column"]: r for r in a.minimisation.table.to_dict(orient="records")}
                 if a.minimisation is not None else {})
    for rec in a.inventory:
        mrow = mini_rows.get(rec.column, {})
        s = share.loc[rec.column] if share is not None and rec.column in share.index else None
        features.append({
            "column": rec.column,
            "category": "item" if rec.role == "item" else rec.category,
            "role": rec.role,
            "source": rec.source,
            "used_by_model": (rec.column in inputs) if has_model else None,
            "importance_share": (plain(s["share"]) if s is not None
                                 else (0.0 if has_model and rec.column not in inputs else None)),
            "importance_ci": [plain(s["ci_low"]), plain(s["ci_high"])] if s is not None else None,
            "direction": s["direction"] if s is not None else None,
            "minimisation": a.minimisation.verdict_of(rec.column) if a.minimisation is not None else None,
            "refit_delta": plain(mrow.get("refit_delta")),
            "refit_ci": ([plain(mrow["refit_ci_low"]), plain(mrow["refit_ci_high"])]
                         if mrow.get("refit_delta") is not None else None),
        })
    categories = _records(shap.category_share) if shap is not None else []
    for c in categories:
        c["importance_share"] = c.pop("share")
    fairness: dict[str, Any] | None = None
    if a.fairness is not None:
        f = a.fairness
        by = f.groups.by_group
        dis = f.groups.disparities
        by_feature: dict[str, Any] = {}
        for feat in by["feature"].unique():
            part = by[by["feature"] == feat]
            groups = []
            for g, gp in part.groupby("group", sort=True):
                metrics = {m: {"value": plain(r["value"]), "ci": [plain(r["ci_low"]), plain(r["ci_high"])]}
                           for m, r in gp.set_index("metric").iterrows()}
                too_few = bool(gp["too_few_to_judge"].iloc[0])
                groups.append({"group": str(g), "n": int(gp["n"].iloc[0]),
                               "too_few_to_judge": too_few, "metrics": {} if too_few else metrics})
            by_feature[str(feat)] = {"intersection": str(feat) not in f.sensitive_features, "groups": groups,
                                     "disparities": _records(dis[dis["feature"] == feat])}
        fairness = {
            "sensitive_features": list(f.sensitive_features),
            "by_feature": by_feature,
            "exposure": _suppressed(_records(f.exposure)),
            "exposure_gaps": _records(f.exposure_gaps),
            "quality": _suppressed(_records(f.quality)),
            "method": plain(f.method),
            "metricframe_max_abs_diff": plain(f.metricframe_max_abs_diff),
            "item_exposure": _records(f.item_exposure),
            "mitigation": ({"table": _records(f.mitigation.table), "method": plain(f.mitigation.method)}
                           if f.mitigation is not None else None),
        }
    main_parameters = []
    if shap is not None:
        # DSA Art. 27: consumer-level categories ordered by measured share, unit, and a
        # slot for the publisher's reason (filled from the disclosure config when rendered)
        from ..findings import category_label

        ordered = sorted(categories, key=lambda c: -(c["importance_share"] or 0.0))
        for rank, c in enumerate(ordered, start=1):
            main_parameters.append({"rank": rank, "category": c["category"], "label": category_label(c["category"]),
                                    "importance_share": c["importance_share"],
                                    "ci": [c["ci_low"], c["ci_high"]],
                                    "unit": f"share of mean |attribution| ({shap.unit})",
                                    "attribution_unit": shap.unit, "columns": c["columns"], "reason": None})
    return {
        "schema_version": SCHEMA_VERSION,
        "model": plain(a.model_info),
        "data": plain(a.data_info),
        "explanation": ({**plain(shap.to_dict()),
                         "dependence": {c: _records(t) for c, t in shap.dependence.items()}}
                        if shap is not None else None),
        "features": features,
        "categories": categories,
        "main_parameters": main_parameters,
        "fairness": fairness,
        "proxies": _records(a.proxies.table) if a.proxies is not None else [],
        "proxies_by_group": (_records(getattr(a.proxies, "by_group", None)) if a.proxies is not None else []),
        "proxies_method": plain(a.proxies.method) if a.proxies is not None else None,
        "minimisation": ({"columns": _records(a.minimisation.table),
                          "categories": _records(a.minimisation.categories),
                          "refit": _records(a.minimisation.refit.table) if a.minimisation.refit is not None else [],
                          "method": plain(a.minimisation.method)}
                         if a.minimisation is not None else None),
        "proxy_flow": ({"table": _records(a.proxy_flow.table), "method": plain(a.proxy_flow.method)}
                       if a.proxy_flow is not None else None),
        "privacy": _privacy(a),
        "performance": plain(a.performance.to_dict()) if a.performance is not None else None,
        "error_slices": plain(a.error_slices.to_dict()) if a.error_slices is not None else None,
        "findings": [plain(f.to_dict()) for f in a.findings],
        "warnings": list(getattr(a, "warnings", ())),
        "options": plain(a.options),
        "provenance": plain(a.provenance),
    }


def audit_to_json(a: Audit, path: Any = None) -> str:
    text = json.dumps(audit_to_dict(a), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    if path is not None:
        from .._io import atomic_write_text

        atomic_write_text(Path(path), text)
    return text
