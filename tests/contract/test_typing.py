"""Contract: ``mypy --strict explainer`` is clean (STYLE.md section 7), and the phrase bank keeps its typed promise."""

from __future__ import annotations

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
