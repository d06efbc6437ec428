"""Contract: ``mypy --strict explainer`` is clean (STYLE.md section 7), and the phrase bank keeps its typed promise."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    # pyproject.toml [tool.mypy] sets strict = true; running from the repo root picks it up
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache"), "explainer"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, f"mypy explainer exited with {out.returncode}:\n{out.stdout}\n{out.stderr}"
    assert "Success: no issues found" in out.stdout, out.stdout


def test_mypy_checks_strictly() -> None:
    # the check above means little if the configuration it reads is weakened
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.mypy]", 1)[1].split("\n[", 1)[0]
    assert re.search(r"^strict\s*=\s*true\s*$", section, re.M), section
    assert "ignore_errors" not in section and "disable_error_code" not in section, section


def test_only_the_public_sentence_of_a_phrase_can_be_missing() -> None:
    # phrase() is typed to return str for every part but "public"; the bank must keep that promise
    from explainer.findings import PHRASES, phrase
    from explainer.findings._phrases import PhrasePart

    parts = set(get_args(PhrasePart))
    for code, entry in PHRASES.items():
        assert "text" in entry, code
        for which, template in entry.items():
            assert which == "public" or which in parts, f"{code}: part {which!r} is not in PhrasePart"
            assert which == "public" or isinstance(template, str), f"{code}: part {which!r} is not a sentence"
    assert phrase("model.additivity", "public") is None
    assert phrase("model.additivity", error="1e-3", unit="score") == (
        "Attributions do not add up to the model output: the largest gap is 1e-3 score."
    )


def test_a_phrase_part_without_a_sentence_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainer.findings import PHRASES, phrase

    monkeypatch.setitem(PHRASES, "test.broken", {"text": None, "public": None})
    assert phrase("test.broken", "public") is None
    with pytest.raises(KeyError, match="part 'text' must be a sentence"):
        phrase("test.broken")


# ---------------------------------------------------------------- the public API's type stub
USER_SCRIPT = '''\
import pandas as pd

import explainer as ex

df = pd.DataFrame({"age": [30, 40], "bought": [0, 1]})
inv = ex.DataInventory.from_yaml("inventory.yaml")
a: ex.Audit = ex.audit(object(), df, target="bought", inventory=inv, k=3, n_boot=100, random_state=0)
result: ex.ScanResult = ex.scan(df, sample_size=100)
'''
WRONG_LINES = '''\
a = ex.audit(object(), df, target="bought", k="three")
b = ex.audit(object(), df, target="bought", inventory="inventory.yaml")
c: ex.ScanResult = ex.audit(object(), df, target="bought")
'''


def _mypy_on(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # not the project's configuration
    env = {**os.environ, "MYPYPATH": str(ROOT)}  # this checkout's explainer, not an installed one
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--follow-imports=silent",
         "--no-incremental", "--config-file", "mypy.ini", *files],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    return out.stdout + out.stderr


@pytest.mark.slow
def test_users_type_checkers_see_the_signature_of_audit(tmp_path: Path) -> None:
    """A user's mypy accepts a correct call of ex.audit and rejects wrong argument types.

    Without explainer/__init__.pyi every public name resolves through a module
    ``__getattr__`` typed ``Any``, so all three wrong lines passed unnoticed.
    """
    out = _mypy_on(tmp_path, {"good.py": USER_SCRIPT, "bad.py": USER_SCRIPT + WRONG_LINES})
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith("good.py")], out
    first = len(USER_SCRIPT.splitlines()) + 1
    lines = {int(e.split(":")[1]) for e in errors if e.startswith("bad.py")}
    assert lines == {first, first + 1, first + 2}, out
    assert 'Argument "k" to "audit" has incompatible type "str"' in out, out
    assert 'Argument "inventory" to "audit" has incompatible type "str"' in out, out


def _stub_imports() -> dict[str, str]:
    """Each name the stub re-exports and the module it comes from (relative, as in _LAZY)."""
    tree = ast.parse((ROOT / "explainer" / "__init__.pyi").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                assert a.asname == a.name, f"the stub must re-export {a.name} as itself"
                names[a.name] = "." * node.level + (node.module or "")
    return names


def test_the_stub_matches_the_runtime_public_api() -> None:
    import explainer

    stub = _stub_imports()
    tree = ast.parse((ROOT / "explainer" / "__init__.pyi").read_text(encoding="utf-8"))
    stub_all = next(ast.literal_eval(n.value) for n in tree.body
                    if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__all__")
    assert stub_all == explainer.__all__
    assert set(stub) == set(explainer.__all__)
    assert {n: m for n, m in stub.items() if n in explainer._LAZY} == explainer._LAZY


def test_the_stub_is_shipped() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    package_data = text.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert '"__init__.pyi"' in package_data and '"py.typed"' in package_data
