"""Contract: public names resolve, imports point backwards, import stays light, no banned words."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "explainer"


def test_every_public_name_resolves():
    import explainer

    for name in explainer.__all__:
        assert getattr(explainer, name) is not None, name


def test_import_is_light():
    code = ("import sys, explainer; heavy = [m for m in ('shap', 'matplotlib', 'dask', 'fairlearn', 'lightgbm', 'implicit', 'lightfm') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("stage,forbidden", [
    ("analyses", ("explainer.report", "explainer.cli", "explainer.widgets", "explainer._audit")),
    ("inventory", ("explainer.analyses", "explainer.report", "explainer.cli", "explainer.widgets", "explainer.models")),
    ("models", ("explainer.analyses", "explainer.report", "explainer.cli", "explainer.widgets")),
    ("findings", ("explainer.analyses", "explainer.report", "explainer.cli", "explainer.widgets")),
    ("report", ("explainer.analyses", "explainer.cli", "explainer.widgets", "explainer.models")),
    ("widgets", ("explainer.cli",)),
])
def test_imports_point_backwards(stage, forbidden):
    bad = []
    for f in (PKG / stage).rglob("*.py"):
        for mod in _imports(f):
            if mod.startswith(forbidden):
                bad.append(f"{f.name} imports {mod}")
    assert bad == []


def test_results_reach_the_templates_only_through_the_display_module():
    """Stages below ``report`` display their results through ``explainer._display``.

    That module imports no stage when it is loaded; on the first display it hands plain
    data to ``explainer.report._fragments``, so results never import the report, and the
    report never imports a result class.
    """
    path = PKG / "_display.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
    top |= {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert top <= {"__future__", "typing"}
    assert {m for m in _imports(path) if m.startswith("explainer")} == {"explainer.report._fragments"}
    frag = {m for m in _imports(PKG / "report" / "_fragments.py") if m.startswith("explainer")}
    assert not {m for m in frag if m.startswith(("explainer.analyses", "explainer.inventory", "explainer.models"))}


def test_no_code_path_reads_the_planted_truths():
    users = [p for p in PKG.rglob("*.py") if "planted_truths" in p.read_text(encoding="utf-8")]
    assert [p.relative_to(PKG).as_posix() for p in users] == ["demo/__init__.py", "demo/_generate.py"]


BANNED = re.compile(r"\b(fair|fairly|unbiased|anonymous|anonymised|anonymized|compliant)\b", re.IGNORECASE)


def test_templates_and_phrases_never_claim_fair_unbiased_anonymous_compliant():
    from explainer.findings import PHRASES
    from explainer.report._phrases import HEADINGS, SAY

    texts = [t for p in PHRASES.values() for t in p.values() if t] + list(SAY.values()) + list(HEADINGS.values())
    for tpl in (PKG / "report" / "templates").rglob("*.j2"):
        texts.append(re.sub(r"\{[{%#].*?[}%#]\}", " ", tpl.read_text(encoding="utf-8")))
    # the dashboard's own tab template and the wording of its tabs
    texts += [(PKG / "widgets" / name).read_text(encoding="utf-8") for name in
              ("_html.py", "_performance_tab.py", "_dependence_tab.py", "_what_if.py")]
    hits = [m.group(0) for t in texts for m in BANNED.finditer(t)]
    assert hits == []
