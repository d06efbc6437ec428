"""audit.json: its schema version, its writer and its builder.

Every result type writes its own section through ``to_dict()`` (the :class:`ToDict`
protocol of ``explainer/_plain.py``, with the one converter :func:`plain` and its one
rounding rule). :func:`audit_document` joins those sections into the document that ``audit.json`` holds
and that the reports in :mod:`explainer.report` render: a plain dict, no result objects.

The file format's version lives here, beside its writer (:data:`SCHEMA_VERSION`, checked by
``explainer/report/audit.schema.json``); a reader of an older layout would join
:func:`upgrade` here. Version 1.0 is the only layout written so far.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._plain import SIGNIFICANT_DIGITS, ToDict, plain, records

__all__ = ["SCHEMA_VERSION", "SCHEMA_PATH", "SIGNIFICANT_DIGITS", "ToDict", "plain", "records",
           "audit_document", "write_json", "upgrade"]

#: Version of the audit.json layout; see ``explainer/report/audit.schema.json``.
SCHEMA_VERSION = "1.0"

#: The JSON Schema every audit.json document validates against.
SCHEMA_PATH = Path(__file__).parent / "report" / "audit.schema.json"

def write_json(doc: Mapping[str, Any], path: str | os.PathLike[str] | None = None) -> str:
    """The audit.json text of ``doc`` (indented, keys in the document's order); written
    atomically to ``path`` when given, so a failed write leaves no half-written file."""
    text = json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    if path is not None:
        from ._io import atomic_write_text

        atomic_write_text(Path(path), text)
    return text


def upgrade(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An audit.json document in the current layout. Version 1.0 is the only layout so far."""
    return dict(doc)


def _section(result: ToDict | None) -> dict[str, Any] | None:
    return None if result is None else plain(result.to_dict())


def _feature(col: Mapping[str, Any], *, inputs: set[str] | None, share: Mapping[str, Any] | None,
             mini: Mapping[str, Any] | None, refit_ran: bool) -> dict[str, Any]:
    """One collected column: its inventory entry, share of influence and minimisation verdict.

    ``refit_ci`` is a pair (of None where the column was not refitted) when the refits ran,
    else None."""
    name = col["column"]
    has_model = inputs is not None
    used = name in inputs if inputs is not None else None
    refit = (mini or {}).get("refit_delta")
    return {
        "column": name,
        "category": "item" if col.get("role") == "item" else col.get("category"),
        "role": col.get("role"),
        "source": col.get("source"),
        "used_by_model": used,
        "importance_share": (share["share"] if share is not None else (0.0 if has_model and not used else None)),
        "importance_ci": [share["ci_low"], share["ci_high"]] if share is not None else None,
        "direction": share["direction"] if share is not None else None,
        "minimisation": mini["verdict"] if mini is not None else None,
        "refit_delta": refit,
        "refit_ci": [mini["refit_ci_low"], mini["refit_ci_high"]] if mini is not None and (refit_ran or refit is not None) else None,
    }


def _features(columns: Iterable[Mapping[str, Any]], *, inputs: set[str] | None,
              explanation: Mapping[str, Any] | None, minimisation: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    shares = {r["column"]: r for r in (explanation or {}).get("column_share", [])}
    minis = {r["column"]: r for r in (minimisation or {}).get("columns", [])}
    refit_ran = ((minimisation or {}).get("method") or {}).get("refit", {}).get("status") == "run"
    return [_feature(c, inputs=inputs, share=shares.get(c["column"]), mini=minis.get(c["column"]),
                     refit_ran=refit_ran) for c in columns]


def _main_parameters(categories: Sequence[Mapping[str, Any]], unit: str) -> list[dict[str, Any]]:
    """DSA Art. 27: consumer-level categories ordered by measured share, with their unit and a
    slot for the publisher's reason (filled from the disclosure config when rendered)."""
    from .findings import category_label

    ordered = sorted(categories, key=lambda c: -(c["importance_share"] or 0.0))
    return [{"rank": rank, "category": c["category"], "label": category_label(c["category"]),
             "importance_share": c["importance_share"], "ci": [c["ci_low"], c["ci_high"]],
             "unit": f"share of mean |attribution| ({unit})", "attribution_unit": unit,
             "columns": c["columns"], "reason": None}
            for rank, c in enumerate(ordered, start=1)]


def _privacy(reidentification: ToDict | None, membership: ToDict | None, *, unit: str,
             training: Any) -> dict[str, Any]:
    reid = _section(reidentification)
    member = _section(membership)
    if reid is not None:
        sizes = {r["class_size"]: r["n_classes"] for r in reid["class_size_distribution"]}
        reid = {**reid, "unit": unit, "n_unique": int(sizes.get(1, 0))}
    if member is not None:
        member = {**member, "unit": unit, **({"training": plain(training)} if training is not None else {})}
    return {"reidentification": reid, "membership_inference": member}


def audit_document(
    *,
    model_info: Mapping[str, Any],
    data_info: Mapping[str, Any],
    inventory: ToDict,
    has_model: bool,
    explanation: ToDict | None = None,
    fairness: ToDict | None = None,
    proxies: ToDict | None = None,
    minimisation: ToDict | None = None,
    proxy_flow: ToDict | None = None,
    reidentification: ToDict | None = None,
    membership: ToDict | None = None,
    performance: ToDict | None = None,
    error_slices: ToDict | None = None,
    findings: Sequence[ToDict] = (),
    warnings: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The audit.json document, assembled from the results' own ``to_dict()``.

    Parameters
    ----------
    model_info, data_info : mapping
        What was audited: the model's description and the data's counts.
    inventory : DataInventory
        The completed inventory; one ``features`` entry per column.
    has_model : bool
        False for a decision log: no column is "used by the model" or "not used".
    explanation, fairness, proxies, minimisation, proxy_flow, reidentification, membership, performance, error_slices : result or None
        The analyses' results (None when not run).
    findings : sequence of Finding
    warnings : sequence of str
    options, provenance : mapping
        The options that change numbers, and where and when the audit ran.

    Returns
    -------
    dict
        Plain JSON-ready data in the layout of ``audit.schema.json`` version
        :data:`SCHEMA_VERSION`.
    """
    shap = _section(explanation)
    column_share = shap.pop("column_share", []) if shap is not None else []
    category_share = shap.pop("category_share", []) if shap is not None else []
    mini = _section(minimisation)
    inputs = set(model_info.get("input_columns") or ()) if has_model else None
    categories = [{**{k: v for k, v in c.items() if k != "share"}, "importance_share": c["share"]}
                  for c in category_share]
    proxy = _section(proxies)
    unit = "customers" if has_model and model_info.get("user_id") else "rows"
    return {
        "schema_version": SCHEMA_VERSION,
        "model": plain(model_info),
        "data": plain(data_info),
        "explanation": shap,
        "features": _features(inventory.to_dict()["columns"], inputs=inputs,
                              explanation={"column_share": column_share}, minimisation=mini),
        "categories": categories,
        "main_parameters": _main_parameters(categories, shap["unit"]) if shap is not None else [],
        "fairness": _section(fairness),
        "proxies": proxy["table"] if proxy is not None else [],
        "proxies_by_group": proxy.get("by_group", []) if proxy is not None else [],
        "proxies_method": proxy["method"] if proxy is not None else None,
        "minimisation": mini,
        "proxy_flow": _section(proxy_flow),
        "privacy": _privacy(reidentification, membership, unit=unit, training=data_info.get("training")),
        "performance": _section(performance),
        "error_slices": _section(error_slices),
        "findings": [plain(f.to_dict()) for f in findings],
        "warnings": list(warnings),
        "options": plain(options or {}),
        "provenance": plain(provenance or {}),
    }
