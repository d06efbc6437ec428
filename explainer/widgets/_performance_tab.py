"""The dashboard's performance and error-slices tabs: aggregates of ``audit.performance`` and ``audit.error_slices``.

Yes/no models: the measures with their intervals, the confusion matrix at the decision
threshold, and the ROC, precision-recall and reliability curves, each chart followed by its
data table; for all rows (the audit's own result) or for one sensitive group chosen in a
dropdown (the same :func:`assess_performance` on that group's rows). Recommenders: precision,
recall, hit rate, NDCG and reciprocal rank at k with intervals, overall (with catalogue
coverage) or per group. Groups under the minimum size are not offered: they are named as
too few to judge. Every number is an aggregate; no row's value is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..report import render_fragment
from ._html import Block, fmt, interval, render_blocks

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["PerformanceTab", "SlicesTab"]

_ALL = ""
_SEP = "\x1f"
_POINTS = 20  # rows of a curve's data table: the curve summarised at about this many points


def _name(metric: str) -> str:
    base = metric.rsplit("_at_", 1)
    special = {"roc_auc": "ROC AUC", "ndcg": "NDCG", "reciprocal_rank": "MRR (reciprocal rank)"}
    if len(base) == 2 and base[1].isdigit():
        return f"{special.get(base[0], base[0].replace('_', ' '))} at {base[1]}"
    return special.get(metric, metric.replace("_", " "))


def _curve_blocks(curves: dict[str, Any], where: str) -> list[Block]:
    from ..report._figures import curve_chart

    blocks = []
    roc, pr, cal = curves.get("roc"), curves.get("pr"), curves.get("calibration")
    if roc:
        step = max(1, len(roc["fpr"]) // _POINTS)
        blocks.append(Block(
            f"ROC curve ({where}): points", ["false positive rate", "true positive rate"],
            [[fmt(x), fmt(y)] for x, y in list(zip(roc["fpr"], roc["tpr"]))[::step]], numeric=(0, 1),
            uri=curve_chart(roc["fpr"], roc["tpr"], xlabel="false positive rate", ylabel="true positive rate",
                            diagonal=True),
            alt=f"ROC curve ({where}): true positive rate against false positive rate; the points follow in a table."))
    if pr:
        step = max(1, len(pr["recall"]) // _POINTS)
        blocks.append(Block(
            f"Precision-recall curve ({where}): points", ["recall", "precision"],
            [[fmt(x), fmt(y)] for x, y in list(zip(pr["recall"], pr["precision"]))[::step]], numeric=(0, 1),
            uri=curve_chart(pr["recall"], pr["precision"], xlabel="recall", ylabel="precision"),
            alt=f"Precision against recall ({where}); the points follow in a table."))
    if cal:
        blocks.append(Block(
            f"Reliability ({where}): bins of equal size by score", ["mean score", "observed rate", "interval", "rows"],
            [[fmt(c["mean_score"]), fmt(c["observed"]), interval(c["ci_low"], c["ci_high"]), str(c["n"])] for c in cal],
            numeric=(0, 1, 3),
            uri=curve_chart([c["mean_score"] for c in cal], [c["observed"] for c in cal],
                            xlabel="mean score in the bin", ylabel="observed rate", diagonal=True),
            alt=f"Observed rate against mean score ({where}), in bins of equal size; the bins follow in a table."))
    return blocks


class PerformanceTab:
    """Performance overall or for one group (``group``: a Dropdown), shown in ``output`` (HTML)."""

    def __init__(self, audit: Audit, data: pd.DataFrame | None) -> None:
        import ipywidgets as W

        self.audit = audit
        self._data = data
        self._cache: dict[str, Any] = {}
        perf = audit.performance
        options: list[tuple[str, str]] = [("all rows" if perf is None or perf.task == "binary" else "all customers",
                                           _ALL)]
        self._too_few: list[str] = []
        if perf is not None:
            bg = perf.by_group
            for (feature, group), part in bg.groupby(["feature", "group"], sort=False):
                if bool(part["too_few_to_judge"].all()):
                    self._too_few.append(f"{feature} = {group}")
                else:
                    options.append((f"{feature} = {group}", f"{feature}{_SEP}{group}"))
        self.group = W.Dropdown(options=options, value=_ALL, description="Rows")
        self.output = W.HTML()
        self.group.observe(lambda _c: self.show(), names="value")
        self.show()
        self.widget = W.VBox([self.group, self.output])

    # ------------------------------------------------------------------------ numbers
    def result(self) -> Any:
        """The :class:`PerformanceResult` shown: the audit's, or the chosen group's (yes/no models), or None."""
        perf = self.audit.performance
        key = self.group.value
        if perf is None or key == _ALL or perf.task != "binary":
            return perf
        if _SEP + key not in self._cache:
            self._cache[_SEP + key] = self._group_result(*key.split(_SEP, 1))
        return self._cache[_SEP + key]

    def _group_result(self, feature: str, group: str) -> Any:
        """The same measures on one group's rows, or None without the model and the data."""
        from ..analyses._performance import assess_performance

        audit, data, perf = self.audit, self._data, self.audit.performance
        target = audit.options.get("target")
        if audit.model is None or data is None or not target or perf is None:
            return None
        y = pd.to_numeric(data[target], errors="coerce").to_numpy(float)
        if not np.isin(y, (0.0, 1.0)).all():
            return None
        mask = data[feature].astype(str).to_numpy() == group
        if "score" not in self._cache:  # the model scores the data once, for every group chosen
            self._cache["score"] = np.asarray(audit.model.predict_score(data), dtype=float)
        score = self._cache["score"]
        return assess_performance(y[mask].astype(int), score[mask], task="binary", threshold=perf.method["threshold"],
                                  n_boot=int(audit.options.get("n_boot", 200)), ci=float(perf.method["ci"]),
                                  random_state=int(audit.options.get("random_state", 0)))

    def overall_rows(self) -> list[dict[str, Any]]:
        """The measures shown: ``metric``, ``value``, ``ci_low``, ``ci_high``, ``n``."""
        perf = self.audit.performance
        if perf is None:
            return []
        key = self.group.value
        res = self.result()
        if key == _ALL or (perf.task == "binary" and res is not None):
            return [{"metric": m, **v} for m, v in res.overall.items()]
        feature, group = key.split(_SEP, 1)
        bg = perf.by_group
        part = bg[(bg["feature"] == feature) & (bg["group"] == group) & bg["metric"].notna()]
        return [{"metric": r.metric, "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high, "n": r.n}
                for r in part.itertuples(index=False)]

    # ------------------------------------------------------------------------ view
    def show(self) -> None:
        perf = self.audit.performance
        if perf is None:
            self.output.value = render_fragment(
                "message", text="Not assessed: performance needs the outcome (target) of the audited rows.")
            return
        where = self.group.label or "all rows"
        ci = f"{round(float(perf.method.get('ci', 0.95)) * 100)}%"
        unit = perf.method.get("group_size_unit", "rows")
        rows = self.overall_rows()
        blocks = [Block(f"Model performance ({where}): value and {ci} interval", ["Measure", "Value", "Interval", "Of"],
                        [[_name(r["metric"]), fmt(r["value"]), interval(r["ci_low"], r["ci_high"]), str(r["n"])]
                         for r in rows], numeric=(1, 3))]
        res = self.result()
        notes = []
        if perf.task == "binary" and res is not None:
            c = res.confusion
            blocks.append(Block(f"Confusion matrix ({where}) at threshold {fmt(perf.method['threshold'])}",
                                ["", "decided yes", "decided no"],
                                [["actually yes", str(c["tp"]), str(c["fn"])], ["actually no", str(c["fp"]), str(c["tn"])]],
                                numeric=(1, 2)))
            blocks += _curve_blocks(res.curves, where)
        elif perf.task == "binary":
            notes.append("Curves and the confusion matrix of a group need the model and the data the audit ran on: "
                         "audit.dashboard(data).")
        if self._too_few:
            notes.append(f"Too few to judge (under {perf.method.get('min_group_size')} {unit}), so not offered: "
                         + ", ".join(self._too_few) + ".")
        intro = [f"How well the model predicts, measured on the audited {unit}; each measure with its {ci} interval."]
        self.output.value = render_blocks("performance", blocks, intro=intro, notes=notes)


class SlicesTab:
    """Every error slice the audit tested, highest error rate first, in ``output`` (HTML)."""

    def __init__(self, audit: Audit) -> None:
        import ipywidgets as W

        self.audit = audit
        self.output = W.HTML()
        self.show()
        self.widget = W.VBox([self.output])

    def rows(self) -> pd.DataFrame:
        """The slices shown: at least the minimum size, sorted by error rate (highest first)."""
        res = self.audit.error_slices
        if res is None:
            return pd.DataFrame()
        s = res.slices
        s = s[s["n"] >= int(res.method.get("min_size", 0))]
        return s.sort_values(["error_rate", "n"], ascending=[False, False], kind="stable").reset_index(drop=True)

    def show(self) -> None:
        res = self.audit.error_slices
        if res is None:
            self.output.value = render_fragment(
                "message", text="Not assessed: error slices need the outcome and input columns that describe "
                                "groups of rows.")
            return
        from ..report._figures import bar_chart

        s = self.rows()
        unit, m = res.unit, res.method
        ci = f"{round(float(m.get('ci', 0.95)) * 100)}%"
        table = [[str(r.slice), str(int(r.n)), str(int(r.errors)), fmt(r.error_rate), interval(r.ci_low, r.ci_high),
                  fmt(r.rest_rate), fmt(r.ratio, 2), fmt(r.p_adjusted), "yes" if r.reported else "no"]
                 for r in s.itertuples(index=False)]
        top = s.head(10)
        kind = "miss rate" if unit == "customers" else "error rate"
        block = Block(f"All {len(s)} slices tested, highest {kind} first ({ci} interval)",
                      ["Slice", unit.capitalize(), "Errors", kind.capitalize(), "Interval", "Rest", "Ratio",
                       "Adjusted p", "Reported"], table, numeric=(1, 2, 3, 5, 6, 7))
        if len(top):
            block = Block(block.title, block.columns, block.rows, block.numeric,
                          uri=bar_chart(list(top["slice"]), list(top["error_rate"]), list(top["ci_low"]),
                                        list(top["ci_high"]), xlabel=kind, scale=1.0),
                          alt=f"Bar chart of the {len(top)} slices with the highest {kind}, with intervals; every "
                              "slice follows in a table.")
        intro = [f"Where the model errs most: groups of {unit} defined by one or two binned input columns. Overall "
                 f"{kind} {fmt(res.overall_rate)}. Slices under {m.get('min_size')} {unit} are not tested. A slice is "
                 f"reported when its Benjamini-Hochberg adjusted p is at most {m.get('fdr')} and it errs at least "
                 f"{m.get('min_ratio')} times as often as the rest."]
        self.output.value = render_blocks("error-slices", [block], intro=intro)
