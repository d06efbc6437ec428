"""Run the tutorial notebooks and export them to offline HTML (what ``make reports`` does).

``python -m explainer._notebooks notebooks --out reports/notebooks [--customers N]`` executes
every ``*.ipynb`` in a fresh kernel (nbclient) with this checkout's package first on the
path, and writes one self-contained HTML file per notebook (nbconvert, JupyterLab's layout
without any script or style loaded from the network). The folder is written whole or not
at all. Widgets are exported as their still HTML copy; their state is not stored.

It also holds the Jupyter server's save hooks that ``make lab`` turns on
(``jupyter-config/jupyter_lab_config.py``): :func:`strip_outputs_under` keeps the outputs
of the tutorial notebooks out of the repository, and :func:`pre_save_hook` saves the audit
dashboard as its still copy, never as a live widget view that cannot be shown again.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from collections.abc import Callable

from ._optional import import_optional
from .errors import DataFileNotFoundError, ExplainerError, InvalidInputError

__all__ = ["execute_notebook", "export_html", "run_notebooks", "main", "CUSTOMERS_ENV", "pre_save_hook",
           "strip_outputs", "strip_outputs_under", "SAVE_AS_STILL_COPY", "NOT_SAVED_CLASS", "drop_unsaved_widget_state"]

#: Environment variable the notebooks read for the demo's number of customers.
CUSTOMERS_ENV = "EXPLAINER_NOTEBOOK_CUSTOMERS"
_WIDGET_MIME = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
_TEMPLATES = Path(__file__).parent / "report" / "nbconvert"
#: Output metadata of a display whose live widget view is dropped on save, leaving its still copy.
SAVE_AS_STILL_COPY = {"explainer": {"saved_as": "still copy"}}
#: CSS class of widgets whose state is never saved into a notebook file (the dashboard's what-if inputs).
NOT_SAVED_CLASS = "explainer-not-saved"
#: Cell metadata that records a session (run times, scroll and collapse state), not the notebook.
_SESSION_CELL_METADATA = ("execution", "ExecuteTime", "scrolled", "collapsed", "jupyter")


def pre_save_hook(model: dict[str, Any], path: str = "", contents_manager: Any = None, **kwargs: Any) -> None:
    """Jupyter server pre-save hook: the dashboard is saved as its still copy, not its live view.

    A live widget view cannot be shown again once its kernel is gone: JupyterLab would show
    "Error displaying widget: model not found" where the dashboard was. Outputs marked with
    :data:`SAVE_AS_STILL_COPY` lose their widget view in the saved file and keep their
    ``text/html`` still copy; the notebook on screen is not changed. The saved widget state
    loses the what-if inputs (:func:`drop_unsaved_widget_state`). Turn it on for your own
    server with ``c.ContentsManager.pre_save_hook = "explainer.widgets.pre_save_hook"``.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    drop_unsaved_widget_state(model["content"])
    key = next(iter(SAVE_AS_STILL_COPY))
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs") or []:
            if (output.get("metadata") or {}).get(key) == SAVE_AS_STILL_COPY[key]:
                (output.get("data") or {}).pop(_WIDGET_MIME[0], None)


def drop_unsaved_widget_state(nb: dict[str, Any]) -> int:
    """Remove, in place, the saved state of widgets marked :data:`NOT_SAVED_CLASS`; return how many.

    JupyterLab's "save widget state" writes every widget's values into the notebook's metadata.
    The dashboard's what-if inputs hold one audited row's values: their state is dropped, so the
    saved file never holds them (the live view they belong to is not saved either).
    """
    saved = ((nb.get("metadata") or {}).get("widgets") or {}).get(_WIDGET_MIME[1])
    states = saved.get("state") if isinstance(saved, dict) else None
    if not isinstance(states, dict):
        return 0
    marked = [k for k, v in states.items()
              if NOT_SAVED_CLASS in ((v.get("state") or {}).get("_dom_classes") or ()) if isinstance(v, dict)]
    for k in marked:
        del states[k]
    gone = {f"IPY_MODEL_{k}" for k in marked}
    for v in states.values():  # a box that held them keeps its other children and loads without them
        children = (v.get("state") or {}).get("children") if isinstance(v, dict) else None
        if isinstance(children, list) and gone.intersection(children):
            v["state"]["children"] = [c for c in children if c not in gone]
    return len(marked)


def strip_outputs(nb: dict[str, Any]) -> None:
    """Remove, in place, what running a notebook adds: outputs, counts, widget state, session metadata."""
    meta = nb.setdefault("metadata", {})
    meta.pop("widgets", None)
    if isinstance(meta.get("language_info"), dict):
        meta["language_info"] = {"name": meta["language_info"].get("name", "python")}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for name in _SESSION_CELL_METADATA:
            cell.get("metadata", {}).pop(name, None)


