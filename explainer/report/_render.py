"""Render a plain audit.json document into self-contained HTML files beside audit.json.

The pages' contexts are built in ``_disclosure.py`` (disclosure.html) and ``_reviewer.py``
(audit.html); this module holds the template environment, the readability pass and the
writers. It receives a plain document (or any result with ``to_dict()``) and imports nothing
from the audit or the analyses.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..findings import use_wording
from ._disclosure import FIRST_LAYER, disclosure_context, undescribed_gaps
from ._phrases import GAP_TEXT, HEADINGS, headings, say
from ._reviewer import audit_context

if TYPE_CHECKING:
    import jinja2

    from .._plain import ToDict

__all__ = ["render_disclosure", "render_audit", "write_reports", "write_report_files",
           "prepare_document", "section_texts", "FIRST_LAYER"]


def _env() -> jinja2.Environment:
    import jinja2

    from ._config import is_gap

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("explainer", "report/templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["gap"] = is_gap
    env.globals.update(version=__version__, gap_text=GAP_TEXT, h=HEADINGS, say=say)
    return env


def _config_for(doc: dict[str, Any], config: Any) -> Any:
    """The publisher config: the one given, else the one recorded in audit.json, else empty."""
    from ._config import DisclosureConfig

    if config is not None:
        return config if isinstance(config, DisclosureConfig) else DisclosureConfig.from_yaml(config)
    if isinstance(doc.get("publisher"), dict):
        return DisclosureConfig.from_dict(doc["publisher"], source="publisher facts recorded in audit.json")
    return DisclosureConfig.empty()


class _SectionText(HTMLParser):
    """Collect the prose blocks (p, li, td) of each <section id="s-..."> of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self._cur: str | None = None
        self._depth = 0
        self._buf: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and (a.get("id") or "").startswith("s-"):
            self._cur = (a.get("id") or "")[2:]
            self.sections.setdefault(self._cur, [])
        if tag in ("table", "figure"):
            self._skip += 1
        if self._cur and tag in ("p", "li") and not self._skip:
            self._buf = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("table", "figure"):
            self._skip -= 1
        if tag in ("p", "li") and self._buf is not None and self._cur:
            text = " ".join("".join(self._buf).split())
            if text:
                self.sections[self._cur].append(text)
            self._buf = None
        if tag == "section":
            self._cur = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None:
            self._buf.append(data)


def section_texts(html: str) -> dict[str, list[str]]:
    """The prose blocks of each section of a rendered disclosure, as a reader sees them."""
    p = _SectionText()
    p.feed(html)
    return {k: v for k, v in p.sections.items() if v}


def _measure(tpl: Any, ctx: dict[str, Any], *, first_layer: Any = FIRST_LAYER, **kw: Any) -> tuple[str, Any]:
    """Render twice: once to extract the prose a reader sees, then with its readability appendix."""
    from ._readability import measure_sections

    draft = tpl.render(readability=None, **ctx, **kw)
    texts = {k: v for k, v in section_texts(draft).items() if k != "quality"}
    report = measure_sections(texts, first_layer=[k for k in texts if k in first_layer])
    rows = []
    for name, sc in report.sections.items():
        rows.append({"section": ctx["d"]["headings"].get(name, name), "grade": f"{sc.fk_grade:.1f}",
                     "ease": f"{sc.reading_ease:.0f}", "words": sc.words,
                     "wps": f"{sc.mean_sentence_words:.1f}", "seconds": f"{sc.reading_time_s:.0f}",
                     "layer": "first" if name in report.first_layer else "more"})
    lib = report.library
    ov = report.overall
    quality = {"note": say("quality_note", library=f"{lib['name']} {lib['version']}"), "rows": rows,
               "first_layer_s": f"{report.first_layer_reading_time_s:.0f}", "total_s": f"{ov.reading_time_s:.0f}",
               "words": ov.words}
    return tpl.render(readability=quality, **ctx, **kw), report


