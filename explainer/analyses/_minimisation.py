"""Data minimisation: which collected data the model does not use, or does not need.

Three kinds of evidence are combined, per collected column and per data category:

(a) the column is collected but is not a model input;
(b) its share of the model's influence (mean absolute SHAP attribution, with an interval);
(c) drop-column importance: the change in the model's metric when it is refitted without
    the column (or every input of the category), with a paired interval
    (see :func:`explainer.analyses.drop_column_importance`).

Verdicts mean what they say:

- ``drop``: not a model input, or refitted without it the model loses nothing beyond the
  small-loss margin, shown by an equivalence test (Schuirmann 1987): the whole 95% interval
  of the change lies above ``-small_loss``;
- ``keep``: refitted without it the model loses: the whole interval lies below 0 and the
  estimated loss is at least ``small_loss`` (without a refit: the model leans on it, a share
  of influence of at least 5%);
- ``inconclusive``: anything else, with the reason (an interval too wide for the margin; a
  share below 5% without a refit, which cannot separate fitted noise from signal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain, records
from ._explain import ShapResult
from ._group_metrics import _records
from ._refit import RefitResult

__all__ = ["MinimisationResult", "assess_minimisation", "LOW_SHARE", "SMALL_LOSS"]

#: An input whose upper interval bound of influence share is below this is "barely used".
LOW_SHARE = 0.01
#: A loss of the model's metric (AUC, NDCG at k or R2) below this is "small".
SMALL_LOSS = 0.01
#: A column with at least this share of influence is not dropped on a refit alone: the
#: model leans on it now, and other inputs only stand in for it.
LEANS_ON = 0.05

_COLUMNS = ["column", "category", "role", "is_input", "share", "ci_low", "ci_high", "refit_delta",
            "refit_ci_low", "refit_ci_high", "refit_how", "verdict", "reason"]
_CATEGORY_COLUMNS = ["category", "columns", "inputs", "share", "ci_low", "ci_high", "refit_delta",
                     "refit_ci_low", "refit_ci_high", "verdict", "reason"]


@dataclass(frozen=True)
class MinimisationResult(HTMLDisplay):
    """Per collected column and per data category: is it used, does the model need it.

    ``table`` columns: ``column``, ``category``, ``role``, ``is_input``, ``share``,
    ``ci_low``, ``ci_high`` (share of influence and its interval), ``refit_delta``,
    ``refit_ci_low``, ``refit_ci_high`` (change in the model's metric when refitted
    without the column, None where not refitted), ``refit_how``, ``verdict`` (``drop``,
    ``inconclusive``, ``keep``, or ``not an input`` for columns with another role, such as the
    target), ``reason``. ``categories`` has the same evidence per data category.
    ``method`` says which evidence was used, and why a refit was not run.
    """

    table: pd.DataFrame
    categories: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_CATEGORY_COLUMNS))
    method: dict[str, Any] = field(default_factory=dict)
    refit: RefitResult | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def unused(self) -> list[str]:
        """Collected columns that are not model inputs and have no other role."""
        t = self.table
        columns: list[str] = t.loc[~t["is_input"] & (t["verdict"] == "drop"), "column"].tolist()
        return columns

    @property
    def low_value(self) -> list[str]:
        """Model inputs the model does not need (``drop``), or with a low share and no refit to decide."""
        t = self.table
        share_only = t["share"].notna() & t["refit_delta"].isna()  # judged on the share alone
        columns: list[str] = t.loc[t["is_input"] & ((t["verdict"] == "drop") | ((t["verdict"] == "inconclusive")
                                                                               & share_only)), "column"].tolist()
        return columns

    def verdict_of(self, column: str) -> str:
        return str(self.table.set_index("column").loc[column, "verdict"])

    def counts(self) -> dict[str, int]:
        """Number of collected columns per verdict, in the order drop, inconclusive, keep, not an input."""
        order = ("drop", "inconclusive", "keep", "not an input")
        found = self.table["verdict"].value_counts()
        return {v: int(found[v]) for v in order if v in found.index}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in self.counts().items())
        return f"MinimisationResult({len(self.table)} collected columns: {counts})"

    def _display_view(self, verdict: str | None = None) -> tuple[str, dict[str, Any]]:
        t = self.table if verdict is None else self.table[self.table["verdict"] == verdict]
        return "minimisation_result", {"rows": _records(t), "counts": list(self.counts().items()),
                                       "low_share": self.method.get("low_share"), "verdict": verdict,
                                       "small_loss": self.method.get("small_loss"),
                                       "refit": self.method.get("refit") or {}}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``columns`` and ``categories`` (verdicts with their evidence),
        ``refit`` (the drop-column rows, ``[]`` without a refit) and ``method``."""
        return {"columns": records(self.table), "categories": records(self.categories),
                "refit": records(self.refit.table) if self.refit is not None else [],
                "method": plain(self.method)}


