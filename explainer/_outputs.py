"""Output folders and files: explainer replaces or removes only what it wrote itself.

A report folder holds a manifest, ``.explainer-files.json``, that lists every file and
folder the report consists of. The rules, checked before any work starts and again just
before anything is moved into place:

- a folder that does not exist yet is built beside its final place and renamed into place
  whole (a second run that finished first makes this one refuse, never overwrite);
- an existing empty folder is written into; its permissions are kept;
- an existing folder that holds an earlier report of explainer (its manifest, or, for
  reports written before manifests, only file names a report consists of) is refused
  without ``force``; with ``force`` only the files of that report are replaced and every
  other file stays;
- any other existing folder (it holds files explainer did not write, such as the input
  data) is refused with or without ``force``;
- a symbolic link, a path under a file, a path that is a file, and a folder that cannot be
  written are refused.

Everything is first written into a hidden staging folder, so a failed or interrupted run
leaves the earlier report as it was.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from .errors import InvalidInputError, OutputExistsError

__all__ = ["MANIFEST", "REPORT_NAMES", "ReportDir", "check_folder_path", "check_out_file", "check_out_folder"]

#: The manifest of a report folder: which files and folders explainer wrote there.
MANIFEST = ".explainer-files.json"
#: Names a report of explainer consists of, used to recognise reports written before manifests.
REPORT_NAMES = frozenset({"disclosure.html", "audit.html", "audit.json", "why.html", "combined.json", "all"})
_STAGING = ".explainer-staging-"
_LOCK = ".explainer-lock"


def _show(p: Path) -> str:
    return repr(str(p))


def _parent_problem(path: Path) -> str | None:
    """Why the folders above ``path`` cannot hold it, or None."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{_show(parent)} is a file"
            return None
    return None


def _owned(path: Path, known: Collection[str], entries: list[Path]) -> tuple[list[str], list[str]] | None:
    """The files and folders of an earlier report in ``path`` (relative), or None if it is not one.

    With a manifest, what it lists (and only names inside the folder). Without one (a
    report written before manifests), every entry must be a name in ``known``; the entries
    and everything below them are then the report's.
    """
    manifest = path / MANIFEST
    if manifest.is_file() and not manifest.is_symlink():
        try:
            record = json.loads(manifest.read_text(encoding="utf-8"))
            files = [str(f) for f in record["files"]]
            dirs = [str(d) for d in record.get("dirs", [])]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        for name in files + dirs:
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts or not pure.parts:
                return None  # a manifest that points outside its folder is not one of ours
        return [f for f in files if f != MANIFEST], dirs
    if any(p.name not in known for p in entries):
        return None
    files, dirs = [], []
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            dirs.append(entry.name)
            for sub in sorted(entry.rglob("*")):
                rel = sub.relative_to(path).as_posix()
                (dirs if sub.is_dir() and not sub.is_symlink() else files).append(rel)
        else:
            files.append(entry.name)
    return files, dirs


def _is_stale_staging(p: Path) -> bool:
    """A staging folder of a run that is no longer running (killed with SIGKILL, say)."""
    if not (p.name.startswith(_STAGING) and p.is_dir() and not p.is_symlink()):
        return False
    pid = p.name[len(_STAGING):].split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def check_folder_path(path: str | os.PathLike[str], *, param: str = "out") -> Path:
    """Refuse a folder path that is a symbolic link, a file, or lies under a file."""
    p = Path(path)
    if p.is_symlink():
        raise InvalidInputError(f"{param} must be a real folder, not a symbolic link. Got {_show(p)}. "
                                "Pass the folder it points to, or a new folder.")
    if p.exists() and not p.is_dir():
        raise InvalidInputError(f"{param} must be a folder. Got {_show(p)}, which is a file. "
                                "Choose a new folder name.")
    problem = _parent_problem(p)
    if problem:
        raise InvalidInputError(f"{param} must be a folder path. Got {_show(p)}, but {problem}. "
                                "Choose a folder that is not under a file.")
    return p


def check_out_folder(path: str | os.PathLike[str], *, force: bool = False, param: str = "out",
                     known: Collection[str] = REPORT_NAMES,
                     ignore: Collection[str] = ()) -> tuple[list[str], list[str]] | None:
    """Decide whether ``path`` may receive a report; raise if not.

    Returns the earlier report's files and folders when ``path`` holds one (and ``force``
    is True), an empty listing for an empty folder, or None when the folder does not exist.
    Entries named in ``ignore`` (this run's own staging folder and lock) are passed over.
    """
    p = check_folder_path(path, param=param)
    flag = "--force" if param.startswith("--") else "force=True"
    if not p.exists():
        parent = next(q for q in p.absolute().parents if q.exists())
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InvalidInputError(f"{param} must be a folder explainer can create. Got {_show(p)}, but "
                                    f"{_show(parent)} is not writable. Choose a folder you can write to.")
        return None
    if not os.access(p, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{param} must be a folder explainer can write to. Got {_show(p)}, which is "
                                "read-only. Choose a folder you can write to.")
    entries = [q for q in p.iterdir() if q.name not in ignore and not _is_stale_staging(q)]
    if any(q.name.startswith(_STAGING) or q.name == _LOCK for q in entries):
        raise OutputExistsError(f"{param} must not be written by two runs at once. Got {_show(p)}, which another "
                                "run is writing now. Wait for it, or choose another folder.")
    if not entries:
        return [], []
    owned = _owned(p, known, entries)
    if owned is None:
        n = len(entries)
        raise OutputExistsError(
            f"{param} must be a new or empty folder, or hold an earlier report of explainer. Got {_show(p)}, "
            f"which holds {n} entr{'y' if n == 1 else 'ies'} explainer did not write. Choose another folder "
            "(explainer never removes files it did not write, even with --force).")
    if not force:
        raise OutputExistsError(f"{param} must not already hold a report. Got {_show(p)}, which holds one. "
                                f"Choose another folder or pass {flag} to replace that report's own files.")
    return owned


