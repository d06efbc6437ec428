"""Rich display in Jupyter: the one way from a result object to the report's templates.

Every result object (of the inventory, analyses, findings and the audit) inherits
:class:`HTMLDisplay`. It says what it shows in ``_display_view()``: the name of a template
under ``explainer/report/templates/fragments/`` and plain data (strings, numbers, lists,
dicts; aggregates only, never a data value of a customer). :func:`to_html` renders that
with the same Jinja2 environment, macros and figures as the file reports.

The stages below ``report`` import this module, never ``report`` itself: what to show stays
with the result, how to draw it stays with the report. ``report`` is imported on the first
display, so ``import explainer`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HTMLDisplay", "to_html", "interval_label"]


class HTMLDisplay:
    """Mixin giving a result ``_repr_html_`` (Jupyter) next to its plain-text ``__repr__``."""

    __slots__ = ()

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        """Return ``(fragment name, plain context)`` for :func:`to_html`."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return to_html(self)


def to_html(obj: HTMLDisplay) -> str:
    """Render a result object as an HTML fragment (what Jupyter shows for it)."""
    from .report._fragments import render_fragment

    name, context = obj._display_view()
    return render_fragment(name, **context)


def interval_label(method: dict[str, Any]) -> str:
    """The interval level recorded in a result's ``method``, as ``"95%"``.

    Reads ``ci`` (a level such as 0.95) or the start of ``interval`` (``"95% bootstrap ..."``);
    says "bootstrap" when neither gives a level.
    """
    ci = method.get("ci")
    if isinstance(ci, (int, float)) and 0 < ci < 1:
        return f"{ci * 100:g}%"
    head = str(method.get("interval", "")).split(" ", 1)[0]
    return head if head.endswith("%") else "bootstrap"