def _fmt(v: float) -> str:
    return f"{v:+.4f}"


def _judge(share: float | None, hi_share: float | None, refit: Mapping[str, Any] | None, *,
           metric: str, low_share: float, small_loss: float, refit_note: str) -> tuple[str, str]:
    """A verdict and its reason from the share of influence and the refit delta.

    With a refit: ``drop`` when the whole interval of the change lies above ``-small_loss``
    (an equivalence test: no loss beyond the margin), ``keep`` when the whole interval lies
    below 0 with an estimated loss of at least ``small_loss``, else ``inconclusive``. Without
    one: a low share is ``inconclusive``, since a share alone cannot tell fitted noise from
    signal.
    """
    share_txt = (f"share of influence {share:.1%}" if share is not None else "share of influence not measured")
    if refit is not None:
        d, lo, hi = float(refit["delta"]), float(refit["ci_low"]), float(refit["ci_high"])
        ev = f"refit without it changes {metric} by {_fmt(d)} (interval {_fmt(lo)} to {_fmt(hi)}); {share_txt}"
        tied = refit.get("tied_customers")
        tie = (f" Refitted without it, {int(tied)} held-out customers get the same score for all their candidates, "
               "so their ranking falls back to row order." if tied is not None and not pd.isna(tied) and tied > 0
               else "")
        if lo > -small_loss:
            lean = (f" The model leans on it now ({share:.1%} of its influence), but refitted without it "
                    "it does as well." if share is not None and share >= LEANS_ON else "")
            return "drop", (f"no loss beyond the margin: the whole interval lies above -{small_loss}.{lean} "
                            f"{ev}.{tie}")
        if hi < 0 and -d >= small_loss:
            return "keep", (f"a loss when refitted without it: the whole interval lies below 0 and the estimated "
                            f"loss is at least {small_loss}. {ev}.{tie}")
        if hi < 0:
            return "inconclusive", (f"a loss when refitted without it (the whole interval lies below 0), but smaller "
                                    f"than the margin of {small_loss} and not shown to be within it; refit with more "
                                    f"customers to decide. {ev}.{tie}")
        return "inconclusive", (f"the interval {_fmt(lo)} to {_fmt(hi)} is wider than the margin of {small_loss} "
                                f"and holds both no loss and a loss beyond it; refit with more customers to decide. "
                                f"{ev}.{tie}")
    tail = f"; refit not run: {refit_note}" if refit_note else ""
    if share is None:
        return "inconclusive", f"input; influence not measured{tail}"
    line = max(low_share, LEANS_ON)
    if share < line:
        return "inconclusive", (f"{share_txt}, below {line:.0%}; the share alone cannot separate fitted noise "
                                f"from signal: refit without it (pass train_data=) to decide{tail}")
    return "keep", f"the model leans on it ({share_txt}){tail}"


