"""The audit dashboard: ipywidgets over an :class:`~explainer.Audit`, no server, no port.

A thin front: every number comes from the audit's results, every table and chart from the
report's fragment templates (:func:`explainer.report.render_fragment`). Each control
re-renders one ``HTML`` widget, so the output can be read (and tested) from Python.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._display import interval_label
from .._notebooks import SAVE_AS_STILL_COPY
from ..errors import InvalidInputError
from ..findings import name_item
from ..report import render_fragment
from ._dependence_tab import DependenceTab
from ._performance_tab import PerformanceTab, SlicesTab
from ._what_if import WhatIfTab

if TYPE_CHECKING:
    from .._audit import Audit

__all__ = ["Dashboard"]

SEVERITIES = ("high", "medium", "low", "info")
VERDICTS = ("drop", "inconclusive", "keep", "not an input")
#: Group metrics offered in the fairness tab, in this order, when the audit measured them.
FAIRNESS_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "false_negative_rate",
                    "precision", "accuracy", "mean_score")
EXPOSURE = "exposure"
_NO_MODEL = "Not assessed: this audit of a decision log has no model, so it cannot tell which data was used."
#: Disparity measures that summarise each metric across groups.
_DISPARITY_OF = {
    "selection_rate": ("demographic_parity_ratio", "demographic_parity_difference"),
    "true_positive_rate": ("equal_opportunity_difference", "equalized_odds_difference"),
    "false_positive_rate": ("equalized_odds_difference",),
    "false_negative_rate": ("equal_opportunity_difference",),
}


def _label(name: str) -> str:
    return name.replace("_", " ")


def _fairness_options(audit: Audit) -> tuple[list[Any], list[tuple[str, str]], list[tuple[str, str]]]:
    """The fairness tab's features, metrics and items (labels shown, ids kept as values)."""
    fair = audit.fairness
    features = [] if fair is None else list(dict.fromkeys(fair.groups.by_group["feature"]))
    present = set() if fair is None else set(fair.groups.by_group["metric"])
    metrics = [(_label(m), m) for m in FAIRNESS_METRICS if m in present]
    if fair is not None and fair.exposure is not None and len(fair.exposure):
        # a recommender gives every customer k of n items: selection rates (and the rates built
        # on them) are equal by construction. Offer what can differ, opening on exposure.
        metrics = [("exposure to an item (share shown it)", EXPOSURE)]
        if fair.quality is not None and len(fair.quality):
            metrics += [(_label(m), m) for m in dict.fromkeys(fair.quality["metric"])]
        features = [f for f in features if f in set(fair.exposure["feature"])] or features
    items = [] if fair is None or fair.exposure is None or not len(fair.exposure) else sorted(
        map(str, fair.exposure["item"].unique()))
    labels = audit.model_info.get("item_labels") or {}
    return features, metrics, [(name_item(i, labels.get(i)), i) for i in items]


