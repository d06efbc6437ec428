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
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._display import HTMLDisplay
from .._io import CSV_SUFFIXES, CsvFormat, check_encoding, csv_format, reading_csv
from ..errors import DataFileNotFoundError, InvalidInputError
from . import _patterns as P
from ._schema import ColumnRecord, DataInventory

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Evidence", "ColumnGuess", "ScanResult", "scan"]

#: At most this many distinct values per column go through the value patterns.
_MAX_DISTINCT = 2_000


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One reason behind a guess.

    Parameters
    ----------
    rule : str
        Stable rule id: ``name:<what>`` for column-name rules, ``value:<what>`` for value
        patterns, ``text:<what>`` for patterns found inside free text, ``unique:<what>``
        for near-unique columns, ``dtype:<what>`` for the column type.
    match_share : float
        Share of the sampled non-missing values the rule matched, from 0 to 1. Name rules
        look at the name only and report 1.0.
    detail : str
        The reason in plain words. Never holds a value of the data.
    """

    rule: str
    match_share: float
    detail: str


@dataclass(frozen=True)
class ColumnGuess:
    """The scanner's guess for one column.

    Parameters
    ----------
    column : str
        The column name.
    category : str
        One of the inventory categories; ``"other"`` when nothing personal was found.
    confidence : float
        From 0 to 1: how sure the scanner is of ``category``.
    evidence : tuple of Evidence
        The reasons, the deciding one first.
    role : str
        Guessed role: ``identifier`` for direct identifiers, ``sensitive`` for special
        category data, ``item`` for product columns, ``other`` for record ids, else
        ``feature``.
    special_category_kind : str or None
        For special category columns, which kind (ethnicity, health, ...).
    """

    column: str
    category: str
    confidence: float
    evidence: tuple[Evidence, ...]
    role: str
    special_category_kind: str | None = None

    @property
    def rule(self) -> str:
        """The deciding rule, or ``"none"``."""
        return self.evidence[0].rule if self.evidence else "none"

    @property
    def match_share(self) -> float:
        """The match share of the deciding rule (0.0 when there is none)."""
        return self.evidence[0].match_share if self.evidence else 0.0


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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: rows read and in all, and each column's guess with its evidence
        (rule ids, match shares and reasons in words; never a value of the data)."""
        from .._document import plain

        doc: dict[str, Any] = plain({"rows_read": self.rows_read, "rows_total": self.rows_total,
                                     "guesses": [asdict(g) for g in self.guesses]})
        return doc

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
# Looking at one column
# --------------------------------------------------------------------------------------


@dataclass
class _Values:
    """The distinct values of one column as strings, with their counts (kept in memory only)."""

    strings: list[str]
    weights: np.ndarray
    n: int  # non-missing values in the sample
    n_distinct: int
    numeric: bool
    boolean: bool
    raw_text: bool  # the values came as text (leading zeros and formatting kept)
    datetime: Any  # pd.Series of datetimes or None

    def share(self, test: Callable[[str], bool]) -> float:
        if not self.strings:
            return 0.0
        hits = np.fromiter((test(v) for v in self.strings), dtype=bool, count=len(self.strings))
        return float(self.weights[hits].sum() / self.weights.sum())

    def distinct_share(self, test: Callable[[str], bool]) -> float:
        if not self.strings:
            return 0.0
        return sum(1 for v in self.strings if test(v)) / len(self.strings)


#: Text that stands for a missing value ("N/A", "-", "?" in the UCI files).
_MISSING_MARKERS = frozenset({"", "n/a", "na", "-", "--", "?", "null", "nan", "<na>"})

_BOOL_STRINGS = frozenset({"0", "1", "true", "false", "yes", "no", "y", "n", "t", "f", "0.0", "1.0"})