def strip_outputs_under(folder: str | os.PathLike[str]) -> Callable[..., None]:
    """A pre-save hook that saves notebooks under ``folder`` without outputs (and runs :func:`pre_save_hook`).

    A notebook already there keeps its stored metadata (kernel name, language), so a run in any
    set-up saves the same bytes.

    ``make lab`` uses it for ``notebooks/``, so running a tutorial in JupyterLab never writes its
    outputs (results of the data) into the repository, whichever client saves it.
    """
    root = Path(folder).resolve()

    def explainer_pre_save_hook(model: dict[str, Any], path: str = "", contents_manager: Any = None,
                                **kwargs: Any) -> None:
        pre_save_hook(model, path, contents_manager)
        if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
            return
        base = Path(getattr(contents_manager, "root_dir", None) or os.getcwd())
        target = (base / path.strip("/")).resolve()
        if not target.is_relative_to(root):
            return
        strip_outputs(model["content"])
        try:  # the notebook's metadata as stored (the kernel's display name differs between set-ups)
            stored = json.loads(target.read_text(encoding="utf-8")).get("metadata")
        except (OSError, ValueError):
            stored = None
        if isinstance(stored, dict):
            stored.pop("widgets", None)
            model["content"]["metadata"] = stored

    return explainer_pre_save_hook


def execute_notebook(path: str | os.PathLike[str], *, customers: int | None = None, timeout: int = 900,
                     kernel_name: str = "python3") -> Any:
    """Execute a notebook in a new kernel, in the notebook's folder, and return it with outputs.

    Parameters
    ----------
    path : path-like
        The ``.ipynb`` file. It is read, not changed.
    customers : int, default=None
        Sets ``EXPLAINER_NOTEBOOK_CUSTOMERS`` for the kernel (the demo's size).
    timeout : int, default=900
        Seconds allowed per cell.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises; the message names the cell and the error.
    """
    nbformat = import_optional("nbformat", purpose="Running notebooks")
    nbclient = import_optional("nbclient", purpose="Running notebooks")
    p = Path(path)
    if not p.is_file():
        raise DataFileNotFoundError(f"notebook file must exist. Got {str(p)!r}, which was not found.")
    if customers is not None and (not isinstance(customers, int) or customers < 200):
        raise InvalidInputError(f"customers must be an integer of at least 200. Got {customers!r}.")
    nb = nbformat.read(p, as_version=4)
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env.setdefault("OMP_NUM_THREADS", "2")
    if customers is not None:
        env[CUSTOMERS_ENV] = str(customers)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, store_widget_state=False,
                                     resources={"metadata": {"path": str(p.parent.resolve())}})
    client.execute(env=env)
    return nb


def export_html(nb: Any, out: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write an executed notebook as one self-contained HTML file (no network requests)."""
    nbconvert = import_optional("nbconvert", purpose="Exporting notebooks to HTML")
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime in _WIDGET_MIME:
                output.get("data", {}).pop(mime, None)
    exporter = nbconvert.HTMLExporter(template_name="offline", extra_template_basedirs=[str(_TEMPLATES)])
    exporter.embed_images = True
    target = Path(out)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or target.stem}})
    target.write_text(html, encoding="utf-8")
    return target


def run_notebooks(folder: str | os.PathLike[str], out: str | os.PathLike[str], *, customers: int | None = None,
                  timeout: int = 900, progress: Any = None) -> list[Path]:
    """Execute every notebook of ``folder`` in name order and export each to ``out/<name>.html``."""
    from ._outputs import ReportDir

    src = Path(folder)
    books = sorted(src.glob("*.ipynb"))
    if not books:
        raise InvalidInputError(f"folder must hold .ipynb notebooks. Got {str(src)!r}, which holds none.")
    say = progress or (lambda _msg: None)
    written = []
    with ReportDir(out, force=True, marker="notebooks", known={f"{b.stem}.html" for b in books}) as tmp:
        for book in books:
            say(f"running {book.name}")
            nb = execute_notebook(book, customers=customers, timeout=timeout)
            export_html(nb, tmp / f"{book.stem}.html")
            written.append(Path(out) / f"{book.stem}.html")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer._notebooks",
                                     description="Run the notebooks and export them to offline HTML.")
    parser.add_argument("folder", help="folder of .ipynb notebooks")
    parser.add_argument("--out", required=True, help="folder for the HTML files (replaced whole)")
    parser.add_argument("--customers", type=int, default=None, help="demo size the notebooks use")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    try:
        paths = run_notebooks(args.folder, args.out, customers=args.customers, timeout=args.timeout,
                              progress=lambda m: print(m, flush=True))
    except ExplainerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for p in paths:
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
