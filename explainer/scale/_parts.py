"""The part files of explain-all: names, the manifest, the output folder's rules and the run loop.

Shared by the feature-model path (``_explain_all``) and the collaborative-filtering path
(``_explain_collaborative``); see ``_explain_all``'s docstring for the folder's layout.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from .._optional import import_optional
from ..errors import InvalidInputError, OutputExistsError

MANIFEST = "_manifest.json"
#: Column with the model's expected output; attributions of a row add up to OUTPUT - BASE.
BASE_COLUMN = "_base_value"
#: Column with the model output the attributions explain (log-odds for classifiers).
OUTPUT_COLUMN = "_output"


@dataclass(frozen=True)
class ExplainAllResult:
    """What :func:`explain_all` wrote.

    Attributes
    ----------
    out : Path
        The output folder (a Parquet data set: ``pd.read_parquet(out)`` reads it).
    partitions : int
        Part files in the data set.
    computed, skipped : int
        Partitions explained in this run, and finished ones found from an earlier run.
    rows : int
        Rows in the data set.
    id_columns, columns : tuple of str
        Key columns copied from the input, and the raw input columns attributed.
    unit : str
        Unit of the attributions (``"log-odds"`` for classifiers, else ``"score"``).
    max_additivity_error : float
        Largest gap between a row's attributions plus the base value and the model output.
    seconds : float
        Wall time of this run.
    """

    out: Path
    partitions: int
    computed: int
    skipped: int
    rows: int
    id_columns: tuple[str, ...]
    columns: tuple[str, ...]
    unit: str
    max_additivity_error: float
    seconds: float


def _part(i: int) -> str:
    return f"part-{i:05d}"


def _is_done(out: Path, i: int) -> bool:
    return (out / f"{_part(i)}.parquet").is_file() and (out / "_parts" / f"{_part(i)}.json").is_file()


def _own_name(rel: str) -> bool:
    """A name explain_all writes in its folder (and nothing else)."""
    import re

    return bool(re.fullmatch(r"_manifest\.json|part-\d{5}\.parquet|\.part-\d{5}\.[0-9a-f]{32}\.tmp|_parts|"
                             r"_parts/part-\d{5}\.json|_parts/\.part-\d{5}\.json\.[^/]*\.tmp", rel))


def _not_ours(dest: Path) -> list[str]:
    """Entries of ``dest`` that explain_all did not write."""
    if not dest.is_dir():
        return []
    names = [p.relative_to(dest).as_posix() for p in dest.iterdir()]
    if (dest / "_parts").is_dir() and not (dest / "_parts").is_symlink():
        names += [p.relative_to(dest).as_posix() for p in (dest / "_parts").iterdir()]
    return [n for n in names if not _own_name(n)]


def _remove_own_files(dest: Path) -> None:
    """Remove an earlier run's files: only names explain_all writes (checked by the caller)."""
    for sub in [dest / "_parts", dest]:
        if sub.is_dir() and not sub.is_symlink():
            for p in sub.iterdir():
                rel = p.relative_to(dest).as_posix()
                if _own_name(rel) and (p.is_file() or p.is_symlink()):
                    p.unlink()
    if (dest / "_parts").is_dir() and not any((dest / "_parts").iterdir()):
        (dest / "_parts").rmdir()


def _check_out(dest: Path, data: Any) -> Path:
    """Refuse an output folder that is a link, a file, or overlaps the input, before any work."""
    from .._outputs import check_folder_path

    check_folder_path(dest)
    if isinstance(data, (str, os.PathLike)):
        src, here = Path(data).resolve(), dest.resolve()
        if src == here or here in src.parents or src in here.parents:
            raise InvalidInputError(
                f"out must not overlap the input data. Got {str(dest)!r} for data {Path(data).name!r}. "
                "Write the attributions to a folder of their own, outside the input's.")
    return dest


def _read_manifest(dest: Path) -> dict[str, Any] | None:
    """The manifest of an earlier run in ``dest``, or None; a damaged one is refused with a message."""
    path = dest / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InvalidInputError(
            f"out must hold a readable {MANIFEST} from an earlier explain_all run. Got {str(dest)!r}, whose "
            f"{MANIFEST} cannot be read ({type(err).__name__}). Choose another folder, or delete that folder "
            "yourself if it is an old run you no longer need.") from err
    if not isinstance(manifest, dict) or not isinstance(manifest.get("fingerprint"), dict):
        raise InvalidInputError(
            f"out must hold a {MANIFEST} written by explain_all. Got {str(dest)!r}, whose {MANIFEST} has another "
            "form. Choose another folder, or delete that folder yourself if it is an old run you no longer need.")
    return manifest



def _id_columns(id_column: str | Sequence[str]) -> list[str]:
    ids = [id_column] if isinstance(id_column, str) else [str(c) for c in id_column]
    if not ids:
        raise InvalidInputError("id_column must name at least one column. Got none. Pass e.g. 'customer_id'.")
    return ids


def _prepare_out(dest: Path, fingerprint: dict[str, Any], force: bool) -> dict[str, Any] | None:
    """Make ``dest`` ready for a run: the earlier run's manifest when it is the same run, else None.

    Refuses a folder with files explain_all did not write (even with ``force``), and one holding
    another run unless ``force`` (then only explain_all's own files are removed). Leftover
    temporary files of an interrupted run are removed.
    """
    manifest = _read_manifest(dest)
    strangers = _not_ours(dest)
    if strangers:
        raise OutputExistsError(
            f"out must be a new or empty folder, or hold an earlier explain_all run. Got {str(dest)!r}, which holds "
            f"{len(strangers)} entr{'y' if len(strangers) == 1 else 'ies'} explain_all did not write. Choose another "
            "folder (explain_all never removes files it did not write, even with --force).")
    leftovers = manifest is None and dest.is_dir() and any(dest.iterdir())
    if leftovers or (manifest is not None and manifest.get("fingerprint") != fingerprint):
        if not force:
            raise OutputExistsError(
                f"out must be empty or hold a run of the same model, data and ids. Got {str(dest)!r}, "
                "which holds another run. Choose another folder or pass --force (force=True) to replace it.")
        _remove_own_files(dest)
        manifest = None
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob(".part-*.tmp"):  # left by an interrupted run
        stale.unlink(missing_ok=True)
    return manifest


def _run_parts(client: Any, tasks: list[Any], skipped: int, n_parts: int, say: Callable[[str], None],
               t0: float) -> None:
    """Compute the partitions' tasks on the cluster, reporting progress; cancel the rest on failure."""
    if not tasks:
        return
    distributed = import_optional("distributed", purpose="explain_all")
    futures = client.compute(tasks)
    rows_done = 0
    try:
        for done, (_fut, info) in enumerate(distributed.as_completed(futures, with_results=True), start=1):
            rows_done += info["rows"]
            say(f"explain-all: {skipped + done}/{n_parts} partitions done ({rows_done} rows this run, "
                f"{time.perf_counter() - t0:.1f}s)")
    except BaseException:
        # interrupted (Ctrl-C) or failed: partitions not yet started are cancelled, so the
        # cluster stops soon; those running finish and are kept, and a rerun resumes
        client.cancel(futures)
        raise


def _finished(dest: Path, n_parts: int) -> list[dict[str, Any]]:
    """The part records of a finished run, in partition order."""
    return [json.loads((dest / "_parts" / f"{_part(i)}.json").read_text(encoding="utf-8")) for i in range(n_parts)]
