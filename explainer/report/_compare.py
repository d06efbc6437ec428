"""What changed between two audits of one system: a comparison of two audit.json documents.

Nothing is recomputed: the comparison reads the numbers and intervals both audits recorded.
A share or a group result *changed* when the two 95% intervals do not overlap; a move
inside the intervals is within the margin of error and is not reported to customers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._document import upgrade
from ..errors import DataFileNotFoundError, InvalidInputError

__all__ = ["compare_audits", "read_audit_json"]


def read_audit_json(path: str | os.PathLike[str], *, param: str = "audit_json") -> dict[str, Any]:
    """Read an audit.json written by explainer, with errors that name ``param``."""
    p = Path(path)
    if not p.is_file():
        raise DataFileNotFoundError(f"{param} must be an existing audit.json. Got {str(p)!r}, which was not found.")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidInputError(f"{param} must be JSON written by explainer. {p.name!r} does not parse.") from err
    if not isinstance(doc, dict) or "schema_version" not in doc or "features" not in doc:
        raise InvalidInputError(
            f"{param} must be an audit.json with a schema_version and features. Got {p.name!r} without them. "
            "Pass the audit.json of one audit, not a combined report.")
    return upgrade(doc)


def _apart(a: list[Any] | None, b: list[Any] | None) -> bool:
    """True when two intervals [lo, hi] are both known and do not overlap."""
    if not a or not b or None in (*a, *b):
        return False
    return bool(a[1] < b[0] or b[1] < a[0])


def compare_audits(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Compare two audit.json documents of the same system.

    Parameters
    ----------
    previous, current : dict
        audit.json documents (``Audit.to_dict()`` or read from disk).

    Returns
    -------
    dict
        ``previous_date`` and ``current_date`` (YYYY-MM-DD), data hashes, the columns newly
        used / no longer used by the model and newly / no longer collected,
        ``parameter_shifts`` (per data category: share before and now with intervals and
        ``beyond_intervals``), ``group_shifts`` (per sensitive feature and item, or
        feature and disparity measure: the value before and now with intervals and
        ``beyond_intervals``), and the finding codes that are new or gone. ``rule`` says
        how a change is judged.

    Examples
    --------
    >>> a = {"provenance": {"created_at": "2026-01-01T00:00:00"}, "data": {"sha256": "x"},
    ...      "features": [{"column": "age", "used_by_model": True}], "main_parameters": [],
    ...      "fairness": None, "findings": []}
    >>> b = {**a, "features": [{"column": "age", "used_by_model": False}]}
    >>> compare_audits(a, b)["data_no_longer_used"]
    ['age']
    """
    for name, doc in (("previous", previous), ("current", current)):
        if not isinstance(doc, dict) or "features" not in doc or "provenance" not in doc:
            raise InvalidInputError(
                f"{name} must be an audit.json document with features and provenance. "
                f"Got {type(doc).__name__}. Pass Audit.to_dict() or a parsed audit.json.")
    pfair, cfair = previous.get("fairness") or {}, current.get("fairness") or {}
    return {
        "previous_date": str(previous["provenance"]["created_at"])[:10],
        "current_date": str(current["provenance"]["created_at"])[:10],
        "previous_sha256": (previous.get("data") or {}).get("sha256"),
        "current_sha256": (current.get("data") or {}).get("sha256"),
        "previous_model": (previous.get("model") or {}).get("type"),
        **_column_changes(previous["features"], current["features"]),
        "parameter_shifts": _parameter_shifts(previous.get("main_parameters") or [],
                                              current.get("main_parameters") or []),
        "group_shifts": _exposure_shifts(pfair, cfair) + _disparity_shifts(pfair, cfair),
        **_finding_changes(previous.get("findings") or [], current.get("findings") or []),
        "rule": "a share or group result changed when its 95% intervals before and now do not overlap",
    }


