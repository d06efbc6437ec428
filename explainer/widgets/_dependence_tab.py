"""The dashboard's dependence tab: how the output moves with one of the most influential columns.

The numbers come from :func:`explainer.analyses.dependence` on the audit's explanation: the
mean attribution per value bin (bins of at least ten explained rows, never one person's
value), in the model's output unit or, for yes/no models, as the approximate change of the
probability. The caption under each chart says which, and how it is computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analyses import top_dependence
from ..report import render_fragment
from ._html import Block, fmt, render_blocks

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["DependenceTab", "N_COLUMNS"]

#: Columns offered: the most influential ones that can be shown in bins.
N_COLUMNS = 6
MARGIN, PROBABILITY = "margin", "probability"


class DependenceTab:
    """``column`` (Dropdown) and ``scale`` (ToggleButtons) choose what ``output`` (HTML) shows."""

    def __init__(self, audit: Audit, data: pd.DataFrame | None) -> None:
        import ipywidgets as W

        ex = audit.explanation
        self.unit = "" if ex is None else str(ex.unit)
        binary = ex is not None and ex.unit == "log-odds"
        self.results: dict[str, Any] = {} if ex is None or data is None else top_dependence(
            ex, data, n=N_COLUMNS, probability=binary)
        self.column = W.Dropdown(options=list(self.results), description="Column")
        scales = [(f"model output ({self.unit})", MARGIN)] + ([("probability (approximate)", PROBABILITY)]
                                                               if binary else [])
        self.scale = W.ToggleButtons(options=scales, value=MARGIN, description="Scale", disabled=not binary)
        self.output = W.HTML()
        for control in (self.column, self.scale):
            control.observe(lambda _c: self.show(), names="value")
        self._why_empty = ("Not assessed: the audit has no model explanation." if ex is None else
                           "The dashboard needs the data the audit ran on: audit.dashboard(data)." if data is None
                           else "No column has two or more value bins of at least ten explained rows.")
        self.show()
        self.widget = W.VBox([W.HBox([self.column, self.scale]), self.output])

    def table(self) -> pd.DataFrame:
        """The bins shown, with ``value`` on the chosen scale."""
        d = self.results.get(self.column.value or "")
        if d is None:
            return pd.DataFrame(columns=["bin", "rows", "x_mean", "value"])
        t = d.table
        col = "mean_probability_change" if self.scale.value == PROBABILITY else "mean_attribution"
        return t.assign(value=t[col])[["bin", "rows", "x_mean", "value"]]

    def show(self) -> None:
        from ..analyses._dependence import MARGIN_METHOD, PROBABILITY_METHOD
        from ..report._figures import dependence_chart

        column = self.column.value
        if not column:
            self.output.value = render_fragment("message", text=self._why_empty)
            return
        t = self.table()
        prob = self.scale.value == PROBABILITY
        unit = "change of probability" if prob else self.unit
        method = PROBABILITY_METHOD if prob else MARGIN_METHOD + " (exact where the SHAP values are exact)"
        uri = dependence_chart(t.rename(columns={"value": "mean_attribution"}), column=column, unit=unit)
        caption = f"How the model's output moves with {column}: {method}. Bins of at least ten explained rows."
        block = Block(f"Dependence on {column} ({unit}), per value bin",
                      ["Bin", "Rows", f"Mean of {column}", f"Mean attribution ({unit})"],
                      [[str(r.bin), str(int(r.rows)), fmt(r.x_mean, 4), fmt(r.value, 4)] for r in t.itertuples()],
                      numeric=(1, 2, 3), uri=uri, caption=caption,
                      alt=f"Line chart of the mean attribution of {column} per value bin ({unit}); the bins follow "
                          "in a table.")
        self.output.value = render_blocks("dependence", [block])
