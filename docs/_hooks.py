"""MkDocs hooks: the pages that would drift if written by hand are generated at build time.

- ``reference/cli.md`` from the argument parser of ``explainer/cli.py``;
- ``reference/audit-json.md`` from ``explainer/report/audit.schema.json``;
- ``reference/findings.md`` from the phrase bank (``explainer.findings.PHRASES``) and the rules in
  ``docs/_data/finding_rules.yaml`` (the build fails when a code has no rule);
- ``reference/api/*.md`` from ``__all__`` of ``explainer`` and its subpackages;
- ``changelog.md`` and ``contributing.md`` from ``CHANGELOG.md`` and ``CONTRIBUTING.md``;
- ``notebooks/*.ipynb``: the notebooks of ``notebooks/`` executed once per build by the package's own
  runner (``explainer._notebooks.execute_notebook``) on a demo of ``EXPLAINER_DOCS_CUSTOMERS``
  customers (default 1000), then rendered by mkdocs-jupyter without executing them again. A cell
  that raises fails the build.

After rendering, every page is checked for references that would leave the machine (a script,
style sheet, image or frame loaded from http or https): the build fails if one is found.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.explainer")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this checkout's package, not an installed copy
    sys.path.insert(0, str(ROOT))
CUSTOMERS_ENV = "EXPLAINER_DOCS_CUSTOMERS"
NOTEBOOKS_ENV = "EXPLAINER_DOCS_NOTEBOOKS"  # "skip": render the notebooks without running them
_WIDGET_MIME = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
_tmp: Path | None = None

GENERATED = ("<!-- Generated at build time by docs/_hooks.py from {src}. Do not edit: change {src}. -->\n\n")


# ---------------------------------------------------------------- CLI reference
def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _flags(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest.upper()}`"
    names = ", ".join(f"`{s}`" for s in action.option_strings)
    if action.nargs == 0:
        return names
    metavar = action.metavar or (("{" + ",".join(map(str, action.choices)) + "}") if action.choices else
                                 action.dest.upper())
    if action.nargs in ("+", "*"):
        metavar = f"{metavar} [{metavar} ...]"
    return f"{names} `{metavar}`"


def _arg_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = ["| argument | required | default | what it does |", "| --- | --- | --- | --- |"]
    groups = {id(a): g for g in parser._mutually_exclusive_groups for a in g._group_actions}
    for a in parser._actions:
        if isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        required = "yes" if (a.required or not a.option_strings) else "no"
        g = groups.get(id(a))
        if g is not None:
            others = [o.option_strings[0] for o in g._group_actions if o is not a]
            required = ("one of " if g.required else "not with ") + ", ".join(f"`{o}`" for o in others)
        default = a.default
        shown = "" if default in (None, False, [], "", argparse.SUPPRESS) else f"`{default}`"
        text = _md(a.help)
        if a.choices and a.option_strings:
            text += f" Choices: {', '.join(f'`{c}`' for c in a.choices)}."
        rows.append(f"| {_flags(a)} | {required} | {shown} | {text} |")
    return rows


def cli_page() -> str:
    from explainer import cli

    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    out = [GENERATED.format(src="the argument parser in explainer/cli.py"), "# Command line reference", "",
           "Every subcommand, argument, default and choice below is read from the parser that "
           "`explainer` itself runs, when the site is built; `explainer --help` and "
           "`explainer SUBCOMMAND --help` print the same.", "",
           "```text", parser.format_usage().strip(), "```", "", *_arg_rows(parser), ""]
    if parser.epilog:
        out += ["## Exit codes", "", "```text", parser.epilog.strip(), "```", ""]
    out += ["| subcommand | what it does |", "| --- | --- |"]
    out += [f"| [`{name}`](#explainer-{name}) | {_md(helps.get(name))} |" for name in sub.choices]
    out.append("")
    for name, p in sub.choices.items():
        out += [f"## explainer {name} {{#explainer-{name}}}", "", _md(helps.get(name)).capitalize() + ".", "",
                "```text", p.format_usage().strip(), "```", "", *_arg_rows(p), ""]
    notes = ROOT / "docs" / "_data" / "cli_notes.md"  # hand-written behaviour notes, kept beside the rules
    if notes.is_file():
        out.append(notes.read_text(encoding="utf-8"))
    return "\n".join(out)


# ---------------------------------------------------------------- audit.json reference
def _type(node: dict[str, Any]) -> str:
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#def-{name})"
    t = node.get("type", "")
    if isinstance(t, list):
        return " or ".join(t)
    if t == "array" and isinstance(node.get("items"), dict):
        return f"array of {_type(node['items']) or 'values'}"
    return t or "any"


def _schema_rows(node: dict[str, Any], path: str, required: bool, rows: list[str]) -> None:
    rows.append(f"| `{path}` | {_type(node)} | {'yes' if required else 'no'} | {_md(node.get('description'))} |")
    req = set(node.get("required", []))
    for key, child in node.get("properties", {}).items():
        if isinstance(child, dict):
            _schema_rows(child, f"{path}.{key}", key in req, rows)
    items = node.get("items")
    if isinstance(items, dict) and "properties" in items:
        ireq = set(items.get("required", []))
        for key, child in items["properties"].items():
            _schema_rows(child, f"{path}[].{key}", key in ireq, rows)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and (extra.get("properties") or extra.get("type")):
        _schema_rows(extra, f"{path}.*", False, rows)


def audit_json_page() -> str:
    path = ROOT / "explainer" / "report" / "audit.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    version = schema["properties"]["schema_version"].get("const")
    out = [GENERATED.format(src="explainer/report/audit.schema.json"), "# audit.json reference", "",
           f"`audit.json` holds every number of one audit. This page is generated from the JSON Schema that "
           f"ships with the package (`explainer/report/audit.schema.json`, {schema['$schema'].split('/')[-2]} "
           f"draft), for `schema_version` **{version}**. {schema.get('description', '')}", "",
           "Validate a file against it with any JSON Schema validator:", "",
           "```python", "import json, jsonschema", "from importlib.resources import files",
           "schema = json.loads(files(\"explainer.report\").joinpath(\"audit.schema.json\").read_text())",
           "jsonschema.validate(json.load(open(\"reports/demo/audit.json\")), schema)", "```", "",
           "How `schema_version` changes with the package version is set out in the "
           "[version policy](../versioning.md). In the table, `[]` is an element of an array and `*` "
           "any key of a mapping; a field the schema does not describe further may hold more keys "
           "than listed (the schema leaves them open).", ""]
    required = set(schema.get("required", []))
    for key, node in schema["properties"].items():
        rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
        _schema_rows(node, key, key in required, rows)
        out += [f"## `{key}`", "", _md(node.get("description")), "", *rows, ""]
    if schema.get("$defs"):
        out += ["## Shared definitions", ""]
        for name, node in schema["$defs"].items():
            out += [f"### `{name}` {{#def-{name}}}", "", f"{_type(node)}. {_md(node.get('description'))}", "",
                    "```json", json.dumps(node, indent=2), "```", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- finding codes
def findings_page() -> str:
    from explainer.findings import PHRASES, Severity

    rules_path = ROOT / "docs" / "_data" / "finding_rules.yaml"
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    missing = sorted(set(PHRASES) - set(rules))
    if missing:
        raise PluginError(f"docs/_data/finding_rules.yaml must describe every finding code of explainer.findings."
                          f"PHRASES. Got codes without a rule: {missing}. Add a rule for each.")
    unknown = sorted(set(rules) - set(PHRASES))
    if unknown:  # a rule for a code this checkout does not raise (another branch's, or a removed one)
        log.info("finding rules without a code in the phrase bank, not shown: %s", unknown)
    out = [GENERATED.format(src="explainer/findings/_phrases.py and docs/_data/finding_rules.yaml"),
           "# Finding codes", "",
           "A finding is one thing the audit measured, with a stable dotted code, a severity and a sentence. "
           "Codes are stable: filter on them (`audit.findings_matching([...])`), diff them between runs and "
           "gate a release on them with [`--fail-on`](../guides/ci-gate.md). The codes and sentences below "
           "are read from the package's phrase bank when the site is built.", "",
           "Severities, lowest to highest: " + ", ".join(f"`{s.value}`" for s in Severity) + ". A `--fail-on` "
           "severity matches that severity and every higher one; a code prefix (`fairness`) matches every code "
           "under it.", "",
           "| code | severity | raised when |", "| --- | --- | --- |"]
    for code in sorted(PHRASES):
        r = rules[code]
        out.append(f"| [`{code}`](#{code.replace('.', '')}) | {_md(r['severity'])} | {_md(r['when'])} |")
    out.append("")
    for code in sorted(PHRASES):
        r, p = rules[code], PHRASES[code]
        out += [f"## `{code}` {{#{code.replace('.', '')}}}", "", f"**Severity:** {r['severity']}", "",
                f"**Raised when:** {r['when']}", ""]
        if r.get("evidence"):
            out += [f"**Evidence** (`findings[].evidence` in audit.json): {r['evidence']}", ""]
        out += ["**Sentence for reviewers** (`text`):", "", f"> {p['text']}", ""]
        public = p.get("public")
        out += (["**Sentence for customers** (`public_text`, shown in the disclosure):", "", f"> {public}", ""]
                if public else ["No sentence for customers: the finding stays in the reviewer report.", ""])
    return "\n".join(out)


# ---------------------------------------------------------------- API reference
API_PAGES = {  # page -> (title, module prefixes, subpackage whose __all__ adds members, introduction)
    "audit": ("Audit", ("explainer.pipeline", "explainer._audit", "explainer._collaborative_audit", "explainer._why",
                        "explainer._io"), None,
              "The entry points: audit a model or a decision log, explain one person, read a table."),
    "inventory": ("Inventory", ("explainer.inventory",), "explainer.inventory",
                  "Stage 1: which data exists. The data inventory, the PII scan and pseudonymisation."),
    "models": ("Models", ("explainer.models",), "explainer.models",
               "Stage 2: one interface over scikit-learn pipelines, LightGBM, XGBoost and any callable; safe "
               "loading."),
    "analyses": ("Analyses", ("explainer.analyses",), "explainer.analyses",
                 "Stage 3: explanation (SHAP), fairness, proxies, minimisation, privacy risk. Each analysis "
                 "returns a frozen result object."),
    "findings": ("Findings", ("explainer.findings",), "explainer.findings",
                 "Stage 4: findings with stable codes, and the phrase bank."),
    "report": ("Report", ("explainer.report",), "explainer.report",
               "Stage 5: rendering only. disclosure.html, audit.html, audit.json, combined disclosures."),
    "scale": ("Scale-out", ("explainer.scale",), "explainer.scale", "The same audit on a Dask cluster; explain-all."),
    "widgets": ("Widgets", ("explainer.widgets",), "explainer.widgets", "The ipywidgets dashboard for notebooks."),
    "demo": ("Demo", ("explainer.demo",), "explainer.demo",
             "The embedded example: synthetic customers, a recommender and an email targeting model."),
    "errors": ("Errors", ("explainer.errors",), "explainer.errors",
               "The exception tree. Each error subclasses the builtin a caller expects."),
}


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return _md(doc.strip().split("\n\n")[0]) if doc else ""


def api_pages() -> dict[str, str]:
    import explainer

    members: dict[str, list[tuple[str, str, str]]] = {k: [] for k in API_PAGES}  # page -> (shown, path, summary)
    placed: set[str] = set()
    for name in explainer.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(explainer, name)
        module = getattr(obj, "__module__", "") or ""
        page = next((p for p, (_, prefixes, _, _) in API_PAGES.items() if module.startswith(prefixes)), None)
        if page is None:
            raise PluginError(f"explainer.{name} must belong to an API reference page. Got module {module!r}. "
                              "Add its module to API_PAGES in docs/_hooks.py.")
        members[page].append((f"explainer.{name}", f"{module}.{name}", _summary(obj)))
        placed.add(f"{module}.{name}")
    for page, (_, _, subpackage, _) in API_PAGES.items():
        if subpackage is None:
            continue
        mod = importlib.import_module(subpackage)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            path = f"{obj.__module__}.{name}"
            if path in placed:
                continue
            placed.add(path)
            members[page].append((f"{subpackage}.{name}", path, _summary(obj)))
    pages = {}
    index = [GENERATED.format(src="__all__ of explainer and its subpackages"), "# Python API", "",
             "Everything below is public: `import explainer as ex` gives the names listed as `explainer.X`; "
             "the others are imported from their subpackage. Pages follow the pipeline, inventory to report. "
             "Each entry is rendered from the function's or class's own docstring.", ""]
    for page, (title, _, _, intro) in API_PAGES.items():
        rows = sorted(members[page])
        index += [f"## [{title}]({page}.md)", "", intro, "", "| name | summary |", "| --- | --- |"]
        index += [f"| [`{shown}`]({page}.md#{path}) | {summ} |" for shown, path, summ in rows]
        index.append("")
        body = [GENERATED.format(src="__all__ of explainer and its subpackages"), f"# {title}", "", intro, ""]
        for shown, path, _ in rows:
            body += [f"::: {path}", "    options:", f"      heading: \"{shown}\"", f"      toc_label: \"{shown}\"",
                     "      heading_level: 2", ""]
        pages[f"reference/api/{page}.md"] = "\n".join(body)
    pages["reference/api/index.md"] = "\n".join(index)
    return pages


# ---------------------------------------------------------------- project files
def project_page(name: str) -> str:
    """CHANGELOG.md or CONTRIBUTING.md from the repository root, links rewritten for the site."""
    text = (ROOT / name).read_text(encoding="utf-8")
    text = re.sub(r"\]\(docs/([^)]+)\)", r"](\1)", text)
    text = text.replace("](README.md)", "](index.md)")
    return GENERATED.format(src=name) + text


# ---------------------------------------------------------------- notebooks
def _executed_notebooks(tmp: Path) -> list[Path]:
    import nbformat

    from explainer._notebooks import execute_notebook

    skip = os.environ.get(NOTEBOOKS_ENV, "") == "skip"
    customers = int(os.environ.get(CUSTOMERS_ENV, "1000"))
    out = []
    for book in sorted((ROOT / "notebooks").glob("*.ipynb")):
        t0 = time.perf_counter()
        if skip:
            nb = nbformat.read(book, as_version=4)
        else:
            try:
                nb = execute_notebook(book, customers=customers)
            except Exception as err:  # a notebook that no longer runs fails the build
                raise PluginError(f"notebook {book.name} must run. Got {type(err).__name__}: {err}") from err
        nb.metadata.pop("widgets", None)  # no widget manager loaded from a CDN
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                for mime in _WIDGET_MIME:
                    output.get("data", {}).pop(mime, None)
        target = tmp / "notebooks" / book.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        out.append(target)
        log.info("notebook %s %s in %.1f s", book.name, "copied" if skip else "executed", time.perf_counter() - t0)
    return out


# ---------------------------------------------------------------- events
@event_priority(100)  # before mkdocs-jupyter wraps .ipynb files
def on_files(files: Any, config: Any) -> Any:
    global _tmp
    t0 = time.perf_counter()
    generated = {"reference/cli.md": cli_page(), "reference/audit-json.md": audit_json_page(),
                 "reference/findings.md": findings_page(), "changelog.md": project_page("CHANGELOG.md"),
                 "contributing.md": project_page("CONTRIBUTING.md"), **api_pages()}
    for uri, content in generated.items():
        files.append(File.generated(config, uri, content=content))
    _tmp = Path(tempfile.mkdtemp(prefix="explainer-docs-"))
    for nb in _executed_notebooks(_tmp):
        # a File with its own src_dir (not File.generated), so that mkdocs-jupyter finds its path
        files.append(File(f"notebooks/{nb.name}", src_dir=str(_tmp), dest_dir=config["site_dir"],
                          use_directory_urls=config["use_directory_urls"]))
    log.info("generated reference pages and notebooks in %.1f s", time.perf_counter() - t0)
    return files


_EXTERNAL = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
                       re.IGNORECASE)
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)


def on_post_page(output: str, page: Any, config: Any) -> str:
    # nbconvert's MathJax loader comes from a CDN; the notebooks hold no formulas, so it is removed.
    output = _MATHJAX.sub("", output)
    # notebook code cells scroll sideways: make them reachable by keyboard (axe scrollable-region-focusable)
    output = output.replace('<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb')
    found = _EXTERNAL.search(output)
    if found:
        tag = output[found.start():output.find(">", found.start()) + 1][:300]
        raise PluginError(f"page {page.file.src_uri} must load nothing from the network. Got {tag!r}.")
    return output


def on_post_build(config: Any) -> None:
    if _tmp is not None:
        shutil.rmtree(_tmp, ignore_errors=True)


def on_build_error(error: Exception) -> None:
    if _tmp is not None:
        shutil.rmtree(_tmp, ignore_errors=True)
