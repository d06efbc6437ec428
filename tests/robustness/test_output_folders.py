"""explainer removes or replaces only files it wrote itself; a bad --out is refused before any work.

Every case here lost a user's files or left a half-written folder before output folders kept a
manifest of their own files (issue: "never delete a user's files").
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.cli import main
from explainer.errors import OutputExistsError

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100", "--no-refit"]
REPORT = [".explainer-files.json", "audit.html", "audit.json", "disclosure.html"]


def argv(data: Path, model: Path, out: Path | str, *extra: str) -> list[str]:
    return ["audit", str(data), "--model", str(model), "--target", "bought", "--out", str(out), *FAST, *extra]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder below ``folder`` with its bytes (None for a folder)."""
    return {p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def user_folder(root: Path) -> Path:
    """A folder of a user's own files, one of them in a subfolder."""
    root.mkdir()
    (root / "thesis.docx").write_bytes(b"three years of work")
    (root / "photos").mkdir()
    (root / "photos" / "cat.jpg").write_bytes(b"\xff\xd8 a cat")
    return root


@pytest.fixture()
def no_work(monkeypatch):
    """Fail loudly if the audit reads the data or loads the model: a bad --out must be refused first."""
    import explainer._io
    import explainer.models

    def refuse(*a, **k):
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(explainer._io, "read_table", refuse)
    monkeypatch.setattr(explainer.models, "load_model", refuse)


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_folder_of_other_files_is_refused_with_or_without_force(force, ws, tmp_path, capsys, no_work):
    out = user_folder(tmp_path / "mine")
    before = snapshot(out)
    assert main(argv(ws / "data.csv", ws / "model.skops", out, *force)) == 2
    line = one_line(capsys)
    assert "--out must be a new or empty folder" in line and "did not write" in line
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no hidden temporary folder


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_folder_that_holds_the_input_is_refused_and_the_input_kept(force, ws, tmp_path, capsys, no_work):
    folder = tmp_path / "project"
    folder.mkdir()
    data = folder / "applicants.csv"
    data.write_bytes((ws / "data.csv").read_bytes())
    before = snapshot(folder)
    assert main(argv(data, ws / "model.skops", folder, *force)) == 2
    assert "--out must be a new or empty folder" in one_line(capsys)
    assert snapshot(folder) == before


def test_out_dot_is_the_current_folder_and_is_refused_when_it_holds_the_input(ws, tmp_path, capsys,
                                                                              monkeypatch, no_work):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "applicants.csv").write_bytes((ws / "data.csv").read_bytes())
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    for out in (".", str(folder)):
        assert main(argv(Path("applicants.csv"), ws / "model.skops", out, "--force")) == 2
        assert "--out must be a new or empty folder" in one_line(capsys)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


@pytest.mark.parametrize("case", ["symlink", "under_a_file", "a_file", "root"])
def test_unsafe_out_paths_are_refused_before_any_work(case, ws, tmp_path, capsys, no_work):
    target = user_folder(tmp_path / "real")
    (tmp_path / "notes.txt").write_text("my notes")
    out = {"symlink": tmp_path / "link", "under_a_file": tmp_path / "notes.txt" / "report",
           "a_file": tmp_path / "notes.txt", "root": Path("/")}[case]
    if case == "symlink":
        out.symlink_to(target, target_is_directory=True)
    before = snapshot(tmp_path)
    assert main(argv(ws / "data.csv", ws / "model.skops", out, "--force")) == 2
    line = one_line(capsys)
    assert line.startswith("explainer: --out must")
    assert snapshot(tmp_path) == before