class Dashboard:
    """Tabs over one audit: overview, findings, data use, fairness, one customer, minimisation,
    performance, error slices, dependence and what-if.

    Build it with :meth:`explainer.Audit.dashboard`. In Jupyter it shows the live widget
    (``dashboard.widget``); where no widget can run (an HTML export of a notebook) it shows a
    still copy of the tables (:meth:`snapshot`), without any customer's data.

    The controls are attributes, so a notebook or a test can set them from Python:
    ``severity``; ``category``; ``feature``, ``metric`` and ``item`` (fairness);
    ``customer`` and ``customer_item`` (one customer); ``verdict`` (minimisation). Each
    control re-renders the matching output: ``overview``, ``findings``, ``data_use``,
    ``fairness``, ``why`` and ``minimisation`` (``ipywidgets.HTML``).

    The customer is chosen by position (``customer.value``: 1 to ``len(customers)``, in the
    order of the data; 0 for none, the start), never by id: a widget's state can be saved into
    the notebook file, and it then holds no customer id and, until you choose one, no
    customer's explanation. ``customers`` lists the ids in that order and ``customer_id`` is the
    chosen one, in Python only.

    The model tabs are objects with their own controls and ``output``: ``performance_tab``
    (``group``: all rows or one sensitive group), ``slices_tab``, ``dependence_tab``
    (``column``, ``scale``) and ``what_if_tab`` (``row``: a row by its position, then
    ``inputs``: one edit widget per input). The what-if inputs hold that row's values in the
    live session only: they are marked so that the save hook drops them from a saved notebook.
    """

    def __init__(self, audit: Audit, *, data: pd.DataFrame | None = None) -> None:
        import ipywidgets as W

        self.audit = audit
        self._data = self._check_data(audit, data if data is not None else audit.data)
        pages = [("Overview", self._build_overview()), ("Findings", self._build_findings()),
                 ("Data use", self._build_data_use()), ("Fairness", self._build_fairness()),
                 ("One customer", self._build_customer()), ("Minimisation", self._build_minimisation())]
        #: The model tabs (performance, error slices, dependence, what-if), each with its own controls.
        self.performance_tab = PerformanceTab(audit, self._data)
        self.slices_tab = SlicesTab(audit)
        self.dependence_tab = DependenceTab(audit, self._data)
        self.what_if_tab = WhatIfTab(audit, self._data)
        pages += [("Performance", self.performance_tab.widget), ("Error slices", self.slices_tab.widget),
                  ("Dependence", self.dependence_tab.widget), ("What if", self.what_if_tab.widget)]
        self.widget = W.Tab(children=[p for _, p in pages], titles=[t for t, _ in pages])

    # ------------------------------------------------------------------------ tabs
    def _build_overview(self) -> Any:
        import ipywidgets as W

        self.overview = W.HTML(render_fragment("audit_summary", doc=self.audit.to_dict(), with_findings=False))
        return W.VBox([self.overview])

    def _build_findings(self) -> Any:
        import ipywidgets as W

        self.severity = W.SelectMultiple(options=list(SEVERITIES), value=list(SEVERITIES), description="Severity",
                                         rows=4)
        self.findings = W.HTML()
        self.severity.observe(lambda _c: self._show_findings(), names="value")
        self._show_findings()
        return W.VBox([self.severity, self.findings])

    def _build_data_use(self) -> Any:
        import ipywidgets as W

        audit = self.audit
        cats = [] if audit.explanation is None else list(audit.explanation.category_share["category"])
        collected = set() if audit.minimisation is None else set(audit.minimisation.table["category"])
        others = sorted(collected - set(cats))
        self.category = W.Dropdown(options=[("all categories", "")] + [(c, c) for c in cats + others],
                                   value="", description="Category")
        self.data_use = W.HTML()
        self.category.observe(lambda _c: self._show_data_use(), names="value")
        self._show_data_use()
        return W.VBox([self.category, self.data_use])

    def _build_fairness(self) -> Any:
        import ipywidgets as W

        features, metrics, item_options = _fairness_options(self.audit)
        self.feature = W.Dropdown(options=features, description="Group by")
        self.metric = W.Dropdown(options=metrics, description="Metric")
        self.item = W.Dropdown(options=item_options, description="Item", disabled=True)
        self.fairness = W.HTML()
        for control in (self.feature, self.metric, self.item):
            control.observe(lambda _c: self._show_fairness(), names="value")
        self._show_fairness()
        return W.VBox([W.HBox([self.feature, self.metric, self.item]), self.fairness])

    def _build_customer(self) -> Any:
        import ipywidgets as W

        self._items = self._customer_items()
        #: The customers (ids, or row labels) in the order of the data; kept in Python, never in a widget.
        self.customers: list[Any] = list(self._items) if self._items is not None else []
        self.customer = W.BoundedIntText(value=0, min=0, max=len(self.customers), description="Customer no.",
                                         disabled=not self.customers)
        self.customer_item = W.Dropdown(options=[], description="Item")
        self.why = W.HTML()
        self.customer.observe(lambda _c: self._customer_changed(), names="value")
        self.customer_item.observe(lambda _c: self._show_why(), names="value")
        self._customer_changed()
        return W.VBox([W.HBox([self.customer, self.customer_item]), self.why])

    def _build_minimisation(self) -> Any:
        import ipywidgets as W

        self.verdict = W.ToggleButtons(options=[("all", "")] + [(v, v) for v in VERDICTS], value="",
                                       description="Verdict")
        self.minimisation = W.HTML()
        self.verdict.observe(lambda _c: self._show_minimisation(), names="value")
        self._show_minimisation()
        return W.VBox([self.verdict, self.minimisation])

    # ------------------------------------------------------------------------ inputs
    @staticmethod
    def _check_data(audit: Audit, data: pd.DataFrame | None) -> pd.DataFrame | None:
        if data is None:
            return None
        if not isinstance(data, pd.DataFrame):
            raise InvalidInputError(f"data must be the DataFrame the audit ran on. Got {type(data).__name__}.")
        rows = audit.data_info.get("rows")
        if len(data) != rows:
            raise InvalidInputError(
                f"data must be the DataFrame the audit ran on, with {rows} rows. Got {len(data)} rows. "
                "Pass the same data you passed to explainer.audit.")
        model = audit.model
        needed = [] if model is None else [c for c in (model.user_id, model.item_id, *model.input_columns)
                                           if c and c not in data.columns]
        if needed:
            raise InvalidInputError(
                f"data must hold the columns the audit used. Got {len(needed)} missing, for example "
                f"{needed[:5]!r}. Pass the same data you passed to explainer.audit.")
        return data

    def _customer_items(self) -> dict[Any, list[Any]] | None:
        """Each customer of the data (or row label, without a customer column) and their items."""
        model = self.audit.model
        if self._data is None or model is None:
            return None
        uid, iid = model.user_id, model.item_id
        if not uid:
            return {label: [] for label in self._data.index}
        frame = self._data[[uid, iid]] if iid else self._data[[uid]].assign(_item=None)
        items: dict[Any, list[Any]] = {}
        for customer, item in frame.itertuples(index=False, name=None):
            items.setdefault(customer, []).append(item)
        return items

    # ------------------------------------------------------------------------ views
    def _show_findings(self) -> None:
        wanted = set(self.severity.value)
        found = [f.to_dict() for f in self.audit.findings if f.severity.value in wanted]
        chosen = [s for s in SEVERITIES if s in wanted]
        self.findings.value = render_fragment("findings", findings=found,
                                              severities=chosen if len(chosen) < len(SEVERITIES) else [])

    def _data_use_context(self, category: str) -> dict[str, Any]:
        ex = self.audit.explanation
        assert self.audit.minimisation is not None
        table = self.audit.minimisation.table
        table = table[table["role"] != "target"]
        if category:
            table = table[table["category"] == category]
        direction = {} if ex is None else dict(zip(ex.column_share["column"], ex.column_share["direction"]))
        rows = []
        for r in table.sort_values("share", ascending=False, na_position="last").itertuples(index=False):
            share = None if r.share is None or pd.isna(r.share) else float(r.share)
            rows.append({"column": r.column, "category": r.category, "is_input": bool(r.is_input), "share": share,
                         "ci_low": None if share is None else float(r.ci_low),
                         "ci_high": None if share is None else float(r.ci_high),
                         "direction": direction.get(r.column, "")})
        chart = None
        if ex is not None and not category:
            cs = ex.category_share
            chart = {"title": "share of influence by data category", "labels": list(cs["category"]),
                     "values": list(cs["share"]), "lows": list(cs["ci_low"]), "highs": list(cs["ci_high"]),
                     "xlabel": "share of influence (%)"}
        return {"rows": rows, "category": category, "chart": chart,
                "ci_pct": "" if ex is None else interval_label(ex.method)}

    def _show_data_use(self) -> None:
        if self.audit.minimisation is None:
            self.data_use.value = render_fragment("message", text=_NO_MODEL)
            return
        self.data_use.value = render_fragment("data_use", **self._data_use_context(self.category.value))

    def fairness_rows(self) -> pd.DataFrame:
        """The group rows the fairness tab shows for the chosen feature, metric (and item)."""
        fair = self.audit.fairness
        cols = ["group", "n", "value", "ci_low", "ci_high", "too_few_to_judge"]
        if fair is None or self.feature.value is None or self.metric.value is None:
            return pd.DataFrame(columns=cols)
        if self.metric.value == EXPOSURE:
            e = fair.exposure
            assert e is not None  # the metric is offered only when exposure was measured
            part = e[(e["feature"] == self.feature.value) & (e["item"].astype(str) == self.item.value)]
            return part.rename(columns={"rate": "value"})[cols].reset_index(drop=True)
        bg = fair.groups.by_group
        if fair.quality is not None and len(fair.quality) and self.metric.value in set(fair.quality["metric"]):
            bg = fair.quality
        part = bg[(bg["feature"] == self.feature.value) & (bg["metric"] == self.metric.value)]
        return part[cols].reset_index(drop=True)

    def _fairness_summary(self) -> str:
        fair = self.audit.fairness
        if fair is None:
            return ""
        feature, metric = self.feature.value, self.metric.value
        if metric == EXPOSURE:
            g = fair.exposure_gaps
            if g is None or not len(g):
                return "Fewer than two groups are large enough to compare."
            hit = g[(g["feature"] == feature) & (g["item"].astype(str) == self.item.value)]
            if not len(hit):
                return "Fewer than two groups are large enough to compare for this item."
            r = hit.iloc[0]
            verdict = ("a reported gap: below four-fifths with its whole interval, and the test passes"
                       if r["reported"] else
                       f"{'below' if r['flagged'] else 'not below'} four-fifths at the estimate; not a reported gap")
            return (f"Lowest rate {r['low_rate']:.3f} ({r['low_group']}) against highest {r['high_rate']:.3f} "
                    f"({r['high_group']}): ratio {r['ratio']:.2f}, interval {r['ratio_ci_low']:.2f} to "
                    f"{r['ratio_ci_high']:.2f}, adjusted p {r['p_adjusted']:.2g}; {verdict}.")
        d = fair.groups.disparities
        parts = []
        for measure in _DISPARITY_OF.get(metric, ()):
            hit = d[(d["feature"] == feature) & (d["measure"] == measure)]
            if len(hit) and pd.notna(hit["value"].iloc[0]):
                r = hit.iloc[0]
                flag = "" if pd.isna(r["flagged"]) else ("; below four-fifths" if r["flagged"] else
                                                         "; not below four-fifths")
                pair = (f"{r['low_group']} against {r['high_group']}, " if pd.notna(r["low_group"]) else "")
                test = f", adjusted p {r['p_adjusted']:.2g}" if pd.notna(r["p_adjusted"]) else ""
                parts.append(f"{_label(measure)} {r['value']:.3f} ({pair}interval {r['ci_low']:.3f} to "
                             f"{r['ci_high']:.3f}{test}{flag})")
        return ("Across the groups large enough to judge: " + "; ".join(parts) + ".") if parts else ""

    def _show_fairness(self) -> None:
        fair = self.audit.fairness
        self.item.disabled = self.metric.value != EXPOSURE
        if fair is None:
            self.fairness.value = render_fragment(
                "message", text="No group metrics: the audit had no sensitive features or no outcomes.")
            return
        rows = self.fairness_rows()
        recs: list[dict[str, Any]] = [{"group": str(r.group), "n": int(r.n), "value": None if pd.isna(r.value) else float(r.value),
                 "ci_low": None if pd.isna(r.ci_low) else float(r.ci_low),
                 "ci_high": None if pd.isna(r.ci_high) else float(r.ci_high), "too_few": bool(r.too_few_to_judge)}
                for r in rows.itertuples(index=False)]
        drawable = [r for r in recs if r["value"] is not None]
        label = self.metric.label or ""
        chart = {"title": f"{label} by {self.feature.value}",
                 "labels": [r["group"] + (" (too few)" if r["too_few"] else "") for r in drawable],
                 "values": [r["value"] for r in drawable],
                 "lows": [r["value"] if r["ci_low"] is None else r["ci_low"] for r in drawable],
                 "highs": [r["value"] if r["ci_high"] is None else r["ci_high"] for r in drawable],
                 "xlabel": label, "scale": 1.0} if drawable else None
        self.fairness.value = render_fragment(
            "group_table", rows=recs, feature=self.feature.value, metric_label=label,
            item=self.item.value if self.metric.value == EXPOSURE else None, min_group_size=fair.min_group_size,
            unit=fair.method.get("group_size_unit", "rows"),
            ci_pct=interval_label(fair.method), summary=self._fairness_summary(), chart=chart)

    @property
    def customer_id(self) -> Any:
        """The id (or row label) of the chosen customer, or None before one is chosen."""
        position = int(self.customer.value or 0)
        return self.customers[position - 1] if 0 < position <= len(self.customers) else None

    def _customer_changed(self) -> None:
        items = [] if self._items is None else self._items.get(self.customer_id, [])
        labels = self.audit.model_info.get("item_labels") or {}
        self.customer_item.options = [(name_item(i, labels.get(str(i))), i) for i in items if i is not None]
        self.customer_item.disabled = not self.customer_item.options
        if self.customer_item.options and self.customer_item.value is None:
            self.customer_item.value = self.customer_item.options[0][1]
        self._show_why()

    def explanation(self) -> Any:
        """``audit.why(customer, item)`` for the chosen customer and item, or None."""
        customer = self.customer_id
        if self._items is None or customer is None:
            return None
        if self.customer_item.options and self.customer_item.value is None:
            return None
        item = self.customer_item.value
        if self.audit.data is not None:
            return self.audit.why(customer, item)
        from .._why import why

        return why(self.audit.model, self._data, customer, item, inventory=self.audit.inventory,
                   random_state=int(self.audit.options.get("random_state", 0)))

    def _show_why(self) -> None:
        if self._items is None:
            need = ("a model, which this audit of a decision log does not have" if self.audit.model is None
                    else "the data the audit ran on: audit.dashboard(data)")
            self.why.value = render_fragment("message", text=f"To explain one customer, the dashboard needs {need}.")
            return
        w = self.explanation()
        if w is None:
            self.why.value = render_fragment(
                "message", text=f"Choose a customer by number, 1 to {len(self.customers)} in the order of the data, "
                                "to see why they see each item. Their id stays in Python: dashboard.customer_id.")
            return
        cats = sorted(w.category_attributions.items(), key=lambda kv: -abs(kv[1]))
        self.why.value = render_fragment(
            "why_view", customer=f"no. {self.customer.value} of {len(self.customers)}", item=w.item, text=str(w), unit=w.unit, score=w.score,
            rank=w.rank, k=w.k, in_top_k=w.in_top_k, selected=w.selected,
            n_items=len(self.customer_item.options) or None,
            reasons=[{"column": r.column, "category": r.category, "direction": r.direction, "strength": r.strength,
                      "attribution": r.attribution, "share": r.share} for r in w.reasons],
            categories=[{"category": c, "value": v} for c, v in cats],
            chart={"title": "this customer's attribution by data category", "labels": [c for c, _ in cats],
                   "values": [v for _, v in cats], "xlabel": f"attribution ({w.unit})", "scale": 1.0})

    def _show_minimisation(self) -> None:
        if self.audit.minimisation is None:
            self.minimisation.value = render_fragment("message", text=_NO_MODEL)
            return
        name, ctx = self.audit.minimisation._display_view(verdict=self.verdict.value or None)
        self.minimisation.value = render_fragment(name, **ctx)

    # ------------------------------------------------------------------------ display
    def snapshot(self) -> str:
        """A still HTML copy of the overview, findings, data use, fairness, minimisation, performance,
        error slices and dependence tabs (aggregates only).

        It holds no customer's row: the per-customer and what-if views exist only in the live widget.
        """
        # the snapshot template has a slot per tab of the first layout; the model tabs (already
        # rendered, autoescaped fragments) follow the minimisation tab in its slot
        model_tabs = (self.performance_tab.output.value, self.slices_tab.output.value,
                      self.dependence_tab.output.value)
        return render_fragment(
            "dashboard_snapshot", overview=self.overview.value, findings=self.findings.value,
            data_use=self.data_use.value, fairness=self.fairness.value,
            minimisation="\n".join((self.minimisation.value, *model_tabs)))

    def __repr__(self) -> str:
        return (f"Dashboard({self.audit!r}; tabs: overview, findings, data use, fairness, one customer, "
                "minimisation, performance, error slices, dependence, what if)")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget, its still copy (``text/html``) and text; marked to be saved as the still copy.

        The mark (:data:`explainer._notebooks.SAVE_AS_STILL_COPY`) lets the save hook of
        ``make lab`` (:func:`explainer.widgets.pre_save_hook`) drop the live view from the saved
        file, so a reopened notebook shows the still copy rather than a widget error.
        """
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.snapshot()
        return bundle, copy.deepcopy(SAVE_AS_STILL_COPY)