def assess_minimisation(
    columns: Sequence[str],
    *,
    inputs: Sequence[str],
    shap: ShapResult | None,
    categories: Mapping[str, str],
    roles: Mapping[str, str],
    low_share: float = LOW_SHARE,
    keys: Sequence[str] = (),
    refit: RefitResult | None = None,
    refit_note: str | None = None,
    small_loss: float = SMALL_LOSS,
    outcomes: Sequence[str] = (),
) -> MinimisationResult:
    """Combine "collected but not an input", the share of influence and the refit delta.

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
        Without a refit: an input whose share is below this or below :data:`LEANS_ON` (5%)
        is ``inconclusive`` (the share alone cannot separate fitted noise from signal); at
        or above both, ``keep``.
    keys : sequence of str, default=()
        Columns that key the rows (a recommender's customer and item columns): needed,
        though not customer data the model could do without.
    refit : RefitResult or None, default=None
        Drop-column importance per input (``kind="column"``) and per category
        (``kind="group"``, named by the category). Where given, it decides: ``drop`` when
        the whole interval of the change lies above ``-small_loss``; ``keep`` when it lies
        wholly below 0 and the estimated loss is at least ``small_loss``; else ``inconclusive``.
    refit_note : str or None, default=None
        Why no refit was run; repeated in each reason that relies on the share alone.
    small_loss : float, default=0.01
        The line between a small and a real loss of the model's metric.
    outcomes : sequence of str, default=()
        Columns that may be the outcome the model predicts, when no target was named: they
        are ``not an input`` (may be the outcome), not collected-but-unused data.

    Returns
    -------
    MinimisationResult
    """
    key_set = set(keys)
    share = shap.column_share.set_index("column") if shap is not None else None
    note = "" if refit is not None else (refit_note or "no training data given")
    judge = _Judge(metric=refit.metric if refit is not None else "", low_share=low_share, small_loss=small_loss,
                   refit_note=note if refit is None else "not refitted")
    input_set = set(inputs)
    rows = [_column_row(col, is_input=col in input_set, role=roles.get(col, "feature"),
                        category=categories.get(col, "other"), share=share, refit=refit, keys=key_set,
                        outcomes=outcomes, judge=judge) for col in columns]
    table = pd.DataFrame(rows, columns=_COLUMNS)
    cat_share = shap.category_share.set_index("category") if shap is not None else None
    cat_rows = [_category_row(cat, table[table["category"] == cat], share=cat_share, refit=refit, keys=key_set,
                              outcomes=outcomes, judge=judge) for cat in dict.fromkeys(table["category"])]
    return MinimisationResult(table=table, categories=pd.DataFrame(cat_rows, columns=_CATEGORY_COLUMNS),
                              method=_method(low_share, small_loss, refit, note), refit=refit)


@dataclass(frozen=True)
class _Judge:
    """The options every verdict of one assessment shares."""

    metric: str
    low_share: float
    small_loss: float
    refit_note: str

    def __call__(self, share: float | None, hi_share: float | None,
                 refit: Mapping[str, Any] | None) -> tuple[str, str]:
        return _judge(share, hi_share, refit, metric=self.metric, low_share=self.low_share,
                      small_loss=self.small_loss, refit_note=self.refit_note)


def _share_of(share: pd.DataFrame | None, name: str) -> tuple[float | None, float | None, float | None]:
    """The share of influence of one column (or category) and its interval, or Nones."""
    if share is None or name not in share.index:
        return None, None, None
    s, lo, hi = (float(share.loc[name, k]) for k in ("share", "ci_low", "ci_high"))
    return s, lo, hi


def _refit_fields(r: Mapping[str, Any] | None) -> dict[str, float | None]:
    return {"refit_delta": float(r["delta"]) if r else None,
            "refit_ci_low": float(r["ci_low"]) if r else None,
            "refit_ci_high": float(r["ci_high"]) if r else None}


