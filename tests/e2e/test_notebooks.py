"""The tutorial notebooks: stored without outputs, run clean in a fresh kernel, export offline.

The quickstart and "audit your own model" run on demo customers that carry canary values in
every personal column (name, email, phone, postcode, date of birth, pet name): a test-only first
cell wraps ``explainer.demo.make_retail_demo``. None of them may appear in the saved notebook,
its HTML export or any cell output, including one person's "why am I seeing this?" pages.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from canaries import leaks
from html_tables import personal_values

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01_quickstart", "02_audit_your_own_model", "03_fairness_deep_dive", "04_publish_disclosure",
         "05_collaborative_filtering"]
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


def test_the_notebooks_are_stored_without_outputs():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES
    for name in NAMES:
        nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, name
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), name
        assert "widgets" not in nb["metadata"], name


def _as_run_in_lab(nb: dict) -> dict:
    """The notebook as JupyterLab sends it to the server after running it and saving with widget state."""
    run = copy.deepcopy(nb)
    run["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python",
                                        "codemirror_mode": {"name": "ipython", "version": 3}}
    run["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    run["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    for n, cell in enumerate(run["cells"]):
        cell["metadata"]["trusted"] = True
        if cell["cell_type"] == "code":
            cell["execution_count"] = n
            cell["metadata"]["execution"] = {"iopub.status.idle": "2026-12-04T16:00:00.000Z"}
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "5000 customers\n"}]
    return run


class _Contents:
    def __init__(self, root: Path) -> None:
        self.root_dir = str(root)


def test_make_lab_saves_the_tutorials_as_stored_and_the_dashboard_as_its_still_copy(tmp_path):
    """The save hook of jupyter-config/ (what `make lab` runs): outputs never reach notebooks/."""
    import runpy

    import nbformat

    repo = Path(__file__).resolve().parents[2]
    config = runpy.run_path(str(repo / "jupyter-config" / "jupyter_lab_config.py"),
                            init_globals={"get_config": lambda: _Config()})["c"]
    assert config.ServerApp.ip == "127.0.0.1" and config.LabApp.news_url is None
    hook = config.ContentsManager.pre_save_hook
    for name in NAMES:
        stored = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
        model = {"type": "notebook", "content": _as_run_in_lab(json.loads(stored))}
        hook(model=model, path=f"notebooks/{name}.ipynb", contents_manager=_Contents(repo))
        nbformat.write(nbformat.from_dict(model["content"]), tmp_path / "saved.ipynb")  # as the server writes
        assert (tmp_path / "saved.ipynb").read_text(encoding="utf-8") == stored, name  # byte for byte: git sees no change

    # elsewhere outputs are kept; the dashboard keeps its still copy and text, not its live view
    nb = _as_run_in_lab(json.loads((NOTEBOOKS / "01_quickstart.ipynb").read_text(encoding="utf-8")))
    widget = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    dash = {"output_type": "execute_result", "execution_count": 3, "metadata": {"explainer": {"saved_as": "still copy"}},
            "data": {"application/vnd.jupyter.widget-view+json": widget, "text/html": "<div>still</div>",
                     "text/plain": "Dashboard(...)"}}
    other = {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.jupyter.widget-view+json": widget,
                                                                     "text/plain": "IntSlider()"}}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [dash, other]
    model = {"type": "notebook", "content": nb}
    hook(model=model, path="mine/quickstart.ipynb", contents_manager=_Contents(repo))
    assert code[0]["outputs"][0]["data"] == {"text/html": "<div>still</div>", "text/plain": "Dashboard(...)"}
    assert "application/vnd.jupyter.widget-view+json" in code[0]["outputs"][1]["data"]  # not ours: left alone
    assert all(c["outputs"] for c in code) and nb["metadata"]["widgets"]
    # the public hook for a user's own server does the dashboard part only
    from explainer.widgets import pre_save_hook

    dash["data"]["application/vnd.jupyter.widget-view+json"] = widget
    pre_save_hook(model={"type": "notebook", "content": {"cells": [{"outputs": [dash]}]}}, path="x.ipynb")
    assert "application/vnd.jupyter.widget-view+json" not in dash["data"]
    pre_save_hook(model={"type": "file", "content": "text"}, path="x.txt")  # other files pass untouched


class _Config:
    """Enough of traitlets' Config for the config file to set its values on."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = type(self)()
        object.__setattr__(self, name, value)
        return value


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
        "05_collaborative_filtering": ["explainer-collaborative-audit", "contributions add up to the explained scores "
                                       "within", "What would change it", "what you buy: ", "what you browse: ",
                                       "learned factors", "['audit.html', 'audit.json']"],
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
