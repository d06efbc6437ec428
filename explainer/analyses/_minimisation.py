"""Data minimisation: which collected data the model does not use, or barely uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._display import HTMLDisplay
from ._explain import ShapResult
from ._groupstats import _records

__all__ = ["MinimisationResult", "assess_minimisation", "LOW_SHARE"]

#: An input whose upper interval bound of influence share is below this is "barely used".
LOW_SHARE = 0.01


@dataclass(frozen=True)
class MinimisationResult(HTMLDisplay):
    """Per collected column: is it a model input, how much does it count, what to do.

    ``table`` columns: ``column``, ``category``, ``role``, ``is_input``, ``share``,
    ``ci_low``, ``ci_high``, ``verdict`` (``drop``, ``review``, ``keep`` or ``not an input``
    for columns with another role, such as the target), ``reason``.
    """

    table: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def unused(self) -> list[str]:
        t = self.table
        return t.loc[~t["is_input"] & t["verdict"].isin(["drop", "review"]), "column"].tolist()

    @property
    def low_value(self) -> list[str]:
        t = self.table
        return t.loc[t["is_input"] & t["verdict"].isin(["drop", "review"]), "column"].tolist()

    def verdict_of(self, column: str) -> str:
        return str(self.table.set_index("column").loc[column, "verdict"])

    def counts(self) -> dict[str, int]:
        """Number of collected columns per verdict, in the order drop, review, keep, not an input."""
        order = ("drop", "review", "keep", "not an input")
        found = self.table["verdict"].value_counts()
        return {v: int(found[v]) for v in order if v in found.index}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in self.counts().items())
        return f"MinimisationResult({len(self.table)} collected columns: {counts})"

    def _display_view(self, verdict: str | None = None) -> tuple[str, dict[str, Any]]:
        t = self.table if verdict is None else self.table[self.table["verdict"] == verdict]
        return "minimisation_result", {"rows": _records(t), "counts": list(self.counts().items()),
                                       "low_share": self.method.get("low_share"), "verdict": verdict}


def assess_minimisation(
    columns: Sequence[str],
    *,
    inputs: Sequence[str],
    shap: ShapResult | None,
    categories: Mapping[str, str],
    roles: Mapping[str, str],
    low_share: float = LOW_SHARE,
    keys: Sequence[str] = (),
) -> MinimisationResult:
    """Combine "collected but not an input" with each input's measured share of influence.

    Parameters
    ----------
    columns : sequence of str
        Every collected column.
    inputs : sequence of str
        The columns the model reads.
    shap : ShapResult or None
        Measured influence; without it, inputs are kept and said to be unmeasured.
    categories, roles : mapping
        From the inventory.
    low_share : float, default=0.01
        An input whose interval of share lies wholly below this is ``drop``; one whose
        estimate is below it is ``review``.
    keys : sequence of str, default=()
        Columns that key the rows (a recommender's customer and item columns): needed,
        though not inputs.
    """
    rows = []
    input_set = set(inputs)
    share = shap.column_share.set_index("column") if shap is not None else None
    for col in columns:
        role = roles.get(col, "feature")
        is_input = col in input_set
        s = lo = hi = None
        if is_input and share is not None and col in share.index:
            s, lo, hi = (float(share.loc[col, k]) for k in ("share", "ci_low", "ci_high"))
        if not is_input:
            if col in keys:
                verdict, reason = "not an input", "identifies the row's customer or item"
            elif role == "identifier":
                verdict, reason = "review", "identifier, not a model input; keep only if needed to link records"
            elif role in ("feature", "other"):
                verdict, reason = "drop", "collected, not a model input"
            else:
                verdict, reason = "not an input", f"kept as {role}"
        elif s is None:
            verdict, reason = "keep", "input; influence not measured"
        elif hi is not None and hi < low_share:
            verdict, reason = "drop", f"input, share of influence below {low_share:.0%} with its whole interval"
        elif s < low_share:
            verdict, reason = "review", f"input, share of influence below {low_share:.0%}"
        else:
            verdict, reason = "keep", "input with measurable influence"
        rows.append({"column": col, "category": categories.get(col, "other"), "role": role,
                     "is_input": is_input, "share": s, "ci_low": lo, "ci_high": hi,
                     "verdict": verdict, "reason": reason})
    return MinimisationResult(
        table=pd.DataFrame(rows),
        method={"low_share": low_share, "evidence": ["collected but not an input", "SHAP share of influence"],
                "refit": "not run"},
    )
