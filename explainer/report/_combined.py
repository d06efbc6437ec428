"""One disclosure for every algorithm a company runs on the same customers.

Each algorithm keeps its own three files in a sub-folder; the combined ``disclosure.html``
says what each one decides, the data it uses and what counts most, with a matrix of data
categories by algorithm. The combined ``audit.html`` is an index for reviewers that links
each algorithm's audit. Rendering only: everything comes from the audit.json documents.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..findings import category_label, use_wording
from ._phrases import CONTACT_LABELS, headings, say

__all__ = ["write_combined_reports", "data_matrix"]

_FIRST = ("summary", "who", "algorithms", "matrix", "rights")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _load(item: Any) -> dict[str, Any]:
    from ._compare import read_audit_json

    if isinstance(item, dict):
        return dict(item)
    if isinstance(item, (str, os.PathLike)):
        return read_audit_json(item)
    if hasattr(item, "to_dict"):
        return dict(item.to_dict())
    raise InvalidInputError(
        f"audits must be Audit objects, audit.json documents or paths. Got {type(item).__name__}. "
        "Pass the audits of each algorithm.")


def data_matrix(docs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of data categories about the customer; per algorithm whether it is used and its share.

    Each row is ``{"category", "label", "cells": [{"use", "share", "ci"}, ...]}`` with ``use``
    one of ``used``, ``not_used``, ``testing`` (kept only to test for bias), ``not_held``
    (the algorithm's data has no such column) or ``unknown`` (no model to say).
    """
    from ._render import customer_categories

    per = [customer_categories(d) for d in docs]
    shares = [{p["category"]: p for p in d.get("main_parameters") or []} for d in docs]
    cats: list[str] = []
    for bc in per:
        cats.extend(c for c in bc if c not in cats)
    rows = []
    for cat in cats:
        cells = []
        for bc, sh in zip(per, shares):
            feats = bc.get(cat)
            p = sh.get(cat)
            if not feats:
                use = "not_held"
            elif any(f["used_by_model"] for f in feats):
                use = "used"
            elif all(f.get("role") == "sensitive" for f in feats):
                use = "testing"
            elif all(f["used_by_model"] is None for f in feats):
                use = "unknown"
            else:
                use = "not_used"
            cells.append({"use": use, "share": p["importance_share"] if p and use == "used" else None,
                          "ci": p["ci"] if p and use == "used" else None})
        rows.append({"category": cat, "label": category_label(cat), "cells": cells})
    return rows


def _cell_words(c: dict[str, Any]) -> str:
    if c["use"] == "used":
        s = c["share"]
        if s is None:
            return say("used_yes")
        return say("matrix_used_small") if s < 0.01 else say("matrix_used", pct=f"{s * 100:.0f}%")
    return say({"not_used": "matrix_not_used", "not_held": "matrix_not_held", "testing": "matrix_testing",
                "unknown": "used_unknown"}[c["use"]])


def _cell_numbers(c: dict[str, Any]) -> str:
    if c["use"] != "used" or c["share"] is None:
        return {"not_used": "collected, not an input", "not_held": "not collected", "testing": "bias testing only",
                "unknown": "not assessed (no model)", "used": "input"}[c["use"]]
    lo, hi = c["ci"] or (None, None)
    iv = f" ({lo * 100:.1f}% to {hi * 100:.1f}%)" if lo is not None and hi is not None else ""
    return f"{c['share'] * 100:.1f}%{iv}"


def write_combined_reports(audits: Sequence[Any], out: str | os.PathLike[str], *, config: Any = None,
                           force: bool = False) -> dict[str, Any]:
    """Write one disclosure and one reviewer index for several algorithms, whole or not at all.

    Parameters
    ----------
    audits : sequence of Audit, audit.json document or path
        One per algorithm, at least two. Each algorithm's name and what it decides come
        from the publisher facts recorded with its audit (``system.name``,
        ``system.what_it_does``); missing ones are gaps.
    out : path
        The folder: ``disclosure.html``, ``audit.html``, ``combined.json`` and one
        sub-folder per algorithm with its own three files.
    config : DisclosureConfig, path or None, default=None
        Publisher facts for the organisation (who, rights). None uses the first audit's.
    force : bool, default=False
        Replace a report already in ``out``.

    Returns
    -------
    dict
        ``paths`` written, ``algorithms`` (key, name, folder), the ``readability`` report
        and the ``gaps``.
    """
    from .._outputs import ReportDir

    n = 1 if isinstance(audits, (str, os.PathLike, dict)) else len(audits)
    if n < 2:
        raise InvalidInputError(
            f"audits must hold two or more audits, one per algorithm. Got {n}. "
            "For one algorithm use write_reports (explainer report AUDIT_JSON).")
    docs = [_load(a) for a in audits]
    with ReportDir(out, force=force, marker="combined.json") as tmp:
        result = write_combined_files(docs, tmp, config=config)
    root = Path(out)
    return {"paths": [root / "disclosure.html", root / "audit.html", root / "combined.json"]
            + [root / a["key"] for a in result["algorithms"]],
            "algorithms": result["algorithms"], "readability": result["_readability"], "gaps": result["gaps"]}


