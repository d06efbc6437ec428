"""Contract: imports point backwards, for every module of the package.

The pipeline runs one way: inventory -> models -> analyses -> findings -> report, then the
fronts that assemble it (the audit, the Dask backend) and, at the top, the widgets and the
CLI. Every ``import`` and ``from ... import`` counts, wherever it is written: at module
level, inside a function (a lazy import) or under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers_imports import imports_of

PKG = Path(__file__).resolve().parents[2] / "explainer"

#: The level of each unit of the package (a root module or a subpackage). A unit may import
#: units of its own level or below, never above.
LEVELS: dict[str, int] = {
    # shared plumbing: errors, version, optional extras, progress, the table reader and writers
    "errors": 0, "_version": 0, "_optional": 0, "_progress": 0, "_io": 0, "_outputs": 0, "_cluster": 0,
    "_messages": 0,
    "_display": 0, "_notebooks": 0, "_plain": 0,
    # the stages, in pipeline order
    "inventory": 1,
    "models": 2,
    "analyses": 3,
    "findings": 4,
    "_document": 4,  # audit.json's version, writer and builder: reads findings' labels, read by the report
    "report": 5,
    # the fronts that run the stages and assemble an audit
    "_validate": 6, "_audit": 6, "_why": 6, "_collaborative_audit": 6, "_collaborative_document": 6, "pipeline": 6,
    "demo": 6,
    "scale": 7,
    # the user-facing fronts
    "widgets": 8,
    "cli": 9, "_cli_collaborative": 9,
    "explainer": 9,  # the public API (explainer/__init__.py and names imported from it)
}

#: Imports that a stage must never make, even backwards (the report renders a plain
#: document: it does not recompute, call a model or reach into an audit).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "report": ("analyses", "models", "_audit", "pipeline", "scale", "_why", "_collaborative_audit"),
    "analyses": ("report", "cli", "widgets", "_audit", "pipeline"),
    "inventory": ("models", "analyses", "findings", "report"),
    "findings": ("analyses", "report"),
}

#: By design: results display themselves through ``explainer._display``, which hands plain
#: data to the report's fragment renderer on first display (see test_public_api.py).
BY_DESIGN: set[tuple[str, str]] = {
    ("_display.py", "explainer.report"),
    # ``Audit.dashboard()`` opens the widget front on request, importing it only then (as
    # ``audit.to_html`` hands a plain document to the report)
    ("pipeline/_result.py", "explainer.widgets"),
}

#: Known violations of the current code, each being removed by the one-pipeline work
#: (issue 17). Empty this list as they are fixed: a fixed entry that stays here fails
#: ``test_the_allow_list_holds_only_live_violations``.
KNOWN: set[tuple[str, str]] = set()


def _unit(module: str) -> str:
    """The unit of ``explainer.x.y``: ``x``, or ``explainer`` for names of the public API."""
    parts = module.split(".")
    if len(parts) < 2:
        return "explainer"
    head = parts[1]
    if (PKG / head).is_dir() or (PKG / f"{head}.py").is_file():
        return head
    return "explainer"  # `from . import audit` in the CLI: a public name


def _modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def _name(path: Path) -> list[str]:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _violations() -> set[tuple[str, str]]:
    bad = set()
    for path in _modules():
        parts = _name(path)
        own = _unit(".".join(parts))
        rel = path.relative_to(PKG).as_posix()
        for mod in imports_of(path.read_text(encoding="utf-8"), parts, path.name == "__init__.py"):
            other = _unit(mod)
            if other == own:
                continue
            if LEVELS[other] > LEVELS[own] or other in FORBIDDEN.get(own, ()):
                bad.add((rel, ".".join(mod.split(".")[:2])))
    return bad


def test_every_unit_has_a_level():
    units = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    assert units - set(LEVELS) == set()


def test_imports_point_backwards_everywhere():
    bad = _violations() - BY_DESIGN - KNOWN
    assert sorted(bad) == []


def test_the_allow_list_holds_only_live_violations():
    assert sorted(KNOWN - _violations()) == []


@pytest.mark.parametrize("source,expected", [
    ("def f():\n    from ..report import write_reports\n", {"explainer.report"}),
    ("if TYPE_CHECKING:\n    from .._audit import Audit\n", {"explainer._audit"}),
    ("class A:\n    def m(self):\n        import explainer.widgets\n", {"explainer.widgets"}),
    ("from . import _shap\n", {"explainer.analyses._shap"}),
    ("import numpy\nfrom pandas import DataFrame\n", set()),
])
def test_lazy_and_type_only_imports_are_seen(source, expected):
    assert imports_of(source, ["explainer", "analyses", "_x"], is_package=False) == expected


def test_a_lazy_upward_import_is_a_violation(tmp_path, monkeypatch):
    """The check fails on an import hidden in a function (the case module-level checks miss)."""
    fake = tmp_path / "explainer"
    (fake / "analyses").mkdir(parents=True)
    (fake / "report").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "report" / "__init__.py").write_text("")
    (fake / "analyses" / "__init__.py").write_text("")
    (fake / "analyses" / "_x.py").write_text("def f():\n    from ..report import write_reports\n")
    monkeypatch.setattr(sys.modules[__name__], "PKG", fake)
    assert _violations() == {("analyses/_x.py", "explainer.report")}


def test_no_test_module_imports_a_conftest_by_name():
    """Helpers shared by tests live in uniquely named ``tests/helpers_*.py`` modules.

    ``from conftest import X`` binds whichever folder's conftest was loaded first under that
    name, so running several test folders in one command failed at collection.
    """
    tests = PKG.parent / "tests"
    users = sorted(p.relative_to(tests).as_posix() for p in tests.rglob("*.py")
                   if "conftest" in imports_of_any(p.read_text(encoding="utf-8")))
    assert users == []


def imports_of_any(source: str) -> set[str]:
    """Top-level names of every absolute import in ``source``."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
    return names
