"""HTML of the dashboard's model tabs: blocks of a chart (with its text alternative) and its data table.

Rendered with Jinja2 (autoescaped), with the report's own style fragment and macros (read,
never changed), so a tab reads like the rest of the dashboard. Every chart is followed by
the table of the numbers it draws; numbers are formatted here, HTML only by the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .._notebooks import NOT_SAVED_CLASS

__all__ = ["Block", "render_blocks", "fmt", "interval"]

#: CSS class of widgets whose state must never be saved into a notebook file (the what-if inputs).
NOT_SAVED = NOT_SAVED_CLASS

_BLOCKS = """\
<div class="explainer-fragment explainer-dashboard-{{ kind }}">
{% include "fragments/_style.html.j2" %}
{% for p in intro %}<p>{{ p }}</p>{% endfor %}
{% for b in blocks %}
{% if b.uri %}<figure><img src="{{ b.uri }}" alt="{{ b.alt }}">{% if b.caption %}<figcaption>{{ b.caption }}</figcaption>{% endif %}</figure>
{% elif b.caption %}<p class="note">{{ b.caption }}</p>{% endif %}
<table><caption>{{ b.title }}</caption>
<thead><tr>{% for h in b.columns %}<th scope="col"{% if loop.index0 in b.numeric %} class="num"{% endif %}>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in b.rows %}<tr>{% for v in r %}<td{% if loop.index0 in b.numeric %} class="num"{% endif %}>{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
{% endfor %}
{% for p in notes %}<p class="note">{{ p }}</p>{% endfor %}
</div>
"""


@dataclass(frozen=True)
class Block:
    """One table (with the chart it belongs to, if any): a title, headers and rows of text."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()
    uri: str = ""
    alt: str = ""
    caption: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def fmt(v: Any, digits: int = 3) -> str:
    """A number as text (``n/a`` when missing), integers without decimals."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "n/a" if f != f else f"{f:.{digits}f}"


def interval(lo: Any, hi: Any, digits: int = 3) -> str:
    """``lo to hi``, or empty when the measure has no interval."""
    if lo is None or hi is None or lo != lo or hi != hi:
        return ""
    return f"{fmt(lo, digits)} to {fmt(hi, digits)}"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"blocks.html.j2": _BLOCKS}),
                                    jinja2.PackageLoader("explainer", "report/templates")]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True,
                                            default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


def render_blocks(kind: str, blocks: list[Block], *, intro: list[str] | None = None,
                  notes: list[str] | None = None) -> str:
    """One tab's HTML: paragraphs, then each block's figure and table, then notes."""
    return str(_environment().get_template("blocks.html.j2").render(
        kind=kind, blocks=blocks, intro=intro or [], notes=notes or []))
