"""The tutorial notebooks: stored without outputs, run clean in a fresh kernel, export offline.

The quickstart and "audit your own model" run on demo customers that carry canary values in
every personal column (name, email, phone, postcode, date of birth, pet name): a test-only first
cell wraps ``explainer.demo.make_retail_demo``. None of them may appear in the saved notebook,
its HTML export or any cell output, including one person's "why am I seeing this?" pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from canaries import leaks
from html_tables import personal_values

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01_quickstart", "02_audit_your_own_model", "03_fairness_deep_dive", "04_publish_disclosure"]
#: The demo's size in the notebooks under test (they default to 5,000). At 1,000 the held-out 200
#: customers leave every group at least two customers (the audit refuses one-customer groups) and
#: postcode's link to ethnicity passes the proxy threshold.
CUSTOMERS = 1000
#: Notebooks run with canaries: the expression of their audited rows, its email column, and a
#: test-only cell that shows "why am I seeing this?" for audited canary customers.
CANARY_RUNS = {
    "01_quickstart": ("rec.test", "email",
                      "for _c in canaries.planted_ids(rec.test, 'email', 'customer_id')[:3]:\n"
                      "    _w = audit.why(_c, 'garden')\n"
                      "    print(_w)\n"
                      "    display(_w)"),
    "02_audit_your_own_model": ("test", "email_address",
                                "for _c in canaries.planted_ids(test, 'email_address')[:3]:\n"
                                "    _w = audit.why(_c)\n"
                                "    print(_w)\n"
                                "    display(_w)"),
}


def test_the_four_notebooks_are_stored_without_outputs():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES
    for name in NAMES:
        nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, name
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), name
        assert "widgets" not in nb["metadata"], name


@pytest.fixture(scope="module")
def personal():
    """Personal values of the demo customers the notebooks draw."""
    from explainer.demo import make_retail_demo

    values: list[str] = []
    for seed in (0, 1):
        c = make_retail_demo(CUSTOMERS, random_state=seed).customers
        for col in ("full_name", "email", "phone", "postcode", "date_of_birth"):
            values += personal_values(c[col])
    return values


def _texts(nb) -> tuple[str, list[str]]:
    """All outputs as text (plain and HTML), and the stderr streams."""
    out, err = [], []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o["output_type"] == "stream":
                (err if o["name"] == "stderr" else out).append(o["text"])
            elif o["output_type"] == "error":
                err.append(f"{o['ename']}: {o['evalue']}")
            else:
                out += [str(v) for k, v in o.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(out), err


def _with_canaries(name: str, folder: Path) -> Path:
    """A copy of the notebook whose demo customers carry canaries, with a last cell that counts
    the canary customers among the audited rows and shows their "why" pages."""
    import nbformat

    audited, email, why = CANARY_RUNS[name]
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tests = str(Path(__file__).resolve().parents[1])
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "# Test only: the demo's customers carry canary values in every personal column.\n"
        f"import sys\nsys.path.insert(0, {tests!r})\nimport canaries\nimport explainer.demo\n\n"
        "explainer.demo.make_retail_demo = canaries.planting(explainer.demo.make_retail_demo)"))
    nb.cells.append(nbformat.v4.new_code_cell(
        f"print('canary customers audited:', canaries.count_planted({audited}[{email!r}]))\n{why}"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}.ipynb"
    nbformat.write(nb, out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_clean_and_exports_offline(name, personal, tmp_path):
    import nbformat

    from explainer._notebooks import execute_notebook, export_html

    canary = name in CANARY_RUNS
    src = _with_canaries(name, tmp_path / "in") if canary else NOTEBOOKS / f"{name}.ipynb"
    nb = execute_notebook(src, customers=CUSTOMERS, timeout=600)
    text, err = _texts(nb)
    assert err == []  # no error, no warning
    assert 'class="explainer-fragment' in text  # results show through the report's templates
    expected = {
        "01_quickstart": ["fairness.exposure_gap", "data.unused_column", "Dashboard(", "The main reasons",
                          "['disclosure.html', 'audit.html', 'audit.json']",
                          "facts still to be completed by the publisher: []"],
        "02_audit_your_own_model": ["campaign.csv", "email_address", "privacy.special_category_for_testing",
                                    "ThresholdOptimizer (demographic parity)"],
        "03_fairness_deep_dive": ["gender × age_band", "('ethnicity', 'postcode')", "too few to judge",
                                  "carried by each proxy", "ThresholdOptimizer (equalized odds)"],
        "04_publish_disclosure": ["facts to complete", "gaps left: []", "targets met: ", "Readability per section"],
    }[name]
    for snippet in expected:
        assert snippet in text, snippet

    html = export_html(nb, tmp_path / f"{name}.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "Content-Security-Policy" in html
    for value in personal:
        assert value not in html and value not in text
    if canary:
        planted = re.search(r"canary customers audited: (\d+)", text)
        assert planted is not None and int(planted.group(1)) >= 3  # canaries among the audited customers
        assert text.count("What would change it") >= 3  # their why pages were shown
        saved = tmp_path / "saved.ipynb"
        nbformat.write(nb, saved)  # the executed notebook as a user would save it
        assert leaks(saved.read_text(encoding="utf-8")) == []
        assert leaks(html) == [] and leaks(text) == []


def test_the_reports_command_runs_a_folder_and_writes_one_page_per_notebook(tmp_path, capsys):
    import nbformat

    from explainer._notebooks import main

    src = tmp_path / "books"
    src.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Counts"),
                                         nbformat.v4.new_code_cell("import os\nprint(os.environ['EXPLAINER_NOTEBOOK_CUSTOMERS'])")])
    nbformat.write(nb, src / "a_counts.ipynb")
    out = tmp_path / "reports" / "notebooks"
    assert main([str(src), "--out", str(out), "--customers", "321"]) == 0
    html = (out / "a_counts.html").read_text(encoding="utf-8")
    assert "321" in html and "<script" not in html  # the kernel saw the size; the page is offline
    assert sorted(p.name for p in out.iterdir()) == [".explainer-files.json", "a_counts.html"]
    assert main([str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "folder must hold .ipynb notebooks" in capsys.readouterr().err