def _values(s: pd.Series, random_state: int | None) -> _Values:
    import pandas as pd

    s = s.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    n = len(s)
    dt = None
    raw_text = False
    if pd.api.types.is_bool_dtype(s.dtype):
        strings = s.astype(str)
        numeric, boolean = False, True
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = s
        strings = s.astype(str)
        numeric, boolean = False, False
    elif pd.api.types.is_numeric_dtype(s.dtype):
        if pd.api.types.is_float_dtype(s.dtype) and n and bool((s == np.round(s)).all()) and s.abs().max() < 2**62:
            s = s.astype("int64")
        strings = s.astype(str)
        numeric, boolean = True, False
    else:
        strings = s.map(lambda v: v if isinstance(v, str) else str(v)).str.strip()
        strings = strings[~strings.str.lower().isin(_MISSING_MARKERS)]
        n = len(strings)
        numeric = n > 0 and bool(pd.to_numeric(strings, errors="coerce").notna().all())
        boolean = False
        raw_text = True
    counts = strings.value_counts(sort=False)
    n_distinct = len(counts)
    if not boolean and 0 < n_distinct <= 2 and set(counts.index.str.lower()) <= _BOOL_STRINGS:
        boolean = True
    if n_distinct > _MAX_DISTINCT:
        counts = counts.sample(n=_MAX_DISTINCT, random_state=random_state)
    return _Values(
        strings=[v[:2000] for v in counts.index.tolist()],
        weights=counts.to_numpy(dtype=float),
        n=n,
        n_distinct=n_distinct,
        numeric=numeric,
        boolean=boolean,
        raw_text=raw_text,
        datetime=dt,
    )


_DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}/\d{2}/\d{2}"), "%Y/%m/%d"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), None),  # day or month first: decided below
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), None),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"), "ISO8601"),
)


