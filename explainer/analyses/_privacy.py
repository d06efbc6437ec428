"""Re-identification risk: k-anonymity, l-diversity and generalisation suggestions.

Rows that share the same values of the quasi-identifiers (age, postcode, gender, ...) form an
*equivalence class*. Someone who knows a person's quasi-identifiers can narrow them down to
their class; a class of one singles the person out. This module measures the class sizes,
how varied the sensitive values are inside each class, and which coarsening steps (age bands,
postcode districts, month instead of day) would make every class at least ``k_threshold``
rows big.

Everything reported is counts, shares and plain-word steps; no value of the data is shown.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain
from ..errors import InvalidInputError
from ._generalisers import BIRTH_TOKENS, infer_kind, ladder, name_words
from .._messages import columns_include

__all__ = [
    "GeneralisationStep",
    "ReidentificationResult",
    "quasi_identifiers_from_inventory",
    "reidentification_risk",
]

GeneraliserKind = Literal["date_of_birth", "date", "age", "postcode", "numeric", "category", "none"]
_KINDS: tuple[str, ...] = ("date_of_birth", "date", "age", "postcode", "numeric", "category", "none")

# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneralisationStep:
    """One coarsening step and the risk measured after it (and all earlier steps).

    Attributes
    ----------
    column : str
        The quasi-identifier coarsened.
    description : str
        The step in plain words, for example "date_of_birth to 10-year age bands".
    k_after : int
        Smallest equivalence class size after the step.
    unique_share_after : float
        Share of rows alone in their class after the step.
    share_below_threshold_after : float
        Share of rows in classes smaller than ``k_threshold`` after the step.
    n_classes_after : int
        Number of equivalence classes after the step.
    """

    column: str
    description: str
    k_after: int
    unique_share_after: float
    share_below_threshold_after: float
    n_classes_after: int

    def to_dict(self) -> dict[str, Any]:
        """Return the step as a JSON-ready dict."""
        return plain({
            "column": self.column,
            "description": self.description,
            "k_after": self.k_after,
            "unique_share_after": self.unique_share_after,
            "share_below_threshold_after": self.share_below_threshold_after,
            "n_classes_after": self.n_classes_after,
        })


@dataclass(frozen=True)
class ReidentificationResult(HTMLDisplay):
    """Re-identification risk of a table, measured over its quasi-identifiers.

    How to read it: ``k`` is the size of the smallest group of rows that share all
    quasi-identifier values; ``k = 1`` means at least one person is singled out by them.
    ``unique_share`` is the share of rows that are alone in their group. ``l_diversity``
    gives, per sensitive column, the fewest distinct sensitive values found in any group:
    ``l = 1`` means that someone who finds a person's group learns their sensitive value.

    Attributes
    ----------
    quasi_identifiers, sensitive_columns : tuple of str
        The columns measured.
    k_threshold : int
        The smallest class size aimed for.
    n_rows, n_classes : int
        Rows in the table and equivalence classes over the quasi-identifiers.
    k : int
        Smallest class size (k-anonymity).
    unique_share : float
        Share of rows in classes of size 1.
    share_below_threshold : float
        Share of rows in classes smaller than ``k_threshold``.
    class_size_distribution : dict of int to int
        Class size -> number of classes of that size (counts only, no values).
    l_diversity : dict of str to int
        Distinct l-diversity per sensitive column.
    entropy_l_diversity : dict of str to float
        Entropy l-diversity per sensitive column: ``exp`` of the smallest entropy (natural
        log) of the sensitive values within a class. Empty if not asked for.
    missing_counts : dict of str to int
        Missing values per quasi-identifier; a missing value counts as a value of its own.
    generaliser_kinds : dict of str to str
        Which built-in generaliser was chosen for each quasi-identifier ("none" if none fits).
    suggestions : tuple of GeneralisationStep
        Greedy coarsening steps, in order, each with the risk reached after it.
    reached_threshold : bool
        True if ``k >= k_threshold`` as given, or after the suggested steps.
    reference_date : str or None
        Date at which ages were measured from dates of birth (ISO format), if
        ``reference_date`` was given and a date of birth was generalised; None when dates
        of birth were grouped by birth cohort (which does not depend on the day).
    notes : tuple of str
        Plain-language notes on how the numbers were computed.
    """

    quasi_identifiers: tuple[str, ...]
    sensitive_columns: tuple[str, ...]
    k_threshold: int
    n_rows: int
    n_classes: int
    k: int
    unique_share: float
    share_below_threshold: float
    class_size_distribution: dict[int, int]
    l_diversity: dict[str, int]
    entropy_l_diversity: dict[str, float] = field(default_factory=dict)
    missing_counts: dict[str, int] = field(default_factory=dict)
    generaliser_kinds: dict[str, str] = field(default_factory=dict)
    suggestions: tuple[GeneralisationStep, ...] = ()
    reached_threshold: bool = False
    reference_date: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_unique(self) -> int:
        """Number of rows alone in their class."""
        return int(self.class_size_distribution.get(1, 0))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the result (counts, shares and words only)."""
        return plain({
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive_columns": list(self.sensitive_columns),
            "k_threshold": self.k_threshold,
            "n_rows": self.n_rows,
            "n_classes": self.n_classes,
            "k": self.k,
            "unique_share": self.unique_share,
            "share_below_threshold": self.share_below_threshold,
            "class_size_distribution": [
                {"class_size": int(s), "n_classes": int(c)}
                for s, c in sorted(self.class_size_distribution.items())
            ],
            "l_diversity": dict(self.l_diversity),
            "entropy_l_diversity": dict(self.entropy_l_diversity),
            "missing_counts": dict(self.missing_counts),
            "generaliser_kinds": dict(self.generaliser_kinds),
            "suggestions": [s.to_dict() for s in self.suggestions],
            "reached_threshold": self.reached_threshold,
            "reference_date": self.reference_date,
            "notes": list(self.notes),
        })

    def to_frame(self) -> pd.DataFrame:
        """Return the risk as given and after each suggested step, one row per stage.

        Returns
        -------
        pandas.DataFrame
            Columns ``step`` (0 is the data as given), ``column``, ``change``, ``k``,
            ``unique_share``, ``share_below_threshold`` and ``n_classes``.
        """
        rows: list[dict[str, Any]] = [
            {
                "step": 0,
                "column": None,
                "change": "as given",
                "k": self.k,
                "unique_share": self.unique_share,
                "share_below_threshold": self.share_below_threshold,
                "n_classes": self.n_classes,
            }
        ]
        for i, s in enumerate(self.suggestions, start=1):
            rows.append(
                {
                    "step": i,
                    "column": s.column,
                    "change": s.description,
                    "k": s.k_after,
                    "unique_share": s.unique_share_after,
                    "share_below_threshold": s.share_below_threshold_after,
                    "n_classes": s.n_classes_after,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (f"ReidentificationResult(k={self.k} over {len(self.quasi_identifiers)} quasi-identifiers, "
                f"{self.unique_share:.1%} of {self.n_rows} rows alone in their class, "
                f"k_threshold={self.k_threshold}, {len(self.suggestions)} suggested steps)")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._group_metrics import _records

        return "reidentification_result", {
            "quasi_identifiers": list(map(str, self.quasi_identifiers)), "n_rows": self.n_rows,
            "n_classes": self.n_classes, "k": self.k, "k_threshold": self.k_threshold,
            "unique_share": self.unique_share, "reached_threshold": self.reached_threshold,
            "l_diversity": {str(c): int(v) for c, v in self.l_diversity.items()},
            "steps": _records(self.to_frame()), "notes": list(self.notes),
        }

    def plot(self, ax: Any = None) -> Any:
        """Plot the share of rows alone in their class, as given and after each step.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made if None.

        Returns
        -------
        matplotlib Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        frame = self.to_frame()
        ax.plot(frame["step"], frame["unique_share"], marker="o", label="share of rows singled out")
        ax.plot(
            frame["step"],
            frame["share_below_threshold"],
            marker="s",
            label=f"share in groups smaller than {self.k_threshold}",
        )
        ax.set_xticks(list(frame["step"]))
        ax.set_xlabel("generalisation step (0 = as given)")
        ax.set_ylabel("share of rows")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper right", fontsize="small")
        return ax


# --------------------------------------------------------------------------------------
# Equivalence classes
# --------------------------------------------------------------------------------------


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column, with missing values as one code of their own."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return codes.astype("int64", copy=False), max(len(uniques), 1)


def _class_ids(code_list: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """Combine per-column codes into one class id per row (0..n_classes-1)."""
    key, card = code_list[0][0], code_list[0][1]
    for c, m in code_list[1:]:
        if card * m >= 2**62:
            key, uniq = pd.factorize(key)
            card = len(uniq)
        key = key * m + c
        card = card * m
    ids, uniq = pd.factorize(key)
    return ids.astype("int64", copy=False), len(uniq)


@dataclass(frozen=True)
class _Risk:
    k: int
    unique_share: float
    share_below: float
    n_classes: int


def _risk(code_list: Sequence[tuple[np.ndarray, int]], n: int, k_threshold: int) -> tuple[_Risk, np.ndarray, np.ndarray]:
    ids, n_classes = _class_ids(code_list)
    sizes = np.bincount(ids, minlength=n_classes)
    risk = _Risk(
        k=int(sizes.min()),
        unique_share=float((sizes == 1).sum()) / n,
        share_below=float(sizes[sizes < k_threshold].sum()) / n,
        n_classes=int(n_classes),
    )
    return risk, ids, sizes


def _l_diversity(ids: np.ndarray, n_classes: int, sizes: np.ndarray, s: pd.Series) -> tuple[int, float]:
    sc, m = _codes(s)
    pair = ids * m + sc
    upair, counts = np.unique(pair, return_counts=True)
    cls = upair // m
    distinct = np.bincount(cls, minlength=n_classes)
    p = counts / sizes[cls]
    ent = np.bincount(cls, weights=-p * np.log(p), minlength=n_classes)
    return int(distinct.min()), float(math.exp(max(float(ent.min()), 0.0)))


# --------------------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------------------


def _check_columns(df: pd.DataFrame, cols: Sequence[Any], param: str) -> list[Any]:
    if isinstance(cols, (str, bytes)):
        cols = [cols]
    cols = list(dict.fromkeys(cols))
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"{param} must name columns of df. Got {[str(c) for c in missing[:5]]!r}, which are "
            f"not there ({len(missing)} in all). {columns_include(df.columns)}"
        )
    return cols


def reidentification_risk(
    df: pd.DataFrame,
    *,
    quasi_identifiers: Sequence[Any],
    sensitive_columns: Sequence[Any] = (),
    k_threshold: int = 5,
    generalise: bool = True,
    column_kinds: Mapping[Any, GeneraliserKind] | None = None,
    reference_date: _dt.date | str | None = None,
    entropy_l_diversity: bool = True,
) -> ReidentificationResult:
    """Measure k-anonymity and l-diversity, and suggest generalisation steps.

    Rows that share all quasi-identifier values form an equivalence class. ``k`` is the
    smallest class size: every person is indistinguishable from at least ``k - 1`` others
    by these columns. Distinct l-diversity of a sensitive column is the smallest number of
    distinct sensitive values in a class. Missing values count as a value of their own.

    With ``generalise=True`` a built-in generaliser is chosen for each quasi-identifier
    from its dtype, name and form (dates of birth: year, decade and 20-year cohorts of
    birth, or with ``reference_date`` year of birth, 10-year and broad age bands;
    dates: month, year; ages: 5-year, 10-year and broad bands; UK postcodes: sector,
    district, area; US ZIP codes: 3-digit prefix, first digit; numbers: 10, 5, 3 quantile
    bins; categories: the 10, 5, 2 most common values plus "other"). Steps are then taken
    greedily: each step moves the one quasi-identifier whose next coarsening gives the
    largest ``k`` (ties: the smallest share of rows below ``k_threshold``, then the
    smallest unique share, then column order), until ``k >= k_threshold`` or no step is left.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, one row per person.
    quasi_identifiers : sequence of column names
        Columns someone could know or look up about a person (age, postcode, gender, ...).
    sensitive_columns : sequence of column names, default=()
        Columns whose values should not be learnt from a person's class.
    k_threshold : int, default=5
        Smallest class size aimed for.
    generalise : bool, default=True
        Compute generalisation suggestions.
    column_kinds : mapping of column name to kind, default=None
        Override the inferred generaliser for some quasi-identifiers: one of
        "date_of_birth", "date", "age", "postcode", "numeric", "category", "none".
    reference_date : date, str or None, default=None
        Date at which ages are measured from dates of birth. With a date, the steps for a
        date of birth are year of birth, 10-year and broad age bands at that date, and the
        date is recorded in the result. None groups dates of birth by year of birth, decade
        of birth and 20-year birth cohorts instead: steps that do not depend on the day the
        check runs, so the same data always gives the same result.
    entropy_l_diversity : bool, default=True
        Also compute entropy l-diversity.

    Returns
    -------
    ReidentificationResult

    Raises
    ------
    InvalidInputError
        If ``df`` is not a non-empty DataFrame, ``quasi_identifiers`` is empty or names
        absent columns, a sensitive column is absent or also a quasi-identifier, or an
        option is out of range.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [30, 31, 41, 44], "sex": ["f", "f", "m", "m"]})
    >>> r = reidentification_risk(df, quasi_identifiers=["age", "sex"], k_threshold=2)
    >>> r.k, r.unique_share
    (1, 1.0)
    >>> [(s.description, s.k_after) for s in r.suggestions]
    [('age to 5-year age bands', 2)]
    """
    qis, sens, k_threshold, kinds_override = _check_reidentification_inputs(
        df, quasi_identifiers, sensitive_columns, k_threshold, column_kinds)
    n = len(df)
    base_codes = {c: _codes(df[c]) for c in qis}
    risk0, ids0, sizes0 = _risk([base_codes[c] for c in qis], n, k_threshold)
    dist_vals, dist_counts = np.unique(sizes0, return_counts=True)
    class_size_distribution = {int(s): int(c) for s, c in zip(dist_vals, dist_counts, strict=True)}

    l_div: dict[str, int] = {}
    l_ent: dict[str, float] = {}
    for c in sens:
        l_d, l_e = _l_diversity(ids0, risk0.n_classes, sizes0, df[c])
        l_div[str(c)] = l_d
        if entropy_l_diversity:
            l_ent[str(c)] = l_e

    missing_counts = {str(c): int(df[c].isna().sum()) for c in qis}
    notes = _missing_notes(df, qis, sens, missing_counts)
    kinds: dict[str, str] = {}
    steps: list[GeneralisationStep] = []
    ref: _dt.date | None = None
    reached = risk0.k >= k_threshold
    given_ref = None if reference_date is None else pd.Timestamp(reference_date).date()
    if generalise:
        kinds = {str(c): kinds_override.get(c) or infer_kind(c, df[c]) for c in qis}
        ladders = {c: ladder(c, df[c], kinds[str(c)], given_ref) for c in qis}
        ref = given_ref if "date_of_birth" in kinds.values() else None
        notes += _ladder_notes(qis, kinds, ladders, given_ref, ref)
        steps, risk = _greedy_steps(df, qis, ladders, base_codes, risk0, k_threshold)
        reached = risk.k >= k_threshold
        if risk0.k >= k_threshold:
            notes.append(f"k already reaches k_threshold={k_threshold}; no generalisation is needed.")
        elif not reached:
            notes.append(
                f"The built-in generalisations reach k={risk.k}, below k_threshold={k_threshold}. "
                "Consider removing a quasi-identifier from the data or suppressing rare rows."
            )

    return ReidentificationResult(
        quasi_identifiers=tuple(str(c) for c in qis),
        sensitive_columns=tuple(str(c) for c in sens),
        k_threshold=k_threshold,
        n_rows=n,
        n_classes=risk0.n_classes,
        k=risk0.k,
        unique_share=risk0.unique_share,
        share_below_threshold=risk0.share_below,
        class_size_distribution=class_size_distribution,
        l_diversity=l_div,
        entropy_l_diversity=l_ent,
        missing_counts=missing_counts,
        generaliser_kinds=kinds,
        suggestions=tuple(steps),
        reached_threshold=reached,
        reference_date=None if ref is None else ref.isoformat(),
        notes=tuple(notes),
    )


def _check_reidentification_inputs(
    df: Any, quasi_identifiers: Any, sensitive_columns: Any, k_threshold: Any, column_kinds: Any
) -> tuple[list[Any], list[Any], int, dict[Any, str]]:
    """The checked quasi-identifiers, sensitive columns, k threshold and kind overrides."""
    _check_table(df)
    if quasi_identifiers is None or (
        not isinstance(quasi_identifiers, (str, bytes)) and len(list(quasi_identifiers)) == 0
    ):
        raise InvalidInputError(
            "quasi_identifiers must name at least one column. Got an empty list. "
            "Name the columns someone could know about a person, such as age or postcode."
        )
    qis = _check_columns(df, quasi_identifiers, "quasi_identifiers")
    sens = _check_columns(df, sensitive_columns, "sensitive_columns")
    overlap = [c for c in sens if c in qis]
    if overlap:
        raise InvalidInputError(
            "sensitive_columns must not also be quasi_identifiers. Got "
            f"{[str(c) for c in overlap[:5]]!r} in both. Remove them from one of the lists."
        )
    if isinstance(k_threshold, bool) or not isinstance(k_threshold, (int, np.integer)) or k_threshold < 1:
        raise InvalidInputError(
            f"k_threshold must be an integer of at least 1. Got {k_threshold!r}. Use for example 5."
        )
    kinds_override = _checked_kinds(column_kinds, qis)
    return qis, sens, int(k_threshold), kinds_override


def _check_table(df: Any) -> None:
    """Raise InvalidInputError unless ``df`` is a DataFrame with at least one row."""
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(
            f"df must be a pandas DataFrame. Got an object of type {type(df).__name__}. "
            "Load the data with pandas first."
        )
    if len(df) == 0:
        raise InvalidInputError(
            "df must have at least one row. Got 0 rows. Pass the table to assess."
        )


def _checked_kinds(column_kinds: Any, qis: Sequence[Any]) -> dict[Any, str]:
    """The generaliser kinds given for some quasi-identifiers, checked."""
    kinds_override = dict(column_kinds or {})
    bad = [c for c in kinds_override if c not in qis]
    if bad:
        raise InvalidInputError(
            "column_kinds must only name quasi_identifiers. Got "
            f"{[str(c) for c in bad[:5]]!r}, which are not. Add them to quasi_identifiers or drop them."
        )
    bad_kinds = sorted({str(v) for v in kinds_override.values() if v not in _KINDS})
    if bad_kinds:
        raise InvalidInputError(
            f"column_kinds values must be one of {list(_KINDS)!r}. Got {bad_kinds[:5]!r}. "
            "Use 'none' to leave a column as it is."
        )
    return kinds_override


def _missing_notes(df: pd.DataFrame, qis: Sequence[Any], sens: Sequence[Any],
                   missing_counts: Mapping[str, int]) -> list[str]:
    """Notes on how missing quasi-identifier and sensitive values are counted (counts only)."""
    notes: list[str] = []
    with_missing = [c for c, m in missing_counts.items() if m]
    if with_missing:
        n_rows_missing = int(df[list(qis)].isna().any(axis=1).sum())
        notes.append(
            f"{n_rows_missing} of {len(df)} rows have a missing value in at least one quasi-identifier "
            f"({', '.join(with_missing)}). A missing value is treated as a value of its own: "
            "rows missing the same columns can fall in one class."
        )
    sens_missing = [str(c) for c in sens if df[c].isna().any()]
    if sens_missing:
        notes.append(
            f"Missing values in {', '.join(sens_missing)} count as one distinct sensitive "
            "value in l-diversity."
        )
    return notes


def _ladder_notes(qis: Sequence[Any], kinds: Mapping[str, str], ladders: Mapping[Any, list[Any]],
                  given_ref: _dt.date | None, ref: _dt.date | None) -> list[str]:
    """Notes on how dates of birth are grouped and which columns no generaliser fits."""
    notes: list[str] = []
    if given_ref is None and "date_of_birth" in kinds.values():
        notes.append(
            "Dates of birth are grouped by year of birth and birth cohort, which do not depend "
            "on the day the check runs. Pass reference_date to group them by age at a date."
        )
    no_step = [str(c) for c in qis if not ladders[c]]
    if no_step:
        notes.append(
            f"No built-in generaliser fits {', '.join(no_step)} (too few distinct values "
            "or an unrecognised form), so the suggestions leave "
            f"{'it' if len(no_step) == 1 else 'them'} as given."
        )
    if ref is not None:
        notes.append(f"Ages were measured from dates of birth at {ref.isoformat()}.")
    return notes


def _greedy_steps(df: pd.DataFrame, qis: Sequence[Any], ladders: Mapping[Any, list[Any]],
                  base_codes: Mapping[Any, tuple[np.ndarray, int]], risk0: _Risk,
                  k_threshold: int) -> tuple[list[GeneralisationStep], _Risk]:
    """Coarsen one quasi-identifier at a time, each time the one whose next step gives the largest k
    (ties: the smallest share below the threshold, the smallest unique share, column order), until
    k reaches the threshold or no step is left. Returns the steps and the risk after them."""
    n = len(df)
    level = {c: 0 for c in qis}
    current = dict(base_codes)
    cache: dict[tuple[Any, int], tuple[np.ndarray, int]] = {}
    risk = risk0
    steps: list[GeneralisationStep] = []
    while risk.k < k_threshold:
        best: tuple[tuple[int, float, float, int], Any, _Risk] | None = None
        for pos, c in enumerate(qis):
            if level[c] >= len(ladders[c]):
                continue
            key = (c, level[c])
            if key not in cache:
                cache[key] = _codes(ladders[c][level[c]].apply(df[c]))
            trial = [cache[key] if q == c else current[q] for q in qis]
            r, _, _ = _risk(trial, n, k_threshold)
            score = (r.k, -r.share_below, -r.unique_share, -pos)
            if best is None or score > best[0]:
                best = (score, c, r)
        if best is None:
            break
        _, c, risk = best
        current[c] = cache.pop((c, level[c]))
        steps.append(GeneralisationStep(
            column=str(c), description=ladders[c][level[c]].description, k_after=risk.k,
            unique_share_after=risk.unique_share, share_below_threshold_after=risk.share_below,
            n_classes_after=risk.n_classes,
        ))
        level[c] += 1
    return steps, risk


#: Inventory categories whose columns someone could know or look up about a person.
QUASI_IDENTIFIER_CATEGORIES = ("demographic", "location")


def quasi_identifiers_from_inventory(df: pd.DataFrame, inventory: Any) -> list[str]:
    """Choose the quasi-identifiers of a table from its data inventory.

    The rule, in order of the table's columns:

    1. columns whose role is ``target``, ``item`` or ``identifier`` and columns of the
       ``special_category`` category are never quasi-identifiers (identifiers single a
       person out on their own; special-category columns are what must not be learnt);
    2. every ``demographic`` column is one (date of birth, age, age band, gender, ...);
    3. a ``location`` column is one when it holds text (postcode, town, region) or reads as
       postcodes or ZIP codes; numeric location columns (coordinates, or counts whose name
       mentions a place) are left out: pass them explicitly if they should count;
    4. any other column whose name says birth and whose values read as dates is one.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (values are read only to test their form, never kept).
    inventory : DataInventory
        What each column is; columns it lacks are skipped.

    Returns
    -------
    list of str
        The chosen columns, possibly empty.
    """
    out: list[str] = []
    for col in df.columns:
        if col not in inventory:
            continue
        rec = inventory[col]
        if rec.role in ("target", "item", "identifier") or rec.category == "special_category":
            continue
        s = df[col]
        if rec.category == "demographic":
            out.append(str(col))
        elif rec.category == "location":
            if not pd.api.types.is_numeric_dtype(s.dtype) or infer_kind(col, s) == "postcode":
                out.append(str(col))
        elif name_words(col) & BIRTH_TOKENS and infer_kind(col, s) == "date_of_birth":
            out.append(str(col))
    return out
