"""File helpers: atomic writes, hashing, reading tabular data with clear errors."""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataFileNotFoundError, InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_write_text", "atomic_write_bytes", "sha256_file", "read_table", "read_yaml"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_yaml(p: Path, what: str) -> Any:
    """Parse a YAML file with errors that name the file, the line and the fix (never a value)."""
    import yaml

    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidInputError(
            f"{what} file {p.name!r} must be valid YAML. It fails to parse{line}. Fix the syntax there."
        ) from err
    except UnicodeDecodeError as err:
        raise InvalidInputError(
            f"{what} file {p.name!r} must be UTF-8 text. Got bytes that are not UTF-8. Save it as UTF-8."
        ) from err
    except (ValueError, OverflowError, RecursionError) as err:  # e.g. a date such as 2024-13-45
        raise InvalidInputError(
            f"{what} file {p.name!r} must be valid YAML. It holds a value YAML cannot read "
            f"({type(err).__name__}), such as an impossible date. Put that value in quotes."
        ) from err


def read_table(path: str | os.PathLike[str], *, param: str = "data") -> pd.DataFrame:
    """Read a CSV or Parquet file with errors that name the parameter and the fix."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise DataFileNotFoundError(f"{param} file must exist. Got {str(p)!r}, which was not found.")
    if p.is_dir() and not any(p.rglob("*.parquet")):
        raise InvalidInputError(f"{param} must be a CSV or Parquet file. Got a folder with no Parquet files.")
    suffix = p.suffix.lower()
    try:
        if p.is_dir() or suffix in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        elif suffix in (".csv", ".txt", ".gz", ".tsv"):
            if p.stat().st_size == 0:
                raise InvalidInputError(f"{param} file must not be empty. Got {p.name!r} with 0 bytes.")
            sep = "\t" if suffix == ".tsv" else None
            df = pd.read_csv(p, sep=sep, engine="python") if sep is None else pd.read_csv(p, sep=sep)
        else:
            raise InvalidInputError(
                f"{param} must be a .csv or .parquet file. Got {p.name!r}. Convert it to CSV or Parquet."
            )
    except InvalidInputError:
        raise
    except (pd.errors.EmptyDataError, pd.errors.ParserError, csv.Error, UnicodeDecodeError, OSError, ValueError) as err:
        raise InvalidInputError(
            f"{param} file {p.name!r} must be readable as a table. Reading failed ({type(err).__name__}). "
            "Check the format and delimiter."
        ) from err
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InvalidInputError(f"{param} file {p.name!r} must hold rows and columns. Got {df.shape[0]} rows.")
    if df.shape[1] == 1 and isinstance(df.columns[0], str) and any(c in df.columns[0] for c in ",;|\t"):
        want = "tab-separated (it is named .tsv)" if suffix == ".tsv" else "comma-separated"
        found = next(c for c in ",;|\t" if c in df.columns[0])
        raise InvalidInputError(
            f"{param} file {p.name!r} must be {want}. Got one column whose name contains {found!r}, another "
            f"delimiter. Save it {'with tabs' if suffix == '.tsv' else 'as CSV with commas'}."
        )
    return df
