"""Stage 5, report: Jinja2 templates, figures, audit.json and readability. Rendering only.

Receives a plain audit.json document (``Audit.to_dict()``, assembled in
``explainer._document`` from the results' own ``to_dict()``) and writes ``disclosure.html``,
``audit.html`` and ``audit.json``; nothing here recomputes a result, and nothing here imports
the audit, its pipeline or the analyses.
"""
from ._combined import write_combined_reports
from ._compare import compare_audits
from ._fragments import render_fragment
from ._render import render_audit, render_disclosure, write_reports

__all__ = ["render_audit", "render_disclosure", "render_fragment", "write_reports", "write_combined_reports",
           "compare_audits"]