def write_combined_files(docs: Sequence[dict[str, Any]], folder: Path, *, config: Any = None) -> dict[str, Any]:
    """Render the combined reports and every algorithm's own files into an existing ``folder``."""
    from ._config import GAP
    from ._render import _config_for, prepare_document, write_report_files

    algorithms, written = [], []
    keys: set[str] = set()
    for i, raw in enumerate(docs):
        doc, cfg = prepare_document(raw)
        name = cfg.get("system.name")
        key = _slug(str(name)) if name is not GAP and _slug(str(name)) else f"algorithm-{i + 1}"
        while key in keys:
            key = f"{key}-{i + 1}"
        keys.add(key)
        (folder / key).mkdir()
        doc = write_report_files(doc, folder / key, config=cfg)
        written.append(doc)
        with use_wording(cfg.wording(doc["model"].get("task"))):
            algorithms.append(_algorithm(doc, cfg, key, name))
    org_cfg = _config_for(written[0], config)
    with use_wording(org_cfg.wording(written[0]["model"].get("task"))):
        return _write_combined(docs, written, algorithms, org_cfg, folder)


def _algorithm(doc: dict[str, Any], cfg: Any, key: str, name: Any) -> dict[str, Any]:
    """What the combined page says about one algorithm, in its own words."""
    from ._render import customer_categories, main_parameters

    params = main_parameters(doc, cfg)
    used = [category_label(c) for c, fs in customer_categories(doc).items() if any(f["used_by_model"] for f in fs)]
    return {
        "key": key, "name": name, "decides": cfg.get("system.what_it_does"),
        "uses": say("algorithm_uses", n=len(used)) if used else say("algorithm_uses_unknown"),
        "top": say("algorithm_top", items=_words([f"{p['label'].lower()} (about {p['pct']})"
                                                  for p in params[:3]])) if params else "",
        "sources": say("algorithm_sources", items=_words([f"{s['label']} (about {s['share'] * 100:.0f}%)"
                                                          for s in doc["sources"]])) if doc.get("sources") else "",
        "model": doc["model"].get("type"), "task": doc["model"].get("task"), "rows": doc["data"]["rows"],
        "created_at": doc["provenance"]["created_at"], "sha256": doc["data"]["sha256"],
        "findings": {s: sum(1 for f in doc["findings"] if f["severity"] == s)
                     for s in ("high", "medium", "low", "info")},
        "high": [f["text"] for f in doc["findings"] if f["severity"] == "high"],
        "readability_failures": len(doc["readability"]["failures"]), "gaps": len(doc["gaps"]),
    }


def _write_combined(docs: Sequence[dict[str, Any]], written: list[dict[str, Any]], algorithms: list[dict[str, Any]],
                    org_cfg: Any, folder: Path) -> dict[str, Any]:
    from ._config import GAP
    from ._render import _env, _measure

    matrix = data_matrix(written)
    names = [a["name"] for a in algorithms]
    org = org_cfg.get("organisation.name")
    heads = headings()
    first = list(_FIRST)
    ctx = {
        "title": say("combined_title", org=org) if org is not GAP else say("combined_title_unknown"),
        "intro": say("algorithms_intro", n=len(docs)),
        "who": org if org is GAP else say("who_intro_many", org=org),
        "contact": [{"label": label, "value": org_cfg.get(f"organisation.{k}")} for k, label in CONTACT_LABELS.items()],
        "algorithms": algorithms, "names": names,
        "matrix_intro": say("matrix_intro"),
        "matrix": [{"label": r["label"][:1].upper() + r["label"][1:], "cells": [_cell_words(c) for c in r["cells"]]}
                   for r in matrix],
        "first": first, "more": ["quality"], "headings": heads,
    }
    env = _env()
    html, report = _measure(env.get_template("combined.html.j2"), {"d": ctx}, first_layer=_FIRST, g=org_cfg.get,
                            h=heads)
    gaps = sorted({f"{a['key']}: {g}" for a, d in zip(algorithms, written) for g in d["gaps"]})
    gaps += [f"organisation: section {n}: {p}" for n, p in org_cfg.gap_items(categories=[]) if n in (1, 15)]
    (folder / "disclosure.html").write_text(html, encoding="utf-8")
    index = {
        "algorithms": algorithms,
        "matrix": [{"category": r["category"], "cells": [_cell_numbers(c) for c in r["cells"]]} for r in matrix],
        "readability": report.to_dict(),
    }
    (folder / "audit.html").write_text(env.get_template("combined_audit.html.j2").render(r=index), encoding="utf-8")
    record = {
        "schema_version": "1.0", "kind": "combined",
        "algorithms": [{k: a[k] for k in ("key", "model", "task", "rows", "created_at", "sha256", "findings")}
                       | {"name": None if a["name"] is GAP else a["name"],
                          "decides": None if a["decides"] is GAP else a["decides"],
                          "audit_json": f"{a['key']}/audit.json"} for a in algorithms],
        "matrix": [{"category": r["category"],
                    "cells": {a["key"]: c for a, c in zip(algorithms, r["cells"])}} for r in matrix],
        "readability": report.to_dict(), "gaps": gaps,
    }
    (folder / "combined.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {**record, "algorithms": algorithms, "_readability": report}


def _words(items: list[str]) -> str:
    from ._render import _list_words

    return _list_words(items)
