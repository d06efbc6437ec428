"""The PII scanner: guess each column's data category from its name and a sample of values.

:func:`scan` reads at most ``sample_size`` rows (a seeded sample of a DataFrame, a few row
groups of a Parquet file, a few blocks of a CSV file), runs name rules and value patterns
on every column, and returns a :class:`ScanResult` whose ``inventory`` is a draft
:class:`~explainer.inventory.DataInventory` for a person to review.

No value of the data is ever kept: guesses hold rule names, shares and fixed wording.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._display import HTMLDisplay
from .._io import CSV_SUFFIXES, CsvFormat, check_encoding, csv_format, reading_csv
from ..errors import DataFileNotFoundError, InvalidInputError
from ._column_guess import guess_column as _guess_column
from ._evidence import ColumnGuess, Evidence
from ._schema import ColumnRecord, DataInventory

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Evidence", "ColumnGuess", "ScanResult", "scan"]


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


_SOURCE_OF = {
    "direct_identifier": "provided",
    "contact": "provided",
    "demographic": "provided",
    "special_category": "provided",
    "location": "provided",
    "financial": "provided",
    "work_education": "provided",
    "behavioural": "observed",
    "device": "observed",
    "inferred": "inferred",
    "other": "unknown",
}


@dataclass(frozen=True)
class ScanResult(HTMLDisplay):
    """What :func:`scan` found: one guess per column, and how much data it read.

    Parameters
    ----------
    guesses : tuple of ColumnGuess
        One guess per column, in the column order of the data.
    rows_read : int
        How many rows were read and checked.
    rows_total : int or None
        How many rows the data holds (for CSV, the line count less the header), or None
        when that cannot be told cheaply (compressed CSV).
    """

    guesses: tuple[ColumnGuess, ...]
    rows_read: int
    rows_total: int | None

    def __getitem__(self, column: str) -> ColumnGuess:
        for g in self.guesses:
            if g.column == column:
                return g
        raise KeyError(column)

    @property
    def inventory(self) -> DataInventory:
        """A draft :class:`DataInventory`: one record per column, with the evidence in words."""
        records = []
        for g in self.guesses:
            reasons = "; ".join(_describe(e) for e in g.evidence) or "no rule matched"
            records.append(
                ColumnRecord(
                    column=g.column,
                    category=g.category,
                    source=_SOURCE_OF.get(g.category, "unknown"),
                    role=g.role,
                    description=(
                        f"Drafted by scan (confidence {g.confidence:.2f}): {reasons}. Review."
                    ),
                    special_category_kind=g.special_category_kind,
                )
            )
        notes = (
            f"Drafted by explainer.scan from {self.rows_read} rows"
            + (f" of {self.rows_total}" if self.rows_total is not None else "")
            + ". Fill in purposes, legal_basis, retention and recipients, and check each category.",
        )
        return DataInventory(records, notes)

    def to_frame(self) -> pd.DataFrame:
        """One row per column: column, category, confidence, rule, match_share, role."""
        import pandas as pd

        return pd.DataFrame(
            {
                "column": [g.column for g in self.guesses],
                "category": [g.category for g in self.guesses],
                "confidence": [g.confidence for g in self.guesses],
                "rule": [g.rule for g in self.guesses],
                "match_share": [g.match_share for g in self.guesses],
                "role": [g.role for g in self.guesses],
            }
        )

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Write the draft inventory as YAML to ``path`` (if given) and return the text."""
        return self.inventory.to_yaml(path)

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        guesses = [{"column": str(g.column), "category": g.category, "confidence": g.confidence, "rule": g.rule,
                    "match_share": g.match_share, "role": g.role, "evidence": [e.detail for e in g.evidence]}
                   for g in self.guesses]
        return "scan_result", {"guesses": guesses, "n_columns": len(self.guesses), "rows_read": self.rows_read,
                               "rows_total": self.rows_total}

    def __repr__(self) -> str:
        total = f" of {self.rows_total}" if self.rows_total is not None else ""
        lines = [f"ScanResult({len(self.guesses)} columns, {self.rows_read} rows read{total})"]
        width = max([len(str(g.column)) for g in self.guesses] + [6])
        for g in self.guesses:
            lines.append(
                f"  {g.column!s:<{width}}  {g.category:<17}  {g.confidence:.2f}  {g.rule}"
            )
        return "\n".join(lines)


def _describe(e: Evidence) -> str:
    if e.rule.startswith("name:"):
        return e.detail
    return f"{e.detail} ({100 * e.match_share:.0f}% of sampled values)"


# --------------------------------------------------------------------------------------
# Reading a sample
# --------------------------------------------------------------------------------------


