"""The imports a module of the package makes, read from its syntax tree (for the layering tests)."""

from __future__ import annotations

import ast


def imports_of(source: str, parts: list[str], is_package: bool) -> set[str]:
    """Every module of the package that ``source`` imports, at any depth of the syntax tree.

    ``parts`` is the importing module's dotted name as a list (``["explainer", "report",
    "_json"]``); relative imports are resolved against it.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + (1 if is_package else 0)]
                if node.module:
                    found.add(".".join([*base, node.module]))
                else:  # from . import x: x is a module or a name of the package
                    found.update(".".join([*base, a.name]) for a in node.names)
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "explainer" or m.startswith("explainer.")}
