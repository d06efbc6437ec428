"""A run stopped midway leaves no partial report in the output folder, and an old report intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100"]


def argv(ws, out, *extra):
    return ["audit", str(ws / "data.csv"), "--model", str(ws / "model.skops"), "--target", "bought",
            "--out", str(out), *FAST, *extra]


def old_report(out: Path) -> dict[str, bytes]:
    out.mkdir()
    files = {name: f"the previous {name}\n".encode() for name in ("audit.json", "audit.html", "disclosure.html")}
    for name, body in files.items():
        (out / name).write_bytes(body)
    return files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def stop_while_rendering(monkeypatch, exc: BaseException) -> list[str]:
    """Make the audit report's rendering fail after disclosure.html has been written."""
    import explainer.report._render as render

    written = []
    real = render.render_disclosure

    def disclosure_then_note(*args, **kwargs):
        written.append("disclosure")
        return real(*args, **kwargs)

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(render, "render_disclosure", disclosure_then_note)
    monkeypatch.setattr(render, "render_audit", fail)
    return written


@pytest.mark.parametrize("with_old_report", [False, True])
def test_ctrl_c_while_rendering_leaves_nothing_half_written(with_old_report, ws, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    before = old_report(out) if with_old_report else None
    reached = stop_while_rendering(monkeypatch, KeyboardInterrupt())
    rc = main(argv(ws, out, "--force"))
    assert reached == ["disclosure"]  # the run was stopped midway through writing the report
    assert rc == 130
    assert "interrupted; no partial report" in capsys.readouterr().err
    assert (tree(out) if out.exists() else None) == before
    assert [p.name for p in tmp_path.iterdir()] == (["out"] if with_old_report else [])


def test_a_crash_while_rendering_leaves_the_old_report(ws, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    before = old_report(out)
    stop_while_rendering(monkeypatch, RuntimeError("disk full"))
    assert main(argv(ws, out, "--force")) == 3  # an internal error, never 1 (a tripped gate)
    err = capsys.readouterr().err
    assert "Traceback" in err and "disk full" in err
    assert err.strip().splitlines()[-1].startswith("explainer: internal error (RuntimeError). This is a bug")
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_killed_process_leaves_the_old_report(ws, tmp_path):
    """SIGKILL runs no cleanup at all: the report folder must still be the old one, whole."""
    out = tmp_path / "out"
    before = old_report(out)
    code = (
        "import os, signal, sys\n"
        "import explainer.report._render as r\n"
        "r.render_audit = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from explainer.cli import main\n"
        f"sys.exit(main({argv(ws, out, '--force')!r}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # the old report is whole; what the killed run had written stays in its hidden staging folder inside
    # the output folder (SIGKILL runs no clean-up), and nothing is left beside it
    staging = [p for p in out.iterdir() if p.is_dir()]
    assert [p.name.startswith(".explainer-staging-") for p in staging] == [True]
    assert sorted(q.name for q in staging[0].iterdir()) == ["disclosure.html"]
    assert {k: v for k, v in tree(out).items() if not k.startswith(".explainer-staging-")} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    # the next run removes the dead run's staging folder and replaces only the report's own files
    assert main(argv(ws, out, "--force")) == 0
    assert sorted(p.name for p in out.iterdir()) == [".explainer-files.json", "audit.html", "audit.json",
                                                    "disclosure.html"]