def check_out_file(path: str | os.PathLike[str], *, force: bool = False, param: str = "out",
                   inputs: Collection[str | os.PathLike[str]] = ()) -> Path:
    """Decide whether the single file ``path`` may be written; raise if not."""
    p = Path(path)
    flag = "--force" if param.startswith("--") else "force=True"
    problem = _parent_problem(p)
    if problem:
        raise InvalidInputError(f"{param} must be a file path. Got {_show(p)}, but {problem}. "
                                "Choose a path that is not under a file.")
    if p.is_dir():
        raise InvalidInputError(f"{param} must be a file name, not a folder. Got {_show(p)}, which is a folder. "
                                "Name the file to write, for example inventory.yaml.")
    for source in inputs:
        if Path(source).exists() and p.exists() and os.path.samefile(p, source):
            raise InvalidInputError(f"{param} must differ from the input. Got the same file ({_show(p)}). "
                                    "Write to a new file.")
    if p.exists() and not force:
        raise OutputExistsError(f"{param} must not exist yet. Got {_show(p)}, which exists. "
                                f"Choose another name or pass {flag} to replace it.")
    return p


class ReportDir:
    """Build a report folder in a staging folder, then move its files into place.

    Use as a context manager: the body writes into the returned staging folder. On error
    or interruption the staging folder is removed and ``path`` is left as it was. See the
    module docstring for which folders are accepted.
    """

    def __init__(self, path: str | os.PathLike[str], *, force: bool = False, marker: str = "audit.json",
                 param: str = "out", known: Collection[str] = REPORT_NAMES):
        self.path = Path(path)
        self.force = force
        self.marker = marker
        self.param = param
        self.known = frozenset(known)
        check_out_folder(self.path, force=force, param=param, known=self.known)
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        existing = check_out_folder(self.path, force=self.force, param=self.param, known=self.known)
        if existing is None:  # build beside it, then rename into place whole
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
        else:
            for stale in self.path.iterdir():
                if _is_stale_staging(stale):
                    shutil.rmtree(stale, ignore_errors=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-", dir=self.path))
        return self.tmp

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.tmp is not None
        tmp, self.tmp = self.tmp, None
        try:
            if exc_type is None:
                self._commit(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _listing(self, tmp: Path) -> tuple[list[str], list[str]]:
        files: list[str] = []
        dirs: list[str] = []
        for sub in sorted(tmp.rglob("*")):
            rel = sub.relative_to(tmp).as_posix()
            (dirs if sub.is_dir() else files).append(rel)
        return files, dirs

    def _commit(self, tmp: Path) -> None:
        from ._io import atomic_write_text
        from ._version import __version__

        files, dirs = self._listing(tmp)
        record = {"format": "explainer report files", "version": __version__, "kind": self.marker,
                  "files": files, "dirs": dirs,
                  "note": "explainer replaces or removes only the files listed here"}
        if tmp.parent == self.path:
            self._replace(tmp, files, dirs, record)
            return
        # a new folder: rename the staging folder into place whole
        atomic_write_text(tmp / MANIFEST, json.dumps(record, indent=1) + "\n")
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            os.rename(tmp, self.path)
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            raise OutputExistsError(
                f"{self.param} must not be written by two runs at once. Got {_show(self.path)}, which another run "
                "wrote while this one ran; it was left as that run wrote it. Choose another folder.") from None

    def _replace(self, tmp: Path, files: list[str], dirs: list[str], record: dict[str, Any]) -> None:
        from ._io import atomic_write_text

        lock = self.path / _LOCK
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            raise OutputExistsError(
                f"{self.param} must not be written by two runs at once. Got {_show(self.path)}, which another run "
                "is writing now. Wait for it, or choose another folder.") from None
        os.close(fd)
        try:
            # again, now that no other run can write: a report written meanwhile is refused without force
            old = check_out_folder(self.path, force=self.force, param=self.param, known=self.known,
                                   ignore={_LOCK, tmp.name})
            old_files, old_dirs = old if old is not None else ([], [])
            ours = set(old_files) | set(old_dirs)
            for rel in files:  # never replace something explainer did not write
                target = self.path / rel
                if (target.exists() or target.is_symlink()) and rel not in ours:
                    raise OutputExistsError(
                        f"{self.param} must hold only an earlier report's files where this report writes. Got "
                        f"{_show(target)}, which explainer did not write. Move it, or choose another folder.")
            for rel in dirs:
                target = self.path / rel
                if target.is_symlink() or (target.exists() and not target.is_dir()):
                    if rel not in ours:
                        raise OutputExistsError(
                            f"{self.param} must hold only an earlier report's files where this report writes. Got "
                            f"{_show(target)}, which explainer did not write. Move it, or choose another folder.")
                    target.unlink()
                target.mkdir(exist_ok=True)
            for rel in files:
                os.replace(tmp / rel, self.path / rel)
            new = set(files) | set(dirs)
            for rel in old_files:
                if rel not in new:
                    (self.path / rel).unlink(missing_ok=True)
            for rel in sorted(old_dirs, key=lambda d: -d.count("/")):
                target = self.path / rel
                if rel not in new and target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
                    target.rmdir()
            atomic_write_text(self.path / MANIFEST, json.dumps(record, indent=1) + "\n")
        finally:
            lock.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
