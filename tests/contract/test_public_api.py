"""Contract: public names resolve, imports point backwards, import stays light, no banned words."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers_imports import imports_of

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
    assert imports_of(path.read_text(encoding="utf-8"), ["explainer", "_display"], False) == {
        "explainer.report._fragments"}
    frag = imports_of((PKG / "report" / "_fragments.py").read_text(encoding="utf-8"),
                      ["explainer", "report", "_fragments"], False)
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
