"""The dashboard's what-if tab: change one audited row's inputs and see its new score, rank and attributions.

The row is chosen by its position in the audited data ("row 3 of 2000"), never by an id or a
value. Its inputs then appear in edit widgets built from the column types: a bounded number
box (the observed range) for numbers, a dropdown of the categories seen for categories (up
to :data:`MAX_LEVELS`). Each edit re-scores the row (for a recommender, the customer's
candidates, with a customer-level input changed on every candidate) and explains it again
with the audit's SHAP path (:func:`explainer.analyses._explain.local_attributions`, exact for
linear and tree models): the new score, the new rank among the customer's candidates and the
new attribution by data category, which adds up to the model output minus its average.

The row's values live only in the edit widgets of the live session. Those widgets, and the
output, carry the CSS class :data:`NOT_SAVED`: the notebook save hook
(:func:`explainer.widgets.pre_save_hook`) drops their state from a saved notebook, and
choosing row 0 closes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..report import render_fragment
from ._html import NOT_SAVED, Block, fmt, render_blocks

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["WhatIfTab", "MAX_LEVELS", "NOT_SAVED"]

#: A categorical input with more distinct values than this stays fixed (too many to list).
MAX_LEVELS = 50


def _editor(W: Any, column: str, values: pd.Series, own: Any) -> Any:
    """An edit widget for one input, from its type and observed values; None when it cannot be edited."""
    style = {"description_width": "initial"}
    if pd.isna(own):
        return None
    if values.dtype == bool:
        return W.Dropdown(options=[("False", False), ("True", True)], value=bool(own), description=column, style=style)
    if pd.api.types.is_integer_dtype(values):
        lo, hi = int(values.min()), int(values.max())
        return W.BoundedIntText(value=int(own), min=lo, max=hi, description=column, style=style)
    if pd.api.types.is_numeric_dtype(values):
        return W.BoundedFloatText(value=float(own), min=float(values.min()), max=float(values.max()), step=None, description=column, style=style)
    seen = pd.unique(values.dropna())
    if len(seen) > MAX_LEVELS:
        return None
    options = sorted(((str(v), v) for v in seen), key=lambda o: o[0])
    return W.Dropdown(options=options, value=own, description=column, style=style)


class WhatIfTab:
    """``row`` (a BoundedIntText, 0 for none) picks the row; ``inputs`` maps each editable column to its widget."""

    def __init__(self, audit: Audit, data: pd.DataFrame | None) -> None:
        import ipywidgets as W

        self.audit = audit
        self._data = data
        self.model = audit.model
        n = 0 if data is None or self.model is None else len(data)
        self.row = W.BoundedIntText(value=0, min=0, max=n, description="Row no.", disabled=n == 0)
        self.of = W.Label(f"of {n} audited rows (0: none)")
        self.inputs: dict[str, Any] = {}
        self.fixed: list[str] = []
        self.editors = W.VBox([])
        self.output = W.HTML()
        self.output.add_class(NOT_SAVED)
        #: Before and after the edits, in Python (scores, outputs, ranks, attributions by category).
        self.result: dict[str, Any] | None = None
        self._before: dict[str, Any] | None = None
        self._person_level = self._customer_columns()
        self.row.observe(lambda _c: self._row_changed(), names="value")
        self._row_changed()
        self.widget = W.VBox([W.HBox([self.row, self.of]), self.editors, self.output])

    def _customer_columns(self) -> set[str]:
        """Inputs with one value per customer: an edit of one changes all of that customer's candidates."""
        m, data = self.model, self._data
        if m is None or data is None or m.task != "ranking" or not m.user_id:
            return set()
        cols = [c for c in m.input_columns if c != m.item_id]
        counts = data.groupby(m.user_id, sort=False)[cols].nunique(dropna=False)
        return {c for c in cols if bool((counts[c] <= 1).all())}

    # ------------------------------------------------------------------------ choosing a row
    def _row_changed(self) -> None:
        import ipywidgets as W

        for w in self.inputs.values():
            w.close()
        self.inputs, self.fixed, self.result, self._before = {}, [], None, None
        self.editors.children = ()
        position = int(self.row.value or 0)
        if position == 0 or self._data is None or self.model is None:
            self._message()
            return
        data, m = self._data, self.model
        own = data.iloc[position - 1]
        for c in m.input_columns:
            if c == m.item_id:
                continue
            w = _editor(W, c, data[c], own[c])
            if w is None:
                self.fixed.append(c)
                continue
            w.add_class(NOT_SAVED)
            w.observe(lambda _c: self.show(), names="value")
            self.inputs[c] = w
        self.editors.children = tuple(self.inputs.values())
        self._before = self._measure(self._rows())
        self.show()

    def _message(self) -> None:
        if self.model is None:
            text = "What-if needs a model, which this audit of a decision log does not have."
        elif self._data is None:
            text = "What-if needs the data the audit ran on: audit.dashboard(data)."
        else:
            text = (f"Choose a row by number, 1 to {self.row.max} in the order of the data, then change its inputs "
                    "to see the new score and attributions. Its values stay in the edit boxes of this session and "
                    "are not saved with the notebook.")
        self.output.value = render_fragment("message", text=text)

    # ------------------------------------------------------------------------ numbers
    def _rows(self, edited: bool = False) -> tuple[pd.DataFrame, int]:
        """The chosen row's candidates (a recommender) or the row alone, and the row's position among them."""
        assert self._data is not None and self.model is not None
        data, m = self._data, self.model
        at = int(self.row.value) - 1
        if m.task == "ranking" and m.user_id:
            mine = np.flatnonzero(data[m.user_id].to_numpy() == data[m.user_id].iloc[at])
            rows, pos = data.iloc[mine].copy(), int(np.flatnonzero(mine == at)[0])
        else:
            rows, pos = data.iloc[[at]].copy(), 0
        if edited:
            for c, w in self.inputs.items():
                target = slice(None) if c in self._person_level else [pos]
                j = rows.columns.get_loc(c)
                value = w.value
                if pd.api.types.is_integer_dtype(rows[c]) and rows[c].dtype != bool:
                    value = np.asarray(value).astype(rows[c].dtype)
                rows.iloc[target, j] = value
        return rows, pos

    def _measure(self, chosen: tuple[pd.DataFrame, int]) -> dict[str, Any]:
        """Score, rank, model output and attribution by category of the row at ``pos`` of ``rows``."""
        from ..analyses._explain import local_attributions

        assert self._data is not None and self.model is not None
        rows, pos = chosen
        m = self.model
        score = np.asarray(m.predict_score(rows), dtype=float)
        rank = None
        if m.task == "ranking":
            order = np.lexsort((np.arange(len(score)), -score))
            rank = int(np.flatnonzero(order == pos)[0]) + 1
        sm, raw, _ = local_attributions(m, rows.iloc[[pos]], self._data,
                                        random_state=int(self.audit.options.get("random_state", 0)))
        values = np.asarray(raw, dtype=float)[0]
        cats = self.audit.inventory.category_map()
        by_cat: dict[str, float] = {}
        for j, c in enumerate(m.input_columns):
            cat = "item" if c == m.item_id else cats.get(c, "other")
            by_cat[cat] = by_cat.get(cat, 0.0) + float(values[j])
        base = float(sm.base_value)
        return {"score": float(score[pos]), "rank": rank, "candidates": len(rows), "base": base,
                "output": base + float(values.sum()), "categories": by_cat, "unit": str(sm.output_unit),
                "in_result": (rank <= m.k) if rank is not None else bool(score[pos] >= m.threshold)}

    # ------------------------------------------------------------------------ view
    def show(self) -> None:
        if self._before is None:
            self._message()
            return
        assert self._data is not None
        own = self._data.iloc[int(self.row.value) - 1]
        changed = [c for c, w in self.inputs.items() if not _same(w.value, own[c])]
        before = self._before
        after = self._measure(self._rows(edited=True)) if changed else before  # unchanged: no second SHAP call
        self.result = {"before": before, "after": after, "changed": changed}
        unit = after["unit"]
        m = self.model
        assert m is not None
        measures = [["score", fmt(before["score"], 4), fmt(after["score"], 4), fmt(after["score"] - before["score"], 4)],
                    [f"model output ({unit})", fmt(before["output"], 4), fmt(after["output"], 4),
                     fmt(after["output"] - before["output"], 4)]]
        if m.task == "ranking":
            measures.append([f"rank among the customer's {after['candidates']} candidates", str(before["rank"]),
                             str(after["rank"]), str(after["rank"] - before["rank"])])
            measures.append([f"in the top {m.k}", fmt(before["in_result"]), fmt(after["in_result"]), ""])
        else:
            measures.append([f"decided yes (score at least {fmt(m.threshold)})", fmt(before["in_result"]),
                             fmt(after["in_result"]), ""])
        cats = sorted(set(before["categories"]) | set(after["categories"]), key=lambda c: -abs(after["categories"].get(c, 0.0)))
        cat_rows = [[c, fmt(before["categories"].get(c, 0.0), 4), fmt(after["categories"].get(c, 0.0), 4),
                     fmt(after["categories"].get(c, 0.0) - before["categories"].get(c, 0.0), 4)] for c in cats]
        total = sum(after["categories"].values())
        cat_rows.append(["all categories", fmt(sum(before["categories"].values()), 4), fmt(total, 4),
                         fmt(total - sum(before["categories"].values()), 4)])
        where = f"row no. {self.row.value} of {self.row.max}"
        blocks = [Block(f"What if: {where}, before and after the edits", ["Measure", "Before", "After", "Change"],
                        measures, numeric=(1, 2, 3)),
                  Block(f"Attribution by data category ({unit}), before and after", ["Category", "Before", "After",
                                                                                      "Change"],
                        cat_rows, numeric=(1, 2, 3))]
        notes = [f"The attributions add up to the model output minus its average output ({fmt(after['base'], 4)} "
                 f"{unit}): {fmt(total, 4)} = {fmt(after['output'], 4)} - {fmt(after['base'], 4)}. "
                 "SHAP values of the edited row, computed as the audit computes them.",
                 "Inputs changed: " + (", ".join(changed) if changed else "none yet") + "."]
        if self.fixed:
            notes.append("Not editable here (missing value, or too many values to list): " + ", ".join(self.fixed) + ".")
        if self._person_level and m.task == "ranking":
            notes.append("An input with one value per customer changes on all of the customer's candidates.")
        self.output.value = render_blocks("what-if", blocks, notes=notes)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) or (pd.isna(a) and pd.isna(b))
    except (TypeError, ValueError):
        return False
