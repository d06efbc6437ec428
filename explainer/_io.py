"""File helpers: atomic writes, hashing, reading tabular data with clear errors."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataFileNotFoundError, InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_write_text", "atomic_write_bytes", "sha256_file", "read_table", "read_yaml",
           "CsvFormat", "csv_format", "check_encoding", "reading_csv", "CSV_SUFFIXES"]


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


# --------------------------------------------------------------------------------------
# Reading tables: one reader, one set of rules for every command
# --------------------------------------------------------------------------------------

#: File name endings read as delimited text.
CSV_SUFFIXES = (".csv", ".txt", ".gz", ".tsv")
#: Delimiters looked for in the header, in the order that breaks a tie.
DELIMITERS = (",", "\t", ";", "|")
_SEP_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "'|' characters"}
#: The header row must end within this many bytes.
_HEADER_LIMIT = 1 << 24


@dataclass(frozen=True)
class CsvFormat:
    """How one delimited text file is read, decided once from its first bytes and its header.

    Attributes
    ----------
    sep : str
        The delimiter: a tab for a ``.tsv`` file, else the most frequent of ``,``, tab, ``;``
        and ``|`` outside double quotes in the header row (ties in that order); a header
        with none of them is a single column (read with ``,``).
    encoding : str
        ``utf-8-sig`` unless an encoding was given: UTF-8, with the byte-order mark that
        spreadsheets write removed.
    header_lines : int
        Physical lines the header row spans (more than 1 when a quoted name holds a newline).
    byte_lines : bool
        True when newlines and delimiters are single ASCII bytes in this encoding, so the
        file can be split into blocks at byte offsets.
    """

    sep: str
    encoding: str
    header_lines: int
    byte_lines: bool

    @property
    def sep_name(self) -> str:
        return _SEP_NAMES.get(self.sep, repr(self.sep))


def check_encoding(encoding: object, *, param: str = "encoding") -> str | None:
    """Validate a text encoding name; None stays None (UTF-8, byte-order mark removed)."""
    if encoding is None:
        return None
    if not isinstance(encoding, str) or not encoding.strip():
        raise InvalidInputError(
            f"{param} must be the name of a text encoding. Got {type(encoding).__name__}. "
            "Pass for example 'utf-8', 'cp1252' or 'latin-1'."
        )
    try:
        info = codecs.lookup(encoding.strip())
    except LookupError:
        raise InvalidInputError(
            f"{param} must be the name of a text encoding Python knows. Got {encoding!r}. "
            "Pass for example 'utf-8', 'cp1252' or 'latin-1'."
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise InvalidInputError(
            f"{param} must be a text encoding. Got {encoding!r}, a bytes-to-bytes codec. "
            "Pass for example 'utf-8', 'cp1252' or 'latin-1'."
        )
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _open_bytes(p: Path) -> Any:
    if p.suffix.lower() == ".gz":
        return gzip.open(p, "rb")
    return open(p, "rb")


def _header_end(text: str) -> int | None:
    """Index of the newline that ends the first non-blank record (quotes respected), or None."""
    quoted = False
    started = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
            started = True
        elif ch in "\r\n" and not quoted:
            if started:
                return i
        elif not ch.isspace():
            started = True
    return None


def _pick_delimiter(header: str) -> str | None:
    """The most frequent delimiter outside double quotes (ties in DELIMITERS order), or None."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else None


def _not_text(name: str, param: str, got: str, example: str) -> InvalidInputError:
    return InvalidInputError(
        f"{param} file {name!r} must be UTF-8 text. Got {got}. Save it as 'CSV UTF-8', or pass its encoding, "
        f"e.g. --encoding {example} (encoding={example!r})."
    )


def _decode_error(name: str, param: str, encoding: str) -> InvalidInputError:
    if encoding == "utf-8-sig":
        return _not_text(name, param, "bytes that are not UTF-8 (Latin-1 or Windows-1252 text, for example)",
                         "cp1252")
    return InvalidInputError(
        f"{param} file {name!r} must be text in the encoding given ({encoding}). Got bytes that are not "
        f"{encoding}. Pass the file's own encoding with --encoding (encoding=), or save it as 'CSV UTF-8'."
    )