def _check_sample_size(sample_size: Any) -> int:
    if isinstance(sample_size, bool) or not isinstance(sample_size, (int, np.integer)) or sample_size < 1:
        shown = sample_size if isinstance(sample_size, (int, np.integer)) else type(sample_size).__name__
        raise InvalidInputError(
            f"sample_size must be a positive integer. Got {shown!r}. Pass for example sample_size=10_000."
        )
    return int(sample_size)


def _sample_frame(df: pd.DataFrame, n: int, random_state: int | None) -> pd.DataFrame:
    if len(df) <= n:
        return df
    return df.sample(n=n, random_state=random_state)


def _read_parquet(p: Path, n: int, random_state: int | None) -> tuple[pd.DataFrame, int | None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if p.is_dir():
        import pyarrow.dataset as pds

        dataset = pds.dataset(p, format="parquet")
        total = dataset.count_rows()
        return dataset.head(n).to_pandas(), total
    pf = pq.ParquetFile(p)
    total = pf.metadata.num_rows
    n_groups = pf.num_row_groups
    if total <= n or n_groups == 0:
        return pf.read().to_pandas(), total
    rng = np.random.default_rng(random_state)
    # Read from up to 8 row groups chosen at random, a slice of each, in batches so a
    # large row group is not decoded whole.
    chosen = sorted(rng.choice(n_groups, size=min(n_groups, 8), replace=False).tolist())
    sizes = [pf.metadata.row_group(g).num_rows for g in chosen]
    per = max(1, math.ceil(n / len(chosen)))
    batches = []
    got = 0
    for g, size in zip(chosen, sizes):
        want = min(per, size, n - got)
        if want <= 0:
            break
        batch = next(pf.iter_batches(batch_size=want, row_groups=[g], use_threads=False))
        batches.append(batch.slice(0, want))
        got += min(want, batch.num_rows)
    if got < n:  # small row groups: top up from the others in order
        for g in range(n_groups):
            if got >= n:
                break
            if g in chosen:
                continue
            want = n - got
            batch = next(pf.iter_batches(batch_size=want, row_groups=[g], use_threads=False))
            batches.append(batch.slice(0, want))
            got += min(want, batch.num_rows)
    table = pa.Table.from_batches(batches)
    return table.to_pandas(), total


def _count_lines(p: Path) -> int:
    """Count lines by streaming the file through one reused 1 MB buffer (memory stays flat)."""
    count = 0
    last = b"\n"
    buf = bytearray(1 << 20)
    with open(p, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            count += buf.count(b"\n", 0, n)
            last = bytes(buf[n - 1 : n])
    return count + (0 if last == b"\n" else 1)


def _read_csv(p: Path, n: int, random_state: int | None, fmt: CsvFormat) -> tuple[pd.DataFrame, int | None]:
    import pandas as pd

    opts: dict[str, Any] = {"dtype": str, "keep_default_na": True, "sep": fmt.sep, "encoding": fmt.encoding}
    if p.suffix.lower() == ".gz":
        return pd.read_csv(p, nrows=n, **opts), None
    if not fmt.byte_lines:  # lines are not single bytes: no line count, no byte-offset blocks
        return pd.read_csv(p, nrows=n, **opts), None
    total = max(_count_lines(p) - fmt.header_lines, 0)
    if total <= n:
        return pd.read_csv(p, **opts), total
    n_blocks = 8
    per = math.ceil(n / n_blocks)
    head = pd.read_csv(p, nrows=per, **opts)
    # Rows spanning lines (quoted newlines) make byte-offset blocks unsafe: use the head.
    obj = head.select_dtypes(include=["object", "string"])
    has_newline = bool(
        obj.apply(lambda s: s.str.contains("\n", regex=False, na=False).any()).any()
    ) if obj.shape[1] else False
    if has_newline or fmt.header_lines > 1:
        return pd.read_csv(p, nrows=n, **opts), total
    size = p.stat().st_size
    rng = np.random.default_rng(random_state)
    lines: list[bytes] = []
    with open(p, "rb") as fh:
        header = fh.readline()
        start = fh.tell()
        offsets = sorted(rng.integers(start, max(size - 1, start + 1), size=n_blocks - 1).tolist())
        for _ in range(len(head)):  # the head block was parsed separately: skip it
            fh.readline()
        pos = fh.tell()
        for off in offsets:
            if off <= pos:  # blocks must not overlap, or rows would be counted twice
                fh.seek(pos)
            else:
                fh.seek(off)
                fh.readline()  # skip the partial line
            for _ in range(per):
                line = fh.readline()
                if not line:
                    break
                if line.strip():
                    lines.append(line if line.endswith(b"\n") else line + b"\n")
            pos = fh.tell()
    if not lines:
        return head, total
    text = header + b"".join(lines)
    try:
        rest = pd.read_csv(io.BytesIO(text), **opts)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
        return pd.read_csv(p, nrows=n, **opts), total
    df = pd.concat([head, rest], ignore_index=True)
    return df.iloc[:n], total


def _load(data: Any, n: int, random_state: int | None,
          encoding: str | None = None) -> tuple[pd.DataFrame, int, int | None]:
    import pandas as pd

    check_encoding(encoding)
    if isinstance(data, pd.DataFrame):
        sample = _sample_frame(data, n, random_state)
        return sample, len(sample), len(data)
    if not isinstance(data, (str, os.PathLike)):
        raise InvalidInputError(
            f"data must be a pandas DataFrame or a path to a CSV or Parquet file. Got {type(data).__name__}. "
            "Pass a DataFrame or a file path."
        )
    p = Path(data)
    if not p.exists():
        raise DataFileNotFoundError(
            f"data file must exist. Got {str(p)!r}, which was not found. Check the path."
        )
    suffix = p.suffix.lower()
    if not p.is_dir() and suffix in CSV_SUFFIXES:  # the one reader's rules: delimiter, encoding, errors
        if p.stat().st_size == 0:
            raise InvalidInputError(f"data file must not be empty. Got {p.name!r} with 0 bytes.")
        fmt = csv_format(p, encoding=encoding)
        with reading_csv(p.name, fmt):
            df, total = _read_csv(p, n, random_state, fmt)
    elif p.is_dir() or suffix in (".parquet", ".pq"):
        try:
            df, total = _read_parquet(p, n, random_state)
        except Exception as err:  # parser errors from pyarrow: name the file, not the data
            raise InvalidInputError(
                f"data file {p.name!r} must be readable as a table. Reading failed ({type(err).__name__}). "
                "Check it is a complete Parquet file."
            ) from None
    else:
        raise InvalidInputError(
            f"data must be a .csv or .parquet file. Got {p.name!r}. Convert it to CSV or Parquet."
        )
    if len(df) > n:
        df = df.iloc[:n]
    return df, len(df), total


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def scan(
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    sample_size: int = 10_000,
    random_state: int | None = 0,
    encoding: str | None = None,
) -> ScanResult:
    """Guess the data category of every column from its name and a sample of its values.

    Column names are matched against vocabularies in several languages (``email``,
    ``telefon``, ``date_of_birth``, ``ethnicity``, ``iban``, ...). Values are checked
    against patterns: email addresses, phone numbers, IPv4/IPv6 addresses, payment cards
    (card prefix plus Luhn), IBANs (mod-97), dates of birth, UK postcodes and US ZIP codes,
    people's names, gender and ethnicity categories, and free text that contains any of
    these. Values decide when the name misleads. Near-unique columns count as identifiers
    of people only when their name or form says so.

    Parameters
    ----------
    data : DataFrame or path-like
        The data, or a path to a CSV or Parquet file (or a folder of Parquet files).
    sample_size : int, default=10_000
        Read and check at most this many rows: a seeded random sample of a DataFrame, a
        few random row groups of a Parquet file, a few random blocks of a CSV file.
    random_state : int or None, default=0
        Seed for the sample.
    encoding : str or None, default=None
        Text encoding of a CSV file. None reads UTF-8 with or without a byte-order mark;
        the delimiter and encoding rules are those of :func:`explainer.read_table`.

    Returns
    -------
    ScanResult
        One :class:`ColumnGuess` per column; ``.inventory`` is the draft inventory.

    Raises
    ------
    InvalidInputError
        If ``sample_size`` is not a positive integer, ``data`` is neither a DataFrame nor
        a path, or the file cannot be read as a table.
    DataFileNotFoundError
        If ``data`` is a path that does not exist.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"contact": ["ann@example.com", "bo@example.org"], "n_orders": [3, 1]})
    >>> result = scan(df)
    >>> [g.category for g in result.guesses]
    ['contact', 'behavioural']
    >>> result.rows_read
    2
    """
    n = _check_sample_size(sample_size)
    df, rows_read, rows_total = _load(data, n, random_state, encoding)
    names = [str(c) for c in df.columns]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise InvalidInputError(
            f"data must have unique column names. Got {len(dupes)} repeated, for example {dupes[:5]!r}. "
            "Rename or drop the repeated columns."
        )
    guesses = tuple(_guess_column(col, df.iloc[:, i], random_state) for i, col in enumerate(df.columns))
    return ScanResult(guesses=guesses, rows_read=rows_read, rows_total=rows_total)