def _fullmatcher(rx: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda x: rx.fullmatch(x) is not None


def _parse_dates(v: _Values) -> tuple[Any, float]:
    """Return (datetimes of the distinct values, share of values that look like dates)."""
    import pandas as pd

    if v.datetime is not None:
        d = pd.to_datetime(v.datetime)
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
        return d, 1.0
    if v.numeric or v.boolean or not v.strings:
        return None, 0.0
    best_share, best_fmt, best_rx = 0.0, None, None
    for rx, fmt in _DATE_FORMATS:
        share = v.share(_fullmatcher(rx))
        if share > best_share:
            best_share, best_fmt, best_rx = share, fmt, rx
    if best_share < 0.5 or best_rx is None:
        return None, best_share
    sel = [x for x in v.strings if best_rx.fullmatch(x)]
    ser = pd.Series(sel, dtype=object)
    if best_fmt is None:
        sep = "/" if "/" in sel[0] else "-"
        first = pd.to_numeric(ser.str.split(sep).str[0], errors="coerce")
        best_fmt = f"%m{sep}%d{sep}%Y" if (first > 12).sum() == 0 and (
            pd.to_numeric(ser.str.split(sep).str[1], errors="coerce") > 12).any() else f"%d{sep}%m{sep}%Y"
    d = pd.to_datetime(ser, format=best_fmt, errors="coerce", utc=best_fmt == "ISO8601")
    if best_fmt == "ISO8601":
        d = d.dt.tz_localize(None)
    parsed_share = best_share * float(d.notna().mean()) if len(d) else 0.0
    return d.dropna(), parsed_share


def _this_year() -> int:
    """The current calendar year (a function, so that tests can freeze it)."""
    import datetime

    return datetime.date.today().year


def _dob_check(v: _Values, name_hint: bool) -> tuple[float, str] | None:
    """Return (share, detail) when the dates look like dates of birth, else None.

    Implied ages are whole calendar years (this year minus the year of birth), so the
    answer is the same on every day of a year: it can change only on 1 January, and then
    only for dates about 110 years back or in the year just begun.
    """
    import pandas as pd

    d, share = _parse_dates(v)
    if d is None or share < 0.8 or len(d) == 0:
        return None
    ages = (_this_year() - d.dt.year).astype("float64")
    in_range = float(((ages >= 0) & (ages <= 110)).mean())
    has_time = bool(((d - d.dt.normalize()) != pd.Timedelta(0)).any())
    span_years = float((d.max() - d.min()).days / 365.25)
    median_age = float(ages.median())
    if name_hint:
        if in_range >= 0.9 and not has_time:
            return share * in_range, "dates whose implied ages are between 0 and 110"
        return None
    if in_range >= 0.98 and not has_time and span_years >= 15 and 16 <= median_age <= 90 and v.n_distinct >= 20:
        return share * in_range, (
            "dates without a time of day, spread over decades, whose implied ages are "
            "between 0 and 110 (median adult age)"
        )
    return None


_PERSON_ID_FORM = re.compile(
    r"(?:CUST|CUS|CST|CUSTOMER|USR|USER|U|MEM|MEMBER|CLI|CLIENT|ACC|ACCT|PAT|EMP|SUB|PER|P|C|K|KD|KND)"
    r"[-_ #]?\d{3,}",
    re.IGNORECASE,
)
#: Reference codes: a short letter prefix, an optional separator, then digits (PX-100000, AB123456).
_CODE_FORM = re.compile(r"[A-Za-z]{1,6}[-_ #/.]?\d{4,}(?:[-_/]?[A-Za-z0-9]{1,6})?")
_CAP_WORD = re.compile(r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\-]+")


def _name_like(x: str) -> bool:
    parts = x.split()
    if not 1 <= len(parts) <= 4:
        return False
    if not all(_CAP_WORD.fullmatch(p) or (len(p) == 2 and p[1] == ".") or (p.isupper() and p.isalpha())
               for p in parts):
        return False
    low = [p.lower().strip(".") for p in parts]
    if len(parts) == 1:
        return low[0] in P.FIRST_NAMES or low[0] in P.SURNAMES
    return low[0] in P.FIRST_NAMES or low[-1] in P.SURNAMES


_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_text(v: _Values) -> bool:
    if v.numeric or v.boolean or not v.strings:
        return False
    words = np.array([sum(1 for w in x.split() if _WORD.search(w)) for x in v.strings], dtype=float)
    return float(np.average(words, weights=v.weights)) >= 3.0


_GENDER_CORE = ({"m", "male", "man", "men", "mann", "homme", "hombre", "masculin", "masculino"},
                {"f", "female", "woman", "women", "frau", "w", "femme", "mujer", "feminin", "femenino"})


def _value_guess(v: _Values, name_rules: list[P.NameRule]) -> list[tuple[str, Evidence, str | None]]:
    """Value-pattern evidence: a list of (category, evidence, special kind), strongest first."""
    out: list[tuple[str, Evidence, str | None]] = []
    if v.n == 0 or v.boolean:
        return out
    strings = v.strings
    low = [x.lower() for x in strings]

    def add(cat: str, rule: str, share: float, detail: str, kind: str | None = None) -> None:
        out.append((cat, Evidence(rule, round(share, 4), detail), kind))

    if not v.numeric:
        has_at = any("@" in x for x in strings)
        if has_at:
            share = v.share(P.is_email)
            if share >= 0.5:
                add("contact", "value:email", share, "values are email addresses")
        if any("." in x or ":" in x for x in strings[:200]):
            share = v.share(P.is_ip)
            if share >= 0.5:
                add("device", "value:ip", share, "values are IP addresses (IPv4 or IPv6)")
        share = v.share(P.is_iban)
        if share >= 0.5:
            add("financial", "value:iban", share, "values are IBANs with valid checksums")
        share = v.share(P.is_postcode)
        if share >= 0.6:
            add("location", "value:postcode", share, "values are UK postcodes or US ZIP+4 codes")
        share = v.share(_name_like)
        # People's names are many: a handful of values repeated over a large sample ("White",
        # "Black", "Other") are groups, not names.
        varied = v.n < 50 or v.n_distinct > 12 or v.share(lambda x: len(x.split()) >= 2) >= 0.5
        special_name = any(r.category == "special_category" for r in name_rules)
        if share >= 0.6 and varied and not special_name:
            add("direct_identifier", "value:person_name", share, "values read as people's names")
        lowset = set(low)
        core_m, core_f = _GENDER_CORE
        if len(lowset) <= 12:
            share = v.share(lambda x: x.lower() in P.GENDER_VALUES)
            if share >= 0.95 and lowset & core_m and lowset & core_f:
                add("demographic", "value:gender", share, "values are gender categories")
            core_eth = {x for x in lowset if x in P.ETHNICITY_VALUES and x not in ("other", "prefer not to say")}
            share = v.share(lambda x: x.lower() in P.ETHNICITY_VALUES)
            if share >= 0.9 and len(core_eth) >= 3:
                add("special_category", "value:ethnicity", share, "values are ethnic groups", "ethnicity")
            core_rel = {x for x in lowset if x in P.RELIGION_VALUES and x not in ("other", "none", "prefer not to say")}
            share = v.share(lambda x: x.lower() in P.RELIGION_VALUES)
            if share >= 0.9 and len(core_rel) >= 3:
                add("special_category", "value:religion", share, "values are religions or beliefs", "religion")
        if not out and _is_text(v):
            e_share = v.share(P.contains_email) if has_at else 0.0
            p_share = v.share(P.contains_phone)
            c_share = v.share(lambda x: any(P.is_card(m.group(0)) for m in _CARD_IN.finditer(x)))
            found = [w for w, s in (("email addresses", e_share), ("phone numbers", p_share),
                                    ("payment card numbers", c_share)) if s > 0]
            share = max(e_share, p_share, c_share)
            if found and share * v.n >= 2:
                add("contact", "text:contact", share,
                    "free text that contains " + " and ".join(found))
    if v.raw_text:
        share = v.share(P.is_phone)
        if share >= 0.5:
            add("contact", "value:phone", share, "values are phone numbers")
    # cards can be stored as integers
    share = v.share(P.is_card)
    if share >= 0.9 and v.n_distinct >= 5:
        add("financial", "value:card", share, "values are payment card numbers (card prefix and Luhn check)")
    if v.raw_text:
        share = v.share(lambda x: P.is_zip5(x) or P.is_postcode(x))
        zipname = any(r.rule == "name:location" for r in name_rules)
        if share >= 0.9 and (zipname or (any(x.startswith("0") for x in strings) and v.n_distinct >= 20
                                         and not any(r.category != "location" for r in name_rules))):
            add("location", "value:zip", share, "values are five-digit ZIP codes")
    name_dob = any(r.rule == "name:dob" for r in name_rules)
    dob = _dob_check(v, name_dob)
    if dob is not None:
        add("demographic", "value:date_of_birth", dob[0], dob[1])
    out.sort(key=lambda t: -t[1].match_share)
    return out


_CARD_IN = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}(?!\d)")


