"""Every docstring example in the package runs and prints what it says (STYLE: examples that run)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import explainer


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(explainer.__path__, "explainer."):
        module = importlib.import_module(info.name)
        tests = doctest.DocTestFinder(exclude_empty=True).find(module, info.name)
        if any(t.examples for t in tests):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_the_package_has_examples():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
