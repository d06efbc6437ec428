"""Contract: the package stays readable. No function at radon grade F, at most eight at D or E,
and no module above 700 lines (the lines of issue 17; README, development section)."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

PKG = Path(__file__).resolve().parents[2] / "explainer"
MAX_D_OR_E = 8
MAX_LINES = 700


def _blocks() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            out.append((str(path.relative_to(PKG)), block.fullname, cc_rank(block.complexity)))
    return out


def test_no_function_at_grade_f_and_few_at_d_or_e():
    blocks = _blocks()
    assert len(blocks) > 1000  # every function and method is read
    assert [b for b in blocks if b[2] == "F"] == []
    assert len([b for b in blocks if b[2] in "DE"]) <= MAX_D_OR_E


def test_the_grades_are_computed_as_radon_does():
    """A function with 41 branches is at F, so the test above can fail."""
    body = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(41))
    (block,) = cc_visit(f"def f(x):\n{body}\n    return -1\n")
    assert cc_rank(block.complexity) == "F"


def test_no_module_above_700_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