def test_force_replaces_only_the_earlier_reports_own_files(ws, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0
    manifest = json.loads((out / ".explainer-files.json").read_text())
    assert sorted(manifest["files"]) == ["audit.html", "audit.json", "disclosure.html"]
    # the user keeps notes beside the report
    (out / "review-notes.txt").write_text("the reviewer's notes")
    (out / "attachments").mkdir()
    (out / "attachments" / "letter.pdf").write_bytes(b"%PDF a letter")
    old = (out / "audit.json").read_bytes()
    assert main(argv(ws / "data.csv", ws / "model_ethnicity.skops", out, "--force")) == 0
    assert (out / "review-notes.txt").read_text() == "the reviewer's notes"
    assert (out / "attachments" / "letter.pdf").read_bytes() == b"%PDF a letter"
    assert (out / "audit.json").read_bytes() != old
    assert sorted(p.name for p in out.iterdir()) == sorted([*REPORT, "attachments", "review-notes.txt"])
    # without --force an earlier report is refused, and nothing changes
    before = snapshot(out)
    capsys.readouterr()
    assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 2
    assert "--out must not already hold a report" in one_line(capsys)
    assert snapshot(out) == before


def test_a_report_written_before_manifests_is_recognised_by_its_names(ws, tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    for name in ("audit.json", "audit.html", "disclosure.html", "why.html"):
        (out / name).write_text(f"old {name}")
    assert main(argv(ws / "data.csv", ws / "model.skops", out, "--force")) == 0
    # why.html was the old report's own file, not part of the new report: removed
    assert sorted(p.name for p in out.iterdir()) == REPORT


def test_a_manifest_that_points_outside_its_folder_makes_the_folder_not_ours(ws, tmp_path, capsys):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    out = tmp_path / "r"
    out.mkdir()
    (out / "audit.json").write_text("{}")
    (out / ".explainer-files.json").write_text(json.dumps({"files": ["../precious.txt", "audit.json"]}))
    assert main(argv(ws / "data.csv", ws / "model.skops", out, "--force")) == 2
    assert "did not write" in one_line(capsys)
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("existing", [False, True])
def test_the_folders_permissions_are_kept(existing, ws, tmp_path):
    out = tmp_path / "private"
    if existing:
        out.mkdir()
        os.chmod(out, 0o700)
        assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0  # an empty folder is written into
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
        assert main(argv(ws / "data.csv", ws / "model.skops", out, "--force")) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
    else:
        old = os.umask(0o077)
        try:
            assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0
        finally:
            os.umask(old)
        assert stat.S_IMODE(out.stat().st_mode) == 0o700  # as the user's umask asks, never widened


def test_a_read_only_folder_is_refused_up_front_or_written_with_its_mode_kept(ws, tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    os.chmod(out, 0o500)
    try:
        rc = main(argv(ws / "data.csv", ws / "model.skops", out))
        if os.access(out, os.W_OK):  # root: permission bits do not stop it, so the report is written
            assert rc == 0 and sorted(p.name for p in out.iterdir()) == REPORT
        else:
            assert rc == 2 and "read-only" in one_line(capsys)
            assert list(out.iterdir()) == []
        assert stat.S_IMODE(out.stat().st_mode) == 0o500
    finally:
        os.chmod(out, 0o700)


def test_two_runs_writing_the_same_new_folder_the_second_refuses(ws, tmp_path, capsys):
    from explainer._outputs import ReportDir

    out = tmp_path / "shared"
    first = ReportDir(out)
    with pytest.raises(OutputExistsError, match="two runs at once"):
        with first as staging:
            (staging / "audit.json").write_text("the slower run")
            # meanwhile a second run writes the same folder and finishes first
            assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0
    assert sorted(p.name for p in out.iterdir()) == REPORT
    assert (out / "audit.json").read_text() != "the slower run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared"]


def test_a_second_run_into_a_folder_being_written_refuses(ws, tmp_path, capsys):
    from explainer._outputs import ReportDir

    out = tmp_path / "empty"
    out.mkdir()
    with ReportDir(out) as staging:
        (staging / "audit.json").write_text("the first run")
        assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 2
        assert "two runs at once" in one_line(capsys)
    assert (out / "audit.json").read_text() == "the first run"
    assert sorted(p.name for p in out.iterdir()) == [".explainer-files.json", "audit.json"]


def test_a_report_written_after_the_check_is_not_replaced_without_force(ws, tmp_path):
    from explainer._outputs import ReportDir

    out = tmp_path / "empty"
    out.mkdir()
    slower = ReportDir(out)  # checked before its long work: the folder is empty
    assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0  # another run finishes meanwhile
    before = snapshot(out)
    with pytest.raises(OutputExistsError, match="must not already hold a report"):
        with slower as staging:
            (staging / "audit.json").write_text("the slower run")
    assert snapshot(out) == before


@pytest.mark.parametrize("with_old_report", [False, True])
def test_sigterm_is_handled_like_ctrl_c(with_old_report, ws, tmp_path):
    out = tmp_path / "out"
    if with_old_report:
        assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0
    before = snapshot(out) if with_old_report else None
    code = (
        "import os, signal, sys\n"
        "import explainer.report._render as r\n"
        "real = r.render_disclosure\n"
        "def stop(*a, **k):\n"
        "    html = real(*a, **k)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return html\n"
        "r.render_disclosure = stop\n"
        "from explainer.cli import main\n"
        f"sys.exit(main({argv(ws / 'data.csv', ws / 'model.skops', out, '--force')!r}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "interrupted; no partial report" in proc.stderr and "Traceback" not in proc.stderr
    assert (snapshot(out) if out.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out"] if with_old_report else [])


def test_report_command_refuses_a_folder_of_other_files(ws, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(argv(ws / "data.csv", ws / "model.skops", out)) == 0
    target = user_folder(tmp_path / "mine")
    before = snapshot(target)
    capsys.readouterr()
    assert main(["report", str(out / "audit.json"), "--out", str(target), "--force"]) == 2
    assert "--out must be a new or empty folder" in one_line(capsys)
    assert snapshot(target) == before
    # re-rendering a report in place replaces its own files and keeps others
    (out / "notes.txt").write_text("mine")
    assert main(["report", str(out / "audit.json"), "--out", str(out), "--force"]) == 0
    assert (out / "notes.txt").read_text() == "mine"


def test_scan_never_overwrites_a_reviewed_inventory_without_force(ws, tmp_path, capsys):
    inv = tmp_path / "inventory.yaml"
    inv.write_text("# reviewed by hand\ncolumns: []\n")
    assert main(["scan", str(ws / "data.csv"), "--out", str(inv)]) == 2
    assert "--out must not exist yet" in one_line(capsys)
    assert inv.read_text() == "# reviewed by hand\ncolumns: []\n"
    assert main(["scan", str(ws / "data.csv"), "--out", str(inv), "--force"]) == 0
    assert "customer_id" in inv.read_text()
    capsys.readouterr()
    assert main(["scan", str(ws / "data.csv"), "--out", str(tmp_path)]) == 2  # a folder: bad input, not a bug
    assert "--out must be a file name, not a folder" in one_line(capsys)


def test_why_refuses_to_write_over_its_input(ws, tmp_path, capsys):
    data = tmp_path / "one.csv"
    data.write_bytes((ws / "data.csv").read_bytes())
    before = data.read_bytes()
    assert main(["why", str(data), "--model", str(ws / "model.skops"), "--row", "0", "--out", str(data),
                 "--force", "--quiet"]) == 2
    assert "--out must differ from the input" in one_line(capsys)
    assert data.read_bytes() == before