def render_disclosure(doc: dict[str, Any], config: Any = None) -> tuple[str, Any, list[str]]:
    """Render disclosure.html from an audit.json document; returns (html, readability, gaps).

    ``config`` is a :class:`DisclosureConfig`, a path to ``disclosure.yaml`` or None (the
    publisher facts recorded in ``doc`` if any, else every fact is a gap).
    """
    cfg = _config_for(doc, config)
    with use_wording(cfg.wording(doc["model"].get("task"))):
        ctx = disclosure_context(doc, cfg)
        env = _env()
        html, report = _measure(env.get_template("disclosure.html.j2"), {"d": ctx}, g=cfg.get, h=headings())
    gaps = cfg.gaps(categories=ctx["categories"], task=doc["model"].get("task")) + undescribed_gaps(doc, cfg)
    return html, report, gaps


# ----------------------------------------------------------------------------- reviewer report
def render_audit(doc: dict[str, Any]) -> str:
    """Render audit.html from an audit.json document."""
    return _env().get_template("audit.html.j2").render(r=audit_context(doc))


def prepare_document(audit: ToDict | dict[str, Any], *, config: Any = None,
                     previous: Any = None) -> tuple[dict[str, Any], Any]:
    """The audit.json document to render, with the publisher facts and the comparison recorded.

    ``previous`` is an earlier audit.json (path or dict) of the same system; ``config`` a
    :class:`DisclosureConfig`, a path to disclosure.yaml or None (the facts already recorded).
    Returns ``(doc, config)``.
    """
    from ._compare import compare_audits, read_audit_json

    doc = dict(audit) if isinstance(audit, dict) else audit.to_dict()
    cfg = _config_for(doc, config)
    doc["publisher"] = cfg.to_dict()
    if previous is not None:
        prev = previous if isinstance(previous, dict) else read_audit_json(previous, param="previous")
        doc["comparison"] = compare_audits(prev, doc)
    return doc, cfg


def write_reports(audit: ToDict | dict[str, Any], out: str | os.PathLike[str], *, force: bool = False,
                  config: Any = None, previous: Any = None) -> dict[str, Any]:
    """Write disclosure.html, audit.html and audit.json into ``out``, whole or not at all.

    Parameters
    ----------
    audit : Audit or dict
        An :class:`~explainer.Audit` (or any result whose ``to_dict()`` is an audit.json
        document), or an audit.json document (re-rendering without recomputing).
    out : path
        The report folder. It is built in a temporary sibling and moved into place whole.
    force : bool, default=False
        Replace a report already in ``out``.
    config : DisclosureConfig, path or None, default=None
        Publisher facts (``disclosure.yaml``). None uses the facts recorded in an
        audit.json document, if any; missing facts are gaps.
    previous : path or dict, default=None
        The audit.json of an earlier audit of the same system: the reports gain a
        "what changed" section and audit.json records the comparison.

    Returns
    -------
    dict
        ``paths`` written, the ``readability`` report and the ``gaps``.
    """
    from .._outputs import ReportDir

    doc, cfg = prepare_document(audit, config=config, previous=previous)
    with ReportDir(out, force=force) as tmp:
        doc = write_report_files(doc, tmp, config=cfg)
    root = Path(out)
    return {"paths": [root / "disclosure.html", root / "audit.html", root / "audit.json"],
            "readability": doc["_readability"], "gaps": doc["gaps"]}


def write_report_files(doc: dict[str, Any], folder: Path, *, config: Any = None) -> dict[str, Any]:
    """Render the three files of one audit into an existing ``folder`` (no atomicity here).

    Returns the document as written (with ``readability`` and ``gaps``), plus the
    :class:`ReadabilityReport` under the private key ``_readability`` (not written).
    """
    import json

    disclosure, readability, gaps = render_disclosure(doc, config)
    doc = {**doc, "readability": readability.to_dict(), "gaps": gaps}
    (folder / "disclosure.html").write_text(disclosure, encoding="utf-8")
    (folder / "audit.html").write_text(render_audit(doc), encoding="utf-8")
    (folder / "audit.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {**doc, "_readability": readability}
