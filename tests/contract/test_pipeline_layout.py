"""The audit pipeline's layout: one entry point, stages in their folders, no private import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "explainer"

#: Modules of the audit pipeline whose private names no other module may import.
PIPELINE = ("explainer._audit", "explainer._why", "explainer.scale._audit", "explainer.pipeline")


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_from(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from ... import name`` in ``path``, inside functions too."""
    parts = _module(path).split(".")
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out += [(mod, a.name) for a in node.names]
    return out


def test_no_module_imports_private_helpers_of_the_pipeline():
    """The old cycle: scale/_audit.py and _why.py imported private helpers of _audit.py, which
    imported them back inside functions. Shared helpers are public names of their stage now."""
    bad = []
    for f in PKG.rglob("*.py"):
        me = _module(f)
        for mod, name in _imports_from(f):
            inside = me.startswith("explainer.pipeline") and mod.startswith("explainer.pipeline")
            if mod.startswith(PIPELINE) and not inside and name.startswith("_") and mod != me:
                bad.append(f"{me} imports {mod}.{name}")
    assert bad == []


def test_the_pipeline_modules_import_no_front_module():
    """The pipeline sits below its fronts (the CLI, audit_dask, explainer._audit); it reaches
    ``why`` and the report only inside the Audit's methods."""
    bad = []
    for f in (PKG / "pipeline").glob("*.py"):
        for mod, _ in _imports_from(f):
            if mod.startswith(("explainer.cli", "explainer.scale._audit", "explainer._audit")):
                bad.append(f"{f.name} imports {mod}")
    assert bad == []


def test_finding_rules_use_the_group_metrics_four_fifths_line():
    from explainer.analyses._group_metrics import FOUR_FIFTHS
    from explainer.findings import _rules

    assert _rules.FOUR_FIFTHS == FOUR_FIFTHS


def test_missing_column_messages_come_from_one_helper():
    """'Columns include ...' is written once, in _messages.columns_include, for the whole package."""
    files = [f for f in PKG.rglob("*.py") if f.name != "_messages.py"]
    assert [str(f.relative_to(PKG)) for f in files if "Columns include" in f.read_text(encoding="utf-8")] == []
    assert (PKG / "_messages.py").read_text(encoding="utf-8").count('f"Columns include') == 1


def test_the_public_entry_points_resolve_to_the_pipeline():
    import explainer as ex
    from explainer import pipeline
    from explainer.scale import audit_dask

    assert ex.audit is pipeline.audit and ex.audit_decisions is pipeline.audit_decisions
    assert ex.Audit is pipeline.Audit
    assert audit_dask.__module__ == "explainer.scale._audit"