def csv_format(path: str | os.PathLike[str], *, encoding: str | None = None, param: str = "data") -> CsvFormat:
    """Decide the delimiter and encoding of a delimited text file from its first bytes.

    Encoding: without ``encoding``, the file must be UTF-8 (a byte-order mark is removed);
    UTF-16 and UTF-32 (a byte-order mark, or NUL bytes) and bytes that are not UTF-8 are
    refused with a message naming the problem and the fix. Delimiter: see
    :class:`CsvFormat`. Only the header row decides, so values that hold another delimiter
    (or a letter) never change it.

    Raises
    ------
    InvalidInputError
        If the file is not text in the encoding, is empty, or has no header row.
    """
    p = Path(path)
    name = p.name
    given = check_encoding(encoding)
    try:
        with _open_bytes(p) as fh:
            first: bytes = fh.read(1 << 16)
            if not first.strip():
                raise InvalidInputError(f"{param} file must not be empty. Got {name!r} with no header row.")
            enc = given
            if enc is None:
                if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
                    raise _not_text(name, param, "UTF-32 (it starts with a UTF-32 byte-order mark)", "utf-32")
                if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise _not_text(name, param, "UTF-16 (it starts with a UTF-16 byte-order mark)", "utf-16")
                if b"\x00" in first:
                    raise _not_text(name, param, "NUL bytes: UTF-16 without a byte-order mark, or not a text file",
                                   "utf-16")
                enc = "utf-8-sig"
            decoder = codecs.getincrementaldecoder(enc)("strict")
            text, chunk, read = "", first, len(first)
            while True:
                text += decoder.decode(chunk, final=not chunk)
                end = _header_end(text)
                if end is not None or not chunk:
                    break
                if read > _HEADER_LIMIT:
                    raise InvalidInputError(
                        f"{param} file {name!r} must have a header row shorter than {_HEADER_LIMIT >> 20} MB. "
                        "Got no end of line before that. Put the column names on the first line."
                    )
                chunk = fh.read(1 << 16)
                read += len(chunk)
    except UnicodeDecodeError:
        raise _decode_error(name, param, enc or "utf-8-sig") from None
    except (OSError, EOFError, zlib.error) as err:
        raise InvalidInputError(
            f"{param} file {name!r} must be readable. Reading failed ({type(err).__name__}). "
            "Check the file is a CSV file (or gzip-compressed CSV for .gz)."
        ) from err
    header = text[: end if end is not None else len(text)]
    if not header.strip():
        raise InvalidInputError(f"{param} file must not be empty. Got {name!r} with no header row.")
    tab = p.suffix.lower() == ".tsv" or p.name.lower().endswith(".tsv.gz")
    sep = "\t" if tab else (_pick_delimiter(header) or ",")
    probe = "\n,;|\t\""
    try:
        byte_lines = probe.encode("utf-8" if enc == "utf-8-sig" else enc) == probe.encode("ascii")
    except UnicodeEncodeError:  # pragma: no cover - every text codec encodes these
        byte_lines = False
    header_lines = header.count("\n") + 1
    return CsvFormat(sep=sep, encoding=enc, header_lines=header_lines, byte_lines=byte_lines)


@contextmanager
def reading_csv(name: str, fmt: CsvFormat, *, param: str = "data") -> Iterator[None]:
    """Turn a parser failure into one InvalidInputError naming the file, never a value."""
    import pandas as pd

    try:
        yield
    except UnicodeError:
        raise _decode_error(name, param, fmt.encoding) from None
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"{param} file must not be empty. Got {name!r} with no header row.") from None
    except (pd.errors.ParserError, csv.Error, ValueError, OverflowError) as err:
        text = str(err)
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
        if fields:
            want, line, saw = fields.groups()
            raise InvalidInputError(
                f"{param} file {name!r} must have as many fields in each row as its header ({want}, separated "
                f"by {fmt.sep_name}). Got {saw} in line {line}. Put values that contain {fmt.sep_name} in "
                "double quotes."
            ) from None
        quote = re.search(r"EOF inside string starting at row (\d+)", text)
        if quote:
            raise InvalidInputError(
                f"{param} file {name!r} must close every double quote it opens. Got a quoted value from row "
                f"{quote.group(1)} to the end of the file. Close it, and double quotes inside values (\"\")."
            ) from None
        raise InvalidInputError(
            f"{param} file {name!r} must be readable as a table. Reading failed ({type(err).__name__}) with "
            f"the delimiter its header shows ({fmt.sep_name}) and {fmt.encoding}. Check the file is "
            "delimited text."
        ) from None


def _text_options(p: Path, fmt: CsvFormat, columns: Sequence[str], param: str) -> dict[str, Any]:
    """Read ``columns`` as the text written, the others with pandas' usual missing markers."""
    import pandas as pd

    with reading_csv(p.name, fmt, param=param):
        names = [str(c) for c in pd.read_csv(p, sep=fmt.sep, encoding=fmt.encoding, nrows=0).columns]
    text = set(columns)
    usual = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
    return {"dtype": {c: str for c in names if c in text}, "keep_default_na": False,
            "na_values": {c: ([] if c in text else usual) for c in names}}


