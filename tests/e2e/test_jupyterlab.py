"""The quickstart in a real JupyterLab, as a data scientist runs it after `make lab`.

JupyterLab starts with the repository's own settings (jupyter-config/, copied beside a copy
of the notebooks) on a free 127.0.0.1 port with a token; headless Debian chromium opens it
through Playwright (as tests/e2e/test_browser.py does), runs every cell of the quickstart on
a small demo (EXPLAINER_NOTEBOOK_CUSTOMERS) and checks what the reader sees: no error output,
the ten dashboard tabs (a what-if edit included), a control that redraws its output, outputs that leave the notebook's
own headings and tables alone, left-aligned text cells, the dashboard inside its box, no
request beyond 127.0.0.1; then the saved file (no customer id, the dashboard as its still
copy), the tutorial folder saved without outputs, and the notebook reopened without its
kernel. Every wait has a deadline; the server and its kernels are stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from e2e.test_browser import SHOTS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CUSTOMERS = 1000  # the notebooks' demo size (EXPLAINER_NOTEBOOK_CUSTOMERS): quick and every group large enough
START_S = 240  # server start-up and kernel start on a loaded machine
RUN_S = 900  # all cells of the quickstart on a loaded machine
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: JupyterLab settings for the test: every cell in the page (no windowing), no news prompt, and
#: "save widget state" on, so the saved file shows what a widget's state would carry.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None) -> object:
    req = urllib.request.Request(f"{base}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab with the repository's settings on a copy of the repository's layout."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "jupyter-config", root / "jupyter-config")
    (root / "notebooks").mkdir()
    (root / "mine").mkdir()
    shutil.copy(REPO / "notebooks" / "01_quickstart.ipynb", root / "notebooks")
    shutil.copy(REPO / "notebooks" / "01_quickstart.ipynb", root / "mine" / "quickstart.ipynb")
    for name, value in SETTINGS.items():
        (root / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "settings" / name).write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_PATH": str(root / "jupyter-config"),  # what `make lab` sets
        "JUPYTER_CONFIG_DIR": str(root / "user-config"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "IPYTHONDIR": str(root / "ipython"), "EXPLAINER_NOTEBOOK_CUSTOMERS": str(CUSTOMERS),
        "PYTHONPATH": os.pathsep.join([str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]),
        "OMP_NUM_THREADS": "2",
    })
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            assert proc.poll() is None, (root / "server.log").read_text()
            try:
                _api(base, token, "/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, (root / "server.log").read_text()
                time.sleep(0.5)  # polling the server until it answers, within the deadline
        yield {"base": base, "token": token, "root": root, "port": port}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        log.close()



KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle' && w.content && w.content.widgets.length);
}"""
ALL_RUN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)) && k && k.status === 'idle';
}"""
STYLE_OF = """sel => {
  const el = document.querySelector(sel);
  const s = getComputedStyle(el);
  return {color: s.color, decoration: s.textDecorationLine, size: s.fontSize, weight: s.fontWeight,
          maxWidth: s.maxWidth, margin: s.margin};
}"""
PAGE_STYLE = """() => ({
  heading: (s => ({color: s.color, decoration: s.textDecorationLine, size: s.fontSize, weight: s.fontWeight,
                   border: s.borderBottomWidth}))(getComputedStyle(document.querySelector('.jp-MarkdownCell h2'))),
  paragraph: (s => ({maxWidth: s.maxWidth, size: s.fontSize, color: s.color}))(
      getComputedStyle(document.querySelector('.jp-MarkdownCell p'))),
  body: (s => ({font: s.fontFamily, margin: s.margin, background: s.backgroundColor}))(getComputedStyle(document.body)),
})"""


def _open(page, lab, path: str) -> None:
    page.goto(f"{lab['base']}/lab/tree/{path}?token={lab['token']}")
    page.wait_for_function(KERNEL_IDLE, timeout=START_S * 1000, polling=500)


def _run(page, command: str) -> None:
    page.evaluate("c => window.jupyterapp.commands.execute(c)", command)


def _tab(page, title: str) -> None:
    page.locator(".widget-tab .lm-TabBar-tab", has_text=title).first.click()


def test_quickstart_in_jupyterlab(lab, browser):
    from explainer.demo import make_retail_demo

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, blocked, console = [], [], []
    local = (f"http://127.0.0.1:{lab['port']}/", f"ws://127.0.0.1:{lab['port']}/")

    def route(r):
        if r.request.url.startswith(local) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.route("**/*", route)

    _open(page, lab, "mine/quickstart.ipynb")
    before = page.evaluate(PAGE_STYLE)
    _run(page, "notebook:run-all-cells")
    page.wait_for_function(ALL_RUN, timeout=RUN_S * 1000, polling=1000)

    # no error and no warning output in any cell
    kinds = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.dataset.mimeType)")
    assert "application/vnd.jupyter.error" not in kinds and "application/vnd.jupyter.stderr" not in kinds, kinds
    assert page.locator(".explainer-why-page").count() == 1  # audit.why(...) shown

    # the page around the outputs is as it was: headings, paragraphs, the body
    assert page.evaluate(PAGE_STYLE) == before
    assert not [m for m in console if "Content Security Policy" in m], console

    # rich tables: text cells left-aligned, numbers right-aligned, columns as wide as their content
    cells = page.evaluate("""() => {
      const t = document.querySelector('.jp-OutputArea .explainer-minimisation table');
      const first = t.querySelector('tbody td');
      const num = t.querySelector('tbody td.num');
      return {text: getComputedStyle(first).textAlign, num: getComputedStyle(num).textAlign,
              layout: getComputedStyle(t).tableLayout};
    }""")
    assert cells == {"text": "left", "num": "right", "layout": "auto"}, cells

    # the dashboard: ten tabs; a dropdown redraws its output
    titles = page.locator(".widget-tab .lm-TabBar-tab").all_inner_texts()
    assert [t.strip() for t in titles] == ["Overview", "Findings", "Data use", "Fairness", "One customer",
                                           "Minimisation", "Performance", "Error slices", "Dependence", "What if"]
    _tab(page, "Fairness")
    select = page.get_by_label("Group by", exact=True)
    caption = page.locator(".widget-tab .explainer-group-table caption")
    shown = caption.inner_text()
    other = next(o for o in select.locator("option").all_inner_texts() if o != select.input_value())
    select.select_option(label=other)
    page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText !== old",
                           arg=[".widget-tab .explainer-group-table caption", shown], timeout=120_000)
    assert other in caption.inner_text()
    # for the README: the planted exposure gap, in JupyterLab
    select.select_option(label="age_band")
    page.get_by_label("Metric", exact=True).select_option(label="exposure to an item (share shown it)")
    page.get_by_label("Item", exact=True).first.select_option(label="electronics")  # the fairness tab's
    page.wait_for_function("sel => document.querySelector(sel).innerText.includes('(electronics)')",
                           arg=".widget-tab .explainer-group-table caption", timeout=120_000)
    page.locator(".widget-tab").first.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-OutputArea-output:has(.widget-tab)").first.screenshot(path=str(SHOTS / "lab-dashboard.png"))
    page.screenshot(path=str(SHOTS / "lab-notebook.png"))

    # every tab's output fits its box
    for title in ("Findings", "Data use", "Fairness", "Minimisation", "Performance", "Error slices", "Dependence",
                  "Overview"):
        _tab(page, title)
        fit = page.evaluate("""() => {
          const panel = [...document.querySelectorAll('.widget-tab .widget-tab-contents > .lm-Widget')]
              .find(p => !p.classList.contains('lm-mod-hidden'));
          const frag = panel.querySelector('.explainer-fragment');
          const chain = [];
          for (let e = frag; e && e !== panel.parentElement; e = e.parentElement) {
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            chain.push([e.className, Math.round(r.left), Math.round(r.right), s.paddingLeft, s.paddingRight, s.width, s.boxSizing]);
          }
          return {overflow: frag.scrollWidth - frag.clientWidth,
                  right: frag.getBoundingClientRect().right - panel.getBoundingClientRect().right, chain};
        }""")
        assert fit["overflow"] <= 0 and fit["right"] <= 0.5, (title, fit)

    # what-if: a row chosen by number and one input edited; the edit boxes hold that row's values
    _tab(page, "What if")
    row = page.get_by_label("Row no.", exact=True)
    row.fill("2")
    row.press("Enter")
    edit = page.locator(".widget-tab .explainer-not-saved input").first
    edit.wait_for(timeout=120_000)
    edit.fill(str(float(edit.input_value() or 0) + 1))
    edit.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('.widget-tab .explainer-dashboard-what-if')]"
                           ".some(e => e.innerText.includes('Inputs changed:') && !e.innerText.includes('none yet'))",
                           timeout=120_000)

    # the saved file: outputs kept outside notebooks/, the dashboard as its still copy, no customer id
    _run(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=120_000)
    saved_text = (lab["root"] / "mine" / "quickstart.ipynb").read_text(encoding="utf-8")
    saved = json.loads(saved_text)
    outputs = [o for c in saved["cells"] for o in c.get("outputs", [])]
    dash = [o for o in outputs if "".join(o.get("data", {}).get("text/plain", "")).startswith("Dashboard(")]
    assert len(dash) == 1 and WIDGET_VIEW not in dash[0]["data"]
    assert "explainer-dashboard-snapshot" in "".join(dash[0]["data"]["text/html"])
    assert saved["metadata"]["widgets"]  # "save widget state" on: the dashboard's state is in the file
    states = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert not [k for k, v in states.items() if "explainer-not-saved" in v["state"].get("_dom_classes", [])]
    assert "What if: row no." not in saved_text  # the what-if inputs and output are not saved
    assert any(v["state"].get("description") == "Row no." for v in states.values())  # its picker (a number) is
    demo = make_retail_demo(CUSTOMERS, random_state=0)
    ids = set(map(str, demo.customers["customer_id"]))
    text = re.sub(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+", " ", saved_text)  # images hold no text
    found = [text[max(m.start() - 80, 0):m.end() + 20] for m in re.finditer(r"\d+", text) if m.group(0) in ids]
    assert found == []

    # the tutorial folder: whatever a client sends, the file stays as stored in git
    _api(lab["base"], lab["token"], "/api/contents/notebooks/01_quickstart.ipynb", "PUT",
         {"type": "notebook", "format": "json", "content": saved})
    assert (lab["root"] / "notebooks" / "01_quickstart.ipynb").read_bytes() == \
        (REPO / "notebooks" / "01_quickstart.ipynb").read_bytes()

    # reopened without its kernel: the still copy where the dashboard was, never a widget error
    for session in _api(lab["base"], lab["token"], "/api/sessions"):
        _api(lab["base"], lab["token"], f"/api/sessions/{session['id']}", "DELETE")
    _open(page, lab, "mine/quickstart.ipynb")
    page.locator(".jp-OutputArea .explainer-dashboard-snapshot").first.wait_for(timeout=120_000)
    assert "Run this cell to open the live dashboard" in page.locator(".explainer-dashboard-snapshot").inner_text()
    assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()

    # nothing left 127.0.0.1
    assert blocked == []
    assert all(u.startswith(local) or u.startswith(("data:", "blob:")) for u in requests)
    page.close()
