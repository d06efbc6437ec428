"""HTML fragments for Jupyter display and the dashboard, from the report's own templates.

Result objects describe themselves as plain data (see :mod:`explainer._display`); this
module renders that data with the report's Jinja2 environment (autoescaped), its macros and
its figures. Rendering only: nothing here computes a result.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import InvalidInputError

__all__ = ["render_fragment", "FRAGMENTS"]

#: Templates under ``templates/fragments/`` that :func:`render_fragment` renders.
FRAGMENTS = (
    "audit_summary", "collaborative_audit", "data_inventory", "data_use", "dashboard_snapshot", "fairness_result", "finding",
    "findings", "group_metrics", "group_table", "membership_result", "message", "minimisation_result",
    "error_slices", "mitigation_result", "performance", "proxy_flow_result", "proxy_result", "readability_report",
    "reidentification_result", "scan_result", "shap_matrix", "shap_result", "why_page", "why_view",
)


@lru_cache(maxsize=1)
def _environment() -> Any:
    from ._render import _env

    return _env()


def _chart(spec: dict[str, Any]) -> dict[str, str]:
    """A bar chart (with interval whiskers when given) and its text alternative."""
    from ._figures import bar_chart

    scale = float(spec.get("scale", 100.0))
    uri = bar_chart(list(spec["labels"]), list(spec["values"]), spec.get("lows"), spec.get("highs"),
                    xlabel=str(spec.get("xlabel", "share (%)")), scale=scale)
    fmt = "{:.1f}%" if scale == 100.0 else "{:.3f}"
    parts = [f"{label} {fmt.format(value * scale)}" for label, value in zip(spec["labels"], spec["values"])]
    return {"uri": uri, "alt": f"Bar chart of {spec['title']}: " + "; ".join(parts) + ". The table follows."}


def render_fragment(name: str, **context: Any) -> str:
    """Render ``templates/fragments/<name>.html.j2`` with plain context data.

    A ``chart`` entry (``title``, ``labels``, ``values`` and optional ``lows``, ``highs``,
    ``xlabel``, ``scale``) becomes an inline SVG bar chart with its text alternative; a
    ``doc`` entry for ``audit_summary`` is an audit.json document.
    """
    if name not in FRAGMENTS:
        raise InvalidInputError(f"name must be one of the display fragments {list(FRAGMENTS)!r}. Got {name!r}.")
    ctx = dict(context)
    if ctx.get("chart"):
        ctx["chart"] = _chart(ctx["chart"])
    if name in ("audit_summary", "dashboard_snapshot") and "doc" in ctx:
        from ._render import _audit_context

        ctx["r"] = _audit_context(ctx.pop("doc"))
    return str(_environment().get_template(f"fragments/{name}.html.j2").render(**ctx))