def _is_item_id(tokens: tuple[str, ...]) -> bool:
    t = set(tokens)
    joined = "".join(tokens)
    item = t & P.ITEM_TOKENS or any(w in joined for w in ("orderid", "ordernumber", "orderno", "productid",
                                                           "productcode", "itemid", "skuid", "transactionid"))
    if not item or t & P.PERSON_TOKENS:
        return False
    # "category_purchases_90d" counts what a person did in a category: behavioural, not an item.
    # An item column names or identifies the item: a single item word, or one with an id/name word.
    naming = {"name", "title", "type", "label", "group", "department", "dept", "level"}
    return len(tokens) == 1 or bool(t & P.ID_TOKENS) or bool(t & naming) or any(
        w in joined for w in ("orderid", "ordernumber", "orderno", "productid", "productcode", "itemid",
                              "skuid", "transactionid"))


def _guess_column(column: Any, s: pd.Series, random_state: int | None) -> ColumnGuess:
    name = str(column)
    tokens = P.name_tokens(name)
    rules = P.match_name(name)
    tset = set(tokens)
    item_like = _is_item_id(tokens)
    # product_name, order_id, product_category: person rules and "order" do not apply
    if item_like:
        rules = [r for r in rules if r.category not in ("direct_identifier", "behavioural")
                 or r.rule == "name:count"]
    v = _values(s, random_state)
    evidence: list[Evidence] = []
    kind: str | None = None

    if v.n == 0:
        if rules:
            r = rules[0]
            return ColumnGuess(name, r.category, round(r.weight * 0.6, 2),
                               (Evidence(r.rule, 1.0, r.detail),
                                Evidence("value:empty", 0.0, "no values in the sample to check")),
                               _role(r.category, item_like), r.special_category_kind)
        return ColumnGuess(name, "other", 0.3, (Evidence("value:empty", 0.0, "no values in the sample to check"),),
                           "other")

    # Flags and booleans cannot hold contact details or identifiers.
    if v.boolean:
        rules = [r for r in rules if r.category not in ("contact", "direct_identifier", "financial", "device", "location")]
    # Numbers cannot be emails or names; keep phone/id names (numbers lose their formatting).
    if v.numeric:
        rules = [r for r in rules if r.rule not in ("name:email", "name:person_name")]

    # A bare "name" column (product name, file name) is a person's name only if values agree.
    if (rules and rules[0].rule == "name:person_name" and "name" in tset and len(tset) <= 2
            and not P.unambiguous_person_name(tokens)
            and not v.numeric and v.n >= 20 and v.share(_name_like) < 0.3):
        rules = rules[1:]
        evidence.append(Evidence("value:no_person_name", round(v.share(_name_like), 4),
                                 "the name says 'name' but the values do not read as people's names"))
    # "title" is a salutation (Mr, Dr) only when a handful of short values repeat
    if (rules and rules[0].rule == "name:demographic" and tset <= {"title", "titles"} and v.n >= 20
            and not v.numeric and (v.n_distinct > 12 or v.share(lambda x: len(x.split()) >= 2) >= 0.5)):
        rules = rules[1:]
        evidence.append(Evidence("value:no_salutation", 0.0,
                                 "the name says 'title' but the values are not salutations"))
    values = _value_guess(v, rules)
    if item_like:  # batch or order numbers shaped like ZIP codes
        values = [t for t in values if t[1].rule != "value:zip"]
    if not rules and not item_like and P.is_count_name(tokens) and (v.numeric or v.n == 0):
        rules = [P.COUNT_RULE]
    name_rule = rules[0] if rules else None

    if values:
        cat, ev, kind = values[0]
        conf = 0.5 + 0.45 * ev.match_share
        evidence.insert(0, ev)
        if name_rule is not None and name_rule.category == cat:
            conf = 1 - (1 - conf) * (1 - name_rule.weight)
            evidence.append(Evidence(name_rule.rule, 1.0, name_rule.detail))
            kind = kind or name_rule.special_category_kind
        elif name_rule is not None:
            conf *= 0.85
            evidence.append(Evidence(name_rule.rule, 1.0, name_rule.detail + ", but the values disagree"))
        for _, other_ev, _ in values[1:]:
            evidence.append(other_ev)
        return ColumnGuess(name, cat, round(min(conf, 0.99), 2), tuple(evidence), _role(cat, item_like), kind)

    unique_ratio = v.n_distinct / v.n if v.n else 0.0
    near_unique = v.n >= 20 and unique_ratio >= 0.95 and not v.boolean

    named_id = bool(tokens) and tokens[-1] in P.ID_TOKENS and len(tokens) >= 2 and not item_like
    if (near_unique and named_id and name_rule is not None
            and name_rule.category not in ("direct_identifier", "contact", "special_category")):
        # "loan_ref", "policy_no": a topic word (loan, policy) names what the code refers to, but
        # near-unique values under an id word single out the person a row is about
        return ColumnGuess(name, "direct_identifier", 0.6,
                           (Evidence("unique:named_id", round(unique_ratio, 4),
                                     "values are nearly all distinct and the name ends in an id word "
                                     "(ref, no, number, code)"),
                            Evidence(name_rule.rule, 1.0, name_rule.detail + ", but the values are one code per row")),
                           "identifier")
    if name_rule is not None:
        cat = name_rule.category
        conf = name_rule.weight
        evidence.insert(0, Evidence(name_rule.rule, 1.0, name_rule.detail))
        if cat == "direct_identifier" and near_unique:
            conf = 1 - (1 - conf) * 0.5
            evidence.append(Evidence("unique:person_id", round(unique_ratio, 4), "values are nearly all distinct"))
        elif cat in ("contact", "direct_identifier") and v.n >= 20 and name_rule.rule != "name:person_id":
            conf *= 0.8
            evidence.append(Evidence("value:no_match", 0.0, "no value pattern confirmed the name"))
        return ColumnGuess(name, cat, round(conf, 2), tuple(evidence), _role(cat, item_like),
                           name_rule.special_category_kind)

    if _is_text(v):
        return ColumnGuess(name, "other", 0.6,
                           (Evidence("text:none", 0.0,
                                     "free text in which no email address, phone number or card number was found"),),
                           "feature")
    if near_unique:
        person_token = bool(tset & P.PERSON_TOKENS) and bool(tset & P.ID_TOKENS or len(tokens) == 1)
        form = v.share(lambda x: _PERSON_ID_FORM.fullmatch(x) is not None) if not v.numeric else 0.0
        if person_token and not item_like:
            return ColumnGuess(name, "direct_identifier", 0.75,
                               (Evidence("unique:person_id", round(unique_ratio, 4),
                                         "values are nearly all distinct and the name refers to a person"),),
                               "identifier")
        if form >= 0.9 and not item_like:
            return ColumnGuess(name, "direct_identifier", 0.6,
                               (Evidence("unique:person_id", round(form, 4),
                                         "values are nearly all distinct and shaped like customer or user ids"),),
                               "identifier")
        code = v.share(lambda x: _CODE_FORM.fullmatch(x) is not None) if not v.numeric else 0.0
        if code >= 0.9 and not item_like:
            return ColumnGuess(name, "direct_identifier", 0.6,
                               (Evidence("unique:code", round(code, 4),
                                         "values are nearly all distinct reference codes (letters then digits), "
                                         "one per row: they single out the person a row is about"),),
                               "identifier")
        if named_id:
            return ColumnGuess(name, "direct_identifier", 0.6,
                               (Evidence("unique:named_id", round(unique_ratio, 4),
                                         "values are nearly all distinct and the name ends in an id word "
                                         "(ref, no, number, code)"),),
                               "identifier")
        return ColumnGuess(name, "other", 0.6,
                           (Evidence("unique:record_id", round(unique_ratio, 4),
                                     "values are nearly all distinct, but neither name nor form points to a person"),),
                           "item" if item_like and _is_product(tokens) else "other")
    return ColumnGuess(name, "other", 0.5, tuple(evidence), "item" if item_like and _is_product(tokens) else "feature")


def _is_product(tokens: tuple[str, ...]) -> bool:
    return bool(set(tokens) & {"sku", "product", "products", "item", "items", "article", "artikel", "produkt",
                                "ean", "upc", "gtin", "isbn", "asin", "category", "categories", "brand"})


def _role(category: str, item_like: bool) -> str:
    if category == "direct_identifier":
        return "identifier"
    if category == "special_category":
        return "sensitive"
    return "feature"


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
