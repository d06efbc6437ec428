"""Walk an audit.json document and list every estimate that lies outside its own interval."""

from __future__ import annotations

from typing import Any

#: (estimate key, low key, high key) triples looked for in every object of the document.
_TRIPLES = [
    ("value", "ci_low", "ci_high"), ("rate", "ci_low", "ci_high"), ("share", "ci_low", "ci_high"),
    ("slot_share", "ci_low", "ci_high"), ("auc", "ci_low", "ci_high"), ("delta", "ci_low", "ci_high"),
    ("importance_share", "ci_low", "ci_high"), ("mean", "ci_low", "ci_high"),
]
_PAIRS = [("value", "ci"), ("importance_share", "ci"), ("importance_share", "importance_ci"),
          ("refit_delta", "refit_ci"), ("auc", "auc_interval")]
TOL = 1e-9


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def outside(doc: Any, path: str = "$") -> list[str]:
    """Paths of estimates outside their interval (None values and open ends are skipped)."""
    bad: list[str] = []

    def check(p: str, est: Any, lo: Any, hi: Any) -> None:
        if _num(est) and ((_num(lo) and est < lo - TOL) or (_num(hi) and est > hi + TOL)):
            bad.append(f"{p}: {est} not in [{lo}, {hi}]")

    if isinstance(doc, dict):
        for e, lo, hi in _TRIPLES:
            if e in doc and lo in doc and hi in doc:
                check(f"{path}.{e}", doc[e], doc[lo], doc[hi])
        for e, c in _PAIRS:
            if e in doc and isinstance(doc.get(c), list) and len(doc[c]) == 2:
                check(f"{path}.{e}", doc[e], doc[c][0], doc[c][1])
        for k in doc:  # any X with X_ci_low and X_ci_high, or X_gap with X_ci_low
            if isinstance(k, str) and k.endswith("_ci_low"):
                base = k[: -len("_ci_low")]
                for est in (base, base + "_gap", base + "_share"):
                    if est in doc and base + "_ci_high" in doc:
                        check(f"{path}.{est}", doc[est], doc[k], doc[base + "_ci_high"])
                        break
        metrics, intervals = doc.get("metrics"), doc.get("metric_intervals")
        if isinstance(metrics, dict) and isinstance(intervals, dict):
            for m, ci in intervals.items():
                if m in metrics and isinstance(ci, list) and len(ci) == 2:
                    check(f"{path}.metrics.{m}", metrics[m], ci[0], ci[1])
        for k, v in doc.items():
            bad.extend(outside(v, f"{path}.{k}"))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            bad.extend(outside(v, f"{path}[{i}]"))
    return bad