def read_table(
    path: str | os.PathLike[str],
    *,
    param: str = "data",
    encoding: str | None = None,
    text_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or Parquet file with errors that name the parameter and the fix.

    Every command reads its tables here (the scanner and the Dask backend decide the
    delimiter and encoding with the same :func:`csv_format`).

    Parameters
    ----------
    path : path-like
        A ``.csv``, ``.txt``, ``.tsv`` or ``.gz`` file, a ``.parquet`` file, or a folder of
        Parquet files.
    param : str, default="data"
        The name used in error messages.
    encoding : str or None, default=None
        The text encoding of a CSV file. None reads UTF-8 (with or without the byte-order
        mark a spreadsheet writes) and refuses UTF-16 and other bytes with a message.
    text_columns : sequence of str, default=None
        Columns of a CSV file read as the text written in the file, never as numbers or
        missing-value markers: ``00123`` stays ``00123``, ``NA`` stays ``NA``. Surrounding
        whitespace is removed, and an empty cell is missing. In a Parquet file, text columns
        are treated the same way and other columns keep their stored types.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataFileNotFoundError
        If the file does not exist.
    InvalidInputError
        If it cannot be read as a table: the message names the problem (encoding, a row
        with too many fields, an unclosed quote) and the fix.
    """
    p = Path(path)
    if not p.exists():
        raise DataFileNotFoundError(f"{param} file must exist. Got {str(p)!r}, which was not found.")
    if p.is_dir() and not any(p.rglob("*.parquet")):
        raise InvalidInputError(f"{param} must be a CSV or Parquet file. Got a folder with no Parquet files.")
    suffix = p.suffix.lower()
    check_encoding(encoding)  # a misspelt name is an error even for a Parquet file, which has no text encoding
    text = [str(c) for c in dict.fromkeys(text_columns or ())]
    if p.is_dir() or suffix in (".parquet", ".pq"):
        df = _read_parquet_table(p, param, text)
    elif suffix in CSV_SUFFIXES:
        df = _read_csv_table(p, param, encoding, text)
    else:
        raise InvalidInputError(
            f"{param} must be a .csv or .parquet file. Got {p.name!r}. Convert it to CSV or Parquet."
        )
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InvalidInputError(f"{param} file {p.name!r} must hold rows and columns. Got {df.shape[0]} rows.")
    return df


def _read_parquet_table(p: Path, param: str, text: list[str]) -> pd.DataFrame:
    """A Parquet file or folder; stored text columns stripped, stored numbers keep their types."""
    import pandas as pd

    try:
        df = pd.read_parquet(p)
    except (OSError, ValueError) as err:
        raise InvalidInputError(
            f"{param} file {p.name!r} must be readable as a table. Reading failed ({type(err).__name__}). "
            "Check it is a complete Parquet file."
        ) from err
    for c in text:  # stored text follows the same rule as text read from a CSV file
        if c in df.columns and (df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)):
            s = df[c].map(lambda v: v.strip() if isinstance(v, str) else v)
            df[c] = s.where(s.map(lambda v: v != ""))
    return df


def _read_csv_table(p: Path, param: str, encoding: str | None, text: list[str]) -> pd.DataFrame:
    """A delimited text file, with the delimiter and encoding :func:`csv_format` decides."""
    import pandas as pd

    if p.stat().st_size == 0:
        raise InvalidInputError(f"{param} file must not be empty. Got {p.name!r} with 0 bytes.")
    fmt = csv_format(p, encoding=encoding, param=param)
    opts: dict[str, Any] = {"sep": fmt.sep, "encoding": fmt.encoding, "low_memory": False}
    if text:
        opts.update(_text_options(p, fmt, text, param))
    with reading_csv(p.name, fmt, param=param):
        df = pd.read_csv(p, **opts)
    for c in text:
        if c in df.columns:
            s = df[c].str.strip()
            df[c] = s.where(s != "")
    if df.shape[1] == 1 and fmt.sep == "\t" and any(c in str(df.columns[0]) for c in ",;|"):
        found = next(c for c in ",;|" if c in str(df.columns[0]))
        raise InvalidInputError(
            f"{param} file {p.name!r} must be tab-separated (it is named .tsv). Got one column whose name "
            f"contains {found!r}, another delimiter. Save it with tabs, or name it .csv."
        )
    return df