def _not_input(col: str, role: str, keys: set[str], outcomes: Sequence[str]) -> tuple[str, str]:
    """The verdict of a collected column the model does not read."""
    if col in keys:
        return "not an input", "identifies the row's customer or item"
    if col in outcomes:
        return "not an input", ("may be the outcome the model predicts: no target was given, "
                                "so it is not called unused")
    if role == "identifier":
        return "drop", ("identifies a person and is not a model input: leave it out of the "
                        "model's data (keep it elsewhere only if needed to link records)")
    if role in ("feature", "other"):
        return "drop", "collected, not a model input"
    return "not an input", f"kept as {role}"


def _column_row(col: str, *, is_input: bool, role: str, category: str, share: pd.DataFrame | None,
                refit: RefitResult | None, keys: set[str], outcomes: Sequence[str], judge: _Judge) -> dict[str, Any]:
    """One collected column's evidence and verdict."""
    s, lo, hi = _share_of(share, col) if is_input else (None, None, None)
    r = refit.row(col, "column") if refit is not None and is_input else None
    if not is_input:
        verdict, reason = _not_input(col, role, keys, outcomes)
    elif col in keys:
        verdict, reason = "keep", "identifies the item or customer each row scores; needed to rank"
    else:
        verdict, reason = judge(s, hi, r)
    return {"column": col, "category": category, "role": role, "is_input": is_input,
            "share": s, "ci_low": lo, "ci_high": hi, **_refit_fields(r),
            "refit_how": r["how"] if r else None, "verdict": verdict, "reason": reason}


def _category_row(cat: str, part: pd.DataFrame, *, share: pd.DataFrame | None, refit: RefitResult | None,
                  keys: set[str], outcomes: Sequence[str], judge: _Judge) -> dict[str, Any]:
    """One data category's evidence and verdict, from its columns' rows ``part``."""
    cat_inputs = [c for c in part.loc[part["is_input"], "column"] if c not in keys]
    s, lo, hi = _share_of(share, cat)
    r = None
    if refit is not None and cat_inputs:
        r = refit.row(cat, "group") if len(cat_inputs) > 1 else refit.row(cat_inputs[0], "column")
    if part["column"].isin(keys).any() and part["is_input"].any() and not cat_inputs:
        verdict, reason = "keep", "identifies the item or customer each row scores; needed to rank"
    elif cat_inputs:
        verdict, reason = judge(s, hi, r)
    elif len(part[part["role"].isin(["feature", "other"]) & ~part["column"].isin(keys)
                  & ~part["column"].isin(list(outcomes))]):
        verdict, reason = "drop", "collected, no column of it is a model input"
    else:
        verdict, reason = "not an input", "kept for another role (" + ", ".join(sorted(set(part["role"]))) + ")"
    return {"category": cat, "columns": part["column"].tolist(), "inputs": cat_inputs,
            "share": s, "ci_low": lo, "ci_high": hi, **_refit_fields(r), "verdict": verdict, "reason": reason}


def _method(low_share: float, small_loss: float, refit: RefitResult | None, note: str) -> dict[str, Any]:
    """The ``method`` record: the lines, the evidence used and whether a refit ran."""
    evidence = ["collected but not an input", "SHAP share of influence"]
    method: dict[str, Any] = {"low_share": low_share, "small_loss": small_loss, "leans_on": LEANS_ON,
                              "evidence": evidence,
                              "verdicts": {"drop": "the whole 95% interval of the refit change lies above "
                                                   "-small_loss (equivalence test, Schuirmann 1987)",
                                           "keep": "the whole interval lies below 0 and the estimated loss is at "
                                                   "least small_loss (without a refit: share of influence at least "
                                                   "leans_on)",
                                           "inconclusive": "anything else; a low share without a refit cannot "
                                                           "separate fitted noise from signal"}}
    if refit is not None:
        evidence.append("drop-column importance (refit without the column or category)")
        method["refit"] = {"status": "run", **refit.method}
    else:
        method["refit"] = {"status": "not run", "reason": note}
    return method