def _column_changes(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Columns newly used or no longer used by the model, newly or no longer collected."""
    pf = {f["column"]: f for f in before}
    cf = {f["column"]: f for f in now}
    used_before = {c for c, f in pf.items() if f["used_by_model"]}
    used_now = {c for c, f in cf.items() if f["used_by_model"]}
    order = list(cf) + [c for c in pf if c not in cf]

    def ordered(cols: set[str]) -> list[str]:
        return [c for c in order if c in cols]

    return {"data_newly_used": ordered(used_now - used_before),
            "data_no_longer_used": ordered(used_before - used_now),
            "data_newly_collected": ordered(set(cf) - set(pf)),
            "data_no_longer_collected": ordered(set(pf) - set(cf))}


def _parameter_shifts(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per data category: the share of influence before and now, and whether it moved beyond both intervals."""
    pp = {p["category"]: p for p in before}
    cp = {p["category"]: p for p in now}
    shifts = []
    for cat in list(cp) + [c for c in pp if c not in cp]:
        b, n = pp.get(cat), cp.get(cat)
        b_ci, n_ci = (b or {}).get("ci"), (n or {}).get("ci")
        shifts.append({"category": cat,
                       "before": b["importance_share"] if b else None, "before_ci": b_ci,
                       "now": n["importance_share"] if n else None, "now_ci": n_ci,
                       "beyond_intervals": _apart(b_ci, n_ci) or (b is None) != (n is None)})
    return shifts


def _exposure_shifts(pfair: dict[str, Any], cfair: dict[str, Any]) -> list[dict[str, Any]]:
    """Per sensitive feature and item: the exposure ratio before and now, with both groups' rates."""
    pg = {(g["feature"], str(g["item"])): g for g in pfair.get("exposure_gaps") or []}
    out = []
    for g in cfair.get("exposure_gaps") or []:
        b = pg.get((g["feature"], str(g["item"])))
        now_ci = [g["ratio_ci_low"], g["ratio_ci_high"]]
        before_ci = [b["ratio_ci_low"], b["ratio_ci_high"]] if b else None
        out.append({"kind": "exposure_ratio", "feature": g["feature"], "item": g["item"],
                    "before": b["ratio"] if b else None, "before_ci": before_ci,
                    "now": g["ratio"], "now_ci": now_ci, "beyond_intervals": _apart(before_ci, now_ci),
                    "now_low_group": g["low_group"], "now_high_group": g["high_group"],
                    "now_low_rate": g["low_rate"], "now_high_rate": g["high_rate"],
                    "before_low_rate": b["low_rate"] if b else None,
                    "before_high_rate": b["high_rate"] if b else None})
    return out


def _disparity_shifts(pfair: dict[str, Any], cfair: dict[str, Any]) -> list[dict[str, Any]]:
    """Per sensitive feature and disparity measure: the value before and now."""
    pd_ = {(f, d["measure"]): d for f, blk in (pfair.get("by_feature") or {}).items() for d in blk["disparities"]}
    out = []
    for feat, blk in (cfair.get("by_feature") or {}).items():
        for d in blk["disparities"]:
            b = pd_.get((feat, d["measure"]))
            now_ci, before_ci = [d["ci_low"], d["ci_high"]], ([b["ci_low"], b["ci_high"]] if b else None)
            out.append({"kind": d["measure"], "feature": feat, "item": None,
                        "before": b["value"] if b else None, "before_ci": before_ci,
                        "now": d["value"], "now_ci": now_ci, "beyond_intervals": _apart(before_ci, now_ci)})
    return out


def _finding_changes(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """Finding codes (with their columns) that are new or gone."""
    pcodes = {(f["code"], tuple(f["columns"])) for f in before}
    ccodes = {(f["code"], tuple(f["columns"])) for f in now}
    return {"findings_new": sorted([c, list(cols)] for c, cols in ccodes - pcodes),
            "findings_gone": sorted([c, list(cols)] for c, cols in pcodes - ccodes)}
